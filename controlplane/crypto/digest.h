// Hash, HMAC and constant-time helpers used by MS-CHAP, MPPE key derivation and SSTP crypto
// binding. Thin wrappers over OpenSSL 3 EVP (crypto primitives only: no SSL objects here).
// MD4 is not in OpenSSL 3's default provider, so it has its own implementation (md4.h).
#pragma once

#include <array>
#include <cstdint>

#include "controlplane/base/bytes.h"

namespace ksstp::crypto {

using Sha1Digest = std::array<uint8_t, 20>;
using Sha256Digest = std::array<uint8_t, 32>;
using Md5Digest = std::array<uint8_t, 16>;
using Md4Digest = std::array<uint8_t, 16>;

Sha1Digest sha1(std::initializer_list<ByteView> parts);
Sha256Digest sha256(std::initializer_list<ByteView> parts);
Md5Digest md5(std::initializer_list<ByteView> parts);
Md4Digest md4(ByteView data);

Sha1Digest hmac_sha1(ByteView key, ByteView data);
Sha256Digest hmac_sha256(ByteView key, ByteView data);

// Constant-time equality; false when the sizes differ (the size is not secret).
bool ct_equal(ByteView a, ByteView b);

// Single-block DES-ECB encryption with an 8-byte key (parity bits ignored). Runs 3DES-EDE
// with K1 = K2 = K3, which equals single DES and is in OpenSSL 3's default provider.
std::array<uint8_t, 8> des_encrypt_block(const std::array<uint8_t, 8>& key,
                                         const std::array<uint8_t, 8>& block);

// RFC 2433 B.3 / RFC 2759 8.6: expands 7 key bytes to an 8-byte DES key with odd parity.
std::array<uint8_t, 8> des_expand_key(ByteView key7);

// Wipes secrets (OPENSSL_cleanse, not optimised away).
void wipe(void* p, size_t n);
template <class C>
void wipe(C& c) {
    wipe(c.data(), c.size() * sizeof(*c.data()));
}

}  // namespace ksstp::crypto
