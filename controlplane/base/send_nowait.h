// send_nowait / recvmsg_nowait: one non-blocking send() or recvmsg() on a stream socket, as the
// data plane needs them (TLS records held by a RecordBatch, a kTLS socket's plaintext, the
// worker ring's fallback): bytes moved or -errno (-EAGAIN: the socket is full, or empty).
// MSG_NOSIGNAL: a peer that reset the connection is an error for this call, not a SIGPIPE for
// the process.
#pragma once

#include <sys/socket.h>

#include <cerrno>

#include "controlplane/base/bytes.h"

namespace ksstp {

inline long send_nowait(int fd, ByteView bytes) {
    ssize_t r;
    do r = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    while (r < 0 && errno == EINTR);
    return r < 0 ? -long(errno) : long(r);
}

inline long recvmsg_nowait(int fd, msghdr* m) {
    ssize_t r;
    do r = ::recvmsg(fd, m, MSG_DONTWAIT);
    while (r < 0 && errno == EINTR);
    return r < 0 ? -long(errno) : long(r);
}

}  // namespace ksstp
