// TLS layer: handshakes between our server and client contexts over a socket pair, the SPEC 4
// certificate-check texts, version and PFS policy, SSLKEYLOGFILE, the RSA key floor, and kTLS
// where the kernel has it (skipped with the reason where it has not).
#include "controlplane/tls/tls_session.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fcntl.h>
#include <fstream>

#include "controlplane/ppp/packet.h"
#include "controlplane/sstp/codec.h"
#include "controlplane/tls/tls_context.h"
#include "controlplane/tls/tls_transport.h"
#include "dataplane/tun_forwarder.h"
#include "dataplane/worker.h"
#include "tests/fakes/test_pki.h"
#include "tests/fakes/tls_pair.h"

namespace ksstp::tls {
namespace {

using test::Fds;
using test::Outcome;
using test::run;
using test::socket_pair;
using test::TcpPair;

struct Tls : ::testing::Test {
    test::TestPki pki;
    ContextInfo sinfo, cinfo;

    SslCtxPtr server_ctx(const test::Issued& leaf, config::TlsVersion v = config::TlsVersion::Any, bool pfs = false) {
        ServerTlsOptions o;
        o.certificate = leaf.chain_pem;
        o.private_key = leaf.key_pem;
        o.version = v;
        o.pfs = pfs;
        return make_server_context(o, sinfo);
    }
    SslCtxPtr client_ctx(bool verify = true, config::TlsVersion v = config::TlsVersion::Any, bool pfs = false) {
        ClientTlsOptions o;
        o.ca_certificate = pki.ca_pem();
        o.verify_server_certificate = verify;
        o.version = v;
        o.pfs = pfs;
        return make_client_context(o, cinfo);
    }
    Outcome connect(SSL_CTX* sctx, SSL_CTX* cctx, const std::string& host = "vpn.example.net", bool verify_addr = true) {
        Fds fds = socket_pair();
        TlsSession s = TlsSession::server(sctx, fds.a);
        TlsSession c = TlsSession::client(cctx, fds.b, host, verify_addr);
        return run(s, c);
    }
};

TEST_F(Tls, HandshakesAndReportsTheSession) {
    auto leaf = pki.issue("server", {});
    auto sctx = server_ctx(leaf);
    auto cctx = client_ctx();
    Outcome o = connect(sctx.get(), cctx.get());
    ASSERT_TRUE(o.server_ok && o.client_ok) << o.server_error << " / " << o.client_error;
    EXPECT_EQ(o.client_info.version, "TLSv1.3");
    EXPECT_FALSE(o.client_info.cipher.empty());
    EXPECT_EQ(o.client_info.verify_result, X509_V_OK);
    // The client saw exactly the leaf the server loaded: the crypto binding hashes match.
    EXPECT_EQ(o.client_info.peer_leaf_der, sinfo.leaf_der);
    EXPECT_FALSE(o.client_info.ktls_tx);  // a UNIX socket pair never has kTLS
}

TEST_F(Tls, MovesDataBothWays) {
    auto leaf = pki.issue("server", {});
    auto sctx = server_ctx(leaf);
    auto cctx = client_ctx();
    Fds fds = socket_pair();
    TlsSession s = TlsSession::server(sctx.get(), fds.a);
    TlsSession c = TlsSession::client(cctx.get(), fds.b, "vpn.example.net", true);
    ASSERT_TRUE(run(s, c).client_ok);
    Bytes msg = hex_bytes("1001000E00010001000100060001");
    ASSERT_TRUE(c.write(msg).has_value());
    uint8_t buf[64];
    Result<size_t, IoStatus> r = fail(IoStatus::WantRead);
    for (int i = 0; i < 10 && !r; ++i) r = s.read(buf);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(Bytes(buf, buf + *r), msg);
}

struct BadCert {
    const char* name;
    test::CertSpec spec;
    bool self_signed;
    const char* host;
    const char* text;
};

class CertChecks : public Tls, public ::testing::WithParamInterface<BadCert> {};

TEST_P(CertChecks, FailWithTheSpecTexts) {
    const BadCert& b = GetParam();
    auto leaf = pki.issue(b.name, b.spec, b.self_signed);
    auto sctx = server_ctx(leaf);
    auto cctx = client_ctx();
    Outcome o = connect(sctx.get(), cctx.get(), b.host);
    EXPECT_FALSE(o.client_ok);
    EXPECT_EQ(o.client_error, b.text);
}

test::CertSpec spec_with(void (*f)(test::CertSpec&)) {
    test::CertSpec s;
    f(s);
    return s;
}

INSTANTIATE_TEST_SUITE_P(
    Tls, CertChecks,
    ::testing::Values(
        BadCert{"expired", spec_with([](test::CertSpec& s) { s.not_before_days = -30; s.not_after_days = -1; }), false,
                "vpn.example.net", "certificate has expired"},
        BadCert{"future", spec_with([](test::CertSpec& s) { s.not_before_days = 2; s.not_after_days = 30; }), false,
                "vpn.example.net", "certificate is not yet valid"},
        BadCert{"no_server_auth", spec_with([](test::CertSpec& s) { s.server_auth_eku = false; }), false,
                "vpn.example.net", "invalid certificate purpose"},
        BadCert{"foreign_ca", test::CertSpec{}, true, "vpn.example.net", "self signed certificate in a chain"},
        BadCert{"wrong_name", test::CertSpec{}, false, "other.example.net",
                "server's IP address does not match certificate"},
        BadCert{"wrong_ip", test::CertSpec{}, false, "198.18.0.99", "server's IP address does not match certificate"}),
    [](const auto& p) { return std::string(p.param.name); });

TEST_F(Tls, UnknownIssuerIsReportedAsMissingLocally) {
    test::TestPki other;  // a CA the client does not know signed the server certificate
    auto leaf = other.issue("server", {});
    auto sctx = server_ctx(leaf);
    ClientTlsOptions co;
    co.ca_certificate = pki.ca_pem();
    co.verify_server_certificate = true;
    auto cctx = make_client_context(co, cinfo);
    // Send only the leaf, as many servers do: the issuer cannot be found locally.
    ServerTlsOptions so;
    so.certificate = leaf.cert_pem;
    so.private_key = leaf.key_pem;
    auto sctx2 = make_server_context(so, sinfo);
    Outcome o = connect(sctx2.get(), cctx.get());
    EXPECT_FALSE(o.client_ok);
    EXPECT_EQ(o.client_error, "unable to get issuer certificate locally");
}

TEST_F(Tls, VerifyOffConnectsAndStillReportsTheProblem) {
    auto leaf = pki.issue("expired", spec_with([](test::CertSpec& s) { s.not_before_days = -30; s.not_after_days = -1; }));
    auto sctx = server_ctx(leaf);
    auto cctx = client_ctx(/*verify=*/false);
    Outcome o = connect(sctx.get(), cctx.get());
    ASSERT_TRUE(o.client_ok);
    EXPECT_EQ(o.client_info.verify_text, "certificate has expired");  // logged as a warning by ksstpc
}

TEST_F(Tls, VersionPolicyFromBothEnds) {
    auto leaf = pki.issue("server", {});
    auto s12 = server_ctx(leaf, config::TlsVersion::Only12);
    auto c12 = client_ctx(true, config::TlsVersion::Only12);
    Outcome o = connect(s12.get(), c12.get());
    ASSERT_TRUE(o.client_ok);
    EXPECT_EQ(o.client_info.version, "TLSv1.2");
    auto c13 = client_ctx(true, config::TlsVersion::Only13);
    Outcome bad = connect(s12.get(), c13.get());
    EXPECT_FALSE(bad.client_ok);
    EXPECT_FALSE(bad.server_ok);
    // Both ends say what they allow (issue 4: "a message naming the versions").
    EXPECT_EQ(bad.client_error, "no common TLS version: this side allows only TLS 1.3 (tls-version), the peer does not");
    EXPECT_EQ(bad.server_error, "no common TLS version: this side allows only TLS 1.2 (tls-version), the peer does not");
}

TEST_F(Tls, PfsKeepsOnlyEphemeralKeyExchange) {
    auto leaf = pki.issue("server-rsa", spec_with([](test::CertSpec& s) { s.ec = false; }));
    auto sctx = server_ctx(leaf, config::TlsVersion::Only12, /*pfs=*/true);
    auto cctx = client_ctx(true, config::TlsVersion::Only12);
    Outcome o = connect(sctx.get(), cctx.get());
    ASSERT_TRUE(o.client_ok) << o.client_error;
    EXPECT_EQ(o.client_info.cipher.rfind("ECDHE", 0), 0u) << o.client_info.cipher;
}

TEST_F(Tls, KeepsAes256ShaForMikrotikClients) {
    auto leaf = pki.issue("server-rsa", spec_with([](test::CertSpec& s) { s.ec = false; }));
    auto sctx = server_ctx(leaf, config::TlsVersion::Only12);
    ClientTlsOptions co;
    co.ca_certificate = pki.ca_pem();
    co.version = config::TlsVersion::Only12;
    auto cctx = make_client_context(co, cinfo);
    ASSERT_EQ(SSL_CTX_set_cipher_list(cctx.get(), "AES256-SHA"), 1);  // MikroTik's default offer
    Outcome o = connect(sctx.get(), cctx.get());
    ASSERT_TRUE(o.client_ok) << o.client_error << " / " << o.server_error;
    EXPECT_EQ(o.client_info.cipher, "AES256-SHA");
}

TEST_F(Tls, ShortRsaKeysLoadWithAWarning) {
    auto leaf = pki.issue("server-1024", spec_with([](test::CertSpec& s) { s.ec = false; s.rsa_bits = 1024; }));
    auto sctx = server_ctx(leaf);
    ASSERT_EQ(sinfo.warnings.size(), 1u);
    EXPECT_NE(sinfo.warnings[0].find("1024 bits"), std::string::npos);
}

TEST_F(Tls, RsaKeysBelow472BitsAreRefusedAtLoad) {
    auto leaf = pki.issue("server-464", spec_with([](test::CertSpec& s) { s.ec = false; s.rsa_bits = 464; }));
    try {
        server_ctx(leaf);
        FAIL() << "a 464-bit RSA key was accepted";
    } catch (const TlsConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("has 464 bits; at least 472 are required"), std::string::npos) << e.what();
    }
    auto ok = pki.issue("server-512", spec_with([](test::CertSpec& s) { s.ec = false; s.rsa_bits = 512; }));
    auto sctx = server_ctx(ok);
    ASSERT_EQ(sinfo.warnings.size(), 1u);
    EXPECT_NE(sinfo.warnings[0].find("512 bits"), std::string::npos);
}

TEST_F(Tls, MismatchedKeyIsRefusedAtLoad) {
    auto a = pki.issue("a", {});
    auto b = pki.issue("b", {});
    ServerTlsOptions o;
    o.certificate = a.chain_pem;
    o.private_key = b.key_pem;
    EXPECT_THROW(make_server_context(o, sinfo), TlsConfigError);
}

struct ClientCert : Tls {
    // verify-client-certificate = true: the server demands a certificate from its CA.
    SslCtxPtr demanding_server() {
        auto leaf = pki.issue("server", {});
        ServerTlsOptions o;
        o.certificate = leaf.chain_pem;
        o.private_key = leaf.key_pem;
        o.ca_certificate = pki.ca_pem();
        o.verify_client_certificate = true;
        return make_server_context(o, sinfo);
    }
    SslCtxPtr client_with(const std::string& cert, const std::string& key) {
        ClientTlsOptions o;
        o.ca_certificate = pki.ca_pem();
        o.verify_server_certificate = true;
        o.certificate = cert;
        o.private_key = key;
        return make_client_context(o, cinfo);
    }
    test::CertSpec client_spec() {
        test::CertSpec s;
        s.cn = "alice";
        s.dns = {};
        s.ips = {};
        s.server_auth_eku = false;
        s.client_auth_eku = true;
        return s;
    }
};

// The client's view of a refusal: TLS 1.3 finishes the client's handshake before the server has
// judged its certificate, so the refusal (an alert) arrives on the first read, which in ksstpc
// is the read of the HTTP response.
std::string client_side_refusal(TlsSession& s, TlsSession& c) {
    Outcome o = run(s, c);
    if (!o.client_ok) return o.client_error;
    uint8_t buf[64];
    for (int i = 0; i < 10; ++i) {
        auto r = c.read(buf);
        if (!r && (r.error() == IoStatus::Error || r.error() == IoStatus::Closed)) return c.error();
    }
    return "(no refusal seen)";
}

TEST_F(ClientCert, AcceptsACertificateFromItsCa) {
    auto sctx = demanding_server();
    auto mine = pki.issue("alice", client_spec());
    auto cctx = client_with(mine.cert_pem, mine.key_pem);
    Outcome o = connect(sctx.get(), cctx.get());
    ASSERT_TRUE(o.server_ok && o.client_ok) << o.server_error << " / " << o.client_error;
    EXPECT_FALSE(o.server_info.peer_leaf_der.empty());
}

TEST_F(ClientCert, RefusesAMissingCertificateWithAClearLineOnBothEnds) {
    auto sctx = demanding_server();
    auto cctx = client_with("none", "");
    Fds fds = socket_pair();
    TlsSession s = TlsSession::server(sctx.get(), fds.a);
    TlsSession c = TlsSession::client(cctx.get(), fds.b, "vpn.example.net", true);
    std::string client_view = client_side_refusal(s, c);
    EXPECT_EQ(s.error(), "client sent no certificate (verify-client-certificate requires one)");
    EXPECT_EQ(client_view, "server refused our client certificate (tlsv13 alert certificate required)");
}

TEST_F(ClientCert, RefusesAForeignCertificate) {
    auto sctx = demanding_server();
    test::TestPki other;
    auto theirs = other.issue("mallory", client_spec());
    auto cctx = client_with(theirs.cert_pem, theirs.key_pem);
    Fds fds = socket_pair();
    TlsSession s = TlsSession::server(sctx.get(), fds.a);
    TlsSession c = TlsSession::client(cctx.get(), fds.b, "vpn.example.net", true);
    std::string client_view = client_side_refusal(s, c);
    EXPECT_EQ(s.error(), "client certificate refused: unable to get issuer certificate locally");
    EXPECT_EQ(client_view.rfind("server refused our client certificate (", 0), 0u) << client_view;
}

TEST_F(Tls, AnonymousServerReachesOnlyNonVerifyingClients) {
    ServerTlsOptions so;
    so.certificate = "none";
    auto sctx = make_server_context(so, sinfo);
    ASSERT_EQ(sinfo.warnings.size(), 1u);
    EXPECT_NE(sinfo.warnings[0].find("man-in-the-middle"), std::string::npos);
    EXPECT_TRUE(sinfo.leaf_der.empty());
    ClientTlsOptions lax;
    lax.anonymous = true;  // what ksstpc sets when verify-server-certificate is off
    auto lctx = make_client_context(lax, cinfo);
    Outcome ok = connect(sctx.get(), lctx.get(), "198.18.0.1", false);
    ASSERT_TRUE(ok.client_ok && ok.server_ok) << ok.client_error << " / " << ok.server_error;
    EXPECT_EQ(ok.client_info.version, "TLSv1.2");
    EXPECT_TRUE(ok.client_info.cipher.rfind("AECDH", 0) == 0 || ok.client_info.cipher.rfind("ADH", 0) == 0)
        << ok.client_info.cipher;
    EXPECT_TRUE(ok.client_info.peer_leaf_der.empty());
    ClientTlsOptions strict;
    strict.ca_certificate = pki.ca_pem();
    strict.verify_server_certificate = true;
    strict.anonymous = true;  // ignored: a verifying client never offers anonymous suites
    auto sctx2 = make_client_context(strict, cinfo);
    Outcome bad = connect(sctx.get(), sctx2.get(), "198.18.0.1", true);
    EXPECT_FALSE(bad.client_ok);
    EXPECT_EQ(bad.client_error.rfind("server refused the TLS handshake: no common cipher suite", 0), 0u) << bad.client_error;
}

TEST_F(Tls, NonVerifyingClientStillPrefersCertifiedTls13) {
    auto leaf = pki.issue("server", {});
    auto sctx = server_ctx(leaf);
    ClientTlsOptions lax;
    lax.anonymous = true;
    auto lctx = make_client_context(lax, cinfo);
    Outcome o = connect(sctx.get(), lctx.get(), "vpn.example.net", false);
    ASSERT_TRUE(o.client_ok);
    EXPECT_EQ(o.client_info.version, "TLSv1.3");
    EXPECT_FALSE(o.client_info.peer_leaf_der.empty());
}

TEST_F(Tls, WritesSslKeyLogFile) {
    std::string path = pki.dir() + "/keys.log";
    ::setenv("SSLKEYLOGFILE", path.c_str(), 1);
    auto leaf = pki.issue("server", {});
    auto sctx = server_ctx(leaf);
    auto cctx = client_ctx();
    Outcome o = connect(sctx.get(), cctx.get());
    ::unsetenv("SSLKEYLOGFILE");
    ASSERT_TRUE(o.client_ok);
    std::ifstream in(path);
    std::string line;
    int secrets = 0;
    while (std::getline(in, line))
        if (line.rfind("CLIENT_HANDSHAKE_TRAFFIC_SECRET ", 0) == 0 || line.rfind("CLIENT_TRAFFIC_SECRET_0 ", 0) == 0) ++secrets;
    EXPECT_GE(secrets, 2);  // both sides log (one file), NSS key-log format
}

Bytes sstp_data_packet(const Bytes& ip) {
    Bytes frame, out;
    ppp::encode_frame(0x0021, ip, frame);
    EXPECT_TRUE(sstp::encode_data(frame, out));
    return out;
}

Bytes ip_of(size_t size, uint16_t seq) {
    Bytes p(size, uint8_t(seq));
    p[0] = 0x45;
    p[2] = uint8_t(size >> 8), p[3] = uint8_t(size);
    p[4] = uint8_t(seq >> 8), p[5] = uint8_t(seq);
    return p;
}

// A data-plane worker moving an established call's packets through a real TLS session (the
// server's, handed over as a TlsTransport with read-ahead) while the client writes records of
// many packets and reads what comes back; then the session is taken back and still works.
void worker_moves_data_over_tls(TlsSession& ss, TlsSession& cs, int server_fd) {
    int tv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, tv), 0);
    Fd tun_ours(tv[0]), tun_kernel(tv[1]);
    // Room for a whole pass (the worker writes a pass's packets in one io_uring submission; a
    // real interface hands them to the stack at once, this socket holds them for the test).
    int room = 8 << 20;
    if (::setsockopt(tv[0], SOL_SOCKET, SO_SNDBUFFORCE, &room, sizeof room) != 0)
        ::setsockopt(tv[0], SOL_SOCKET, SO_SNDBUF, &room, sizeof room);
    ss.enable_read_ahead(64 * 1024);
    auto transport = std::make_unique<TlsTransport>(std::move(ss), server_fd);
    auto data = std::make_shared<dp::DataSession>(
        1, std::move(transport), std::make_unique<dp::TunForwarder>(tun_ours.get()), tun_ours.get(),
        dp::LinkParams{true, false, 1500, 0, 0}, Bytes{});
    dp::ControlInbox inbox;
    dp::Worker w(0, inbox);
    w.attach(data);
    // Client -> worker -> TUN: 400 packets in records of many packets each.
    constexpr int kUp = 400;
    Bytes stream;
    for (int i = 0; i < kUp; ++i) {
        Bytes d = sstp_data_packet(ip_of(1200, uint16_t(i)));
        stream.insert(stream.end(), d.begin(), d.end());
    }
    size_t off = 0;
    int got = 0;
    Bytes buf(70000);
    for (int spin = 0; spin < 20000 && got < kUp; ++spin) {
        if (off < stream.size()) {
            auto r = cs.write(ByteView(stream).subspan(off, std::min<size_t>(stream.size() - off, 40000)));
            if (r) off += *r;
        }
        for (ssize_t n; (n = ::read(tun_kernel.get(), buf.data(), buf.size())) > 0; ++got) {
            ASSERT_EQ(n, 1200);
            ASSERT_EQ(buf[4] << 8 | buf[5], got) << "packets out of order";
        }
        ::usleep(100);
    }
    ASSERT_EQ(got, kUp);
    // TUN -> worker -> client.
    constexpr int kDown = 200;
    sstp::SstpFramer f;
    int down = 0, sent = 0;
    for (int spin = 0; spin < 20000 && down < kDown; ++spin) {
        // As fast as the fake interface's queue takes them (a full one says EAGAIN).
        for (Bytes ip = ip_of(1000, uint16_t(sent)); sent < kDown && ::write(tun_kernel.get(), ip.data(), ip.size()) == 1000;
             ip = ip_of(1000, uint16_t(++sent))) {
        }
        auto r = cs.read(buf);
        if (!r) {
            ::usleep(100);
            continue;
        }
        ASSERT_TRUE(f.feed(ByteView(buf.data(), *r), [&](const sstp::Frame& fr) {
            EXPECT_FALSE(fr.control);
            EXPECT_EQ(fr.payload.size(), 4u + 1000u);
            ++down;
            return sstp::SinkVerdict::Continue;
        }));
    }
    ASSERT_EQ(down, kDown);
    // Taken back: the same TLS session goes on outside the worker.
    auto h = w.detach(1);
    ASSERT_TRUE(h && h->transport);
    TlsSession back = std::move(static_cast<TlsTransport&>(*h->transport)).take();
    Bytes hello = {1, 2, 3, 4, 5};
    ASSERT_TRUE(cs.write(hello));
    Bytes rd(100);
    size_t n = 0;
    for (int spin = 0; spin < 2000 && n == 0; ++spin) {
        if (auto r = back.read(rd)) n = *r;
        else ::usleep(500);
    }
    EXPECT_EQ(Bytes(rd.begin(), rd.begin() + ptrdiff_t(n)), hello);
    EXPECT_GE(data->counters().socket_reads, 1u);
    // Userspace TLS holds the records of a pass and sends them together; kTLS sends per write.
    EXPECT_GE(data->counters().socket_sends, 1u);
    EXPECT_LE(data->counters().socket_sends, data->counters().socket_writes);
}

TEST_F(Tls, AWorkerMovesAnEstablishedCallsPacketsThroughUserspaceTls) {
    TcpPair p;
    auto leaf = pki.issue("server", {});
    auto sctx = server_ctx(leaf);
    auto cctx = client_ctx();
    TlsSession ss = TlsSession::server(sctx.get(), p.s);
    TlsSession cs = TlsSession::client(cctx.get(), p.c, "vpn.example.net", true);
    Outcome o = run(ss, cs);
    ASSERT_TRUE(o.client_ok && o.server_ok) << o.server_error << " / " << o.client_error;
    worker_moves_data_over_tls(ss, cs, p.s);
}

// Where the kernel has TLS (skipped with the probe's reason where it has not).
TEST_F(Tls, KtlsEngagesOverTcpAndAWorkerMovesPacketsWhereTheKernelHasIt) {
    KtlsSupport k = probe_ktls();
    if (!k.available) GTEST_SKIP() << k.reason;
    TcpPair p;
    auto leaf = pki.issue("server", {});
    auto sctx = server_ctx(leaf, config::TlsVersion::Only12);
    auto cctx = client_ctx(true, config::TlsVersion::Only12);
    SSL_CTX_set_cipher_list(cctx.get(), "ECDHE-ECDSA-AES128-GCM-SHA256");
    TlsSession ss = TlsSession::server(sctx.get(), p.s);
    TlsSession cs = TlsSession::client(cctx.get(), p.c, "vpn.example.net", true);
    Outcome o = run(ss, cs);
    ASSERT_TRUE(o.client_ok && o.server_ok);
    EXPECT_TRUE(o.client_info.ktls_tx) << "kernel has TLS but kTLS TX did not engage";
    ASSERT_TRUE(o.server_info.ktls_tx);
    std::printf("server kTLS tx %s rx %s\n", o.server_info.ktls_tx ? "on" : "off", o.server_info.ktls_rx ? "on" : "off");
    // Issue 5 item 3: a worker moves the call's packets with the record layer in the kernel
    // (OpenSSL passes the worker's plaintext to the socket and reads non-data records itself).
    worker_moves_data_over_tls(ss, cs, p.s);
}

TEST(KtlsProbe, GivesAReasonWhenUnavailable) {
    KtlsSupport k = probe_ktls();
    if (!k.available) {
        EXPECT_NE(k.reason.find("TCP_ULP"), std::string::npos);
    }
    std::printf("kTLS on this kernel: %s\n", k.available ? "available" : k.reason.c_str());
}

}  // namespace
}  // namespace ksstp::tls
