// Session interface; see session_link.h.
#include "netlink/session_link.h"

#include "netlink/if_addr.h"
#include "netlink/if_link.h"

namespace ksstp::nl {

Result<SessionLink, std::string> SessionLink::create(const NlSock& sk, const std::string& name,
                                                     const std::string& fallback, unsigned mtu, uint32_t group,
                                                     const TunOffloads& offloads) {
    auto tun = TunDevice::create(name, true, offloads);
    if (!tun && !fallback.empty() && fallback != name) tun = TunDevice::create(fallback, true, offloads);
    if (!tun) return fail(tun.error());
    if (auto r = set_mtu_and_up(sk, tun->ifindex(), mtu, group); !r) return fail(tun->name() + ": " + r.error());
    return SessionLink(std::move(*tun));
}

Result<void, std::string> SessionLink::add_ipv4(const NlSock& sk, uint32_t local, uint32_t peer) {
    return add_ipv4_ptp(sk, tun_.ifindex(), local, peer);
}

Result<void, std::string> SessionLink::add_ipv6(const NlSock& sk, uint64_t local_iid, uint64_t peer_iid) {
    return add_ipv6_link_local(sk, tun_.ifindex(), local_iid, peer_iid);
}

}  // namespace ksstp::nl
