// WorkerHandoff: the control plane's side of one call that a data-plane worker moves (issue 5
// item 1), the same for ksstpd's sessions and ksstpc's clients. attach() moves the call's TLS
// session, TUN path and unsent output into a DataSession on a worker; while attached, control
// output, IP packets the control plane decoded and NCP changes go through it; reclaim() brings
// everything back and feeds the session the bytes the worker had not handled, in stream order.
// Which fds the daemon's own loop watches is the daemon's business (it unwatches them before
// attach() and watches them again after reclaim()).
#pragma once

#include <memory>
#include <optional>

#include "controlplane/session/session_core.h"
#include "controlplane/tls/tls_session.h"
#include "dataplane/worker.h"

namespace ksstp::io {

// A call is at a hand-over point when it is connected (data may flow, MS-SSTP 3.3.7), an NCP is
// up and none is still negotiating, its stream is at a packet boundary and PPP keeps no
// per-packet state (no multilink). An NCP that finishes on a worker pays two thread hops per
// round trip (worker to control plane and back); with the other NCP's data flowing on a busy
// machine that made IPCP take seconds, so the control plane finishes what it started (an NCP
// whose peer never answers gives up after Max-Configure, RFC 1661 4.6, and the call moves then).
bool ready_for_worker(const session::SessionCore& s);

// What PPP negotiated, for the worker. `clamp_mtu`: change-tcp-mss (0 = off) with the
// interface MTU for SYNs out of the tunnel; SYNs into it are clamped to our MRU.
dp::LinkParams link_params(const session::SessionCore& s, uint16_t clamp_mtu);

class WorkerHandoff {
public:
    // A worker's TLS read buffer: read-ahead takes several records per system call.
    static constexpr size_t kReadAhead = 64 * 1024;

    bool attached() const { return data_ != nullptr; }
    int worker_index() const { return data_ ? index_ : -1; }

    void attach(dp::Worker& w, uint64_t id, std::optional<tls::TlsSession>& tls, int sock,
                std::unique_ptr<dp::PacketPath>& path, int tun_fd, Bytes& out, size_t& out_off, const dp::LinkParams& lp);
    struct Back {
        bool tun_gone = false;  // the worker saw the interface go (EPOLLHUP)
    };
    // Nothing happens when not attached. The session is fed unless it has ended.
    Back reclaim(uint64_t id, std::optional<tls::TlsSession>& tls, std::unique_ptr<dp::PacketPath>& path, Bytes& out,
                 size_t& out_off, session::SessionCore& sess);

    // While attached:
    void send(uint64_t id, ByteView bytes);
    void deliver(uint16_t ppp_protocol, ByteView packet);
    void set_params(const dp::LinkParams& lp);
    dp::DataSession::Inbox take_inbox(uint64_t id);  // lets a paused worker read on
    // Tells the session what the worker moved since the last call (SSTP hello timer).
    void note_liveness(session::SessionCore& s);

    dp::PathCounters path_counters() const;
    dp::DataCounters counters() const;  // this call's, every stay on a worker together

private:
    std::shared_ptr<dp::DataSession> data_;
    dp::Worker* worker_ = nullptr;
    int index_ = -1;
    Instant rx_noted_{};
    dp::DataCounters before_;
};

}  // namespace ksstp::io
