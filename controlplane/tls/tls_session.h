// TlsSession: one TLS connection over a non-blocking socket; owns the SSL*. The handshake runs
// in steps (WantRead/WantWrite tell the event loop what to wait for) and ends in a TlsInfo: the
// negotiated version and cipher, whether the kernel took the record layer (kTLS TX/RX), the
// server's leaf certificate (the crypto binding hashes it) and the verification result in SPEC 4
// wording. After the handshake read()/write() move plaintext; with kTLS engaged OpenSSL passes
// them to the kernel, otherwise it encrypts in userspace (the data path of issue 3; issue 5
// replaces it with batched io_uring I/O).
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/base/bytes.h"
#include "controlplane/base/result.h"
#include "controlplane/tls/io_status.h"
#include "controlplane/tls/ktls_socket.h"
#include "controlplane/tls/record_batch.h"

namespace ksstp::tls {

struct SslFree {
    void operator()(SSL* s) const { SSL_free(s); }
};
using SslPtr = std::unique_ptr<SSL, SslFree>;

struct TlsInfo {
    std::string version;  // "TLSv1.3"
    std::string cipher;   // "TLS_AES_256_GCM_SHA384"
    bool ktls_tx = false;
    bool ktls_rx = false;
    std::vector<uint8_t> peer_leaf_der;  // the peer's certificate, DER (empty if none)
    long verify_result = 0;              // X509_V_OK or an X509_V_ERR_*
    std::string verify_text;             // SPEC 4 wording, empty when OK
};

class TlsSession {
public:
    // `fd` is borrowed: the caller owns and closes it after the session.
    static TlsSession server(SSL_CTX* ctx, int fd);
    // `host` is the connect-to name or IP: SNI (names only) and, with `verify_address`, the
    // name/IP the certificate must carry.
    static TlsSession client(SSL_CTX* ctx, int fd, const std::string& host, bool verify_address);

    // One step. Ok (has_value) when the handshake is complete.
    Result<void, IoStatus> handshake();
    TlsInfo info() const;

    Result<size_t, IoStatus> read(std::span<uint8_t> out);
    Result<size_t, IoStatus> write(ByteView in);
    // OpenSSL 3.0 gives the kernel TLS 1.3 TX but never a later key: after a KeyUpdate it goes
    // on passing plaintext to a kernel that still encrypts with the old key, and the peer
    // refuses every record after it. So when the peer asks for our update (RFC 8446 4.6.3),
    // read() sends it at once (OpenSSL makes the record, the kernel encrypts it with the old
    // key) and then gives the kernel the next key itself (ktls_key.h). Until that is done
    // nothing else may be written: write() does it first, a worker's direct write too.
    bool key_update_pending() const;
    Result<void, IoStatus> finish_key_update();
    // Bytes OpenSSL has decrypted but not yet returned (read again before waiting).
    bool pending() const { return SSL_pending(ssl_.get()) > 0; }
    // Records read from the socket but not yet decrypted (read-ahead) or not yet returned.
    bool has_buffered() const { return SSL_has_pending(ssl_.get()) == 1; }
    // Read-ahead: OpenSSL reads as much as its read buffer (`buffer` bytes, several records)
    // holds in one system call instead of a record header and then its body (two calls per
    // record). Only for a reader that asks has_buffered() before it waits for readiness (the
    // data-plane worker): what OpenSSL holds, epoll does not see. The buffer is made anew at
    // the next read when the current one is empty; otherwise the old size stays.
    void enable_read_ahead(size_t buffer) {
        SSL_set_default_read_buffer_len(ssl_.get(), buffer);
        (void)SSL_free_buffers(ssl_.get());  // 0 when something is buffered: keeps the old one
        SSL_set_read_ahead(ssl_.get(), 1);
    }
    // Record batching (RecordBatch): while holding, write() takes records into a batch that
    // flush() sends in one call through `sender` (nullptr: send()). The first call installs the
    // batch; false where the kernel took the record layer (kTLS TX: nothing to hold).
    bool hold_records(bool on, RecordBatch::Sender sender = nullptr);
    // Held bytes not yet sent: the socket must be waited on (EPOLLOUT) until this is 0.
    size_t unsent() const { return batch_ ? batch_->held() : 0; }
    // One send of what is held: bytes sent (0: nothing held), WantWrite (socket full) or an
    // error (error() says which).
    Result<size_t, IoStatus> flush();
    // flush() until nothing is held or the socket is full (the control plane after a hand-back:
    // a worker's held records go before anything it writes).
    void flush_held() {
        while (unsent())
            if (auto f = flush(); !f || *f == 0) break;
    }
    uint64_t sends() const { return batch_ ? batch_->sends() : 0; }
    // The last write() stopped mid-record (WantWrite/WantRead): OpenSSL must be given the same
    // bytes again before anything else goes to the socket.
    bool write_blocked() const { return write_blocked_; }
    // Plaintext I/O on the socket for a worker where the kernel took the record layer (kTLS TX;
    // reads too where it took RX as well); nullopt where it did not.
    std::optional<KtlsSocket> ktls_socket() const;
    void shutdown();  // best-effort close_notify
    const std::string& error() const { return error_; }
    SSL* native() const { return ssl_.get(); }  // tests and diagnostics (SSL_key_update, ...)

private:
    explicit TlsSession(SslPtr s) : ssl_(std::move(s)) {}
    IoStatus classify(int ret, const char* op);
    IoStatus classify_now(int ret, const char* op);
    std::string allowed_versions() const;
    SslPtr ssl_;
    RecordBatch* batch_ = nullptr;  // owned by ssl_ (its write BIO) once installed
    bool write_blocked_ = false;
    std::string error_;
};

// kTLS availability of this kernel (TCP_ULP "tls"), probed once; `reason` says why not.
struct KtlsSupport {
    bool available = false;
    std::string reason;
};
KtlsSupport probe_ktls();

}  // namespace ksstp::tls
