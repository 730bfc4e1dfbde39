// ServerSession: the ksstpd side of one connection after TLS: parses the SSTP_DUPLEX_POST
// request (answering anything else with an HTTP error), runs the SSTP server machine and PPP as
// authenticator, feeds the HLAK to crypto binding and asks the UserPolicy for the user's
// addresses (secret -> profile -> pool) before IPCP.
#pragma once

#include <ctime>
#include <functional>

#include "controlplane/session/session_core.h"
#include "controlplane/sstp/http_handshake.h"

namespace ksstp::session {

// A user's IPv4 addresses: nullopt when none is configured (the session continues only if IPv6 is
// on); an error refuses the session with that reason (an address pool that is exhausted).
using AddressAssignment = Result<std::optional<ppp::IpcpServerConfig>, std::string>;

// What the server decides for an authenticated user.
class UserPolicy {
public:
    virtual ~UserPolicy() = default;
    // A reason to refuse the user a session (e.g. only-one and a session exists), asked right
    // after authentication, before crypto binding and addresses; nullopt admits.
    virtual std::optional<std::string> refuse(const std::string& /*user*/) { return std::nullopt; }
    // Asked after refuse(), before crypto binding completes.
    virtual AddressAssignment assign(const std::string& user) = 0;
};

struct ServerSessionConfig {
    sstp::SstpConfig sstp;            // role forced to Server
    ppp::PppConfig ppp;               // authenticator forced on
    std::optional<sstp::CertHashes> cert;  // our leaf certificate; nullopt: certificate = none
};

class ServerSession final : public SessionCore {
public:
    ServerSession(ServerSessionConfig cfg, Rng& rng, const ppp::CredentialStore& creds, UserPolicy& addrs,
                  std::function<std::time_t()> wall_clock);
    // At TCP accept: the 60 s negotiation budget starts here (MS-SSTP 3.3.2.1).
    void start(Instant now);
    void on_bytes(ByteView in, Instant now) override;
    const sstp::SstpRequest& http_request() const { return http_.request(); }
    const std::string& user() const { return user_; }

private:
    void on_auth_done(const ppp::AuthOutcome& o, Instant now) override;
    sstp::HttpRequestParser http_;
    UserPolicy& addrs_;
    std::function<std::time_t()> wall_clock_;
    std::string user_;
};

}  // namespace ksstp::session
