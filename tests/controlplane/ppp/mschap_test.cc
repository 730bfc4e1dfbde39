// MS-CHAP and MPPE vectors from reference/test-vectors.md: RFC 2759 9.2, RFC 2433 B.2,
// RFC 3079 3.5 (published) and the computed regression vectors marked there.
#include "controlplane/ppp/mschap.h"

#include <gtest/gtest.h>

#include "controlplane/crypto/digest.h"

namespace ksstp::ppp::mschap {
namespace {

template <size_t N>
std::array<uint8_t, N> arr(std::string_view hex) {
    Bytes b = hex_bytes(hex);
    std::array<uint8_t, N> a{};
    EXPECT_EQ(b.size(), N) << hex;
    std::copy_n(b.begin(), std::min(N, b.size()), a.begin());
    return a;
}

const auto kAuthChallenge = arr<16>("5B5D7C7D7B3F2F3E3C2C602132262628");
const auto kPeerChallenge = arr<16>("21402324255E262A28295F2B3A337C7E");

TEST(MsChapV2, Rfc2759Section9_2Vectors) {
    EXPECT_EQ(to_hex(utf16le("clientPass"), true), "63006C00690065006E0074005000610073007300");
    EXPECT_EQ(to_hex(challenge_hash(kPeerChallenge, kAuthChallenge, "User"), true), "D02E4386BCE91226");
    auto ph = nt_password_hash("clientPass");
    EXPECT_EQ(to_hex(ph, true), "44EBBA8D5312B8D611474411F56989AE");
    EXPECT_EQ(to_hex(hash_nt_password_hash(ph), true), "41C00C584BD2D91C4017A2A12FA59F3F");
    auto nt = generate_nt_response(kAuthChallenge, kPeerChallenge, "User", "clientPass");
    EXPECT_EQ(to_hex(nt, true), "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF");
    EXPECT_EQ(generate_authenticator_response("clientPass", nt, kPeerChallenge, kAuthChallenge, "User"),
              "S=407A5589115FD0D6209F510FE9C04566932CDA56");
}

TEST(MsChapV2, DomainPrefixIsIgnoredForTheChallengeHash) {
    EXPECT_EQ(challenge_hash(kPeerChallenge, kAuthChallenge, "LAB\\User"),
              challenge_hash(kPeerChallenge, kAuthChallenge, "User"));
}

TEST(MsChapV1, Rfc2433AppendixB2Vectors) {
    auto challenge = arr<8>("102DB5DF085D3041");
    EXPECT_EQ(to_hex(nt_password_hash("MyPw"), true), "FC156AF7EDCD6C0EDDE3337D427F4EAC");
    EXPECT_EQ(to_hex(nt_challenge_response(challenge, "MyPw"), true),
              "4E9D3C8F9CFD385D5BF4D3246791956CA4C351AB409A3D61");
}

TEST(MsChapV1, StartKeyMatchesComputedVector) {
    auto challenge = arr<8>("102DB5DF085D3041");
    EXPECT_EQ(to_hex(hash_nt_password_hash(nt_password_hash("MyPw")), true), "874FB0693E18106A814481BC51CD7D37");
    EXPECT_EQ(to_hex(mschapv1_start_key("MyPw", challenge), true), "CFD3610CD9208EC8134BAEFF555F76CB");
    EXPECT_EQ(to_hex(mschapv1_start_key("clientPass", challenge), true), "A8947850CFC0ACC1D1789FB62DDCDDB0");
}

TEST(Mppe, Rfc3079Section3_5MasterAndStartKeys) {
    auto nt = arr<24>("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF");
    auto phh = hash_nt_password_hash(nt_password_hash("clientPass"));
    auto mk = master_key(phh, nt);
    EXPECT_EQ(to_hex(mk, true), "FDECE3717A8C838CB388E527AE3CDD31");
    // Published: the server's send start key = K(Magic3).
    EXPECT_EQ(to_hex(asymmetric_start_key(mk, true, true), true), "8B7CDC149B993A1BA118CB153F56DCCB");
    // Computed: K(Magic2) = client send = server receive.
    EXPECT_EQ(to_hex(asymmetric_start_key(mk, true, false), true), "D5F0E9521E3EA9589645E86051C82226");
    EXPECT_EQ(asymmetric_start_key(mk, false, true), asymmetric_start_key(mk, true, false));
}

TEST(Mppe, ClientAndServerKeysMirrorEachOther) {
    auto nt = arr<24>("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF");
    MppeKeys c = mschapv2_keys("clientPass", nt, false);
    MppeKeys s = mschapv2_keys("clientPass", nt, true);
    EXPECT_EQ(c.send, s.recv);
    EXPECT_EQ(c.recv, s.send);
    EXPECT_EQ(to_hex(c.send, true), "D5F0E9521E3EA9589645E86051C82226");
    EXPECT_EQ(to_hex(c.recv, true), "8B7CDC149B993A1BA118CB153F56DCCB");
}

TEST(ChapMd5, ComputedVectors) {
    uint8_t id1 = 0x01;
    auto r1 = crypto::md5({ByteView(&id1, 1), as_bytes("clientPass"), kAuthChallenge});
    EXPECT_EQ(to_hex(r1, true), "5F09D7E952D4B481108861304E6DE873");
    uint8_t id2 = 0x22;
    Bytes ch = hex_bytes("000102030405060708090A0B0C0D0E0F");
    auto r2 = crypto::md5({ByteView(&id2, 1), as_bytes("secret"), ch});
    EXPECT_EQ(to_hex(r2, true), "421A0886405890BAE69CC0DB9BA8547F");
}

TEST(Utf16, EncodesNonAsciiAndSurrogatePairs) {
    EXPECT_EQ(to_hex(utf16le("\xC3\xA9")), "e900");          // U+00E9
    EXPECT_EQ(to_hex(utf16le("\xF0\x9F\x98\x80")), "3dd800de");  // U+1F600 -> D83D DE00
    EXPECT_EQ(to_hex(utf16le("\xFF")), "ff00");              // invalid UTF-8 -> Latin-1
}

}  // namespace
}  // namespace ksstp::ppp::mschap
