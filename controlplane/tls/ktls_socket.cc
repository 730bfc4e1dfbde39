// Plaintext I/O on a kTLS socket; see ktls_socket.h.
#include "controlplane/tls/ktls_socket.h"

#include <linux/tls.h>

#include <cerrno>
#include <cstring>

#include "controlplane/base/send_nowait.h"
#include "controlplane/tls/ktls_record.h"

namespace ksstp::tls {

namespace {
// Non-data records handled in one read() before it lets the worker serve others: a peer that
// sends nothing but tickets or warnings cannot hold the worker.
constexpr int kRecordsPerRead = 16;
}  // namespace

IoStatus KtlsSocket::failed(long err, bool reading) {
    if (err == -EAGAIN) return reading ? IoStatus::WantRead : IoStatus::WantWrite;
    if (!error_.empty()) return IoStatus::Error;  // the first failure is the cause
    switch (-err) {
        case EBADMSG: error_ = "TLS record failed authentication (kernel TLS: EBADMSG)"; break;
        case EKEYEXPIRED: error_ = "kernel TLS waits for the peer's next key (EKEYEXPIRED)"; break;
        case EMSGSIZE: error_ = "TLS record too large (kernel TLS: EMSGSIZE)"; break;
        default: error_ = std::string(reading ? "kernel TLS read: " : "kernel TLS write: ") + + std::strerror(int(-err)); break;
    }
    return IoStatus::Error;
}

Result<size_t, IoStatus> KtlsSocket::read(std::span<uint8_t> out) {
    for (int i = 0; i < kRecordsPerRead; ++i) {
        iovec iov{out.data(), out.size()};
        alignas(cmsghdr) uint8_t cbuf[CMSG_SPACE(sizeof(uint8_t))];
        msghdr m{};
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        m.msg_control = cbuf;
        m.msg_controllen = sizeof cbuf;
        const long n = io_.recvmsg ? io_.recvmsg(fd_, &m) : recvmsg_nowait(fd_, &m);
        if (n < 0) return fail(failed(n, true));
        if (n == 0) {
            // TCP FIN without close_notify: the same words as OpenSSL's path (tls_session.cc).
            if (error_.empty()) error_ = "connection closed";
            return fail(IoStatus::Closed);
        }
        const std::optional<uint8_t> type = record_type_of(m);
        if (!type || *type == uint8_t(ContentType::ApplicationData)) return size_t(n);
        const RecordVerdict v = classify_record(*type, ByteView(out.data(), size_t(n)), tls13_);
        switch (v.kind) {
            case RecordVerdict::Kind::Data:
            case RecordVerdict::Kind::Ignore: continue;
            case RecordVerdict::Kind::KeyUpdate:
                if (!update_rx(v.update_requested)) return fail(IoStatus::Error);
                continue;
            case RecordVerdict::Kind::Closed:
                if (error_.empty()) error_ = v.why;
                return fail(IoStatus::Closed);
            case RecordVerdict::Kind::Fatal:
                if (error_.empty()) error_ = v.why;
                return fail(IoStatus::Error);
        }
    }
    return fail(IoStatus::WantRead);  // the socket stays readable: the worker comes back
}

// RFC 8446 4.6.3: the peer's records after its KeyUpdate use its next traffic secret. The
// kernel holds them back (EKEYEXPIRED) until it has the key; older kernels cannot take a second
// key at all (setsockopt fails), which ends the session with that reason.
bool KtlsSocket::update_rx(bool requested) {
    if (!tls13_ || !suite_ || !secrets_) {
        error_ = "peer sent a TLS 1.3 KeyUpdate, and the traffic secret for its next key is not known";
        return false;
    }
    Bytes& peer = server_ ? secrets_->client : secrets_->server;
    if (!set_key(TLS_RX, peer)) return false;
    ++key_updates_;
    if (requested) {
        update_pending_ = true;  // before any data we send (flush(), or the next write())
        if (auto f = flush(); !f && f.error() == IoStatus::Error) return false;
    }
    return true;
}

bool KtlsSocket::set_key(int direction, Bytes& secret) {
    std::string why = install_next_key(fd_, direction, *suite_, secret);
    if (why.empty()) return true;
    error_ = std::move(why);
    return false;
}

Result<size_t, IoStatus> KtlsSocket::flush() {
    if (!update_pending_) return size_t(0);
    // Our KeyUpdate (update_not_requested) as a handshake record: the record type goes in a
    // control message (TLS_SET_RECORD_TYPE), encrypted with the current key; our next records
    // use the next one.
    Bytes msg = key_update_message(false);
    iovec iov{msg.data(), msg.size()};
    alignas(cmsghdr) uint8_t cbuf[CMSG_SPACE(sizeof(uint8_t))] = {};
    msghdr m{};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = cbuf;
    m.msg_controllen = sizeof cbuf;
    cmsghdr* c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_TLS;
    c->cmsg_type = TLS_SET_RECORD_TYPE;
    c->cmsg_len = CMSG_LEN(sizeof(uint8_t));
    *CMSG_DATA(c) = uint8_t(ContentType::Handshake);
    ssize_t r;
    do r = ::sendmsg(fd_, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    if (r < 0) return fail(failed(-long(errno), false));
    if (size_t(r) != msg.size()) {
        error_ = "TLS 1.3 KeyUpdate: the kernel took part of the record";
        return fail(IoStatus::Error);
    }
    Bytes& ours = server_ ? secrets_->server : secrets_->client;
    if (!set_key(TLS_TX, ours)) return fail(IoStatus::Error);
    update_pending_ = false;
    return size_t(r);
}

Result<size_t, IoStatus> KtlsSocket::write(ByteView in) {
    if (update_pending_) {
        auto f = flush();
        if (!f) return fail(f.error());
    }
    if (in.empty()) return size_t(0);
    const long n = io_.send ? io_.send(fd_, in) : send_nowait(fd_, in);
    if (n < 0) return fail(failed(n, false));
    return size_t(n);
}

}  // namespace ksstp::tls
