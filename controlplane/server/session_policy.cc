// Session policy from configuration; see session_policy.h.
#include "controlplane/server/session_policy.h"

namespace ksstp::server {

std::optional<std::string> ConfigCredentials::password(std::string_view user) const {
    const config::Secret* s = cfg_.find_secret(user);
    if (!s || (s->service != "sstp" && s->service != "any")) return std::nullopt;
    return s->password;
}

AddressPlan::AddressPlan(const config::Config& c) : cfg_(c) { rebuild({}); }

void AddressPlan::rebuild(const std::vector<Lease*>& leases) {
    pools_.clear();
    for (const auto& [name, p] : cfg_.pools) {
        auto made = pool::AddrPool::create(name, p.ranges);
        if (made) pools_.emplace(name, std::move(*made));  // validated at load: cannot fail
    }
    for (Lease* l : leases)
        std::erase_if(l->pool_leases, [&](const std::pair<std::string, pool::Ipv4>& pl) {
            auto it = pools_.find(pl.first);
            return it == pools_.end() || !it->second.reserve(pl.second);
        });
}

const pool::AddrPool* AddressPlan::pool(const std::string& name) const {
    auto it = pools_.find(name);
    return it == pools_.end() ? nullptr : &it->second;
}

std::optional<pool::Ipv4> AddressPlan::resolve(const std::optional<config::AddressSpec>& spec, const std::string& user,
                                               Lease& lease, std::string& why) {
    if (!spec) return std::nullopt;
    if (auto* a = std::get_if<pool::Ipv4>(&*spec)) return *a;
    const std::string& name = std::get<std::string>(*spec);
    auto it = pools_.find(name);
    if (it == pools_.end()) {
        why = "pool '" + name + "' does not exist";
        return std::nullopt;
    }
    auto a = it->second.acquire(user);
    if (!a) {
        why = "pool '" + name + "' is exhausted";
        return std::nullopt;
    }
    lease.pool_leases.emplace_back(name, *a);
    return a;
}

const config::Profile* AddressPlan::profile_of(const std::string& user) const {
    const config::Secret* s = cfg_.find_secret(user);
    std::string name = s && !s->profile.empty() ? s->profile : cfg_.server ? cfg_.server->default_profile : "default";
    auto it = cfg_.profiles.find(name);
    return it == cfg_.profiles.end() ? nullptr : &it->second;
}

session::AddressAssignment AddressPlan::assign(const std::string& user, Lease& lease) {
    const config::Secret* s = cfg_.find_secret(user);
    const config::Profile* prof = profile_of(user);
    ppp::IpcpServerConfig v4;
    // Secret-level addresses override the profile (SPEC 3).
    std::string why;
    std::optional<pool::Ipv4> remote =
        s && s->remote_address ? s->remote_address : prof ? resolve(prof->remote_address, user, lease, why) : std::nullopt;
    std::optional<pool::Ipv4> local;
    if (remote)
        local = s && s->local_address ? s->local_address : prof ? resolve(prof->local_address, user, lease, why) : std::nullopt;
    if (!remote || !local) {
        release(lease);
        // A pool that cannot give an address refuses the session (MikroTik does the same); an
        // address that is simply not configured leaves the session to IPv6.
        if (!why.empty()) return Unexpected<std::string>(std::move(why));
        return std::optional<ppp::IpcpServerConfig>{};
    }
    v4.local = *local;
    v4.remote = *remote;
    if (prof && !prof->dns_server.empty()) v4.dns1 = prof->dns_server[0];
    if (prof && prof->dns_server.size() > 1) v4.dns2 = prof->dns_server[1];
    lease.v4 = v4;
    return std::optional<ppp::IpcpServerConfig>{v4};
}

void AddressPlan::release(Lease& lease) {
    for (auto& [name, addr] : lease.pool_leases) {
        auto it = pools_.find(name);
        if (it != pools_.end()) it->second.release(addr);
    }
    lease.pool_leases.clear();
    lease.v4.reset();
}

}  // namespace ksstp::server
