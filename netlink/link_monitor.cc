// Link and address notifications; see link_monitor.h.
#include "netlink/link_monitor.h"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

namespace ksstp::nl {

namespace {
struct Drain {
    const std::function<void(const LinkEvent&)>* f;
};

int on_message(nl_msg* msg, void* arg) {
    auto& f = *static_cast<Drain*>(arg)->f;
    nlmsghdr* h = nlmsg_hdr(msg);
    if (h->nlmsg_type == RTM_NEWLINK || h->nlmsg_type == RTM_DELLINK) {
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg))) return NL_OK;
        auto* ifi = static_cast<ifinfomsg*>(nlmsg_data(h));
        nlattr* tb[IFLA_MAX + 1] = {};
        nlmsg_parse(h, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr);
        LinkEvent e{LinkEvent::Kind::Up, ifi->ifi_index, tb[IFLA_IFNAME] ? nla_get_string(tb[IFLA_IFNAME]) : "", ""};
        if (h->nlmsg_type == RTM_DELLINK) e.kind = LinkEvent::Kind::Deleted;
        else e.kind = (ifi->ifi_flags & IFF_UP) ? LinkEvent::Kind::Up : LinkEvent::Kind::Down;
        f(e);
    } else if (h->nlmsg_type == RTM_NEWROUTE || h->nlmsg_type == RTM_DELROUTE) {
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(rtmsg))) return NL_OK;
        auto* rtm = static_cast<rtmsg*>(nlmsg_data(h));
        nlattr* tb[RTA_MAX + 1] = {};
        nlmsg_parse(h, sizeof(rtmsg), tb, RTA_MAX, nullptr);
        uint32_t table = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
        if (rtm->rtm_family != AF_INET || rtm->rtm_dst_len != 0 || table != RT_TABLE_MAIN) return NL_OK;
        f(LinkEvent{LinkEvent::Kind::DefaultRoute, tb[RTA_OIF] ? int(nla_get_u32(tb[RTA_OIF])) : 0, "", ""});
    } else if (h->nlmsg_type == RTM_NEWADDR || h->nlmsg_type == RTM_DELADDR) {
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(ifaddrmsg))) return NL_OK;
        auto* ifa = static_cast<ifaddrmsg*>(nlmsg_data(h));
        nlattr* tb[IFA_MAX + 1] = {};
        nlmsg_parse(h, sizeof(ifaddrmsg), tb, IFA_MAX, nullptr);
        nlattr* a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
        char buf[INET6_ADDRSTRLEN] = "";
        if (a && nla_len(a) >= (ifa->ifa_family == AF_INET6 ? 16 : 4))
            inet_ntop(ifa->ifa_family, nla_data(a), buf, sizeof buf);
        f(LinkEvent{h->nlmsg_type == RTM_NEWADDR ? LinkEvent::Kind::AddrAdded : LinkEvent::Kind::AddrRemoved,
                    int(ifa->ifa_index), "", buf});
    }
    return NL_OK;
}
}  // namespace

Result<LinkMonitor, std::string> LinkMonitor::open(bool routes) {
    nl_sock* raw = nl_socket_alloc();
    if (!raw) return fail(std::string("netlink: cannot allocate a socket"));
    LinkMonitor m(raw);
    nl_socket_disable_seq_check(raw);  // notifications carry no sequence of ours
    if (int err = nl_connect(raw, NETLINK_ROUTE); err < 0) return fail(nl_error("netlink connect", err));
    if (int err = nl_socket_add_memberships(raw, RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, 0); err < 0)
        return fail(nl_error("netlink subscribe", err));
    if (routes)
        if (int err = nl_socket_add_memberships(raw, RTNLGRP_IPV4_ROUTE, 0); err < 0)
            return fail(nl_error("netlink subscribe", err));
    nl_socket_set_nonblocking(raw);
    nl_socket_set_buffer_size(raw, 4 << 20, 0);  // room for a burst of thousands of sessions
    return m;
}

int LinkMonitor::fd() const { return nl_socket_get_fd(sk_.get()); }

bool LinkMonitor::drain(const std::function<void(const LinkEvent&)>& f) {
    Drain d{&f};
    nl_cb* cb = nl_cb_alloc(NL_CB_DEFAULT);
    nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_message, &d);
    nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, [](nl_msg*, void*) -> int { return NL_OK; }, nullptr);
    bool complete = true;
    for (int i = 0; i < 1024; ++i) {  // bounded: the loop serves others between batches
        int err = nl_recvmsgs(sk_.get(), cb);
        if (err == -NLE_AGAIN) break;
        if (err == -NLE_NOMEM) complete = false;  // ENOBUFS: notifications were lost
        else if (err < 0) break;
    }
    nl_cb_put(cb);
    return complete;
}

}  // namespace ksstp::nl
