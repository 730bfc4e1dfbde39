// PAP; see pap.h.
#include "controlplane/ppp/pap.h"

#include "controlplane/crypto/digest.h"
#include "controlplane/ppp/wire.h"

namespace ksstp::ppp {
namespace {
constexpr std::string_view kPapOk = "Login ok";
constexpr std::string_view kPapFail = "Authentication failed";

Bytes message_data(std::string_view msg) {
    Bytes d;
    d.reserve(1 + msg.size());
    d.push_back(uint8_t(msg.size()));
    d.insert(d.end(), msg.begin(), msg.end());
    return d;
}

// Msg-Length may be missing or lie (interop E5): take what is there.
std::string read_message(ByteView data) {
    if (data.empty()) return {};
    size_t n = std::min<size_t>(data[0], data.size() - 1);
    return std::string(as_chars(data.subspan(1, n)));
}
}  // namespace

PapPeer::PapPeer(std::string user, std::string password, FsmTimers t, SendFn send)
    : user_(std::move(user)), password_(std::move(password)), t_(t), send_(std::move(send)) {}

PapPeer::~PapPeer() { crypto::wipe(password_); }

void PapPeer::start(Instant now) {
    id_ = 1;
    transmit(now);
}

void PapPeer::transmit(Instant now) {
    Bytes d;
    d.reserve(2 + user_.size() + password_.size());
    d.push_back(uint8_t(std::min<size_t>(user_.size(), 255)));
    d.insert(d.end(), user_.begin(), user_.begin() + d[0]);
    size_t plen = std::min<size_t>(password_.size(), 255);
    d.push_back(uint8_t(plen));
    d.insert(d.end(), password_.begin(), password_.begin() + long(plen));
    send_(uint8_t(PapCode::AuthenticateRequest), id_, d);
    crypto::wipe(d);
    ++tries_;
    deadline_ = now + t_.restart;
}

void PapPeer::receive(const CpPacket& p, Instant) {
    if (outcome_ || p.id != id_) return;
    if (p.code == uint8_t(PapCode::AuthenticateAck)) {
        outcome_ = AuthOutcome{true, AuthMethod::Pap, user_, read_message(p.data), std::nullopt};
    } else if (p.code == uint8_t(PapCode::AuthenticateNak)) {
        std::string m = read_message(p.data);
        outcome_ = AuthOutcome{false, AuthMethod::Pap, user_,
                               "PAP refused" + (m.empty() ? std::string() : ": " + m), std::nullopt};
    } else {
        return;
    }
    deadline_.reset();
}

void PapPeer::on_timer(Instant now) {
    if (!deadline_ || now < *deadline_ || outcome_) return;
    if (tries_ >= t_.max_configure) {
        deadline_.reset();
        outcome_ = AuthOutcome{false, AuthMethod::Pap, user_, "no answer to PAP Authenticate-Request", std::nullopt};
        return;
    }
    transmit(now);  // RFC 1334 2.1: the peer retransmits with the same Identifier
}

PapAuthenticator::PapAuthenticator(const CredentialStore& creds, FsmTimers t, SendFn send)
    : creds_(creds), t_(t), send_(std::move(send)) {}

void PapAuthenticator::start(Instant now) {
    // The peer has restart * Max-Configure to send its request.
    deadline_ = now + t_.restart * t_.max_configure;
}

void PapAuthenticator::receive(const CpPacket& p, Instant) {
    if (p.code != uint8_t(PapCode::AuthenticateRequest)) return;
    if (outcome_) {
        // Retransmission: same verdict again (our reply may have been lost).
        send_(uint8_t(outcome_->success ? PapCode::AuthenticateAck : PapCode::AuthenticateNak), p.id,
              message_data(outcome_->success ? kPapOk : kPapFail));
        return;
    }
    ByteReader r(p.data);
    uint8_t ulen = r.u8();
    ByteView user = r.bytes(ulen);
    uint8_t plen = r.u8();
    ByteView pass = r.bytes(plen);
    if (!r.ok()) return;  // malformed: silently discard, the peer retransmits
    std::string name(as_chars(user));
    auto secret = creds_.password(name);
    // Compare against a dummy for unknown users too, so both cases take the same path.
    std::string expected = secret.value_or(std::string("\x01unknown-user\x01"));
    bool ok = secret.has_value() && crypto::ct_equal(as_bytes(expected), pass);
    crypto::wipe(expected);
    outcome_ = AuthOutcome{ok, AuthMethod::Pap, name,
                           ok ? "" : (secret ? "wrong password" : "unknown user"), std::nullopt};
    send_(uint8_t(ok ? PapCode::AuthenticateAck : PapCode::AuthenticateNak), p.id,
          message_data(ok ? kPapOk : kPapFail));
    deadline_.reset();
}

void PapAuthenticator::on_timer(Instant now) {
    if (!deadline_ || now < *deadline_ || outcome_) return;
    deadline_.reset();
    outcome_ = AuthOutcome{false, AuthMethod::Pap, "", "no PAP Authenticate-Request from peer", std::nullopt};
}

}  // namespace ksstp::ppp
