// Concentrator: the ksstpd control plane (SPEC 2, 3, 5). Accepts TCP on every `listen` address,
// runs TLS, then one ServerSession per connection; when an NCP comes up it creates the session's
// TUN interface (named from `interface-name`) and configures it through netlink; IP packets move
// through a PacketPath; when the session ends the interface goes and the pool address returns.
// The control plane is single-threaded on an EventLoop; established calls are handed to
// data-plane workers (dataplane/worker.h, [dataplane] workers) that move their packets.
//
// Management (SPEC 6, docs/management.md): the [management] socket answers ksstpctl (management.cc);
// reload() (SIGHUP or `ksstpctl reload`) applies a new configuration to new sessions, keeping the
// old one when the new one is invalid.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "controlplane/config/config.h"
#include "controlplane/crypto/random.h"
#include "controlplane/io/event_loop.h"
#include "controlplane/io/metrics_server.h"
#include "controlplane/io/mgmt_socket.h"
#include "controlplane/server/hook_runner.h"
#include "controlplane/server/session_policy.h"
#include "controlplane/tls/tls_context.h"
#include "dataplane/packet_path.h"
#include "dataplane/worker.h"
#include "netlink/link_monitor.h"
#include "netlink/nl_socket.h"
#include "netlink/session_link.h"

namespace ksstp::server {

class Concentrator {
public:
    // Throws std::runtime_error (TLS setup, listening) with a readable message.
    // `config_path` is read again by reload(). `drop_privileges` runs once every socket that
    // needs root is open and before any thread starts (capabilities are per thread).
    Concentrator(config::Config cfg, std::string config_path, io::EventLoop& loop,
                 const std::function<void()>& drop_privileges = {});
    ~Concentrator();
    // SIGTERM/SIGINT: disconnect every session cleanly, then stop the loop.
    void shutdown();
    size_t sessions() const { return conns_.size(); }
    // SIGHUP / ksstpctl reload: "" when applied, else why not (the old configuration stays).
    std::string reload();

    // Counters for `ksstpctl stats` and metrics.
    struct Stats {
        uint64_t accepted = 0, established = 0, closed = 0, refused_max_sessions = 0;
        std::map<std::string, uint64_t> refused;  // connections closed at accept, by limit
        std::map<std::string, uint64_t> auth_failures;     // by reason
        std::map<std::string, uint64_t> sessions_refused;  // authenticated but refused (only-one, pool), by reason
        std::map<std::string, uint64_t> handshake_errors;  // TLS/HTTP/SSTP setup failures by reason
        std::map<std::string, uint64_t> end_reasons;
        std::map<std::string, uint64_t> netlink_errors;    // by operation (the session goes on without it, or ends)
        dp::PathCounters closed_paths;  // data-path counters of closed sessions, summed
        // Milliseconds from TCP accept to: TLS done, PPP authentication done, IPCP up (the last
        // kLatencySamples setups, for percentiles).
        std::deque<double> tls_ms, auth_ms, setup_ms;
        std::deque<Instant> recent_setups;    // established in the last 10 s
    };
    static constexpr size_t kLatencySamples = 1024;
    static void sample(std::deque<double>& d, double ms) {
        d.push_back(ms);
        if (d.size() > kLatencySamples) d.pop_front();
    }

private:
    struct Conn;
    void listen_on(const std::string& addr);
    void on_accept(int lfd);
    void on_conn_event(uint64_t id, uint32_t events);
    void on_tun_event(uint64_t id, uint32_t events);
    void on_link_events();
    void interface_gone(Conn& c, const std::string& why);
    void delete_retired();
    void drive(Conn& c);
    void handle_events(Conn& c);
    bool bring_up_interface(Conn& c, uint16_t mtu);
    void flush(Conn& c);
    void close_conn(uint64_t id, const std::string& why);
    std::string interface_name(const Conn& c) const;
    std::optional<Instant> next_deadline() const;
    void tick(Instant now);
    void update_interest(Conn& c);
    void run_hook(Conn& c, const char* event);
    // Data-plane workers (issue 5 item 1).
    void start_workers();
    void try_attach(Conn& c);
    void reclaim(Conn& c);
    void on_inbox();
    // management.cc
    nlohmann::json handle_request(const mgmt::Request& r);
    nlohmann::json session_json(const Conn& c) const;
    nlohmann::json server_json() const;
    nlohmann::json stats_json() const;
    nlohmann::json secret_command(const mgmt::Request& r);
    Conn& find_session(const std::string& target);
    void start_management(const std::function<void()>& drop_privileges);
    std::string metrics_text() const;

    config::Config cfg_;
    io::EventLoop& loop_;
    crypto::SystemRng rng_;
    ConfigCredentials creds_;
    AddressPlan plan_;
    tls::SslCtxPtr tls_ctx_;
    std::optional<sstp::CertHashes> cert_;
    std::optional<nl::NlSock> nl_;
    std::optional<nl::LinkMonitor> links_;
    // Interfaces of ended sessions, down and in the retired group, deleted together shortly after
    // (one RCU grace period for a batch instead of one per session, which would stall the loop).
    std::vector<nl::SessionLink> retired_;
    std::optional<Instant> retire_deadline_;
    std::vector<Fd> listeners_;
    std::map<uint64_t, std::unique_ptr<Conn>> conns_;
    uint64_t next_id_ = 1;
    bool stopping_ = false;
    std::optional<Instant> stop_deadline_;
    HookRunner hooks_;
    std::string config_path_;
    Stats stats_;
    // Per source address: connections in setup, and a token bucket for max-connection-rate.
    // Failed logins: each one blocks the address for twice as long as the one before (1 s, 2 s,
    // 4 s ... 60 s); a successful login clears it (issue 7: failed-login delay per source).
    struct Source {
        uint32_t starting = 0;
        double tokens = 0;
        Instant refilled{};
        uint32_t failures = 0;
        Instant blocked_until{};
        Instant last_failure{};
    };
    std::map<std::string, Source> sources_;
    size_t starting_ = 0;  // connections not yet established (TLS .. IPCP)
    Instant sources_pruned_{};
    Instant refusal_logged_{};    // refusals are logged at most once a second (a flood must not flood the log)
    uint64_t refusals_unlogged_ = 0;
    std::optional<std::string> admit(const std::string& host, Instant now);
    void note_refusal(const std::string& who, const std::string& why, Instant now);
    io::FdReserve fd_reserve_;
    std::vector<int> paused_listeners_;  // out of descriptors and no reserve: back off briefly
    std::optional<Instant> resume_listeners_;
    void setup_over(Conn& c);  // established or closed: no longer counts as starting
    std::unique_ptr<io::MgmtSocket> mgmt_;
    std::unique_ptr<io::MetricsServer> metrics_;
    Instant metrics_published_{};
    std::unique_ptr<dp::ControlInbox> inbox_;
    std::vector<std::unique_ptr<dp::Worker>> workers_;  // last: joined first (see the destructor too)
};

}  // namespace ksstp::server
