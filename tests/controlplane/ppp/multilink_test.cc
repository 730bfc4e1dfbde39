// RFC 1990 single-link fragmentation: the fragmenter's wire format, reassembly in order, out of
// order, with loss (timeout and buffer cap), duplicates, sequence wrap-around, the MRRU limit; and
// two PppSessions with mrru on both ends carrying a packet larger than the link MTU.
#include "controlplane/ppp/multilink.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "controlplane/ppp/packet.h"
#include "tests/controlplane/ppp/ppp_test_util.h"

namespace ksstp::ppp {
namespace {

Bytes datagram(size_t n, uint8_t seed) {
    Bytes d(n);
    for (size_t i = 0; i < n; ++i) d[i] = uint8_t(seed + i * 7);
    d[0] = 0x45;
    return d;
}

// The MP information field of each frame (after FF 03 00 3D).
std::vector<Bytes> infos(const std::vector<Bytes>& frames) {
    std::vector<Bytes> out;
    for (const Bytes& f : frames) {
        EXPECT_EQ(Bytes(f.begin(), f.begin() + 4), (Bytes{0xFF, 0x03, 0x00, 0x3D}));
        out.emplace_back(f.begin() + 4, f.end());
    }
    return out;
}

Bytes payload(uint16_t proto, const Bytes& d) {
    Bytes p(2 + d.size());
    p[0] = uint8_t(proto >> 8);
    p[1] = uint8_t(proto);
    std::copy(d.begin(), d.end(), p.begin() + 2);
    return p;
}

TEST(MpFragmenter, CutsIntoLinkSizedPiecesWithBeginEndAndSequence) {
    MpFragmenter f;
    std::vector<Bytes> frames;
    Bytes d = datagram(1500, 1);
    f.fragment(0x0021, d, 1000, frames);
    ASSERT_EQ(frames.size(), 2u);
    auto in = infos(frames);
    EXPECT_EQ(in[0].size(), 1000u);  // information field = MP header + piece <= link MTU
    EXPECT_EQ(Bytes(in[0].begin(), in[0].begin() + 6), (Bytes{0x80, 0, 0, 0, 0x00, 0x21}));
    EXPECT_EQ(Bytes(in[1].begin(), in[1].begin() + 4), (Bytes{0x40, 0, 0, 1}));
    EXPECT_EQ(in[1].size(), 4u + 1502 - 996);
    EXPECT_EQ(f.next_sequence(), 2u);
}

TEST(MpFragmenter, SmallPacketIsOneFragmentWithBothFlags) {
    MpFragmenter f;
    std::vector<Bytes> frames;
    f.fragment(0x0057, datagram(40, 2), 1400, frames);
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(infos(frames)[0][0], 0xC0);
}

struct Reassembly : ::testing::Test {
    MpFragmenter tx;
    MpReassembler rx{1600};
    Instant now{};
    std::vector<Bytes> cut(const Bytes& d, uint16_t mtu = 500) {
        std::vector<Bytes> frames;
        tx.fragment(0x0021, d, mtu, frames);
        return infos(frames);
    }
};

TEST_F(Reassembly, InOrder) {
    for (int round = 0; round < 3; ++round) {
        Bytes d = datagram(1500, uint8_t(round));
        auto pieces = cut(d);
        ASSERT_EQ(pieces.size(), 4u);
        for (size_t i = 0; i + 1 < pieces.size(); ++i) EXPECT_FALSE(rx.feed(pieces[i], now));
        auto whole = rx.feed(pieces.back(), now);
        ASSERT_TRUE(whole);
        EXPECT_EQ(*whole, payload(0x0021, d));
    }
    EXPECT_EQ(rx.held_fragments(), 0u);
    EXPECT_EQ(rx.counters().packets_reassembled, 3u);
    EXPECT_EQ(rx.counters().fragments_dropped, 0u);
}

TEST_F(Reassembly, ReorderedFragmentsAndPackets) {
    Bytes a = datagram(1500, 1), b = datagram(1200, 2);
    auto pa = cut(a), pb = cut(b);
    // b's fragments first (reversed), then a's shuffled: both complete, nothing lost.
    std::vector<Bytes> got;
    for (auto it = pb.rbegin(); it != pb.rend(); ++it)
        if (auto w = rx.feed(*it, now)) got.push_back(*w);
    for (size_t i : {2u, 0u, 3u, 1u})
        if (auto w = rx.feed(pa[i], now)) got.push_back(*w);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0], payload(0x0021, b));
    EXPECT_EQ(got[1], payload(0x0021, a));
    EXPECT_EQ(rx.held_fragments(), 0u);
    EXPECT_EQ(rx.counters().packets_lost, 0u);
}

TEST_F(Reassembly, LostFragmentDropsOnlyItsPacketAfterTheTimeout) {
    Bytes a = datagram(1500, 1), b = datagram(1500, 2);
    auto pa = cut(a), pb = cut(b);
    for (size_t i = 0; i < pa.size(); ++i)
        if (i != 1) {
            EXPECT_FALSE(rx.feed(pa[i], now));  // fragment 1 of a is lost
        }
    std::optional<Bytes> wb;
    for (auto& p : pb) wb = rx.feed(p, now);
    ASSERT_TRUE(wb);  // later packets are not held up
    EXPECT_EQ(*wb, payload(0x0021, b));
    ASSERT_TRUE(rx.next_deadline());
    EXPECT_EQ(*rx.next_deadline(), now + MpReassembler::kFragmentTimeout);
    rx.poll(now + Duration{999});
    EXPECT_EQ(rx.counters().packets_lost, 0u);
    rx.poll(now + MpReassembler::kFragmentTimeout);
    EXPECT_EQ(rx.held_fragments(), 0u);
    EXPECT_EQ(rx.held_bytes(), 0u);
    EXPECT_EQ(rx.counters().packets_lost, 1u);
    EXPECT_FALSE(rx.next_deadline());
    // The late fragment is in the past now: dropped, not mistaken for something new.
    EXPECT_FALSE(rx.feed(pa[1], now));
    Bytes c = datagram(900, 3);
    std::optional<Bytes> wc;
    for (auto& p : cut(c)) wc = rx.feed(p, now);
    ASSERT_TRUE(wc);
    EXPECT_EQ(*wc, payload(0x0021, c));
}

TEST_F(Reassembly, LostFirstFragmentIsGivenUpWhenTheNextPacketArrives) {
    Bytes a = datagram(1500, 1), b = datagram(1500, 2);
    auto pa = cut(a), pb = cut(b);
    for (size_t i = 1; i < pa.size(); ++i) EXPECT_FALSE(rx.feed(pa[i], now));
    std::optional<Bytes> wb;
    for (auto& p : pb) wb = rx.feed(p, now);
    ASSERT_TRUE(wb);
    EXPECT_EQ(*wb, payload(0x0021, b));
}

TEST_F(Reassembly, BufferIsCappedWhenPacketsNeverComplete) {
    // A peer that only ever sends first fragments: memory stays bounded without any timer.
    for (uint32_t s = 0; s < 10'000; ++s) {
        Bytes info{kMpBegin, uint8_t(s >> 16), uint8_t(s >> 8), uint8_t(s)};
        info.resize(4 + 400, 0xAB);
        EXPECT_FALSE(rx.feed(info, now));
        ASSERT_LE(rx.held_fragments(), MpReassembler::kMaxFragments);
        ASSERT_LE(rx.held_bytes(), 2u * 1600 + 64);
    }
    EXPECT_GT(rx.counters().packets_lost, 9'000u);
}

TEST_F(Reassembly, LargerThanMrruIsDropped) {
    std::optional<Bytes> w;
    for (auto& p : cut(datagram(1700, 1))) w = rx.feed(p, now);
    EXPECT_FALSE(w);
    EXPECT_EQ(rx.counters().oversized, 1u);
    EXPECT_EQ(rx.held_bytes(), 0u);
}

TEST_F(Reassembly, DuplicatesAndShortHeadersAreDropped) {
    auto p = cut(datagram(1000, 1));
    EXPECT_FALSE(rx.feed(p[0], now));
    EXPECT_FALSE(rx.feed(p[0], now));
    EXPECT_FALSE(rx.feed(Bytes{0x80, 0}, now));
    EXPECT_EQ(rx.counters().fragments_dropped, 2u);
    std::optional<Bytes> w;
    for (size_t i = 1; i < p.size(); ++i) w = rx.feed(p[i], now);
    EXPECT_TRUE(w);
}

TEST_F(Reassembly, SequenceNumbersWrapAround) {
    tx.set_next_sequence(kMpSeqMask - 1);
    for (int round = 0; round < 3; ++round) {
        Bytes d = datagram(1500, uint8_t(round));
        std::optional<Bytes> w;
        for (auto& p : cut(d)) w = rx.feed(p, now);
        ASSERT_TRUE(w) << round;
        EXPECT_EQ(*w, payload(0x0021, d));
    }
    EXPECT_LT(tx.next_sequence(), 20u);
}

TEST(MultilinkSession, BigPacketCrossesASmallerLinkBothWays) {
    using test::Link;
    PppConfig c = test::client_cfg({AuthMethod::MsChapV2});
    PppConfig s = test::server_cfg({AuthMethod::MsChapV2});
    c.max_mru = c.max_mtu = s.max_mru = s.max_mtu = 1200;
    c.mrru = s.mrru = 1600;
    Link l(c, s);
    l.creds.add("alice", "Secret-1");
    l.start();
    ASSERT_TRUE(l.client.ipv4_up());
    EXPECT_TRUE(l.client.lcp().multilink());
    EXPECT_EQ(l.client.interface_mtu(), 1600);
    EXPECT_EQ(l.server.interface_mtu(), 1600);
    for (PppSession* from : {&l.client, &l.server}) {
        PppSession* to = from == &l.client ? &l.server : &l.client;
        Bytes d = datagram(1500, 9);
        std::vector<Bytes> frames;
        ASSERT_TRUE(from->encode_packet(uint16_t(Protocol::Ipv4), d, frames));
        ASSERT_EQ(frames.size(), 2u);
        for (const Bytes& f : frames) EXPECT_LE(f.size() - 4, 1200u);
        for (const Bytes& f : frames) to->on_frame(f, l.clock.now());
        auto evs = to->take_events();
        auto* p = test::find_event<event::Packet>(evs);
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(p->data, d);
        // Small packets go as plain PPP frames beside the MP ones.
        frames.clear();
        ASSERT_TRUE(from->encode_packet(uint16_t(Protocol::Ipv4), datagram(100, 1), frames));
        ASSERT_EQ(frames.size(), 1u);
        EXPECT_EQ(frames[0][3], 0x21);
        // Larger than the peer's MRRU: refused and counted, never sent.
        frames.clear();
        EXPECT_FALSE(from->encode_packet(uint16_t(Protocol::Ipv4), datagram(1601, 1), frames));
        EXPECT_TRUE(frames.empty());
        EXPECT_EQ(from->counters().oversized_out, 1u);
    }
}

TEST(MultilinkSession, WithoutMrruOnOneSideThereIsNoMultilink) {
    PppConfig c = test::client_cfg({AuthMethod::MsChapV2});
    PppConfig s = test::server_cfg({AuthMethod::MsChapV2});
    c.mrru = 1600;  // the server has mrru disabled: it rejects MRRU, the client falls back
    test::Link l(c, s);
    l.creds.add("alice", "Secret-1");
    l.start();
    ASSERT_TRUE(l.client.ipv4_up());
    EXPECT_FALSE(l.client.lcp().multilink());
    EXPECT_EQ(l.client.interface_mtu(), 1500);
    Bytes mp{0xFF, 0x03, 0x00, 0x3D, 0xC0, 0, 0, 0, 0x00, 0x21, 0x45};
    l.server.on_frame(mp, l.clock.now());
    EXPECT_EQ(l.server.counters().protocol_rejects_sent, 1u);  // not negotiated: Protocol-Reject
}

}  // namespace
}  // namespace ksstp::ppp
