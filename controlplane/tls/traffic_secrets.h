// TrafficSecrets: a TLS 1.3 connection's current application traffic secrets, kept for kTLS
// key updates (issue 5 item 3, ktls_key.h). OpenSSL hands the kernel its first keys itself
// but never tells it the next ones, and exposes the secrets only through the key-log callback
// (the lines SSLKEYLOGFILE holds): the callback keeps the two application secrets of each
// connection in the SSL's ex_data, and they are wiped with it. Kept only where the kernel has
// TLS (nothing else needs them); the SSLKEYLOGFILE lines are still written when asked for.
#pragma once

#include <openssl/ssl.h>

#include <string_view>

#include "controlplane/base/bytes.h"

namespace ksstp::tls {

struct TrafficSecrets {
    Bytes client, server;  // client_/server_application_traffic_secret_N (RFC 8446 7.1)
    ~TrafficSecrets();
};

// Installs `ctx`'s key-log callback: appends each line to $SSLKEYLOGFILE when set, and keeps the
// application traffic secrets when `keep` (the kernel has TLS).
void log_keys(SSL_CTX* ctx, bool keep);
// The secrets kept for `ssl` (nullptr: none, e.g. TLS 1.2 or kept off).
TrafficSecrets* traffic_secrets(const SSL* ssl);
// One key-log line into `s` (exposed for tests): true when it was an application secret.
bool take_key_log_line(std::string_view line, TrafficSecrets& s);

}  // namespace ksstp::tls
