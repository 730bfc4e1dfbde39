// PerfSession: one in-process SSTP client session of ksstp-perf (SPEC 7): a non-blocking TCP
// connect, TLS (tls::TlsSession), then the real client engine (session::ClientSession) through
// HTTP, SSTP, PPP and IPCP, with the time each phase completed; then, optionally, IP traffic inside
// the tunnel: UDP datagrams to the server's tunnel address (discard port: one way, "up") or ICMP
// echo requests of the same size (the server's host answers: both ways, with RTTs). No TUN: the
// datagrams are built here and counted here.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/base/fd.h"
#include "controlplane/crypto/random.h"
#include "controlplane/session/client_session.h"
#include "controlplane/tls/tls_session.h"

namespace ksstp::perf {

enum class Traffic : uint8_t { None, Up, Down, Both };

// Phases in the order they complete (SPEC 7).
enum Phase : uint8_t { kTcp, kTls, kHttp, kSstp, kLcp, kAuth, kIpcp, kPhases };
inline constexpr std::array<const char*, kPhases> kPhaseNames{"tcp", "tls", "http", "sstp", "lcp", "auth", "ipcp"};

struct PerfOptions {
    sockaddr_storage server{};
    socklen_t server_len = 0;
    std::string host;  // SNI / HTTP Host
    std::string user, password;
    std::vector<ppp::AuthMethod> auth;
    Traffic traffic = Traffic::None;
    uint16_t packet_size = 1000;  // IP datagram size
    uint32_t window = 32;         // echo requests in flight per session
};

struct PerfCounters {
    uint64_t tx_packets = 0, tx_bytes = 0, rx_packets = 0, rx_bytes = 0;
};

class PerfSession {
public:
    PerfSession(const PerfOptions& o, SSL_CTX* ctx, uint32_t index);
    // Starts the TCP connect; false (with error()) if it failed at once.
    bool start(Instant now);
    int fd() const { return sock_.get(); }
    // The events the socket should be polled for now.
    uint32_t interest() const;
    void on_io(Instant now);
    void on_timer(Instant now);
    std::optional<Instant> next_deadline() const;
    // Traffic begins for every session together, once setup is over: data from the first
    // sessions up would otherwise slow the setup of the rest and skew its figures.
    void start_traffic(Instant now);
    // Stop traffic and say goodbye (SSTP Call Disconnect); done() once the server has it.
    void finish(Instant now);

    bool up() const { return up_; }
    bool done() const { return done_; }
    const std::string& error() const { return error_; }  // why it failed (empty: it did not)
    // Milliseconds from the start to each phase (nullopt: not reached).
    const std::array<std::optional<double>, kPhases>& phases() const { return phase_ms_; }
    const PerfCounters& counters() const { return ctr_; }
    std::vector<double> take_rtts() { return std::exchange(rtts_, {}); }

private:
    void fail(std::string why);
    void drive(Instant now);
    void pump_engine(Instant now);
    void note_phases(Instant now);
    void send_traffic(Instant now);
    void on_ip(const Bytes& pkt, Instant now);
    Bytes build_datagram(bool echo, uint16_t seq);

    const PerfOptions& o_;
    SSL_CTX* ctx_;
    uint32_t index_;
    Fd sock_;
    std::optional<tls::TlsSession> tls_;
    crypto::SystemRng rng_;
    std::unique_ptr<session::ClientSession> sess_;
    Instant started_{};
    bool connected_ = false, tls_done_ = false, up_ = false, done_ = false, finishing_ = false;
    bool traffic_ = false;  // start_traffic() was called
    bool want_write_ = false;
    Bytes out_;
    size_t out_off_ = 0;
    std::array<std::optional<double>, kPhases> phase_ms_{};
    std::string error_;
    std::string auth_error_;  // the engine's "authentication failed" line, if any
    uint32_t local_ = 0, peer_ = 0;  // tunnel addresses (host order)
    uint16_t seq_ = 0;
    uint32_t in_flight_ = 0;
    std::vector<Instant> sent_at_;  // by echo sequence number % window
    std::vector<double> rtts_;
    PerfCounters ctr_;
};

}  // namespace ksstp::perf
