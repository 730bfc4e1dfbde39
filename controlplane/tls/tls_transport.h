// TlsTransport: a TlsSession as the data plane's Transport (dataplane/transport.h), so that a
// worker moves plaintext SSTP bytes through the TLS record layer. In userspace that is OpenSSL's
// (its records held and sent together, RecordBatch); where the kernel took the record layer
// (kTLS) the worker writes, and where it took both directions also reads, plaintext straight to
// the socket through its io_uring (KtlsSocket, issue 5 item 3), with OpenSSL only for what it
// still holds. The session is moved in at hand-over and moved back out when the control plane
// takes the call back.
#pragma once

#include <optional>
#include <utility>

#include "controlplane/tls/tls_session.h"
#include "dataplane/transport.h"
#include "dataplane/tun_ring.h"

namespace ksstp::tls {

class TlsTransport final : public dp::Transport {
public:
    // The kernel's TLS returns data from several records per read: room for four.
    static constexpr size_t kKtlsReadSize = 64 * 1024;

    TlsTransport(TlsSession s, int fd) : s_(std::move(s)), fd_(fd), ktls_(s_.ktls_socket()) {}
    int fd() const override { return fd_; }
    Result<size_t, dp::IoStatus> read(std::span<uint8_t> out) override {
        // Bytes OpenSSL read before the hand-over go first.
        auto r = ktls_ && ktls_->rx() && !s_.has_buffered() ? ktls_->read(out) : s_.read(out);
        if (r) return *r;
        return fail(map(r.error()));
    }
    Result<size_t, dp::IoStatus> write(ByteView in) override {
        // A record OpenSSL began (a write that found the socket full) is finished by OpenSSL;
        // a KeyUpdate it owes the peer goes before any data (TlsSession::write does it too).
        if (!ktls_ || s_.write_blocked()) {
            auto w = s_.write(in);
            if (w) return *w;
            return fail(map(w.error()));
        }
        if (auto k = s_.finish_key_update(); !k) return fail(map(k.error()));
        auto r = ktls_->write(in);
        if (r) return *r;
        return fail(map(r.error()));
    }
    std::string error() const override {
        if (ktls_ && !ktls_->error().empty()) return ktls_->error();
        return s_.error();
    }
    bool has_buffered() const override { return s_.has_buffered(); }
    size_t read_size() const override { return ktls_ && ktls_->rx() ? kKtlsReadSize : 0; }
    bool hold_output(bool on, dp::TunRing* ring) override {
        // The ring is the worker's: its sends only while the worker holds the session.
        if (ktls_) {
            // Nothing to hold: one write() is one send of the whole batch, the kernel makes
            // the records.
            KtlsSocket::Io io;
            if (ring) {
                io.send = [ring](int fd, ByteView b) { return ring->send(fd, b); };
                io.recvmsg = [ring](int fd, msghdr* m) { return ring->recvmsg(fd, m); };
            }
            ktls_->use(std::move(io));
            return false;
        }
        RecordBatch::Sender via;
        if (ring) via = [ring](int fd, ByteView b) { return ring->send(fd, b); };
        return s_.hold_records(on, std::move(via));
    }
    size_t unsent() const override {
        return s_.unsent() + (ktls_ ? ktls_->unsent() : 0) + (s_.key_update_pending() ? kKeyUpdateMessageLen : 0);
    }
    Result<size_t, dp::IoStatus> flush() override {
        if (s_.key_update_pending()) {
            if (auto k = s_.finish_key_update(); !k) return fail(map(k.error()));
            return kKeyUpdateMessageLen;
        }
        auto r = ktls_ && ktls_->key_update_pending() ? ktls_->flush() : s_.flush();
        if (r) return *r;
        return fail(map(r.error()));
    }
    uint64_t key_updates() const { return ktls_ ? ktls_->key_updates() : 0; }
    // The session back for the control plane. Our KeyUpdate answer, if the socket has had no
    // room for it yet, gets one more try: OpenSSL does not know of it (the peer then goes on
    // receiving with the key it has, which our records still use).
    TlsSession take() && {
        if (ktls_ && ktls_->key_update_pending()) (void)ktls_->flush();
        return std::move(s_);
    }

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
    std::optional<KtlsSocket> ktls_;
};

}  // namespace ksstp::tls
