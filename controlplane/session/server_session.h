// ServerSession: the ksstpd side of one connection after TLS: parses the SSTP_DUPLEX_POST
// request (answering anything else with an HTTP error), runs the SSTP server machine and PPP as
// authenticator, feeds the HLAK to crypto binding and asks the AddressAssigner for the user's
// addresses (secret -> profile -> pool) before IPCP.
#pragma once

#include <ctime>
#include <functional>

#include "controlplane/session/session_core.h"
#include "controlplane/sstp/http_handshake.h"

namespace ksstp::session {

class AddressAssigner {
public:
    virtual ~AddressAssigner() = default;
    // nullopt: no IPv4 address for this user (pool exhausted); the session continues only if
    // IPv6 is on.
    virtual std::optional<ppp::IpcpServerConfig> assign(const std::string& user) = 0;
};

struct ServerSessionConfig {
    sstp::SstpConfig sstp;            // role forced to Server
    ppp::PppConfig ppp;               // authenticator forced on
    std::optional<sstp::CertHashes> cert;  // our leaf certificate; nullopt: certificate = none
};

class ServerSession final : public SessionCore {
public:
    ServerSession(ServerSessionConfig cfg, Rng& rng, const ppp::CredentialStore& creds, AddressAssigner& addrs,
                  std::function<std::time_t()> wall_clock);
    // At TCP accept: the 60 s negotiation budget starts here (MS-SSTP 3.3.2.1).
    void start(Instant now);
    void on_bytes(ByteView in, Instant now) override;
    const sstp::SstpRequest& http_request() const { return http_.request(); }
    const std::string& user() const { return user_; }

private:
    void on_auth_done(const ppp::AuthOutcome& o, Instant now) override;
    sstp::HttpRequestParser http_;
    AddressAssigner& addrs_;
    std::function<std::time_t()> wall_clock_;
    std::string user_;
};

}  // namespace ksstp::session
