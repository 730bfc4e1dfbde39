// TLS records held and sent together; see record_batch.h.
#include "controlplane/tls/record_batch.h"

#include <cerrno>
#include <cstring>

namespace ksstp::tls {

namespace {
constexpr size_t kCompactAt = 256 * 1024;  // a sent prefix this long is dropped before appending
}

BIO_METHOD* RecordBatch::method() {
    static BIO_METHOD* const m = [] {
        BIO_METHOD* x = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "ksstp TLS record batch");
        BIO_meth_set_write_ex(x, &RecordBatch::write_ex);
        BIO_meth_set_ctrl(x, &RecordBatch::ctrl);
        BIO_meth_set_destroy(x, &RecordBatch::destroy);
        return x;
    }();
    return m;
}

RecordBatch* RecordBatch::install(SSL* ssl, int fd) {
    BIO* b = BIO_new(method());
    auto* rb = new RecordBatch(fd);
    BIO_set_data(b, rb);
    BIO_set_init(b, 1);
    // SSL_set_fd gave the socket BIO two references (read and write); this drops the write one
    // and adopts ours: the read side keeps the socket BIO (and kTLS RX, where engaged).
    SSL_set0_wbio(ssl, b);
    return rb;
}

long RecordBatch::flush() {
    if (held() == 0) return 0;
    long r = sender_(fd_, ByteView(buf_).subspan(off_));
    if (r > 0) {
        ++sends_;
        off_ += size_t(r);
        if (off_ == buf_.size()) {
            buf_.clear();
            off_ = 0;
        }
    }
    return r;
}

int RecordBatch::write_ex(BIO* b, const char* data, size_t len, size_t* written) {
    auto* rb = static_cast<RecordBatch*>(BIO_get_data(b));
    BIO_clear_retry_flags(b);
    *written = 0;
    const auto* p = reinterpret_cast<const uint8_t*>(data);
    if (rb->holding_) {
        if (rb->held() >= kMaxHeld) {  // the owner flushes long before; a bound all the same
            BIO_set_retry_write(b);
            return 0;
        }
        if (rb->off_ >= kCompactAt) {
            rb->buf_.erase(rb->buf_.begin(), rb->buf_.begin() + ptrdiff_t(rb->off_));
            rb->off_ = 0;
        }
        rb->buf_.insert(rb->buf_.end(), p, p + len);
        *written = len;
        return 1;
    }
    // A socket BIO again: records held from a worker's pass go first, in order.
    long r = rb->held() ? rb->flush() : 0;
    if (r >= 0 && rb->held() == 0) r = rb->sender_(rb->fd_, ByteView(p, len));
    else if (r >= 0) r = -EAGAIN;
    if (r >= 0) {
        ++rb->sends_;
        *written = size_t(r);
        return 1;
    }
    if (r == -EAGAIN) BIO_set_retry_write(b);  // EWOULDBLOCK is EAGAIN on Linux
    else errno = int(-r);  // SSL_ERROR_SYSCALL: the session reports strerror(errno)
    return 0;
}

long RecordBatch::ctrl(BIO* b, int cmd, long, void*) {
    auto* rb = static_cast<RecordBatch*>(BIO_get_data(b));
    switch (cmd) {
        case BIO_CTRL_FLUSH:
            // OpenSSL flushes after a handshake flight. Holding, the owner's flush() sends it
            // with the pass; otherwise it goes now, or OpenSSL is told to retry (WANT_WRITE).
            if (rb->holding_) return 1;
            BIO_clear_retry_flags(b);
            if (rb->flush() < 0 || rb->held()) {
                BIO_set_retry_write(b);
                return 0;
            }
            return 1;
        case BIO_CTRL_WPENDING: return long(rb->held());
        case BIO_CTRL_DUP: return 1;
        default: return 0;  // no kTLS here (BIO_CTRL_SET_KTLS fails: OpenSSL stays in userspace)
    }
}

int RecordBatch::destroy(BIO* b) {
    delete static_cast<RecordBatch*>(BIO_get_data(b));
    BIO_set_data(b, nullptr);
    return 1;
}

}  // namespace ksstp::tls
