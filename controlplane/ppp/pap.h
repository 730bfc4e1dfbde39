// PAP (RFC 1334 section 2), both roles. The peer sends Authenticate-Request and retransmits it
// on the restart timer; the authenticator answers every request, retransmissions included,
// with the same verdict. Parsing of Ack/Nak is lenient (MikroTik's Length quirk, interop E5).
#pragma once

#include "controlplane/ppp/auth.h"

namespace ksstp::ppp {

class PapPeer final : public AuthProtocol {
public:
    PapPeer(std::string user, std::string password, FsmTimers t, SendFn send);
    ~PapPeer() override;
    void start(Instant now) override;
    void receive(const CpPacket& p, Instant now) override;
    void on_timer(Instant now) override;
    std::optional<Instant> next_deadline() const override { return deadline_; }
    const std::optional<AuthOutcome>& outcome() const override { return outcome_; }

private:
    void transmit(Instant now);
    std::string user_, password_;
    FsmTimers t_;
    SendFn send_;
    uint8_t id_ = 0;
    int tries_ = 0;
    std::optional<Instant> deadline_;
    std::optional<AuthOutcome> outcome_;
};

class PapAuthenticator final : public AuthProtocol {
public:
    PapAuthenticator(const CredentialStore& creds, FsmTimers t, SendFn send);
    void start(Instant now) override;
    void receive(const CpPacket& p, Instant now) override;
    void on_timer(Instant now) override;
    std::optional<Instant> next_deadline() const override { return deadline_; }
    const std::optional<AuthOutcome>& outcome() const override { return outcome_; }

private:
    const CredentialStore& creds_;
    FsmTimers t_;
    SendFn send_;
    std::optional<Instant> deadline_;
    std::optional<AuthOutcome> outcome_;
};

}  // namespace ksstp::ppp
