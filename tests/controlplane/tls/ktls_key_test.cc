// KtlsKey and TrafficSecrets (issue 5 item 3): the keys ksstp gives the kernel after a TLS 1.3
// KeyUpdate are the ones the peer uses. Checked against OpenSSL itself: a client (in memory)
// updates its key and writes; the secrets our key-log callback kept, stepped with
// next_traffic_secret, must open its records. The kernel's struct layout is checked field by field.
#include "controlplane/tls/ktls_key.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include <cstring>
#include <string>

#include "controlplane/tls/ktls_record.h"
#include "controlplane/tls/tls_context.h"
#include "controlplane/tls/traffic_secrets.h"
#include "tests/fakes/test_pki.h"

namespace ksstp::tls {
namespace {

// A TLS 1.3 connection in memory: each side writes into a memory BIO the test moves across.
struct MemoryPair {
    test::TestPki pki;
    ContextInfo si, ci;
    SslCtxPtr sctx, cctx;
    SSL *s = nullptr, *c = nullptr;
    BIO *s_in, *s_out, *c_in, *c_out;

    explicit MemoryPair(const char* suite) {
        auto leaf = pki.issue("server", {});
        ServerTlsOptions so;
        so.certificate = leaf.chain_pem;
        so.private_key = leaf.key_pem;
        so.version = config::TlsVersion::Only13;
        sctx = make_server_context(so, si);
        ClientTlsOptions co;
        co.ca_certificate = pki.ca_pem();
        co.version = config::TlsVersion::Only13;
        cctx = make_client_context(co, ci);
        for (SSL_CTX* x : {sctx.get(), cctx.get()}) {
            SSL_CTX_set_ciphersuites(x, suite);
            log_keys(x, true);  // kept whether or not this kernel has TLS
        }
        s = SSL_new(sctx.get());
        c = SSL_new(cctx.get());
        s_in = BIO_new(BIO_s_mem()), s_out = BIO_new(BIO_s_mem());
        c_in = BIO_new(BIO_s_mem()), c_out = BIO_new(BIO_s_mem());
        SSL_set_bio(s, s_in, s_out);
        SSL_set_bio(c, c_in, c_out);
        SSL_set_accept_state(s);
        SSL_set_connect_state(c);
    }
    ~MemoryPair() {
        SSL_free(s);
        SSL_free(c);
    }
    static Bytes drain(BIO* b) {
        Bytes out(size_t(BIO_ctrl_pending(b)));
        if (!out.empty()) BIO_read(b, out.data(), int(out.size()));
        return out;
    }
    void pump() {
        Bytes a = drain(c_out), b = drain(s_out);
        if (!a.empty()) BIO_write(s_in, a.data(), int(a.size()));
        if (!b.empty()) BIO_write(c_in, b.data(), int(b.size()));
    }
    bool handshake() {
        for (int i = 0; i < 20; ++i) {
            const int cr = SSL_do_handshake(c), sr = SSL_do_handshake(s);
            pump();
            if (cr == 1 && sr == 1) {
                uint8_t buf[64];
                (void)SSL_read(c, buf, sizeof buf);  // takes the server's tickets
                pump();
                return BIO_ctrl_pending(c_out) == 0;
            }
        }
        return false;
    }
};

// Opens one TLS 1.3 record (RFC 8446 5.2) with the key and IV of `secret` at sequence `seq`:
// the inner plaintext, its content type last (no padding from OpenSSL).
Bytes open_record(const KtlsSuite& s, ByteView secret, uint64_t seq, ByteView record) {
    Bytes key = hkdf_expand_label(s, secret, "key", s.key_len);
    Bytes iv = hkdf_expand_label(s, secret, "iv", 12);
    for (int i = 0; i < 8; ++i) iv[11 - i] ^= uint8_t(seq >> (8 * i));
    const EVP_CIPHER* cipher = s.cipher_type == TLS_CIPHER_AES_GCM_128   ? EVP_aes_128_gcm()
                               : s.cipher_type == TLS_CIPHER_AES_GCM_256 ? EVP_aes_256_gcm()
                                                                          : EVP_chacha20_poly1305();
    ByteView header = record.first(5), body = record.subspan(5);
    ByteView ct = body.first(body.size() - 16), tag = body.last(16);
    Bytes out(ct.size());
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    int n = 0, m = 0;
    bool ok = EVP_DecryptInit_ex(ctx, cipher, nullptr, nullptr, nullptr) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, nullptr) == 1 &&
              EVP_DecryptInit_ex(ctx, nullptr, nullptr, key.data(), iv.data()) == 1 &&
              EVP_DecryptUpdate(ctx, nullptr, &n, header.data(), int(header.size())) == 1 &&
              EVP_DecryptUpdate(ctx, out.data(), &n, ct.data(), int(ct.size())) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, const_cast<uint8_t*>(tag.data())) == 1 &&
              EVP_DecryptFinal_ex(ctx, out.data() + n, &m) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok) return {};
    out.resize(size_t(n + m));
    return out;
}

std::vector<Bytes> split_records(ByteView wire) {
    std::vector<Bytes> recs;
    while (wire.size() >= 5) {
        const size_t len = size_t(wire[3]) << 8 | wire[4];
        if (wire.size() < 5 + len) break;
        recs.emplace_back(wire.begin(), wire.begin() + ptrdiff_t(5 + len));
        wire = wire.subspan(5 + len);
    }
    return recs;
}

class KtlsKeyTest : public ::testing::TestWithParam<const char*> {};

TEST_P(KtlsKeyTest, NextSecretOpensWhatOpenSslSendsAfterItsKeyUpdate) {
    MemoryPair p(GetParam());
    ASSERT_TRUE(p.handshake());
    const SSL_CIPHER* c = SSL_get_current_cipher(p.c);
    ASSERT_STREQ(SSL_CIPHER_get_name(c), GetParam());
    std::optional<KtlsSuite> suite = ktls_suite(GetParam());
    ASSERT_TRUE(suite);
    TrafficSecrets* cs = traffic_secrets(p.c);
    TrafficSecrets* ss = traffic_secrets(p.s);
    ASSERT_TRUE(cs && ss);
    ASSERT_EQ(cs->client.size(), suite->hash_len);
    EXPECT_EQ(cs->client, ss->client);  // both ends saw the same secrets
    EXPECT_EQ(cs->server, ss->server);

    ASSERT_EQ(SSL_key_update(p.c, SSL_KEY_UPDATE_REQUESTED), 1);
    const std::string text = "SSTP after the key update";
    ASSERT_EQ(SSL_write(p.c, text.data(), int(text.size())), int(text.size()));
    std::vector<Bytes> recs = split_records(MemoryPair::drain(p.c_out));
    ASSERT_EQ(recs.size(), 2u);

    // The KeyUpdate: the first record under client_application_traffic_secret_0.
    Bytes ku = open_record(*suite, cs->client, 0, recs[0]);
    Bytes want = key_update_message(true);
    want.push_back(22);  // inner content type: handshake
    EXPECT_EQ(ku, want);
    // The data: the first record under secret_1 (the sequence starts again, RFC 8446 5.3).
    Bytes next = next_traffic_secret(*suite, cs->client);
    ASSERT_EQ(next.size(), suite->hash_len);
    Bytes data = open_record(*suite, next, 0, recs[1]);
    ASSERT_FALSE(data.empty()) << "secret_1 does not open the record";
    EXPECT_EQ(data.back(), 23);
    data.pop_back();
    EXPECT_EQ(std::string(data.begin(), data.end()), text);
    EXPECT_TRUE(open_record(*suite, cs->client, 1, recs[1]).empty());  // the old key does not
}

INSTANTIATE_TEST_SUITE_P(Suites, KtlsKeyTest,
                         ::testing::Values("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                           "TLS_CHACHA20_POLY1305_SHA256"));

TEST(KtlsKey, KernelCryptoInfoCarriesKeySaltIvAndSequenceZero) {
    KtlsSuite s = *ktls_suite("TLS_AES_128_GCM_SHA256");
    Bytes secret(32, 0x5a);
    KernelCryptoInfo info;
    make_crypto_info(s, secret, info);
    ASSERT_EQ(info.len, sizeof(tls12_crypto_info_aes_gcm_128));
    Bytes key = hkdf_expand_label(s, secret, "key", 16), iv = hkdf_expand_label(s, secret, "iv", 12);
    const auto& g = info.u.gcm128;
    EXPECT_EQ(g.info.version, TLS_1_3_VERSION);
    EXPECT_EQ(g.info.cipher_type, TLS_CIPHER_AES_GCM_128);
    EXPECT_EQ(Bytes(g.key, g.key + 16), key);
    EXPECT_EQ(Bytes(g.salt, g.salt + 4), Bytes(iv.begin(), iv.begin() + 4));
    EXPECT_EQ(Bytes(g.iv, g.iv + 8), Bytes(iv.begin() + 4, iv.end()));
    EXPECT_EQ(Bytes(g.rec_seq, g.rec_seq + 8), Bytes(8, 0));

    KernelCryptoInfo big;
    make_crypto_info(*ktls_suite("TLS_AES_256_GCM_SHA384"), Bytes(48, 1), big);
    EXPECT_EQ(big.len, sizeof(tls12_crypto_info_aes_gcm_256));
    KernelCryptoInfo chacha;
    KtlsSuite cs = *ktls_suite("TLS_CHACHA20_POLY1305_SHA256");
    make_crypto_info(cs, secret, chacha);
    ASSERT_EQ(chacha.len, sizeof(tls12_crypto_info_chacha20_poly1305));
    EXPECT_EQ(Bytes(chacha.u.chacha.iv, chacha.u.chacha.iv + 12), hkdf_expand_label(cs, secret, "iv", 12));
    EXPECT_FALSE(ktls_suite("TLS_AES_128_CCM_SHA256"));  // the kernel's TLS 1.3 does not take it from OpenSSL
}

TEST(TrafficSecrets, KeyLogLinesGiveTheApplicationSecrets) {
    TrafficSecrets s;
    const std::string rnd(64, 'a');
    EXPECT_TRUE(take_key_log_line("CLIENT_TRAFFIC_SECRET_0 " + rnd + " 00ff10Ab", s));
    EXPECT_EQ(s.client, (Bytes{0x00, 0xff, 0x10, 0xab}));
    EXPECT_TRUE(take_key_log_line("SERVER_TRAFFIC_SECRET_0 " + rnd + " 0102", s));
    EXPECT_EQ(s.server, (Bytes{1, 2}));
    EXPECT_FALSE(take_key_log_line("CLIENT_HANDSHAKE_TRAFFIC_SECRET " + rnd + " 0102", s));
    EXPECT_FALSE(take_key_log_line("CLIENT_TRAFFIC_SECRET_0 " + rnd + " 0x01", s));
    EXPECT_FALSE(take_key_log_line("SERVER_TRAFFIC_SECRET_0 " + rnd + " 012", s));
    EXPECT_EQ(s.server, (Bytes{1, 2}));  // a bad line changes nothing
}

}  // namespace
}  // namespace ksstp::tls
