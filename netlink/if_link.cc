// Link operations; see if_link.h.
#include "netlink/if_link.h"

#include <net/if.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet6.h>

#include <memory>

namespace ksstp::nl {
namespace {
struct LinkFree {
    void operator()(rtnl_link* l) const { rtnl_link_put(l); }
};
using LinkPtr = std::unique_ptr<rtnl_link, LinkFree>;
}  // namespace

Result<void, std::string> set_mtu_and_up(const NlSock& sk, int ifindex, unsigned mtu, uint32_t group) {
    rtnl_link* raw = nullptr;
    if (int err = rtnl_link_get_kernel(sk.get(), ifindex, nullptr, &raw); err < 0)
        return fail(nl_error("get link", err));
    LinkPtr orig(raw);
    // Like a PPP link, only the IPv6CP-negotiated link-local address belongs on a session
    // interface: no kernel-generated one (IN6_ADDR_GEN_MODE_NONE). The kernel applies the mode
    // after the flags of the same message, so the mode (and MTU) go first, then up.
    LinkPtr mode(rtnl_link_alloc());
    rtnl_link_set_mtu(mode.get(), mtu);
    if (group) rtnl_link_set_group(mode.get(), group);
    rtnl_link_inet6_set_addr_gen_mode(mode.get(), IN6_ADDR_GEN_MODE_NONE);
    if (int err = rtnl_link_change(sk.get(), orig.get(), mode.get(), 0); err < 0)
        return fail(nl_error("set MTU", err));
    LinkPtr up(rtnl_link_alloc());
    rtnl_link_set_flags(up.get(), IFF_UP);
    if (int err = rtnl_link_change(sk.get(), orig.get(), up.get(), 0); err < 0)
        return fail(nl_error("set link up", err));
    return {};
}

Result<void, std::string> delete_link(const NlSock& sk, int ifindex) {
    LinkPtr l(rtnl_link_alloc());
    rtnl_link_set_ifindex(l.get(), ifindex);
    if (int err = rtnl_link_delete(sk.get(), l.get()); err < 0) return fail(nl_error("delete link", err));
    return {};
}

Result<void, std::string> delete_group(const NlSock& sk, uint32_t group) {
    std::unique_ptr<nl_msg, void (*)(nl_msg*)> msg(nlmsg_alloc_simple(RTM_DELLINK, 0), nlmsg_free);
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    if (!msg || nlmsg_append(msg.get(), &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0 || nla_put_u32(msg.get(), IFLA_GROUP, group) < 0)
        return fail(std::string("delete link group: cannot build message"));
    if (int err = nl_send_sync(sk.get(), msg.release()); err < 0 && err != -NLE_OBJ_NOTFOUND && err != -NLE_NODEV)
        return fail(nl_error("delete link group", err));
    return {};
}

Result<void, std::string> retire_link(const NlSock& sk, int ifindex, uint32_t group) {
    LinkPtr orig(rtnl_link_alloc());
    rtnl_link_set_ifindex(orig.get(), ifindex);
    LinkPtr change(rtnl_link_alloc());
    rtnl_link_set_group(change.get(), group);
    rtnl_link_unset_flags(change.get(), IFF_UP);
    if (int err = rtnl_link_change(sk.get(), orig.get(), change.get(), 0); err < 0) return fail(nl_error("retire link", err));
    return {};
}

LinkState link_state(const NlSock& sk, int ifindex) {
    rtnl_link* raw = nullptr;
    if (rtnl_link_get_kernel(sk.get(), ifindex, nullptr, &raw) < 0) return {};
    LinkPtr l(raw);
    LinkState s;
    s.exists = true;
    s.up = rtnl_link_get_flags(l.get()) & IFF_UP;
    s.mtu = rtnl_link_get_mtu(l.get());
    if (const char* n = rtnl_link_get_name(l.get())) s.name = n;
    return s;
}

}  // namespace ksstp::nl
