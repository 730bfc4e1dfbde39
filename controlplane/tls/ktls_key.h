// KtlsKey: a TLS 1.3 traffic secret as the kernel's record layer takes it, and the secret that
// follows it after a KeyUpdate (issue 5 item 3; RFC 8446 7.1-7.3).
//
// With kTLS RX a peer's KeyUpdate reaches us, not OpenSSL: the kernel pauses decryption until it
// is given the peer's next key (setsockopt SOL_TLS/TLS_RX again, Linux 6.14, tls.rst "TLS 1.3
// Key Updates"), and a KeyUpdate that asks for ours means we send one and give the kernel our
// next TX key. Both are derived here from the current traffic secrets, which OpenSSL reports
// through its key-log callback (TrafficSecrets). Pure computation with OpenSSL's HKDF: no I/O.
#pragma once

#include <linux/tls.h>
#include <openssl/evp.h>
#include <sys/socket.h>

#include <optional>
#include <string>
#include <string_view>

#include "controlplane/base/bytes.h"

namespace ksstp::tls {

// A TLS 1.3 cipher suite the kernel's TLS takes: its kernel cipher, key size and hash.
struct KtlsSuite {
    uint16_t cipher_type;  // TLS_CIPHER_*
    size_t key_len;
    const char* digest;    // the suite's hash (HKDF)
    size_t hash_len;
};
// nullopt for a suite the kernel's TLS 1.3 does not take (CCM: OpenSSL keeps it in userspace).
std::optional<KtlsSuite> ktls_suite(std::string_view openssl_suite_name);

// HKDF-Expand-Label(secret, label, "", len) (RFC 8446 7.1); empty on an OpenSSL failure.
Bytes hkdf_expand_label(const KtlsSuite& s, ByteView secret, std::string_view label, size_t len);
// application_traffic_secret_N+1 (RFC 8446 7.2).
Bytes next_traffic_secret(const KtlsSuite& s, ByteView secret);

// The kernel's crypto_info for `secret`'s key and IV (RFC 8446 7.3), record sequence 0 (a new
// key starts at 0, RFC 8446 5.3), TLS 1.3: what setsockopt(SOL_TLS, TLS_TX or TLS_RX) takes.
struct KernelCryptoInfo {
    union {
        tls_crypto_info info;
        tls12_crypto_info_aes_gcm_128 gcm128;
        tls12_crypto_info_aes_gcm_256 gcm256;
        tls12_crypto_info_chacha20_poly1305 chacha;
    } u{};
    socklen_t len = 0;  // 0: could not be made
    ~KernelCryptoInfo();  // the key does not outlive its use
};
void make_crypto_info(const KtlsSuite& s, ByteView secret, KernelCryptoInfo& out);

// Gives the kernel the key that follows `secret` for `direction` (TLS_TX or TLS_RX) of socket
// `fd` and moves `secret` on to it. Empty when done, else why not (the secret stays): a kernel
// before 6.14 takes one key per direction only.
std::string install_next_key(int fd, int direction, const KtlsSuite& s, Bytes& secret);

}  // namespace ksstp::tls
