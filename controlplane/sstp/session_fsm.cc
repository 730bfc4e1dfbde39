// SSTP call state machine; see session_fsm.h. Section numbers refer to MS-SSTP v21.0.
#include "controlplane/sstp/session_fsm.h"

#include "controlplane/crypto/digest.h"

namespace ksstp::sstp {

const char* to_string(State s) {
    switch (s) {
        case State::Idle: return "Idle";
        case State::ClientConnectRequestSent: return "Client_Connect_Request_Sent";
        case State::ClientConnectAckReceived: return "Client_Connect_Ack_Received";
        case State::ServerConnectRequestPending: return "Server_Connect_Request_Pending";
        case State::ServerCallConnectedPending: return "Server_Call_Connected_Pending";
        case State::CallConnected: return "Call_Connected";
        case State::CallAbortPending: return "Call_Abort_Pending";
        case State::CallAbortTimeoutPending: return "Call_Abort_Timeout_Pending";
        case State::CallDisconnectAckPending: return "Call_Disconnect_Ack_Pending";
        case State::CallDisconnectTimeoutPending: return "Call_Disconnect_Timeout_Pending";
        case State::Closed: return "Closed";
    }
    return "?";
}

const char* to_string(EndReason r) {
    switch (r) {
        case EndReason::LocalDisconnect: return "disconnected";
        case EndReason::PeerDisconnect: return "disconnected by peer";
        case EndReason::LocalAbort: return "aborted";
        case EndReason::PeerAbort: return "aborted by peer";
        case EndReason::NegotiationTimeout: return "negotiation timeout";
        case EndReason::KeepaliveTimeout: return "keepalive timeout";
        case EndReason::StreamError: return "stream error";
        case EndReason::TransportClosed: return "connection closed";
        case EndReason::HttpRefused: return "HTTP handshake failed";
    }
    return "?";
}

SessionFsm::SessionFsm(SstpConfig cfg, Rng& rng) : cfg_(cfg), rng_(rng) {}

bool SessionFsm::quiet() const {
    // "Quiet4" in reference/sstp.md 7.1: teardown states that discard most control messages.
    return state_ == State::CallAbortPending || state_ == State::CallAbortTimeoutPending ||
           state_ == State::CallDisconnectAckPending || state_ == State::CallDisconnectTimeoutPending;
}

bool SessionFsm::ppp_allowed(bool control_frame) const {
    switch (state_) {
        case State::ClientConnectAckReceived:
        case State::ServerCallConnectedPending:
            return control_frame;  // 3.2.7.1 / 3.3.7.1: data frames wait for CALL_CONNECTED
        case State::CallConnected:
            return true;
        default:
            return false;
    }
}

std::optional<Instant> SessionFsm::next_deadline() const { return deadline_; }

void SessionFsm::send(const Message& m, SstpActions& out) { out.push_back(action::Send{encode(m)}); }

void SessionFsm::close(EndReason r, std::string detail, SstpActions& out,
                       std::optional<StatusInfo> status) {
    if (state_ == State::Closed) return;
    state_ = State::Closed;
    deadline_.reset();
    out.push_back(action::Close{r, std::move(detail), std::move(status)});
}

void SessionFsm::start(Instant now, SstpActions& out) {
    if (state_ != State::Idle) return;
    deadline_ = now + cfg_.timers.negotiation;
    if (cfg_.role == Role::Client) {
        send(CallConnectRequest{}, out);
        state_ = State::ClientConnectRequestSent;
    } else {
        state_ = State::ServerConnectRequestPending;
    }
}

void SessionFsm::abort(AttributeId attrib, Status status, std::string why, Instant now,
                       SstpActions& out) {
    if (state_ == State::Closed || state_ == State::Idle || quiet()) return;
    // 3.1.4.x abort procedure: Call_Abort_In_Progress_1 -> send ABORT, T1 -> Call_Abort_Pending.
    StatusInfo si = StatusInfo::make(attrib, status);
    send(CallAbort{si}, out);
    out.push_back(action::Note{"sending CALL_ABORT (" + std::string(to_string(status)) + "): " + why});
    end_status_ = si;
    pending_end_ = EndReason::LocalAbort;
    pending_detail_ = std::move(why);
    state_ = State::CallAbortPending;
    deadline_ = now + cfg_.timers.abort_t1;
}

void SessionFsm::disconnect(Instant now, SstpActions& out) {
    if (state_ == State::Idle) {
        close(EndReason::LocalDisconnect, "disconnected before start", out);
        return;
    }
    if (state_ == State::Closed || quiet()) return;
    // 3.1.4.x Call_Disconnect_In_Progress_1. Status Info always present: sstpc needs it (B3).
    send(CallDisconnect{StatusInfo::make(AttributeId::NoError, Status::NoError)}, out);
    pending_end_ = EndReason::LocalDisconnect;
    pending_detail_ = "local disconnect";
    state_ = State::CallDisconnectAckPending;
    deadline_ = now + cfg_.timers.disconnect_t1;
}

void SessionFsm::on_packet_received(Instant now) {
    if (state_ == State::CallConnected && cfg_.timers.hello.count() > 0) {
        echo_outstanding_ = false;
        deadline_ = now + cfg_.timers.hello;
    }
}

void SessionFsm::enter_connected(Instant now) {
    state_ = State::CallConnected;
    echo_outstanding_ = false;
    if (cfg_.timers.hello.count() > 0)
        deadline_ = now + cfg_.timers.hello;
    else
        deadline_.reset();
}

void SessionFsm::on_timer(Instant now, SstpActions& out) {
    if (!deadline_ || now < *deadline_) return;
    switch (state_) {
        case State::ClientConnectRequestSent:
        case State::ClientConnectAckReceived:
        case State::ServerConnectRequestPending:
        case State::ServerCallConnectedPending:
            abort(AttributeId::NoError, Status::NegotiationTimeout,
                  "negotiation not finished within " +
                      std::to_string(cfg_.timers.negotiation.count() / 1000) + " s",
                  now, out);
            pending_end_ = EndReason::NegotiationTimeout;
            break;
        case State::CallConnected:
            if (echo_outstanding_) {
                // 3.1.2.3: nothing received for two hello intervals: drop without ABORT.
                close(EndReason::KeepaliveTimeout,
                      "no packet from peer for " + std::to_string(2 * cfg_.timers.hello.count() / 1000) + " s",
                      out);
            } else {
                send(EchoRequest{}, out);
                echo_outstanding_ = true;
                deadline_ = now + cfg_.timers.hello;
            }
            break;
        case State::CallAbortPending:
        case State::CallAbortTimeoutPending:
        case State::CallDisconnectAckPending:
        case State::CallDisconnectTimeoutPending:
            close(pending_end_, pending_detail_, out, end_status_);
            break;
        case State::Idle:
        case State::Closed:
            deadline_.reset();
            break;
    }
}

void SessionFsm::on_transport_closed(SstpActions& out, const std::string& why) {
    if (state_ == State::Closed) return;
    // A close during the teardown states is the expected end of that teardown.
    if (quiet())
        close(pending_end_, pending_detail_, out, end_status_);
    else
        close(EndReason::TransportClosed, why.empty() ? "connection closed by peer" : why, out);
}

void SessionFsm::on_control(ByteView packet, Instant now, SstpActions& out) {
    if (state_ == State::Closed || state_ == State::Idle) return;
    auto pkt = decode_control(packet);
    if (!pkt) {
        ErrorAction a = action_for(pkt.error());
        if (a.action == ProtocolAction::CloseSilently) {
            close(EndReason::StreamError, to_string(pkt.error()), out);
        } else if (!quiet()) {
            abort(AttributeId::NoError, a.status, std::string("malformed control packet: ") + to_string(pkt.error()),
                  now, out);
        }
        return;
    }
    // The server checks CONNECT_REQUEST attribute by attribute to NAK each problem.
    if (pkt->type == MessageType::CallConnectRequest && cfg_.role == Role::Server &&
        state_ == State::ServerConnectRequestPending) {
        handle_connect_request(*pkt, now, out);
        return;
    }
    auto msg = parse_message(*pkt);
    if (!msg) {
        if (!quiet())
            abort(msg.error().attrib_id, msg.error().status,
                  std::string(to_string(pkt->type)) + ": " + msg.error().what, now, out);
        return;
    }
    on_message(*msg, packet, now, out);
}

void SessionFsm::unexpected(MessageType t, Instant now, SstpActions& out) {
    if (quiet()) return;  // ignored in the teardown states
    abort(AttributeId::NoError, Status::UnacceptedFrameReceived,
          std::string(to_string(t)) + " not acceptable in state " + to_string(state_), now, out);
}

void SessionFsm::on_message(const Message& m, ByteView raw, Instant now, SstpActions& out) {
    const bool client = cfg_.role == Role::Client;
    std::visit(
        [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, CallConnectAck>) {
                if (client && state_ == State::ClientConnectRequestSent)
                    handle_connect_ack(v, now, out);
                else
                    unexpected(MessageType::CallConnectAck, now, out);
            } else if constexpr (std::is_same_v<T, CallConnectNak>) {
                if (client && state_ == State::ClientConnectRequestSent)
                    handle_connect_nak(now, out);
                else
                    unexpected(MessageType::CallConnectNak, now, out);
            } else if constexpr (std::is_same_v<T, CallConnectRequest>) {
                unexpected(MessageType::CallConnectRequest, now, out);
            } else if constexpr (std::is_same_v<T, CallConnected>) {
                if (!client && state_ == State::ServerCallConnectedPending)
                    handle_call_connected(raw, v, now, out);
                else
                    unexpected(MessageType::CallConnected, now, out);
            } else if constexpr (std::is_same_v<T, CallAbort>) {
                handle_abort(v, now, out);
            } else if constexpr (std::is_same_v<T, CallDisconnect>) {
                handle_disconnect(v, now, out);
            } else if constexpr (std::is_same_v<T, CallDisconnectAck>) {
                handle_disconnect_ack(now, out);
            } else if constexpr (std::is_same_v<T, EchoRequest>) {
                if (state_ == State::CallConnected || state_ == State::ClientConnectAckReceived ||
                    state_ == State::ServerCallConnectedPending)
                    send(EchoResponse{}, out);
                else
                    unexpected(MessageType::EchoRequest, now, out);
            } else if constexpr (std::is_same_v<T, EchoResponse>) {
                if (state_ == State::ClientConnectRequestSent || state_ == State::ServerConnectRequestPending)
                    unexpected(MessageType::EchoResponse, now, out);
                // Call_Connected: liveness already counted by on_packet_received.
            }
        },
        m);
}

void SessionFsm::handle_connect_request(const ControlPacket& pkt, Instant now, SstpActions& out) {
    auto problems = check_connect_request(pkt);
    if (!problems.empty()) {
        // 3.3.5.2.2: NAK with one Status Info per problem; abort after the retry limit.
        if (++naks_ > cfg_.max_connect_retries) {
            abort(AttributeId::StatusInfo, Status::RetryCountExceeded,
                  "too many invalid CALL_CONNECT_REQUESTs", now, out);
            return;
        }
        out.push_back(action::Note{"invalid CALL_CONNECT_REQUEST (" +
                                   std::string(to_string(problems[0].status)) + "), sending NAK"});
        send(CallConnectNak{std::move(problems)}, out);
        return;
    }
    rng_.fill(nonce_);
    CallConnectAck ack;
    ack.binding_request.hash_bitmask = cfg_.offered_hash_bitmask;
    ack.binding_request.nonce = nonce_;
    send(ack, out);
    state_ = State::ServerCallConnectedPending;
    deadline_ = now + cfg_.timers.negotiation;
    out.push_back(action::PppLowerUp{});
}

void SessionFsm::handle_connect_ack(const CallConnectAck& m, Instant now, SstpActions& out) {
    auto h = choose_hash(m.binding_request.hash_bitmask);
    if (!h) {
        // 3.2.5.3.2: no common hash protocol.
        abort(AttributeId::CryptoBindingReq, Status::ValueNotSupported,
              "server offers no supported crypto binding hash", now, out);
        return;
    }
    hash_ = h;
    nonce_ = m.binding_request.nonce;
    state_ = State::ClientConnectAckReceived;
    deadline_ = now + cfg_.timers.negotiation;
    out.push_back(action::PppLowerUp{});
}

void SessionFsm::handle_connect_nak(Instant now, SstpActions& out) {
    if (++naks_ > cfg_.max_connect_retries) {
        abort(AttributeId::StatusInfo, Status::RetryCountExceeded, "CALL_CONNECT_REQUEST refused", now, out);
        return;
    }
    out.push_back(action::Note{"server sent CALL_CONNECT_NAK, retrying"});
    send(CallConnectRequest{}, out);
    deadline_ = now + cfg_.timers.negotiation;
}

void SessionFsm::on_auth_complete(std::vector<Hlak> hlaks, Instant now, SstpActions& out) {
    if (cfg_.role == Role::Client) {
        if (state_ != State::ClientConnectAckReceived || !hash_ || hlaks.empty()) return;
        out.push_back(action::Send{build_call_connected(nonce_, *hash_, cert_ ? &*cert_ : nullptr, hlaks[0])});
        enter_connected(now);
        out.push_back(action::CallEstablished{*hash_, 0});
        return;
    }
    hlaks_ = std::move(hlaks);
    auth_done_ = true;
    if (state_ == State::ServerCallConnectedPending && !deferred_call_connected_.empty())
        verify_deferred(now, out);
}

void SessionFsm::handle_call_connected(ByteView raw, const CallConnected&, Instant now, SstpActions& out) {
    if (!deferred_call_connected_.empty()) {
        abort(AttributeId::NoError, Status::UnacceptedFrameReceived, "second CALL_CONNECTED", now, out);
        return;
    }
    deferred_call_connected_.assign(raw.begin(), raw.end());
    if (!auth_done_) {
        // reference/sstp.md 7.3: sstpc and others may send it before our PPP auth result.
        out.push_back(action::Note{"CALL_CONNECTED before PPP authentication finished; deferring"});
        return;
    }
    verify_deferred(now, out);
}

void SessionFsm::verify_deferred(Instant now, SstpActions& out) {
    Bytes raw = std::move(deferred_call_connected_);
    deferred_call_connected_.clear();
    // It parsed when it arrived; parse again rather than keep views into a moved buffer.
    auto pkt = decode_control(raw);
    if (!pkt) return;
    auto msg = parse_message(*pkt);
    if (!msg || !std::holds_alternative<CallConnected>(*msg)) return;
    const auto& cc = std::get<CallConnected>(*msg);
    auto v = verify_call_connected(raw, cc, cfg_.offered_hash_bitmask, nonce_, cert_ ? &*cert_ : nullptr, hlaks_);
    crypto::wipe(hlaks_);
    if (!v) {
        abort(v.error().attrib_id, v.error().status,
              std::string("crypto binding failed: ") + v.error().reason, now, out);
        return;
    }
    hash_ = v->hash;
    enter_connected(now);
    out.push_back(action::CallEstablished{v->hash, v->hlak_index});
}

void SessionFsm::handle_abort(const CallAbort& m, Instant now, SstpActions& out) {
    std::string detail = "peer sent CALL_ABORT";
    if (m.status)
        detail += std::string(" (") + to_string(m.status->status) + ", attribute " +
                  std::to_string(int(m.status->attrib_id)) + ")";
    switch (state_) {
        case State::CallAbortPending:
            // Our abort was answered: T2, then clean up with our own reason.
            state_ = State::CallAbortTimeoutPending;
            deadline_ = now + cfg_.timers.abort_t2;
            return;
        case State::CallAbortTimeoutPending:
        case State::CallDisconnectTimeoutPending:
            return;
        default:
            // Call_Abort_In_Progress_2: answer with ABORT, T2.
            send(CallAbort{StatusInfo::make(AttributeId::NoError, Status::NoError)}, out);
            pending_end_ = EndReason::PeerAbort;
            pending_detail_ = std::move(detail);
            end_status_ = m.status;
            state_ = State::CallAbortTimeoutPending;
            deadline_ = now + cfg_.timers.abort_t2;
            return;
    }
}

void SessionFsm::handle_disconnect(const CallDisconnect& m, Instant now, SstpActions& out) {
    switch (state_) {
        case State::CallAbortPending:
        case State::CallAbortTimeoutPending:
        case State::CallDisconnectTimeoutPending:
            return;
        default:
            // Call_Disconnect_In_Progress_2 (also from Call_Disconnect_Ack_Pending: both sides
            // disconnected at once). Answer, then T2.
            send(CallDisconnectAck{}, out);
            if (state_ != State::CallDisconnectAckPending) {
                pending_end_ = EndReason::PeerDisconnect;
                pending_detail_ = "peer sent CALL_DISCONNECT";
                end_status_ = m.status;
            }
            state_ = State::CallDisconnectTimeoutPending;
            deadline_ = now + cfg_.timers.disconnect_t2;
            return;
    }
}

void SessionFsm::handle_disconnect_ack(Instant now, SstpActions& out) {
    switch (state_) {
        case State::CallDisconnectAckPending:
            close(EndReason::LocalDisconnect, "disconnect acknowledged", out);
            return;
        case State::CallAbortPending:
        case State::CallAbortTimeoutPending:
        case State::CallDisconnectTimeoutPending:
            return;
        default:
            unexpected(MessageType::CallDisconnectAck, now, out);
    }
}

}  // namespace ksstp::sstp
