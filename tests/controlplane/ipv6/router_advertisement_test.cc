// Router Advertisement builder and Router Solicitation detector (RFC 4861).
#include "controlplane/ipv6/router_advertisement.h"

#include <gtest/gtest.h>

namespace ksstp::ipv6 {
namespace {

TEST(RouterAdvertisement, IsAWellFormedRaWithAValidChecksum) {
    Address src = link_local(0x0211223344556677ULL);
    Bytes p = build_router_advertisement(src, 1400);
    ASSERT_EQ(p.size(), 40u + 16u + 8u);
    EXPECT_EQ(p[0] >> 4, 6);
    EXPECT_EQ(p[6], 58);   // ICMPv6
    EXPECT_EQ(p[7], 255);  // hop limit
    EXPECT_EQ(to_hex(ByteView(p).subspan(8, 16)), "fe800000000000000211223344556677");
    EXPECT_EQ(to_hex(ByteView(p).subspan(24, 16)), "ff020000000000000000000000000001");
    EXPECT_EQ(p[40], 134);
    EXPECT_EQ(p[46] << 8 | p[47], 0);  // router lifetime 0: not a default router
    EXPECT_EQ(to_hex(ByteView(p).subspan(56, 8)), "0501000000000578");  // MTU option, 1400
    // The checksum over the received message (checksum field included) verifies to zero.
    Address dst{};
    std::copy(p.begin() + 24, p.begin() + 40, dst.begin());
    EXPECT_EQ(icmpv6_checksum(src, dst, ByteView(p).subspan(40)), 0);
}

TEST(RouterAdvertisement, ChecksumMatchesAKnownValue) {
    // An ICMPv6 echo request fe80::1 -> fe80::2, id 1, seq 1, no data; the expected value was
    // computed independently (a Python one's-complement sum over the RFC 2460 pseudo-header).
    Address a = link_local(1), b = link_local(2);
    Bytes icmp = hex_bytes("8000 0000 0001 0001");
    EXPECT_EQ(icmpv6_checksum(a, b, icmp), 0x82b6);
}

TEST(RouterSolicitation, IsRecognisedOnlyWithHopLimit255) {
    Bytes rs = hex_bytes("6000000000083aff fe800000000000000000000000000002 ff020000000000000000000000000002 85000000 00000000");
    EXPECT_TRUE(is_router_solicitation(rs));
    rs[7] = 64;
    EXPECT_FALSE(is_router_solicitation(rs));
    EXPECT_FALSE(is_router_solicitation(hex_bytes("4500")));
}

}  // namespace
}  // namespace ksstp::ipv6
