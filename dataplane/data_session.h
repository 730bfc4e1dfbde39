// DataSession: one established SSTP call as a data-plane worker moves it (issue 5 item 1).
//
// The control plane negotiates a call (TLS, HTTP, SSTP, PPP) and stays the single authority on
// its state; once the call is connected and its interface is up it hands the session's transport
// (the TLS stream), its PacketPath (the TUN side) and what PPP negotiated (LinkParams) to a
// worker. From then on the worker reads the stream, cuts it into SSTP packets with its own
// framer and moves IP packets between the tunnel and the interface itself, in batches and
// without copies: a data frame carrying IPv4/IPv6 goes from the read buffer straight into the
// path (GRO), and a TUN read goes straight into the output buffer as SSTP data packets.
// Everything else (SSTP control packets, LCP echo and terminate, late NCP traffic, anything the
// worker does not know) is passed whole to the control plane through a bounded per-session
// queue: when kMaxControlQueued packets wait there, the worker stops reading this session (the
// bytes stay where they are: back-pressure, nothing is dropped) until the control plane took
// them. What the control plane sends (echo replies, disconnects) is appended to the same output.
//
// Threads: a DataSession is shared by its worker and the control plane; every member function
// is called with `mu` held. The worker holds it for one pass (one wake-up's batch); the control
// plane for a queue hand-over, a send or a counter snapshot, so neither waits long.
//
// detach() ends the worker's part: the transport, the path and every byte not yet handled go
// back to the control plane in stream order (queued control packets, then read but unframed
// bytes, then the framer's partial packet), so the call continues on the control thread (or
// closes) exactly where the worker left it.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/base/bytes.h"
#include "controlplane/base/clock.h"
#include "controlplane/sstp/framer.h"
#include "dataplane/packet_path.h"
#include "dataplane/transport.h"

namespace ksstp::dp {

// What PPP negotiated that the data plane needs to move IP packets on its own.
struct LinkParams {
    bool ipv4 = false, ipv6 = false;  // NCPs up: which IP protocols pass (RFC 1661 3.4: others are the control plane's)
    uint16_t mtu = 1500;              // interface MTU: a larger datagram from the interface is refused
    uint16_t clamp_from_tunnel = 0;   // change-tcp-mss: SYNs out of the tunnel clamped to this MTU (0 = off)
    uint16_t clamp_into_tunnel = 0;   // SYNs into the tunnel clamped to this (our MRU; 0 = off)
};

// What the worker did for one session (issue 5 item 5); the path's own counters are PathCounters.
struct DataCounters {
    uint64_t socket_reads = 0, socket_writes = 0;  // transport calls that moved bytes
    uint64_t socket_sends = 0;                     // system calls (or ring submissions) that sent them
    uint64_t bytes_in = 0, bytes_out = 0;          // plaintext SSTP bytes
    uint64_t frames_in = 0, frames_out = 0;        // SSTP data packets the worker decoded / built
    uint64_t to_control = 0;                       // packets passed to the control plane
    uint64_t control_sends = 0;                    // control-plane output handed in (bytes in bytes_out)
    uint64_t paused = 0;                           // times reading stopped: control queue full
    uint64_t drop_oversized = 0;                   // datagrams from the interface above the MTU

    DataCounters& operator+=(const DataCounters& o) {
        socket_reads += o.socket_reads, socket_writes += o.socket_writes, socket_sends += o.socket_sends;
        bytes_in += o.bytes_in;
        bytes_out += o.bytes_out, frames_in += o.frames_in, frames_out += o.frames_out;
        to_control += o.to_control, control_sends += o.control_sends, paused += o.paused;
        drop_oversized += o.drop_oversized;
        return *this;
    }
};

class DataSession {
public:
    static constexpr size_t kMaxControlQueued = 64;  // packets waiting for the control plane
    static constexpr size_t kMaxPendingOut = 1 << 20;  // the interface is read no further past this
    // Refused past this: a batch of interface reads already taken (TunRing::kReadSlots
    // super-packets) goes into the tunnel whole; a peer that stops reading cannot grow us further.
    static constexpr size_t kMaxPendingOutHard = 2 * kMaxPendingOut;
    static constexpr size_t kReadBudget = 64;        // transport reads per pass: other sessions get their turn
    static constexpr size_t kTunBudget = 64;         // packets from the interface per pass
    static constexpr size_t kReadChunk = 16 * 1024 + 512;  // one TLS record and change
    // TLS output sent together (issue 5 item 4): 16 records of 16 KB per system call instead of
    // one each; small enough that a session's pass leaves the socket buffer room for others.
    static constexpr size_t kSendBatch = 256 * 1024;

    // `unsent`: control-plane output not yet written when the session was handed over.
    DataSession(uint64_t id, std::unique_ptr<Transport> t, std::unique_ptr<PacketPath> path, int tun_fd,
                LinkParams params, Bytes unsent);

    std::mutex mu;
    // The worker's bookkeeping, under mu: the interest each fd is registered with in its epoll
    // (0 = not registered: a closed or paused socket must not report EPOLLHUP over and over).
    uint32_t armed_sock = 0, armed_tun = 0;

    uint64_t id() const { return id_; }
    int socket_fd() const { return transport_->fd(); }
    int tun_fd() const { return tun_fd_; }

    // --- worker side ---
    // Reads what the transport has (up to kReadBudget reads), frames it, delivers IP packets to
    // the path (flushed at the end: GRO's batch) and queues the rest for the control plane.
    void on_readable(Instant now);
    // Moves packets from the interface into the output and writes it.
    void on_tun_readable();
    void on_tun_gone() { tun_gone_ = true; }
    // The worker's io_uring for the interface's packets (nullptr: plain system calls).
    void use_ring(TunRing* ring);
    // Writes pending output as far as the transport takes it.
    void write_out();
    // EPOLLIN/EPOLLOUT bits the socket and the TUN should be armed with now.
    uint32_t socket_interest() const;
    uint32_t tun_interest() const;
    // Something for the control plane that it has not been told of yet (marks it told).
    bool take_notify();

    // --- control-plane side ---
    struct Inbox {
        std::vector<Bytes> packets;          // whole SSTP packets, in stream order
        std::optional<std::string> closed;   // the transport ended: why
        bool tun_gone = false;               // the interface went away (EPOLLHUP/ERR)
        bool resumed = false;                // reading had stopped and may go on: kick the worker
    };
    Inbox take_inbox();
    void send(ByteView bytes);  // control output, in order with the data; the worker writes it
    void deliver(uint16_t ppp_protocol, ByteView packet);  // an IP packet the control plane decoded
    void set_params(const LinkParams& p) { params_ = p; }
    struct Handback {
        std::unique_ptr<Transport> transport;
        std::unique_ptr<PacketPath> path;
        std::vector<Bytes> packets;  // not yet taken by take_inbox()
        Bytes leftover;              // read, not yet framed: feed after `packets`
        Bytes unsent;                // output not yet written
        std::optional<std::string> closed;
        bool tun_gone = false;
    };
    Handback detach();
    bool detached() const { return detached_; }

    PathCounters path_counters() const { return path_ ? path_->counters() : PathCounters{}; }
    const DataCounters& counters() const { return c_; }
    // When the worker last read SSTP packets (liveness for the hello timer); any thread.
    Instant last_rx() const { return Instant(last_rx_ms_.load(std::memory_order_relaxed)); }
    // Output not yet on the socket: plaintext not yet encrypted and records the transport holds.
    size_t pending_out() const { return out_.size() - out_off_ + (transport_ ? transport_->unsent() : 0); }
    // The last pass stopped with input left that no readiness event will announce (its read
    // budget ran out, or the transport holds decrypted-ahead bytes): serve it again soon.
    bool more_input() const { return more_input_; }

private:
    void frame_input(ByteView in, Instant now);
    void fail(const std::string& why);
    bool into_tunnel(uint16_t proto, std::span<uint8_t> pkt);

    const uint64_t id_;
    std::unique_ptr<Transport> transport_;
    std::unique_ptr<PacketPath> path_;
    int tun_fd_;
    TunRing* ring_ = nullptr;
    LinkParams params_;
    sstp::SstpFramer framer_;
    Bytes out_;
    size_t out_off_ = 0;
    Bytes held_;                // read but not framed (reading paused mid-buffer)
    std::vector<uint8_t> rbuf_;  // one transport read
    std::deque<Bytes> to_control_;
    std::optional<std::string> closed_;
    bool tun_gone_ = false;
    bool paused_ = false;
    bool read_wants_write_ = false;  // TLS needs to write before it can read on
    bool notified_ = false;
    bool more_input_ = false;
    bool detached_ = false;
    bool batching_ = false;  // the transport holds records until flush()
    std::atomic<int64_t> last_rx_ms_{0};
    DataCounters c_;
    PacketPath::IntoTunnel into_tunnel_;  // bound once: no std::function built per pass
};

}  // namespace ksstp::dp
