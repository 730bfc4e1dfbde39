// MD4 (RFC 1320), needed for the NT password hash of MS-CHAP (RFC 2433, RFC 2759). OpenSSL 3
// keeps MD4 in its legacy provider, which Debian does not load by default, and depending on
// provider configuration at run time would make authentication fail on some hosts; the
// algorithm is 60 lines, so we carry it. Only used on passwords and password hashes.
#include <cstring>

#include "controlplane/crypto/digest.h"

namespace ksstp::crypto {
namespace {

inline uint32_t rotl(uint32_t x, int s) { return x << s | x >> (32 - s); }
inline uint32_t F(uint32_t x, uint32_t y, uint32_t z) { return (x & y) | (~x & z); }
inline uint32_t G(uint32_t x, uint32_t y, uint32_t z) { return (x & y) | (x & z) | (y & z); }
inline uint32_t H(uint32_t x, uint32_t y, uint32_t z) { return x ^ y ^ z; }

void md4_block(uint32_t st[4], const uint8_t* p) {
    uint32_t X[16];
    for (int i = 0; i < 16; ++i)
        X[i] = uint32_t(p[4 * i]) | uint32_t(p[4 * i + 1]) << 8 | uint32_t(p[4 * i + 2]) << 16 |
               uint32_t(p[4 * i + 3]) << 24;
    uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
    static const int r1[4] = {3, 7, 11, 19};
    for (int i = 0; i < 16; ++i) {
        uint32_t t = rotl(a + F(b, c, d) + X[i], r1[i % 4]);
        a = d; d = c; c = b; b = t;
    }
    static const int r2[4] = {3, 5, 9, 13};
    static const int o2[16] = {0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15};
    for (int i = 0; i < 16; ++i) {
        uint32_t t = rotl(a + G(b, c, d) + X[o2[i]] + 0x5A827999u, r2[i % 4]);
        a = d; d = c; c = b; b = t;
    }
    static const int r3[4] = {3, 9, 11, 15};
    static const int o3[16] = {0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15};
    for (int i = 0; i < 16; ++i) {
        uint32_t t = rotl(a + H(b, c, d) + X[o3[i]] + 0x6ED9EBA1u, r3[i % 4]);
        a = d; d = c; c = b; b = t;
    }
    st[0] += a; st[1] += b; st[2] += c; st[3] += d;
    wipe(X, sizeof X);
}

}  // namespace

Md4Digest md4(ByteView data) {
    uint32_t st[4] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u};
    size_t n = data.size();
    size_t i = 0;
    for (; i + 64 <= n; i += 64) md4_block(st, data.data() + i);
    uint8_t tail[128] = {};
    size_t rem = n - i;
    if (rem) std::memcpy(tail, data.data() + i, rem);
    tail[rem] = 0x80;
    size_t total = rem + 1 + 8 <= 64 ? 64 : 128;
    uint64_t bits = uint64_t(n) * 8;
    for (int k = 0; k < 8; ++k) tail[total - 8 + size_t(k)] = uint8_t(bits >> (8 * k));
    for (size_t off = 0; off < total; off += 64) md4_block(st, tail + off);
    wipe(tail, sizeof tail);
    Md4Digest out{};
    for (int k = 0; k < 4; ++k)
        for (int j = 0; j < 4; ++j) out[size_t(4 * k + j)] = uint8_t(st[k] >> (8 * j));
    return out;
}

}  // namespace ksstp::crypto
