// PppSession: one PPP link over SSTP (RFC 1661 3: Dead -> Establish -> Authenticate -> Network
// -> Terminate). Owns LCP, the authentication protocol of the negotiated method and the NCPs
// (IPCP, IPv6CP); dispatches frames by protocol; rejects what we do not speak (CCP, unknown
// protocols: LCP Protocol-Reject while LCP is Opened; NCP packets before the Network phase are
// silently discarded, RFC 1661 3.5). Pure: frames in, events out (take_events()).
//
// Timers: each FSM's restart timer and the authentication timers; next_deadline() is their
// minimum. The whole setup is additionally bounded by the SSTP negotiation timer (60 s).
//
// Server sequencing: after a successful AuthDone event the owner decides the addresses (secret
// -> profile -> pool) and calls start_network(); until then NCP packets are discarded and the
// peer retransmits. A client starts its NCPs by itself.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "controlplane/base/clock.h"
#include "controlplane/ppp/auth.h"
#include "controlplane/ppp/ipcp.h"
#include "controlplane/ppp/ipv6cp.h"
#include "controlplane/ppp/lcp.h"
#include "controlplane/ppp/multilink.h"
#include "controlplane/ppp/option_fsm.h"

namespace ksstp::ppp {

struct PppConfig {
    bool authenticator = false;              // server role
    std::vector<AuthMethod> methods;         // server: proposal order; client: allowed set
    std::string user, password;              // client credentials
    std::string name = "ksstp";              // CHAP Name of the authenticator
    uint16_t max_mru = kDefaultMru;
    uint16_t max_mtu = kDefaultMru;
    std::optional<uint16_t> mrru;
    bool ipv4 = true;
    bool ipv6 = true;
    bool request_dns = true;                 // client
    FsmTimers timers;
};

enum class Phase : uint8_t { Dead, Establish, Authenticate, Network, Terminate };
const char* to_string(Phase p);

namespace event {
struct SendFrame { Bytes frame; };       // a whole PPP frame (FF 03 + protocol + info)
struct LinkUp { LcpResult lcp; };        // LCP Opened
struct AuthDone { AuthOutcome outcome; };
struct Ipv4Up { IpcpResult ipcp; };
struct Ipv4Down {};
struct Ipv6Up { Ipv6cpResult ipv6cp; };
struct Ipv6Down {};
struct Packet { uint16_t protocol; Bytes data; };  // an IP datagram received
struct Finished { std::string reason; };  // link terminated: the SSTP call should end
struct Note { std::string text; };
}  // namespace event
using PppEvent = std::variant<event::SendFrame, event::LinkUp, event::AuthDone, event::Ipv4Up,
                              event::Ipv4Down, event::Ipv6Up, event::Ipv6Down, event::Packet,
                              event::Finished, event::Note>;

struct PppCounters {
    uint64_t malformed = 0;          // undecodable frames
    uint64_t discarded = 0;          // valid but not acceptable in this phase
    uint64_t protocol_rejects_sent = 0;
    uint64_t data_without_ncp = 0;   // IP datagrams before the NCP opened
    uint64_t oversized_out = 0;      // datagrams larger than the peer can take (MRU or MRRU)
};

class PppSession {
public:
    PppSession(PppConfig cfg, Rng& rng, const CredentialStore* creds);
    ~PppSession();
    PppSession(const PppSession&) = delete;
    PppSession& operator=(const PppSession&) = delete;

    void lower_up(Instant now);
    void lower_down(Instant now);
    void close(Instant now, std::string why);
    void on_frame(ByteView frame, Instant now);
    void on_timer(Instant now);
    std::optional<Instant> next_deadline() const;
    void start_network(std::optional<IpcpServerConfig> v4, Instant now);
    // Encodes an IP datagram as PPP frames appended to `frames` if that protocol's NCP is open:
    // one frame, or with multilink (RFC 1990, `mrru`) several MP fragments when it is larger
    // than the link MTU. False (nothing appended) when the NCP is closed or it is too large.
    bool encode_packet(uint16_t protocol, ByteView datagram, std::vector<Bytes>& frames);
    // Interface MTU: the peer's MRRU with multilink, else the link MTU (LcpResult::mtu).
    uint16_t interface_mtu() const;
    const MpCounters* multilink_counters() const { return mp_rx_ ? &mp_rx_->counters() : nullptr; }

    std::vector<PppEvent> take_events() { return std::exchange(events_, {}); }
    Phase phase() const { return phase_; }
    const LcpResult& lcp() const { return lcp_->result(); }
    const PppCounters& counters() const { return counters_; }
    bool ipv4_up() const { return ipcp_fsm_ && ipcp_fsm_->opened(); }
    bool ipv6_up() const { return ipv6cp_fsm_ && ipv6cp_fsm_->opened(); }
    // An NCP is in the middle of a Configure exchange (RFC 1661 4.2: Req-Sent, Ack-Rcvd or
    // Ack-Sent): its next packets are due within a round trip.
    bool ncp_negotiating() const;

private:
    void emit(PppEvent e) { events_.push_back(std::move(e)); }
    void send(Bytes&& f) { emit(event::SendFrame{std::move(f)}); }
    void on_lcp_up(Instant now);
    void on_lcp_down(Instant now);
    void on_lcp_finished(const std::string& why);
    void check_auth(Instant now);
    void start_ipcp(std::unique_ptr<Ipcp> h, Instant now);
    void start_ipv6cp(Instant now);
    void on_ncp_finished(Instant now);
    void on_protocol_reject(uint16_t protocol, Instant now);
    void protocol_reject(uint16_t protocol, ByteView info);
    LayerHooks ncp_hooks(bool v6);

    PppConfig cfg_;
    Rng& rng_;
    const CredentialStore* creds_;
    Phase phase_ = Phase::Dead;
    std::vector<PppEvent> events_;
    PppCounters counters_;
    std::unique_ptr<Lcp> lcp_;
    std::unique_ptr<OptionFsm> lcp_fsm_;
    std::unique_ptr<AuthProtocol> auth_;
    bool auth_reported_ = false;
    std::unique_ptr<Ipcp> ipcp_;
    std::unique_ptr<OptionFsm> ipcp_fsm_;
    std::unique_ptr<Ipv6cp> ipv6cp_;
    std::unique_ptr<OptionFsm> ipv6cp_fsm_;
    std::optional<MpFragmenter> mp_tx_;     // with multilink (both MRRUs acked)
    std::optional<MpReassembler> mp_rx_;
    std::optional<Instant> now_hint_;  // last event time, for hooks without a `now`
};

}  // namespace ksstp::ppp
