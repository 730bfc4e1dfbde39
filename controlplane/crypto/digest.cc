// OpenSSL EVP one-shot wrappers; see digest.h.
#include "controlplane/crypto/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <memory>

namespace ksstp::crypto {
namespace {

struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// OpenSSL failing on a built-in digest is an environment failure, not peer input: fatal.
[[noreturn]] void crypto_failure() { std::abort(); }

template <size_t N>
std::array<uint8_t, N> digest(const EVP_MD* md, std::initializer_list<ByteView> parts) {
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1) crypto_failure();
    for (ByteView p : parts)
        if (EVP_DigestUpdate(ctx.get(), p.data(), p.size()) != 1) crypto_failure();
    std::array<uint8_t, N> out{};
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1 || len != N) crypto_failure();
    return out;
}

template <size_t N>
std::array<uint8_t, N> hmac(const char* md, ByteView key, ByteView data) {
    std::array<uint8_t, N> out{};
    size_t len = 0;
    // An empty key is legal for HMAC; EVP_Q_mac wants a non-null pointer.
    static const uint8_t kEmpty[1] = {0};
    if (!EVP_Q_mac(nullptr, "HMAC", nullptr, md, nullptr, key.empty() ? kEmpty : key.data(),
                   key.size(), data.data(), data.size(), out.data(), out.size(), &len) ||
        len != N)
        crypto_failure();
    return out;
}

}  // namespace

Sha1Digest sha1(std::initializer_list<ByteView> parts) { return digest<20>(EVP_sha1(), parts); }
Sha256Digest sha256(std::initializer_list<ByteView> parts) {
    return digest<32>(EVP_sha256(), parts);
}
Md5Digest md5(std::initializer_list<ByteView> parts) { return digest<16>(EVP_md5(), parts); }

Sha1Digest hmac_sha1(ByteView key, ByteView data) { return hmac<20>("SHA1", key, data); }
Sha256Digest hmac_sha256(ByteView key, ByteView data) { return hmac<32>("SHA256", key, data); }

bool ct_equal(ByteView a, ByteView b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void wipe(void* p, size_t n) { OPENSSL_cleanse(p, n); }

std::array<uint8_t, 8> des_encrypt_block(const std::array<uint8_t, 8>& key,
                                         const std::array<uint8_t, 8>& block) {
    struct CipherCtxFree {
        void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
    };
    std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx(EVP_CIPHER_CTX_new());
    uint8_t key24[24];
    for (int i = 0; i < 3; ++i) std::memcpy(key24 + 8 * i, key.data(), 8);
    std::array<uint8_t, 8> out{};
    int len = 0;
    if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_des_ede3_ecb(), nullptr, key24, nullptr) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
        EVP_EncryptUpdate(ctx.get(), out.data(), &len, block.data(), 8) != 1 || len != 8)
        crypto_failure();
    OPENSSL_cleanse(key24, sizeof key24);
    return out;
}

std::array<uint8_t, 8> des_expand_key(ByteView k) {
    // 56 key bits become the high 7 bits of 8 bytes; the low bit is odd parity.
    std::array<uint8_t, 8> out{};
    uint64_t bits = 0;
    for (size_t i = 0; i < 7 && i < k.size(); ++i) bits = bits << 8 | k[i];
    for (int i = 0; i < 8; ++i) {
        uint8_t b = uint8_t((bits >> (49 - 7 * i)) & 0x7F) << 1;
        b |= (__builtin_popcount(b) & 1) ? 0 : 1;
        out[size_t(i)] = b;
    }
    return out;
}

}  // namespace ksstp::crypto
