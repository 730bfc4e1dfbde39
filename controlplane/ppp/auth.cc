// Authentication method identities; see auth.h.
#include "controlplane/ppp/auth.h"

#include "controlplane/ppp/wire.h"

namespace ksstp::ppp {

const char* to_string(AuthMethod m) {
    switch (m) {
        case AuthMethod::None: return "none";
        case AuthMethod::Pap: return "pap";
        case AuthMethod::Chap: return "chap";
        case AuthMethod::MsChapV1: return "mschap1";
        case AuthMethod::MsChapV2: return "mschap2";
    }
    return "?";
}

std::optional<AuthMethod> auth_method_from_name(std::string_view n) {
    if (n == "pap") return AuthMethod::Pap;
    if (n == "chap") return AuthMethod::Chap;
    if (n == "mschap1") return AuthMethod::MsChapV1;
    if (n == "mschap2") return AuthMethod::MsChapV2;
    return std::nullopt;
}

uint16_t auth_protocol(AuthMethod m) {
    return m == AuthMethod::Pap ? uint16_t(Protocol::Pap) : uint16_t(Protocol::Chap);
}

Bytes auth_option_value(AuthMethod m) {
    Bytes v;
    ByteWriter w(v);
    w.u16(auth_protocol(m));
    if (m == AuthMethod::Chap) w.u8(uint8_t(ChapAlgorithm::Md5));
    if (m == AuthMethod::MsChapV1) w.u8(uint8_t(ChapAlgorithm::MsChapV1));
    if (m == AuthMethod::MsChapV2) w.u8(uint8_t(ChapAlgorithm::MsChapV2));
    return v;
}

std::optional<AuthMethod> auth_method_from_option(ByteView value) {
    ByteReader r(value);
    uint16_t proto = r.u16();
    if (!r.ok()) return std::nullopt;
    if (proto == uint16_t(Protocol::Pap) && r.empty()) return AuthMethod::Pap;
    if (proto != uint16_t(Protocol::Chap) || r.remaining() != 1) return std::nullopt;
    switch (ChapAlgorithm(r.u8())) {
        case ChapAlgorithm::Md5: return AuthMethod::Chap;
        case ChapAlgorithm::MsChapV1: return AuthMethod::MsChapV1;
        case ChapAlgorithm::MsChapV2: return AuthMethod::MsChapV2;
    }
    return std::nullopt;
}

}  // namespace ksstp::ppp
