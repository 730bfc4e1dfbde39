// Fuzz target: SSTP packet decoding (MS-SSTP 2.2). Invariants: whatever parses re-encodes to a
// packet that parses to the same message; NAK problem lists are never empty for an invalid
// request; nothing reads out of bounds (ASan).
#include <cstdint>
#include <cstdlib>

#include "controlplane/sstp/codec.h"

using namespace ksstp;
using namespace ksstp::sstp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    ByteView in(data, size);
    auto hdr = decode_header(in);
    if (!hdr) return 0;
    if (!hdr->control || hdr->length > size) return 0;
    auto cp = decode_control(in.first(hdr->length));
    if (!cp) {
        (void)action_for(cp.error());
        return 0;
    }
    if (cp->type == MessageType::CallConnectRequest) {
        auto problems = check_connect_request(*cp);
        auto m = parse_message(*cp);
        if (problems.empty() != m.has_value()) std::abort();  // both views must agree
    }
    auto m = parse_message(*cp);
    if (!m) return 0;
    Bytes again = encode(*m);
    if (again.size() > kMaxPacketLen) std::abort();
    auto cp2 = decode_control(again);
    if (!cp2) std::abort();
    auto m2 = parse_message(*cp2);
    if (!m2 || !(*m2 == *m)) std::abort();
    return 0;
}
