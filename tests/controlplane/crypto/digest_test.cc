// Crypto primitives: MD4 (RFC 1320 A.5 test suite), DES single block and RFC 2759 9.3 key
// expansion, HMAC and constant-time compare.
#include "controlplane/crypto/digest.h"

#include <gtest/gtest.h>

namespace ksstp::crypto {
namespace {

TEST(Md4, MatchesRfc1320TestSuite) {
    struct Case { const char* in; const char* hex; };
    const Case cases[] = {
        {"", "31d6cfe0d16ae931b73c59d7e0c089c0"},
        {"a", "bde52cb31de33e46245e05fbdbd6fb24"},
        {"abc", "a448017aaf21d8525fc10ae87aa6729d"},
        {"message digest", "d9130a8164549fe818874806e1c7014b"},
        {"abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "043f8582f241db351ce627e153e7f0e4"},
        {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
         "e33b4ddc9c38f2199c3e7b164fcc0536"},
    };
    for (const auto& c : cases) EXPECT_EQ(to_hex(md4(as_bytes(c.in))), c.hex) << '"' << c.in << '"';
}

TEST(Md4, HandlesEveryPaddingBoundary) {
    // Lengths around the one-block/two-block padding split; expected values from
    // `openssl dgst -md4 -provider legacy` (an independent implementation).
    struct Case { size_t n; const char* hex; };
    const Case cases[] = {{55, "92f32bb82c95ad10e8f87ae58ab06807"}, {56, "374d5f08103b7092c83b4626ebceffab"},
                          {63, "2870452596e98fffd48332289b3472b9"}, {64, "b1abf956a5ae6f3221e5fe85e300fbb0"},
                          {119, "b55ae15e41e55643b0c3daad5e05c905"}};
    for (const auto& c : cases) EXPECT_EQ(to_hex(md4(as_bytes(std::string(c.n, 'x')))), c.hex) << c.n;
}

TEST(Des, EncryptsTheClassicKnownAnswer) {
    std::array<uint8_t, 8> key{0x13, 0x34, 0x57, 0x79, 0x9B, 0xBC, 0xDF, 0xF1};
    std::array<uint8_t, 8> pt{0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF};
    EXPECT_EQ(to_hex(des_encrypt_block(key, pt), true), "85E813540F0AB405");
}

TEST(Des, ExpandsKeysAsRfc2759Section9_3) {
    EXPECT_EQ(to_hex(des_expand_key(hex_bytes("FC156AF7EDCD6C")), true), "FD0B5B5E7F6E34D9");
    EXPECT_EQ(to_hex(des_expand_key(hex_bytes("0EDDE3337D427F")), true), "0E6E796737EA08FE");
}

TEST(Hmac, Sha256MatchesRfc4231Case2) {
    auto mac = hmac_sha256(as_bytes("Jefe"), as_bytes("what do ya want for nothing?"));
    EXPECT_EQ(to_hex(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(CtEqual, ComparesContentAndSize) {
    Bytes a{1, 2, 3}, b{1, 2, 3}, c{1, 2, 4}, d{1, 2};
    EXPECT_TRUE(ct_equal(a, b));
    EXPECT_FALSE(ct_equal(a, c));
    EXPECT_FALSE(ct_equal(a, d));
}

}  // namespace
}  // namespace ksstp::crypto
