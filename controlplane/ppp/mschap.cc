// MS-CHAP v1/v2 and MPPE master keys; see mschap.h.
#include "controlplane/ppp/mschap.h"

#include <cstring>

#include "controlplane/crypto/digest.h"

namespace ksstp::ppp::mschap {
namespace {

// RFC 3079 3.4 / 3.5 constants (reference/ppp.md 8).
constexpr std::string_view kMagic1 = "This is the MPPE Master Key";
constexpr std::string_view kMagic2 =
    "On the client side, this is the send key; on the server side, it is the receive key.";
constexpr std::string_view kMagic3 =
    "On the client side, this is the receive key; on the server side, it is the send key.";
// RFC 2759 8.7 constants.
constexpr std::string_view kServerMagic1 = "Magic server to client signing constant";
constexpr std::string_view kServerMagic2 = "Pad to make it do more than one iteration";

template <size_t N>
std::array<uint8_t, N> first(ByteView b) {
    std::array<uint8_t, N> a{};
    std::memcpy(a.data(), b.data(), N);
    return a;
}

void put_utf16(Bytes& out, uint32_t cp) {
    if (cp >= 0x10000) {
        cp -= 0x10000;
        uint16_t hi = uint16_t(0xD800 | (cp >> 10)), lo = uint16_t(0xDC00 | (cp & 0x3FF));
        out.push_back(uint8_t(hi)); out.push_back(uint8_t(hi >> 8));
        out.push_back(uint8_t(lo)); out.push_back(uint8_t(lo >> 8));
    } else {
        out.push_back(uint8_t(cp)); out.push_back(uint8_t(cp >> 8));
    }
}

}  // namespace

Bytes utf16le(std::string_view s) {
    Bytes out;
    out.reserve(s.size() * 2);
    for (size_t i = 0; i < s.size();) {
        uint8_t c = uint8_t(s[i]);
        size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        uint32_t cp = 0;
        bool valid = n > 0 && i + n <= s.size();
        if (valid) {
            cp = n == 1 ? c : c & (0x7F >> n);
            for (size_t k = 1; k < n; ++k) {
                uint8_t cc = uint8_t(s[i + k]);
                if ((cc & 0xC0) != 0x80) valid = false;
                cp = cp << 6 | (cc & 0x3F);
            }
            if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) valid = false;
        }
        if (!valid) {
            put_utf16(out, c);  // Latin-1 fallback for a stray byte
            ++i;
            continue;
        }
        put_utf16(out, cp);
        i += n;
    }
    return out;
}

Hash16 nt_password_hash(std::string_view password) {
    Bytes u = utf16le(password);
    Hash16 h = crypto::md4(u);
    crypto::wipe(u);
    return h;
}

Hash16 hash_nt_password_hash(const Hash16& h) { return crypto::md4(h); }

Response24 challenge_response(const Challenge8& challenge, const Hash16& password_hash) {
    uint8_t z[21] = {};
    std::memcpy(z, password_hash.data(), 16);
    Response24 r{};
    for (int i = 0; i < 3; ++i) {
        auto key = crypto::des_expand_key(ByteView(z + 7 * i, 7));
        auto block = crypto::des_encrypt_block(key, challenge);
        std::memcpy(r.data() + 8 * i, block.data(), 8);
        crypto::wipe(key);
    }
    crypto::wipe(z, sizeof z);
    return r;
}

std::string_view strip_domain(std::string_view user) {
    size_t bs = user.rfind('\\');
    return bs == std::string_view::npos ? user : user.substr(bs + 1);
}

Challenge8 challenge_hash(const Challenge16& peer, const Challenge16& authenticator,
                          std::string_view user) {
    auto d = crypto::sha1({peer, authenticator, as_bytes(strip_domain(user))});
    return first<8>(d);
}

Response24 generate_nt_response(const Challenge16& authenticator, const Challenge16& peer,
                                std::string_view user, std::string_view password) {
    Hash16 ph = nt_password_hash(password);
    Response24 r = challenge_response(challenge_hash(peer, authenticator, user), ph);
    crypto::wipe(ph);
    return r;
}

std::string generate_authenticator_response(std::string_view password, const Response24& nt_response,
                                            const Challenge16& peer, const Challenge16& authenticator,
                                            std::string_view user) {
    Hash16 ph = nt_password_hash(password);
    Hash16 phh = hash_nt_password_hash(ph);
    auto d1 = crypto::sha1({phh, nt_response, as_bytes(kServerMagic1)});
    Challenge8 ch = challenge_hash(peer, authenticator, user);
    auto d2 = crypto::sha1({d1, ch, as_bytes(kServerMagic2)});
    crypto::wipe(ph);
    crypto::wipe(phh);
    return "S=" + to_hex(d2, true);
}

Response24 nt_challenge_response(const Challenge8& challenge, std::string_view password) {
    Hash16 ph = nt_password_hash(password);
    Response24 r = challenge_response(challenge, ph);
    crypto::wipe(ph);
    return r;
}

Hash16 master_key(const Hash16& phh, const Response24& nt_response) {
    return first<16>(crypto::sha1({phh, nt_response, as_bytes(kMagic1)}));
}

Hash16 asymmetric_start_key(const Hash16& master, bool is_send, bool is_server) {
    static const uint8_t pad1[40] = {};
    uint8_t pad2[40];
    std::memset(pad2, 0xF2, sizeof pad2);
    std::string_view s = is_send ? (is_server ? kMagic3 : kMagic2) : (is_server ? kMagic2 : kMagic3);
    return first<16>(crypto::sha1({master, pad1, as_bytes(s), pad2}));
}

MppeKeys mschapv2_keys(std::string_view password, const Response24& nt_response, bool is_server) {
    Hash16 ph = nt_password_hash(password);
    Hash16 phh = hash_nt_password_hash(ph);
    Hash16 mk = master_key(phh, nt_response);
    MppeKeys k{asymmetric_start_key(mk, true, is_server), asymmetric_start_key(mk, false, is_server)};
    crypto::wipe(ph);
    crypto::wipe(phh);
    crypto::wipe(mk);
    return k;
}

Hash16 mschapv1_start_key(std::string_view password, const Challenge8& challenge) {
    Hash16 ph = nt_password_hash(password);
    Hash16 phh = hash_nt_password_hash(ph);
    Hash16 k = first<16>(crypto::sha1({phh, phh, challenge}));
    crypto::wipe(ph);
    crypto::wipe(phh);
    return k;
}

}  // namespace ksstp::ppp::mschap
