// epoll event loop; see event_loop.h.
#include "controlplane/io/event_loop.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <time.h>

namespace ksstp::io {

FdReserve::FdReserve() : reserve_(::open("/dev/null", O_RDONLY | O_CLOEXEC)) {}

FdReserve::Shed FdReserve::shed(int listener) {
    if (!reserve_) {
        reserve_ = Fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        return Shed::NoReserve;
    }
    reserve_.reset();
    Fd victim(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
    const bool took = bool(victim);
    victim.reset();
    reserve_ = Fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    return took ? Shed::One : Shed::NothingPending;
}

Instant monotonic_now() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return Instant{int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000};
}

EventLoop::EventLoop() : ep_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (!ep_) throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
}

void EventLoop::watch(int fd, uint32_t events, Handler h) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    bool known = handlers_.count(fd) > 0;
    handlers_[fd] = std::move(h);
    if (::epoll_ctl(ep_.get(), known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0)
        throw std::runtime_error(std::string("epoll_ctl: ") + std::strerror(errno));
}

void EventLoop::modify(int fd, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    ::epoll_ctl(ep_.get(), EPOLL_CTL_MOD, fd, &ev);
}

void EventLoop::unwatch(int fd) {
    if (handlers_.erase(fd)) ::epoll_ctl(ep_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

void EventLoop::handle_signals(std::function<void(int)> on_signal) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    ::signal(SIGPIPE, SIG_IGN);  // a peer closing mid-write is an error value, not a signal
    sigfd_ = Fd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    int fd = sigfd_.get();
    watch(fd, EPOLLIN, [fd, cb = std::move(on_signal)](uint32_t) {
        signalfd_siginfo si{};
        while (::read(fd, &si, sizeof si) == ssize_t(sizeof si)) cb(int(si.ssi_signo));
    });
}

void EventLoop::run() {
    running_ = true;
    epoll_event evs[64];
    while (running_) {
        int timeout = -1;
        if (deadline_) {
            if (auto d = deadline_()) {
                auto ms = (*d - monotonic_now()).count();
                timeout = ms < 0 ? 0 : int(std::min<int64_t>(ms + 1, 60'000));
            }
        }
        int n = ::epoll_wait(ep_.get(), evs, 64, timeout);
        if (n < 0 && errno != EINTR) throw std::runtime_error(std::string("epoll_wait: ") + std::strerror(errno));
        for (int i = 0; i < n; ++i) {
            auto it = handlers_.find(evs[i].data.fd);
            if (it == handlers_.end()) continue;
            Handler h = it->second;  // the handler may unwatch itself
            h(evs[i].events);
        }
        if (tick_) tick_(monotonic_now());
    }
}

}  // namespace ksstp::io
