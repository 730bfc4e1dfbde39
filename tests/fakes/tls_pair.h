// TLS test rigs: socket pairs (UNIX, or TCP over loopback where kTLS needs a real TCP socket)
// and a loop that steps a server's and a client's handshake until each has finished or failed.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "controlplane/tls/tls_session.h"

namespace ksstp::test {

using tls::IoStatus;
using tls::TlsInfo;
using tls::TlsSession;

struct Fds {
    int a = -1, b = -1;
    ~Fds() {
        if (a >= 0) ::close(a);
        if (b >= 0) ::close(b);
    }
};

inline Fds socket_pair() {
    Fds f;
    int sv[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    f.a = sv[0];
    f.b = sv[1];
    return f;
}

struct Outcome {
    bool server_ok = false, client_ok = false;
    std::string server_error, client_error;
    TlsInfo server_info, client_info;
};

// Steps both handshakes until each has finished or failed (a side that fails first sends an
// alert; the other side must get to read it).
inline Outcome run(TlsSession& s, TlsSession& c) {
    Outcome o;
    bool s_done = false, c_done = false, s_failed = false, c_failed = false;
    // Mostly the bytes are there at once; a kernel that encrypts asynchronously (kTLS sends a
    // TLS 1.2 Finished through the crypto API's worker) may take a while: after the first
    // hundred rounds each waits a millisecond (5 s in all).
    for (int i = 0; i < 5100 && !((s_done || s_failed) && (c_done || c_failed)); ++i) {
        if (i >= 100) ::usleep(1000);
        if (!c_done && !c_failed) {
            auto r = c.handshake();
            if (r) c_done = true;
            else if (r.error() == IoStatus::Error || r.error() == IoStatus::Closed) c_failed = true;
        }
        if (!s_done && !s_failed) {
            auto r = s.handshake();
            if (r) s_done = true;
            else if (r.error() == IoStatus::Error || r.error() == IoStatus::Closed) s_failed = true;
        }
    }
    o.server_ok = s_done;
    o.client_ok = c_done;
    o.server_error = s.error();
    o.client_error = c.error();
    if (s_done) o.server_info = s.info();
    if (c_done) o.client_info = c.info();
    return o;
}

// Test data that is not all one byte: a stream cut, dropped or reordered shows.
inline Bytes pattern(size_t n, uint8_t seed) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) b[i] = uint8_t(seed + i * 13 + i / 1000);
    return b;
}

// A TCP connection over loopback (kTLS needs a real TCP socket), non-blocking both ends.
struct TcpPair {
    int c = -1, s = -1;
    TcpPair() {
        int ls = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        socklen_t len = sizeof a;
        ::getsockname(ls, reinterpret_cast<sockaddr*>(&a), &len);
        ::listen(ls, 1);
        c = ::socket(AF_INET, SOCK_STREAM, 0);
        EXPECT_EQ(::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        s = ::accept(ls, nullptr, nullptr);
        ::close(ls);
        ::fcntl(c, F_SETFL, O_NONBLOCK);
        ::fcntl(s, F_SETFL, O_NONBLOCK);
    }
    ~TcpPair() {
        ::close(c);
        ::close(s);
    }
};

}  // namespace ksstp::test
