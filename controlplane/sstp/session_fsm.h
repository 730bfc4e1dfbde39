// The SSTP call state machine, client and server roles (MS-SSTP 3.1-3.3; reference/sstp.md 7).
// Pure event -> action object: the owner feeds it control packets, PPP authentication results,
// administrative requests and timer ticks, each with `now`, and carries out the returned
// actions (write a packet, start PPP, open the data gate, close the connection).
//
// Timers of this layer (all deadlines; the owner arms one timer at next_deadline()):
//   negotiation  60 s  client: from CONNECT_REQUEST, restarted on CONNECT_ACK;
//                      server: from TCP accept, restarted after sending CONNECT_ACK;
//                      expiry -> abort with NEGOTIATION_TIMEOUT (3.2.2.1, 3.3.2.1).
//   hello        keepalive-timeout (60 s; 0 = disabled), in Call_Connected; restarted by every
//                received packet; expiry -> ECHO_REQUEST; a second expiry with nothing received
//                -> close without ABORT (3.1.2.3).
//   abort T1 3 s / T2 1 s, disconnect T1 5 s / T2 1 s (3.1.2.1, 3.1.2.2) -> clean up.
//
// Deviations from the letter of the spec, each for interop (reference/sstp.md 7.3):
//  * a server defers a CALL_CONNECTED that arrives before PPP authentication has finished and
//    verifies it once the HLAK is known (accel does the same);
//  * ECHO_REQUEST is answered in Connect_Ack_Received / Call_Connected_Pending instead of
//    aborting, and a stray ECHO_RESPONSE there is ignored.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "controlplane/base/bytes.h"
#include "controlplane/base/clock.h"
#include "controlplane/sstp/codec.h"
#include "controlplane/sstp/crypto_binding.h"

namespace ksstp::sstp {

enum class Role : uint8_t { Client, Server };

// 3.1.1.1, 3.2.1.1.1, 3.3.1.1.1. The transient In_Progress states are folded into their
// actions; Closed means "cleaned up".
enum class State : uint8_t {
    Idle,
    ClientConnectRequestSent,
    ClientConnectAckReceived,
    ServerConnectRequestPending,
    ServerCallConnectedPending,
    CallConnected,
    CallAbortPending,
    CallAbortTimeoutPending,
    CallDisconnectAckPending,
    CallDisconnectTimeoutPending,
    Closed,
};
const char* to_string(State s);

struct SstpTimers {
    Duration negotiation{60'000};
    Duration hello{60'000};  // 0 = keepalive disabled
    Duration abort_t1{3'000};
    Duration abort_t2{1'000};
    Duration disconnect_t1{5'000};
    Duration disconnect_t2{1'000};
};

struct SstpConfig {
    Role role = Role::Server;
    SstpTimers timers;
    // Client: CONNECT_REQUEST retries after NAKs; server: NAKs before ABORT (Windows: 3).
    int max_connect_retries = 3;
    // Server: hash protocols offered in CONNECT_ACK (SHA-256 and SHA-1 for old clients).
    uint8_t offered_hash_bitmask = kCertHashProtocolSha1 | kCertHashProtocolSha256;
};

// Why a call ended; mapped to counters and log lines by the owner.
enum class EndReason : uint8_t {
    LocalDisconnect,     // we sent CALL_DISCONNECT (clean)
    PeerDisconnect,      // peer sent CALL_DISCONNECT (clean)
    LocalAbort,          // we aborted (see status)
    PeerAbort,           // peer sent CALL_ABORT
    NegotiationTimeout,
    KeepaliveTimeout,
    StreamError,         // undelineable stream: closed without a message (3.1.5.1)
    TransportClosed,     // TCP/TLS went away
    HttpRefused,         // the HTTP handshake failed (bad request, error status, timeout)
};
const char* to_string(EndReason r);

namespace action {
struct Send {
    Bytes packet;  // one whole SSTP control packet
};
struct PppLowerUp {};
struct CallEstablished {  // crypto binding done: the data gate is open
    HashProtocol hash;
    size_t hlak_index;
};
struct Note {  // something worth one log line
    std::string text;
};
struct Close {  // clean up: close TLS/TCP, free the session
    EndReason reason;
    std::string detail;
    std::optional<StatusInfo> status;  // the Status Info exchanged, when there was one
};
}  // namespace action
using SstpAction =
    std::variant<action::Send, action::PppLowerUp, action::CallEstablished, action::Note, action::Close>;
using SstpActions = std::vector<SstpAction>;

class SessionFsm {
public:
    SessionFsm(SstpConfig cfg, Rng& rng);

    // Client: cert hashes of the server leaf from TLS (null: certificate = "none").
    void set_server_cert(std::optional<CertHashes> cert) { cert_ = cert; }

    // Client: after the HTTP 200; sends CONNECT_REQUEST. Server: at TCP accept.
    void start(Instant now, SstpActions& out);
    // One whole control packet (header included) from the framer.
    void on_control(ByteView packet, Instant now, SstpActions& out);
    // Every received packet (data or control): liveness for the hello timer.
    void on_packet_received(Instant now);
    // PPP authentication finished. Client: exactly one HLAK. Server: candidates (MS-CHAPv1 has
    // two, reference/sstp.md 8.2).
    void on_auth_complete(std::vector<Hlak> hlaks, Instant now, SstpActions& out);
    // Local disconnect (after PPP has terminated) and local abort.
    void disconnect(Instant now, SstpActions& out);
    void abort(AttributeId attrib, Status status, std::string why, Instant now, SstpActions& out);
    void on_timer(Instant now, SstpActions& out);
    // `why`: what the transport reported (TLS alert, reset), kept as the end's detail.
    void on_transport_closed(SstpActions& out, const std::string& why = {});

    std::optional<Instant> next_deadline() const;
    State state() const { return state_; }
    Role role() const { return cfg_.role; }
    bool closed() const { return state_ == State::Closed; }
    // 3.2.7.1 / 3.3.7.1 gate: may a PPP frame of this kind pass (either direction)?
    bool ppp_allowed(bool control_frame) const;
    const std::array<uint8_t, kNonceLen>& nonce() const { return nonce_; }
    std::optional<HashProtocol> chosen_hash() const { return hash_; }

private:
    bool quiet() const;
    void on_message(const Message& m, ByteView raw, Instant now, SstpActions& out);
    void handle_connect_request(const ControlPacket& pkt, Instant now, SstpActions& out);
    void handle_connect_ack(const CallConnectAck& m, Instant now, SstpActions& out);
    void handle_connect_nak(Instant now, SstpActions& out);
    void handle_call_connected(ByteView raw, const CallConnected& m, Instant now, SstpActions& out);
    void verify_deferred(Instant now, SstpActions& out);
    void handle_abort(const CallAbort& m, Instant now, SstpActions& out);
    void handle_disconnect(const CallDisconnect& m, Instant now, SstpActions& out);
    void handle_disconnect_ack(Instant now, SstpActions& out);
    void enter_connected(Instant now);
    void send(const Message& m, SstpActions& out);
    void unexpected(MessageType t, Instant now, SstpActions& out);
    void close(EndReason r, std::string detail, SstpActions& out,
               std::optional<StatusInfo> status = std::nullopt);

    SstpConfig cfg_;
    Rng& rng_;
    State state_ = State::Idle;
    std::optional<Instant> deadline_;
    bool echo_outstanding_ = false;
    int naks_ = 0;
    std::array<uint8_t, kNonceLen> nonce_{};
    std::optional<HashProtocol> hash_;
    std::optional<CertHashes> cert_;
    std::vector<Hlak> hlaks_;
    bool auth_done_ = false;
    Bytes deferred_call_connected_;  // server: raw CALL_CONNECTED waiting for the HLAK
    std::optional<StatusInfo> end_status_;  // abort status we sent, reported at close
    EndReason pending_end_ = EndReason::LocalAbort;
    std::string pending_detail_;
};

}  // namespace ksstp::sstp
