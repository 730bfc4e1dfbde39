// KtlsSocket (issue 5 item 3): plaintext to and from a socket whose record layer the kernel has.
// Without kernel TLS here, the socket is plain TCP over loopback (what a kTLS socket looks like
// for data: bytes in, bytes out) and the kernel's record-type control messages come from a
// scripted recvmsg; ktls_transport_test.cc runs the real thing where the kernel has TLS.
#include "controlplane/tls/ktls_socket.h"

#include <gtest/gtest.h>
#include <linux/tls.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <deque>
#include <memory>
#include <thread>

#include "dataplane/tun_ring.h"
#include "tests/fakes/tls_pair.h"

namespace ksstp::tls {
namespace {

using test::pattern;

Bytes read_plain(int fd, size_t want) {
    Bytes got, buf(65536);
    for (int i = 0; i < 20000 && got.size() < want; ++i) {
        ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n > 0) got.insert(got.end(), buf.begin(), buf.begin() + n);
        else ::usleep(100);
    }
    return got;
}

// What a kTLS socket's recvmsg returns: records, each with its type in a control message.
struct ScriptedRecords {
    struct Rec {
        uint8_t type;
        Bytes payload;
    };
    std::deque<Rec> recs;
    int calls = 0;
    long operator()(int, msghdr* m) {
        ++calls;
        if (recs.empty()) return -EAGAIN;
        Rec r = std::move(recs.front());
        recs.pop_front();
        std::memcpy(m->msg_iov[0].iov_base, r.payload.data(), r.payload.size());
        cmsghdr* c = CMSG_FIRSTHDR(m);
        c->cmsg_level = SOL_TLS;
        c->cmsg_type = TLS_GET_RECORD_TYPE;
        c->cmsg_len = CMSG_LEN(1);
        *CMSG_DATA(c) = r.type;
        m->msg_controllen = CMSG_SPACE(1);
        return long(r.payload.size());
    }
};

// One read that must fail with `want`; returns the socket's reason.
std::string read_fails(KtlsSocket& k, IoStatus want) {
    uint8_t buf[100];
    auto r = k.read(buf);
    if (r) {
        ADD_FAILURE() << "read " << *r << " bytes";
        return {};
    }
    EXPECT_EQ(r.error(), want);
    return k.error();
}

struct KtlsSocketTest : ::testing::Test {
    test::TcpPair p;
    std::shared_ptr<ScriptedRecords> script = std::make_shared<ScriptedRecords>();
    TrafficSecrets secrets;

    KtlsSocket scripted(bool tls13, bool with_secrets) {
        if (with_secrets) {
            secrets.client = Bytes(32, 1);
            secrets.server = Bytes(32, 2);
        }
        KtlsSocket k(p.s, true, tls13, tls13 ? ktls_suite("TLS_AES_128_GCM_SHA256") : std::nullopt,
                     with_secrets ? &secrets : nullptr, true);
        KtlsSocket::Io io;
        auto sc = script;
        io.recvmsg = [sc](int fd, msghdr* m) { return (*sc)(fd, m); };
        k.use(std::move(io));
        return k;
    }
};

TEST_F(KtlsSocketTest, MovesPlaintextBothWaysThroughTheRing) {
    auto ring = dp::TunRing::create();
    ASSERT_TRUE(ring) << ring.error();
    KtlsSocket k(p.s, true, true, std::nullopt, nullptr, true);
    KtlsSocket::Io io;
    dp::TunRing* r = ring->get();
    io.send = [r](int fd, ByteView b) { return r->send(fd, b); };
    io.recvmsg = [r](int fd, msghdr* m) { return r->recvmsg(fd, m); };
    k.use(std::move(io));
    const uint64_t before = r->submits();

    // Out: one write of a batch goes out whole (a socket with room takes it in one send).
    Bytes out = pattern(200000, 3);
    size_t off = 0, writes = 0;
    Bytes back;
    std::thread reader([&] { back = read_plain(p.c, out.size()); });
    for (int i = 0; i < 20000 && off < out.size(); ++i) {
        auto w = k.write(ByteView(out).subspan(off));
        if (w) {
            off += *w;
            ++writes;
        } else {
            ASSERT_EQ(w.error(), IoStatus::WantWrite) << k.error();
            ::usleep(100);
        }
    }
    reader.join();
    EXPECT_EQ(back, out);
    EXPECT_GE(r->submits() - before, writes);

    // In: nothing there is WantRead at once (the ring does not wait); then the bytes in order.
    uint8_t buf[65536];
    auto none = k.read(buf);
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error(), IoStatus::WantRead);
    Bytes in = pattern(100000, 9), got;
    ASSERT_EQ(::write(p.c, in.data(), in.size()), ssize_t(in.size()));
    for (int i = 0; i < 20000 && got.size() < in.size(); ++i) {
        auto rd = k.read(buf);
        if (rd) got.insert(got.end(), buf, buf + *rd);
        else ::usleep(100);
    }
    EXPECT_EQ(got, in);

    // The peer's FIN without close_notify: closed, in the words OpenSSL's path uses.
    ::shutdown(p.c, SHUT_WR);
    Result<size_t, IoStatus> end = size_t(0);
    for (int i = 0; i < 1000 && (end || end.error() == IoStatus::WantRead); ++i) end = k.read(buf);
    ASSERT_FALSE(end);
    EXPECT_EQ(end.error(), IoStatus::Closed);
    EXPECT_EQ(k.error(), "connection closed");
}

TEST_F(KtlsSocketTest, PlainSystemCallsWithoutARing) {
    KtlsSocket k(p.s, true, false, std::nullopt, nullptr, false);
    Bytes out = pattern(3000, 1);
    auto w = k.write(out);
    ASSERT_TRUE(w);
    EXPECT_EQ(*w, out.size());
    EXPECT_EQ(read_plain(p.c, out.size()), out);
    ASSERT_EQ(::write(p.c, "hello", 5), 5);
    uint8_t buf[100];
    Result<size_t, IoStatus> r = fail(IoStatus::WantRead);
    for (int i = 0; i < 1000 && !r; ++i) r = k.read(buf);
    ASSERT_TRUE(r);
    EXPECT_EQ(std::string(buf, buf + *r), "hello");
}

TEST_F(KtlsSocketTest, SessionTicketsAndWarningsAreSkippedDataComesThrough) {
    KtlsSocket k = scripted(true, false);
    script->recs.push_back({22, Bytes{4, 0, 0, 2, 7, 7}});  // NewSessionTicket
    script->recs.push_back({21, Bytes{1, 90}});             // user_canceled
    script->recs.push_back({23, Bytes{'s', 's', 't', 'p'}});
    uint8_t buf[100];
    auto r = k.read(buf);
    ASSERT_TRUE(r);
    EXPECT_EQ(std::string(buf, buf + *r), "sstp");
    EXPECT_EQ(script->calls, 3);
}

TEST_F(KtlsSocketTest, CloseNotifyClosesAndAFatalAlertFailsWithItsName) {
    {
        KtlsSocket k = scripted(true, false);
        script->recs.push_back({21, Bytes{1, 0}});
        EXPECT_EQ(read_fails(k, IoStatus::Closed), "peer closed TLS (close_notify)");
    }
    KtlsSocket k = scripted(false, false);
    script->recs.push_back({21, Bytes{2, 51}});
    EXPECT_EQ(read_fails(k, IoStatus::Error), "peer sent TLS alert decrypt_error (51)");
}

TEST_F(KtlsSocketTest, ANonDataFloodLetsTheWorkerGo) {
    KtlsSocket k = scripted(false, false);
    for (int i = 0; i < 40; ++i) script->recs.push_back({21, Bytes{1, 100}});  // TLS 1.2 warnings
    read_fails(k, IoStatus::WantRead);
    EXPECT_LT(script->calls, 40);
}

TEST_F(KtlsSocketTest, KeyUpdateWithoutItsSecretEndsTheSessionSayingWhy) {
    KtlsSocket k = scripted(true, false);
    script->recs.push_back({22, key_update_message(false)});
    EXPECT_EQ(read_fails(k, IoStatus::Error), "peer sent a TLS 1.3 KeyUpdate, and the traffic secret for its next key is not known");
}

TEST_F(KtlsSocketTest, KeyUpdateTheKernelRefusesEndsTheSessionAndKeepsTheSecret) {
    // A plain TCP socket refuses SOL_TLS options as a kernel without TLS rekeying would.
    KtlsSocket k = scripted(true, true);
    const Bytes before = secrets.client;
    script->recs.push_back({22, key_update_message(true)});
    const std::string why = read_fails(k, IoStatus::Error);
    EXPECT_NE(why.find("TLS 1.3 KeyUpdate: the kernel refused the next key (setsockopt TLS_RX: "), std::string::npos) << why;
    EXPECT_EQ(secrets.client, before);
    EXPECT_EQ(k.key_updates(), 0u);
    EXPECT_FALSE(k.key_update_pending());
}

}  // namespace
}  // namespace ksstp::tls
