// TLS session; see tls_session.h.
#include "controlplane/tls/tls_session.h"

#include <arpa/inet.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "controlplane/tls/tls_context.h"
#include "controlplane/tls/traffic_secrets.h"

#ifndef TCP_ULP
#define TCP_ULP 31
#endif

namespace ksstp::tls {

TlsSession TlsSession::server(SSL_CTX* ctx, int fd) {
    SslPtr s(SSL_new(ctx));
    SSL_set_fd(s.get(), fd);
    SSL_set_accept_state(s.get());
    return TlsSession(std::move(s));
}

TlsSession TlsSession::client(SSL_CTX* ctx, int fd, const std::string& host, bool verify_address) {
    SslPtr s(SSL_new(ctx));
    SSL_set_fd(s.get(), fd);
    SSL_set_connect_state(s.get());
    unsigned char addr[16];
    const bool is_ip = inet_pton(AF_INET, host.c_str(), addr) == 1 || inet_pton(AF_INET6, host.c_str(), addr) == 1;
    if (!is_ip) SSL_set_tlsext_host_name(s.get(), host.c_str());  // SNI carries names only
    if (verify_address) {
        X509_VERIFY_PARAM* p = SSL_get0_param(s.get());
        if (is_ip)
            X509_VERIFY_PARAM_set1_ip_asc(p, host.c_str());
        else
            SSL_set1_host(s.get(), host.c_str());
    }
    return TlsSession(std::move(s));
}

// The first failure is the cause: a later call on the dead connection only sees its consequence
// (a write that took the peer's reset leaves the next read an EOF), so error() keeps the first.
IoStatus TlsSession::classify(int ret, const char* op) {
    std::string first = error_;
    IoStatus st = classify_now(ret, op);
    if (!first.empty() && st != IoStatus::WantRead && st != IoStatus::WantWrite) error_ = std::move(first);
    return st;
}

IoStatus TlsSession::classify_now(int ret, const char* op) {
    int err = SSL_get_error(ssl_.get(), ret);
    switch (err) {
        case SSL_ERROR_WANT_READ: return IoStatus::WantRead;
        case SSL_ERROR_WANT_WRITE: return IoStatus::WantWrite;
        case SSL_ERROR_ZERO_RETURN:
            error_ = "peer closed TLS (close_notify)";
            return IoStatus::Closed;
        case SSL_ERROR_SYSCALL:
            error_ = errno ? std::string(op) + ": " + std::strerror(errno) : "connection closed";
            ERR_clear_error();
            return errno ? IoStatus::Error : IoStatus::Closed;
        default: {
            long v = SSL_get_verify_result(ssl_.get());
            int reason = ERR_GET_REASON(ERR_peek_last_error());
            const bool server = SSL_is_server(ssl_.get());
            if (v != X509_V_OK && SSL_get_verify_mode(ssl_.get()) != SSL_VERIFY_NONE && !server)
                error_ = verify_error_text(v);
            else if (server && reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
                error_ = "client sent no certificate (verify-client-certificate requires one)";
            else if (server && v != X509_V_OK)
                error_ = "client certificate refused: " + verify_error_text(v);
            else if (!server && (reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED || reason == SSL_R_TLSV1_ALERT_UNKNOWN_CA ||
                                 reason == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE))
                error_ = std::string("server refused our client certificate (") + ERR_reason_error_string(ERR_peek_last_error()) + ")";
            else if (!server && reason == SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE)
                error_ = "server refused the TLS handshake: no common cipher suite (an anonymous certificate = \"none\" "
                         "server is refused while verify-server-certificate is on)";
            else if (reason == SSL_R_UNSUPPORTED_PROTOCOL || reason == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION ||
                     reason == SSL_R_NO_PROTOCOLS_AVAILABLE)
                // SPEC 4 / issue 4: name the versions, so "only-1.3 vs only-1.2" is obvious.
                error_ = "no common TLS version: this side allows " + allowed_versions() + " (tls-version), the peer does not";
            else
                error_ = std::string(op) + ": " + openssl_errors();
            ERR_clear_error();
            return IoStatus::Error;
        }
    }
}

std::string TlsSession::allowed_versions() const {
    auto name = [](long v) { return v == TLS1_3_VERSION ? "TLS 1.3" : v == TLS1_2_VERSION ? "TLS 1.2" : "older TLS"; };
    long lo = SSL_get_min_proto_version(ssl_.get()), hi = SSL_get_max_proto_version(ssl_.get());
    if (lo == hi) return std::string("only ") + name(lo);
    return std::string(name(lo)) + " to " + name(hi ? hi : TLS1_3_VERSION);
}

Result<void, IoStatus> TlsSession::handshake() {
    int r = SSL_do_handshake(ssl_.get());
    if (r == 1) return {};
    return fail(classify(r, "TLS handshake"));
}

TlsInfo TlsSession::info() const {
    TlsInfo i;
    SSL* s = ssl_.get();
    i.version = SSL_get_version(s);
    if (const SSL_CIPHER* c = SSL_get_current_cipher(s)) i.cipher = SSL_CIPHER_get_name(c);
    i.ktls_tx = BIO_get_ktls_send(SSL_get_wbio(s)) == 1;
    i.ktls_rx = BIO_get_ktls_recv(SSL_get_rbio(s)) == 1;
    if (X509* peer = SSL_get0_peer_certificate(s)) {
        unsigned char* der = nullptr;
        int len = i2d_X509(peer, &der);
        if (len > 0) i.peer_leaf_der.assign(der, der + len);
        OPENSSL_free(der);
    }
    i.verify_result = SSL_get_verify_result(s);
    if (i.verify_result != X509_V_OK) i.verify_text = verify_error_text(i.verify_result);
    return i;
}

Result<size_t, IoStatus> TlsSession::read(std::span<uint8_t> out) {
    size_t n = 0;
    const int r = SSL_read_ex(ssl_.get(), out.data(), out.size(), &n);
    IoStatus st = IoStatus::WantRead;  // what to report when nothing was read
    if (r != 1) st = classify(r, "TLS read");
    // A KeyUpdate the peer asked for is answered as soon as OpenSSL has read it (alone in its
    // record it reads as nothing: WANT_READ).
    if ((r == 1 || st == IoStatus::WantRead) && key_update_pending())
        if (auto k = finish_key_update(); !k && k.error() == IoStatus::Error) return fail(IoStatus::Error);
    if (r == 1) return n;
    return fail(st);
}

bool TlsSession::key_update_pending() const {
    SSL* s = ssl_.get();
    return SSL_get_key_update_type(s) != SSL_KEY_UPDATE_NONE && SSL_version(s) == TLS1_3_VERSION &&
           BIO_get_ktls_send(SSL_get_wbio(s)) == 1;
}

Result<void, IoStatus> TlsSession::finish_key_update() {
    if (!key_update_pending()) return {};
    SSL* s = ssl_.get();
    if (write_blocked_) return fail(IoStatus::WantWrite);  // a record in flight goes first
    // OpenSSL marked the update as due but sends it only with the next write: start it now.
    if (!SSL_in_init(s) && SSL_key_update(s, SSL_get_key_update_type(s)) != 1) {
        ERR_clear_error();
        return fail(IoStatus::WantWrite);
    }
    int r = SSL_do_handshake(s);
    if (r != 1) return fail(classify(r, "TLS KeyUpdate"));
    TrafficSecrets* sec = traffic_secrets(s);
    const SSL_CIPHER* c = SSL_get_current_cipher(s);
    std::optional<KtlsSuite> suite = c ? ktls_suite(SSL_CIPHER_get_name(c)) : std::nullopt;
    std::string why = "TLS 1.3 KeyUpdate: the traffic secret for the kernel's next key is not known";
    if (sec && suite) why = install_next_key(SSL_get_fd(s), TLS_TX, *suite, SSL_is_server(s) ? sec->server : sec->client);
    if (why.empty()) return {};
    if (error_.empty()) error_ = why;
    return fail(IoStatus::Error);
}

Result<size_t, IoStatus> TlsSession::write(ByteView in) {
    if (auto k = finish_key_update(); !k) return fail(k.error());
    size_t n = 0;
    int r = SSL_write_ex(ssl_.get(), in.data(), in.size(), &n);
    write_blocked_ = r != 1;
    if (r == 1) return n;
    return fail(classify(r, "TLS write"));
}

std::optional<KtlsSocket> TlsSession::ktls_socket() const {
    SSL* s = ssl_.get();
    if (BIO_get_ktls_send(SSL_get_wbio(s)) != 1) return std::nullopt;
    const bool tls13 = SSL_version(s) == TLS1_3_VERSION;
    std::optional<KtlsSuite> suite;
    if (const SSL_CIPHER* c = SSL_get_current_cipher(s); c && tls13) suite = ktls_suite(SSL_CIPHER_get_name(c));
    return KtlsSocket(SSL_get_fd(s), BIO_get_ktls_recv(SSL_get_rbio(s)) == 1, tls13, suite, traffic_secrets(s),
                      SSL_is_server(s) == 1);
}

bool TlsSession::hold_records(bool on, RecordBatch::Sender sender) {
    if (!batch_) {
        if (!on || BIO_get_ktls_send(SSL_get_wbio(ssl_.get()))) return false;
        batch_ = RecordBatch::install(ssl_.get(), SSL_get_fd(ssl_.get()));
    }
    batch_->hold(on);
    batch_->send_with(std::move(sender));
    return true;
}

Result<size_t, IoStatus> TlsSession::flush() {
    if (!batch_) return size_t(0);
    long r = batch_->flush();
    if (r >= 0) return size_t(r);
    if (r == -EAGAIN) return fail(IoStatus::WantWrite);  // EWOULDBLOCK is EAGAIN on Linux
    if (error_.empty()) error_ = std::string("TLS write: ") + std::strerror(int(-r));
    batch_->discard();  // the connection is gone: nothing held can be sent any more
    return fail(IoStatus::Error);
}

void TlsSession::shutdown() {
    if (SSL_shutdown(ssl_.get()) < 0) ERR_clear_error();
}

KtlsSupport probe_ktls() {
    // Attaching the "tls" ULP to a socket that is not connected fails with ENOTCONN when the
    // kernel has TLS and with ENOENT when it has not (net/ipv4/tcp_ulp.c, net/tls/tls_main.c).
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return {false, std::string("socket: ") + std::strerror(errno)};
    int r = ::setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", 3);
    int e = errno;
    ::close(fd);
    if (r == 0 || e == ENOTCONN || e == EISCONN) return {true, ""};
    return {false, std::string("kernel TLS not available (setsockopt TCP_ULP \"tls\": ") + std::strerror(e) + ")"};
}

}  // namespace ksstp::tls
