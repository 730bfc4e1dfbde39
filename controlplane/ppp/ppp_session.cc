// PPP link sequencing; see ppp_session.h.
#include "controlplane/ppp/ppp_session.h"

#include "controlplane/ppp/chap.h"
#include "controlplane/ppp/pap.h"
#include "controlplane/ppp/wire.h"

namespace ksstp::ppp {

const char* to_string(Phase p) {
    switch (p) {
        case Phase::Dead: return "Dead";
        case Phase::Establish: return "Establish";
        case Phase::Authenticate: return "Authenticate";
        case Phase::Network: return "Network";
        case Phase::Terminate: return "Terminate";
    }
    return "?";
}

PppSession::PppSession(PppConfig cfg, Rng& rng, const CredentialStore* creds)
    : cfg_(std::move(cfg)), rng_(rng), creds_(creds) {
    LcpConfig lc{cfg_.authenticator, cfg_.methods, cfg_.max_mru, cfg_.max_mtu, cfg_.mrru};
    LayerHooks hooks{[this](Instant now) { on_lcp_up(now); }, [this](Instant now) { on_lcp_down(now); },
                     [this](const std::string& why) { on_lcp_finished(why); }};
    lcp_ = std::make_unique<Lcp>(std::move(lc), rng_, std::move(hooks));
    lcp_fsm_ = std::make_unique<OptionFsm>(uint16_t(Protocol::Lcp), "LCP", *lcp_, cfg_.timers,
                                           [this](Bytes&& f) { send(std::move(f)); });
    lcp_->attach(lcp_fsm_.get());
    lcp_->on_protocol_reject = [this](uint16_t p, Instant now) { on_protocol_reject(p, now); };
}

PppSession::~PppSession() = default;

void PppSession::lower_up(Instant now) {
    now_hint_ = now;
    phase_ = Phase::Establish;
    lcp_fsm_->up(now);
    lcp_fsm_->open(now);
}

void PppSession::lower_down(Instant now) {
    now_hint_ = now;
    if (ipcp_fsm_) ipcp_fsm_->down(now);
    if (ipv6cp_fsm_) ipv6cp_fsm_->down(now);
    lcp_fsm_->down(now);
    if (phase_ != Phase::Dead) {
        phase_ = Phase::Dead;
        emit(event::Finished{"lower layer down"});
    }
}

void PppSession::close(Instant now, std::string why) {
    now_hint_ = now;
    if (phase_ == Phase::Dead) return;
    phase_ = Phase::Terminate;
    lcp_fsm_->close(now, std::move(why));
}

LayerHooks PppSession::ncp_hooks(bool v6) {
    return LayerHooks{
        [this, v6](Instant) {
            if (v6) emit(event::Ipv6Up{ipv6cp_->result()});
            else emit(event::Ipv4Up{ipcp_->result()});
        },
        [this, v6](Instant) {
            if (v6) emit(event::Ipv6Down{});
            else emit(event::Ipv4Down{});
        },
        [this, v6](const std::string& why) {
            emit(event::Note{std::string(v6 ? "IPv6CP" : "IPCP") + " finished: " + why});
            on_ncp_finished(now_hint_.value_or(Instant{0}));
        }};
}

void PppSession::on_lcp_up(Instant now) {
    emit(event::LinkUp{lcp_->result()});
    if (lcp_->result().multilink() && cfg_.mrru) {
        mp_tx_.emplace();
        mp_rx_.emplace(*cfg_.mrru);
    } else {
        mp_tx_.reset();
        mp_rx_.reset();
    }
    phase_ = Phase::Authenticate;
    AuthMethod m = lcp_->result().auth;
    auto send_auth = [this, m](uint8_t code, uint8_t id, ByteView data) {
        Bytes f;
        encode_cp_frame(auth_protocol(m), code, id, data, f);
        send(std::move(f));
    };
    auth_reported_ = false;
    if (m == AuthMethod::None) {
        if (cfg_.authenticator) {  // cannot happen: our Auth-Protocol was acknowledged
            close(now, "peer did not agree to authenticate");
            return;
        }
        auth_.reset();
        auth_reported_ = true;
        emit(event::AuthDone{AuthOutcome{true, AuthMethod::None, cfg_.user, "server requested no authentication", {}}});
        start_network(std::nullopt, now);
        return;
    }
    if (cfg_.authenticator) {
        if (m == AuthMethod::Pap)
            auth_ = std::make_unique<PapAuthenticator>(*creds_, cfg_.timers, send_auth);
        else
            auth_ = std::make_unique<ChapAuthenticator>(m, cfg_.name, *creds_, rng_, cfg_.timers, send_auth);
    } else {
        if (m == AuthMethod::Pap)
            auth_ = std::make_unique<PapPeer>(cfg_.user, cfg_.password, cfg_.timers, send_auth);
        else
            auth_ = std::make_unique<ChapPeer>(m, cfg_.user, cfg_.password, rng_, cfg_.timers, send_auth);
    }
    auth_->start(now);
}

void PppSession::on_lcp_down(Instant now) {
    auth_.reset();
    if (ipcp_fsm_) ipcp_fsm_->down(now);
    if (ipv6cp_fsm_) ipv6cp_fsm_->down(now);
    if (phase_ != Phase::Dead) phase_ = Phase::Terminate;
}

void PppSession::on_lcp_finished(const std::string& why) {
    if (phase_ == Phase::Dead) return;
    phase_ = Phase::Dead;
    emit(event::Finished{why});
}

void PppSession::check_auth(Instant now) {
    if (!auth_ || auth_reported_ || !auth_->outcome()) return;
    auth_reported_ = true;
    AuthOutcome o = *auth_->outcome();
    bool ok = o.success;
    std::string msg = o.message;
    emit(event::AuthDone{std::move(o)});
    if (!ok) {
        close(now, "authentication failed: " + msg);
        return;
    }
    if (!cfg_.authenticator) start_network(std::nullopt, now);
}

void PppSession::start_network(std::optional<IpcpServerConfig> v4, Instant now) {
    if (phase_ != Phase::Authenticate) return;
    phase_ = Phase::Network;
    if (cfg_.ipv4) {
        if (cfg_.authenticator) {
            if (v4) start_ipcp(std::make_unique<Ipcp>(*v4, ncp_hooks(false)), now);
        } else {
            start_ipcp(std::make_unique<Ipcp>(Ipv4{0}, cfg_.request_dns, ncp_hooks(false)), now);
        }
    }
    if (cfg_.ipv6) start_ipv6cp(now);
    if (!ipcp_fsm_ && !ipv6cp_fsm_) close(now, "no network protocol to run (no address for IPv4, IPv6 off)");
}

void PppSession::start_ipcp(std::unique_ptr<Ipcp> h, Instant now) {
    ipcp_ = std::move(h);
    ipcp_fsm_ = std::make_unique<OptionFsm>(uint16_t(Protocol::Ipcp), "IPCP", *ipcp_, cfg_.timers,
                                            [this](Bytes&& f) { send(std::move(f)); });
    ipcp_fsm_->up(now);
    ipcp_fsm_->open(now);
}

void PppSession::start_ipv6cp(Instant now) {
    ipv6cp_ = std::make_unique<Ipv6cp>(rng_, ncp_hooks(true));
    ipv6cp_fsm_ = std::make_unique<OptionFsm>(uint16_t(Protocol::Ipv6cp), "IPv6CP", *ipv6cp_, cfg_.timers,
                                              [this](Bytes&& f) { send(std::move(f)); });
    ipv6cp_fsm_->up(now);
    ipv6cp_fsm_->open(now);
}

bool PppSession::ncp_negotiating() const {
    auto negotiating = [](const std::unique_ptr<OptionFsm>& f) {
        return f && (f->state() == FsmState::ReqSent || f->state() == FsmState::AckRcvd ||
                     f->state() == FsmState::AckSent);
    };
    return negotiating(ipcp_fsm_) || negotiating(ipv6cp_fsm_);
}

void PppSession::on_ncp_finished(Instant now) {
    auto alive = [](const std::unique_ptr<OptionFsm>& f) {
        return f && f->state() != FsmState::Stopped && f->state() != FsmState::Closed &&
               f->state() != FsmState::Initial;
    };
    // pppd: with no network protocol left the link has no purpose.
    if (phase_ == Phase::Network && !alive(ipcp_fsm_) && !alive(ipv6cp_fsm_))
        close(now, "no network protocols running");
}

void PppSession::on_protocol_reject(uint16_t protocol, Instant now) {
    emit(event::Note{"peer rejected protocol 0x" + to_hex(Bytes{uint8_t(protocol >> 8), uint8_t(protocol)})});
    if (protocol == uint16_t(Protocol::Ipcp) && ipcp_fsm_)
        ipcp_fsm_->rxj_minus(now, "IPCP rejected by peer");
    else if (protocol == uint16_t(Protocol::Ipv6cp) && ipv6cp_fsm_)
        ipv6cp_fsm_->rxj_minus(now, "IPv6CP rejected by peer");
    else if (protocol == uint16_t(Protocol::Lcp) || (auth_ && protocol == auth_protocol(lcp_->result().auth)))
        lcp_fsm_->rxj_minus(now, "peer rejected an essential protocol");
}

void PppSession::protocol_reject(uint16_t protocol, ByteView info) {
    // RFC 1661 5.7: Rejected-Protocol, then as much of the information as fits the peer's MRU.
    Bytes d{uint8_t(protocol >> 8), uint8_t(protocol)};
    size_t room = lcp_->result().peer_mru - kCpHeaderLen - 2;
    d.insert(d.end(), info.begin(), info.begin() + long(std::min(room, info.size())));
    lcp_fsm_->send_packet(uint8_t(Code::ProtocolReject), d);
    ++counters_.protocol_rejects_sent;
}

void PppSession::on_frame(ByteView bytes, Instant now) {
    now_hint_ = now;
    auto f = decode_frame(bytes);
    if (!f) {
        ++counters_.malformed;
        return;
    }
    const uint16_t proto = f->protocol;
    if (proto == uint16_t(Protocol::Lcp)) {
        lcp_fsm_->receive(f->info, now);
        return;
    }
    const bool lcp_open = lcp_fsm_->opened();
    switch (Protocol(proto)) {
        case Protocol::Pap:
        case Protocol::Chap:
            if (auth_ && proto == auth_protocol(lcp_->result().auth)) {
                auto p = decode_cp(f->info);
                if (!p) {
                    ++counters_.malformed;
                    return;
                }
                auth_->receive(*p, now);
                check_auth(now);
            } else {
                ++counters_.discarded;
            }
            return;
        case Protocol::Ipcp:
        case Protocol::Ipv6cp: {
            const bool v6 = Protocol(proto) == Protocol::Ipv6cp;
            if (v6 && !cfg_.ipv6 && lcp_open) {
                protocol_reject(proto, f->info);  // MikroTik starts IPv6CP unasked (ppp.md 10)
                return;
            }
            auto& fsm = v6 ? ipv6cp_fsm_ : ipcp_fsm_;
            if (phase_ == Phase::Network && fsm) fsm->receive(f->info, now);
            else ++counters_.discarded;  // RFC 1661 3.5: discard, never reject, before Network
            return;
        }
        case Protocol::Ipv4:
        case Protocol::Ipv6: {
            const bool up = Protocol(proto) == Protocol::Ipv4 ? ipv4_up() : ipv6_up();
            if (!up) {
                ++counters_.data_without_ncp;
                return;
            }
            emit(event::Packet{proto, Bytes(f->info.begin(), f->info.end())});
            return;
        }
        case Protocol::Multilink: {
            if (!mp_rx_ || !lcp_open) break;  // not negotiated: reject below
            auto whole = mp_rx_->feed(f->info, now);
            // The reassembled payload starts with the inner protocol field (RFC 1990 3); an MP
            // packet inside an MP packet is nonsense and dropped.
            if (whole && !(whole->size() >= 2 && (*whole)[0] == 0x00 && (*whole)[1] == 0x3D)) on_frame(*whole, now);
            return;
        }
        default:
            break;
    }
    // CCP, LQR, CBCP, BAP, EAP, multilink when not negotiated, anything unknown.
    if (lcp_open) protocol_reject(proto, f->info);
    else ++counters_.discarded;
}

void PppSession::on_timer(Instant now) {
    now_hint_ = now;
    lcp_fsm_->on_timer(now);
    if (auth_) {
        auth_->on_timer(now);
        check_auth(now);
    }
    if (ipcp_fsm_) ipcp_fsm_->on_timer(now);
    if (ipv6cp_fsm_) ipv6cp_fsm_->on_timer(now);
    if (mp_rx_) mp_rx_->poll(now);
}

std::optional<Instant> PppSession::next_deadline() const {
    std::optional<Instant> d = lcp_fsm_->next_deadline();
    if (auth_ && !auth_reported_) merge_deadline(d, auth_->next_deadline());
    if (ipcp_fsm_) merge_deadline(d, ipcp_fsm_->next_deadline());
    if (ipv6cp_fsm_) merge_deadline(d, ipv6cp_fsm_->next_deadline());
    if (mp_rx_) merge_deadline(d, mp_rx_->next_deadline());
    return d;
}

uint16_t PppSession::interface_mtu() const {
    const LcpResult& r = lcp_->result();
    const uint16_t link = r.mtu(cfg_.max_mtu);
    return mp_tx_ ? std::max(link, std::min(*r.peer_mrru, kMaxMrru)) : link;
}

bool PppSession::encode_packet(uint16_t protocol, ByteView datagram, std::vector<Bytes>& frames) {
    const bool up = protocol == uint16_t(Protocol::Ipv4) ? ipv4_up()
                    : protocol == uint16_t(Protocol::Ipv6) ? ipv6_up() : false;
    if (!up) return false;
    const uint16_t link_mtu = lcp_->result().mtu(cfg_.max_mtu);
    if (datagram.size() > interface_mtu()) {
        ++counters_.oversized_out;
        return false;
    }
    if (mp_tx_ && datagram.size() + 2 > link_mtu) {
        mp_tx_->fragment(protocol, datagram, link_mtu, frames);
        return true;
    }
    // RFC 1990 allows plain frames beside MP ones: small packets skip the MP header.
    frames.emplace_back();
    encode_frame(protocol, datagram, frames.back());
    return true;
}

}  // namespace ksstp::ppp
