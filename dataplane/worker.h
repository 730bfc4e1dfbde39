// Worker: a data-plane thread (issue 5 item 1). Each worker owns an epoll instance and the
// DataSessions assigned to it, and moves their packets: the socket side (TLS stream, SSTP
// framing) and the TUN side (PacketPath) of each, one batch per wake-up, never blocking and never
// waiting for the control plane. The interfaces' packets go through the worker's io_uring
// (TunRing: a batch of reads or writes per system call) unless that is off or refused. ksstpd runs one per core by default ([dataplane] workers); new
// sessions go to the worker with the fewest.
//
// Control plane <-> worker:
//  - attach()/detach() (control thread) add and take back a session; detach() returns once the
//    worker is outside the session's pass, with everything it had not handled (DataSession).
//  - Packets for the control plane wait in the session's bounded queue; the worker posts the
//    session's id to the ControlInbox (an eventfd the control loop watches) once per batch.
//  - kick() (control thread) makes the worker look at a session now: control output to write,
//    reading to resume after back-pressure.
//
// Counters (issue 5 item 5) are per worker (WorkerStats, atomics any thread may read) and per
// session (DataSession::counters()).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "controlplane/base/fd.h"
#include "dataplane/data_session.h"
#include "dataplane/tun_ring.h"

namespace ksstp::dp {

// Worker -> control plane: ids of sessions with something for it, and an eventfd that is
// readable while there are some. Any number of workers post; the control thread takes.
class ControlInbox {
public:
    ControlInbox();
    int fd() const { return efd_.get(); }
    void post(uint64_t id);
    std::vector<uint64_t> take();

private:
    Fd efd_;
    std::mutex mu_;
    std::vector<uint64_t> ids_;
};

struct WorkerStats {
    uint64_t sessions = 0;
    uint64_t wakeups = 0;          // epoll_wait returns with work
    uint64_t events = 0;           // socket/TUN readiness events handled
    uint64_t batch_max = 0;        // most events in one wake-up
    uint64_t kicks = 0;            // control-plane requests handled
    uint64_t control_posts = 0;    // notifications to the control plane
    uint64_t attached = 0, detached = 0;  // sessions over the worker's life
    bool io_uring = false;         // interface I/O through the worker's TunRing
    uint64_t uring_submits = 0;    // io_uring_enter calls that carried it
};

class Worker {
public:
    // `io_uring`: move the interfaces' packets through a TunRing (when the kernel allows).
    Worker(unsigned index, ControlInbox& inbox, bool io_uring = true);
    ~Worker();  // stops and joins; sessions still attached are dropped with it
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    unsigned index() const { return index_; }
    void attach(std::shared_ptr<DataSession> s);
    // Takes the session back; nullopt if it is not on this worker.
    std::optional<DataSession::Handback> detach(uint64_t id);
    void kick(uint64_t id);
    size_t sessions() const { return nsessions_.load(std::memory_order_relaxed); }
    WorkerStats stats() const;
    // Why interface I/O uses plain system calls (empty: through io_uring).
    const std::string& plain_io_reason() const { return ring_why_; }

private:
    void run();
    void serve(DataSession& s, bool sock_ready, uint32_t tun_ev, Instant now);
    void arm(DataSession& s);
    void wake();

    const unsigned index_;
    ControlInbox& inbox_;
    Fd ep_, wake_fd_;
    std::unique_ptr<TunRing> ring_;
    std::string ring_why_;
    std::mutex reg_mu_;
    std::unordered_map<uint64_t, std::shared_ptr<DataSession>> sessions_;
    std::vector<uint64_t> kicks_;
    std::atomic<size_t> nsessions_{0};
    std::atomic<bool> stop_{false};
    std::atomic<uint64_t> wakeups_{0}, events_{0}, batch_max_{0}, kicks_done_{0}, posts_{0}, attached_{0}, detached_{0};
    std::thread thread_;
};

}  // namespace ksstp::dp
