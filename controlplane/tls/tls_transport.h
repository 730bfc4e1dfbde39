// TlsTransport: a TlsSession as the data plane's Transport (dataplane/transport.h), so that a
// worker moves plaintext SSTP bytes through OpenSSL's record layer (userspace TLS, or the
// kernel's when kTLS is engaged: OpenSSL then passes the plaintext to the socket). The session
// is moved in at hand-over and moved back out when the control plane takes the call back.
#pragma once

#include <utility>

#include "controlplane/tls/tls_session.h"
#include "dataplane/transport.h"
#include "dataplane/tun_ring.h"

namespace ksstp::tls {

class TlsTransport final : public dp::Transport {
public:
    TlsTransport(TlsSession s, int fd) : s_(std::move(s)), fd_(fd) {}
    int fd() const override { return fd_; }
    Result<size_t, dp::IoStatus> read(std::span<uint8_t> out) override {
        auto r = s_.read(out);
        if (r) return *r;
        return fail(map(r.error()));
    }
    Result<size_t, dp::IoStatus> write(ByteView in) override {
        auto r = s_.write(in);
        if (r) return *r;
        return fail(map(r.error()));
    }
    std::string error() const override { return s_.error(); }
    bool has_buffered() const override { return s_.has_buffered(); }
    bool hold_output(bool on, dp::TunRing* ring) override {
        // The ring is the worker's: its sends only while the worker holds the session.
        RecordBatch::Sender via;
        if (ring) via = [ring](int fd, ByteView b) { return ring->send(fd, b); };
        return s_.hold_records(on, std::move(via));
    }
    size_t unsent() const override { return s_.unsent(); }
    Result<size_t, dp::IoStatus> flush() override {
        auto r = s_.flush();
        if (r) return *r;
        return fail(map(r.error()));
    }
    TlsSession take() && { return std::move(s_); }

private:
    static dp::IoStatus map(IoStatus s) {
        switch (s) {
            case IoStatus::WantRead: return dp::IoStatus::WantRead;
            case IoStatus::WantWrite: return dp::IoStatus::WantWrite;
            case IoStatus::Closed: return dp::IoStatus::Closed;
            case IoStatus::Error: break;
        }
        return dp::IoStatus::Error;
    }
    TlsSession s_;
    int fd_;
};

}  // namespace ksstp::tls
