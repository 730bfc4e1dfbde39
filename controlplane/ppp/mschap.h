// MS-CHAP v1 (RFC 2433) and v2 (RFC 2759 section 8) algorithms, and the RFC 3079 MPPE master
// keys that SSTP crypto binding uses as its HLAK. Pure functions over crypto primitives.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "controlplane/base/bytes.h"
#include "controlplane/ppp/auth.h"

namespace ksstp::ppp::mschap {

using Hash16 = std::array<uint8_t, 16>;
using Challenge8 = std::array<uint8_t, 8>;
using Challenge16 = std::array<uint8_t, 16>;
using Response24 = std::array<uint8_t, 24>;

// UTF-8 password -> UTF-16LE without terminator (RFC 2759 8.3 "Unicode"). Bytes that are not
// valid UTF-8 are taken as Latin-1 so that any configured secret still hashes deterministically.
Bytes utf16le(std::string_view utf8);

Hash16 nt_password_hash(std::string_view password);        // MD4(UTF-16LE(password))
Hash16 hash_nt_password_hash(const Hash16& password_hash);  // MD4(PasswordHash)
// RFC 2759 8.5 / RFC 2433 A.5: DES of the challenge under three 7-byte slices of the hash.
Response24 challenge_response(const Challenge8& challenge, const Hash16& password_hash);
// RFC 2759 8.2; user name without any "DOMAIN\" prefix.
Challenge8 challenge_hash(const Challenge16& peer, const Challenge16& authenticator,
                          std::string_view user);
Response24 generate_nt_response(const Challenge16& authenticator, const Challenge16& peer,
                                std::string_view user, std::string_view password);
// RFC 2759 8.7: "S=" followed by 40 upper-case hex digits.
std::string generate_authenticator_response(std::string_view password, const Response24& nt_response,
                                            const Challenge16& peer, const Challenge16& authenticator,
                                            std::string_view user);
// RFC 2433 A.2 NtChallengeResponse.
Response24 nt_challenge_response(const Challenge8& challenge, std::string_view password);

// RFC 2759 / Windows: the account part of "DOMAIN\user".
std::string_view strip_domain(std::string_view user);

// RFC 3079 3.4 GetMasterKey and 3.5 GetAsymmetricStartKey (16-byte keys).
Hash16 master_key(const Hash16& password_hash_hash, const Response24& nt_response);
Hash16 asymmetric_start_key(const Hash16& master, bool is_send, bool is_server);
// MS-CHAPv2 master send/receive keys from this side's point of view.
MppeKeys mschapv2_keys(std::string_view password, const Response24& nt_response, bool is_server);
// RFC 3079 2.4 MS-CHAPv1 start key: SHA1(PHH || PHH || Challenge)[0:16] (same both sides).
Hash16 mschapv1_start_key(std::string_view password, const Challenge8& challenge);

}  // namespace ksstp::ppp::mschap
