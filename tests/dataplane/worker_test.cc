// Worker (dataplane/worker.h): real threads over fake sockets (a plain stream socketpair for the
// TLS stream, a SOCK_SEQPACKET socketpair for the TUN). Data moves without the control plane,
// control packets reach it through the inbox, control output reaches the peer, sessions spread
// over workers, and detach hands everything back while the worker runs.
#include "dataplane/worker.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "controlplane/ppp/packet.h"
#include "controlplane/sstp/codec.h"
#include "dataplane/tun_forwarder.h"
#include "tests/fakes/socket_transport.h"
#include "tests/dataplane/test_packets.h"

namespace ksstp::dp {
namespace {



Bytes data_packet(const Bytes& ip) {
    Bytes frame, out;
    ppp::encode_frame(0x0021, ip, frame);
    EXPECT_TRUE(sstp::encode_data(frame, out));
    return out;
}

struct Pair {
    Fd a, b;
    explicit Pair(int type) {
        int sv[2];
        EXPECT_EQ(::socketpair(AF_UNIX, type | SOCK_NONBLOCK, 0, sv), 0);
        a = Fd(sv[0]);
        b = Fd(sv[1]);
    }
};

struct Endpoint {
    Pair sock{SOCK_STREAM}, tun{SOCK_SEQPACKET};
    std::shared_ptr<DataSession> s;
    explicit Endpoint(uint64_t id) {
        s = std::make_shared<DataSession>(id, std::make_unique<ksstp::test::SocketTransport>(sock.a.get()),
                                          std::make_unique<TunForwarder>(tun.a.get()), tun.a.get(),
                                          LinkParams{true, false, 1500, 0, 0}, Bytes{});
    }
};

// Reads from `fd` until `want` bytes or datagrams arrived or 5 s passed.
Bytes read_stream(int fd, size_t want) {
    Bytes out, buf(65536);
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (out.size() < want && std::chrono::steady_clock::now() < until) {
        pollfd p{fd, POLLIN, 0};
        ::poll(&p, 1, 50);
        ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n > 0) out.insert(out.end(), buf.begin(), buf.begin() + n);
    }
    return out;
}
std::vector<Bytes> read_datagrams(int fd, size_t want) {
    std::vector<Bytes> out;
    Bytes buf(65536);
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (out.size() < want && std::chrono::steady_clock::now() < until) {
        pollfd p{fd, POLLIN, 0};
        ::poll(&p, 1, 50);
        ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n > 0) out.emplace_back(buf.begin(), buf.begin() + n);
    }
    return out;
}
std::vector<uint64_t> wait_inbox(ControlInbox& in) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < until) {
        pollfd p{in.fd(), POLLIN, 0};
        if (::poll(&p, 1, 50) > 0) return in.take();
    }
    return {};
}

TEST(Worker, MovesDataBothWaysAndPassesControlPacketsToTheControlPlane) {
    ControlInbox inbox;
    Worker w(0, inbox);
    Endpoint e(42);
    w.attach(e.s);
    EXPECT_EQ(w.sessions(), 1u);
    // Peer -> interface: 100 packets in one write.
    Bytes stream;
    std::vector<Bytes> sent;
    for (int i = 0; i < 100; ++i) {
        sent.push_back(test::super_packet(false, 17, 200));
        sent.back().back() = uint8_t(i);
        Bytes d = data_packet(sent.back());
        stream.insert(stream.end(), d.begin(), d.end());
    }
    ASSERT_EQ(::write(e.sock.b.get(), stream.data(), stream.size()), ssize_t(stream.size()));
    auto got = read_datagrams(e.tun.b.get(), 100);
    ASSERT_EQ(got.size(), 100u);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(got[size_t(i)], sent[size_t(i)]);
    // Interface -> peer.
    Bytes ip = test::super_packet(false, 17, 300);
    ASSERT_EQ(::write(e.tun.b.get(), ip.data(), ip.size()), ssize_t(ip.size()));
    EXPECT_EQ(read_stream(e.sock.b.get(), 8 + ip.size()), data_packet(ip));
    // A control packet goes to the control plane; its answer comes back through send().
    Bytes echo = sstp::encode(sstp::Message{sstp::EchoRequest{}});
    ASSERT_EQ(::write(e.sock.b.get(), echo.data(), echo.size()), ssize_t(echo.size()));
    auto ids = wait_inbox(inbox);
    ASSERT_EQ(ids, std::vector<uint64_t>{42});
    DataSession::Inbox in;
    {
        std::lock_guard lk(e.s->mu);
        in = e.s->take_inbox();
    }
    ASSERT_EQ(in.packets.size(), 1u);
    EXPECT_EQ(in.packets[0], echo);
    Bytes reply = sstp::encode(sstp::Message{sstp::EchoResponse{}});
    {
        std::lock_guard lk(e.s->mu);
        e.s->send(reply);
    }
    w.kick(42);
    EXPECT_EQ(read_stream(e.sock.b.get(), reply.size()), reply);
    EXPECT_GE(e.s->last_rx().count(), 1);
    WorkerStats st = w.stats();
    EXPECT_GE(st.wakeups, 3u);
    EXPECT_GE(st.control_posts, 1u);
    // Hand back while the worker runs: nothing lost, the worker lets go of the fds.
    auto h = w.detach(42);
    ASSERT_TRUE(h);
    EXPECT_TRUE(h->transport);
    EXPECT_EQ(w.sessions(), 0u);
    EXPECT_FALSE(w.detach(42));
    ASSERT_EQ(::write(e.sock.b.get(), stream.data(), 100), 100);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    char c;
    EXPECT_EQ(::read(e.sock.a.get(), &c, 1), 1);  // still there: the worker no longer reads it
}

TEST(Worker, ReportsAPeerThatClosed) {
    Endpoint e(5);  // outlives the worker: its fds are the worker's until it is joined
    ControlInbox inbox;
    Worker w(1, inbox);
    w.attach(e.s);
    e.sock.b.reset();
    auto ids = wait_inbox(inbox);
    ASSERT_EQ(ids, std::vector<uint64_t>{5});
    std::lock_guard lk(e.s->mu);
    auto in = e.s->take_inbox();
    ASSERT_TRUE(in.closed);
    EXPECT_EQ(*in.closed, "connection closed");
}

TEST(Worker, BackPressureResumesAfterTheControlPlaneTookItsPackets) {
    Endpoint e(9);  // outlives the worker: its fds are the worker's until it is joined
    ControlInbox inbox;
    Worker w(0, inbox);
    w.attach(e.s);
    Bytes echo = sstp::encode(sstp::Message{sstp::EchoRequest{}}), stream;
    for (int i = 0; i < 300; ++i) stream.insert(stream.end(), echo.begin(), echo.end());
    Bytes last = test::super_packet(false, 17, 64);
    Bytes d = data_packet(last);
    stream.insert(stream.end(), d.begin(), d.end());
    ASSERT_EQ(::write(e.sock.b.get(), stream.data(), stream.size()), ssize_t(stream.size()));
    size_t control = 0;
    for (int round = 0; round < 50 && control < 300; ++round) {
        auto ids = wait_inbox(inbox);
        if (ids.empty()) break;
        DataSession::Inbox in;
        {
            std::lock_guard lk(e.s->mu);
            in = e.s->take_inbox();
        }
        control += in.packets.size();
        if (in.resumed) w.kick(9);
    }
    EXPECT_EQ(control, 300u);
    auto got = read_datagrams(e.tun.b.get(), 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], last);
}

TEST(Worker, ManySessionsOnSeveralWorkersEachGetTheirOwnPackets) {
    ControlInbox inbox;
    std::vector<std::unique_ptr<Worker>> ws;
    for (unsigned i = 0; i < 3; ++i) ws.push_back(std::make_unique<Worker>(i, inbox));
    std::vector<std::unique_ptr<Endpoint>> es;
    for (uint64_t id = 1; id <= 12; ++id) {
        es.push_back(std::make_unique<Endpoint>(id));
        ws[id % 3]->attach(es.back()->s);
    }
    for (auto& w : ws) EXPECT_EQ(w->sessions(), 4u);
    for (auto& e : es) {
        Bytes ip = test::super_packet(false, 17, 100);
        ip.back() = uint8_t(e->s->id());
        Bytes d = data_packet(ip);
        ASSERT_EQ(::write(e->sock.b.get(), d.data(), d.size()), ssize_t(d.size()));
    }
    for (auto& e : es) {
        auto got = read_datagrams(e->tun.b.get(), 1);
        ASSERT_EQ(got.size(), 1u);
        EXPECT_EQ(got[0].back(), uint8_t(e->s->id()));
    }
    for (uint64_t id = 1; id <= 12; ++id) EXPECT_TRUE(ws[id % 3]->detach(id));
}

}  // namespace
}  // namespace ksstp::dp
