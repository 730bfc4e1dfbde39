// The kTLS data path end to end (issue 5 item 3), where the kernel has TLS: a worker's
// TlsTransport moves plaintext straight to and from the socket through its io_uring, a TLS 1.3
// KeyUpdate the peer asks for is answered (the kernel gets both next keys), and close_notify
// ends the session in order. Skips with the probe's reason where the kernel has no TLS, and
// with OpenSSL's where it did not engage the kernel for the suite.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <linux/tls.h>
#include <sys/socket.h>

#include <cstring>
#include <functional>
#include <string>

#include "controlplane/tls/tls_context.h"
#include "controlplane/tls/tls_session.h"
#include "controlplane/tls/tls_transport.h"
#include "controlplane/tls/traffic_secrets.h"
#include "dataplane/tun_ring.h"
#include "tests/fakes/test_pki.h"
#include "tests/fakes/tls_pair.h"

namespace ksstp::tls {
namespace {

using test::pattern;

struct KtlsTransportTest : ::testing::TestWithParam<config::TlsVersion> {
    test::TestPki pki;
    ContextInfo sinfo, cinfo;
    SslCtxPtr sctx, cctx;
    test::TcpPair p;
    std::optional<TlsSession> ss, cs;
    std::unique_ptr<dp::TunRing> ring;
    std::unique_ptr<TlsTransport> t;
    SSL* server_ssl = nullptr;  // the session's, still alive inside `t`

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
        // The peer is an ordinary TLS stack in userspace (as a Windows client is); ours may
        // give the kernel what OpenSSL lets it.
        SSL_CTX_clear_options(cctx.get(), SSL_OP_ENABLE_KTLS);
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
        server_ssl = ss->native();
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
    // Server -> client through `write` (the transport's write() unless given), until `want`
    // bytes came or a bound passed.
    Bytes download(ByteView data, const std::function<Result<size_t, dp::IoStatus>(ByteView)>& write = nullptr) {
        Bytes got, buf(65536);
        size_t off = 0;
        for (int i = 0; i < 50000 && got.size() < data.size(); ++i) {
            if (off < data.size())
                if (auto w = write ? write(data.subspan(off)) : t->write(data.subspan(off))) off += *w;
            auto r = cs->read(buf);
            if (r) got.insert(got.end(), buf.begin(), buf.begin() + ptrdiff_t(*r));
            else ::usleep(50);
        }
        return got;
    }
};

TEST_P(KtlsTransportTest, PlaintextGoesStraightToTheKernelBothWays) {
    Bytes up = pattern(700000, 1), down = pattern(900000, 2);
    // OpenSSL's socket BIOs count what passes through them: the worker's bytes must not.
    BIO* rbio = SSL_get_rbio(server_ssl);
    BIO* wbio = SSL_get_wbio(server_ssl);
    const uint64_t read_before = BIO_number_read(rbio), written_before = BIO_number_written(wbio);
    EXPECT_EQ(upload(up), up);
    EXPECT_EQ(download(down), down);
    EXPECT_EQ(BIO_number_written(wbio), written_before) << "the writes went through OpenSSL";
    if (rx_direct()) {
        EXPECT_EQ(BIO_number_read(rbio), read_before) << "the reads went through OpenSSL";
    }
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

// The client asks for our key update in the middle of the data. Where the kernel decrypts, the
// KeyUpdate reaches KtlsSocket; where OpenSSL does (3.0 gives the kernel TLS 1.3 TX only),
// OpenSSL reads it and TlsSession sends our update and gives the kernel our next key, which
// OpenSSL itself never does. Either way the client then reads what we send under our new key.
// A kernel before 6.14 takes no second key: the session ends saying so.
TEST_P(KtlsTransportTest, KeyUpdateTheClientAsksForIsAnswered) {
    if (GetParam() != config::TlsVersion::Only13) GTEST_SKIP() << "KeyUpdate is TLS 1.3's";
    Bytes up = pattern(20000, 4);
    EXPECT_EQ(upload(up), up);
    ASSERT_EQ(SSL_key_update(cs->native(), SSL_KEY_UPDATE_REQUESTED), 1);
    Bytes after = pattern(300000, 5);
    Bytes got = upload(after);
    if (t->error().find("the kernel refused the next key") != std::string::npos) {
        std::cout << "this kernel takes no new TLS keys: " << t->error() << "\n";
        return;
    }
    EXPECT_EQ(got, after) << t->error();
    if (rx_direct()) {
        EXPECT_EQ(t->key_updates(), 1u);
    }
    // Our answer went first: the client reads what we send next under our new key.
    Bytes down = pattern(300000, 6);
    EXPECT_EQ(download(down), down) << t->error();
    EXPECT_EQ(t->unsent(), 0u);
    // And the control plane's writes after the hand-back (OpenSSL's SSL_write).
    TlsSession back = std::move(*t).take();
    const Bytes ctl = to_bytes(as_bytes("SSTP control after the hand-back"));
    EXPECT_EQ(download(ctl, [&](ByteView b) -> Result<size_t, dp::IoStatus> {
                  if (auto w = back.write(b)) return *w;
                  return fail(dp::IoStatus::WantWrite);
              }),
              ctl)
        << back.error() << " / " << cs->error();
    std::cout << "key update answered (" << (rx_direct() ? "KtlsSocket" : "OpenSSL reads, TlsSession rekeys TX") << ")\n";
}

// The TLS 1.3 KeyUpdate path against the kernel itself, also where OpenSSL leaves reading to
// userspace (3.0 gives the kernel TLS 1.3 TX only): the test gives the kernel the client's key
// (from the secrets the key log kept, sequence 0: nothing was read yet), reads through a
// KtlsSocket, and has the client update its key. The kernel returns the KeyUpdate with its
// record type in a control message; a kernel that takes new keys (6.14) then decrypts what
// follows, an older one refuses the key and the session ends saying so.
TEST_P(KtlsTransportTest, KeyUpdateComesAsAControlMessageAndTheKernelGetsTheNextKey) {
    if (GetParam() != config::TlsVersion::Only13) GTEST_SKIP() << "KeyUpdate is TLS 1.3's";
    if (rx_direct()) GTEST_SKIP() << "OpenSSL gave the kernel RX itself: KeyUpdateTheClientAsksForIsAnswered covers it";
    TrafficSecrets* sec = traffic_secrets(server_ssl);
    ASSERT_NE(sec, nullptr) << "the key log kept no secrets although the kernel has TLS";
    std::optional<KtlsSuite> suite = ktls_suite(SSL_CIPHER_get_name(SSL_get_current_cipher(server_ssl)));
    ASSERT_TRUE(suite);
    KernelCryptoInfo info;
    make_crypto_info(*suite, sec->client, info);
    ASSERT_GT(info.len, 0u);
    ASSERT_EQ(::setsockopt(p.s, SOL_TLS, TLS_RX, &info.u, info.len), 0) << std::strerror(errno);
    KtlsSocket k(p.s, true, true, suite, sec, true);

    auto receive = [&](size_t want) {
        Bytes got, buf(65536);
        for (int i = 0; i < 20000 && got.size() < want; ++i) {
            auto r = k.read(buf);
            if (r) got.insert(got.end(), buf.begin(), buf.begin() + ptrdiff_t(*r));
            else if (r.error() != IoStatus::WantRead) break;
            else ::usleep(50);
        }
        return got;
    };
    const std::string before = "under secret_0";
    ASSERT_TRUE(cs->write(as_bytes(before)));
    Bytes got = receive(before.size());  // our key and IV layout is the kernel's
    EXPECT_EQ(std::string(got.begin(), got.end()), before) << k.error();

    ASSERT_EQ(SSL_key_update(cs->native(), SSL_KEY_UPDATE_REQUESTED), 1);
    const std::string after = "under secret_1";
    ASSERT_TRUE(cs->write(as_bytes(after)));
    got = receive(after.size());
    if (k.key_updates() == 0) {
        EXPECT_TRUE(got.empty());
        EXPECT_NE(k.error().find("TLS 1.3 KeyUpdate: the kernel refused the next key (setsockopt TLS_RX: "),
                  std::string::npos)
            << k.error();
        std::cout << "this kernel takes no new TLS keys: " << k.error() << "\n";
        return;
    }
    EXPECT_EQ(std::string(got.begin(), got.end()), after) << k.error();
    // Asked for: our KeyUpdate went out (or waits for room) and our key changed with it.
    EXPECT_EQ(k.key_updates(), 1u);
    for (int i = 0; i < 1000 && k.key_update_pending(); ++i) {
        ASSERT_TRUE(k.flush() || k.error().empty()) << k.error();
        ::usleep(100);
    }
    EXPECT_FALSE(k.key_update_pending());
    // Our KeyUpdate and our next key: the client reads what we send now.
    const Bytes reply = to_bytes(as_bytes("ours under our secret_1"));
    EXPECT_EQ(download(reply, [&](ByteView b) -> Result<size_t, dp::IoStatus> {
                  if (auto w = k.write(b)) return *w;
                  return fail(dp::IoStatus::WantWrite);
              }),
              reply)
        << k.error() << " / " << cs->error();
    std::cout << "this kernel took the next keys\n";
}

// [dataplane] ktls = false: where the kernel has TLS, OpenSSL keeps the record layer (and no
// traffic secrets are kept for key updates).
TEST(KtlsConfig, OffKeepsTlsInUserspace) {
    KtlsSupport k = probe_ktls();
    if (!k.available) GTEST_SKIP() << k.reason;
    test::TestPki pki;
    auto leaf = pki.issue("server", {});
    ServerTlsOptions so;
    so.certificate = leaf.chain_pem;
    so.private_key = leaf.key_pem;
    so.ktls = false;
    ClientTlsOptions co;
    co.ca_certificate = pki.ca_pem();
    co.ktls = false;
    ContextInfo si, ci;
    SslCtxPtr sctx = make_server_context(so, si), cctx = make_client_context(co, ci);
    test::TcpPair p;
    TlsSession ss = TlsSession::server(sctx.get(), p.s);
    TlsSession cs = TlsSession::client(cctx.get(), p.c, "vpn.example.net", true);
    test::Outcome o = test::run(ss, cs);
    ASSERT_TRUE(o.server_ok && o.client_ok) << o.server_error << " / " << o.client_error;
    EXPECT_FALSE(o.server_info.ktls_tx || o.server_info.ktls_rx || o.client_info.ktls_tx || o.client_info.ktls_rx);
    EXPECT_FALSE(ss.ktls_socket());
    EXPECT_EQ(traffic_secrets(ss.native()), nullptr);
}

INSTANTIATE_TEST_SUITE_P(Versions, KtlsTransportTest,
                         ::testing::Values(config::TlsVersion::Only12, config::TlsVersion::Only13),
                         [](const auto& i) { return i.param == config::TlsVersion::Only12 ? "Tls12" : "Tls13"; });

}  // namespace
}  // namespace ksstp::tls
