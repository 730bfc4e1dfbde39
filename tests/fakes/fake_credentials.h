// In-memory secrets and a fixed address plan for session tests.
#pragma once

#include <map>
#include <string>

#include "controlplane/ppp/auth.h"
#include "controlplane/session/server_session.h"

namespace ksstp::test {

class FakeCredentials final : public ppp::CredentialStore {
public:
    FakeCredentials& add(std::string user, std::string pw) {
        m_[std::move(user)] = std::move(pw);
        return *this;
    }
    std::optional<std::string> password(std::string_view user) const override {
        auto it = m_.find(std::string(user));
        if (it == m_.end()) return std::nullopt;
        return it->second;
    }

private:
    std::map<std::string, std::string> m_;
};

// 198.19.0.1 for the server, 198.19.0.10 + n for the n-th client (test range 198.18.0.0/15).
class FakeAddresses final : public session::UserPolicy {
public:
    bool no_ipv4 = false;         // no IPv4 address configured: IPv6 only
    bool pool_exhausted = false;  // the pool has none left: the session is refused
    int assigned = 0;
    std::optional<std::string> refusal;  // refuse every user with this reason
    std::optional<std::string> refuse(const std::string&) override { return refusal; }
    session::AddressAssignment assign(const std::string& user) override {
        if (pool_exhausted) return Unexpected<std::string>("pool 'clients' is exhausted");
        return ipv4(user);
    }
    // The PPP-level tests call start_network() themselves.
    std::optional<ppp::IpcpServerConfig> ipv4(const std::string&) {
        if (no_ipv4) return std::nullopt;
        ppp::IpcpServerConfig c;
        c.local = 0xC6130001;                    // 198.19.0.1
        c.remote = 0xC613000A + uint32_t(assigned++);  // 198.19.0.10...
        c.dns1 = 0xC6130001;
        return c;
    }
};

}  // namespace ksstp::test
