// ClientSession: the ksstpc side of one connection after TLS: sends the SSTP_DUPLEX_POST request,
// waits for HTTP 200, runs the SSTP client machine and PPP as peer, and sends CALL_CONNECTED with
// the crypto binding once PPP authentication has succeeded.
#pragma once

#include "controlplane/session/session_core.h"
#include "controlplane/sstp/http_handshake.h"

namespace ksstp::session {

struct ClientSessionConfig {
    sstp::SstpConfig sstp;       // role forced to Client
    ppp::PppConfig ppp;          // authenticator forced off; user/password set
    std::string host;            // HTTP Host header (the connect-to name)
    bool mschapv1_start_key_hlak = false;  // HLAK = K1||K1 for accel-ppp servers (sstp.md 8.2)
};

class ClientSession final : public SessionCore {
public:
    ClientSession(ClientSessionConfig cfg, Rng& rng);
    // After TLS: the server's leaf certificate hashes (nullopt for certificate = none).
    void start(std::optional<sstp::CertHashes> server_cert, Instant now);
    void on_bytes(ByteView in, Instant now) override;

private:
    void on_auth_done(const ppp::AuthOutcome& o, Instant now) override;
    ClientSessionConfig cfg_;
    Rng& rng_;
    sstp::HttpResponseParser http_;
};

}  // namespace ksstp::session
