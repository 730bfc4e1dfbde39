// IPv6CP (RFC 5072): Interface-Identifier negotiation; each side then forms fe80::/64 + IID.
#pragma once

#include <cstdint>

#include "controlplane/base/clock.h"
#include "controlplane/ppp/layer_hooks.h"
#include "controlplane/ppp/option_fsm.h"

namespace ksstp::ppp {

struct Ipv6cpResult {
    uint64_t local_iid = 0;
    uint64_t remote_iid = 0;
};

class Ipv6cp final : public HookedOptionHandler {
public:
    Ipv6cp(Rng& rng, LayerHooks hooks);
    const Ipv6cpResult& result() const { return res_; }

    void build_request(Bytes& options) override;
    void begin_peer_request() override { pending_ = 0; }
    OptionVerdict check_option(const Option& o) override;
    void peer_request_acked() override;
    void request_acked() override { res_.local_iid = send_iid_ ? want_ : 0; }
    bool request_naked(const std::vector<Option>& opts) override;
    bool request_rejected(const std::vector<Option>& opts) override;

private:
    uint64_t fresh_iid();
    Rng& rng_;
    uint64_t want_ = 0;
    bool send_iid_ = true;
    uint64_t pending_ = 0;
    uint64_t last_peer_ = 0;
    Ipv6cpResult res_;
};

std::string link_local_string(uint64_t iid);  // "fe80::xxxx:xxxx:xxxx:xxxx"

}  // namespace ksstp::ppp
