// Dialer: one ksstpc `sstp-client` (SPEC 3, 5): resolves connect-to, connects TCP, runs TLS with
// the certificate checks, then a ClientSession; when IPCP/IPv6CP come up it creates the TUN
// interface named after the client and configures it through netlink. After a failure or a
// disconnect it reconnects with exponential backoff (1 s doubling to 60 s). One log line per
// state change. Single-threaded on the EventLoop.
//
// add-default-route: once IPCP is up, nl::DefaultRoute points the default route at the tunnel and
// pins a host route to the server (or proxy) through the old gateway; undone at disconnect.
// dial-on-demand: the interface (and that default route) exist from the start with no address;
// the first packet routed into it dials, and the packets that arrived meanwhile (up to
// kMaxHeldPackets) are sent once the NCP is up. After a disconnect the interface is made afresh
// and the client waits for traffic again (no more often than the backoff allows).
//
// Data plane (issue 5 item 1): once the call is connected and an NCP is up, the client's own
// worker thread moves its packets (io/worker_handoff.h), as ksstpd's workers do; [dataplane]
// workers = 0 keeps them on the event loop.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "controlplane/config/config.h"
#include "controlplane/crypto/random.h"
#include "controlplane/io/event_loop.h"
#include "controlplane/io/worker_handoff.h"
#include "controlplane/session/client_session.h"
#include "controlplane/sstp/http_connect.h"
#include "controlplane/sstp/http_handshake.h"
#include "controlplane/tls/tls_context.h"
#include "controlplane/tls/tls_session.h"
#include "dataplane/packet_path.h"
#include "netlink/default_route.h"
#include "netlink/link_monitor.h"
#include "netlink/nl_socket.h"
#include "netlink/session_link.h"

namespace ksstp::client {

class Dialer {
public:
    // Throws std::runtime_error on setup errors (TLS context, netlink).
    // `dataplane`: the TUN offloads ([dataplane], shared by every client of the file).
    Dialer(config::ClientConfig cfg, io::EventLoop& loop, config::DataplaneConfig dataplane = {});
    ~Dialer();
    void start();
    // SIGTERM: disconnect cleanly, then `on_stopped`.
    void stop(std::function<void()> on_stopped);
    std::optional<Instant> next_deadline() const;
    void tick(Instant now);
    // ksstpctl client print / enable / disable (SPEC 6).
    nlohmann::json status() const;
    const std::string& name() const { return cfg_.name; }
    bool enabled() const { return phase_ != Phase::Stopped; }
    void enable();   // a stopped (disabled) client starts again
    void disable();  // disconnects cleanly and stays stopped

private:
    enum class Phase { Idle, Waiting, Connecting, Proxying, Handshaking, Running, Stopped };
    void connect();
    void on_socket(uint32_t events);
    void proxy_step();
    void start_tls();
    void on_tun(uint32_t events);
    void drive();
    void handle_events();
    void flush();
    void teardown(const std::string& why);
    bool bring_up_interface(uint16_t mtu);
    void prepare_on_demand();
    void add_default_route(const in_addr& server);
    void send_held(uint16_t protocol);
    void stop_route_watch();
    void set_interest(bool write);
    void interface_deleted();
    void try_attach();
    void reclaim();
    void on_inbox();

    config::ClientConfig cfg_;
    config::DataplaneConfig dataplane_;
    io::EventLoop& loop_;
    crypto::SystemRng rng_;
    tls::SslCtxPtr ctx_;
    std::optional<nl::NlSock> nl_;
    Phase phase_ = Phase::Waiting;
    std::string host_;
    std::string port_;
    std::optional<sstp::ProxyAddress> proxy_;  // http-proxy
    std::string proxy_request_;
    size_t proxy_sent_ = 0;
    std::optional<sstp::HttpResponseParser> proxy_response_;
    Fd sock_;
    std::optional<tls::TlsSession> tls_;
    std::unique_ptr<session::ClientSession> sess_;
    Bytes out_;
    size_t out_off_ = 0;
    bool want_write_ = false;
    std::optional<nl::SessionLink> tun_;
    std::unique_ptr<dp::PacketPath> path_;
    std::optional<nl::DefaultRoute> default_route_;
    std::optional<nl::LinkMonitor> route_watch_;  // while default_route_ is installed
    bool ipv4_up_ = false, ipv6_up_ = false;
    std::vector<std::pair<uint16_t, Bytes>> held_;  // dial-on-demand: packets before the NCP is up
    uint64_t held_dropped_ = 0;
    std::optional<Instant> deadline_;  // reconnect time, or connect/handshake timeout
    Duration backoff_{1000};
    std::function<void()> on_stopped_;
    bool stopping_ = false;
    std::string tls_version_;
    std::optional<ppp::IpcpResult> v4_;
    std::optional<Instant> connected_at_;
    io::WorkerHandoff dp_;
    std::unique_ptr<dp::ControlInbox> inbox_;
    std::unique_ptr<dp::Worker> worker_;  // made at the first hand-over; last: joined first
};

}  // namespace ksstp::client
