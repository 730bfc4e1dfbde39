// OffloadTunPath (dataplane/offload_tun_path.h) over a fake TUN (tests/fakes/fake_tun.h): the
// test plays the kernel, writes super-packets behind virtio headers and reads what the path
// writes back. The same paths through a worker's io_uring: tun_ring_test.cc.
#include "dataplane/offload_tun_path.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "controlplane/base/fd.h"
#include "tests/dataplane/test_packets.h"
#include "tests/fakes/fake_tun.h"

namespace ksstp::dp {
namespace {

using namespace test;
using ksstp::test::FakeTun;
using Tunnel = ksstp::test::TunnelSink;

TEST(OffloadTunPath, ASuperPacketReadOnceGoesIntoTheTunnelAsMtuPacketsWithChecksums) {
    FakeTun tun;
    OffloadTunPath path(tun.path_end.get(), true);
    Bytes sp = super_packet(false, 6, 20 * 1360);
    tun.hand(gso(VnetHdr::kGsoTcpv4, 1360, false, 6), sp);
    tun.hand(gso(VnetHdr::kGsoTcpv6, 1340, true, 6), super_packet(true, 6, 3 * 1340 + 5));
    Tunnel t;
    EXPECT_EQ(path.pump(t.fn(), 1000), 24u);
    ASSERT_EQ(t.got.size(), 24u);
    size_t payload = 0;
    for (size_t i = 0; i < 20; ++i) {
        EXPECT_EQ(t.got[i].first, 0x0021);
        EXPECT_TRUE(checksums_valid(t.got[i].second)) << i;
        EXPECT_LE(t.got[i].second.size(), 20u + 32 + 1360);
        payload += t.got[i].second.size() - 52;
    }
    EXPECT_EQ(payload, 20u * 1360);
    for (size_t i = 20; i < 24; ++i) {
        EXPECT_EQ(t.got[i].first, 0x0057);
        EXPECT_TRUE(checksums_valid(t.got[i].second)) << i;
    }
    const PathCounters& c = path.counters();
    EXPECT_EQ(c.tun_reads, 2u);
    EXPECT_EQ(c.gso_super, 2u);
    EXPECT_EQ(c.gso_segments, 24u);
    EXPECT_EQ(c.tx_packets, 24u);
    EXPECT_EQ(c.drop_malformed, 0u);
}

TEST(OffloadTunPath, TheBudgetEndsAWakeUpAfterTheSuperPacketThatReachedIt) {
    FakeTun tun;
    OffloadTunPath path(tun.path_end.get(), true);
    for (int i = 0; i < 3; ++i) tun.hand(gso(VnetHdr::kGsoTcpv4, 1000, false, 6), super_packet(false, 6, 10 * 1000));
    Tunnel t;
    EXPECT_EQ(path.pump(t.fn(), 15), 20u);  // two whole super-packets: none is cut in the middle
    EXPECT_EQ(path.pump(t.fn(), 15), 10u);
    EXPECT_EQ(path.pump(t.fn(), 15), 0u);   // nothing left: EAGAIN
    EXPECT_EQ(t.got.size(), 30u);
}

TEST(OffloadTunPath, PlainPacketsPassAndLyingHeadersAreDroppedAndCounted) {
    FakeTun tun;
    OffloadTunPath path(tun.path_end.get(), true);
    Bytes icmp(84, 0);  // an IPv4 packet of another protocol: as it is
    icmp[0] = 0x45, icmp[3] = 84, icmp[9] = 1;
    tun.hand(VnetHdr{}, icmp);
    Bytes frag = icmp;  // a fragment: gso_segment does not describe it, but nothing was asked
    frag[6] = 0x20;
    tun.hand(VnetHdr{}, frag);
    VnetHdr lying = gso(VnetHdr::kGsoTcpv6, 1000, true, 6);  // says TCPv6, carries IPv4
    tun.hand(lying, super_packet(false, 6, 3000));
    const uint8_t short_frame[4] = {0, 0, 0, 0};
    tun.hand_raw(Bytes(short_frame, short_frame + sizeof short_frame));
    Tunnel t;
    path.pump(t.fn(), 100);
    ASSERT_EQ(t.got.size(), 2u);
    EXPECT_EQ(t.got[0].second, icmp);
    EXPECT_EQ(t.got[1].second, frag);
    EXPECT_EQ(path.counters().drop_malformed, 2u);
    t.refuse = true;  // a full tunnel: every segment refused is counted
    tun.hand(gso(VnetHdr::kGsoTcpv4, 1000, false, 6), super_packet(false, 6, 4000));
    path.pump(t.fn(), 100);
    EXPECT_EQ(path.counters().drop_tunnel_refused, 4u);
}

TEST(OffloadTunPath, GroWritesABatchAsOneSuperPacketAtFlushAndCountsItsSegments) {
    FakeTun tun;
    OffloadTunPath path(tun.path_end.get(), true);
    uint32_t seq = 1000;
    size_t bytes = 0;
    for (int i = 0; i < 8; ++i) {
        Bytes s = seg6(seq, 1200);
        bytes += s.size();
        path.deliver(0x0057, s);
        seq += 1200;
    }
    EXPECT_TRUE(tun.written().empty());  // held until the batch ends
    path.flush();
    auto frames = tun.written();
    ASSERT_EQ(frames.size(), 1u);
    auto h = parse_vnet_hdr(frames[0]);
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(h->gso_type, VnetHdr::kGsoTcpv6);
    EXPECT_EQ(h->gso_size, 1200);
    EXPECT_EQ(frames[0].size(), VnetHdr::kSize + 40 + 32 + 8 * 1200);
    const PathCounters& c = path.counters();
    EXPECT_EQ(c.rx_packets, 8u);
    EXPECT_EQ(c.rx_bytes, bytes);
    EXPECT_EQ(c.tun_writes, 1u);
    EXPECT_EQ(c.gro_merged, 7u);
    path.flush();  // an empty batch writes nothing
    EXPECT_TRUE(tun.written().empty());
}

TEST(OffloadTunPath, WithoutGroEveryPacketIsWrittenAtOnceBehindAPlainHeader) {
    FakeTun tun;
    OffloadTunPath path(tun.path_end.get(), false);
    Bytes s = seg6(1, 500);
    path.deliver(0x0057, s);
    path.deliver(0x0057, seg6(501, 500));
    auto frames = tun.written();
    ASSERT_EQ(frames.size(), 2u);
    EXPECT_EQ(Bytes(frames[0].begin() + VnetHdr::kSize, frames[0].end()), s);
    EXPECT_EQ(parse_vnet_hdr(frames[0])->gso_type, VnetHdr::kGsoNone);
    EXPECT_EQ(parse_vnet_hdr(frames[0])->flags, 0);
    EXPECT_EQ(path.counters().tun_writes, 2u);
}

TEST(OffloadTunPath, AFullInterfaceDropsTheFramesPacketsAndCountsThem) {
    FakeTun tun;
    OffloadTunPath path(tun.path_end.get(), true);
    tun.fill();
    for (uint32_t i = 0; i < 4; ++i) path.deliver(0x0057, seg6(1 + i * 800, 800));
    path.flush();
    EXPECT_EQ(path.counters().drop_iface_full, 4u);
    EXPECT_EQ(path.counters().rx_packets, 0u);
}

}  // namespace
}  // namespace ksstp::dp
