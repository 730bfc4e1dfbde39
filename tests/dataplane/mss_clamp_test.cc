// MSS clamping: SYNs of both IP versions get the MSS lowered with a still-valid checksum;
// everything else is left alone.
#include "dataplane/mss_clamp.h"

#include <gtest/gtest.h>

#include "controlplane/base/bytes.h"

namespace ksstp::dp {
namespace {

// Full recomputation of the TCP checksum over a pseudo-header, independent of the clamp's
// incremental update.
uint16_t tcp_checksum(const Bytes& pkt) {
    uint32_t sum = 0;
    auto add = [&](const uint8_t* d, size_t n) {
        for (size_t i = 0; i < n; i += 2) sum += uint32_t(d[i] << 8 | (i + 1 < n ? d[i + 1] : 0));
    };
    size_t off, len;
    if ((pkt[0] >> 4) == 4) {
        off = size_t(pkt[0] & 15) * 4;
        len = size_t(pkt[2] << 8 | pkt[3]) - off;
        add(&pkt[12], 8);
        sum += 6 + uint32_t(len);
    } else {
        off = 40;
        len = size_t(pkt[4] << 8 | pkt[5]);
        add(&pkt[8], 32);
        sum += 6 + uint32_t(len);
    }
    add(&pkt[off], len);
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    return uint16_t(~sum);  // 0 when the stored checksum is right
}

void fix_checksum(Bytes& pkt) {
    size_t off = (pkt[0] >> 4) == 4 ? size_t(pkt[0] & 15) * 4 : 40;
    pkt[off + 16] = pkt[off + 17] = 0;
    uint16_t c = tcp_checksum(pkt);
    pkt[off + 16] = uint8_t(c >> 8);
    pkt[off + 17] = uint8_t(c);
}

// IPv4 198.19.0.10:40000 -> 198.19.0.1:5201, SYN, options: MSS 1460, SACK-permitted, NOP, wscale 7.
Bytes syn4(uint16_t mss = 1460, uint8_t flags = 0x02) {
    Bytes p = hex_bytes("4500 0030 0000 4000 4006 0000 c613000a c6130001");
    Bytes tcp = hex_bytes("9c40 1451 00000001 00000000 7000 ffff 0000 0000");
    tcp[13] = flags;
    Bytes opts = {2, 4, uint8_t(mss >> 8), uint8_t(mss), 4, 2, 1, 3, 3, 7, 0, 0};
    tcp.resize(20);
    tcp[12] = uint8_t((20 + opts.size()) / 4) << 4;
    tcp.insert(tcp.end(), opts.begin(), opts.end());
    p.insert(p.end(), tcp.begin(), tcp.end());
    p[2] = uint8_t(p.size() >> 8);
    p[3] = uint8_t(p.size());
    fix_checksum(p);
    return p;
}

Bytes syn6(uint16_t mss = 1440) {
    Bytes p = hex_bytes("6000 0000 0000 0640 20010db8000000000000000000000002 20010db8000000000000000000000001");
    Bytes tcp = hex_bytes("9c40 1451 00000001 00000000 6002 ffff 0000 0000");
    Bytes opt = {2, 4, uint8_t(mss >> 8), uint8_t(mss)};
    tcp.insert(tcp.end(), opt.begin(), opt.end());
    p.insert(p.end(), tcp.begin(), tcp.end());
    p[5] = uint8_t(tcp.size());
    fix_checksum(p);
    return p;
}

uint16_t mss_of(const Bytes& p) {
    size_t off = (p[0] >> 4) == 4 ? size_t(p[0] & 15) * 4 : 40;
    return uint16_t(p[off + 22] << 8 | p[off + 23]);
}

TEST(MssClamp, LowersTheMssOfAnIpv4SynAndKeepsTheChecksumValid) {
    Bytes p = syn4();
    ASSERT_EQ(tcp_checksum(p), 0);
    EXPECT_TRUE(clamp_tcp_mss(p, 1400));
    EXPECT_EQ(mss_of(p), 1360);
    EXPECT_EQ(tcp_checksum(p), 0);
    EXPECT_FALSE(clamp_tcp_mss(p, 1400));  // idempotent
}

TEST(MssClamp, LowersTheMssOfAnIpv6Syn) {
    Bytes p = syn6();
    ASSERT_EQ(tcp_checksum(p), 0);
    EXPECT_TRUE(clamp_tcp_mss(p, 1400));
    EXPECT_EQ(mss_of(p), 1340);
    EXPECT_EQ(tcp_checksum(p), 0);
}

TEST(MssClamp, ChecksumStaysValidForManyValues) {
    for (uint16_t mss = 600; mss < 9000; mss += 37)
        for (uint16_t mtu : {576, 1280, 1400, 1500}) {
            Bytes p = syn4(mss, 0x12);  // SYN-ACK too
            clamp_tcp_mss(p, mtu);
            ASSERT_EQ(tcp_checksum(p), 0) << mss << " " << mtu;
            ASSERT_LE(mss_of(p), std::max<uint16_t>(uint16_t(mtu - 40), std::min<uint16_t>(mss, uint16_t(mtu - 40))));
        }
}

TEST(MssClamp, LeavesOtherPacketsAlone) {
    Bytes small = syn4(1200);
    EXPECT_FALSE(clamp_tcp_mss(small, 1400));
    EXPECT_EQ(mss_of(small), 1200);
    Bytes ack = syn4(1460, 0x10);  // not a SYN
    EXPECT_FALSE(clamp_tcp_mss(ack, 1400));
    Bytes frag = syn4();
    frag[6] = 0x00;
    frag[7] = 0x10;  // fragment offset != 0
    EXPECT_FALSE(clamp_tcp_mss(frag, 1400));
    Bytes lying = syn4();
    lying[20 + 21] = 40;  // option length runs past the header
    EXPECT_FALSE(clamp_tcp_mss(lying, 1400));
    Bytes udp = syn4();
    udp[9] = 17;
    EXPECT_FALSE(clamp_tcp_mss(udp, 1400));
    Bytes truncated = syn4();
    truncated.resize(30);
    EXPECT_FALSE(clamp_tcp_mss(truncated, 1400));
}

}  // namespace
}  // namespace ksstp::dp
