// Data-plane worker thread; see worker.h.
#include "dataplane/worker.h"

#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace ksstp::dp {

namespace {
constexpr uint64_t kWakeToken = ~uint64_t(0);
constexpr int kMaxEvents = 128;

Fd make_eventfd() {
    Fd fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!fd) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
    return fd;
}

void signal_eventfd(int fd) {
    uint64_t one = 1;
    (void)!::write(fd, &one, sizeof one);  // EAGAIN: the counter is already non-zero, it is readable anyway
}

void drain_eventfd(int fd) {
    uint64_t v;
    (void)!::read(fd, &v, sizeof v);
}

// The same clock as io::monotonic_now (CLOCK_MONOTONIC, milliseconds): the control plane
// compares last_rx() with its own deadlines.
Instant now_ms() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return Instant{int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000};
}

// One epoll registration brought to `want` (0 = removed).
void rearm(int ep, int fd, uint64_t token, uint32_t& armed, uint32_t want) {
    if (fd < 0 || armed == want) return;
    epoll_event ev{};
    ev.events = want;
    ev.data.u64 = token;
    if (want == 0) ::epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
    else if (armed == 0) ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    else ::epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
    armed = want;
}
}  // namespace

ControlInbox::ControlInbox() : efd_(make_eventfd()) {}

void ControlInbox::post(uint64_t id) {
    bool first;
    {
        std::lock_guard lk(mu_);
        first = ids_.empty();
        ids_.push_back(id);
    }
    if (first) signal_eventfd(efd_.get());
}

std::vector<uint64_t> ControlInbox::take() {
    drain_eventfd(efd_.get());
    std::lock_guard lk(mu_);
    return std::exchange(ids_, {});
}

Worker::Worker(unsigned index, ControlInbox& inbox, bool io_uring)
    : index_(index), inbox_(inbox), ep_(::epoll_create1(EPOLL_CLOEXEC)), wake_fd_(make_eventfd()) {
    if (!ep_) throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
    if (!io_uring) {
        ring_why_ = "io-uring = no";
    } else if (auto r = TunRing::create()) {
        ring_ = std::move(*r);
    } else {
        ring_why_ = r.error();
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kWakeToken;
    ::epoll_ctl(ep_.get(), EPOLL_CTL_ADD, wake_fd_.get(), &ev);
    thread_ = std::thread([this] { run(); });
}

Worker::~Worker() {
    stop_ = true;
    wake();
    thread_.join();
}

void Worker::wake() { signal_eventfd(wake_fd_.get()); }

void Worker::attach(std::shared_ptr<DataSession> s) {
    const uint64_t id = s->id();
    {
        std::lock_guard lk(s->mu);
        s->use_ring(ring_.get());
    }
    {
        std::lock_guard lk(reg_mu_);
        sessions_[id] = std::move(s);
        kicks_.push_back(id);  // the first pass arms its fds and reads what is already there
    }
    nsessions_.fetch_add(1, std::memory_order_relaxed);
    attached_.fetch_add(1, std::memory_order_relaxed);
    wake();
}

std::optional<DataSession::Handback> Worker::detach(uint64_t id) {
    std::shared_ptr<DataSession> s;
    {
        std::lock_guard lk(reg_mu_);
        auto it = sessions_.find(id);
        if (it == sessions_.end()) return std::nullopt;
        s = std::move(it->second);
        sessions_.erase(it);
    }
    nsessions_.fetch_sub(1, std::memory_order_relaxed);
    detached_.fetch_add(1, std::memory_order_relaxed);
    // Waits for a pass in progress; after this the worker skips the session (detached()).
    std::lock_guard lk(s->mu);
    rearm(ep_.get(), s->socket_fd(), 0, s->armed_sock, 0);
    rearm(ep_.get(), s->tun_fd(), 0, s->armed_tun, 0);
    return s->detach();
}

void Worker::kick(uint64_t id) {
    {
        std::lock_guard lk(reg_mu_);
        kicks_.push_back(id);
    }
    wake();
}

WorkerStats Worker::stats() const {
    WorkerStats w;
    w.sessions = nsessions_.load(std::memory_order_relaxed);
    w.wakeups = wakeups_.load(std::memory_order_relaxed);
    w.events = events_.load(std::memory_order_relaxed);
    w.batch_max = batch_max_.load(std::memory_order_relaxed);
    w.kicks = kicks_done_.load(std::memory_order_relaxed);
    w.control_posts = posts_.load(std::memory_order_relaxed);
    w.attached = attached_.load(std::memory_order_relaxed);
    w.detached = detached_.load(std::memory_order_relaxed);
    w.io_uring = ring_ != nullptr;
    w.uring_submits = ring_ ? ring_->submits() : 0;
    return w;
}

void Worker::run() {
    // Signals belong to the control loop's signalfd; none may be delivered to this thread.
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    pthread_setname_np(pthread_self(), ("ksstp-dp" + std::to_string(index_)).substr(0, 15).c_str());

    struct Ready {
        uint64_t id;
        uint32_t sock_ev, tun_ev;
        bool kicked;
        std::shared_ptr<DataSession> s;
    };
    std::vector<Ready> ready;
    std::vector<uint64_t> kicks, again;
    epoll_event evs[kMaxEvents];
    while (!stop_.load(std::memory_order_relaxed)) {
        // Sessions with input the epoll cannot announce are served again without sleeping.
        int n = ::epoll_wait(ep_.get(), evs, kMaxEvents, again.empty() ? -1 : 0);
        if (n < 0) continue;  // EINTR
        ready.clear();
        for (int i = 0; i < n; ++i) {
            if (evs[i].data.u64 == kWakeToken) {
                drain_eventfd(wake_fd_.get());
                continue;
            }
            const uint64_t id = evs[i].data.u64 >> 1;
            const bool tun = evs[i].data.u64 & 1;
            ready.push_back(Ready{id, tun ? 0u : evs[i].events, tun ? evs[i].events : 0u, false, nullptr});
        }
        events_.fetch_add(ready.size(), std::memory_order_relaxed);
        if (ready.size() > batch_max_.load(std::memory_order_relaxed))
            batch_max_.store(ready.size(), std::memory_order_relaxed);
        {
            std::lock_guard lk(reg_mu_);
            kicks.swap(kicks_);
            kicks_done_.fetch_add(kicks.size(), std::memory_order_relaxed);
            kicks.insert(kicks.end(), again.begin(), again.end());
            again.clear();
            for (uint64_t id : kicks) ready.push_back(Ready{id, 0, 0, true, nullptr});
            kicks.clear();
            // One session's socket, TUN and kick events become one pass.
            std::sort(ready.begin(), ready.end(), [](const Ready& a, const Ready& b) { return a.id < b.id; });
            size_t w = 0;
            for (size_t r = 0; r < ready.size(); ++r) {
                if (w > 0 && ready[w - 1].id == ready[r].id) {
                    ready[w - 1].sock_ev |= ready[r].sock_ev;
                    ready[w - 1].tun_ev |= ready[r].tun_ev;
                    ready[w - 1].kicked |= ready[r].kicked;
                    continue;
                }
                ready[w++] = ready[r];
            }
            ready.resize(w);
            for (Ready& r : ready)
                if (auto it = sessions_.find(r.id); it != sessions_.end()) r.s = it->second;
        }
        if (ready.empty()) continue;
        wakeups_.fetch_add(1, std::memory_order_relaxed);
        const Instant now = now_ms();
        for (Ready& r : ready) {
            if (!r.s) continue;  // detached meanwhile
            DataSession& s = *r.s;
            std::lock_guard lk(s.mu);
            if (s.detached()) continue;
            serve(s, r.kicked || r.sock_ev, r.tun_ev, now);
            arm(s);
            if (s.more_input()) again.push_back(s.id());
            if (s.take_notify()) {
                inbox_.post(s.id());
                posts_.fetch_add(1, std::memory_order_relaxed);
            }
            r.s.reset();
        }
    }
}

void Worker::serve(DataSession& s, bool sock_ready, uint32_t tun_ev, Instant now) {
    if (tun_ev) {
        if (tun_ev & (EPOLLERR | EPOLLHUP)) s.on_tun_gone();
        else s.on_tun_readable();
    }
    if (sock_ready) {
        // Readable, writable or kicked: a read that finds nothing costs one call.
        s.write_out();   // control output and what a full socket held back
        s.on_readable(now);
    }
    s.write_out();
}

void Worker::arm(DataSession& s) {
    const uint64_t token = s.id() << 1;
    rearm(ep_.get(), s.socket_fd(), token, s.armed_sock, s.socket_interest());
    rearm(ep_.get(), s.tun_fd(), token | 1, s.armed_tun, s.tun_interest());
}

}  // namespace ksstp::dp
