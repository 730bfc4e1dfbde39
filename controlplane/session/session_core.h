// SessionCore: one SSTP call with its PPP link, after TLS, as a pure object. Bytes of the
// decrypted TLS stream go in (on_bytes); bytes to encrypt come out (take_output); what happened
// comes out as SessionEvents (take_events). ServerSession and ClientSession add the HTTP
// handshake and the role's authentication glue. This is what the two-party tests, the session
// fuzzer and the I/O layer (issue "A working tunnel") drive.
//
// Teardown order (reference/sstp.md 11): PPP LCP Terminate first, then SSTP CALL_DISCONNECT;
// the call is over when the SSTP machine says Close.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "controlplane/base/bytes.h"
#include "controlplane/base/clock.h"
#include "controlplane/ppp/ppp_session.h"
#include "controlplane/session/hlak.h"
#include "controlplane/sstp/framer.h"
#include "controlplane/sstp/session_fsm.h"

namespace ksstp::session {

enum class LogLevel : uint8_t { Audit, Ctrl, Diag };

namespace ev {
struct Log { LogLevel level; const char* subsystem; std::string text; };
struct Authenticated { std::string user; ppp::AuthMethod method; };
struct AuthFailed { std::string user; ppp::AuthMethod method; std::string reason; };  // server side
struct Refused { std::string user; std::string reason; };  // server side: authenticated, no session (only-one, pool)
struct Ipv4Up { ppp::IpcpResult ipcp; uint16_t mtu; };
struct Ipv6Up { ppp::Ipv6cpResult ipv6cp; uint16_t mtu; };
struct Established { sstp::HashProtocol hash; };  // crypto binding done, data may flow
struct IpPacket { uint16_t protocol; Bytes data; };
struct Ended { sstp::EndReason reason; std::string detail; };
}  // namespace ev
using SessionEvent = std::variant<ev::Log, ev::Authenticated, ev::AuthFailed, ev::Refused, ev::Ipv4Up, ev::Ipv6Up,
                                  ev::Established, ev::IpPacket, ev::Ended>;

struct SessionCounters {
    uint64_t frames_in = 0, frames_out = 0;
    uint64_t gated_in = 0, gated_out = 0;   // PPP frames refused by the SSTP gate (3.x.7)
    uint64_t malformed_ppp = 0;
};

class SessionCore {
public:
    // `role` decides both machines: the server is the SSTP server and the PPP authenticator.
    SessionCore(sstp::Role role, sstp::SstpConfig scfg, ppp::PppConfig pcfg, Rng& rng,
                const ppp::CredentialStore* creds);
    virtual ~SessionCore() = default;

    virtual void on_bytes(ByteView in, Instant now) = 0;
    void on_timer(Instant now);
    // `why`: what the transport said (TLS alert, reset), for the log.
    void on_transport_closed(Instant now, const std::string& why = {});
    // Administrative end (SIGTERM, ksstpctl disconnect): PPP terminate, then SSTP disconnect.
    void disconnect(Instant now, std::string why);
    // An IP datagram from the session's interface into the tunnel; false if not up yet.
    bool send_ip(uint16_t protocol, ByteView datagram);

    std::optional<Instant> next_deadline() const;
    // A data-plane worker moved packets of this call at `when` (issue 5 item 1): liveness for
    // the SSTP hello timer, as if the session had read them itself.
    void note_received(Instant when) { sstp_.on_packet_received(when); }
    // Bytes of a partial SSTP packet the session's framer holds: the stream can move to a
    // worker's framer only at a packet boundary.
    size_t framer_buffered() const { return framer_.buffered(); }
    Bytes take_output() { return std::exchange(out_, {}); }
    // The same, appended to `dst`; when `dst` is empty the buffers are swapped, so a busy session
    // and its owner pass the same two allocations back and forth instead of making new ones.
    void take_output_into(Bytes& dst) {
        if (dst.empty()) std::swap(dst, out_);
        else dst.insert(dst.end(), out_.begin(), out_.end());
        out_.clear();
    }
    std::vector<SessionEvent> take_events() { return std::exchange(events_, {}); }
    bool ended() const { return ended_; }
    const sstp::SessionFsm& sstp() const { return sstp_; }
    const ppp::PppSession& ppp() const { return ppp_; }
    const SessionCounters& counters() const { return counters_; }

protected:
    // Role hook: PPP authentication finished (success or not).
    virtual void on_auth_done(const ppp::AuthOutcome& o, Instant now) = 0;
    void feed_sstp(ByteView in, Instant now);
    void log(LogLevel l, const char* subsystem, std::string text) {
        events_.push_back(ev::Log{l, subsystem, std::move(text)});
    }
    void emit(SessionEvent e) { events_.push_back(std::move(e)); }
    void run_sstp(sstp::SstpActions& acts, Instant now);
    void run_ppp(Instant now);
    void end(sstp::EndReason r, std::string detail);
    const char* describe_candidate(size_t index) const;

    Bytes out_;
    std::vector<Bytes> tx_frames_;  // send_ip scratch: one frame, or MP fragments
    std::vector<SessionEvent> events_;
    sstp::SessionFsm sstp_;
    ppp::PppSession ppp_;
    sstp::SstpFramer framer_;
    SessionCounters counters_;
    bool ended_ = false;
    bool http_done_ = false;
    std::optional<Instant> http_deadline_;  // the HTTP exchange shares the 60 s budget
    uint16_t max_mtu_;
    ppp::AuthMethod auth_method_ = ppp::AuthMethod::None;
};

}  // namespace ksstp::session
