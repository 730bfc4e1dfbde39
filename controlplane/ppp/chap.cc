// CHAP, MS-CHAPv1, MS-CHAPv2; see chap.h.
#include "controlplane/ppp/chap.h"

#include <cctype>
#include <cstring>

#include "controlplane/crypto/digest.h"
#include "controlplane/ppp/wire.h"

namespace ksstp::ppp {
namespace {

constexpr size_t kMd5ChallengeLen = 16;
constexpr size_t kMsChapResponseLen = 49;  // RFC 2433 / 2759: Value-Size 49
constexpr std::string_view kDummyPassword = "\x01" "no such user" "\x01";

size_t challenge_len(AuthMethod m) { return m == AuthMethod::MsChapV1 ? 8 : kMd5ChallengeLen; }

Bytes value_and_name(ByteView value, std::string_view name) {
    Bytes d;
    d.reserve(1 + value.size() + name.size());
    d.push_back(uint8_t(value.size()));
    d.insert(d.end(), value.begin(), value.end());
    d.insert(d.end(), name.begin(), name.end());
    return d;
}

struct ValueName {
    ByteView value;
    std::string name;
};
std::optional<ValueName> parse_value_name(ByteView data) {
    ByteReader r(data);
    uint8_t n = r.u8();
    ByteView v = r.bytes(n);
    if (!r.ok()) return std::nullopt;
    return ValueName{v, std::string(as_chars(r.rest()))};
}

template <size_t N>
std::array<uint8_t, N> arr(ByteView b) {
    std::array<uint8_t, N> a{};
    std::memcpy(a.data(), b.data(), std::min(N, b.size()));
    return a;
}

}  // namespace

MsChapFailure parse_mschap_failure(std::string_view text) {
    MsChapFailure f;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && text[i] == ' ') ++i;
        if (i + 2 > text.size() || text[i + 1] != '=') break;
        char key = text[i];
        i += 2;
        if (key == 'M') {  // the message runs to the end
            f.message = std::string(text.substr(i));
            break;
        }
        size_t end = text.find(' ', i);
        std::string_view v = text.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
        i = end == std::string_view::npos ? text.size() : end;
        switch (key) {
            case 'E': f.error = std::atoi(std::string(v).c_str()); break;
            case 'R': f.retry = v == "1"; break;
            case 'C': if (!from_hex(v, f.challenge)) f.challenge.clear(); break;
            case 'V': f.version = std::atoi(std::string(v).c_str()); break;
            default: break;  // unknown fields are ignored (be liberal)
        }
    }
    return f;
}

// ---------------------------------------------------------------- authenticator

ChapAuthenticator::ChapAuthenticator(AuthMethod method, std::string name, const CredentialStore& creds,
                                     Rng& rng, FsmTimers t, SendFn send)
    : method_(method), name_(std::move(name)), creds_(creds), rng_(rng), t_(t), send_(std::move(send)) {}

void ChapAuthenticator::start(Instant now) {
    id_ = uint8_t(rng_.u32());
    challenge_.resize(challenge_len(method_));
    rng_.fill(challenge_);
    send_challenge();
    deadline_ = now + t_.restart;
}

void ChapAuthenticator::send_challenge() {
    send_(uint8_t(ChapCode::Challenge), id_, value_and_name(challenge_, name_));
    ++sent_;
}

void ChapAuthenticator::on_timer(Instant now) {
    if (!deadline_ || now < *deadline_ || outcome_) return;
    if (sent_ >= t_.max_configure) {
        deadline_.reset();
        outcome_ = AuthOutcome{false, method_, "", "no CHAP Response from peer", std::nullopt};
        return;
    }
    send_challenge();
    deadline_ = now + t_.restart;
}

void ChapAuthenticator::receive(const CpPacket& p, Instant) {
    if (p.code != uint8_t(ChapCode::Response) || p.id != id_) return;  // RFC 1994 4.1
    if (outcome_) {
        // Our Success/Failure was lost: repeat it (RFC 1994 4.2).
        send_(uint8_t(outcome_->success ? ChapCode::Success : ChapCode::Failure), id_, as_bytes(result_text_));
        return;
    }
    auto vn = parse_value_name(p.data);
    if (!vn) return;
    verify(vn->name, vn->value);
    deadline_.reset();
    send_(uint8_t(outcome_->success ? ChapCode::Success : ChapCode::Failure), id_, as_bytes(result_text_));
}

void ChapAuthenticator::verify(std::string_view name, ByteView value) {
    // MS-CHAP names may carry "DOMAIN\"; look the account up as given, then without it.
    std::optional<std::string> secret = creds_.password(name);
    if (!secret && method_ != AuthMethod::Chap) secret = creds_.password(mschap::strip_domain(name));
    // Unknown users go through the same computation with a dummy secret (no timing oracle).
    std::string pw = secret.value_or(std::string(kDummyPassword));
    bool ok = false;
    std::optional<MppeKeys> keys;
    std::string why = secret ? "wrong password" : "unknown user";
    switch (method_) {
        case AuthMethod::Chap: {
            auto expect = crypto::md5({ByteView(&id_, 1), as_bytes(pw), challenge_});
            ok = value.size() == expect.size() && crypto::ct_equal(value, expect);
            result_text_ = ok ? "Access granted" : "Authentication failed";
            break;
        }
        case AuthMethod::MsChapV1: {
            // RFC 2433 3: LM-Response(24) NT-Response(24) Flags(1); we require the NT response.
            if (value.size() != kMsChapResponseLen || value[48] != 1) {
                why = "MS-CHAPv1 response without NT-Response";
            } else {
                auto expect = mschap::nt_challenge_response(arr<8>(challenge_), pw);
                ok = crypto::ct_equal(value.subspan(24, 24), expect);
            }
            if (ok) {
                auto k1 = mschap::mschapv1_start_key(pw, arr<8>(challenge_));
                keys = MppeKeys{k1, k1};
            }
            result_text_ = ok ? "" : "E=691 R=0 V=2";
            break;
        }
        case AuthMethod::MsChapV2: {
            // RFC 2759 4: Peer-Challenge(16) Reserved(8) NT-Response(24) Flags(1).
            if (value.size() != kMsChapResponseLen) {
                why = "MS-CHAPv2 response of wrong size";
            } else {
                auto peer = arr<16>(value.first(16));
                auto nt = arr<24>(value.subspan(24, 24));
                auto expect = mschap::generate_nt_response(arr<16>(challenge_), peer, name, pw);
                ok = crypto::ct_equal(nt, expect);
                if (ok) {
                    result_text_ = mschap::generate_authenticator_response(pw, nt, peer, arr<16>(challenge_), name) +
                                   " M=Access granted";
                    keys = mschap::mschapv2_keys(pw, nt, /*is_server=*/true);
                }
            }
            if (!ok) {
                Bytes c(16);
                rng_.fill(c);
                result_text_ = "E=691 R=0 C=" + to_hex(c, true) + " V=3 M=Authentication failed";
            }
            break;
        }
        case AuthMethod::Pap:
        case AuthMethod::None: break;
    }
    crypto::wipe(pw);
    outcome_ = AuthOutcome{ok, method_, std::string(name), ok ? "" : why, keys};
}

// ---------------------------------------------------------------- peer

ChapPeer::ChapPeer(AuthMethod method, std::string user, std::string password, Rng& rng, FsmTimers t,
                   SendFn send)
    : method_(method), user_(std::move(user)), password_(std::move(password)), rng_(rng), t_(t),
      send_(std::move(send)) {}

ChapPeer::~ChapPeer() { crypto::wipe(password_); }

void ChapPeer::start(Instant now) {
    // The authenticator retransmits its Challenge; give it the same budget to show up.
    deadline_ = now + t_.restart * t_.max_configure;
}

void ChapPeer::on_timer(Instant now) {
    if (!deadline_ || now < *deadline_ || outcome_) return;
    finish(false, last_id_ ? "no CHAP Success/Failure from server" : "no CHAP Challenge from server");
}

void ChapPeer::finish(bool ok, std::string message) {
    deadline_.reset();
    outcome_ = AuthOutcome{ok, method_, user_, std::move(message), ok ? keys_ : std::nullopt};
}

void ChapPeer::respond(uint8_t id, ByteView challenge) {
    last_id_ = id;
    last_challenge_.assign(challenge.begin(), challenge.end());
    Bytes value;
    switch (method_) {
        case AuthMethod::Chap: {
            auto r = crypto::md5({ByteView(&id, 1), as_bytes(password_), challenge});
            value.assign(r.begin(), r.end());
            break;
        }
        case AuthMethod::MsChapV1: {
            auto ch = arr<8>(challenge);
            auto nt = mschap::nt_challenge_response(ch, password_);
            value.assign(24, 0);  // LM-Response unused (RFC 2433 3, "should be zero")
            value.insert(value.end(), nt.begin(), nt.end());
            value.push_back(1);   // Flags: use the NT response
            auto k1 = mschap::mschapv1_start_key(password_, ch);
            keys_ = MppeKeys{k1, k1};
            break;
        }
        case AuthMethod::MsChapV2: {
            mschap::Challenge16 peer{};
            rng_.fill(peer);
            auto auth = arr<16>(challenge);
            auto nt = mschap::generate_nt_response(auth, peer, user_, password_);
            value.assign(peer.begin(), peer.end());
            value.insert(value.end(), 8, 0);
            value.insert(value.end(), nt.begin(), nt.end());
            value.push_back(0);
            expected_authenticator_response_ =
                mschap::generate_authenticator_response(password_, nt, peer, auth, user_);
            // The keys depend only on the password and our NT-Response (reference/ppp.md 7.4).
            keys_ = mschap::mschapv2_keys(password_, nt, /*is_server=*/false);
            break;
        }
        case AuthMethod::Pap:
        case AuthMethod::None: break;
    }
    last_response_ = value_and_name(value, user_);
    send_(uint8_t(ChapCode::Response), id, last_response_);
}

void ChapPeer::receive(const CpPacket& p, Instant now) {
    if (outcome_) return;
    switch (ChapCode(p.code)) {
        case ChapCode::Challenge: {
            auto vn = parse_value_name(p.data);
            if (!vn) return;
            if (last_id_ && *last_id_ == p.id && equal(vn->value, last_challenge_)) {
                send_(uint8_t(ChapCode::Response), p.id, last_response_);  // retransmitted Challenge
                return;
            }
            size_t need = method_ == AuthMethod::Chap ? 0 : challenge_len(method_);
            if ((need && vn->value.size() != need) || vn->value.empty()) return;
            respond(p.id, vn->value);
            deadline_ = now + t_.restart * t_.max_configure;
            return;
        }
        case ChapCode::Success: {
            if (!last_id_ || p.id != *last_id_) return;
            std::string text(as_chars(p.data));
            if (method_ == AuthMethod::MsChapV2) {
                // RFC 2759 5: verify the authenticator response; compare case-insensitively.
                size_t s = text.find("S=");
                std::string got = s == std::string::npos ? "" : text.substr(s, 42);
                bool match = got.size() == 42 && expected_authenticator_response_.size() == 42;
                for (size_t i = 0; match && i < 42; ++i)
                    match = std::toupper(static_cast<unsigned char>(got[i])) == expected_authenticator_response_[i];
                if (!match) {
                    finish(false, "server's MS-CHAPv2 authenticator response is wrong (server does not know the password)");
                    return;
                }
            }
            finish(true, text);
            return;
        }
        case ChapCode::Failure: {
            if (!last_id_ || p.id != *last_id_) return;
            std::string text(as_chars(p.data));
            if (method_ == AuthMethod::MsChapV1 || method_ == AuthMethod::MsChapV2) {
                MsChapFailure f = parse_mschap_failure(text);
                if (f.retry && retries_ < kMaxPeerRetries) {
                    Bytes next = f.challenge;
                    if (next.empty() && method_ == AuthMethod::MsChapV1 && last_challenge_.size() == 8) {
                        next = last_challenge_;  // RFC 2433 5: no C= -> previous + 23 in byte 0
                        next[0] = uint8_t(next[0] + 23);
                    }
                    if (next.size() == challenge_len(method_)) {
                        ++retries_;
                        respond(uint8_t(p.id + 1), next);  // RFC 2759 6: Identifier + 1
                        return;
                    }
                }
                finish(false, "authentication failed (" + text + ")");
                return;
            }
            finish(false, "authentication failed" + (text.empty() ? std::string() : " (" + text + ")"));
            return;
        }
        case ChapCode::Response: return;
    }
}

}  // namespace ksstp::ppp
