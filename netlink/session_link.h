// SessionLink: the network interface of one SSTP session, shared by ksstpd and ksstpc: a TUN
// device named `name` (or `fallback` when that name is taken), MTU set, IPv6 address generation
// off, up; then the NCP results as point-to-point addresses. The interface disappears with the
// object (the TUN fd closes).
#pragma once

#include <cstdint>
#include <string>

#include "controlplane/base/result.h"
#include "netlink/nl_socket.h"
#include "netlink/tun_device.h"

namespace ksstp::nl {

class SessionLink {
public:
    // `group`: the interface group (nl::delete_group), 0 for none; `offloads`: asked of the TUN
    // (tun_device.h), offloads() says what was granted.
    static Result<SessionLink, std::string> create(const NlSock& sk, const std::string& name,
                                                   const std::string& fallback, unsigned mtu, uint32_t group = 0,
                                                   const TunOffloads& offloads = {});
    Result<void, std::string> add_ipv4(const NlSock& sk, uint32_t local, uint32_t peer);
    Result<void, std::string> add_ipv6(const NlSock& sk, uint64_t local_iid, uint64_t peer_iid);

    int fd() const { return tun_.fd(); }
    const std::string& name() const { return tun_.name(); }
    int ifindex() const { return tun_.ifindex(); }
    const TunOffloads& offloads() const { return tun_.offloads(); }

private:
    explicit SessionLink(TunDevice t) : tun_(std::move(t)) {}
    TunDevice tun_;
};

}  // namespace ksstp::nl
