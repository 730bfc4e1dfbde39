// TLS contexts; see tls_context.h.
#include "controlplane/tls/tls_context.h"

#include "controlplane/tls/tls_session.h"
#include "controlplane/tls/traffic_secrets.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <algorithm>

namespace ksstp::tls {
namespace {

// SPEC 4 / MikroTik: RSA keys below 472 bits are refused, below 2048 bits warned about.
constexpr int kRsaRefuseBits = 472;
constexpr int kRsaWarnBits = 2048;

// TLS 1.2 suites: OpenSSL's default order keeps ECDHE-AES-GCM first; AES256-SHA (RSA key
// exchange, CBC) stays for MikroTik's default client cipher list. With pfs, only (EC)DHE.
constexpr const char* kCiphers = "DEFAULT:AES256-SHA:ECDHE-RSA-AES256-SHA:ECDHE-ECDSA-AES256-SHA";
constexpr const char* kPfsCiphers = "ECDHE:DHE:!aNULL:!eNULL:!RC4:!3DES:!MD5";
// certificate = "none": anonymous key exchange only exists in TLS 1.2 and needs security level 0
// (reference/interop.md E1). Only contexts in this mode get it.
// The same policies without DEFAULT/"!aNULL", for lists that also carry anonymous suites.
constexpr const char* kAuthCiphers =
    "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:ECDHE+AES:AES256-GCM-SHA384:AES256-SHA:AES128-GCM-SHA256:AES128-SHA";
constexpr const char* kPfsAuthCiphers = "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:ECDHE+AES:DHE+AES";
constexpr const char* kAnonCiphers = "AECDH-AES256-SHA:ADH-AES256-GCM-SHA384:ADH-AES256-SHA:AECDH-AES128-SHA:ADH-AES128-SHA";

void make_anonymous(SSL_CTX* ctx) {
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    if (SSL_CTX_set_cipher_list(ctx, (std::string(kAnonCiphers) + ":@SECLEVEL=0").c_str()) != 1)
        throw TlsConfigError("anonymous cipher suites refused: " + openssl_errors());
}

void apply_common(SSL_CTX* ctx, config::TlsVersion v, bool pfs, bool ktls) {
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    if (ktls) SSL_CTX_set_options(ctx, SSL_OP_ENABLE_KTLS);
    // SSTP needs a byte stream; partial writes and moving buffers make non-blocking I/O simple.
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    int min = TLS1_2_VERSION, max = TLS1_3_VERSION;
    if (v == config::TlsVersion::Only12) max = TLS1_2_VERSION;
    if (v == config::TlsVersion::Only13) min = TLS1_3_VERSION;
    SSL_CTX_set_min_proto_version(ctx, min);
    SSL_CTX_set_max_proto_version(ctx, max);
    if (SSL_CTX_set_cipher_list(ctx, pfs ? kPfsCiphers : kCiphers) != 1)
        throw TlsConfigError("cipher list refused: " + openssl_errors());
    // The key log: SSLKEYLOGFILE, and where the kernel has TLS the TLS 1.3 secrets its key
    // updates need (traffic_secrets.h). Probed once per process: the kernel does not change.
    static const bool kernel_tls = probe_ktls().available;
    log_keys(ctx, ktls && kernel_tls);
}

}  // namespace

std::string openssl_errors() {
    std::string s;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        if (!s.empty()) s += "; ";
        s += buf;
    }
    return s.empty() ? "unknown OpenSSL error" : s;
}

std::string verify_error_text(long r) {
    switch (r) {
        case X509_V_ERR_CERT_NOT_YET_VALID: return "certificate is not yet valid";
        case X509_V_ERR_CERT_HAS_EXPIRED: return "certificate has expired";
        case X509_V_ERR_INVALID_PURPOSE: return "invalid certificate purpose";
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT: return "self signed certificate in a chain";
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT: return "unable to get issuer certificate locally";
        case X509_V_ERR_HOSTNAME_MISMATCH:
        case X509_V_ERR_IP_ADDRESS_MISMATCH: return "server's IP address does not match certificate";
        default: return X509_verify_cert_error_string(r);
    }
}

SslCtxPtr make_server_context(const ServerTlsOptions& o, ContextInfo& info) {
    SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
    if (!ctx) throw TlsConfigError("SSL_CTX_new: " + openssl_errors());
    apply_common(ctx.get(), o.version, o.pfs, o.ktls);
    if (o.certificate == "none") {
        if (o.version == config::TlsVersion::Only13)
            throw TlsConfigError("certificate = \"none\" needs TLS 1.2 (anonymous key exchange), but tls-version = only-1.3");
        make_anonymous(ctx.get());
        info.warnings.push_back("certificate = \"none\": TLS is anonymous (no server authentication) and open to "
                                "man-in-the-middle attacks; only MikroTik/ksstp clients can connect");
        return ctx;
    }
    // Debian's OpenSSL runs at security level 2, which would refuse RSA keys below 2048 bits at
    // load. SPEC 4 wants them loaded with a warning (down to 472 bits), so load at level 0, judge
    // the key ourselves, then set the strictest level that admits it.
    const int default_level = SSL_CTX_get_security_level(ctx.get());
    SSL_CTX_set_security_level(ctx.get(), 0);
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), o.certificate.c_str()) != 1)
        throw TlsConfigError("cannot load certificate chain \"" + o.certificate + "\": " + openssl_errors());
    if (SSL_CTX_use_PrivateKey_file(ctx.get(), o.private_key.c_str(), SSL_FILETYPE_PEM) != 1)
        throw TlsConfigError("cannot load private key \"" + o.private_key + "\": " + openssl_errors());
    if (SSL_CTX_check_private_key(ctx.get()) != 1)
        throw TlsConfigError("private key \"" + o.private_key + "\" does not match certificate \"" + o.certificate + "\"");
    X509* leaf = SSL_CTX_get0_certificate(ctx.get());
    EVP_PKEY* key = X509_get0_pubkey(leaf);
    int level = default_level;
    if (key && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
        int bits = EVP_PKEY_get_bits(key);
        if (bits < kRsaRefuseBits)
            throw TlsConfigError("RSA key of \"" + o.certificate + "\" has " + std::to_string(bits) +
                                 " bits; at least " + std::to_string(kRsaRefuseBits) + " are required");
        if (bits < kRsaWarnBits) {
            info.warnings.push_back("RSA key of \"" + o.certificate + "\" has only " + std::to_string(bits) +
                                    " bits; 2048 or more is recommended");
            level = std::min(level, bits >= 1024 ? 1 : 0);  // OpenSSL: level 1 = 1024-bit RSA
        }
    }
    SSL_CTX_set_security_level(ctx.get(), level);
    unsigned char* der = nullptr;
    int len = i2d_X509(leaf, &der);
    if (len > 0) info.leaf_der.assign(der, der + len);
    OPENSSL_free(der);
    if (o.verify_client_certificate) {
        if (SSL_CTX_load_verify_locations(ctx.get(), o.ca_certificate.c_str(), nullptr) != 1)
            throw TlsConfigError("cannot load ca-certificate \"" + o.ca_certificate + "\": " + openssl_errors());
        SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
        STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(o.ca_certificate.c_str());
        if (names) SSL_CTX_set_client_CA_list(ctx.get(), names);
    }
    return ctx;
}

SslCtxPtr make_client_context(const ClientTlsOptions& o, ContextInfo&) {
    SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
    if (!ctx) throw TlsConfigError("SSL_CTX_new: " + openssl_errors());
    apply_common(ctx.get(), o.version, o.pfs, o.ktls);
    if (o.anonymous && !o.verify_server_certificate) {
        // Also offer the anonymous suites (after the normal ones), for certificate = "none"
        // servers; the client does not verify anyway, so security level 0 costs nothing here.
        // Spelled out: DEFAULT carries a permanent "!aNULL" that no later entry can undo.
        std::string list = std::string(o.pfs ? kPfsAuthCiphers : kAuthCiphers) + ":" + kAnonCiphers + ":@SECLEVEL=0";
        if (SSL_CTX_set_cipher_list(ctx.get(), list.c_str()) != 1)
            throw TlsConfigError("cipher list refused: " + openssl_errors());
    }
    if (!o.ca_certificate.empty()) {
        if (SSL_CTX_load_verify_locations(ctx.get(), o.ca_certificate.c_str(), nullptr) != 1)
            throw TlsConfigError("cannot load ca-certificate \"" + o.ca_certificate + "\": " + openssl_errors());
    } else if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
        throw TlsConfigError("cannot load the system trust store: " + openssl_errors());
    }
    // Verification runs in the handshake; with verify-server-certificate off the result is
    // only logged as a warning (SSL_VERIFY_NONE still computes it).
    SSL_CTX_set_verify(ctx.get(), o.verify_server_certificate ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
    if (!o.certificate.empty() && o.certificate != "none") {
        if (SSL_CTX_use_certificate_chain_file(ctx.get(), o.certificate.c_str()) != 1)
            throw TlsConfigError("cannot load client certificate \"" + o.certificate + "\": " + openssl_errors());
        std::string key = o.private_key.empty() ? o.certificate : o.private_key;
        if (SSL_CTX_use_PrivateKey_file(ctx.get(), key.c_str(), SSL_FILETYPE_PEM) != 1)
            throw TlsConfigError("cannot load client key \"" + key + "\": " + openssl_errors());
    }
    return ctx;
}

}  // namespace ksstp::tls
