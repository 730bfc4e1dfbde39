// DataSession (dataplane/data_session.h) over fakes: the "TLS stream" is a plain non-blocking
// stream socketpair (the test is the peer on the other end) and the "TUN" is a SOCK_SEQPACKET
// socketpair behind the plain TunForwarder (datagram boundaries like a TUN). Frames split across
// reads, many frames per read, control packets in order among data, back-pressure without loss,
// the interface side, hand-back in stream order, and an undelineable stream.
#include "dataplane/data_session.h"

#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "controlplane/base/fd.h"
#include "controlplane/ppp/packet.h"
#include "controlplane/sstp/codec.h"
#include "dataplane/tun_forwarder.h"
#include "tests/fakes/socket_transport.h"
#include "tests/dataplane/test_packets.h"

namespace ksstp::dp {
namespace {



Bytes data_packet(uint16_t proto, const Bytes& ip) {
    Bytes frame, out;
    ppp::encode_frame(proto, ip, frame);
    EXPECT_TRUE(sstp::encode_data(frame, out));
    return out;
}

Bytes echo_request() { return sstp::encode(sstp::Message{sstp::EchoRequest{}}); }

Bytes echo_requests(size_t n) {
    Bytes out;
    for (size_t i = 0; i < n; ++i) {
        Bytes e = echo_request();
        out.insert(out.end(), e.begin(), e.end());
    }
    return out;
}

Bytes ip_packet(size_t payload, uint8_t tag) {
    Bytes p = test::super_packet(false, 17, payload);
    p.back() = tag;  // tells the packets apart
    return p;
}

struct Rig {
    Fd sock_peer, sock_ours, tun_ours, tun_kernel;
    ksstp::test::SocketTransport* transport = nullptr;
    std::unique_ptr<DataSession> s;

    explicit Rig(LinkParams lp = {true, false, 1500, 0, 0}, Bytes unsent = {}, bool batches = false) {
        int sv[2];
        EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
        sock_ours = Fd(sv[0]);
        sock_peer = Fd(sv[1]);
        EXPECT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
        tun_ours = Fd(sv[0]);
        tun_kernel = Fd(sv[1]);
        auto t = std::make_unique<ksstp::test::SocketTransport>(sock_ours.get(), batches);
        transport = t.get();
        s = std::make_unique<DataSession>(7, std::move(t), std::make_unique<TunForwarder>(tun_ours.get()),
                                          tun_ours.get(), lp, std::move(unsent));
    }
    void peer_send(ByteView b) { ASSERT_EQ(::write(sock_peer.get(), b.data(), b.size()), ssize_t(b.size())); }
    Bytes peer_read() {
        Bytes out, buf(65536);
        for (ssize_t n; (n = ::read(sock_peer.get(), buf.data(), buf.size())) > 0;) out.insert(out.end(), buf.begin(), buf.begin() + n);
        return out;
    }
    std::vector<Bytes> tun_written() {
        std::vector<Bytes> out;
        Bytes buf(70000);
        for (ssize_t n; (n = ::read(tun_kernel.get(), buf.data(), buf.size())) > 0;) out.emplace_back(buf.begin(), buf.begin() + n);
        return out;
    }
    void kernel_sends(const Bytes& ip) { ASSERT_EQ(::write(tun_kernel.get(), ip.data(), ip.size()), ssize_t(ip.size())); }
};

TEST(DataSession, FramesSplitAcrossReadsAndManyPerReadReachTheInterfaceIntact) {
    Rig r;
    Bytes stream;
    std::vector<Bytes> sent;
    for (uint8_t i = 0; i < 20; ++i) {
        sent.push_back(ip_packet(100 + i * 50, i));
        Bytes d = data_packet(0x0021, sent.back());
        stream.insert(stream.end(), d.begin(), d.end());
    }
    // Cut the stream at awkward places: inside a header, inside a payload, at a boundary.
    size_t cuts[] = {1, 3, 150, 151, 1200, stream.size()};
    size_t at = 0;
    for (size_t c : cuts) {
        r.peer_send(ByteView(stream).subspan(at, c - at));
        r.s->on_readable(Instant{1});
        at = c;
    }
    auto got = r.tun_written();
    ASSERT_EQ(got.size(), sent.size());
    for (size_t i = 0; i < sent.size(); ++i) EXPECT_EQ(got[i], sent[i]) << i;
    EXPECT_EQ(r.s->counters().frames_in, 20u);
    EXPECT_EQ(r.s->path_counters().rx_packets, 20u);
    EXPECT_EQ(r.s->last_rx(), Instant{1});
    EXPECT_EQ(r.s->take_inbox().packets.size(), 0u);
}

TEST(DataSession, ControlPacketsAndProtocolsNotUpGoToTheControlPlaneWholeAndInOrder) {
    Rig r;  // IPv4 up, IPv6 not
    Bytes lcp_echo_frame, lcp;
    ppp::encode_frame(0xC021, Bytes{9, 1, 0, 8, 0, 0, 0, 0}, lcp_echo_frame);
    ASSERT_TRUE(sstp::encode_data(lcp_echo_frame, lcp));
    Bytes v6 = data_packet(0x0057, test::super_packet(true, 17, 40));
    Bytes v4 = data_packet(0x0021, ip_packet(60, 1));
    Bytes echo = echo_request(), stream;
    for (const Bytes* p : {&lcp, &v4, &echo, &v6, &v4}) stream.insert(stream.end(), p->begin(), p->end());
    r.peer_send(stream);
    r.s->on_readable(Instant{5});
    EXPECT_TRUE(r.s->take_notify());
    EXPECT_FALSE(r.s->take_notify());  // told once until the control plane took it
    auto in = r.s->take_inbox();
    ASSERT_EQ(in.packets.size(), 3u);
    EXPECT_EQ(in.packets[0], lcp);
    EXPECT_EQ(in.packets[1], echo_request());
    EXPECT_EQ(in.packets[2], v6);
    EXPECT_EQ(r.tun_written().size(), 2u);
    EXPECT_FALSE(in.closed);
}

TEST(DataSession, BackPressureStopsReadingAndLosesNothing) {
    Rig r;
    // 200 echo requests with a data packet after every tenth: more than the queue takes.
    Bytes stream;
    size_t data = 0;
    for (int i = 0; i < 200; ++i) {
        Bytes e = echo_request();
        stream.insert(stream.end(), e.begin(), e.end());
        if (i % 10 == 9) {
            Bytes d = data_packet(0x0021, ip_packet(80, uint8_t(data++)));
            stream.insert(stream.end(), d.begin(), d.end());
        }
    }
    r.peer_send(stream);
    size_t control = 0, passes = 0;
    std::vector<Bytes> tun;
    while (control < 200 && passes++ < 20) {
        r.s->on_readable(Instant{1});
        auto in = r.s->take_inbox();
        EXPECT_LE(in.packets.size(), DataSession::kMaxControlQueued);
        if (in.packets.size() == DataSession::kMaxControlQueued) {
            EXPECT_TRUE(in.resumed);  // it had stopped reading
        }
        for (const Bytes& p : in.packets) EXPECT_EQ(p, echo_request());
        control += in.packets.size();
        for (auto& p : r.tun_written()) tun.push_back(std::move(p));
    }
    EXPECT_EQ(control, 200u);
    ASSERT_EQ(tun.size(), data);
    for (size_t i = 0; i < data; ++i) EXPECT_EQ(tun[i].back(), uint8_t(i));
    EXPECT_GE(r.s->counters().paused, 3u);
}

TEST(DataSession, WhilePausedTheSocketIsNotWatchedForInput) {
    Rig r;
    r.peer_send(echo_requests(DataSession::kMaxControlQueued + 5));
    r.s->on_readable(Instant{1});
    EXPECT_EQ(r.s->socket_interest() & EPOLLIN, 0u);
    auto in = r.s->take_inbox();
    EXPECT_TRUE(in.resumed);
    EXPECT_NE(r.s->socket_interest() & EPOLLIN, 0u);
    r.s->on_readable(Instant{1});  // the held bytes, though the socket has nothing new
    EXPECT_EQ(r.s->take_inbox().packets.size(), 5u);
}

TEST(DataSession, InterfacePacketsBecomeSstpDataPacketsAndControlOutputKeepsItsPlace) {
    Rig r({true, true, 1400, 0, 0});
    r.s->send(echo_request());  // control output first
    Bytes a = ip_packet(500, 1), b = test::super_packet(true, 17, 300), big = ip_packet(1500, 3);
    r.kernel_sends(a);
    r.kernel_sends(b);
    r.kernel_sends(big);  // over the MTU: refused and counted
    r.s->on_tun_readable();
    Bytes got = r.peer_read();
    sstp::SstpFramer f;
    std::vector<Bytes> frames;
    ASSERT_TRUE(f.feed(got, [&](const sstp::Frame& fr) {
        frames.emplace_back(fr.packet.begin(), fr.packet.end());
        return sstp::SinkVerdict::Continue;
    }));
    ASSERT_EQ(frames.size(), 3u);
    EXPECT_EQ(frames[0], echo_request());
    EXPECT_EQ(frames[1], data_packet(0x0021, a));
    EXPECT_EQ(frames[2], data_packet(0x0057, b));
    EXPECT_EQ(r.s->counters().drop_oversized, 1u);
    EXPECT_EQ(r.s->path_counters().drop_tunnel_refused, 1u);
}

TEST(DataSession, APartialWriteKeepsTheRestForTheNextWritableSocket) {
    Bytes unsent(1000, 0x10);  // stands for output not flushed before the hand-over
    Rig r2({true, false, 1500, 0, 0}, unsent);
    r2.transport->max_write = 100;
    r2.s->write_out();
    EXPECT_EQ(r2.s->pending_out(), 0u);  // a stream socket takes 100 at a time until done
    EXPECT_EQ(r2.peer_read(), unsent);
    EXPECT_EQ(r2.s->counters().socket_writes, 10u);
}

// Issue 5 item 4: a transport that batches (TLS records held until flush()) gets the output
// written record by record and sent kSendBatch at a time, in order, over a socket that fills.
TEST(DataSession, HeldOutputGoesOutInFewSendsAndInOrder) {
    Bytes unsent(1 << 20);
    for (size_t i = 0; i < unsent.size(); ++i) unsent[i] = uint8_t(i * 7 + i / 4096);
    Rig r({true, false, 1500, 0, 0}, unsent, true);
    ASSERT_TRUE(r.transport->holding());
    r.transport->max_write = 16 * 1024;  // one "record" per write, as TLS takes them
    Bytes got;
    for (int round = 0; round < 1000 && got.size() < unsent.size(); ++round) {
        r.s->write_out();
        // Whatever the socket did not take is held or unwritten, and the socket is watched for room.
        if (r.s->pending_out()) {
            EXPECT_TRUE(r.s->socket_interest() & EPOLLOUT);
        }
        Bytes b = r.peer_read();
        got.insert(got.end(), b.begin(), b.end());
    }
    EXPECT_EQ(got, unsent);
    EXPECT_EQ(r.s->pending_out(), 0u);
    const DataCounters& c = r.s->counters();
    EXPECT_EQ(c.socket_writes, 64u);  // every record written...
    EXPECT_EQ(c.socket_sends, r.transport->flushes);
    EXPECT_LE(c.socket_sends, 64u / 4);  // ...sent several at a time (a full socket cuts some batches)
    EXPECT_FALSE(r.s->socket_interest() & EPOLLOUT);
}

// Held records not yet sent when the call leaves the worker stay in the transport, which sends
// them before anything written later: the stream keeps its order across the hand-back.
TEST(DataSession, HeldOutputStaysFirstAfterDetach) {
    Rig r({true, false, 1500, 0, 0}, Bytes(4 << 20, 0x5a), true);
    r.s->write_out();  // fills the socket; the rest is held or unwritten
    ASSERT_GT(r.transport->unsent(), 0u);
    const size_t held = r.transport->unsent();
    auto h = r.s->detach();
    EXPECT_FALSE(r.transport->holding());
    EXPECT_EQ(h.transport->unsent(), held);
    Bytes tail = {1, 2, 3};
    h.unsent.insert(h.unsent.end(), tail.begin(), tail.end());  // the control plane writes on
    Bytes got;
    for (int round = 0; round < 10000 && (!h.unsent.empty() || h.transport->unsent()); ++round) {
        while (!h.unsent.empty()) {
            auto w = h.transport->write(h.unsent);  // sends what is held first
            if (!w) break;
            h.unsent.erase(h.unsent.begin(), h.unsent.begin() + ptrdiff_t(*w));
        }
        if (h.unsent.empty()) (void)h.transport->flush();  // nothing more to write: flush alone
        Bytes b = r.peer_read();
        got.insert(got.end(), b.begin(), b.end());
    }
    Bytes b = r.peer_read();
    got.insert(got.end(), b.begin(), b.end());
    Bytes expect(4 << 20, 0x5a);
    expect.insert(expect.end(), tail.begin(), tail.end());
    EXPECT_EQ(got.size(), expect.size());
    EXPECT_EQ(got, expect);
}

TEST(DataSession, DetachHandsBackEverythingInStreamOrder) {
    Rig r;
    Bytes stream = echo_requests(DataSession::kMaxControlQueued + 3);
    Bytes tail = data_packet(0x0021, ip_packet(200, 9));
    stream.insert(stream.end(), tail.begin(), tail.begin() + 10);  // a partial packet at the end
    r.peer_send(stream);
    r.s->on_readable(Instant{1});  // pauses with 3 echoes and the partial packet unhandled
    r.s->send(Bytes{1, 2, 3});
    r.transport->max_write = 0;  // nothing written: stays unsent
    r.s->write_out();
    auto h = r.s->detach();
    EXPECT_TRUE(r.s->detached());
    ASSERT_TRUE(h.transport);
    ASSERT_TRUE(h.path);
    EXPECT_EQ(h.packets.size(), DataSession::kMaxControlQueued);
    Bytes expect_left = echo_requests(3);
    expect_left.insert(expect_left.end(), tail.begin(), tail.begin() + 10);
    EXPECT_EQ(h.leftover, expect_left);
    EXPECT_EQ(h.unsent, (Bytes{1, 2, 3}));
}

TEST(DataSession, AFramerPartialPacketIsHandedBack) {
    Rig r;
    Bytes d = data_packet(0x0021, ip_packet(300, 1));
    r.peer_send(ByteView(d).first(50));
    r.s->on_readable(Instant{1});
    auto h = r.s->detach();
    EXPECT_EQ(h.leftover, Bytes(d.begin(), d.begin() + 50));
}

TEST(DataSession, AnUndelineableStreamGoesToTheControlPlaneAndReadingStops) {
    Rig r;
    Bytes good = data_packet(0x0021, ip_packet(64, 1));
    Bytes stream = good;
    Bytes garbage = {0x20, 0x00, 0x00, 0x08, 1, 2, 3, 4};  // version 2.0
    stream.insert(stream.end(), garbage.begin(), garbage.end());
    r.peer_send(stream);
    r.s->on_readable(Instant{1});
    EXPECT_EQ(r.tun_written().size(), 1u);
    EXPECT_TRUE(r.s->take_notify());
    auto in = r.s->take_inbox();
    ASSERT_EQ(in.packets.size(), 1u);
    EXPECT_EQ(in.packets[0], garbage);  // the control plane's framer reaches the same verdict
    ASSERT_TRUE(in.closed);
    EXPECT_EQ(r.s->socket_interest(), 0u);
}

TEST(DataSession, PeerCloseIsReportedWithTheTransportsReason) {
    Rig r;
    r.sock_peer.reset();
    r.s->on_readable(Instant{1});
    EXPECT_TRUE(r.s->take_notify());
    auto in = r.s->take_inbox();
    ASSERT_TRUE(in.closed);
    EXPECT_EQ(*in.closed, "connection closed");
    EXPECT_EQ(r.s->socket_interest(), 0u);
    EXPECT_EQ(r.s->tun_interest(), 0u);
}

TEST(DataSession, MssIsClampedBothWaysWhenAsked) {
    Rig r({true, false, 1500, 1300, 1200});
    Bytes syn = test::super_packet(false, 6, 0, 0x02);  // SYN with no MSS option: untouched
    // A SYN with MSS 1460: options NOP NOP TS replaced by MSS 1460 + NOPs.
    const size_t opt = 20 + 20;
    syn[opt] = 2, syn[opt + 1] = 4, syn[opt + 2] = 0x05, syn[opt + 3] = 0xb4;
    r.peer_send(data_packet(0x0021, syn));
    r.s->on_readable(Instant{1});
    auto got = r.tun_written();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0][opt + 2] << 8 | got[0][opt + 3], 1300 - 40);
    r.kernel_sends(syn);
    r.s->on_tun_readable();
    Bytes wire = r.peer_read();
    ASSERT_GE(wire.size(), 8 + opt + 4);
    EXPECT_EQ(wire[8 + opt + 2] << 8 | wire[8 + opt + 3], 1200 - 40);
}

}  // namespace
}  // namespace ksstp::dp
