// EventLoop: the epoll loop of a daemon's control plane (issue "A working tunnel"). Each fd has
// a callback; signals arrive through a signalfd as ordinary events; the loop sleeps until the
// earliest deadline a `deadline` callback reports. Single-threaded: callbacks run on the loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>

#include "controlplane/base/clock.h"
#include "controlplane/base/fd.h"

namespace ksstp::io {

Instant monotonic_now();

// One descriptor kept in reserve (on /dev/null) so that a listener can still shed a connection
// when the process is out of descriptors (EMFILE): close the reserve, accept, close, reopen. A
// level-triggered listener would otherwise stay readable and spin the loop (issue 7: out-of-fds).
class FdReserve {
public:
    FdReserve();
    // After accept4() failed with EMFILE/ENFILE on `listener` (Linux says so even with nothing
    // pending): takes one pending connection off and closes it.
    enum class Shed { One, NothingPending, NoReserve };
    Shed shed(int listener);

private:
    Fd reserve_;
};

class EventLoop {
public:
    using Handler = std::function<void(uint32_t events)>;

    EventLoop();
    // Adds or changes interest; `events` are EPOLLIN/EPOLLOUT/... bits.
    void watch(int fd, uint32_t events, Handler h);
    void modify(int fd, uint32_t events);
    void unwatch(int fd);
    // Blocks SIGTERM, SIGINT and SIGHUP and delivers them to `on_signal`.
    void handle_signals(std::function<void(int signo)> on_signal);
    // Called before each wait: the earliest deadline of everything the loop serves.
    void set_deadline_source(std::function<std::optional<Instant>()> f) { deadline_ = std::move(f); }
    // Called after each wait (timers are checked here).
    void set_tick(std::function<void(Instant now)> f) { tick_ = std::move(f); }

    void run();  // until stop()
    void stop() { running_ = false; }

private:
    Fd ep_;
    Fd sigfd_;
    std::unordered_map<int, Handler> handlers_;
    std::function<std::optional<Instant>()> deadline_;
    std::function<void(Instant)> tick_;
    bool running_ = false;
};

}  // namespace ksstp::io
