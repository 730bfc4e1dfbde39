// TLS 1.3 application traffic secrets from OpenSSL's key log; see traffic_secrets.h.
#include "controlplane/tls/traffic_secrets.h"

#include <openssl/crypto.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace ksstp::tls {

namespace {
void free_secrets(void*, void* p, CRYPTO_EX_DATA*, int, long, void*) { delete static_cast<TrafficSecrets*>(p); }

int ex_index() {
    static const int idx = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, free_secrets);
    return idx;
}

void append_to_file(const char* line) {
    // SSLKEYLOGFILE (SPEC 4): NSS key-log format, one line per secret, appended.
    static std::mutex mu;
    const char* path = std::getenv("SSLKEYLOGFILE");
    if (!path || !*path) return;
    std::lock_guard<std::mutex> lock(mu);
    if (FILE* f = std::fopen(path, "a")) {
        std::fprintf(f, "%s\n", line);
        std::fclose(f);
    }
}

void on_line_keep(const SSL* ssl, const char* line) {
    append_to_file(line);
    const std::string_view l(line);
    if (!l.starts_with("CLIENT_TRAFFIC_SECRET_0 ") && !l.starts_with("SERVER_TRAFFIC_SECRET_0 ")) return;
    TrafficSecrets* s = traffic_secrets(ssl);
    if (!s) {
        s = new TrafficSecrets();
        if (SSL_set_ex_data(const_cast<SSL*>(ssl), ex_index(), s) != 1) {
            delete s;
            return;
        }
    }
    take_key_log_line(l, *s);
}

void on_line_file(const SSL*, const char* line) { append_to_file(line); }
}  // namespace

TrafficSecrets::~TrafficSecrets() {
    OPENSSL_cleanse(client.data(), client.size());
    OPENSSL_cleanse(server.data(), server.size());
}

bool take_key_log_line(std::string_view line, TrafficSecrets& s) {
    // "<LABEL> <client random, hex> <secret, hex>"
    Bytes* into = nullptr;
    if (line.starts_with("CLIENT_TRAFFIC_SECRET_0 ")) into = &s.client;
    else if (line.starts_with("SERVER_TRAFFIC_SECRET_0 ")) into = &s.server;
    else return false;
    const size_t sp = line.rfind(' ');
    std::string_view hex = line.substr(sp + 1);
    if (hex.empty() || hex.size() % 2 || hex.size() > 2 * EVP_MAX_MD_SIZE) return false;
    Bytes secret;
    if (!from_hex(hex, secret)) {
        OPENSSL_cleanse(secret.data(), secret.size());
        return false;
    }
    OPENSSL_cleanse(into->data(), into->size());
    *into = std::move(secret);
    return true;
}

void log_keys(SSL_CTX* ctx, bool keep) {
    if (keep) SSL_CTX_set_keylog_callback(ctx, on_line_keep);
    else if (std::getenv("SSLKEYLOGFILE")) SSL_CTX_set_keylog_callback(ctx, on_line_file);
}

TrafficSecrets* traffic_secrets(const SSL* ssl) { return static_cast<TrafficSecrets*>(SSL_get_ex_data(ssl, ex_index())); }

}  // namespace ksstp::tls
