// SSTP call + PPP link composition; see session_core.h.
#include "controlplane/session/session_core.h"

#include "controlplane/ppp/wire.h"

namespace ksstp::session {

namespace {
sstp::SstpConfig with_role(sstp::SstpConfig c, sstp::Role r) {
    c.role = r;
    return c;
}
ppp::PppConfig with_role(ppp::PppConfig c, sstp::Role r) {
    c.authenticator = r == sstp::Role::Server;
    return c;
}
}  // namespace

SessionCore::SessionCore(sstp::Role role, sstp::SstpConfig scfg, ppp::PppConfig pcfg, Rng& rng,
                         const ppp::CredentialStore* creds)
    : sstp_(with_role(scfg, role), rng), ppp_(with_role(pcfg, role), rng, creds), max_mtu_(pcfg.max_mtu) {}

void SessionCore::end(sstp::EndReason r, std::string detail) {
    if (ended_) return;
    ended_ = true;
    emit(ev::Ended{r, std::move(detail)});
}

void SessionCore::feed_sstp(ByteView in, Instant now) {
    auto res = framer_.feed(in, [&](const sstp::Frame& f) {
        sstp_.on_packet_received(now);
        if (f.control) {
            sstp::SstpActions acts;
            sstp_.on_control(f.packet, now, acts);
            run_sstp(acts, now);
        } else {
            ++counters_.frames_in;
            auto frame = ppp::decode_frame(f.payload);
            if (!frame) {
                ++counters_.malformed_ppp;
            } else if (f.payload.empty()) {
                // 2.2.3: a zero-length data packet is legal and carries nothing.
            } else if (!sstp_.ppp_allowed(ppp::is_control_protocol(frame->protocol))) {
                ++counters_.gated_in;
            } else {
                ppp_.on_frame(f.payload, now);
                run_ppp(now);
            }
        }
        return ended_ ? sstp::SinkVerdict::Stop : sstp::SinkVerdict::Continue;
    });
    if (!res && !ended_) {
        // 3.1.5.1: the stream cannot be delineated; close without sending anything.
        log(LogLevel::Ctrl, "sstp", std::string("closing: ") + sstp::to_string(res.error()));
        sstp::SstpActions acts;
        sstp_.on_transport_closed(acts);
        ppp_.lower_down(now);
        (void)ppp_.take_events();
        end(sstp::EndReason::StreamError, sstp::to_string(res.error()));
    }
}

void SessionCore::run_sstp(sstp::SstpActions& acts, Instant now) {
    for (auto& a : acts) {
        if (auto* s = std::get_if<sstp::action::Send>(&a)) {
            out_.insert(out_.end(), s->packet.begin(), s->packet.end());
        } else if (std::holds_alternative<sstp::action::PppLowerUp>(a)) {
            ppp_.lower_up(now);
            run_ppp(now);
        } else if (auto* e = std::get_if<sstp::action::CallEstablished>(&a)) {
            log(LogLevel::Ctrl, "sstp",
                std::string("call connected, crypto binding ") +
                    (sstp_.role() == sstp::Role::Server ? "verified" : "sent") + " (" +
                    (e->hash == sstp::HashProtocol::Sha256 ? "SHA-256" : "SHA-1") + ", " +
                    describe_candidate(e->hlak_index) + ")");
            emit(ev::Established{e->hash});
        } else if (auto* n = std::get_if<sstp::action::Note>(&a)) {
            log(LogLevel::Ctrl, "sstp", n->text);
        } else if (auto* c = std::get_if<sstp::action::Close>(&a)) {
            ppp_.lower_down(now);
            (void)ppp_.take_events();  // nothing more can be sent
            log(LogLevel::Audit, "sstp", std::string("call ended: ") + sstp::to_string(c->reason) +
                                              (c->detail.empty() ? "" : " (" + c->detail + ")"));
            end(c->reason, c->detail);
        }
    }
    acts.clear();
}

void SessionCore::run_ppp(Instant now) {
    for (;;) {
        auto events = ppp_.take_events();
        if (events.empty()) return;
        for (auto& e : events) {
            if (auto* f = std::get_if<ppp::event::SendFrame>(&e)) {
                auto fr = ppp::decode_frame(f->frame);
                bool control = fr && ppp::is_control_protocol(fr->protocol);
                if (sstp_.ppp_allowed(control) && sstp::encode_data(f->frame, out_))
                    ++counters_.frames_out;
                else
                    ++counters_.gated_out;
            } else if (auto* l = std::get_if<ppp::event::LinkUp>(&e)) {
                log(LogLevel::Ctrl, "ppp",
                    "LCP opened: mtu " + std::to_string(l->lcp.mtu(max_mtu_)) + ", mru " +
                        std::to_string(l->lcp.our_mru) + ", auth " + ppp::to_string(l->lcp.auth) +
                        (l->lcp.multilink() ? ", multilink" : ""));
            } else if (auto* a = std::get_if<ppp::event::AuthDone>(&e)) {
                auth_method_ = a->outcome.method;
                on_auth_done(a->outcome, now);
            } else if (auto* v4 = std::get_if<ppp::event::Ipv4Up>(&e)) {
                log(LogLevel::Ctrl, "ppp",
                    "IPCP opened: local " + ppp::ipv4_to_string(v4->ipcp.local) + ", remote " +
                        ppp::ipv4_to_string(v4->ipcp.remote));
                emit(ev::Ipv4Up{v4->ipcp, ppp_.interface_mtu()});
            } else if (auto* v6 = std::get_if<ppp::event::Ipv6Up>(&e)) {
                log(LogLevel::Ctrl, "ppp",
                    "IPv6CP opened: local " + ppp::link_local_string(v6->ipv6cp.local_iid) + ", remote " +
                        ppp::link_local_string(v6->ipv6cp.remote_iid));
                emit(ev::Ipv6Up{v6->ipv6cp, ppp_.interface_mtu()});
            } else if (std::holds_alternative<ppp::event::Ipv4Down>(e)) {
                log(LogLevel::Ctrl, "ppp", "IPCP down");
            } else if (std::holds_alternative<ppp::event::Ipv6Down>(e)) {
                log(LogLevel::Ctrl, "ppp", "IPv6CP down");
            } else if (auto* p = std::get_if<ppp::event::Packet>(&e)) {
                emit(ev::IpPacket{p->protocol, std::move(p->data)});
            } else if (auto* fin = std::get_if<ppp::event::Finished>(&e)) {
                log(LogLevel::Ctrl, "ppp", "link terminated: " + fin->reason);
                // reference/sstp.md 11: PPP is down, now end the SSTP call.
                sstp::SstpActions acts;
                sstp_.disconnect(now, acts);
                run_sstp(acts, now);
            } else if (auto* n = std::get_if<ppp::event::Note>(&e)) {
                log(LogLevel::Diag, "ppp", n->text);
            }
        }
    }
}

const char* SessionCore::describe_candidate(size_t index) const {
    return describe_hlak_candidate(auth_method_, index);
}

void SessionCore::on_timer(Instant now) {
    if (ended_) return;
    if (!http_done_ && http_deadline_ && now >= *http_deadline_) {
        log(LogLevel::Ctrl, "sstp", "HTTP handshake not finished in time");
        end(sstp::EndReason::NegotiationTimeout, "HTTP handshake timeout");
        return;
    }
    sstp::SstpActions acts;
    if (http_done_) {
        sstp_.on_timer(now, acts);
        run_sstp(acts, now);
    }
    if (ended_) return;
    ppp_.on_timer(now);
    run_ppp(now);
}

void SessionCore::on_transport_closed(Instant now, const std::string& why) {
    if (ended_) return;
    sstp::SstpActions acts;
    sstp_.on_transport_closed(acts, why);
    run_sstp(acts, now);
    end(sstp::EndReason::TransportClosed, why.empty() ? "connection closed" : why);
}

void SessionCore::disconnect(Instant now, std::string why) {
    if (ended_) return;
    log(LogLevel::Ctrl, "sstp", "disconnecting: " + why);
    if (!http_done_) {
        end(sstp::EndReason::LocalDisconnect, why);
        return;
    }
    if (ppp_.phase() == ppp::Phase::Authenticate || ppp_.phase() == ppp::Phase::Network ||
        ppp_.phase() == ppp::Phase::Establish) {
        ppp_.close(now, why);  // Finished -> SSTP disconnect (run_ppp)
        run_ppp(now);
        if (ppp_.phase() != ppp::Phase::Dead) return;
    }
    sstp::SstpActions acts;
    sstp_.disconnect(now, acts);
    run_sstp(acts, now);
}

bool SessionCore::send_ip(uint16_t protocol, ByteView datagram) {
    if (ended_ || !sstp_.ppp_allowed(false)) return false;
    tx_frames_.clear();
    if (!ppp_.encode_packet(protocol, datagram, tx_frames_)) return false;
    for (const Bytes& frame : tx_frames_) {
        if (!sstp::encode_data(frame, out_)) return false;
        ++counters_.frames_out;
    }
    return true;
}

std::optional<Instant> SessionCore::next_deadline() const {
    if (ended_) return std::nullopt;
    std::optional<Instant> d;
    if (!http_done_) merge_deadline(d, http_deadline_);
    else merge_deadline(d, sstp_.next_deadline());
    merge_deadline(d, ppp_.next_deadline());
    return d;
}

}  // namespace ksstp::session
