// MSS clamping; see mss_clamp.h.
#include "dataplane/mss_clamp.h"

namespace ksstp::dp {
namespace {
constexpr uint8_t kTcp = 6;
constexpr uint8_t kSyn = 0x02;
constexpr uint8_t kOptEnd = 0, kOptNop = 1, kOptMss = 2;

uint16_t get16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
void put16(uint8_t* p, uint16_t v) {
    p[0] = uint8_t(v >> 8);
    p[1] = uint8_t(v);
}

// Clamps within one TCP segment `tcp` (header and payload).
bool clamp_segment(std::span<uint8_t> tcp, uint16_t max_mss) {
    if (tcp.size() < 20 || !(tcp[13] & kSyn)) return false;
    size_t hlen = size_t(tcp[12] >> 4) * 4;
    if (hlen < 20 || hlen > tcp.size()) return false;
    for (size_t i = 20; i < hlen;) {
        uint8_t kind = tcp[i];
        if (kind == kOptEnd) break;
        if (kind == kOptNop) {
            ++i;
            continue;
        }
        if (i + 1 >= hlen) break;
        uint8_t len = tcp[i + 1];
        if (len < 2 || i + len > hlen) break;  // a lying option length: leave the packet alone
        if (kind == kOptMss && len == 4) {
            uint16_t mss = get16(&tcp[i + 2]);
            if (mss <= max_mss) return false;
            put16(&tcp[i + 2], max_mss);
            // RFC 1624: HC' = ~(~HC + ~m + m'), in one's complement arithmetic.
            uint32_t sum = uint32_t(uint16_t(~get16(&tcp[16]))) + uint16_t(~mss) + max_mss;
            while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
            put16(&tcp[16], uint16_t(~sum));
            return true;
        }
        i += len;
    }
    return false;
}
}  // namespace

bool clamp_tcp_mss(std::span<uint8_t> p, uint16_t mtu) {
    if (p.empty()) return false;
    switch (p[0] >> 4) {
        case 4: {
            if (p.size() < 20 || mtu <= 40) return false;
            size_t ihl = size_t(p[0] & 0x0F) * 4;
            size_t total = get16(&p[2]);
            if (ihl < 20 || total < ihl || total > p.size() || p[9] != kTcp) return false;
            if (get16(&p[6]) & 0x1FFF) return false;  // a non-first fragment has no TCP header
            return clamp_segment(p.subspan(ihl, total - ihl), uint16_t(mtu - 40));
        }
        case 6: {
            if (p.size() < 40 || mtu <= 60 || p[6] != kTcp) return false;
            size_t payload = get16(&p[4]);
            if (40 + payload > p.size()) return false;
            return clamp_segment(p.subspan(40, payload), uint16_t(mtu - 60));
        }
        default:
            return false;
    }
}

}  // namespace ksstp::dp
