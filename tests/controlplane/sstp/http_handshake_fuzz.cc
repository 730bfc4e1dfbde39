// Fuzz target: the HTTP handshake parsers. Invariants: consumed never exceeds what was fed, the
// buffered header block stays under the cap, and the verdict does not depend on chunking.
#include <cstdint>
#include <cstdlib>

#include "controlplane/sstp/http_handshake.h"

using namespace ksstp;
using namespace ksstp::sstp;

namespace {
template <class Parser>
std::pair<ParseState, size_t> run(ByteView in, size_t chunk) {
    Parser p;
    size_t total = 0;
    ParseState st = ParseState::NeedMore;
    for (size_t off = 0; off < in.size() && st == ParseState::NeedMore; off += chunk) {
        ByteView part = in.subspan(off, std::min(chunk, in.size() - off));
        size_t used = 0;
        st = p.feed(part, used);
        if (used > part.size()) std::abort();
        total += used;
    }
    if (total > kMaxHttpHeaderBlock) std::abort();
    return {st, total};
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    bool response = data[0] & 1;
    size_t chunk = size_t(data[0] >> 1) % 16 + 1;
    ByteView in(data + 1, size - 1);
    auto a = response ? run<HttpResponseParser>(in, in.size() ? in.size() : 1) : run<HttpRequestParser>(in, in.size() ? in.size() : 1);
    auto b = response ? run<HttpResponseParser>(in, chunk) : run<HttpRequestParser>(in, chunk);
    // Done/Error must not depend on chunking; NeedMore vs Error may differ only at the cap.
    if (a.first != b.first) std::abort();
    if (a.first == ParseState::Done && a.second != b.second) std::abort();
    return 0;
}
