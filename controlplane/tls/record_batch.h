// RecordBatch: the write side of a TLS connection as an OpenSSL BIO that can hold the records
// OpenSSL produces and put them on the socket together (issue 5 item 4).
//
// OpenSSL writes every TLS record to its BIO on its own: with the socket BIO, a worker that
// encrypts a megabyte of SSTP packets makes 64 send() calls of 16 KB, one per record (measured
// with strace on ksstpc: 45 787 write() calls against 2 872 io_uring_enter calls for the
// interface in 3 s of upload). While holding, the BIO takes each record into one buffer instead
// and the owner sends it with flush(): one system call (or one io_uring submission) per batch.
//
// Not holding, it is a socket BIO that sends what it still holds first: once a call goes back
// to the control plane, its records keep their order and nothing is lost. Only the write side
// changes: reading stays with OpenSSL's socket BIO (read-ahead already takes several records per
// call), and a connection whose record layer the kernel took (kTLS TX) keeps its socket BIO,
// since OpenSSL passes plaintext to the kernel there and has no records to hold.
#pragma once

#include <openssl/ssl.h>

#include <functional>

#include "controlplane/base/bytes.h"
#include "controlplane/base/send_nowait.h"

namespace ksstp::tls {

class RecordBatch {
public:
    static constexpr size_t kMaxHeld = 2 << 20;  // a write past this waits for a flush (WANT_WRITE)

    // What puts bytes on the socket: bytes sent, or -errno (-EAGAIN: the socket is full).
    using Sender = std::function<long(int fd, ByteView bytes)>;

    // Makes a batch `ssl`'s write BIO on socket `fd`, in place of its socket BIO (the read
    // BIO stays). The SSL owns it: the pointer is valid until SSL_free.
    static RecordBatch* install(SSL* ssl, int fd);

    void hold(bool on) { holding_ = on; }
    void send_with(Sender s) { sender_ = s ? std::move(s) : Sender(send_nowait); }
    size_t held() const { return buf_.size() - off_; }
    // One send of what is held: bytes sent (0 when nothing is held), or -errno.
    long flush();
    void discard() {  // the connection failed: what is held cannot be sent any more
        buf_.clear();
        off_ = 0;
    }
    uint64_t sends() const { return sends_; }  // system calls (or submissions) that sent bytes

private:
    explicit RecordBatch(int fd) : fd_(fd), sender_(send_nowait) {}
    static BIO_METHOD* method();
    static int write_ex(BIO* b, const char* data, size_t len, size_t* written);
    static long ctrl(BIO* b, int cmd, long num, void* ptr);
    static int destroy(BIO* b);

    int fd_;
    bool holding_ = false;
    Bytes buf_;
    size_t off_ = 0;
    Sender sender_;
    uint64_t sends_ = 0;
};

}  // namespace ksstp::tls
