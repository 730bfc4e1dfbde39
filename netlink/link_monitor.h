// LinkMonitor: the daemons' view of what others do to their interfaces (SPEC 5, issue 6): a
// netlink socket subscribed to link and address notifications (RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
// RTNLGRP_IPV6_IFADDR), read without blocking from the event loop. `ip link set down`, `ip link
// del`, a rename or an address change of a session interface arrive here as LinkEvents.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "controlplane/base/result.h"
#include "netlink/nl_socket.h"

namespace ksstp::nl {

struct LinkEvent {
    // DefaultRoute: an IPv4 main-table default route was added, replaced or deleted (only with
    // routes = true); ifindex is its output interface.
    enum class Kind { Up, Down, Deleted, AddrAdded, AddrRemoved, DefaultRoute } kind;
    int ifindex = 0;
    std::string name;     // the link's name now (link events)
    std::string address;  // "198.19.0.1", "fe80::1" (address events)
};

class LinkMonitor {
public:
    static Result<LinkMonitor, std::string> open(bool routes = false);
    int fd() const;
    // Reads everything pending and calls `f` for each event. Returns false when the kernel had
    // to drop notifications (socket overflow under a storm): the owner should re-check its links.
    bool drain(const std::function<void(const LinkEvent&)>& f);

private:
    explicit LinkMonitor(nl_sock* s) : sk_(s) {}
    std::unique_ptr<nl_sock, NlSockFree> sk_;
};

}  // namespace ksstp::nl
