// Interface addresses; see if_addr.h.
#include "netlink/if_addr.h"

#include <arpa/inet.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <linux/rtnetlink.h>

#include <memory>

namespace ksstp::nl {
namespace {
struct AddrFree {
    void operator()(rtnl_addr* a) const { rtnl_addr_put(a); }
};
struct NlAddrFree {
    void operator()(nl_addr* a) const { nl_addr_put(a); }
};
struct CacheFree {
    void operator()(nl_cache* c) const { nl_cache_free(c); }
};
using NlAddrPtr = std::unique_ptr<nl_addr, NlAddrFree>;

Result<void, std::string> add(const NlSock& sk, int ifindex, int family, const void* local, const void* peer,
                              size_t len, int prefix) {
    std::unique_ptr<rtnl_addr, AddrFree> a(rtnl_addr_alloc());
    rtnl_addr_set_ifindex(a.get(), ifindex);
    rtnl_addr_set_family(a.get(), family);
    NlAddrPtr l(nl_addr_build(family, local, len));
    NlAddrPtr p(nl_addr_build(family, peer, len));
    nl_addr_set_prefixlen(l.get(), prefix);
    nl_addr_set_prefixlen(p.get(), prefix);
    rtnl_addr_set_local(a.get(), l.get());
    rtnl_addr_set_peer(a.get(), p.get());
    if (int err = rtnl_addr_add(sk.get(), a.get(), 0); err < 0) return fail(nl_error("add address", err));
    return {};
}
}  // namespace

Result<void, std::string> add_ipv4_ptp(const NlSock& sk, int ifindex, uint32_t local, uint32_t peer) {
    uint32_t l = htonl(local), p = htonl(peer);
    return add(sk, ifindex, AF_INET, &l, &p, 4, 32);
}

Result<void, std::string> add_ipv6_link_local(const NlSock& sk, int ifindex, uint64_t local_iid, uint64_t peer_iid) {
    uint8_t l[16] = {0xfe, 0x80}, p[16] = {0xfe, 0x80};
    for (int i = 0; i < 8; ++i) {
        l[8 + i] = uint8_t(local_iid >> (56 - 8 * i));
        p[8 + i] = uint8_t(peer_iid >> (56 - 8 * i));
    }
    // rtnl_addr_set_peer() refuses IPv6 peers (libnl supports them for IPv4 only), so this
    // RTM_NEWADDR is built by hand: IFA_LOCAL = ours, IFA_ADDRESS = the peer, like
    // `ip -6 addr add fe80::L peer fe80::R dev X nodad`.
    std::unique_ptr<nl_msg, void (*)(nl_msg*)> msg(nlmsg_alloc_simple(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL),
                                                   nlmsg_free);
    ifaddrmsg ifa{};
    ifa.ifa_family = AF_INET6;
    ifa.ifa_prefixlen = 128;
    ifa.ifa_scope = RT_SCOPE_LINK;
    ifa.ifa_index = uint32_t(ifindex);
    if (!msg || nlmsg_append(msg.get(), &ifa, sizeof ifa, NLMSG_ALIGNTO) < 0 ||
        nla_put(msg.get(), IFA_LOCAL, 16, l) < 0 || nla_put(msg.get(), IFA_ADDRESS, 16, p) < 0 ||
        nla_put_u32(msg.get(), IFA_FLAGS, IFA_F_NODAD) < 0)
        return fail(std::string("add IPv6 address: cannot build message"));
    if (int err = nl_send_sync(sk.get(), msg.release()); err < 0) return fail(nl_error("add IPv6 address", err));
    return {};
}

std::vector<std::string> list_addresses(const NlSock& sk, int ifindex) {
    std::vector<std::string> out;
    nl_cache* raw = nullptr;
    if (rtnl_addr_alloc_cache(sk.get(), &raw) < 0) return out;
    std::unique_ptr<nl_cache, CacheFree> cache(raw);
    for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
        auto* a = reinterpret_cast<rtnl_addr*>(o);
        if (rtnl_addr_get_ifindex(a) != ifindex) continue;
        char lb[128] = "", pb[128] = "";
        nl_addr2str(rtnl_addr_get_local(a), lb, sizeof lb);
        if (nl_addr* p = rtnl_addr_get_peer(a)) nl_addr2str(p, pb, sizeof pb);
        out.push_back(std::string(lb) + (pb[0] ? std::string(" peer ") + pb : ""));
    }
    return out;
}

}  // namespace ksstp::nl
