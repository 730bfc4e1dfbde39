// HLAK selection; see hlak.h.
#include "controlplane/session/hlak.h"

#include <cstring>

namespace ksstp::session {
namespace {
sstp::Hlak concat(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& b) {
    sstp::Hlak h{};
    std::memcpy(h.data(), a.data(), 16);
    std::memcpy(h.data() + 16, b.data(), 16);
    return h;
}
}  // namespace

sstp::Hlak client_hlak(const ppp::AuthOutcome& o, bool mschapv1_start_key) {
    if (!o.keys) return {};
    if (o.method == ppp::AuthMethod::MsChapV2) return concat(o.keys->send, o.keys->recv);
    if (o.method == ppp::AuthMethod::MsChapV1 && mschapv1_start_key) return concat(o.keys->send, o.keys->send);
    return {};
}

std::vector<sstp::Hlak> server_hlak_candidates(const ppp::AuthOutcome& o) {
    if (o.keys && o.method == ppp::AuthMethod::MsChapV2) return {concat(o.keys->recv, o.keys->send)};
    if (o.keys && o.method == ppp::AuthMethod::MsChapV1) return {sstp::Hlak{}, concat(o.keys->send, o.keys->send)};
    return {sstp::Hlak{}};
}

const char* describe_hlak_candidate(ppp::AuthMethod m, size_t index) {
    switch (m) {
        case ppp::AuthMethod::MsChapV2: return "MS-CHAPv2 master keys";
        case ppp::AuthMethod::MsChapV1: return index == 0 ? "zero HLAK" : "MS-CHAPv1 start key K1||K1";
        default: return "zero HLAK";
    }
}

}  // namespace ksstp::session
