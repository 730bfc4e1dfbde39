// The TUN paths through a worker's io_uring (dataplane/tun_ring.h) over a fake TUN
// (tests/fakes/fake_tun.h): the same packets and counters as with plain system calls, in order,
// with many reads or writes per io_uring_enter; copies where the caller's buffer does not last.
#include "dataplane/tun_ring.h"

#include <gtest/gtest.h>

#include "dataplane/offload_tun_path.h"
#include "dataplane/tun_forwarder.h"
#include "tests/dataplane/test_packets.h"
#include "tests/fakes/fake_tun.h"

namespace ksstp::dp {
namespace {

using namespace test;
using ksstp::test::FakeTun;
using ksstp::test::TunnelSink;

// An IPv4 packet of `size` bytes whose identification field carries `n` (order checks).
Bytes numbered(uint16_t n, size_t size = 100) {
    Bytes p(size, 0);
    p[0] = 0x45, p[2] = uint8_t(size >> 8), p[3] = uint8_t(size), p[4] = uint8_t(n >> 8), p[5] = uint8_t(n);
    p[8] = 64, p[9] = 17;
    p[12] = 198, p[13] = 18, p[15] = 1, p[16] = 198, p[17] = 18, p[19] = 2;
    return p;
}

// A ring and a fake interface; skipped with the kernel's reason where io_uring is refused.
class TunRingTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto r = TunRing::create();
        if (!r) GTEST_SKIP() << "io_uring refused here: " << r.error();
        ring = std::move(*r);
    }
    // The path under test, borrowing the ring as on a worker.
    template <class Path, class... Args>
    Path& path(Args... args) {
        auto p = std::make_unique<Path>(tun.path_end.get(), args...);
        p->use_ring(ring.get());
        Path& ref = *p;
        paths_.push_back(std::move(p));
        return ref;
    }
    std::unique_ptr<TunRing> ring;
    FakeTun tun;

private:
    std::vector<std::unique_ptr<PacketPath>> paths_;
};

TEST_F(TunRingTest, SuperPacketsAreReadSeveralPerSystemCallAndCutAsWithoutTheRing) {
    auto& path = this->path<OffloadTunPath>(true);
    for (int i = 0; i < 3; ++i) tun.hand(gso(VnetHdr::kGsoTcpv4, 1360, false, 6), super_packet(false, 6, 20 * 1360));
    TunnelSink t;
    EXPECT_EQ(path.pump(t.fn(), 1000), 60u);
    ASSERT_EQ(t.got.size(), 60u);
    for (const auto& [proto, p] : t.got) {
        EXPECT_EQ(proto, 0x0021);
        EXPECT_TRUE(checksums_valid(p));
    }
    EXPECT_EQ(path.counters().tun_reads, 3u);
    EXPECT_EQ(path.counters().gso_segments, 60u);
    EXPECT_EQ(ring->submits(), 1u);  // 8 reads asked, 3 found something: one system call
    EXPECT_EQ(path.pump(t.fn(), 1000), 0u);  // EAGAIN at once
}

TEST_F(TunRingTest, ReadsStopAtTheBudgetAndWhenABatchComesBackShort) {
    auto& path = this->path<TunForwarder>();
    for (uint16_t i = 0; i < 20; ++i) tun.hand_raw(numbered(i));
    TunnelSink t;
    EXPECT_EQ(path.pump(t.fn(), 12), 12u);  // a batch of 8, then the 4 the budget leaves
    EXPECT_EQ(path.pump(t.fn(), 64), 8u);   // 8 left: a full batch asks again, an empty one ends it
    ASSERT_EQ(t.got.size(), 20u);
    for (uint16_t i = 0; i < 20; ++i) EXPECT_EQ(t.got[i].second, numbered(i)) << i;
    EXPECT_EQ(path.counters().tun_reads, 20u);
    EXPECT_EQ(ring->submits(), 4u);
}

TEST_F(TunRingTest, GroFramesGoOutAtFlushInOneSystemCall) {
    auto& path = this->path<OffloadTunPath>(true);
    uint32_t seq = 1000;
    for (int i = 0; i < 8; ++i, seq += 1200) path.deliver(0x0057, seg6(seq, 1200));
    path.deliver(0x0021, numbered(1));  // not TCP: a frame of its own after the super-packet
    EXPECT_TRUE(tun.written().empty());
    path.flush();
    auto frames = tun.written();
    ASSERT_EQ(frames.size(), 2u);
    EXPECT_EQ(parse_vnet_hdr(frames[0])->gso_type, VnetHdr::kGsoTcpv6);
    EXPECT_EQ(Bytes(frames[1].begin() + VnetHdr::kSize, frames[1].end()), numbered(1));
    EXPECT_EQ(path.counters().rx_packets, 9u);
    EXPECT_EQ(path.counters().tun_writes, 2u);
    EXPECT_EQ(ring->submits(), 1u);
    EXPECT_EQ(ring->queued(), 0u);
}

TEST_F(TunRingTest, ABatchOfManyFlowsIsWrittenWholeAfterGroLetGoOfItsExtraBuffers) {
    auto& path = this->path<OffloadTunPath>(true);
    // Ten frames of their own: more than GroBatch keeps buffers for between batches.
    for (uint16_t i = 0; i < 10; ++i) path.deliver(0x0021, numbered(i, 300 + i));
    path.flush();
    auto frames = tun.written();
    ASSERT_EQ(frames.size(), 10u);
    for (uint16_t i = 0; i < 10; ++i)
        EXPECT_EQ(Bytes(frames[i].begin() + VnetHdr::kSize, frames[i].end()), numbered(i, 300 + i)) << i;
    EXPECT_EQ(path.counters().rx_packets, 10u);
    EXPECT_EQ(path.counters().drop_iface_full, 0u);
}

TEST_F(TunRingTest, PacketsFromABufferTheCallerReusesAreCopiedAndKeepTheirOrder) {
    auto& plain_hdr = path<OffloadTunPath>(false);
    Bytes buf;
    // More than the ring holds (kDepth - kReadSlots writes), less than the fake TUN's socket buffer.
    for (uint16_t i = 0; i < 130; ++i) {
        buf = numbered(i, 100 + i);
        plain_hdr.deliver(0x0021, buf);
        std::fill(buf.begin(), buf.end(), 0xEE);  // the read buffer is reused before the flush
    }
    plain_hdr.flush();
    auto frames = tun.written();
    ASSERT_EQ(frames.size(), 130u);
    for (uint16_t i = 0; i < 130; ++i) {
        EXPECT_EQ(Bytes(frames[i].begin() + VnetHdr::kSize, frames[i].end()), numbered(i, 100 + i)) << i;
        EXPECT_EQ(parse_vnet_hdr(frames[i])->gso_type, VnetHdr::kGsoNone);
    }
    EXPECT_EQ(plain_hdr.counters().rx_packets, 130u);
    EXPECT_EQ(ring->submits(), 2u);  // it submitted on its own when full, and at flush()
}

TEST_F(TunRingTest, AFullInterfaceDropsAndCountsThroughTheRingToo) {
    auto& path = this->path<TunForwarder>();
    tun.fill();
    for (uint16_t i = 0; i < 5; ++i) path.deliver(0x0021, numbered(i));
    path.flush();
    EXPECT_EQ(path.counters().drop_iface_full, 5u);
    EXPECT_EQ(path.counters().rx_packets, 0u);
    EXPECT_EQ(path.counters().tun_writes, 5u);
}

TEST_F(TunRingTest, WithoutTheRingAgainThePathUsesPlainSystemCalls) {
    auto& path = this->path<TunForwarder>();
    path.deliver(0x0021, numbered(1));
    path.flush();
    path.use_ring(nullptr);  // the session left the worker
    path.deliver(0x0021, numbered(2));
    auto frames = tun.written();
    ASSERT_EQ(frames.size(), 2u);  // written at once, no flush needed
    EXPECT_EQ(frames[1], numbered(2));
    EXPECT_EQ(ring->submits(), 1u);
}

}  // namespace
}  // namespace ksstp::dp
