// The authentication contract shared by PAP and the CHAP family, in both roles (authenticator
// = server, peer = client), and the methods' identities. Each protocol object is a pure state
// machine: packets and timer ticks in, packets out through a send callback, an outcome when done.
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controlplane/base/bytes.h"
#include "controlplane/base/clock.h"
#include "controlplane/ppp/option_fsm.h"
#include "controlplane/ppp/packet.h"

namespace ksstp::ppp {

enum class AuthMethod : uint8_t { None, Pap, Chap, MsChapV1, MsChapV2 };
const char* to_string(AuthMethod m);
// MikroTik's names in `authentication`: pap, chap, mschap1, mschap2.
std::optional<AuthMethod> auth_method_from_name(std::string_view name);

// LCP Auth-Protocol option value (reference/ppp.md 4.4).
Bytes auth_option_value(AuthMethod m);
std::optional<AuthMethod> auth_method_from_option(ByteView value);
uint16_t auth_protocol(AuthMethod m);

// RFC 3079 start keys (16 bytes each) from MS-CHAP, from this side's point of view.
struct MppeKeys {
    std::array<uint8_t, 16> send{};
    std::array<uint8_t, 16> recv{};
};

struct AuthOutcome {
    bool success = false;
    AuthMethod method = AuthMethod::None;
    std::string user;     // as the peer named itself (authenticator) or as we did (peer)
    std::string message;  // human-readable reason or the server's message
    std::optional<MppeKeys> keys;  // MS-CHAPv2 master keys; MS-CHAPv1: {K1, K1}
};

// Where an authenticator finds secrets. Passwords are plaintext because CHAP needs them.
class CredentialStore {
public:
    virtual ~CredentialStore() = default;
    virtual std::optional<std::string> password(std::string_view user) const = 0;
};

class AuthProtocol {
public:
    using SendFn = std::function<void(uint8_t code, uint8_t id, ByteView data)>;
    virtual ~AuthProtocol() = default;
    virtual void start(Instant now) = 0;
    virtual void receive(const CpPacket& p, Instant now) = 0;
    virtual void on_timer(Instant now) = 0;
    virtual std::optional<Instant> next_deadline() const = 0;
    // Set once the exchange has finished; stays set.
    virtual const std::optional<AuthOutcome>& outcome() const = 0;
};

}  // namespace ksstp::ppp
