// SocketTransport: a dp::Transport over a plain non-blocking stream socket (one end of a
// socketpair), standing in for the TLS stream in the data-plane tests; the test is the peer on
// the other end. `max_write` caps what one write takes (partial writes on demand).
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "dataplane/transport.h"

namespace ksstp::test {

class SocketTransport final : public dp::Transport {
public:
    explicit SocketTransport(int fd) : fd_(fd) {}
    int fd() const override { return fd_; }
    Result<size_t, dp::IoStatus> read(std::span<uint8_t> out) override {
        ssize_t n = ::read(fd_, out.data(), out.size());
        if (n > 0) return size_t(n);
        if (n == 0) return fail(set(dp::IoStatus::Closed, "connection closed"));
        if (errno == EAGAIN) return fail(dp::IoStatus::WantRead);
        return fail(set(dp::IoStatus::Error, std::strerror(errno)));
    }
    Result<size_t, dp::IoStatus> write(ByteView in) override {
        ssize_t n = ::send(fd_, in.data(), std::min(in.size(), max_write), MSG_NOSIGNAL);
        if (n >= 0) return size_t(n);
        if (errno == EAGAIN) return fail(dp::IoStatus::WantWrite);
        return fail(set(dp::IoStatus::Error, std::strerror(errno)));
    }
    std::string error() const override { return error_; }
    size_t max_write = SIZE_MAX;

private:
    dp::IoStatus set(dp::IoStatus s, std::string why) {
        error_ = std::move(why);
        return s;
    }
    int fd_;
    std::string error_;
};

}  // namespace ksstp::test
