// SSTP crypto binding; see crypto_binding.h.
#include "controlplane/sstp/crypto_binding.h"

#include <cstring>

#include "controlplane/crypto/digest.h"

namespace ksstp::sstp {
namespace {
// 3.2.5.2.2: the PRF seed is these 29 ASCII bytes, no terminating NUL (both 4.7 examples only
// verify this way; reference/test-vectors.md 4.3).
constexpr std::string_view kCmkSeed = "SSTP inner method derived CMK";

Bytes hmac(HashProtocol p, ByteView key, ByteView data) {
    if (p == HashProtocol::Sha256) {
        auto d = crypto::hmac_sha256(key, data);
        return Bytes(d.begin(), d.end());
    }
    auto d = crypto::hmac_sha1(key, data);
    return Bytes(d.begin(), d.end());
}
}  // namespace

CertHashes CertHashes::of_der(ByteView der) {
    CertHashes h;
    h.sha1 = crypto::sha1({der});
    h.sha256 = crypto::sha256({der});
    return h;
}

size_t digest_len(HashProtocol p) { return p == HashProtocol::Sha256 ? 32 : 20; }

Bytes derive_cmk(const Hlak& hlak, HashProtocol p) {
    // T1 = HMAC(HLAK, seed || LEN (16-bit little-endian) || 0x01)
    Bytes in(kCmkSeed.begin(), kCmkSeed.end());
    uint16_t len = uint16_t(digest_len(p));
    in.push_back(uint8_t(len & 0xFF));
    in.push_back(uint8_t(len >> 8));
    in.push_back(0x01);
    Bytes cmk = hmac(p, hlak, in);
    cmk.resize(digest_len(p));
    return cmk;
}

Bytes compound_mac(ByteView msg, const Hlak& hlak, HashProtocol p) {
    Bytes zeroed(msg.begin(), msg.end());
    if (zeroed.size() >= kCompoundMacOffset + kHashFieldLen)
        std::memset(zeroed.data() + kCompoundMacOffset, 0, kHashFieldLen);
    Bytes cmk = derive_cmk(hlak, p);
    Bytes mac = hmac(p, cmk, zeroed);
    crypto::wipe(cmk);
    return mac;
}

std::optional<HashProtocol> choose_hash(uint8_t bitmask) {
    if (bitmask & kCertHashProtocolSha256) return HashProtocol::Sha256;
    if (bitmask & kCertHashProtocolSha1) return HashProtocol::Sha1;
    return std::nullopt;
}

Bytes build_call_connected(const std::array<uint8_t, kNonceLen>& nonce, HashProtocol p,
                           const CertHashes* cert, const Hlak& hlak) {
    CallConnected m;
    m.binding.hash_protocol = uint8_t(p);
    m.binding.nonce = nonce;
    if (cert) {
        ByteView h = cert->get(p);
        std::memcpy(m.binding.cert_hash.data(), h.data(), h.size());  // SHA-1: 12 zero bytes follow
    }
    Bytes pkt = encode(Message(m));
    Bytes mac = compound_mac(pkt, hlak, p);
    std::memcpy(pkt.data() + kCompoundMacOffset, mac.data(), mac.size());
    return pkt;
}

Result<BindingVerified, BindingError> verify_call_connected(
    ByteView packet, const CallConnected& msg, uint8_t offered_bitmask,
    const std::array<uint8_t, kNonceLen>& nonce, const CertHashes* cert,
    const std::vector<Hlak>& hlak_candidates) {
    const CryptoBinding& b = msg.binding;
    if (packet.size() != kCallConnectedLen)
        return fail(BindingError{AttributeId::StatusInfo, Status::AttribNotSupportedInMsg,
                                 "CALL_CONNECTED is not 112 bytes"});
    if ((b.hash_protocol != kCertHashProtocolSha1 && b.hash_protocol != kCertHashProtocolSha256) ||
        !(b.hash_protocol & offered_bitmask))
        return fail(BindingError{AttributeId::CryptoBinding, Status::ValueNotSupported,
                                 "hash protocol not offered"});
    HashProtocol p = HashProtocol(b.hash_protocol);
    if (!crypto::ct_equal(b.nonce, nonce))
        return fail(BindingError{AttributeId::CryptoBinding, Status::ValueNotSupported,
                                 "nonce mismatch"});
    if (cert) {
        // The unused tail of the field (SHA-1: 12 bytes) is padding and not compared.
        if (!crypto::ct_equal(ByteView(b.cert_hash).first(digest_len(p)), cert->get(p)))
            return fail(BindingError{AttributeId::CryptoBinding, Status::ValueNotSupported,
                                     "certificate hash mismatch"});
    }
    ByteView received_mac = ByteView(b.compound_mac).first(digest_len(p));
    for (size_t i = 0; i < hlak_candidates.size(); ++i) {
        Bytes mac = compound_mac(packet, hlak_candidates[i], p);
        if (crypto::ct_equal(mac, received_mac)) return BindingVerified{p, i};
    }
    return fail(BindingError{AttributeId::CryptoBinding, Status::ValueNotSupported,
                             "compound MAC mismatch"});
}

}  // namespace ksstp::sstp
