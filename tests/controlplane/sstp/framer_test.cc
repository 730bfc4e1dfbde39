// SstpFramer: any chunking of the stream yields the same packets; back-pressure and errors
// report how much was consumed.
#include "controlplane/sstp/framer.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_rng.h"

namespace ksstp::sstp {
namespace {

Bytes stream_of(int n, Bytes* sizes_out = nullptr) {
    // Alternating data packets of growing size and echo requests.
    Bytes s;
    for (int i = 0; i < n; ++i) {
        if (i % 3 == 2) {
            encode(EchoRequest{}, s);
        } else {
            Bytes frame(size_t(3 + (i * 37) % 1600), uint8_t(i));
            frame[0] = 0xFF;
            frame[1] = 0x03;
            encode_data(frame, s);
        }
    }
    (void)sizes_out;
    return s;
}

std::vector<Bytes> frames_with_chunk(const Bytes& s, size_t chunk) {
    SstpFramer f;
    std::vector<Bytes> out;
    for (size_t off = 0; off < s.size(); off += chunk) {
        ByteView part = ByteView(s).subspan(off, std::min(chunk, s.size() - off));
        auto r = f.feed(part, [&](const Frame& fr) {
            out.emplace_back(fr.packet.begin(), fr.packet.end());
            EXPECT_EQ(fr.payload.size() + kHeaderLen, fr.packet.size());
            return SinkVerdict::Continue;
        });
        EXPECT_TRUE(r.has_value());
        EXPECT_EQ(r->consumed, part.size());
    }
    EXPECT_EQ(f.buffered(), 0u);
    return out;
}

TEST(SstpFramer, AnyChunkingYieldsTheSamePackets) {
    Bytes s = stream_of(60);
    auto whole = frames_with_chunk(s, s.size());
    ASSERT_EQ(whole.size(), 60u);
    for (size_t chunk : {1u, 2u, 3u, 4u, 5u, 7u, 100u, 1399u, 4096u, 65536u})
        EXPECT_EQ(frames_with_chunk(s, chunk), whole) << "chunk " << chunk;
    Bytes joined;
    for (auto& f : whole) joined.insert(joined.end(), f.begin(), f.end());
    EXPECT_EQ(joined, s);
}

TEST(SstpFramer, RandomChunkingYieldsTheSamePackets) {
    Bytes s = stream_of(200);
    auto whole = frames_with_chunk(s, s.size());
    test::FakeRng rng(42);
    for (int round = 0; round < 20; ++round) {
        SstpFramer f;
        std::vector<Bytes> out;
        size_t off = 0;
        while (off < s.size()) {
            size_t n = 1 + rng.u32() % 9000;
            n = std::min(n, s.size() - off);
            auto r = f.feed(ByteView(s).subspan(off, n), [&](const Frame& fr) {
                out.emplace_back(fr.packet.begin(), fr.packet.end());
                return SinkVerdict::Continue;
            });
            ASSERT_TRUE(r.has_value());
            off += n;
        }
        EXPECT_EQ(out, whole);
    }
}

TEST(SstpFramer, StopReportsConsumedSoTheCallerCanResume) {
    Bytes s = stream_of(10);
    SstpFramer f;
    size_t seen = 0, off = 0;
    while (off < s.size()) {
        auto r = f.feed(ByteView(s).subspan(off), [&](const Frame&) {
            ++seen;
            return SinkVerdict::Stop;  // one packet per call
        });
        ASSERT_TRUE(r.has_value());
        ASSERT_GT(r->consumed, 0u);
        EXPECT_EQ(r->frames, 1u);
        off += r->consumed;
    }
    EXPECT_EQ(seen, 10u);
}

TEST(SstpFramer, FailsOnBadVersionAndStaysFailed) {
    SstpFramer f;
    Bytes good;
    encode(EchoRequest{}, good);
    Bytes bad = good;
    bad.push_back(0x20);  // next packet starts with a wrong version byte
    int frames = 0;
    auto r = f.feed(bad, [&](const Frame&) {
        ++frames;
        return SinkVerdict::Continue;
    });
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), DecodeError::BadVersion);
    EXPECT_EQ(frames, 1);
    EXPECT_TRUE(f.failed());
    EXPECT_FALSE(f.feed(good, [](const Frame&) { return SinkVerdict::Continue; }).has_value());
}

TEST(SstpFramer, FailsOnLengthBelowHeaderSplitAcrossCalls) {
    SstpFramer f;
    auto sink = [](const Frame&) { return SinkVerdict::Continue; };
    ASSERT_TRUE(f.feed(hex_bytes("1000"), sink).has_value());
    auto r = f.feed(hex_bytes("0002"), sink);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), DecodeError::BadLength);
}

TEST(SstpFramer, ZeroLengthDataPacketIsAFrame) {
    SstpFramer f;
    int n = 0;
    auto r = f.feed(hex_bytes("10000004"), [&](const Frame& fr) {
        EXPECT_TRUE(fr.payload.empty());
        ++n;
        return SinkVerdict::Continue;
    });
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(n, 1);
}

}  // namespace
}  // namespace ksstp::sstp
