// Router Advertisements; see router_advertisement.h.
#include "controlplane/ipv6/router_advertisement.h"

#include <cstring>

namespace ksstp::ipv6 {
namespace {
constexpr uint8_t kIcmpv6 = 58;
constexpr uint8_t kRouterSolicitation = 133, kRouterAdvertisement = 134;
constexpr uint8_t kOptionMtu = 5;
constexpr size_t kIpv6HeaderLen = 40;
const Address kAllNodes = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
}  // namespace

Address link_local(uint64_t iid) {
    Address a{0xfe, 0x80};
    for (int i = 0; i < 8; ++i) a[size_t(8 + i)] = uint8_t(iid >> (56 - 8 * i));
    return a;
}

uint16_t icmpv6_checksum(const Address& src, const Address& dst, ByteView icmp) {
    uint32_t sum = 0;
    auto add16 = [&](ByteView b) {
        for (size_t i = 0; i < b.size(); i += 2) sum += uint32_t(b[i] << 8 | (i + 1 < b.size() ? b[i + 1] : 0));
    };
    add16(src);
    add16(dst);
    uint8_t len_nh[8] = {uint8_t(icmp.size() >> 24), uint8_t(icmp.size() >> 16), uint8_t(icmp.size() >> 8),
                         uint8_t(icmp.size()), 0, 0, 0, kIcmpv6};
    add16(len_nh);
    add16(icmp);
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    return uint16_t(~sum);
}

Bytes build_router_advertisement(const Address& src, uint32_t mtu, uint16_t router_lifetime_s) {
    Bytes icmp;
    ByteWriter w(icmp);
    w.u8(kRouterAdvertisement);
    w.u8(0);                   // code
    w.u16(0);                  // checksum, filled below
    w.u8(64);                  // Cur Hop Limit
    w.u8(0);                   // M and O flags: no DHCPv6
    w.u16(router_lifetime_s);  // 0: not a default router
    w.u32(0);                  // Reachable Time: unspecified
    w.u32(0);                  // Retrans Timer: unspecified
    w.u8(kOptionMtu);          // RFC 4861 4.6.4
    w.u8(1);
    w.u16(0);
    w.u32(mtu);
    uint16_t c = icmpv6_checksum(src, kAllNodes, icmp);
    icmp[2] = uint8_t(c >> 8);
    icmp[3] = uint8_t(c);
    Bytes pkt;
    ByteWriter p(pkt);
    p.u32(0x60000000);  // version 6, traffic class 0, flow label 0
    p.u16(uint16_t(icmp.size()));
    p.u8(kIcmpv6);
    p.u8(255);          // RFC 4861 6.1.2: receivers drop RAs whose hop limit is not 255
    p.bytes(src);
    p.bytes(kAllNodes);
    p.bytes(icmp);
    return pkt;
}

bool is_router_solicitation(ByteView b) {
    return b.size() >= kIpv6HeaderLen + 8 && (b[0] >> 4) == 6 && b[6] == kIcmpv6 && b[7] == 255 &&
           b[kIpv6HeaderLen] == kRouterSolicitation && b[kIpv6HeaderLen + 1] == 0;
}

}  // namespace ksstp::ipv6
