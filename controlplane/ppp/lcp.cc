// LCP option policy; see lcp.h.
#include "controlplane/ppp/lcp.h"

#include <algorithm>

#include "controlplane/ppp/wire.h"

namespace ksstp::ppp {
namespace {
Bytes u16_bytes(uint16_t v) { return {uint8_t(v >> 8), uint8_t(v)}; }
Bytes u32_bytes(uint32_t v) { return {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)}; }
uint16_t get_u16(ByteView v) { return uint16_t(v[0] << 8 | v[1]); }
uint32_t get_u32(ByteView v) { return uint32_t(v[0]) << 24 | uint32_t(v[1]) << 16 | uint32_t(v[2]) << 8 | v[3]; }
}  // namespace

uint16_t LcpResult::mtu(uint16_t max_mtu) const {
    return std::min({peer_mru, max_mtu, kMaxMruOverSstp});
}

Lcp::Lcp(LcpConfig cfg, Rng& rng, LayerHooks hooks)
    : HookedOptionHandler(std::move(hooks)), cfg_(std::move(cfg)), rng_(rng) {
    want_mru_ = std::min(cfg_.max_mru, kMaxMruOverSstp);
    want_magic_ = new_magic();
    want_auth_ = cfg_.authenticator && !cfg_.methods.empty();
    want_mrru_ = want_endpoint_ = cfg_.mrru.has_value();
}

uint32_t Lcp::new_magic() {
    uint32_t m;
    do m = rng_.u32();
    while (m == 0);  // RFC 1661 6.4: zero is not a magic number
    return m;
}

void Lcp::build_request(Bytes& o) {
    if (want_mru_) encode_option(uint8_t(LcpOption::Mru), u16_bytes(*want_mru_), o);
    if (want_auth_) encode_option(uint8_t(LcpOption::AuthProtocol), auth_option_value(cfg_.methods[auth_index_]), o);
    if (want_magic_) encode_option(uint8_t(LcpOption::MagicNumber), u32_bytes(*want_magic_), o);
    if (want_mrru_) encode_option(uint8_t(LcpOption::Mrru), u16_bytes(*cfg_.mrru), o);
    // RFC 1990 5.1.3: class 0 (Null): a single link needs no real discriminator.
    if (want_endpoint_) encode_option(uint8_t(LcpOption::EndpointDiscriminator), Bytes{0}, o);
}

void Lcp::begin_peer_request() {
    pending_ = res_;
    pending_.peer_mru = kDefaultMru;
    pending_.peer_magic = 0;
    pending_.peer_mrru.reset();
    if (!cfg_.authenticator) pending_.auth = AuthMethod::None;
}

OptionVerdict Lcp::check_option(const Option& o) {
    switch (LcpOption(o.type)) {
        case LcpOption::Mru: {
            if (o.value.size() != 2) return OptionVerdict::reject();
            uint16_t v = get_u16(o.value);
            if (v < kMinMru) return OptionVerdict::nak(u16_bytes(kMinMru));
            pending_.peer_mru = v;
            return OptionVerdict::ack();
        }
        case LcpOption::AuthProtocol: {
            // We never authenticate ourselves to a client; as a client we pick from our list.
            if (cfg_.authenticator || cfg_.methods.empty()) return OptionVerdict::reject();
            auto m = auth_method_from_option(o.value);
            if (m && std::find(cfg_.methods.begin(), cfg_.methods.end(), *m) != cfg_.methods.end()) {
                pending_.auth = *m;
                return OptionVerdict::ack();
            }
            // Nak with our most preferred allowed method (reference/ppp.md 5).
            static const AuthMethod pref[] = {AuthMethod::MsChapV2, AuthMethod::MsChapV1, AuthMethod::Chap,
                                              AuthMethod::Pap};
            for (AuthMethod p : pref)
                if (std::find(cfg_.methods.begin(), cfg_.methods.end(), p) != cfg_.methods.end())
                    return OptionVerdict::nak(auth_option_value(p));
            return OptionVerdict::reject();
        }
        case LcpOption::MagicNumber: {
            if (o.value.size() != 4) return OptionVerdict::reject();
            uint32_t v = get_u32(o.value);
            if (v == 0) return OptionVerdict::nak(u32_bytes(new_magic()));
            if (want_magic_ && v == *want_magic_) {
                // RFC 1661 6.4: maybe a looped-back link. Change ours, suggest another to the peer.
                want_magic_ = new_magic();
                return OptionVerdict::nak(u32_bytes(new_magic()));
            }
            pending_.peer_magic = v;
            return OptionVerdict::ack();
        }
        case LcpOption::Mrru:
            if (!cfg_.mrru || o.value.size() != 2) return OptionVerdict::reject();
            pending_.peer_mrru = get_u16(o.value);
            return OptionVerdict::ack();
        case LcpOption::EndpointDiscriminator:
            if (!cfg_.mrru || o.value.empty()) return OptionVerdict::reject();
            return OptionVerdict::ack();
        default:
            // ACCM, PFC, ACFC, Callback, Quality, Short-Sequence-Number, vendor options, unknown.
            return OptionVerdict::reject();
    }
}

void Lcp::peer_request_acked() {
    res_.peer_mru = pending_.peer_mru;
    res_.peer_magic = pending_.peer_magic;
    res_.peer_mrru = pending_.peer_mrru;
    if (!cfg_.authenticator) res_.auth = pending_.auth;
}

void Lcp::request_acked() {
    res_.our_mru = want_mru_.value_or(kDefaultMru);
    res_.our_magic = want_magic_.value_or(0);
    res_.our_mrru_acked = want_mrru_;
    if (cfg_.authenticator) res_.auth = want_auth_ ? cfg_.methods[auth_index_] : AuthMethod::None;
}

bool Lcp::request_naked(const std::vector<Option>& opts) {
    for (const Option& o : opts) {
        switch (LcpOption(o.type)) {
            case LcpOption::Mru:
                if (o.value.size() == 2) {
                    uint16_t v = get_u16(o.value);
                    // Take a suggestion we can live with; otherwise fall back to the default.
                    if (v >= kMinMru && v <= std::min(cfg_.max_mru, kMaxMruOverSstp)) want_mru_ = v;
                    else want_mru_.reset();
                }
                break;
            case LcpOption::MagicNumber:
                want_magic_ = o.value.size() == 4 && get_u32(o.value) != 0 ? get_u32(o.value) : new_magic();
                break;
            case LcpOption::AuthProtocol: {
                if (!want_auth_) break;
                // Switch to the suggested method if we allow it, else to our next one.
                auto m = auth_method_from_option(o.value);
                auto it = m ? std::find(cfg_.methods.begin(), cfg_.methods.end(), *m) : cfg_.methods.end();
                if (it != cfg_.methods.end() && size_t(it - cfg_.methods.begin()) != auth_index_) {
                    auth_index_ = size_t(it - cfg_.methods.begin());
                } else if (++auth_index_ >= cfg_.methods.size()) {
                    return false;  // no common authentication method
                }
                break;
            }
            case LcpOption::Mrru:
                if (o.value.size() == 2 && cfg_.mrru && get_u16(o.value) < *cfg_.mrru)
                    cfg_.mrru = get_u16(o.value);
                break;
            default: break;  // hints for options we do not want: ignore
        }
    }
    return true;
}

bool Lcp::request_rejected(const std::vector<Option>& opts) {
    for (const Option& o : opts) {
        switch (LcpOption(o.type)) {
            case LcpOption::Mru: want_mru_.reset(); break;
            case LcpOption::MagicNumber: want_magic_.reset(); break;  // SoftEther, OSC reject it
            case LcpOption::AuthProtocol: return false;  // an authenticator insists on auth
            case LcpOption::Mrru:
            case LcpOption::EndpointDiscriminator: want_mrru_ = want_endpoint_ = false; break;
            default: break;
        }
    }
    return true;
}

bool Lcp::handle_code(const CpPacket& p, Instant now) {
    // RFC 1661 5.7-5.9 and RFC 1570: these only matter in Opened; otherwise discard.
    const bool opened = fsm_ && fsm_->opened();
    switch (Code(p.code)) {
        case Code::ProtocolReject: {
            if (!opened || p.data.size() < 2) return true;
            if (on_protocol_reject) on_protocol_reject(get_u16(p.data), now);
            return true;
        }
        case Code::EchoRequest: {
            if (!opened || p.data.size() < 4) return true;
            uint32_t magic = get_u32(p.data);
            if (res_.our_magic != 0 && magic == res_.our_magic) return true;  // looped link
            Bytes reply = u32_bytes(res_.our_magic);
            reply.insert(reply.end(), p.data.begin() + 4, p.data.end());
            fsm_->send_packet(uint8_t(Code::EchoReply), p.id, reply);
            return true;
        }
        case Code::EchoReply:
            if (opened) ++echo_replies_;
            return true;
        case Code::DiscardRequest:
        case Code::Identification:   // Windows sends it; never Code-Reject it (interop A8)
        case Code::TimeRemaining:
            return true;
        default:
            return false;
    }
}

}  // namespace ksstp::ppp
