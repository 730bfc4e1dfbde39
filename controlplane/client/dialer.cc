// ksstpc connection lifecycle; see dialer.h.
#include "controlplane/client/dialer.h"

#include <netdb.h>
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
#include "netlink/if_link.h"

namespace ksstp::client {

namespace {
constexpr Duration kConnectTimeout{10'000};
constexpr Duration kMaxBackoff{60'000};
constexpr size_t kTunBudget = 64;
constexpr size_t kMaxHeldPackets = 32;

std::optional<in_addr> resolve_ipv4(const std::string& host, const std::string& port) {
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || !res) return std::nullopt;
    in_addr a = reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr;
    ::freeaddrinfo(res);
    return a;
}

// "host", "host:port", "[v6]:port", "v6" (several colons, no brackets).
std::pair<std::string, std::string> split_host_port(const std::string& s) {
    if (!s.empty() && s[0] == '[') {
        size_t close = s.find(']');
        std::string host = s.substr(1, close - 1);
        std::string port = close + 1 < s.size() && s[close + 1] == ':' ? s.substr(close + 2) : "443";
        return {host, port};
    }
    size_t colon = s.rfind(':');
    if (colon != std::string::npos && s.find(':') == colon) return {s.substr(0, colon), s.substr(colon + 1)};
    return {s, "443"};
}
}  // namespace

Dialer::Dialer(config::ClientConfig cfg, io::EventLoop& loop, config::DataplaneConfig dataplane)
    : cfg_(std::move(cfg)), dataplane_(dataplane), loop_(loop) {
    tls::ClientTlsOptions o;
    o.ca_certificate = cfg_.ca_certificate;
    o.verify_server_certificate = cfg_.verify_server_certificate;
    o.certificate = cfg_.certificate;
    o.private_key = cfg_.private_key;
    o.version = cfg_.tls_version;
    o.pfs = cfg_.pfs;
    o.anonymous = !cfg_.verify_server_certificate;  // reach certificate = "none" servers too
    o.ktls = dataplane_.ktls;
    tls::ContextInfo info;
    ctx_ = tls::make_client_context(o, info);
    auto sk = nl::NlSock::open();
    if (!sk) throw std::runtime_error("netlink: " + sk.error());
    nl_.emplace(std::move(*sk));
    std::tie(host_, port_) = split_host_port(cfg_.connect_to);
    if (!cfg_.http_proxy.empty()) {
        auto p = sstp::parse_proxy_address(cfg_.http_proxy);
        if (!p) throw std::runtime_error("http-proxy: " + p.error());  // the loader checked it already
        proxy_ = std::move(*p);
    }
}

Dialer::~Dialer() {
    if (inbox_) loop_.unwatch(inbox_->fd());
}

namespace {
constexpr uint64_t kCallId = 1;  // the one call of a client on its worker
}

void Dialer::try_attach() {
    if (dataplane_.workers == 0 || dp_.attached() || phase_ != Phase::Running || stopping_ || !tls_ || !tun_ || !path_)
        return;
    if (!io::ready_for_worker(*sess_)) return;
    if (!worker_) {
        inbox_ = std::make_unique<dp::ControlInbox>();
        worker_ = std::make_unique<dp::Worker>(0, *inbox_, dataplane_.io_uring);
        loop_.watch(inbox_->fd(), EPOLLIN, [this](uint32_t) { on_inbox(); });
    }
    loop_.unwatch(sock_.get());
    loop_.unwatch(tun_->fd());
    want_write_ = false;
    dp_.attach(*worker_, kCallId, tls_, sock_.get(), path_, tun_->fd(), out_, out_off_, io::link_params(*sess_, 0));
    const std::string& plain = worker_->plain_io_reason();
    spdlog::info("{}: [dp] data-plane worker moves the packets, interface I/O {}", cfg_.name,
                 plain.empty() ? "through io_uring" : "one system call per packet (" + plain + ")");
}

void Dialer::reclaim() {
    if (!dp_.attached()) return;
    auto back = dp_.reclaim(kCallId, tls_, path_, out_, out_off_, *sess_);
    loop_.watch(sock_.get(), EPOLLIN, [this](uint32_t ev) { on_socket(ev); });
    if (tun_ && path_ && !back.tun_gone) loop_.watch(tun_->fd(), EPOLLIN, [this](uint32_t ev) { on_tun(ev); });
    want_write_ = false;
    // TLS records the worker held and had not sent yet go out before anything else.
    if (out_off_ < out_.size() || (tls_ && tls_->unsent())) set_interest(true);
}

// The worker has packets for the control plane, or saw the connection or the interface go.
void Dialer::on_inbox() {
    (void)inbox_->take();
    if (!dp_.attached() || !sess_) return;
    dp::DataSession::Inbox in = dp_.take_inbox(kCallId);
    const Instant now = io::monotonic_now();
    for (const Bytes& p : in.packets)
        if (!sess_->ended()) sess_->on_bytes(p, now);
    if (in.closed) {
        reclaim();
        sess_->on_transport_closed(now, *in.closed);
        handle_events();
        if (phase_ == Phase::Running) teardown(tls_ && !tls_->error().empty() ? tls_->error() : *in.closed);
        return;
    }
    handle_events();
    if (in.tun_gone && phase_ == Phase::Running) interface_deleted();
}

void Dialer::start() {
    if (cfg_.dial_on_demand) prepare_on_demand();
    else connect();
}

void Dialer::prepare_on_demand() {
    phase_ = Phase::Idle;
    if (!bring_up_interface(cfg_.max_mtu)) return;
    if (cfg_.add_default_route) {
        const std::string& h = proxy_ ? proxy_->host : host_;
        if (auto a = resolve_ipv4(h, proxy_ ? proxy_->port : port_)) add_default_route(*a);
        else spdlog::error("{}: add-default-route: cannot resolve {} to an IPv4 address", cfg_.name, h);
    }
    spdlog::info("{}: dial-on-demand: interface {} up, connecting on the first packet routed into it", cfg_.name,
                 tun_->name());
}

void Dialer::add_default_route(const in_addr& server) {
    if (default_route_ || !tun_) return;
    auto r = nl::DefaultRoute::install(*nl_, tun_->ifindex(), server);
    if (!r) {
        spdlog::error("{}: add-default-route: {}", cfg_.name, r.error());
        return;
    }
    default_route_.emplace(std::move(*r));
    spdlog::info("{}: add-default-route: {}", cfg_.name, default_route_->description());
    // Follow changes of the underlying default route (DHCP renewing with a new gateway, ...).
    if (auto m = nl::LinkMonitor::open(true); m) {
        route_watch_.emplace(std::move(*m));
        loop_.watch(route_watch_->fd(), EPOLLIN, [this](uint32_t) {
            bool changed = false;
            route_watch_->drain([&](const nl::LinkEvent& e) { changed |= e.kind == nl::LinkEvent::Kind::DefaultRoute; });
            if (!changed || !default_route_) return;
            if (std::string s = default_route_->follow(); !s.empty()) spdlog::info("{}: add-default-route: {}", cfg_.name, s);
        });
    } else {
        spdlog::warn("{}: add-default-route: cannot watch routes: {}", cfg_.name, m.error());
    }
}

void Dialer::stop_route_watch() {
    if (!route_watch_) return;
    loop_.unwatch(route_watch_->fd());
    route_watch_.reset();
}

void Dialer::send_held(uint16_t protocol) {
    // Each protocol's packets go when its NCP is up; the others wait for theirs.
    size_t sent = 0, tried = 0;
    std::erase_if(held_, [&](const std::pair<uint16_t, Bytes>& h) {
        if (h.first != protocol) return false;
        ++tried;
        sent += sess_->send_ip(h.first, h.second) ? 1 : 0;
        return true;
    });
    if (tried)
        spdlog::info("{}: dial-on-demand: sent {} of {} {} packets held while connecting{}", cfg_.name, sent, tried,
                     protocol == 0x0021 ? "IPv4" : "IPv6",
                     held_dropped_ ? " (" + std::to_string(held_dropped_) + " more were dropped: queue full)" : "");
    held_dropped_ = 0;
}

void Dialer::set_interest(bool write) {
    want_write_ = write;
    loop_.modify(sock_.get(), uint32_t(EPOLLIN) | (write ? uint32_t(EPOLLOUT) : 0u));
}

void Dialer::connect() {
    phase_ = Phase::Connecting;
    // Through a proxy the TCP connection goes to the proxy, which resolves the server's name.
    const std::string& dial_host = proxy_ ? proxy_->host : host_;
    const std::string& dial_port = proxy_ ? proxy_->port : port_;
    if (proxy_) spdlog::info("{}: connecting to {} port {} through HTTP proxy {} port {}", cfg_.name, host_, port_, dial_host, dial_port);
    else spdlog::info("{}: connecting to {} port {}", cfg_.name, host_, port_);
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (int e = ::getaddrinfo(dial_host.c_str(), dial_port.c_str(), &hints, &res); e != 0) {
        teardown(std::string("cannot resolve ") + dial_host + ": " + gai_strerror(e));
        return;
    }
    Fd fd(::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    int r = fd ? ::connect(fd.get(), res->ai_addr, res->ai_addrlen) : -1;
    int err = errno;
    ::freeaddrinfo(res);
    if (!fd || (r != 0 && err != EINPROGRESS)) {
        teardown(std::string("connect: ") + std::strerror(err));
        return;
    }
    int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sock_ = std::move(fd);
    deadline_ = io::monotonic_now() + kConnectTimeout;
    loop_.watch(sock_.get(), EPOLLOUT, [this](uint32_t ev) { on_socket(ev); });
}

void Dialer::on_socket(uint32_t events) {
    if (phase_ == Phase::Connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(sock_.get(), SOL_SOCKET, SO_ERROR, &err, &len);
        if (err || (events & EPOLLERR)) {
            teardown(std::string("connect to ") + (proxy_ ? "HTTP proxy " + proxy_->host : host_) + ": " +
                     std::strerror(err ? err : ECONNREFUSED));
            return;
        }
        if (proxy_) {
            phase_ = Phase::Proxying;
            proxy_request_ = sstp::build_connect_request(*proxy_, host_, port_);
            proxy_sent_ = 0;
            proxy_response_.emplace();
        } else {
            start_tls();
        }
    }
    if (phase_ == Phase::Proxying) {
        proxy_step();
        return;
    }
    drive();
}

void Dialer::start_tls() {
    phase_ = Phase::Handshaking;
    tls_.emplace(tls::TlsSession::client(ctx_.get(), sock_.get(), host_,
                                         cfg_.verify_server_certificate && cfg_.verify_server_address_from_certificate));
    set_interest(false);
}

void Dialer::proxy_step() {
    while (proxy_sent_ < proxy_request_.size()) {
        ssize_t n = ::send(sock_.get(), proxy_request_.data() + proxy_sent_, proxy_request_.size() - proxy_sent_,
                           MSG_NOSIGNAL);
        if (n < 0 && errno == EAGAIN) {
            set_interest(true);
            return;
        }
        if (n <= 0) {
            teardown(std::string("HTTP proxy: ") + std::strerror(errno));
            return;
        }
        proxy_sent_ += size_t(n);
    }
    if (want_write_) set_interest(false);
    char buf[2048];
    for (;;) {
        ssize_t n = ::recv(sock_.get(), buf, sizeof buf, 0);
        if (n < 0 && errno == EAGAIN) return;
        if (n <= 0) {
            teardown("HTTP proxy closed the connection before answering CONNECT");
            return;
        }
        size_t used = 0;
        auto st = proxy_response_->feed(ByteView(reinterpret_cast<const uint8_t*>(buf), size_t(n)), used);
        if (st == sstp::ParseState::NeedMore) continue;
        const auto& r = proxy_response_->response();
        if (st == sstp::ParseState::Error && r.status == 0) {  // no status line: not an HTTP answer
            teardown("HTTP proxy sent a malformed answer: " + proxy_response_->error_reason());
            return;
        }
        // RFC 9110 15.5.8: 407; tinyproxy's BasicAuth answers CONNECT with 401 instead.
        if (r.status == 407 || r.status == 401) {
            teardown("HTTP proxy requires authentication (" + std::to_string(r.status) + " " + r.reason + ")" +
                     (proxy_->user.empty() ? ": give user:password@ in http-proxy" : ": user or password refused"));
            return;
        }
        if (r.status < 200 || r.status > 299) {
            teardown("HTTP proxy refused CONNECT to " + host_ + ":" + port_ + " (" + std::to_string(r.status) + " " +
                     r.reason + ")");
            return;
        }
        // The TLS server speaks only after our ClientHello: nothing may follow the answer.
        if (used != size_t(n)) {
            teardown("HTTP proxy sent data after its CONNECT answer");
            return;
        }
        spdlog::info("{}: HTTP proxy connected us to {} port {}", cfg_.name, host_, port_);
        start_tls();
        drive();
        return;
    }
}

void Dialer::drive() {
    Instant now = io::monotonic_now();
    if (phase_ == Phase::Handshaking) {
        auto r = tls_->handshake();
        if (!r) {
            if (r.error() == tls::IoStatus::WantRead || r.error() == tls::IoStatus::WantWrite) {
                set_interest(r.error() == tls::IoStatus::WantWrite);
                return;
            }
            teardown("TLS handshake failed: " + tls_->error());
            return;
        }
        tls::TlsInfo ti = tls_->info();
        if (ti.peer_leaf_der.empty())
            spdlog::warn("{}: server sent no certificate (anonymous TLS, certificate = none): not authenticated, "
                         "open to man-in-the-middle", cfg_.name);
        else if (!ti.verify_text.empty())
            spdlog::warn("{}: server certificate: {} (verify-server-certificate = no: continuing)", cfg_.name, ti.verify_text);
        tls_version_ = ti.version;
        spdlog::info("{}: TLS established: {} {} kTLS tx {} rx {}", cfg_.name, ti.version, ti.cipher,
                     ti.ktls_tx ? "on" : "off", ti.ktls_rx ? "on" : "off");
        session::ClientSessionConfig sc;
        sc.sstp.timers.hello = Duration{cfg_.keepalive_timeout ? int64_t(*cfg_.keepalive_timeout) * 1000 : 0};
        sc.ppp.methods = cfg_.authentication;
        sc.ppp.user = cfg_.user;
        sc.ppp.password = cfg_.password;
        sc.ppp.max_mru = cfg_.max_mru;
        sc.ppp.max_mtu = cfg_.max_mtu;
        sc.ppp.mrru = cfg_.mrru;
        sc.host = host_;
        sess_ = std::make_unique<session::ClientSession>(sc, rng_);
        std::optional<sstp::CertHashes> hashes;
        if (!ti.peer_leaf_der.empty()) hashes = sstp::CertHashes::of_der(ti.peer_leaf_der);
        sess_->start(hashes, now);
        phase_ = Phase::Running;
        deadline_.reset();
        handle_events();
        if (phase_ != Phase::Running) return;
    }
    if (phase_ != Phase::Running) return;
    uint8_t buf[16384];
    for (int i = 0; i < 64; ++i) {
        auto r = tls_->read(buf);
        if (r) {
            sess_->on_bytes(ByteView(buf, *r), now);
            handle_events();
            if (phase_ != Phase::Running) return;
            continue;
        }
        if (r.error() == tls::IoStatus::Closed || r.error() == tls::IoStatus::Error) {
            sess_->on_transport_closed(now);
            handle_events();
            if (phase_ == Phase::Running) teardown(tls_->error());
            return;
        }
        break;
    }
    handle_events();
    // The batch this wake-up read from the socket is in the path: GRO's super-packets go out now.
    if (path_) path_->flush();
    try_attach();
}

bool Dialer::bring_up_interface(uint16_t mtu) {
    if (tun_) {  // dial-on-demand made it before the MTU was known
        if (auto r = nl::set_mtu_and_up(*nl_, tun_->ifindex(), mtu); !r) spdlog::error("{}: {}", cfg_.name, r.error());
        return true;
    }
    auto link = nl::SessionLink::create(*nl_, cfg_.name, "", mtu, 0, io::tun_offloads_wanted(dataplane_));
    if (!link) {
        spdlog::error("{}: cannot create interface: {}", cfg_.name, link.error());
        return false;
    }
    tun_.emplace(std::move(*link));
    path_ = io::make_tun_path(tun_->fd(), tun_->offloads(), dataplane_);
    spdlog::info("{}: interface {} {}", cfg_.name, tun_->name(), io::describe_tun_path(tun_->offloads(), dataplane_));
    loop_.watch(tun_->fd(), EPOLLIN, [this](uint32_t ev) { on_tun(ev); });
    return true;
}

void Dialer::handle_events() {
    Instant now = io::monotonic_now();
    // Handling an event can produce more (a disconnect logs and ends the call): drain them all.
    for (auto events = sess_->take_events(); !events.empty(); events = sess_->take_events())
    for (auto& e : events) {
        if (auto* l = std::get_if<session::ev::Log>(&e)) {
            io::log_session_line(0, cfg_.user, *l);
        } else if (auto* v4 = std::get_if<session::ev::Ipv4Up>(&e)) {
            if (!bring_up_interface(v4->mtu)) {
                sess_->disconnect(now, "cannot create the interface");
                continue;
            }
            if (auto r = tun_->add_ipv4(*nl_, v4->ipcp.local, v4->ipcp.remote); !r)
                spdlog::error("{}: {}", cfg_.name, r.error());
            backoff_ = Duration{1000};
            v4_ = v4->ipcp;
            connected_at_ = now;
            spdlog::info("{}: connected: {} -> {} mtu {}{}", cfg_.name, ppp::ipv4_to_string(v4->ipcp.local),
                         ppp::ipv4_to_string(v4->ipcp.remote), v4->mtu,
                         v4->ipcp.dns1 ? ", dns " + ppp::ipv4_to_string(*v4->ipcp.dns1) : std::string());
            if (cfg_.add_default_route && !default_route_) {
                // The host route goes to the address this TCP connection really uses (server or proxy).
                sockaddr_storage peer{};
                socklen_t len = sizeof peer;
                if (::getpeername(sock_.get(), reinterpret_cast<sockaddr*>(&peer), &len) == 0 && peer.ss_family == AF_INET)
                    add_default_route(reinterpret_cast<sockaddr_in*>(&peer)->sin_addr);
                else
                    spdlog::error("{}: add-default-route: the server connection is not IPv4", cfg_.name);
            }
            ipv4_up_ = true;
            send_held(0x0021);
        } else if (auto* v6 = std::get_if<session::ev::Ipv6Up>(&e)) {
            if (!bring_up_interface(v6->mtu)) {
                sess_->disconnect(now, "cannot create the interface");
                continue;
            }
            if (auto r = tun_->add_ipv6(*nl_, v6->ipv6cp.local_iid, v6->ipv6cp.remote_iid); !r)
                spdlog::error("{}: {}", cfg_.name, r.error());
            backoff_ = Duration{1000};
            spdlog::info("{}: IPv6 {} -> {}", cfg_.name, ppp::link_local_string(v6->ipv6cp.local_iid),
                         ppp::link_local_string(v6->ipv6cp.remote_iid));
            ipv6_up_ = true;
            send_held(0x0057);
        } else if (auto* p = std::get_if<session::ev::IpPacket>(&e)) {
            if (dp_.attached()) dp_.deliver(p->protocol, p->data);
            else if (path_) path_->deliver(p->protocol, p->data);
        }
    }
    if (dp_.attached()) {
        if (sess_->ended()) reclaim();  // the goodbye is flushed and the call closed from here
        else dp_.set_params(io::link_params(*sess_, 0));
    }
    flush();
    if (phase_ == Phase::Running && sess_->ended() && out_off_ == out_.size() && !(tls_ && tls_->unsent()))
        teardown("disconnected");
}

// The interface was deleted under us (EPOLLHUP on its fd).
void Dialer::interface_deleted() {
    reclaim();
    loop_.unwatch(tun_->fd());
    if (default_route_) default_route_->restore();
    default_route_.reset();
    stop_route_watch();
    path_.reset();
    tun_.reset();
    if (phase_ == Phase::Running) {
        sess_->disconnect(io::monotonic_now(), "interface deleted");
        handle_events();
    } else if (cfg_.dial_on_demand && !stopping_) {
        spdlog::warn("{}: interface deleted while waiting for traffic; making it again", cfg_.name);
        Phase p = phase_;
        prepare_on_demand();
        phase_ = p;
    }
}

void Dialer::on_tun(uint32_t events) {
    if (!path_) return;
    if (events & (EPOLLERR | EPOLLHUP)) {
        interface_deleted();
        return;
    }
    // Sent at once when its NCP is up; with dial-on-demand, held (what fits) until it is.
    const bool running = phase_ == Phase::Running;
    path_->pump(
        [&](uint16_t proto, std::span<uint8_t> pkt) {
            if (running && (proto == 0x0021 ? ipv4_up_ : ipv6_up_)) return sess_->send_ip(proto, pkt);
            if (!cfg_.dial_on_demand) return false;
            if (held_.size() >= kMaxHeldPackets) {
                ++held_dropped_;
                return false;
            }
            held_.emplace_back(proto, Bytes(pkt.begin(), pkt.end()));
            return true;
        },
        kTunBudget);
    if (running) handle_events();
    if (phase_ == Phase::Idle && !held_.empty()) {
        spdlog::info("{}: dial-on-demand: traffic for the tunnel, connecting", cfg_.name);
        connect();
    }
    try_attach();
}

void Dialer::flush() {
    if (!sess_) return;
    if (dp_.attached()) {  // the worker writes it, in order with the data
        Bytes b;
        sess_->take_output_into(b);
        dp_.send(kCallId, b);
        return;
    }
    if (out_off_ == out_.size()) {
        out_.clear();
        out_off_ = 0;
    }
    sess_->take_output_into(out_);
    if (tls_) tls_->flush_held();  // records a worker held (RecordBatch) go first
    while (out_off_ < out_.size()) {
        auto r = tls_->write(ByteView(out_).subspan(out_off_));
        if (r) {
            out_off_ += *r;
            continue;
        }
        if (r.error() == tls::IoStatus::WantWrite || r.error() == tls::IoStatus::WantRead) break;
        out_off_ = out_.size();
        break;
    }
    if (out_off_ == out_.size()) {
        out_.clear();
        out_off_ = 0;
    }
    bool ww = out_off_ < out_.size() || (tls_ && tls_->unsent());
    if (ww != want_write_) set_interest(ww);
}

void Dialer::teardown(const std::string& why) {
    if (sess_) reclaim();
    if (sock_) loop_.unwatch(sock_.get());
    if (tun_) loop_.unwatch(tun_->fd());
    if (tls_ && phase_ == Phase::Running) tls_->shutdown();
    if (default_route_) {
        if (std::string r = default_route_->restore(); !r.empty()) spdlog::info("{}: add-default-route: {}", cfg_.name, r);
        default_route_.reset();
        stop_route_watch();
    }
    if (path_) path_->flush();
    path_.reset();
    tun_.reset();  // the interface goes with its fd
    ipv4_up_ = ipv6_up_ = false;
    v4_.reset();
    connected_at_.reset();
    tls_version_.clear();
    held_.clear();
    held_dropped_ = 0;
    tls_.reset();
    sess_.reset();
    sock_.reset();
    out_.clear();
    out_off_ = 0;
    want_write_ = false;
    if (stopping_) {
        phase_ = Phase::Stopped;
        deadline_.reset();
        spdlog::info("{}: stopped ({})", cfg_.name, why);
        if (on_stopped_) on_stopped_();
        return;
    }
    if (cfg_.dial_on_demand) prepare_on_demand();  // a fresh interface, waiting for traffic again
    phase_ = Phase::Waiting;
    deadline_ = io::monotonic_now() + backoff_;
    spdlog::info("{}: {}; {} in {} s", cfg_.name, why,
                 cfg_.dial_on_demand ? "dialing again on traffic, not" : "reconnecting", backoff_.count() / 1000);
    backoff_ = std::min(backoff_ * 2, kMaxBackoff);
}

std::optional<Instant> Dialer::next_deadline() const {
    std::optional<Instant> d = deadline_;
    if (phase_ == Phase::Running && sess_) merge_deadline(d, sess_->next_deadline());
    return d;
}

void Dialer::tick(Instant now) {
    if (phase_ == Phase::Running && sess_) {
        dp_.note_liveness(*sess_);  // what the worker moved keeps the SSTP hello timer quiet
        if (auto d = sess_->next_deadline(); d && *d <= now) {
            sess_->on_timer(now);
            handle_events();
            try_attach();
        }
        return;
    }
    if (!deadline_ || now < *deadline_) return;
    deadline_.reset();
    if (phase_ == Phase::Waiting && cfg_.dial_on_demand && held_.empty()) phase_ = Phase::Idle;
    else if (phase_ == Phase::Waiting) connect();
    else teardown(phase_ == Phase::Connecting ? "connect timeout"
                  : phase_ == Phase::Proxying ? "HTTP proxy did not answer CONNECT in time"
                                              : "TLS handshake timeout");
}

void Dialer::stop(std::function<void()> on_stopped) {
    stopping_ = true;
    on_stopped_ = std::move(on_stopped);
    if (phase_ == Phase::Running && sess_ && !sess_->ended()) {
        sess_->disconnect(io::monotonic_now(), "stopping");
        handle_events();
        return;
    }
    teardown("stopping");
}

nlohmann::json Dialer::status() const {
    static const char* const names[] = {"waiting-for-traffic", "waiting", "connecting", "proxy", "tls",
                                        "connected", "disabled"};
    const char* state = names[size_t(phase_)];
    if (phase_ == Phase::Running && !ipv4_up_ && !ipv6_up_) state = "ppp";
    nlohmann::json j{{"name", cfg_.name},
                     {"state", state},
                     {"connect-to", cfg_.connect_to},
                     {"user", cfg_.user},
                     {"local-address", v4_ ? ppp::ipv4_to_string(v4_->local) : ""},
                     {"remote-address", v4_ ? ppp::ipv4_to_string(v4_->remote) : ""},
                     {"interface", tun_ ? tun_->name() : ""},
                     {"uptime-s", connected_at_ ? (io::monotonic_now() - *connected_at_).count() / 1000 : 0},
                     {"tls-version", tls_version_}};
    const dp::PathCounters pc = dp_.attached() ? dp_.path_counters() : path_ ? path_->counters() : dp::PathCounters{};
    j["rx-bytes"] = pc.rx_bytes;
    j["tx-bytes"] = pc.tx_bytes;
    j["rx-packets"] = pc.rx_packets;
    j["tx-packets"] = pc.tx_packets;
    j["drops"] = pc.drop_iface_full + pc.drop_malformed + pc.drop_tunnel_refused;
    j["data-path"] = tun_ ? io::describe_tun_path(tun_->offloads(), dataplane_) : "";
    j["tun-reads"] = pc.tun_reads;
    j["tun-writes"] = pc.tun_writes;
    j["gso-segments"] = pc.gso_segments;
    j["gro-merged"] = pc.gro_merged;
    j["worker"] = dp_.worker_index();
    return j;
}

void Dialer::enable() {
    if (phase_ != Phase::Stopped) return;
    stopping_ = false;
    on_stopped_ = nullptr;
    backoff_ = Duration{1000};
    spdlog::info("{}: enabled", cfg_.name);
    start();
}

void Dialer::disable() {
    if (phase_ == Phase::Stopped) return;
    spdlog::info("{}: disabled", cfg_.name);
    stop(nullptr);
}

}  // namespace ksstp::client
