// The kTLS data path end to end (issue 5 item 3), where the kernel has TLS: a worker's
// TlsTransport moves plaintext straight to and from the socket through its io_uring, a TLS 1.3
// KeyUpdate the peer asks for is answered (the kernel gets both next keys), and close_notify
// ends the session in order. Skips with the probe's reason where the kernel has no TLS, and
// with OpenSSL's where it did not engage the kernel for the suite.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <string>

#include "controlplane/tls/tls_context.h"
#include "controlplane/tls/tls_session.h"
#include "controlplane/tls/tls_transport.h"
#include "dataplane/tun_ring.h"
#include "tests/fakes/test_pki.h"
#include "tests/fakes/tls_pair.h"

namespace ksstp::tls {
namespace {

Bytes pattern(size_t n, uint8_t seed) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) b[i] = uint8_t(seed + i * 11 + i / 777);
    return b;
}

struct KtlsTransportTest : ::testing::TestWithParam<config::TlsVersion> {
    test::TestPki pki;
    ContextInfo sinfo, cinfo;
    SslCtxPtr sctx, cctx;
    test::TcpPair p;
    std::optional<TlsSession> ss, cs;
    std::unique_ptr<dp::TunRing> ring;
    std::unique_ptr<TlsTransport> t;

    void SetUp() override {
        KtlsSupport k = probe_ktls();
        if (!k.available) GTEST_SKIP() << k.reason;
        auto leaf = pki.issue("server", {});
        ServerTlsOptions so;
        so.certificate = leaf.chain_pem;
        so.private_key = leaf.key_pem;
        so.version = GetParam();
        sctx = make_server_context(so, sinfo);
        ClientTlsOptions co;
        co.ca_certificate = pki.ca_pem();
        co.version = GetParam();
        cctx = make_client_context(co, cinfo);
        // AES-GCM: what every kernel with TLS takes.
        SSL_CTX_set_ciphersuites(sctx.get(), "TLS_AES_128_GCM_SHA256");
        SSL_CTX_set_cipher_list(sctx.get(), "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256");
        ss.emplace(TlsSession::server(sctx.get(), p.s));
        cs.emplace(TlsSession::client(cctx.get(), p.c, "vpn.example.net", true));
        test::Outcome o = test::run(*ss, *cs);
        ASSERT_TRUE(o.server_ok && o.client_ok) << o.server_error << " / " << o.client_error;
        if (!o.server_info.ktls_tx)
            GTEST_SKIP() << "OpenSSL did not give the kernel the record layer for " << o.server_info.version << " "
                         << o.server_info.cipher;
        auto r = dp::TunRing::create();
        if (r) ring = std::move(*r);
        t = std::make_unique<TlsTransport>(std::move(*ss), p.s);
        EXPECT_FALSE(t->hold_output(true, ring.get()));  // nothing to hold: the kernel makes the records
    }

    bool rx_direct() const { return t->read_size() > 0; }

    // Client -> server through the transport's read().
    Bytes upload(ByteView data) {
        Bytes got, buf(t->read_size() ? t->read_size() : 16384);
        size_t off = 0;
        for (int i = 0; i < 50000 && got.size() < data.size(); ++i) {
            if (off < data.size())
                if (auto w = cs->write(data.subspan(off))) off += *w;
            auto r = t->read(buf);
            if (r) got.insert(got.end(), buf.begin(), buf.begin() + ptrdiff_t(*r));
            else if (r.error() != dp::IoStatus::WantRead) break;
            else ::usleep(50);
        }
        return got;
    }
    // Server -> client through the transport's write().
    Bytes download(ByteView data) {
        Bytes got, buf(65536);
        size_t off = 0;
        for (int i = 0; i < 50000 && got.size() < data.size(); ++i) {
            if (off < data.size())
                if (auto w = t->write(data.subspan(off))) off += *w;
            auto r = cs->read(buf);
            if (r) got.insert(got.end(), buf.begin(), buf.begin() + ptrdiff_t(*r));
            else ::usleep(50);
        }
        return got;
    }
};

TEST_P(KtlsTransportTest, PlaintextGoesStraightToTheKernelBothWays) {
    Bytes up = pattern(700000, 1), down = pattern(900000, 2);
    EXPECT_EQ(upload(up), up);
    EXPECT_EQ(download(down), down);
    std::cout << "kTLS " << (rx_direct() ? "TX+RX" : "TX only (reads through OpenSSL)") << "\n";
}

TEST_P(KtlsTransportTest, CloseNotifyEndsTheSessionInOrder) {
    Bytes up = pattern(5000, 3);
    EXPECT_EQ(upload(up), up);
    cs->shutdown();
    uint8_t buf[65536];
    Result<size_t, dp::IoStatus> r = fail(dp::IoStatus::WantRead);
    for (int i = 0; i < 2000 && (r || r.error() == dp::IoStatus::WantRead); ++i) {
        r = t->read(buf);
        if (!r) ::usleep(100);
    }
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), dp::IoStatus::Closed);
    EXPECT_EQ(t->error(), "peer closed TLS (close_notify)");
}

TEST_P(KtlsTransportTest, KeyUpdateTheClientAsksForIsAnswered) {
    if (GetParam() != config::TlsVersion::Only13) GTEST_SKIP() << "KeyUpdate is TLS 1.3's";
    if (!rx_direct()) GTEST_SKIP() << "the kernel decrypts nothing here (kTLS TX only): OpenSSL reads, and updates";
    Bytes up = pattern(20000, 4);
    EXPECT_EQ(upload(up), up);
    ASSERT_EQ(SSL_key_update(cs->native(), SSL_KEY_UPDATE_REQUESTED), 1);
    Bytes after = pattern(300000, 5);
    Bytes got = upload(after);
    if (got != after && t->error().find("the kernel refused the next key") != std::string::npos)
        GTEST_SKIP() << t->error();
    EXPECT_EQ(got, after) << t->error();
    EXPECT_EQ(t->key_updates(), 1u);
    // Our answer went first: the client reads what we send next under our new key.
    Bytes down = pattern(300000, 6);
    EXPECT_EQ(download(down), down);
    EXPECT_EQ(t->unsent(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Versions, KtlsTransportTest,
                         ::testing::Values(config::TlsVersion::Only12, config::TlsVersion::Only13),
                         [](const auto& i) { return i.param == config::TlsVersion::Only12 ? "Tls12" : "Tls13"; });

}  // namespace
}  // namespace ksstp::tls
