// Userspace GSO (dataplane/gso.h): super-packets as the kernel hands them with IFF_VNET_HDR are
// cut into ordinary packets whose headers, flags and checksums are right and whose payloads
// concatenate to the original.
#include "dataplane/gso.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/dataplane/test_packets.h"

namespace ksstp::dp {
namespace {

using namespace test;

uint16_t be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
uint32_t be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

std::vector<Bytes> run(const VnetHdr& h, Bytes p, size_t expect) {
    std::vector<Bytes> out;
    auto n = gso_segment(h, p, [&](std::span<const uint8_t> s) { out.emplace_back(s.begin(), s.end()); });
    EXPECT_TRUE(n.has_value()) << (n ? "" : to_string(n.error()));
    EXPECT_EQ(n.value_or(0), expect);
    EXPECT_EQ(out.size(), expect);
    return out;
}

TEST(Gso, TcpV4IsCutIntoMssSegmentsWithHeadersFlagsAndChecksumsRight) {
    Bytes p = super_packet(false, 6, 5000, 0x80 | 0x10 | 0x08 | 0x01);  // CWR ACK PSH FIN
    auto segs = run(gso(VnetHdr::kGsoTcpv4, 1400, false, 6), p, 4);
    Bytes payload;
    for (size_t i = 0; i < segs.size(); ++i) {
        const Bytes& s = segs[i];
        EXPECT_TRUE(checksums_valid(s)) << "segment " << i;
        const size_t len = i < 3 ? 1400 : 800;
        ASSERT_EQ(s.size(), 52 + len);
        EXPECT_EQ(be16(&s[2]), s.size());
        EXPECT_EQ(be16(&s[4]), 0x1234 + i);                         // identification counts up
        EXPECT_EQ(be32(&s[24]), 0xfeffff00u + uint32_t(i * 1400));  // sequence numbers (wrapping)
        const uint8_t f = s[33];
        EXPECT_EQ(bool(f & 0x80), i == 0) << "CWR only on the first";
        EXPECT_EQ(bool(f & 0x09), i == 3) << "FIN/PSH only on the last";
        EXPECT_TRUE(f & 0x10);
        EXPECT_EQ(s[40], 1);  // options kept
        payload.insert(payload.end(), s.begin() + 52, s.end());
    }
    EXPECT_EQ(payload, Bytes(p.begin() + 52, p.end()));
}

TEST(Gso, TcpV6) {
    Bytes p = super_packet(true, 6, 4000);
    auto segs = run(gso(VnetHdr::kGsoTcpv6, 1428, true, 6), p, 3);
    size_t total = 0;
    for (const Bytes& s : segs) {
        EXPECT_TRUE(checksums_valid(s));
        EXPECT_EQ(be16(&s[4]) + 40u, s.size());
        total += s.size() - 72;
    }
    EXPECT_EQ(total, 4000u);
}

TEST(Gso, UdpL4MakesWholeDatagrams) {
    Bytes p = super_packet(false, 17, 3000);
    auto segs = run(gso(VnetHdr::kGsoUdpL4, 1000, false, 17), p, 3);
    for (const Bytes& s : segs) {
        EXPECT_TRUE(checksums_valid(s));
        EXPECT_EQ(be16(&s[24]), 1008);  // UDP length
        EXPECT_NE(be16(&s[26]), 0);
    }
}

TEST(Gso, WithoutGsoOnlyTheChecksumIsCompleted) {
    Bytes p = super_packet(false, 17, 300);
    EXPECT_FALSE(checksums_valid(p));  // partial, as the kernel left it
    VnetHdr h = gso(VnetHdr::kGsoNone, 0, false, 17);
    auto segs = run(h, p, 1);
    EXPECT_TRUE(checksums_valid(segs[0]));
    h.flags = 0;  // nothing to do: the packet comes out as it is
    auto same = run(h, p, 1);
    EXPECT_EQ(same[0], p);
}

TEST(Gso, SmallSuperPacketAndEcnFlag) {
    Bytes p = super_packet(false, 6, 100);
    auto segs = run(gso(VnetHdr::kGsoTcpv4 | VnetHdr::kGsoEcn, 1400, false, 6), p, 1);
    EXPECT_TRUE(checksums_valid(segs[0]));
    EXPECT_EQ(segs[0].size(), p.size());
}

TEST(Gso, HeaderRoundTrip) {
    VnetHdr h = gso(VnetHdr::kGsoTcpv6, 1220, true, 6);
    uint8_t raw[VnetHdr::kSize];
    write_vnet_hdr(h, raw);
    auto back = parse_vnet_hdr(ByteView(raw, sizeof raw));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->gso_type, h.gso_type);
    EXPECT_EQ(back->gso_size, 1220);
    EXPECT_EQ(back->csum_start, 40);
    EXPECT_EQ(back->csum_offset, 16);
    EXPECT_FALSE(parse_vnet_hdr(ByteView(raw, 9)).has_value());
}

TEST(Gso, HeadersThatDoNotDescribeThePacketAreRefused) {
    auto err = [](const VnetHdr& h, Bytes p) {
        auto r = gso_segment(h, p, [](std::span<const uint8_t>) { ADD_FAILURE() << "no output expected"; });
        return r ? GsoError{} : r.error();
    };
    Bytes v4 = super_packet(false, 6, 3000);
    EXPECT_EQ(err(gso(VnetHdr::kGsoTcpv6, 1400, true, 6), v4), GsoError::BadPacket);      // v6 type, v4 packet
    EXPECT_EQ(err(gso(VnetHdr::kGsoTcpv4, 0, false, 6), v4), GsoError::BadGsoSize);
    EXPECT_EQ(err(gso(VnetHdr::kGsoTcpv4, 10, false, 6), v4), GsoError::BadGsoSize);      // 300 segments
    EXPECT_EQ(err(gso(VnetHdr::kGsoUdp, 1400, false, 6), v4), GsoError::UnsupportedGso);  // UFO
    EXPECT_EQ(err(gso(VnetHdr::kGsoUdpL4, 1400, false, 17), v4), GsoError::BadPacket);    // TCP inside
    VnetHdr bad = gso(VnetHdr::kGsoNone, 0, false, 6);
    bad.csum_offset = 4000;
    EXPECT_EQ(err(bad, v4), GsoError::BadChecksumSpec);
    Bytes wrong_len = v4;
    wrong_len[3] ^= 1;
    EXPECT_EQ(err(gso(VnetHdr::kGsoTcpv4, 1400, false, 6), wrong_len), GsoError::BadPacket);
    Bytes fragment = v4;
    fragment[6] = 0x20;  // MF
    EXPECT_EQ(err(gso(VnetHdr::kGsoTcpv4, 1400, false, 6), fragment), GsoError::BadPacket);
    EXPECT_EQ(err(gso(VnetHdr::kGsoTcpv4, 1400, false, 6), Bytes(10, 0x45)), GsoError::BadPacket);
}

// The eight-bytes-at-a-time sum equals RFC 1071's sixteen-bit one for every length and start.
TEST(Gso, ChecksumMatchesTheSixteenBitDefinition) {
    Bytes data(300);
    uint32_t x = 12345;
    for (auto& b : data) b = uint8_t((x = x * 1103515245 + 12345) >> 16);
    auto reference = [](uint32_t sum, ByteView d) {
        uint64_t s = sum;
        size_t i = 0;
        for (; i + 1 < d.size(); i += 2) s += uint32_t(d[i] << 8 | d[i + 1]);
        if (i < d.size()) s += uint32_t(d[i] << 8);
        return csum_fold(uint32_t((s & 0xFFFFFFFF) + (s >> 32)));
    };
    for (size_t start = 0; start < 9; ++start)
        for (size_t len = 0; start + len <= data.size(); len += 7) {
            ByteView d = ByteView(data).subspan(start, len);
            ASSERT_EQ(csum_fold(csum_add(0x1234, d)), reference(0x1234, d)) << start << " " << len;
        }
    Bytes ones(64, 0xFF), zeros(64, 0);
    EXPECT_EQ(csum_fold(csum_add(0, ones)), 0xFFFF);
    EXPECT_EQ(csum_fold(csum_add(0, zeros)), 0);
}

}  // namespace
}  // namespace ksstp::dp
