// IPCP option policy (RFC 1332, RFC 1877; reference/ppp.md 9) for both roles.
//
// Server: requests IP-Address = its tunnel address; Acks the client's IP-Address only if it is
// the assigned one (else Naks with it, and hints it when the client sent none); Acks or Naks
// primary/secondary DNS with the configured servers and Rejects them when none are configured;
// Rejects NBNS, VJ compression and the deprecated IP-Addresses option.
// Client: requests IP-Address 0.0.0.0 (or a wanted address) and DNS, adopts the server's Naks,
// drops Rejected DNS options, Acks the server's non-zero address.
#pragma once

#include <cstdint>
#include <optional>

#include "controlplane/ppp/layer_hooks.h"
#include "controlplane/ppp/option_fsm.h"

namespace ksstp::ppp {

using Ipv4 = uint32_t;  // host byte order
std::string ipv4_to_string(Ipv4 a);

struct IpcpServerConfig {
    Ipv4 local = 0;   // our tunnel address
    Ipv4 remote = 0;  // assigned to the client
    std::optional<Ipv4> dns1, dns2;
};

struct IpcpResult {
    Ipv4 local = 0;
    Ipv4 remote = 0;
    std::optional<Ipv4> dns1, dns2;
};

class Ipcp final : public HookedOptionHandler {
public:
    // Server role.
    Ipcp(IpcpServerConfig cfg, LayerHooks hooks);
    // Client role: `wanted` 0 asks the server to assign.
    Ipcp(Ipv4 wanted, bool want_dns, LayerHooks hooks);
    const IpcpResult& result() const { return res_; }

    void build_request(Bytes& options) override;
    void begin_peer_request() override;
    OptionVerdict check_option(const Option& o) override;
    void nak_hints(Bytes& hints) override;
    void peer_request_acked() override;
    void request_acked() override;
    bool request_naked(const std::vector<Option>& opts) override;
    bool request_rejected(const std::vector<Option>& opts) override;

private:
    bool server_;
    IpcpServerConfig srv_;
    // Our request.
    Ipv4 want_addr_ = 0;
    bool send_addr_ = true;
    std::optional<Ipv4> want_dns1_, want_dns2_;
    // Peer's request being checked.
    bool saw_addr_ = false;
    Ipv4 pending_peer_addr_ = 0;
    IpcpResult res_;
};

}  // namespace ksstp::ppp
