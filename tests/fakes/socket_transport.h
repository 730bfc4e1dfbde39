// SocketTransport: a dp::Transport over a plain non-blocking stream socket (one end of a
// socketpair), standing in for the TLS stream in the data-plane tests; the test is the peer on
// the other end. `max_write` caps what one write takes (partial writes on demand, or the size of
// a "record"). Made with `batches`, it holds what is written while told to (like TlsSession's
// RecordBatch) and sends it at flush(), through the worker's ring when given one.
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "controlplane/base/bytes.h"
#include "controlplane/base/send_nowait.h"
#include "dataplane/transport.h"
#include "dataplane/tun_ring.h"

namespace ksstp::test {

class SocketTransport final : public dp::Transport {
public:
    explicit SocketTransport(int fd, bool batches = false) : fd_(fd), batches_(batches) {}
    int fd() const override { return fd_; }
    Result<size_t, dp::IoStatus> read(std::span<uint8_t> out) override {
        ssize_t n = ::read(fd_, out.data(), out.size());
        if (n > 0) return size_t(n);
        if (n == 0) return fail(set(dp::IoStatus::Closed, "connection closed"));
        if (errno == EAGAIN) return fail(dp::IoStatus::WantRead);
        return fail(set(dp::IoStatus::Error, std::strerror(errno)));
    }
    Result<size_t, dp::IoStatus> write(ByteView in) override {
        const size_t take = std::min(in.size(), max_write);
        if (holding_) {
            if (held_.size() >= (2u << 20)) return fail(dp::IoStatus::WantWrite);
            held_.insert(held_.end(), in.begin(), in.begin() + ptrdiff_t(take));
            return take;
        }
        if (!held_.empty()) {  // what was held goes first
            auto f = flush();
            if (!f) return fail(f.error());
            if (!held_.empty()) return fail(dp::IoStatus::WantWrite);
        }
        ssize_t n = ::send(fd_, in.data(), take, MSG_NOSIGNAL);
        if (n >= 0) return size_t(n);
        if (errno == EAGAIN) return fail(dp::IoStatus::WantWrite);
        return fail(set(dp::IoStatus::Error, std::strerror(errno)));
    }
    bool hold_output(bool on, dp::TunRing* ring) override {
        if (!batches_) return false;
        holding_ = on;
        ring_ = ring;
        return true;
    }
    size_t unsent() const override { return held_.size(); }
    Result<size_t, dp::IoStatus> flush() override {
        if (held_.empty()) return size_t(0);
        long n = ring_ ? ring_->send(fd_, held_) : send_nowait(fd_, held_);
        if (n > 0) {
            held_.erase(held_.begin(), held_.begin() + n);
            ++flushes;
            return size_t(n);
        }
        if (n == -EAGAIN) return fail(dp::IoStatus::WantWrite);
        return fail(set(dp::IoStatus::Error, std::strerror(int(-n))));
    }
    bool holding() const { return holding_; }
    size_t flushes = 0;  // sends that moved held bytes
    std::string error() const override { return error_; }
    size_t max_write = SIZE_MAX;

private:
    dp::IoStatus set(dp::IoStatus s, std::string why) {
        error_ = std::move(why);
        return s;
    }
    int fd_;
    bool batches_;
    bool holding_ = false;
    dp::TunRing* ring_ = nullptr;
    Bytes held_;
    std::string error_;
};

}  // namespace ksstp::test
