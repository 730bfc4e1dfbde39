// RecordBatch (issue 5 item 4) on real TLS 1.3 over loopback TCP: records held until flush()
// and sent together, in order; released, the batch sends what it held before anything new;
// a full socket says WantWrite and loses nothing; the worker's io_uring sends a batch; a dead
// connection drops what was held with the reason; kTLS keeps its socket BIO.
#include "controlplane/tls/record_batch.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include "controlplane/tls/tls_context.h"
#include "controlplane/tls/tls_session.h"
#include "controlplane/tls/tls_transport.h"
#include "dataplane/tun_ring.h"
#include "tests/fakes/test_pki.h"
#include "tests/fakes/tls_pair.h"

namespace ksstp::tls {
namespace {

using test::pattern;

struct RecordBatchTest : ::testing::Test {
    test::TestPki pki;
    ContextInfo sinfo, cinfo;
    SslCtxPtr sctx, cctx;
    test::TcpPair p;
    std::optional<TlsSession> ss, cs;

    void SetUp() override { connect(config::TlsVersion::Any, false); }
    // `ktls`: let OpenSSL give the kernel the record layer where it can. Off, these are tests
    // of userspace TLS on any kernel (the one a CBC suite or a kernel without TLS gets).
    void connect(config::TlsVersion v, bool ktls) {
        auto leaf = pki.issue("server", {});
        ServerTlsOptions so;
        so.certificate = leaf.chain_pem;
        so.private_key = leaf.key_pem;
        so.version = v;
        sctx = make_server_context(so, sinfo);
        ClientTlsOptions co;
        co.ca_certificate = pki.ca_pem();
        co.version = v;
        cctx = make_client_context(co, cinfo);
        if (!ktls)
            for (SSL_CTX* c : {sctx.get(), cctx.get()}) SSL_CTX_clear_options(c, SSL_OP_ENABLE_KTLS);
        ss.emplace(TlsSession::server(sctx.get(), p.s));
        cs.emplace(TlsSession::client(cctx.get(), p.c, "vpn.example.net", true));
        test::Outcome o = test::run(*ss, *cs);
        ASSERT_TRUE(o.server_ok && o.client_ok) << o.server_error << " / " << o.client_error;
    }
    // Writes all of `data` through the server session (the batch takes it record by record).
    size_t write_all(ByteView data) {
        size_t off = 0, writes = 0;
        while (off < data.size()) {
            auto r = ss->write(data.subspan(off));
            if (!r) break;
            off += *r;
            ++writes;
        }
        EXPECT_EQ(off, data.size());
        return writes;
    }
    // What the client can read now.
    Bytes client_drain() {
        Bytes out, buf(65536);
        for (;;) {
            auto r = cs->read(buf);
            if (!r) break;
            out.insert(out.end(), buf.begin(), buf.begin() + ptrdiff_t(*r));
        }
        return out;
    }
    // Flushes and reads on the client until `want` bytes arrived (or a bound passed).
    Bytes deliver_rest(size_t want) {
        Bytes got;
        for (int i = 0; i < 20000 && got.size() < want; ++i) {
            (void)ss->flush();
            Bytes b = client_drain();
            got.insert(got.end(), b.begin(), b.end());
            if (b.empty()) ::usleep(100);
        }
        return got;
    }
};

TEST_F(RecordBatchTest, HoldsRecordsUntilFlushAndSendsThemTogether) {
    ASSERT_TRUE(ss->hold_records(true));
    Bytes data = pattern(256 * 1024, 1);
    const size_t writes = write_all(data);
    EXPECT_GE(writes, 16u);  // one TLS record (16 KB at most) per write
    EXPECT_EQ(ss->sends(), 0u);
    EXPECT_GT(ss->unsent(), data.size());  // the records, with their headers and tags
    EXPECT_TRUE(client_drain().empty());   // nothing on the wire before flush()
    Bytes got = deliver_rest(data.size());
    EXPECT_EQ(got, data);
    EXPECT_LT(ss->sends(), writes / 2);
}

TEST_F(RecordBatchTest, WhatIsHeldGoesFirstOnceReleased) {
    ASSERT_TRUE(ss->hold_records(true));
    Bytes a = pattern(3000, 2), b = pattern(2000, 3);
    write_all(a);
    ASSERT_GT(ss->unsent(), 0u);
    ASSERT_TRUE(ss->hold_records(false));  // back to the control plane
    write_all(b);                           // sends the held records, then its own
    EXPECT_EQ(ss->unsent(), 0u);
    Bytes expect = a;
    expect.insert(expect.end(), b.begin(), b.end());
    EXPECT_EQ(deliver_rest(expect.size()), expect);
}

TEST_F(RecordBatchTest, AFullSocketSaysWantWriteAndLosesNothing) {
    int small = 64 * 1024;  // room for a few records at a time
    ::setsockopt(p.s, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    ::setsockopt(p.c, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    ASSERT_TRUE(ss->hold_records(true));
    Bytes data = pattern(1536 * 1024, 4);
    write_all(data);
    Result<size_t, IoStatus> f = size_t(0);
    for (int i = 0; i < 1000 && f; ++i) f = ss->flush();  // the client reads nothing meanwhile
    ASSERT_FALSE(f);
    EXPECT_EQ(f.error(), IoStatus::WantWrite);
    EXPECT_GT(ss->unsent(), 0u);
    EXPECT_EQ(deliver_rest(data.size()), data);
}

TEST_F(RecordBatchTest, TheWorkersRingSendsABatch) {
    auto ring = dp::TunRing::create();
    if (!ring) GTEST_SKIP() << "no io_uring here: " << ring.error();
    int small = 64 * 1024;
    ::setsockopt(p.s, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    ::setsockopt(p.c, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    TlsTransport t(std::move(*ss), p.s);
    ss.reset();
    ASSERT_TRUE(t.hold_output(true, ring->get()));
    Bytes data = pattern(1024 * 1024, 5);
    for (size_t off = 0; off < data.size();) {
        auto w = t.write(ByteView(data).subspan(off));
        ASSERT_TRUE(w);
        off += *w;
    }
    const uint64_t before = (*ring)->submits();
    Bytes got;
    Result<size_t, dp::IoStatus> f = size_t(0);
    bool saw_full = false;
    for (int i = 0; i < 20000 && t.unsent(); ++i) {
        f = t.flush();  // MSG_DONTWAIT: a full socket answers at once, never waits
        if (!f) {
            ASSERT_EQ(f.error(), dp::IoStatus::WantWrite);
            saw_full = true;
        }
        if (saw_full || i % 4 == 3) {  // let the socket fill before the client reads
            Bytes x = client_drain();
            got.insert(got.end(), x.begin(), x.end());
        }
    }
    EXPECT_EQ(t.unsent(), 0u);
    EXPECT_TRUE(saw_full);
    EXPECT_GT((*ring)->submits(), before);
    for (int i = 0; i < 20000 && got.size() < data.size(); ++i) {
        Bytes x = client_drain();
        got.insert(got.end(), x.begin(), x.end());
        if (x.empty()) ::usleep(100);
    }
    EXPECT_EQ(got, data);
}

TEST_F(RecordBatchTest, ADeadConnectionDropsWhatItHeldAndSaysWhy) {
    ASSERT_TRUE(ss->hold_records(true));
    Bytes unread = pattern(1000, 6);
    write_all(unread);
    ASSERT_TRUE(ss->flush());
    ::usleep(10000);
    ::close(p.c);  // with unread data: the client's kernel answers with a reset
    p.c = -1;
    Result<size_t, IoStatus> f = size_t(0);
    for (int i = 0; i < 1000 && (f || f.error() == IoStatus::WantWrite); ++i) {
        write_all(pattern(20000, 7));
        f = ss->flush();
        if (f) ::usleep(1000);
    }
    ASSERT_FALSE(f);
    EXPECT_EQ(f.error(), IoStatus::Error);
    EXPECT_EQ(ss->unsent(), 0u);
    EXPECT_NE(ss->error().find("TLS write: "), std::string::npos) << ss->error();
}

TEST_F(RecordBatchTest, KtlsKeepsItsSocketBioWhereTheKernelHasTls) {
    KtlsSupport k = probe_ktls();
    if (!k.available) GTEST_SKIP() << k.reason;
    test::TcpPair q;
    std::swap(p.c, q.c);
    std::swap(p.s, q.s);
    connect(config::TlsVersion::Only12, true);  // a fresh pair: TLS 1.2 AES-GCM, which kTLS takes
    if (!ss->info().ktls_tx) GTEST_SKIP() << "kTLS TX did not engage for " << ss->info().cipher;
    EXPECT_FALSE(ss->hold_records(true));  // the kernel makes the records: nothing to hold
    Bytes data = pattern(50000, 8);
    write_all(data);
    EXPECT_EQ(ss->unsent(), 0u);
    EXPECT_EQ(deliver_rest(data.size()), data);
}

}  // namespace
}  // namespace ksstp::tls
