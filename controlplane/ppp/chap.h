// CHAP (RFC 1994) with its three algorithms: MD5, MS-CHAPv1 (RFC 2433), MS-CHAPv2 (RFC 2759),
// in both roles. The packet flow is common (Challenge -> Response -> Success/Failure); the
// algorithm decides the value sizes, the verification and the Success/Failure texts.
//
// Authenticator: sends a Challenge and retransmits the same packet on the restart timer (as
// pppd does) up to Max-Configure; accepts a Response only with the current Identifier;
// answers a repeated Response with the same verdict; never offers retries (R=0, RFC 2759 10
// advises limiting them). Peer: answers each Challenge; a repeated Challenge gets the same
// Response; MS-CHAPv2 checks the server's S= authenticator response (mutual authentication);
// an MS-CHAP Failure with R=1 is answered with a new Response to the C= challenge, at most
// kMaxPeerRetries times.
#pragma once

#include "controlplane/base/clock.h"
#include "controlplane/ppp/auth.h"
#include "controlplane/ppp/mschap.h"

namespace ksstp::ppp {

// Parsed MS-CHAP Failure text: "E=eeee R=r C=cccc V=vvvv M=msg" (RFC 2759 6, RFC 2433 5).
struct MsChapFailure {
    int error = 0;
    bool retry = false;
    Bytes challenge;  // from C=, empty if absent
    int version = 0;
    std::string message;
};
MsChapFailure parse_mschap_failure(std::string_view text);

class ChapAuthenticator final : public AuthProtocol {
public:
    ChapAuthenticator(AuthMethod method, std::string name, const CredentialStore& creds, Rng& rng,
                      FsmTimers t, SendFn send);
    void start(Instant now) override;
    void receive(const CpPacket& p, Instant now) override;
    void on_timer(Instant now) override;
    std::optional<Instant> next_deadline() const override { return deadline_; }
    const std::optional<AuthOutcome>& outcome() const override { return outcome_; }

private:
    void send_challenge();
    void verify(std::string_view name, ByteView value);
    AuthMethod method_;
    std::string name_;
    const CredentialStore& creds_;
    Rng& rng_;
    FsmTimers t_;
    SendFn send_;
    uint8_t id_ = 0;
    Bytes challenge_;
    int sent_ = 0;
    std::string result_text_;
    std::optional<Instant> deadline_;
    std::optional<AuthOutcome> outcome_;
};

class ChapPeer final : public AuthProtocol {
public:
    static constexpr int kMaxPeerRetries = 2;
    ChapPeer(AuthMethod method, std::string user, std::string password, Rng& rng, FsmTimers t, SendFn send);
    ~ChapPeer() override;
    void start(Instant now) override;
    void receive(const CpPacket& p, Instant now) override;
    void on_timer(Instant now) override;
    std::optional<Instant> next_deadline() const override { return deadline_; }
    const std::optional<AuthOutcome>& outcome() const override { return outcome_; }

private:
    void respond(uint8_t id, ByteView challenge);
    void finish(bool ok, std::string message);
    AuthMethod method_;
    std::string user_, password_;
    Rng& rng_;
    FsmTimers t_;
    SendFn send_;
    std::optional<uint8_t> last_id_;
    Bytes last_challenge_;
    Bytes last_response_;  // the Response data, resent for a repeated Challenge
    std::string expected_authenticator_response_;
    std::optional<MppeKeys> keys_;
    int retries_ = 0;
    std::optional<Instant> deadline_;
    std::optional<AuthOutcome> outcome_;
};

}  // namespace ksstp::ppp
