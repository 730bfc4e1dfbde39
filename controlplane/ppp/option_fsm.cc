// RFC 1661 option-negotiation automaton; see option_fsm.h. Transitions follow the state table of
// RFC 1661 4.1 (reproduced in reference/ppp.md 3.3); comments name the table's event.
#include "controlplane/ppp/option_fsm.h"

namespace ksstp::ppp {

const char* to_string(FsmState s) {
    static const char* names[] = {"Initial", "Starting", "Closed",  "Stopped", "Closing",
                                  "Stopping", "Req-Sent", "Ack-Rcvd", "Ack-Sent", "Opened"};
    return names[size_t(s)];
}

OptionFsm::OptionFsm(uint16_t protocol, const char* name, OptionHandler& handler, FsmTimers timers,
                     SendFn send)
    : protocol_(protocol), name_(name), h_(handler), t_(timers), send_(std::move(send)) {}

void OptionFsm::set_state(FsmState s) {
    state_ = s;
    // The restart timer only runs while a Configure- or Terminate-Request is outstanding.
    switch (s) {
        case FsmState::Closing:
        case FsmState::Stopping:
        case FsmState::ReqSent:
        case FsmState::AckRcvd:
        case FsmState::AckSent:
            break;
        default:
            timer_.reset();
    }
}

void OptionFsm::send_packet(uint8_t code, uint8_t id, ByteView data) {
    Bytes frame;
    encode_cp_frame(protocol_, code, id, data, frame);
    send_(std::move(frame));
}

void OptionFsm::send_packet(uint8_t code, ByteView data) { send_packet(code, next_id_++, data); }

void OptionFsm::irc(bool configure) {
    restart_count_ = configure ? t_.max_configure : t_.max_terminate;
}

void OptionFsm::zrc(Instant now) {
    restart_count_ = 0;
    timer_ = now + t_.restart;
}

void OptionFsm::scr(Instant now, bool retransmit) {
    if (!retransmit) {
        // A new request (new Identifier) whenever options may have changed (RFC 1661 5.1).
        req_options_.clear();
        h_.build_request(req_options_);
        req_id_ = next_id_++;
    }
    --restart_count_;
    reply_seen_ = false;
    send_packet(uint8_t(Code::ConfigureRequest), req_id_, req_options_);
    timer_ = now + t_.restart;
}

void OptionFsm::str(Instant now) {
    --restart_count_;
    send_packet(uint8_t(Code::TerminateRequest), {});
    timer_ = now + t_.restart;
}

void OptionFsm::sta(uint8_t id, ByteView data) { send_packet(uint8_t(Code::TerminateAck), id, data); }

void OptionFsm::tlu(Instant now) {
    naks_received_ = 0;
    h_.this_layer_up(now);
}
void OptionFsm::tld(Instant now) { h_.this_layer_down(now); }
void OptionFsm::tlf(std::string why) {
    finish_reason_ = why;
    h_.this_layer_finished(why);
}

void OptionFsm::up(Instant now) {
    switch (state_) {
        case FsmState::Initial: set_state(FsmState::Closed); break;
        case FsmState::Starting:
            irc(true);
            scr(now, false);
            set_state(FsmState::ReqSent);
            break;
        default: break;  // "-": cannot happen
    }
}

void OptionFsm::down(Instant now) {
    switch (state_) {
        case FsmState::Closed:
        case FsmState::Closing: set_state(FsmState::Initial); break;
        case FsmState::Stopped:
            h_.this_layer_started();
            set_state(FsmState::Starting);
            break;
        case FsmState::Stopping:
        case FsmState::ReqSent:
        case FsmState::AckRcvd:
        case FsmState::AckSent: set_state(FsmState::Starting); break;
        case FsmState::Opened:
            tld(now);
            set_state(FsmState::Starting);
            break;
        default: break;
    }
}

void OptionFsm::open(Instant now) {
    switch (state_) {
        case FsmState::Initial:
            h_.this_layer_started();
            set_state(FsmState::Starting);
            break;
        case FsmState::Closed:
            irc(true);
            scr(now, false);
            set_state(FsmState::ReqSent);
            break;
        case FsmState::Closing: set_state(FsmState::Stopping); break;
        default: break;
    }
}

void OptionFsm::close(Instant now, std::string why) {
    finish_reason_ = why;
    switch (state_) {
        case FsmState::Starting:
            set_state(FsmState::Initial);
            tlf(why);
            break;
        case FsmState::Stopped: set_state(FsmState::Closed); break;
        case FsmState::Stopping: set_state(FsmState::Closing); break;
        case FsmState::Opened:
            tld(now);
            [[fallthrough]];
        case FsmState::ReqSent:
        case FsmState::AckRcvd:
        case FsmState::AckSent:
            irc(false);
            str(now);
            set_state(FsmState::Closing);
            break;
        default: break;
    }
}

void OptionFsm::on_timer(Instant now) {
    if (!timer_ || now < *timer_) return;
    timer_.reset();
    if (restart_count_ > 0) {  // TO+
        switch (state_) {
            case FsmState::Closing:
            case FsmState::Stopping: str(now); break;
            case FsmState::ReqSent:
            case FsmState::AckRcvd:
                scr(now, true);
                set_state(FsmState::ReqSent);
                break;
            case FsmState::AckSent: scr(now, true); break;
            default: break;
        }
        return;
    }
    // TO-
    switch (state_) {
        case FsmState::Closing:
            set_state(FsmState::Closed);
            tlf(finish_reason_.empty() ? "terminated" : finish_reason_);
            break;
        case FsmState::Stopping:
            set_state(FsmState::Stopped);
            tlf(finish_reason_.empty() ? "terminated" : finish_reason_);
            break;
        case FsmState::ReqSent:
        case FsmState::AckRcvd:
        case FsmState::AckSent:
            set_state(FsmState::Stopped);
            tlf(std::string(name_) + ": no answer to " + std::to_string(t_.max_configure) +
                " Configure-Requests");
            break;
        default: break;
    }
}

void OptionFsm::rxj_minus(Instant now, std::string why) {
    switch (state_) {
        case FsmState::Closed:
        case FsmState::Closing:
            set_state(FsmState::Closed);
            tlf(why);
            break;
        case FsmState::Stopped:
        case FsmState::Stopping:
        case FsmState::ReqSent:
        case FsmState::AckRcvd:
        case FsmState::AckSent:
            set_state(FsmState::Stopped);
            tlf(why);
            break;
        case FsmState::Opened:
            finish_reason_ = why;
            tld(now);
            irc(false);
            str(now);
            set_state(FsmState::Stopping);
            break;
        default: break;
    }
}

void OptionFsm::receive(ByteView info, Instant now) {
    auto p = decode_cp(info);
    // RFC 1661 5: invalid packets are silently discarded.
    if (!p || state_ == FsmState::Initial || state_ == FsmState::Starting) {
        ++dropped_;
        return;
    }
    switch (Code(p->code)) {
        case Code::ConfigureRequest: rcr(*p, now); return;
        case Code::ConfigureAck: rca(*p, now); return;
        case Code::ConfigureNak:
        case Code::ConfigureReject: rcn(*p, now); return;
        case Code::TerminateRequest: rtr(*p, now); return;
        case Code::TerminateAck: rta(now); return;
        case Code::CodeReject: {
            // RFC 1661 5.6: a rejected code we need (1-7) is catastrophic (RXJ-).
            uint8_t code = p->data.empty() ? 0 : p->data[0];
            if (code >= 1 && code <= 7)
                rxj_minus(now, std::string(name_) + ": peer rejected code " + std::to_string(code));
            return;  // RXJ+: nothing to do
        }
        default:
            if (!h_.handle_code(*p, now)) ruc(*p, info);
            return;
    }
}

void OptionFsm::ruc(const CpPacket&, ByteView info) {
    // RFC 1661 5.6 Code-Reject carries the rejected packet (truncated to fit the default MRU).
    send_packet(uint8_t(Code::CodeReject), info.first(std::min<size_t>(info.size(), kDefaultMru - kCpHeaderLen)));
}

void OptionFsm::rcr(const CpPacket& p, Instant now) {
    if (state_ == FsmState::Closed) {
        sta(p.id);
        return;
    }
    if (state_ == FsmState::Closing || state_ == FsmState::Stopping) return;
    auto opts = decode_options(p.data);
    if (!opts) {
        ++dropped_;
        return;
    }
    // Classify option by option (RFC 1661 5.1-5.4): Reject wins over Nak, Nak over Ack.
    h_.begin_peer_request();
    Bytes rej, nak, rej_of_naks;
    for (const Option& o : *opts) {
        OptionVerdict v = h_.check_option(o);
        if (v.kind == OptionVerdict::Reject) {
            encode_option(o.type, o.value, rej);
        } else if (v.kind == OptionVerdict::Nak) {
            encode_option(o.type, v.nak_value, nak);
            encode_option(o.type, o.value, rej_of_naks);
        }
    }
    Bytes hints;
    if (rej.empty()) h_.nak_hints(hints);
    uint8_t code;
    Bytes reply;
    if (!rej.empty()) {
        code = uint8_t(Code::ConfigureReject);
        reply = std::move(rej);
    } else if (!nak.empty() || !hints.empty()) {
        if (++naks_sent_ > t_.max_failure && !nak.empty()) {
            // Max-Failure: the peer ignores our suggestions; stop the loop by rejecting.
            code = uint8_t(Code::ConfigureReject);
            reply = std::move(rej_of_naks);
        } else if (naks_sent_ > t_.max_failure) {
            code = uint8_t(Code::ConfigureAck);  // only hints left: accept what was asked
            reply.assign(p.data.begin(), p.data.end());
        } else {
            code = uint8_t(Code::ConfigureNak);
            reply = std::move(nak);
            reply.insert(reply.end(), hints.begin(), hints.end());
        }
    } else {
        code = uint8_t(Code::ConfigureAck);
        reply.assign(p.data.begin(), p.data.end());
    }
    const bool good = code == uint8_t(Code::ConfigureAck);
    if (good) {
        naks_sent_ = 0;
        h_.peer_request_acked();
    }
    auto reply_now = [&] { send_packet(code, p.id, reply); };
    switch (state_) {
        case FsmState::Stopped:
            irc(true);
            scr(now, false);
            reply_now();
            set_state(good ? FsmState::AckSent : FsmState::ReqSent);
            break;
        case FsmState::ReqSent:
        case FsmState::AckSent:
            reply_now();
            set_state(good ? FsmState::AckSent : FsmState::ReqSent);
            break;
        case FsmState::AckRcvd:
            reply_now();
            if (good) {
                set_state(FsmState::Opened);
                tlu(now);
            }
            break;
        case FsmState::Opened:
            tld(now);
            irc(true);
            scr(now, false);
            reply_now();
            set_state(good ? FsmState::AckSent : FsmState::ReqSent);
            break;
        default: break;
    }
}

void OptionFsm::rca(const CpPacket& p, Instant now) {
    // RFC 1661 5.2: an Ack must match the outstanding request exactly; otherwise discard. A
    // second reply to the same request is a duplicate (see reply_seen_).
    if (p.id != req_id_ || !equal(p.data, req_options_) || reply_seen_) {
        if (state_ != FsmState::Closed && state_ != FsmState::Stopped) {
            ++dropped_;
            return;
        }
    }
    if (state_ != FsmState::Closed && state_ != FsmState::Stopped) reply_seen_ = true;
    switch (state_) {
        case FsmState::Closed:
        case FsmState::Stopped: sta(p.id); break;
        case FsmState::ReqSent:
            irc(true);
            h_.request_acked();
            set_state(FsmState::AckRcvd);  // restart timer keeps running (TO+ -> scr)
            break;
        case FsmState::AckRcvd:  // crossed connection
            scr(now, false);
            set_state(FsmState::ReqSent);
            break;
        case FsmState::AckSent:
            irc(true);
            h_.request_acked();
            set_state(FsmState::Opened);
            tlu(now);
            break;
        case FsmState::Opened:
            tld(now);
            scr(now, false);
            set_state(FsmState::ReqSent);
            break;
        default: break;
    }
}

void OptionFsm::rcn(const CpPacket& p, Instant now) {
    if (state_ == FsmState::Closed || state_ == FsmState::Stopped) {
        sta(p.id);
        return;
    }
    if (state_ == FsmState::Closing || state_ == FsmState::Stopping) return;
    if (p.id != req_id_ || reply_seen_) {
        ++dropped_;
        return;
    }
    auto opts = decode_options(p.data);
    if (!opts) {
        ++dropped_;
        return;
    }
    const bool is_reject = p.code == uint8_t(Code::ConfigureReject);
    if (is_reject) {
        // RFC 1661 5.4: a Reject may only list options we sent; anything else is bogus.
        auto sent = decode_options(req_options_);
        for (const Option& o : *opts) {
            bool found = false;
            for (const Option& s : *sent) found = found || (s.type == o.type && equal(s.value, o.value));
            if (!found) {
                ++dropped_;
                return;
            }
        }
    }
    if (++naks_received_ > t_.max_configure) {
        set_state(FsmState::Stopped);
        tlf(std::string(name_) + ": negotiation does not converge");
        return;
    }
    bool ok = is_reject ? h_.request_rejected(*opts) : h_.request_naked(*opts);
    if (!ok) {
        close(now, std::string(name_) + ": peer refuses a required option");
        return;
    }
    switch (state_) {
        case FsmState::ReqSent:
            irc(true);
            scr(now, false);
            break;
        case FsmState::AckRcvd:  // crossed connection
            scr(now, false);
            set_state(FsmState::ReqSent);
            break;
        case FsmState::AckSent:
            irc(true);
            scr(now, false);
            break;
        case FsmState::Opened:
            tld(now);
            scr(now, false);
            set_state(FsmState::ReqSent);
            break;
        default: break;
    }
}

void OptionFsm::rtr(const CpPacket& p, Instant now) {
    switch (state_) {
        case FsmState::Opened:
            finish_reason_ = std::string(name_) + ": peer sent Terminate-Request";
            tld(now);
            zrc(now);
            sta(p.id);
            set_state(FsmState::Stopping);  // zrc: one restart interval, then tlf
            break;
        case FsmState::ReqSent:
        case FsmState::AckRcvd:
        case FsmState::AckSent:
            sta(p.id);
            set_state(FsmState::ReqSent);
            break;
        default:
            sta(p.id);
            break;
    }
}

void OptionFsm::rta(Instant now) {
    switch (state_) {
        case FsmState::Closing:
            set_state(FsmState::Closed);
            tlf(finish_reason_.empty() ? "terminated" : finish_reason_);
            break;
        case FsmState::Stopping:
            set_state(FsmState::Stopped);
            tlf(finish_reason_.empty() ? "terminated" : finish_reason_);
            break;
        case FsmState::AckRcvd: set_state(FsmState::ReqSent); break;
        case FsmState::Opened:
            tld(now);
            scr(now, false);
            set_state(FsmState::ReqSent);
            break;
        default: break;
    }
}

}  // namespace ksstp::ppp
