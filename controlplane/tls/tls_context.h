// TLS contexts for ksstpd and ksstpc (OpenSSL 3; SPEC 4, issue "A working tunnel"). Owns the
// SSL_CTX and its policy: certificate chain and key (RSA or ECDSA), trust anchors, TLS versions,
// cipher suites, (EC)DHE-only mode, kTLS requested, SSLKEYLOGFILE. Startup code: errors are
// thrown as TlsConfigError with a readable message.
//
// Cipher policy: OpenSSL's defaults (ECDHE + AES-GCM/ChaCha20 first) plus the AES256-SHA class
// that MikroTik clients offer by default (reference/interop.md E2); `pfs` keeps only (EC)DHE
// key exchange. SSL_OP_ENABLE_KTLS is set unless [dataplane] ktls = false; whether the kernel
// took the record layer is known per session after the handshake (tls_session.h).
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "controlplane/config/config.h"

namespace ksstp::tls {

struct SslCtxFree {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

class TlsConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ServerTlsOptions {
    std::string certificate;   // PEM chain, leaf first
    std::string private_key;   // PEM key (may be the same file)
    std::string ca_certificate;
    bool verify_client_certificate = false;
    config::TlsVersion version = config::TlsVersion::Any;
    bool pfs = false;
    bool ktls = true;  // [dataplane] ktls: ask OpenSSL for kTLS (SSL_OP_ENABLE_KTLS)
};

struct ClientTlsOptions {
    std::string ca_certificate;  // empty: the system trust store
    bool verify_server_certificate = false;
    std::string certificate;     // client certificate (verify-client-certificate servers) or "none"
    std::string private_key;
    config::TlsVersion version = config::TlsVersion::Any;
    bool pfs = false;
    // Also accept anonymous TLS from a certificate = "none" server (MikroTik). Only honoured with
    // verify-server-certificate off: a verifying client never talks to an anonymous server.
    bool anonymous = false;
    bool ktls = true;  // [dataplane] ktls
};

// Warnings found while loading (e.g. a short RSA key), for the caller to log once.
struct ContextInfo {
    std::vector<std::string> warnings;
    std::vector<uint8_t> leaf_der;  // server: the leaf certificate, for the crypto binding hash
};

// certificate = "none" (SPEC 4, MikroTik-only): anonymous (EC)DH on TLS 1.2, no certificate;
// `info.warnings` says it is unauthenticated. leaf_der stays empty (no cert hash to bind).
SslCtxPtr make_server_context(const ServerTlsOptions& o, ContextInfo& info);
SslCtxPtr make_client_context(const ClientTlsOptions& o, ContextInfo& info);

// Text of OpenSSL's error queue (and clears it), for log lines.
std::string openssl_errors();

// SPEC 4 wording of an X509 verification result (MikroTik's list), else OpenSSL's text.
std::string verify_error_text(long x509_verify_result);

}  // namespace ksstp::tls
