// Fuzz target: PPP frame, packet and option-list decoders (RFC 1661 2, 5, 6). Invariants:
// decoded views stay inside the input; options re-encode to exactly the bytes they came from;
// a packet re-encodes to a frame that decodes to the same fields.
#include <cstdint>
#include <cstdlib>

#include "controlplane/ppp/packet.h"

using namespace ksstp;
using namespace ksstp::ppp;

namespace {
bool inside(ByteView part, ByteView whole) {
    return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    ByteView in(data, size);
    auto f = decode_frame(in);
    if (!f) return 0;
    if (!inside(f->info, in)) std::abort();
    auto p = decode_cp(f->info);
    if (!p) return 0;
    if (!inside(p->data, f->info) || p->data.size() + kCpHeaderLen > f->info.size()) std::abort();
    Bytes again;
    encode_cp_frame(f->protocol, p->code, p->id, p->data, again);
    auto f2 = decode_frame(again);
    if (!f2 || f2->protocol != f->protocol) std::abort();
    auto p2 = decode_cp(f2->info);
    if (!p2 || p2->code != p->code || p2->id != p->id || !equal(p2->data, p->data)) std::abort();
    auto opts = decode_options(p->data);
    if (!opts) return 0;
    Bytes re;
    for (const Option& o : *opts) {
        if (!inside(o.value, p->data)) std::abort();
        encode_option(o.type, o.value, re);
    }
    if (!equal(re, p->data)) std::abort();
    return 0;
}
