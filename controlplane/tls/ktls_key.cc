// TLS 1.3 traffic keys for the kernel; see ktls_key.h.
#include "controlplane/tls/ktls_key.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace ksstp::tls {

std::optional<KtlsSuite> ktls_suite(std::string_view name) {
    if (name == "TLS_AES_128_GCM_SHA256") return KtlsSuite{TLS_CIPHER_AES_GCM_128, 16, "SHA256", 32};
    if (name == "TLS_AES_256_GCM_SHA384") return KtlsSuite{TLS_CIPHER_AES_GCM_256, 32, "SHA384", 48};
    if (name == "TLS_CHACHA20_POLY1305_SHA256") return KtlsSuite{TLS_CIPHER_CHACHA20_POLY1305, 32, "SHA256", 32};
    return std::nullopt;
}

Bytes hkdf_expand_label(const KtlsSuite& s, ByteView secret, std::string_view label, size_t len) {
    // struct HkdfLabel { uint16 length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255>; }
    const std::string full = "tls13 " + std::string(label);
    Bytes info;
    info.push_back(uint8_t(len >> 8));
    info.push_back(uint8_t(len));
    info.push_back(uint8_t(full.size()));
    info.insert(info.end(), full.begin(), full.end());
    info.push_back(0);  // empty context

    Bytes out(len);
    EVP_KDF* kdf = EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr);
    EVP_KDF_CTX* ctx = kdf ? EVP_KDF_CTX_new(kdf) : nullptr;
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(s.digest), 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(secret.data()), secret.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
        OSSL_PARAM_construct_end(),
    };
    const bool ok = ctx && EVP_KDF_derive(ctx, out.data(), out.size(), params) == 1;
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    if (!ok) return {};
    return out;
}

Bytes next_traffic_secret(const KtlsSuite& s, ByteView secret) {
    return hkdf_expand_label(s, secret, "traffic upd", s.hash_len);
}

KernelCryptoInfo::~KernelCryptoInfo() { OPENSSL_cleanse(&u, sizeof u); }

namespace {
// The kernel splits the 12-byte TLS 1.3 IV of AES-GCM into a 4-byte salt and 8 bytes it calls
// the IV (include/uapi/linux/tls.h); ChaCha20-Poly1305 takes all 12 as its IV.
template <class Info>
void fill_gcm(Info& k, uint16_t cipher, ByteView key, ByteView iv) {
    k.info.version = TLS_1_3_VERSION;
    k.info.cipher_type = cipher;
    std::memcpy(k.key, key.data(), sizeof k.key);
    std::memcpy(k.salt, iv.data(), sizeof k.salt);
    std::memcpy(k.iv, iv.data() + sizeof k.salt, sizeof k.iv);
    std::memset(k.rec_seq, 0, sizeof k.rec_seq);
}
}  // namespace

void make_crypto_info(const KtlsSuite& s, ByteView secret, KernelCryptoInfo& out) {
    out.len = 0;
    Bytes key = hkdf_expand_label(s, secret, "key", s.key_len);
    Bytes iv = hkdf_expand_label(s, secret, "iv", 12);
    if (key.size() == s.key_len && iv.size() == 12) {
        switch (s.cipher_type) {
            case TLS_CIPHER_AES_GCM_128:
                fill_gcm(out.u.gcm128, s.cipher_type, key, iv);
                out.len = sizeof out.u.gcm128;
                break;
            case TLS_CIPHER_AES_GCM_256:
                fill_gcm(out.u.gcm256, s.cipher_type, key, iv);
                out.len = sizeof out.u.gcm256;
                break;
            case TLS_CIPHER_CHACHA20_POLY1305: {
                auto& k = out.u.chacha;
                k.info.version = TLS_1_3_VERSION;
                k.info.cipher_type = s.cipher_type;
                std::memcpy(k.key, key.data(), sizeof k.key);
                std::memcpy(k.iv, iv.data(), sizeof k.iv);
                std::memset(k.rec_seq, 0, sizeof k.rec_seq);
                out.len = sizeof k;
                break;
            }
            default: break;
        }
    }
    OPENSSL_cleanse(key.data(), key.size());
    OPENSSL_cleanse(iv.data(), iv.size());
}

std::string install_next_key(int fd, int direction, const KtlsSuite& s, Bytes& secret) {
    const char* which = direction == TLS_RX ? "TLS_RX" : "TLS_TX";
    Bytes next = secret.empty() ? Bytes() : next_traffic_secret(s, secret);
    KernelCryptoInfo info;
    if (!next.empty()) make_crypto_info(s, next, info);
    if (info.len == 0) return std::string("TLS 1.3 KeyUpdate: could not derive the next ") + which + " key";
    if (::setsockopt(fd, SOL_TLS, direction, &info.u, info.len) != 0) {
        const int e = errno;
        OPENSSL_cleanse(next.data(), next.size());
        return std::string("TLS 1.3 KeyUpdate: the kernel refused the next key (setsockopt ") + which + ": " +
               std::strerror(e) + "; kernel TLS takes new keys from Linux 6.14)";
    }
    OPENSSL_cleanse(secret.data(), secret.size());
    secret = std::move(next);
    return {};
}

}  // namespace ksstp::tls
