// The RFC 1661 section 4 option-negotiation automaton, shared by LCP, IPCP and IPv6CP.
// Protocol specifics plug in through OptionHandler (strongSwan's task idea: one contract,
// several implementations). Pure: every event carries `now`; packets leave through a send
// callback owned by PppSession; the restart timer is a deadline the owner polls.
//
// Timer and counters (RFC 1661 4.6): restart timer 3 s, Max-Terminate 2, Max-Configure 10,
// Max-Failure 5 (Naks sent before converting them to Rejects). In addition, consecutive Naks or
// Rejects *received* are bounded by Max-Configure: the table's "irc,scr" on RCN would otherwise
// let a peer keep us in a Nak loop forever (reference/interop.md I2).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/base/bytes.h"
#include "controlplane/base/clock.h"
#include "controlplane/ppp/packet.h"

namespace ksstp::ppp {

struct FsmTimers {
    Duration restart{3'000};
    int max_configure = 10;
    int max_terminate = 2;
    int max_failure = 5;
};

// RFC 1661 4.2 states.
enum class FsmState : uint8_t {
    Initial, Starting, Closed, Stopped, Closing, Stopping, ReqSent, AckRcvd, AckSent, Opened
};
const char* to_string(FsmState s);

// A handler's verdict on one option of the peer's Configure-Request.
struct OptionVerdict {
    enum Kind : uint8_t { Ack, Nak, Reject } kind = Ack;
    Bytes nak_value;  // the value to suggest (Nak only)
    static OptionVerdict ack() { return {}; }
    static OptionVerdict reject() { return {Reject, {}}; }
    static OptionVerdict nak(Bytes v) { return {Nak, std::move(v)}; }
};

class OptionHandler {
public:
    virtual ~OptionHandler() = default;
    // Our Configure-Request options as they stand now.
    virtual void build_request(Bytes& options) = 0;
    // The peer's Configure-Request, option by option, in order; values are tentative until
    // peer_request_acked().
    virtual void begin_peer_request() {}
    virtual OptionVerdict check_option(const Option& o) = 0;
    // Options the peer should add, sent as a Nak (e.g. IPCP IP-Address when missing).
    virtual void nak_hints(Bytes& /*hints*/) {}
    virtual void peer_request_acked() {}
    // Replies to our request. Returning false means negotiation cannot succeed.
    virtual void request_acked() {}
    virtual bool request_naked(const std::vector<Option>& opts) = 0;
    virtual bool request_rejected(const std::vector<Option>& opts) = 0;
    // Layer actions (RFC 1661 4.4): tlu, tld, tls, tlf.
    virtual void this_layer_up(Instant now) = 0;
    virtual void this_layer_down(Instant now) = 0;
    virtual void this_layer_started() {}
    virtual void this_layer_finished(const std::string& why) = 0;
    // Codes beyond 1-7 (LCP 8-13). Return false to have the FSM send Code-Reject (RUC).
    virtual bool handle_code(const CpPacket& /*p*/, Instant /*now*/) { return false; }
};

class OptionFsm {
public:
    using SendFn = std::function<void(Bytes&& frame)>;

    OptionFsm(uint16_t protocol, const char* name, OptionHandler& handler, FsmTimers timers, SendFn send);

    // RFC 1661 4.1 events.
    void up(Instant now);
    void down(Instant now);
    void open(Instant now);
    void close(Instant now, std::string why);
    void on_timer(Instant now);
    // One packet of this protocol (the PPP information field).
    void receive(ByteView info, Instant now);
    // RXJ-: the peer rejected this protocol or a code that is essential (e.g. Protocol-Reject).
    void rxj_minus(Instant now, std::string why);

    FsmState state() const { return state_; }
    bool opened() const { return state_ == FsmState::Opened; }
    std::optional<Instant> next_deadline() const { return timer_; }
    const char* name() const { return name_; }
    uint16_t protocol() const { return protocol_; }
    // Sends a packet with a fresh Identifier (LCP Protocol-Reject, Echo-Request).
    void send_packet(uint8_t code, ByteView data);
    void send_packet(uint8_t code, uint8_t id, ByteView data);
    size_t dropped() const { return dropped_; }
    const std::string& finish_reason() const { return finish_reason_; }

private:
    void set_state(FsmState s);
    void irc(bool configure);
    void zrc(Instant now);
    void scr(Instant now, bool retransmit);
    void str(Instant now);
    void sta(uint8_t id, ByteView data = {});
    void tlu(Instant now);
    void tld(Instant now);
    void tlf(std::string why);
    void rcr(const CpPacket& p, Instant now);
    void rca(const CpPacket& p, Instant now);
    void rcn(const CpPacket& p, Instant now);
    void rtr(const CpPacket& p, Instant now);
    void rta(Instant now);
    void ruc(const CpPacket& p, ByteView info);

    uint16_t protocol_;
    const char* name_;
    OptionHandler& h_;
    FsmTimers t_;
    SendFn send_;
    FsmState state_ = FsmState::Initial;
    std::optional<Instant> timer_;
    int restart_count_ = 0;
    int naks_sent_ = 0;      // consecutive, for Max-Failure
    int naks_received_ = 0;  // consecutive, bounded by Max-Configure
    uint8_t next_id_ = 1;
    uint8_t req_id_ = 0;
    Bytes req_options_;      // our outstanding Configure-Request options
    size_t dropped_ = 0;
    // An Ack, Nak or Reject of the outstanding request was taken: another reply to the same
    // request (the peer answered a retransmission too) is a duplicate and discarded, not a
    // crossed connection that restarts negotiation (pppd's seen_ack; SoftEther answers both).
    bool reply_seen_ = false;
    std::string finish_reason_;
};

}  // namespace ksstp::ppp
