// ksstpd control plane; see concentrator.h.
#include "controlplane/server/concentrator.h"
#include "controlplane/server/connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "controlplane/io/log.h"
#include "controlplane/io/tun_path.h"
#include "controlplane/ipv6/router_advertisement.h"
#include "controlplane/ppp/wire.h"
#include "controlplane/session/server_session.h"
#include "controlplane/tls/tls_session.h"
#include "dataplane/mss_clamp.h"
#include "netlink/if_link.h"
#include "netlink/session_link.h"

namespace ksstp::server {

namespace {
constexpr size_t kReadChunk = 16384;       // one TLS record
constexpr size_t kMaxPendingOut = 1 << 20; // a peer that stops reading cannot grow us further
constexpr Duration kShutdownGrace{8'000};  // PPP terminate (<= 6 s) + disconnect ack
constexpr size_t kTunBudget = 64;          // packets per TUN wake-up, so no session starves others
// Interface group of ksstpd's session interfaces (IFLA_GROUP, `ip link show group 19283`): a
// shutdown deletes them all with one netlink request (nl::delete_group).
constexpr uint32_t kSessionGroup = 0x4B53;
constexpr uint32_t kRetiredGroup = 0x4B54;      // ended sessions' interfaces awaiting deletion
constexpr Duration kRetireBatch{50};            // how long they may wait for company
}  // namespace


Concentrator::Concentrator(config::Config cfg, std::string config_path, io::EventLoop& loop,
                           const std::function<void()>& drop_privileges)
    : cfg_(std::move(cfg)), loop_(loop), creds_(cfg_), plan_(cfg_), config_path_(std::move(config_path)) {
    const config::ServerConfig& s = *cfg_.server;
    tls::ServerTlsOptions o{s.certificate, s.private_key, s.ca_certificate, s.verify_client_certificate, s.tls_version, s.pfs};
    o.ktls = cfg_.dataplane.ktls;
    tls::ContextInfo info;
    tls_ctx_ = tls::make_server_context(o, info);
    for (const auto& w : info.warnings) spdlog::warn("tls: {}", w);
    // certificate = "none": no certificate, so crypto binding checks nonce and MAC only
    // (reference/sstp.md 8.8).
    if (!info.leaf_der.empty()) cert_ = sstp::CertHashes::of_der(info.leaf_der);
    auto sk = nl::NlSock::open();
    if (!sk) throw std::runtime_error("netlink: " + sk.error());
    nl_.emplace(std::move(*sk));
    auto mon = nl::LinkMonitor::open();
    if (!mon) throw std::runtime_error("netlink: " + mon.error());
    links_.emplace(std::move(*mon));
    loop_.watch(links_->fd(), EPOLLIN, [this](uint32_t) { on_link_events(); });
    auto k = tls::probe_ktls();
    spdlog::info("tls: kernel TLS {}", !k.available      ? "not available: " + k.reason
                                       : cfg_.dataplane.ktls ? std::string("available")
                                                             : std::string("available, not used ([dataplane] ktls = false)"));
    for (const auto& a : s.listen) listen_on(a);
    loop_.set_deadline_source([this] { return next_deadline(); });
    loop_.set_tick([this](Instant now) { tick(now); });
    start_management(drop_privileges);
    start_workers();
}

Concentrator::~Concentrator() {
    workers_.clear();  // joined before the sessions they serve go
    if (nl_) delete_retired();
}

// After the privileges were dropped (capabilities are per thread: a thread started before would
// keep them). [dataplane] workers = 0 keeps every session on the control thread.
void Concentrator::start_workers() {
    const unsigned n = cfg_.dataplane.workers;
    if (n == 0) {
        spdlog::info("dp: no data-plane workers ([dataplane] workers = 0): sessions stay on the control thread");
        return;
    }
    inbox_ = std::make_unique<dp::ControlInbox>();
    for (unsigned i = 0; i < n; ++i) workers_.push_back(std::make_unique<dp::Worker>(i, *inbox_, cfg_.dataplane.io_uring));
    loop_.watch(inbox_->fd(), EPOLLIN, [this](uint32_t) { on_inbox(); });
    const std::string& plain = workers_.front()->plain_io_reason();
    spdlog::info("dp: {} data-plane worker{}, interface I/O {}", n, n == 1 ? "" : "s",
                 plain.empty() ? "through io_uring" : "one system call per packet (" + plain + ")");
}

// Hands an established call to the least busy worker at a hand-over point of its stream.
void Concentrator::try_attach(Conn& c) {
    if (workers_.empty() || c.dp.attached() || !c.tls_done || !c.tls || !c.tun || !c.path || stopping_) return;
    if (!io::ready_for_worker(*c.sess)) return;
    dp::Worker* w = workers_.front().get();
    for (const auto& x : workers_)
        if (x->sessions() < w->sessions()) w = x.get();
    loop_.unwatch(c.sock.get());
    loop_.unwatch(c.tun->fd());
    c.want_write = false;
    c.dp.attach(*w, c.id, c.tls, c.sock.get(), c.path, c.tun->fd(), c.out, c.out_off,
                io::link_params(*c.sess, c.clamp_mss ? c.mtu : 0));
    spdlog::info("session {} user {} [dp] on worker {}", c.id, c.user, w->index());
}

// Takes a call back from its worker: the socket, TLS and path return to the control loop, and
// the bytes the worker had not handled are fed to the session (unless it ended).
void Concentrator::reclaim(Conn& c) {
    if (!c.dp.attached()) return;
    auto back = c.dp.reclaim(c.id, c.tls, c.path, c.out, c.out_off, *c.sess);
    const uint64_t id = c.id;
    loop_.watch(c.sock.get(), EPOLLIN, [this, id](uint32_t ev) { on_conn_event(id, ev); });
    if (c.tun && c.path && !back.tun_gone) loop_.watch(c.tun->fd(), EPOLLIN, [this, id](uint32_t ev) { on_tun_event(id, ev); });
    // TLS records the worker held and had not sent yet go out before anything else.
    c.want_write = c.out_off < c.out.size() || (c.tls && c.tls->unsent());
    if (c.want_write) update_interest(c);
}

// Workers posted sessions with packets for the control plane, a closed transport or a gone
// interface.
void Concentrator::on_inbox() {
    for (uint64_t id : inbox_->take()) {
        auto it = conns_.find(id);
        if (it == conns_.end() || !it->second->dp.attached()) continue;  // taken back meanwhile, with its packets
        Conn& c = *it->second;
        dp::DataSession::Inbox in = c.dp.take_inbox(id);
        const Instant now = io::monotonic_now();
        for (const Bytes& p : in.packets)
            if (!c.sess->ended()) c.sess->on_bytes(p, now);
        if (in.closed) {
            reclaim(c);
            c.sess->on_transport_closed(now, *in.closed);
            handle_events(c);
            if (conns_.count(id)) close_conn(id, c.end_why.empty() ? *in.closed : c.end_why);
            continue;
        }
        handle_events(c);
        if (in.tun_gone && conns_.count(id)) interface_gone(c, "removed");
    }
}

void Concentrator::listen_on(const std::string& addr) {
    const bool v6 = addr.find(':') != std::string::npos;
    Fd fd(::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage ss{};
    socklen_t len;
    if (v6) {
        ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);  // "0.0.0.0" listens too
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(cfg_.server->port);
        inet_pton(AF_INET6, addr.c_str(), &a->sin6_addr);
        len = sizeof *a;
    } else {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        a->sin_family = AF_INET;
        a->sin_port = htons(cfg_.server->port);
        inet_pton(AF_INET, addr.c_str(), &a->sin_addr);
        len = sizeof *a;
    }
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd.get(), 1024) != 0)
        throw std::runtime_error("listen on " + addr + " port " + std::to_string(cfg_.server->port) + ": " +
                                 std::strerror(errno));
    int lfd = fd.get();
    loop_.watch(lfd, EPOLLIN, [this, lfd](uint32_t) { on_accept(lfd); });
    spdlog::info("sstp: listening on {} port {}", addr, cfg_.server->port);
    listeners_.push_back(std::move(fd));
}

void Concentrator::on_accept(int lfd) {
    for (;;) {
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        Fd fd(::accept4(lfd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd && (errno == EMFILE || errno == ENFILE)) {
            // Out of descriptors: the pending connection is taken off and closed (a listener left
            // readable would spin the loop); accepting works again as soon as descriptors free up.
            const Instant now = io::monotonic_now();
            const std::string why = std::string("out of file descriptors (") + std::strerror(errno) + ")";
            auto r = fd_reserve_.shed(lfd);
            if (r == io::FdReserve::Shed::NothingPending) return;
            ++stats_.refused["out-of-fds"];
            note_refusal("a connection", why, now);
            if (r == io::FdReserve::Shed::One) continue;
            loop_.unwatch(lfd);
            paused_listeners_.push_back(lfd);
            resume_listeners_ = now + Duration{100};
            return;
        }
        if (!fd) return;  // EAGAIN (or a transient error): wait for the next readiness
        char host[INET6_ADDRSTRLEN] = "?";
        uint16_t port = 0;
        if (ss.ss_family == AF_INET) {
            auto* a = reinterpret_cast<sockaddr_in*>(&ss);
            inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
            port = ntohs(a->sin_port);
        } else {
            auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
            inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
            port = ntohs(a->sin6_port);
        }
        std::string caller = std::string(host) + ":" + std::to_string(port);
        if (stopping_) continue;
        const Instant now = io::monotonic_now();
        std::optional<std::string> refusal;
        if (cfg_.server->max_sessions && conns_.size() >= cfg_.server->max_sessions) {
            ++stats_.refused_max_sessions;
            refusal = "max-sessions " + std::to_string(cfg_.server->max_sessions) + " reached";
        } else {
            refusal = admit(host, now);
        }
        if (refusal) {
            note_refusal(caller, *refusal, now);  // closed at once, before any TLS work
            continue;
        }
        int one = 1;
        ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // SSTP control is latency-bound
        auto c = std::make_unique<Conn>();
        c->id = next_id_++;
        c->caller = caller;
        c->accepted_at = now;
        c->source = host;
        c->started_wall = std::time(nullptr);
        ++stats_.accepted;
        c->tls.emplace(tls::TlsSession::server(tls_ctx_.get(), fd.get()));
        c->sock = std::move(fd);
        session::ServerSessionConfig sc;
        const auto& s = *cfg_.server;
        sc.sstp.timers.hello = Duration{s.keepalive_timeout ? int64_t(*s.keepalive_timeout) * 1000 : 0};
        sc.sstp.timers.negotiation = Duration{int64_t(s.handshake_timeout) * 1000};  // from accept, TLS included
        sc.ppp.methods = s.authentication;
        sc.ppp.max_mru = s.max_mru;
        sc.ppp.max_mtu = s.max_mtu;
        sc.ppp.mrru = s.mrru;
        sc.cert = cert_;
        c->assigner = std::make_unique<SessionAddresses>(plan_, c->lease);
        c->assigner->refuse_ = [this, id = c->id](const std::string& user) -> std::optional<std::string> {
            // MikroTik only-one: a user who already has a session gets no second one.
            const config::Profile* prof = plan_.profile_of(user);
            if (!prof || !prof->only_one) return std::nullopt;
            for (const auto& [other_id, other] : conns_)
                if (other_id != id && other->user == user && !other->sess->ended())
                    return "profile '" + prof->name + "' allows only one session per user";
            return std::nullopt;
        };
        c->sess = std::make_unique<session::ServerSession>(sc, rng_, creds_, *c->assigner,
                                                           [] { return std::time(nullptr); });
        c->sess->start(io::monotonic_now());  // the 60 s budget covers TLS too
        uint64_t id = c->id;
        spdlog::info("session {} user - [sstp] connection from {}", id, caller);
        loop_.watch(c->sock.get(), EPOLLIN, [this, id](uint32_t ev) { on_conn_event(id, ev); });
        Conn& ref = *c;
        conns_.emplace(id, std::move(c));
        drive(ref);
    }
}

void Concentrator::on_conn_event(uint64_t id, uint32_t) {
    auto it = conns_.find(id);
    if (it == conns_.end()) return;
    drive(*it->second);
}

void Concentrator::drive(Conn& c) {
    const uint64_t id = c.id;
    Instant now = io::monotonic_now();
    if (!c.tls_done) {
        auto r = c.tls->handshake();
        if (!r) {
            if (r.error() == tls::IoStatus::WantRead || r.error() == tls::IoStatus::WantWrite) {
                c.want_write = r.error() == tls::IoStatus::WantWrite;
                update_interest(c);
                return;
            }
            ++stats_.handshake_errors["TLS: " + c.tls->error().substr(0, 80)];
            close_conn(id, "TLS handshake failed: " + c.tls->error());
            return;
        }
        c.tls_done = true;
        tls::TlsInfo ti = c.tls->info();
        c.tls_version = ti.version;
        c.tls_cipher = ti.cipher;
        c.ktls_tx = ti.ktls_tx;
        c.ktls_rx = ti.ktls_rx;
        sample(stats_.tls_ms, double((now - c.accepted_at).count()));
        spdlog::info("session {} user - [tls] {} {} kTLS tx {} rx {}", id, ti.version, ti.cipher,
                     ti.ktls_tx ? "on" : "off", ti.ktls_rx ? "on" : "off");
    }
    uint8_t buf[kReadChunk];
    for (int i = 0; i < 64; ++i) {  // bounded: other sessions get their turn
        auto r = c.tls->read(buf);
        if (r) {
            c.sess->on_bytes(ByteView(buf, *r), now);
            handle_events(c);
            if (!conns_.count(id)) return;
            continue;
        }
        if (r.error() == tls::IoStatus::Closed || r.error() == tls::IoStatus::Error) {
            c.sess->on_transport_closed(now, c.tls->error());
            handle_events(c);
            if (conns_.count(id)) close_conn(id, c.tls->error());
            return;
        }
        break;  // WantRead / WantWrite
    }
    handle_events(c);
    // The batch this wake-up read from the socket is in the path: GRO's super-packets go out now.
    if (conns_.count(id) && c.path) c.path->flush();
    if (conns_.count(id)) try_attach(c);
}

bool Concentrator::bring_up_interface(Conn& c, uint16_t mtu) {
    if (c.tun) return true;
    // A name already in use (e.g. a second session of one user) falls back to sstp<id>.
    const config::DataplaneConfig& d = cfg_.dataplane;
    auto link = nl::SessionLink::create(*nl_, interface_name(c), ("sstp" + std::to_string(c.id)).substr(0, 15), mtu,
                                        kSessionGroup, io::tun_offloads_wanted(d));
    if (!link) {
        ++stats_.netlink_errors["create interface"];
        spdlog::error("session {} user {} [nl] cannot create interface {}: {}", c.id, c.user, interface_name(c), link.error());
        return false;
    }
    c.tun.emplace(std::move(*link));
    c.ifname = c.tun->name();
    c.path = io::make_tun_path(c.tun->fd(), c.tun->offloads(), d);
    c.path_kind = io::describe_tun_path(c.tun->offloads(), d);
    spdlog::info("session {} user {} [dp] interface {} {}", c.id, c.user, c.ifname, c.path_kind);
    uint64_t id = c.id;
    loop_.watch(c.tun->fd(), EPOLLIN, [this, id](uint32_t ev) { on_tun_event(id, ev); });
    return true;
}

void Concentrator::handle_events(Conn& c) {
    const uint64_t id = c.id;
    Instant now = io::monotonic_now();
    // Handling an event can produce more (a disconnect logs and ends the call): drain them all.
    for (auto events = c.sess->take_events(); !events.empty(); events = c.sess->take_events())
    for (auto& e : events) {
        if (auto* l = std::get_if<session::ev::Log>(&e)) {
            io::log_session_line(id, c.user, *l);
        } else if (auto* a = std::get_if<session::ev::Authenticated>(&e)) {
            c.user = a->user;
            c.auth = ppp::to_string(a->method);
            if (auto it = sources_.find(c.source); it != sources_.end()) it->second.failures = 0;
            sample(stats_.auth_ms, double((now - c.accepted_at).count()));
            const config::Profile* prof = plan_.profile_of(c.user);
            c.clamp_mss = prof && prof->change_tcp_mss;
        } else if (auto* af = std::get_if<session::ev::AuthFailed>(&e)) {
            ++stats_.auth_failures[af->reason.empty() ? "refused" : af->reason.substr(0, 80)];
            if (const uint32_t cap = cfg_.server->max_login_delay) {
                Source& src = sources_[c.source];
                src.failures = std::min<uint32_t>(src.failures + 1, 16);
                src.last_failure = now;
                src.blocked_until =
                    now + std::min(Duration{1000} * (int64_t(1) << (src.failures - 1)), Duration{int64_t(cap) * 1000});
            }
        } else if (auto* rf = std::get_if<session::ev::Refused>(&e)) {
            ++stats_.sessions_refused[rf->reason.substr(0, 80)];  // logged by the session
        } else if (auto* v4 = std::get_if<session::ev::Ipv4Up>(&e)) {
            c.v4 = v4->ipcp;
            setup_over(c);
            if (!c.established) {
                c.established = true;
                ++stats_.established;
                sample(stats_.setup_ms, double((now - c.accepted_at).count()));
                stats_.recent_setups.push_back(now);
                while (now - stats_.recent_setups.front() > Duration{10'000}) stats_.recent_setups.pop_front();
            }
            c.mtu = v4->mtu;
            if (!bring_up_interface(c, v4->mtu)) {
                c.sess->disconnect(now, "cannot create the session interface");
                continue;
            }
            if (auto r = c.tun->add_ipv4(*nl_, v4->ipcp.local, v4->ipcp.remote); !r && ++stats_.netlink_errors["add IPv4 address"])
                spdlog::error("session {} user {} [nl] {}: {}", id, c.user, c.tun->name(), r.error());
            spdlog::info("session {} user {} [nl] interface {} up: {} -> {} mtu {}", id, c.user, c.tun->name(),
                         ppp::ipv4_to_string(v4->ipcp.local), ppp::ipv4_to_string(v4->ipcp.remote), v4->mtu);
            run_hook(c, "up");
        } else if (auto* v6 = std::get_if<session::ev::Ipv6Up>(&e)) {
            c.v6 = v6->ipv6cp;
            setup_over(c);
            if (!bring_up_interface(c, v6->mtu)) {
                c.sess->disconnect(now, "cannot create the session interface");
                continue;
            }
            if (auto r = c.tun->add_ipv6(*nl_, v6->ipv6cp.local_iid, v6->ipv6cp.remote_iid); !r && ++stats_.netlink_errors["add IPv6 address"])
                spdlog::error("session {} user {} [nl] {}: {}", id, c.user, c.tun->name(), r.error());
            spdlog::info("session {} user {} [nl] interface {} IPv6 {} -> {}", id, c.user, c.tun->name(),
                         ppp::link_local_string(v6->ipv6cp.local_iid), ppp::link_local_string(v6->ipv6cp.remote_iid));
            // RFC 4861: advertise the router on the new link (Windows-style clients wait for it).
            c.sess->send_ip(uint16_t(ppp::Protocol::Ipv6),
                            ipv6::build_router_advertisement(ipv6::link_local(v6->ipv6cp.local_iid), v6->mtu));
        } else if (auto* p = std::get_if<session::ev::IpPacket>(&e)) {
            if (c.v6 && ipv6::is_router_solicitation(p->data))  // answer it ourselves (RFC 4861 6.2.6)
                c.sess->send_ip(uint16_t(ppp::Protocol::Ipv6),
                                ipv6::build_router_advertisement(ipv6::link_local(c.v6->local_iid), c.mtu));
            // A SYN from the far side tells our host what it may send back: our sending MTU.
            if (c.clamp_mss) dp::clamp_tcp_mss(p->data, c.mtu);
            if (c.dp.attached()) {
                c.dp.deliver(p->protocol, p->data);
            } else if (c.path) {
                c.path->deliver(p->protocol, p->data);
            }
        } else if (auto* end = std::get_if<session::ev::Ended>(&e)) {
            // Logged by the session; closed below once the output is flushed. Calls that never
            // got established count as setup failures too.
            ++stats_.end_reasons[sstp::to_string(end->reason)];
            c.end_why = end->detail.empty() ? sstp::to_string(end->reason)
                                            : std::string(sstp::to_string(end->reason)) + " (" + end->detail + ")";
            if (!c.established) ++stats_.handshake_errors[std::string("call: ") + sstp::to_string(end->reason)];
        }
    }
    if (c.dp.attached()) {
        if (c.sess->ended()) reclaim(c);  // the goodbye is flushed and the call closed from here
        else c.dp.set_params(io::link_params(*c.sess, c.clamp_mss ? c.mtu : 0));  // an NCP up or down since
    }
    flush(c);
    if (!conns_.count(id)) return;
    if (c.sess->ended() && c.out_off == c.out.size() && !(c.tls && c.tls->unsent())) close_conn(id, c.end_why.empty() ? "session ended" : c.end_why);
}

void Concentrator::on_tun_event(uint64_t id, uint32_t events) {
    auto it = conns_.find(id);
    if (it == conns_.end()) return;
    Conn& c = *it->second;
    if (events & (EPOLLERR | EPOLLHUP)) {
        interface_gone(c, "removed");
        return;
    }
    // A SYN from our side tells the far side what it may send us: what we receive, our MRU.
    const uint16_t our_mru = c.sess->ppp().lcp().our_mru;
    c.path->pump(
        [&](uint16_t proto, std::span<uint8_t> pkt) {
            if (c.clamp_mss) dp::clamp_tcp_mss(pkt, our_mru);
            return c.out.size() - c.out_off < kMaxPendingOut && c.sess->send_ip(proto, pkt);
        },
        kTunBudget);
    handle_events(c);
    if (conns_.count(id)) try_attach(c);
}

// `ip link del` / `ip link set down` of a session interface: end the session cleanly (SPEC 5);
// its address goes back to the pool when the session closes.
void Concentrator::interface_gone(Conn& c, const std::string& why) {
    if (!c.tun) return;
    reclaim(c);
    loop_.unwatch(c.tun->fd());
    // The path writes to the TUN fd: it goes with it; its counters stay for the closing line.
    if (c.path) c.counters_before = c.path->counters();
    c.path.reset();
    c.tun.reset();
    if (stopping_) return;  // our own mass deletion at shutdown
    spdlog::info("session {} user {} [nl] interface {} {}; disconnecting", c.id, c.user, c.ifname, why);
    c.sess->disconnect(io::monotonic_now(), "session interface " + why);
    handle_events(c);
}

void Concentrator::on_link_events() {
    bool complete = links_->drain([this](const nl::LinkEvent& e) {
        Conn* c = nullptr;
        for (auto& [id, conn] : conns_)
            if (conn->tun && conn->tun->ifindex() == e.ifindex) c = conn.get();
        if (!c) return;
        using K = nl::LinkEvent::Kind;
        switch (e.kind) {
            case K::Up:
                c->link_seen_up = true;
                [[fallthrough]];
            case K::Down:
                if (!e.name.empty() && e.name != c->ifname) {
                    spdlog::warn("session {} user {} [nl] interface {} was renamed to {} by someone else", c->id, c->user,
                                 c->ifname, e.name);
                    c->ifname = e.name;
                }
                // `ip link del` first takes the link down: by now it may be gone already.
                if (e.kind == K::Down && c->link_seen_up)
                    interface_gone(*c, nl::link_state(*nl_, e.ifindex).exists ? "set down" : "removed");
                break;
            case K::Deleted:
                interface_gone(*c, "removed");
                break;
            case K::DefaultRoute:
                break;  // not subscribed here
            case K::AddrAdded:
            case K::AddrRemoved: {
                // Ours: the IPCP local address and the IPv6CP link-local one.
                bool ours = (c->v4 && e.address == ppp::ipv4_to_string(c->v4->local)) ||
                            (c->v6 && e.address == ppp::link_local_string(c->v6->local_iid));
                if (e.kind == K::AddrAdded && !ours)
                    spdlog::warn("session {} user {} [nl] interface {}: address {} added by someone else", c->id, c->user,
                                 c->ifname, e.address);
                else if (e.kind == K::AddrRemoved && ours)
                    spdlog::warn("session {} user {} [nl] interface {}: address {} removed by someone else", c->id,
                                 c->user, c->ifname, e.address);
                break;
            }
        }
    });
    if (!complete) spdlog::warn("nl: link notifications were lost (netlink socket overflow)");
}

void Concentrator::flush(Conn& c) {
    if (c.dp.attached()) {
        // On a worker: the output joins the data in the worker's buffer; the worker writes it.
        Bytes b;
        c.sess->take_output_into(b);
        c.dp.send(c.id, b);
        return;
    }
    if (c.out_off == c.out.size()) {
        c.out.clear();
        c.out_off = 0;
    }
    c.sess->take_output_into(c.out);
    if (!c.tls_done) return;  // bytes wait for the handshake
    c.tls->flush_held();  // records a worker held (RecordBatch) go first
    while (c.out_off < c.out.size()) {
        auto r = c.tls->write(ByteView(c.out).subspan(c.out_off));
        if (r) {
            c.out_off += *r;
            continue;
        }
        if (r.error() == tls::IoStatus::WantWrite || r.error() == tls::IoStatus::WantRead) break;
        c.out_off = c.out.size();  // the connection is gone; the session learns it on read
        break;
    }
    if (c.out_off == c.out.size()) {
        c.out.clear();
        c.out_off = 0;
    }
    bool ww = c.out_off < c.out.size() || c.tls->unsent();
    if (ww != c.want_write) {
        c.want_write = ww;
        update_interest(c);
    }
}

void Concentrator::update_interest(Conn& c) {
    loop_.modify(c.sock.get(), uint32_t(EPOLLIN) | (c.want_write ? uint32_t(EPOLLOUT) : 0u));
}

void Concentrator::close_conn(uint64_t id, const std::string& why) {
    auto it = conns_.find(id);
    if (it == conns_.end()) return;
    Conn& c = *it->second;
    reclaim(c);
    if (c.path) c.path->flush();  // packets that arrived with the goodbye still reach the host
    loop_.unwatch(c.sock.get());
    if (c.tun) loop_.unwatch(c.tun->fd());
    if (c.tls && c.tls_done) c.tls->shutdown();
    if (c.up_hook_ran) run_hook(c, "down");
    setup_over(c);
    plan_.release(c.lease);
    std::string ifname = c.ifname;
    const dp::PathCounters path_counters = c.counters();
    const auto* counters = c.ifname.empty() ? nullptr : &path_counters;
    ++stats_.closed;
    if (counters) {
        stats_.closed_paths += *counters;
    }
    spdlog::info("session {} user {} [sstp] closed: {}{}{}", id, c.user.empty() ? "-" : c.user, why,
                 ifname.empty() ? "" : ", interface " + ifname + " removed",
                 counters ? fmt::format(", rx {} pkts/{} B, tx {} pkts/{} B", counters->rx_packets, counters->rx_bytes,
                                        counters->tx_packets, counters->tx_bytes)
                          : std::string());
    if (c.tun && !stopping_) {
        c.path.reset();
        if (auto r = nl::retire_link(*nl_, c.tun->ifindex(), kRetiredGroup); r) {
            retired_.push_back(std::move(*c.tun));
            c.tun.reset();
            if (!retire_deadline_) retire_deadline_ = io::monotonic_now() + kRetireBatch;
        }  // else its fd closes below and the kernel removes it alone
    }
    conns_.erase(it);  // a TUN fd still here closes: the kernel removes the interface
    if (stopping_ && conns_.empty()) {
        delete_retired();
        loop_.stop();
    }
}

// One log line a second at most, with the number of refusals folded into it.
void Concentrator::note_refusal(const std::string& who, const std::string& why, Instant now) {
    if (now - refusal_logged_ >= Duration{1000}) {
        spdlog::warn("sstp: refusing {}: {}{}", who, why,
                     refusals_unlogged_ ? " (and " + std::to_string(refusals_unlogged_) + " more refused before)" : "");
        refusal_logged_ = now;
        refusals_unlogged_ = 0;
    } else {
        ++refusals_unlogged_;
    }
}

std::optional<std::string> Concentrator::admit(const std::string& host, Instant now) {
    const config::ServerConfig& s = *cfg_.server;
    auto count = [this](const char* why) {
        ++stats_.refused[why];
        return std::string(why);
    };
    if (starting_ >= s.max_starting)
        return count("max-starting") + " " + std::to_string(s.max_starting) + " reached (connections in setup)";
    Source& src = sources_[host];
    if (now < src.blocked_until) {
        auto left = (src.blocked_until - now).count();
        return count("login-delay") + " after " + std::to_string(src.failures) + " failed login" +
               (src.failures > 1 ? "s" : "") + " from this address; next attempt in " + std::to_string((left + 999) / 1000) + " s";
    }
    if (src.starting >= s.max_starting_per_address)
        return count("max-starting-per-address") + " " + std::to_string(s.max_starting_per_address) + " reached";
    if (s.max_connection_rate) {
        // Token bucket: max-connection-rate per second, bursts of the same size.
        const double rate = s.max_connection_rate;
        if (src.refilled == Instant{}) src.tokens = rate;
        else src.tokens = std::min(rate, src.tokens + rate * double((now - src.refilled).count()) / 1000.0);
        src.refilled = now;
        if (src.tokens < 1) return count("max-connection-rate") + " " + std::to_string(s.max_connection_rate) + "/s exceeded";
        src.tokens -= 1;
    }
    ++starting_;
    ++src.starting;
    return std::nullopt;
}

void Concentrator::setup_over(Conn& c) {
    if (!c.starting) return;
    c.starting = false;
    --starting_;
    auto it = sources_.find(c.source);
    if (it == sources_.end()) return;
    if (it->second.starting) --it->second.starting;
    // Forget an address with nothing in setup, a full bucket and no failed logins: the table stays small.
    if (it->second.starting == 0 && it->second.failures == 0 &&
        (!cfg_.server->max_connection_rate || io::monotonic_now() - it->second.refilled > Duration{10'000}))
        sources_.erase(it);
}

void Concentrator::delete_retired() {
    retire_deadline_.reset();
    if (retired_.empty()) return;
    if (auto r = nl::delete_group(*nl_, kRetiredGroup); !r) spdlog::warn("nl: {}", r.error());
    retired_.clear();  // the fds close; their interfaces are gone already (or go now, one by one)
}

void Concentrator::run_hook(Conn& c, const char* event) {
    const config::Profile* prof = plan_.profile_of(c.user);
    const std::string& script = !prof ? std::string() : std::string(event) == "up" ? prof->on_up : prof->on_down;
    if (std::string(event) == "up") c.up_hook_ran = true;
    if (script.empty()) return;
    HookEnv env;
    env.event = event;
    env.session_id = c.id;
    env.user = c.user;
    env.caller = c.caller;
    env.ifname = c.ifname;
    if (c.v4) {
        env.local = ppp::ipv4_to_string(c.v4->local);
        env.remote = ppp::ipv4_to_string(c.v4->remote);
        if (c.v4->dns1) env.dns1 = ppp::ipv4_to_string(*c.v4->dns1);
        if (c.v4->dns2) env.dns2 = ppp::ipv4_to_string(*c.v4->dns2);
    }
    std::string why;
    if (hooks_.run(script, env, io::monotonic_now(), why))
        spdlog::info("session {} user {} [hook] on-{} {}", c.id, c.user, event, script);
    else
        spdlog::error("session {} user {} [hook] on-{}: {}", c.id, c.user, event, why);
}

std::string Concentrator::interface_name(const Conn& c) const {
    std::string user;
    for (char ch : c.user) user += (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.') ? ch : '_';
    std::string n = cfg_.server->interface_name;
    for (size_t p; (p = n.find("{user}")) != std::string::npos;) n.replace(p, 6, user);
    for (size_t p; (p = n.find("{id}")) != std::string::npos;) n.replace(p, 4, std::to_string(c.id));
    return n.substr(0, 15);
}

std::optional<Instant> Concentrator::next_deadline() const {
    std::optional<Instant> d = stop_deadline_;
    for (const auto& [id, c] : conns_) merge_deadline(d, c->sess->next_deadline());
    if (hooks_.running()) merge_deadline(d, io::monotonic_now() + Duration{1000});  // reap scripts
    if (metrics_) merge_deadline(d, metrics_published_ + Duration{1000});
    merge_deadline(d, retire_deadline_);
    merge_deadline(d, resume_listeners_);
    return d;
}

void Concentrator::tick(Instant now) {
    // Sources with nothing in setup and an idle bucket are forgotten (refused-only ones included),
    // checked once a second: tick runs after every wake-up.
    if (now - sources_pruned_ >= Duration{1000}) {
        sources_pruned_ = now;
        std::erase_if(sources_, [&](const auto& kv) {
            return kv.second.starting == 0 && now - kv.second.refilled > Duration{10'000} &&
                   (kv.second.failures == 0 || now - kv.second.last_failure > Duration{600'000});
        });
    }
    if (retire_deadline_ && now >= *retire_deadline_) delete_retired();
    if (resume_listeners_ && now >= *resume_listeners_) {
        resume_listeners_.reset();
        for (int lfd : std::exchange(paused_listeners_, {}))
            if (!stopping_) loop_.watch(lfd, EPOLLIN, [this, lfd](uint32_t) { on_accept(lfd); });
    }
    if (metrics_ && now - metrics_published_ >= Duration{1000}) {
        metrics_->publish(metrics_text());
        metrics_published_ = now;
    }
    for (const auto& line : hooks_.reap(now)) spdlog::warn("hook: {}", line);
    std::vector<uint64_t> due;
    for (const auto& [id, c] : conns_) {
        // Packets a worker moved are liveness the session did not see (SSTP hello timer).
        c->dp.note_liveness(*c->sess);
        if (auto d = c->sess->next_deadline(); d && *d <= now) due.push_back(id);
    }
    for (uint64_t id : due) {
        auto it = conns_.find(id);
        if (it == conns_.end()) continue;
        it->second->sess->on_timer(now);
        handle_events(*it->second);
        if (conns_.count(id)) try_attach(*conns_.at(id));
    }
    if (stop_deadline_ && now >= *stop_deadline_) {
        spdlog::warn("sstp: {} sessions did not finish in time; closing them", conns_.size());
        while (!conns_.empty()) close_conn(conns_.begin()->first, "shutdown");
        loop_.stop();
    }
}

void Concentrator::shutdown() {
    if (stopping_) return;
    stopping_ = true;
    spdlog::info("sstp: shutting down, disconnecting {} sessions", conns_.size());
    for (const auto& l : listeners_) loop_.unwatch(l.get());
    listeners_.clear();
    if (conns_.empty()) {
        loop_.stop();
        return;
    }
    stop_deadline_ = io::monotonic_now() + kShutdownGrace;
    std::vector<uint64_t> ids;
    for (const auto& [id, c] : conns_) ids.push_back(id);
    for (uint64_t id : ids) {
        auto it = conns_.find(id);
        if (it == conns_.end()) continue;
        it->second->sess->disconnect(io::monotonic_now(), "server shutting down");
        handle_events(*it->second);
    }
    // The goodbyes travel over TLS; the interfaces can go now, all in one netlink request
    // (closing thousands of TUN fds one by one costs an RCU grace period each).
    size_t n = 0;
    for (const auto& [id, c] : conns_) n += c->tun ? 1 : 0;
    if (n == 0) return;
    Instant t0 = io::monotonic_now();
    if (auto r = nl::delete_group(*nl_, kSessionGroup); !r) {
        spdlog::warn("nl: {}; interfaces go one by one", r.error());
        return;
    }
    spdlog::info("nl: deleted {} session interfaces in one batch in {} ms", n, (io::monotonic_now() - t0).count());
}

}  // namespace ksstp::server
