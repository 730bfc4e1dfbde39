// What ksstpd's configuration decides for a session: the secrets PPP authenticates against
// (only those with service sstp or any) and the addresses of a user (SPEC 5: secret -> profile
// -> pool), with the pool leases returned when the session ends.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/config/config.h"
#include "controlplane/pool/addr_pool.h"
#include "controlplane/session/server_session.h"

namespace ksstp::server {

class ConfigCredentials final : public ppp::CredentialStore {
public:
    explicit ConfigCredentials(const config::Config& c) : cfg_(c) {}
    std::optional<std::string> password(std::string_view user) const override;

private:
    const config::Config& cfg_;
};

// Addresses handed to one session, to give back at its end.
struct Lease {
    std::optional<ppp::IpcpServerConfig> v4;
    std::vector<std::pair<std::string, pool::Ipv4>> pool_leases;  // (pool, address)
};

class AddressPlan {
public:
    explicit AddressPlan(const config::Config& c);
    // The addresses for `user` (secret -> profile -> pool): nullopt when none is configured; an
    // error when a pool named for them cannot give one (exhausted, or missing after a reload).
    session::AddressAssignment assign(const std::string& user, Lease& lease);
    void release(Lease& lease);
    // After a reload changed the configuration this plan reads: pools are made afresh from it and
    // the addresses of the sessions still running (`leases`) are reserved again; a lease whose
    // address no longer belongs to its pool is dropped from the lease (nothing to give back).
    void rebuild(const std::vector<Lease*>& leases);
    const pool::AddrPool* pool(const std::string& name) const;
    // The profile that applies to `user` (secret's, else the server's default-profile).
    const config::Profile* profile_of(const std::string& user) const;

private:
    std::optional<pool::Ipv4> resolve(const std::optional<config::AddressSpec>& spec, const std::string& user,
                                      Lease& lease, std::string& why);
    const config::Config& cfg_;
    std::map<std::string, pool::AddrPool> pools_;
};

// Adapter: the pure ServerSession asks; the plan answers and records the lease.
class SessionAddresses final : public session::UserPolicy {
public:
    SessionAddresses(AddressPlan& plan, Lease& lease) : plan_(plan), lease_(lease) {}
    session::AddressAssignment assign(const std::string& user) override { return plan_.assign(user, lease_); }
    std::optional<std::string> refuse(const std::string& user) override { return refuse_ ? refuse_(user) : std::nullopt; }
    // The concentrator's admission rule (only-one), which needs to see the other sessions.
    std::function<std::optional<std::string>(const std::string&)> refuse_;

private:
    AddressPlan& plan_;
    Lease& lease_;
};

}  // namespace ksstp::server
