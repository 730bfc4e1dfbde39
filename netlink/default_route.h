// DefaultRoute: ksstpc's `add-default-route` (SPEC 5; MikroTik sstp-client add-default-route).
// Installing it (1) pins a host route to the address we are connected to (the server, or the
// HTTP proxy) through the route the kernel uses for it now (old gateway and interface), so the
// tunnel's own packets do not loop into the tunnel, and (2) points the IPv4 default route at the
// tunnel interface, replacing the main table's preferred default route, which is remembered.
// restore() (also run by the destructor) deletes both and puts the remembered default route back.
//
// IPv4 only, like MikroTik's option. A SIGKILLed client cannot restore: the kernel drops the
// tunnel route with the interface, and the old default route must be re-added by hand.
#pragma once

#include <netinet/in.h>

#include <memory>
#include <string>

#include "controlplane/base/result.h"
#include "netlink/nl_socket.h"

struct rtnl_route;

namespace ksstp::nl {

struct RouteFree {
    void operator()(rtnl_route* r) const;
};
using RoutePtr = std::unique_ptr<rtnl_route, RouteFree>;

// One route as iproute2 prints it ("default via 198.18.0.1 dev eth0 metric 100").
std::string describe_route(rtnl_route* r);

// The route the kernel would use to reach `dst` (RTM_GETROUTE, like `ip route get`).
Result<RoutePtr, std::string> lookup_route(const NlSock& sk, const in_addr& dst);

class DefaultRoute {
public:
    static Result<DefaultRoute, std::string> install(const NlSock& sk, int tunnel_ifindex, const in_addr& server);
    DefaultRoute(DefaultRoute&&) noexcept;
    DefaultRoute& operator=(DefaultRoute&&) = delete;
    ~DefaultRoute();
    // Puts the previous routing back; the text says what was done or what failed.
    std::string restore();
    // The main table's default routes changed (someone, e.g. DHCP, replaced ours with a new
    // gateway): adopt the new underlying default as the one to restore, move the host route to
    // the server onto it and point the default at the tunnel again. "" when nothing needed doing.
    std::string follow();
    const std::string& description() const { return description_; }

private:
    DefaultRoute(const NlSock& sk) : sk_(&sk) {}
    const NlSock* sk_;
    int tunnel_ifindex_ = 0;
    in_addr server_{};
    RoutePtr host_;      // the pinned host route we added (null when one existed already)
    RoutePtr tunnel_;    // our default route
    RoutePtr previous_;  // the default route we replaced, if any
    std::string description_;
    bool restored_ = false;
};

}  // namespace ksstp::nl
