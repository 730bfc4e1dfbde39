// add-default-route; see default_route.h.
#include "netlink/default_route.h"

#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>

namespace ksstp::nl {

void RouteFree::operator()(rtnl_route* r) const { rtnl_route_put(r); }

namespace {
struct NlAddrFree {
    void operator()(nl_addr* a) const { nl_addr_put(a); }
};
using NlAddrPtr = std::unique_ptr<nl_addr, NlAddrFree>;
struct CacheFree {
    void operator()(nl_cache* c) const { nl_cache_free(c); }
};

std::string ifname(int ifindex) {
    char buf[IF_NAMESIZE] = "";
    return if_indextoname(unsigned(ifindex), buf) ? buf : "if" + std::to_string(ifindex);
}

rtnl_nexthop* first_hop(rtnl_route* r) { return rtnl_route_get_nnexthops(r) > 0 ? rtnl_route_nexthop_n(r, 0) : nullptr; }

// A main-table IPv4 unicast route to dst/len through ifindex, via gateway when there is one.
RoutePtr make_route(const void* dst, int len, int ifindex, nl_addr* gateway, uint32_t priority) {
    RoutePtr r(rtnl_route_alloc());
    NlAddrPtr d(nl_addr_build(AF_INET, dst, 4));
    nl_addr_set_prefixlen(d.get(), len);
    rtnl_route_set_family(r.get(), AF_INET);
    rtnl_route_set_dst(r.get(), d.get());
    rtnl_route_set_table(r.get(), RT_TABLE_MAIN);
    rtnl_route_set_protocol(r.get(), RTPROT_STATIC);
    rtnl_route_set_type(r.get(), RTN_UNICAST);
    rtnl_route_set_scope(r.get(), gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
    rtnl_route_set_priority(r.get(), priority);
    rtnl_nexthop* nh = rtnl_route_nh_alloc();
    rtnl_route_nh_set_ifindex(nh, ifindex);
    if (gateway) rtnl_route_nh_set_gateway(nh, gateway);
    rtnl_route_add_nexthop(r.get(), nh);  // the route owns it now
    return r;
}

int on_route(nl_msg* msg, void* arg) {
    rtnl_route* r = nullptr;
    if (rtnl_route_parse(nlmsg_hdr(msg), &r) >= 0) static_cast<RoutePtr*>(arg)->reset(r);
    return NL_OK;
}
}  // namespace

std::string describe_route(rtnl_route* r) {
    std::string s;
    nl_addr* dst = rtnl_route_get_dst(r);
    char buf[128];
    if (!dst || nl_addr_get_prefixlen(dst) == 0) s = "default";
    else s = nl_addr2str(dst, buf, sizeof buf);
    if (rtnl_nexthop* nh = first_hop(r)) {
        if (nl_addr* gw = rtnl_route_nh_get_gateway(nh)) s += std::string(" via ") + nl_addr2str(gw, buf, sizeof buf);
        s += " dev " + ifname(rtnl_route_nh_get_ifindex(nh));
    }
    if (rtnl_route_get_priority(r)) s += " metric " + std::to_string(rtnl_route_get_priority(r));
    return s;
}

Result<RoutePtr, std::string> lookup_route(const NlSock& sk, const in_addr& dst) {
    std::unique_ptr<nl_msg, void (*)(nl_msg*)> msg(nlmsg_alloc_simple(RTM_GETROUTE, 0), nlmsg_free);
    rtmsg rtm{};
    rtm.rtm_family = AF_INET;
    rtm.rtm_dst_len = 32;
    if (!msg || nlmsg_append(msg.get(), &rtm, sizeof rtm, NLMSG_ALIGNTO) < 0 || nla_put(msg.get(), RTA_DST, 4, &dst) < 0)
        return fail(std::string("route lookup: cannot build message"));
    // The answer is one RTM_NEWROUTE, then the ACK (libnl asks for one and counts sequence
    // numbers by it); a failure is one NLMSG_ERROR instead.
    if (int err = nl_send_auto(sk.get(), msg.get()); err < 0) return fail(nl_error("route lookup", err));
    RoutePtr out;
    nl_cb* base = nl_socket_get_cb(sk.get());  // a reference of its own
    nl_cb* cb = nl_cb_clone(base);
    nl_cb_put(base);
    nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_route, &out);
    int err = nl_recvmsgs(sk.get(), cb);
    nl_cb_put(cb);
    if (err >= 0) err = nl_wait_for_ack(sk.get());
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &dst, buf, sizeof buf);
    if (err < 0) return fail(nl_error((std::string("route to ") + buf).c_str(), err));
    if (!out || !first_hop(out.get())) return fail(std::string("no route to ") + buf);
    return out;
}

Result<DefaultRoute, std::string> DefaultRoute::install(const NlSock& sk, int tunnel_ifindex, const in_addr& server) {
    DefaultRoute d(sk);
    d.tunnel_ifindex_ = tunnel_ifindex;
    d.server_ = server;
    char sbuf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &server, sbuf, sizeof sbuf);
    auto via = lookup_route(sk, server);
    if (!via) return fail(via.error());
    rtnl_nexthop* nh = first_hop(via->get());
    if (rtnl_route_nh_get_ifindex(nh) == tunnel_ifindex)
        return fail(std::string("the server ") + sbuf + " is reached through the tunnel itself");
    // 1. Host route to the server through the way we reach it now.
    RoutePtr host = make_route(&server, 32, rtnl_route_nh_get_ifindex(nh), rtnl_route_nh_get_gateway(nh), 0);
    int err = rtnl_route_add(sk.get(), host.get(), NLM_F_EXCL);
    if (err < 0 && err != -NLE_EXIST) return fail(nl_error("add host route to the server", err));
    d.description_ = "host route " + describe_route(host.get()) + (err == -NLE_EXIST ? " (present already, kept)" : "");
    if (err == 0) d.host_ = std::move(host);
    // 2. The preferred default route of the main table, remembered, then replaced by ours.
    nl_cache* raw = nullptr;
    if (int e = rtnl_route_alloc_cache(sk.get(), AF_INET, 0, &raw); e < 0) {
        d.restore();
        return fail(nl_error("list routes", e));
    }
    std::unique_ptr<nl_cache, CacheFree> cache(raw);
    for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
        auto* r = reinterpret_cast<rtnl_route*>(o);
        nl_addr* dst = rtnl_route_get_dst(r);
        if (rtnl_route_get_table(r) != RT_TABLE_MAIN || rtnl_route_get_type(r) != RTN_UNICAST ||
            (dst && nl_addr_get_prefixlen(dst) != 0))
            continue;
        if (!d.previous_ || rtnl_route_get_priority(r) < rtnl_route_get_priority(d.previous_.get()))
            d.previous_.reset(reinterpret_cast<rtnl_route*>(nl_object_clone(o)));
    }
    const uint32_t any = 0;
    d.tunnel_ = make_route(&any, 0, tunnel_ifindex, nullptr, d.previous_ ? rtnl_route_get_priority(d.previous_.get()) : 0);
    // NLM_F_REPLACE swaps the route with the same destination and metric in place: there is no
    // moment without a default route.
    if (int e = rtnl_route_add(sk.get(), d.tunnel_.get(), d.previous_ ? NLM_F_REPLACE : NLM_F_EXCL); e < 0) {
        d.tunnel_.reset();
        d.previous_.reset();
        d.restore();
        return fail(nl_error("add default route through the tunnel", e));
    }
    d.description_ = describe_route(d.tunnel_.get()) +
                     (d.previous_ ? " (replacing " + describe_route(d.previous_.get()) + ")" : "") + ", " +
                     d.description_;
    return d;
}

DefaultRoute::DefaultRoute(DefaultRoute&& o) noexcept
    : sk_(o.sk_), tunnel_ifindex_(o.tunnel_ifindex_), server_(o.server_), host_(std::move(o.host_)), tunnel_(std::move(o.tunnel_)), previous_(std::move(o.previous_)),
      description_(std::move(o.description_)), restored_(o.restored_) {
    o.restored_ = true;
}

DefaultRoute::~DefaultRoute() { restore(); }

std::string DefaultRoute::follow() {
    if (restored_) return {};
    nl_cache* raw = nullptr;
    if (int e = rtnl_route_alloc_cache(sk_->get(), AF_INET, 0, &raw); e < 0) return nl_error("list routes", e);
    std::unique_ptr<nl_cache, CacheFree> cache(raw);
    rtnl_route* ours = nullptr;
    rtnl_route* underlying = nullptr;
    for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
        auto* r = reinterpret_cast<rtnl_route*>(o);
        nl_addr* dst = rtnl_route_get_dst(r);
        rtnl_nexthop* nh = first_hop(r);
        if (rtnl_route_get_table(r) != RT_TABLE_MAIN || rtnl_route_get_type(r) != RTN_UNICAST || !nh ||
            (dst && nl_addr_get_prefixlen(dst) != 0))
            continue;
        if (rtnl_route_nh_get_ifindex(nh) == tunnel_ifindex_) ours = r;
        else if (!underlying || rtnl_route_get_priority(r) < rtnl_route_get_priority(underlying)) underlying = r;
    }
    if (ours && !underlying) return {};  // as we left it
    std::string out;
    if (underlying) {
        // A new default through a real gateway: the one to restore at the end, and the way to the server.
        previous_.reset(reinterpret_cast<rtnl_route*>(nl_object_clone(reinterpret_cast<nl_object*>(underlying))));
        out = "underlying default route is now " + describe_route(previous_.get());
        rtnl_nexthop* nh = first_hop(previous_.get());
        RoutePtr host = make_route(&server_, 32, rtnl_route_nh_get_ifindex(nh), rtnl_route_nh_get_gateway(nh), 0);
        if (int e = rtnl_route_add(sk_->get(), host.get(), NLM_F_REPLACE); e < 0)
            out += "; " + nl_error("move the host route to the server", e);
        else {
            host_ = std::move(host);
            out += "; host route " + describe_route(host_.get());
        }
    }
    const uint32_t any = 0;
    tunnel_ = make_route(&any, 0, tunnel_ifindex_, nullptr, previous_ ? rtnl_route_get_priority(previous_.get()) : 0);
    if (int e = rtnl_route_add(sk_->get(), tunnel_.get(), NLM_F_REPLACE); e < 0)
        out += (out.empty() ? "" : "; ") + nl_error("put the default route back on the tunnel", e);
    else
        out += (out.empty() ? "" : "; ") + describe_route(tunnel_.get()) + " again";
    return out;
}

std::string DefaultRoute::restore() {
    if (restored_) return {};
    restored_ = true;
    std::string out;
    auto note = [&out](const std::string& s) { out += (out.empty() ? "" : "; ") + s; };
    if (tunnel_) {
        // Gone already when the interface went first: the kernel drops its routes with it.
        int e = rtnl_route_delete(sk_->get(), tunnel_.get(), 0);
        if (e < 0 && e != -NLE_OBJ_NOTFOUND && e != -NLE_NODEV) note(nl_error("delete default route", e));
    }
    if (previous_) {
        int e = rtnl_route_add(sk_->get(), previous_.get(), NLM_F_EXCL);
        if (e < 0 && e != -NLE_EXIST) note(nl_error(("restore " + describe_route(previous_.get())).c_str(), e));
        else note("restored " + describe_route(previous_.get()));
    }
    if (host_) {
        int e = rtnl_route_delete(sk_->get(), host_.get(), 0);
        if (e < 0 && e != -NLE_OBJ_NOTFOUND) note(nl_error("delete host route", e));
        else note("removed host route " + describe_route(host_.get()));
    }
    return out;
}

}  // namespace ksstp::nl
