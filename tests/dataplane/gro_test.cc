// Userspace GRO (dataplane/gro.h): TCP segments of a flow become one super-packet that, cut again
// by GSO, gives back the very segments; everything the kernel's GRO would not merge passes through
// in order.
#include "dataplane/gro.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/dataplane/test_packets.h"

namespace ksstp::dp {
namespace {

using namespace test;

uint16_t be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }

std::vector<Bytes> flush(GroBatch& g) {
    std::vector<Bytes> out;
    g.flush([&](std::span<const uint8_t> f) { out.emplace_back(f.begin(), f.end()); });
    return out;
}

// Cuts a flushed frame back into segments with GSO.
std::vector<Bytes> resegment(Bytes frame) {
    auto h = parse_vnet_hdr(frame);
    EXPECT_TRUE(h.has_value());
    std::vector<Bytes> segs;
    auto r = gso_segment(*h, std::span<uint8_t>(frame).subspan(VnetHdr::kSize),
                         [&](std::span<const uint8_t> s) { segs.emplace_back(s.begin(), s.end()); });
    EXPECT_TRUE(r.has_value());
    return segs;
}

TEST(Gro, ContiguousSegmentsBecomeOneSuperPacketThatGsoUndoesExactly) {
    std::vector<Bytes> in;
    for (uint32_t i = 0; i < 10; ++i) in.push_back(seg6(1000 + i * 1200, 1200));
    in.push_back(seg6(1000 + 10 * 1200, 300, 0x18));  // short and PSH: the end of the train
    GroBatch g;
    for (const Bytes& p : in) g.add(p);
    auto out = flush(g);
    ASSERT_EQ(out.size(), 1u);
    auto h = parse_vnet_hdr(out[0]);
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(h->gso_type, VnetHdr::kGsoTcpv6);
    EXPECT_EQ(h->gso_size, 1200);
    EXPECT_EQ(h->flags, VnetHdr::kNeedsCsum);
    EXPECT_EQ(h->csum_start, 40);
    EXPECT_EQ(h->csum_offset, 16);
    EXPECT_EQ(be16(&out[0][VnetHdr::kSize + 4]) + 40u + VnetHdr::kSize, out[0].size());
    EXPECT_EQ(g.stats().merged, 10u);
    EXPECT_EQ(resegment(out[0]), in);  // byte for byte (IPv6 has no identification to differ)
}

TEST(Gro, FlowsAreMergedSeparatelyInOrderOfFirstPacket) {
    GroBatch g;
    g.add(seg6(0, 1000, 0x10, 80));
    g.add(seg6(0, 1000, 0x10, 443));
    g.add(seg6(1000, 1000, 0x10, 80));
    g.add(seg6(1000, 1000, 0x10, 443));
    auto out = flush(g);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(be16(&out[0][VnetHdr::kSize + 42]), 80);
    EXPECT_EQ(be16(&out[1][VnetHdr::kSize + 42]), 443);
    EXPECT_EQ(resegment(out[0]).size(), 2u);
}

TEST(Gro, WhatTheKernelWouldNotMergePassesThroughInOrder) {
    GroBatch g;
    g.add(seg6(0, 1000));
    g.add(seg6(5000, 1000));                 // a gap
    g.add(seg6(6000, 1000, 0x11));           // FIN
    g.add(seg6(7000, 1000));                 // after the FIN: not merged past it
    Bytes bad = seg6(8000, 1000);
    bad[100] ^= 0xFF;                        // checksum no longer verifies
    g.add(bad);
    g.add(seg6(9000, 1000, 0x10, 5201, 78)); // another ACK number
    g.add(seg6(10000, 1000, 0x10, 5201, 78));
    Bytes udp(48, 0);
    udp[0] = 0x60, udp[5] = 8, udp[6] = 17;
    g.add(udp);
    auto out = flush(g);
    ASSERT_EQ(out.size(), 7u);
    EXPECT_EQ(g.stats().merged, 1u);  // only the last two with the new ACK number
    for (size_t i = 0; i < out.size(); ++i) {
        auto h = parse_vnet_hdr(out[i]);
        EXPECT_EQ(h->gso_type, i == 5 ? VnetHdr::kGsoTcpv6 : VnetHdr::kGsoNone) << i;
    }
    EXPECT_EQ(Bytes(out[4].begin() + VnetHdr::kSize, out[4].end()), bad);  // untouched, for the kernel to drop
    EXPECT_EQ(Bytes(out[6].begin() + VnetHdr::kSize, out[6].end()), udp);
}

TEST(Gro, SuperPacketsStopAt64KB) {
    GroBatch g;
    for (uint32_t i = 0; i < 60; ++i) g.add(seg6(i * 1400, 1400));
    auto out = flush(g);
    ASSERT_EQ(out.size(), 2u);
    for (const Bytes& f : out) EXPECT_LE(f.size() - VnetHdr::kSize, GroBatch::kMaxSuper);
    EXPECT_EQ(resegment(out[0]).size() + resegment(out[1]).size(), 60u);
}

TEST(Gro, Ipv4SuperPacketHasItsLengthAndHeaderChecksumRewritten) {
    auto seg4 = [](uint32_t seq, uint16_t id) {
        Bytes p(20 + 20 + 1000, 0);
        p[0] = 0x45, p[2] = uint8_t(p.size() >> 8), p[3] = uint8_t(p.size()), p[4] = uint8_t(id >> 8), p[5] = uint8_t(id);
        p[6] = 0x40, p[8] = 64, p[9] = 6;
        p[12] = 198, p[13] = 19, p[14] = 0, p[15] = 10, p[16] = 198, p[17] = 18, p[18] = 0, p[19] = 1;
        uint16_t c = uint16_t(~csum_fold(csum_add(0, ByteView(p).first(20))));
        p[10] = uint8_t(c >> 8), p[11] = uint8_t(c);
        p[22] = 0x14, p[23] = 0x51, p[24] = uint8_t(seq >> 24), p[25] = uint8_t(seq >> 16), p[26] = uint8_t(seq >> 8),
        p[27] = uint8_t(seq), p[32] = 0x50, p[33] = 0x10;
        uint32_t s = csum_add(0, ByteView(p).subspan(12, 8)) + 1020 + 6;
        uint16_t t = uint16_t(~csum_fold(csum_add(s, ByteView(p).subspan(20))));
        p[36] = uint8_t(t >> 8), p[37] = uint8_t(t);
        return p;
    };
    GroBatch g;
    for (uint32_t i = 0; i < 3; ++i) g.add(seg4(i * 1000, uint16_t(100 + i)));
    auto out = flush(g);
    ASSERT_EQ(out.size(), 1u);
    ByteView ip = ByteView(out[0]).subspan(VnetHdr::kSize);
    EXPECT_EQ(be16(&ip[2]), ip.size());
    EXPECT_EQ(csum_fold(csum_add(0, ip.first(20))), 0xFFFF);
    auto segs = resegment(out[0]);
    ASSERT_EQ(segs.size(), 3u);
    for (const Bytes& s : segs) EXPECT_TRUE(checksums_valid(s));
}

}  // namespace
}  // namespace ksstp::dp
