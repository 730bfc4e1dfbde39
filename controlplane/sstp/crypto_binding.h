// SSTP crypto binding (MS-SSTP 3.2.5.2, 3.3.5.2.3, 4.7; reference/sstp.md section 8): proves
// that the PPP peer that authenticated is the TLS peer of this connection. The client builds
// CALL_CONNECTED from the nonce, the server certificate hash and a Compound MAC keyed from the
// PPP authentication's HLAK; the server verifies it. Pure: uses hash/HMAC primitives only.
#pragma once

#include <array>
#include <optional>
#include <vector>

#include "controlplane/base/bytes.h"
#include "controlplane/base/result.h"
#include "controlplane/sstp/codec.h"

namespace ksstp::sstp {

enum class HashProtocol : uint8_t { Sha1 = kCertHashProtocolSha1, Sha256 = kCertHashProtocolSha256 };

inline constexpr size_t kHlakLen = 32;
using Hlak = std::array<uint8_t, kHlakLen>;

// Hashes of the server's leaf certificate (DER), both algorithms (2.2.7).
struct CertHashes {
    std::array<uint8_t, 20> sha1{};
    std::array<uint8_t, 32> sha256{};
    static CertHashes of_der(ByteView der);
    ByteView get(HashProtocol p) const {
        return p == HashProtocol::Sha1 ? ByteView(sha1) : ByteView(sha256);
    }
};

size_t digest_len(HashProtocol p);

// 3.2.5.2.2 CMK = PRF+(HLAK, "SSTP inner method derived CMK", LEN) truncated to the hash length;
// one HMAC block suffices because the output is never longer than the hash.
Bytes derive_cmk(const Hlak& hlak, HashProtocol p);

// HMAC over the 112-byte CALL_CONNECTED with its Compound MAC field zeroed.
Bytes compound_mac(ByteView call_connected_112, const Hlak& hlak, HashProtocol p);

// Client: picks SHA-256 when offered, else SHA-1 (2.2.6, 3.2.5.3.2); nullopt if neither bit.
std::optional<HashProtocol> choose_hash(uint8_t bitmask);

// Client: the complete 112-byte CALL_CONNECTED packet. In certificate = "none" mode the caller
// passes no cert hash and the field stays zero (reference/sstp.md 8.8).
Bytes build_call_connected(const std::array<uint8_t, kNonceLen>& nonce, HashProtocol p,
                           const CertHashes* cert, const Hlak& hlak);

struct BindingError {
    AttributeId attrib_id;
    Status status;
    const char* reason;
};

struct BindingVerified {
    HashProtocol hash;
    size_t hlak_index;  // which candidate HLAK matched (MS-CHAPv1: zeros or K1||K1)
};

// Server (3.3.5.2.3, reference/sstp.md 8.6): checks in order hash protocol, nonce, cert hash
// (skipped when `cert` is null: certificate = "none"), then the MAC against each candidate HLAK
// in constant time. `packet` is the received 112-byte message exactly as on the wire.
Result<BindingVerified, BindingError> verify_call_connected(
    ByteView packet, const CallConnected& msg, uint8_t offered_bitmask,
    const std::array<uint8_t, kNonceLen>& nonce, const CertHashes* cert,
    const std::vector<Hlak>& hlak_candidates);

}  // namespace ksstp::sstp
