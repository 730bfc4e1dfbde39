// Crypto binding vectors: the two published MS-SSTP 4.7 examples, the sstp-client EAP-TLS
// vector, and the computed end-to-end chains of reference/test-vectors.md 4.4-4.6.
#include "controlplane/sstp/crypto_binding.h"

#include <gtest/gtest.h>

#include <cstring>

#include "controlplane/session/hlak.h"

namespace ksstp::sstp {
namespace {

template <size_t N>
std::array<uint8_t, N> arr(std::string_view hex) {
    Bytes b = hex_bytes(hex);
    std::array<uint8_t, N> a{};
    EXPECT_EQ(b.size(), N);
    std::copy_n(b.begin(), std::min(N, b.size()), a.begin());
    return a;
}

const char* kSha256Ack =
    "10010030000200010004002800000002412B489AEBD7ECC7D08966F26BE7CD72B231A0E9210D7C91B308862B0344C435";
const char* kSha256Hlak = "2A1BB40D55AB0F5EF32F06F2B3CC73C48FD3FAC41D7A1315A19228D9024CA164";
const char* kSha256CertHash = "7993EF314C493DACE9F02D60E7E61C84B6690AAFE9D7AEEA92CBBE8AD599422D";
const char* kSha256CallConnected =
    "10010070000400010003006800000002412B489AEBD7ECC7D08966F26BE7CD72B231A0E9210D7C91B308862B0344C435"
    "7993EF314C493DACE9F02D60E7E61C84B6690AAFE9D7AEEA92CBBE8AD599422D"
    "52A68EFD8CFFBF52770B8F0FE8EC737165 83AF6D611EB6D179B3B20840985449";

const char* kSha1Hlak = "4B3128F43925D9006EEFB1C4E86515A1D88E56BAB3CA2BDF0373B7F5A8A13B19";
const char* kSha1Nonce = "0F1A2D58D4A3E3000FAD3CE4906E07B707AA9E441CCEAC5CBD7B2CC1C9D86CDF";
const char* kSha1CertHash = "5826B629BDA59B8E6FD8DCD2622FD34C534805A5";
const char* kSha1CallConnected =
    "10010070000400010003006800000001"
    "0F1A2D58D4A3E3000FAD3CE4906E07B707AA9E441CCEAC5CBD7B2CC1C9D86CDF"
    "5826B629BDA59B8E6FD8DCD2622FD34C534805A5000000000000000000000000"
    "69915DD583D8062FEF16F61DB2F03290EC27CB6C000000000000000000000000";

CertHashes hashes(std::string_view sha1_hex, std::string_view sha256_hex) {
    CertHashes h;
    if (!sha1_hex.empty()) h.sha1 = arr<20>(sha1_hex);
    if (!sha256_hex.empty()) h.sha256 = arr<32>(sha256_hex);
    return h;
}

TEST(CryptoBinding, CmkDerivationMatchesIntermediateValues) {
    EXPECT_EQ(to_hex(derive_cmk(arr<32>(kSha256Hlak), HashProtocol::Sha256), true),
              "ECF59AC9FE155CF0A9E7D66ADC1B363C1AD7BA91A9217F0CEC2A534298828DF6");
    EXPECT_EQ(to_hex(derive_cmk(arr<32>(kSha1Hlak), HashProtocol::Sha1), true),
              "A98B862A38CC7E224B42CD128586ACB22F0BD1E9");
}

TEST(CryptoBinding, BuildsThePublishedSha256CallConnected) {
    auto nonce = arr<32>(std::string_view(kSha256Ack).substr(32));
    CertHashes cert = hashes("", kSha256CertHash);
    Bytes cc = build_call_connected(nonce, HashProtocol::Sha256, &cert, arr<32>(kSha256Hlak));
    EXPECT_EQ(to_hex(cc, true), to_hex(hex_bytes(kSha256CallConnected), true));
}

TEST(CryptoBinding, BuildsThePublishedSha1CallConnected) {
    CertHashes cert = hashes(kSha1CertHash, "");
    Bytes cc = build_call_connected(arr<32>(kSha1Nonce), HashProtocol::Sha1, &cert, arr<32>(kSha1Hlak));
    EXPECT_EQ(to_hex(cc, true), to_hex(hex_bytes(kSha1CallConnected), true));
}

TEST(CryptoBinding, ReproducesTheSstpClientEapTlsVector) {
    Bytes msg = hex_bytes(
        "10010070000400010003006800000002"
        "388a1ecbf302ba02f9f372ce37488ec36b71a28b5e1b19fbe44d5465a631c463"
        "7ff150176fa8e38a1f402d11ff89ff11b66505ad7f9ae81205277ba4a6b9ef9d");
    msg.resize(112, 0);
    auto hlak = arr<32>("bb2c17edbaa643b3d511eb9848792b7cab5f5d709fe9bdf89b5deaf5a8c17db7");
    EXPECT_EQ(to_hex(compound_mac(msg, hlak, HashProtocol::Sha256)),
              "fe6473c7d183914e483fea1b12a6e760a4da16b62fab12a0a1e54e0ec325b24e");
}

TEST(CryptoBinding, EndToEndFromRfc2759Credentials) {
    // reference/test-vectors.md 3.1 and 4.5: MS-CHAPv2 keys -> HLAK -> CMK -> MAC.
    ppp::AuthOutcome client{true, ppp::AuthMethod::MsChapV2, "User", "", ppp::MppeKeys{
        arr<16>("D5F0E9521E3EA9589645E86051C82226"), arr<16>("8B7CDC149B993A1BA118CB153F56DCCB")}};
    Hlak hlak = session::client_hlak(client);
    EXPECT_EQ(to_hex(hlak, true), "D5F0E9521E3EA9589645E86051C822268B7CDC149B993A1BA118CB153F56DCCB");
    ppp::AuthOutcome server = client;
    std::swap(server.keys->send, server.keys->recv);
    ASSERT_EQ(session::server_hlak_candidates(server).size(), 1u);
    EXPECT_EQ(session::server_hlak_candidates(server)[0], hlak);

    EXPECT_EQ(to_hex(derive_cmk(hlak, HashProtocol::Sha256), true),
              "150707E682B16F4CA9430560C562894AFD10050DB4182D35C3E9E06284445271");
    Bytes msg256 = hex_bytes(kSha256CallConnected);
    EXPECT_EQ(to_hex(compound_mac(msg256, hlak, HashProtocol::Sha256), true),
              "FC0F8E272DD23C80526C2A271158A12195EB2DF59780B17E6EF641BA0FE699D0");
    EXPECT_EQ(to_hex(derive_cmk(hlak, HashProtocol::Sha1), true), "3AFBFF0BA79DD9743BD09949FA99F9D0C92D3698");
    Bytes msg1 = hex_bytes(kSha1CallConnected);
    EXPECT_EQ(to_hex(compound_mac(msg1, hlak, HashProtocol::Sha1), true), "FF9D1B065CBAC8E7A71AD85CAD75EEE5B14890C9");
}

TEST(CryptoBinding, ZeroHlakVectors) {
    Hlak zero{};
    EXPECT_EQ(to_hex(derive_cmk(zero, HashProtocol::Sha256), true),
              "D342EB00477D6A37E1A184FB0168CB3EA3B6645FA0F227904D20EEF5CB8F9327");
    EXPECT_EQ(to_hex(compound_mac(hex_bytes(kSha256CallConnected), zero, HashProtocol::Sha256), true),
              "37350A9168E4697495F2F535721AF42BE80A185D6DC4C4DC929F8F87E304A616");
    EXPECT_EQ(to_hex(derive_cmk(zero, HashProtocol::Sha1), true), "AE571EDE1E11EFB7BB85B8B4F07E15F0E086761A");
    EXPECT_EQ(to_hex(compound_mac(hex_bytes(kSha1CallConnected), zero, HashProtocol::Sha1), true),
              "9A111C756B84D95002C9372556C181E0E5360DA7");
}

struct VerifyFixture : ::testing::Test {
    Bytes pkt = hex_bytes(kSha256CallConnected);
    std::array<uint8_t, 32> nonce = arr<32>(std::string_view(kSha256Ack).substr(32));
    CertHashes cert = hashes("", kSha256CertHash);
    std::vector<Hlak> hlaks{arr<32>(kSha256Hlak)};
    CallConnected msg() {
        auto cp = decode_control(pkt);
        EXPECT_TRUE(cp.has_value());
        auto m = parse_message(*cp);
        EXPECT_TRUE(m.has_value());
        return std::get<CallConnected>(*m);
    }
};

TEST_F(VerifyFixture, AcceptsThePublishedMessage) {
    auto r = verify_call_connected(pkt, msg(), 0x03, nonce, &cert, hlaks);
    ASSERT_TRUE(r.has_value()) << r.error().reason;
    EXPECT_EQ(r->hash, HashProtocol::Sha256);
}

TEST_F(VerifyFixture, RejectsWrongNonceWithValueNotSupported) {
    nonce[0] ^= 1;
    auto r = verify_call_connected(pkt, msg(), 0x03, nonce, &cert, hlaks);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().status, Status::ValueNotSupported);
    EXPECT_EQ(r.error().attrib_id, AttributeId::CryptoBinding);
    EXPECT_STREQ(r.error().reason, "nonce mismatch");
}

TEST_F(VerifyFixture, RejectsForeignCertificateHash) {
    cert.sha256[5] ^= 0x80;  // a relay's certificate
    auto r = verify_call_connected(pkt, msg(), 0x03, nonce, &cert, hlaks);
    ASSERT_FALSE(r.has_value());
    EXPECT_STREQ(r.error().reason, "certificate hash mismatch");
}

TEST_F(VerifyFixture, RejectsWrongMacAndHashNotOffered) {
    hlaks[0][0] ^= 1;
    auto r = verify_call_connected(pkt, msg(), 0x03, nonce, &cert, hlaks);
    ASSERT_FALSE(r.has_value());
    EXPECT_STREQ(r.error().reason, "compound MAC mismatch");
    auto r2 = verify_call_connected(pkt, msg(), 0x01, nonce, &cert, {arr<32>(kSha256Hlak)});
    ASSERT_FALSE(r2.has_value());
    EXPECT_STREQ(r2.error().reason, "hash protocol not offered");
}

TEST_F(VerifyFixture, SkipsCertificateCheckInAnonymousMode) {
    cert.sha256[0] ^= 1;
    EXPECT_TRUE(verify_call_connected(pkt, msg(), 0x03, nonce, nullptr, hlaks).has_value());
}

TEST_F(VerifyFixture, TriesEveryHlakCandidate) {
    std::vector<Hlak> cands{Hlak{}, arr<32>(kSha256Hlak)};
    auto r = verify_call_connected(pkt, msg(), 0x03, nonce, &cert, cands);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->hlak_index, 1u);
}

TEST(CryptoBinding, ChoosesSha256WhenOffered) {
    EXPECT_EQ(choose_hash(0x03), HashProtocol::Sha256);
    EXPECT_EQ(choose_hash(0x02), HashProtocol::Sha256);
    EXPECT_EQ(choose_hash(0x01), HashProtocol::Sha1);
    EXPECT_FALSE(choose_hash(0x04).has_value());
}

}  // namespace
}  // namespace ksstp::sstp
