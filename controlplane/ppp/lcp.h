// LCP option policy (RFC 1661 6, RFC 1990 5.1; reference/ppp.md 4) and LCP-only codes 8-13.
//
// We propose MRU (max-mru), Magic-Number, Auth-Protocol (authenticator only, strongest first:
// the order of `methods`), and MRRU + Endpoint-Discriminator when mrru is configured. Of the
// peer's options we accept MRU, Magic-Number, Auth-Protocol (peer role, if allowed; else Nak with
// our preferred method), MRRU/Endpoint-Discriminator (only with mrru); everything else,
// including ACCM, PFC, ACFC and Callback, is Configure-Rejected: over SSTP they save nothing and
// SoftEther and OSC need FF 03 and 2-byte protocols anyway.
#pragma once

#include <optional>
#include <vector>

#include "controlplane/base/clock.h"
#include "controlplane/ppp/auth.h"
#include "controlplane/ppp/layer_hooks.h"
#include "controlplane/ppp/option_fsm.h"

namespace ksstp::ppp {

inline constexpr uint16_t kMinMru = 128;  // Nak below this (accel's floor is 100)

struct LcpConfig {
    bool authenticator = false;
    std::vector<AuthMethod> methods;  // authenticator: proposal order; peer: acceptable set
    uint16_t max_mru = kDefaultMru;
    uint16_t max_mtu = kDefaultMru;
    std::optional<uint16_t> mrru;
};

struct LcpResult {
    uint16_t peer_mru = kDefaultMru;  // what we may send
    uint16_t our_mru = kDefaultMru;   // what the peer may send us
    AuthMethod auth = AuthMethod::None;
    uint32_t our_magic = 0;           // 0 = not negotiated
    uint32_t peer_magic = 0;
    std::optional<uint16_t> peer_mrru;
    bool our_mrru_acked = false;
    // RFC 1990: multilink only when both directions acknowledged an MRRU.
    bool multilink() const { return peer_mrru.has_value() && our_mrru_acked; }
    // Interface MTU: the peer's MRU capped by max-mtu and the SSTP limit.
    uint16_t mtu(uint16_t max_mtu) const;
};

class Lcp final : public HookedOptionHandler {
public:
    Lcp(LcpConfig cfg, Rng& rng, LayerHooks hooks);
    void attach(OptionFsm* fsm) { fsm_ = fsm; }
    const LcpResult& result() const { return res_; }
    // Peer's Protocol-Reject for `protocol` arrives here (set by PppSession).
    std::function<void(uint16_t protocol, Instant now)> on_protocol_reject;
    size_t echo_replies_received() const { return echo_replies_; }

    void build_request(Bytes& options) override;
    void begin_peer_request() override;
    OptionVerdict check_option(const Option& o) override;
    void peer_request_acked() override;
    void request_acked() override;
    bool request_naked(const std::vector<Option>& opts) override;
    bool request_rejected(const std::vector<Option>& opts) override;
    bool handle_code(const CpPacket& p, Instant now) override;

private:
    uint32_t new_magic();
    LcpConfig cfg_;
    Rng& rng_;
    OptionFsm* fsm_ = nullptr;
    // What we ask for.
    std::optional<uint16_t> want_mru_;
    std::optional<uint32_t> want_magic_;
    size_t auth_index_ = 0;  // authenticator: current method in cfg_.methods
    bool want_auth_ = false;
    bool want_mrru_ = false;
    bool want_endpoint_ = false;
    // The peer's request being checked, committed on Ack.
    LcpResult pending_;
    LcpResult res_;
    size_t echo_replies_ = 0;
};

}  // namespace ksstp::ppp
