// KtlsSocket: the data path of a connection whose TLS record layer the kernel took (issue 5
// item 3). The worker moves plaintext SSTP bytes straight to and from the socket, through its
// io_uring when it has one, with no OpenSSL call per read or write:
//  - write: one send of everything pending (up to the worker's batch); the kernel cuts it into
//    full 16 KB records, so many SSTP frames share a record and a batch is one system call;
//  - read: recvmsg with room for the record-type control message. The kernel returns data from
//    several records in one call (never mixed with a non-data record). A record that is not
//    application data comes alone with its type (Documentation/networking/tls.rst) and is acted
//    on here (KtlsRecord): close_notify ends the session in order, an alert with its name, a
//    TLS 1.3 KeyUpdate makes us give the kernel the peer's next key (and send our own KeyUpdate
//    and switch ours when the peer asks), session tickets are ignored.
//
// Reading directly needs the kernel to take both directions (kTLS RX and TX): a KeyUpdate's
// answer is sent through the kernel. Where only TX is the kernel's, reads stay with OpenSSL
// (which handles what it receives itself) and writes come here.
//
// One owner at a time (the worker, under the session's lock, or the control plane).
#pragma once

#include <sys/socket.h>

#include <functional>
#include <optional>
#include <string>

#include "controlplane/base/bytes.h"
#include "controlplane/base/result.h"
#include "controlplane/tls/io_status.h"
#include "controlplane/tls/ktls_key.h"
#include "controlplane/tls/ktls_record.h"
#include "controlplane/tls/traffic_secrets.h"

namespace ksstp::tls {

class KtlsSocket {
public:
    // How bytes reach the socket: the worker's ring, or (empty) plain non-blocking system calls.
    // Each returns bytes moved or -errno (-EAGAIN: nothing to do now).
    struct Io {
        std::function<long(int fd, ByteView bytes)> send;
        std::function<long(int fd, msghdr* m)> recvmsg;
    };

    // `rx`: the kernel decrypts too (reads come here). `tls13`, `suite` and `secrets` (owned
    // by the SSL, which outlives this) make KeyUpdate possible; `server`: which secret is ours.
    KtlsSocket(int fd, bool rx, bool tls13, std::optional<KtlsSuite> suite, TrafficSecrets* secrets, bool server)
        : fd_(fd), rx_(rx), tls13_(tls13), server_(server), suite_(suite), secrets_(secrets) {}

    bool rx() const { return rx_; }
    void use(Io io) { io_ = std::move(io); }

    // Plaintext from the socket: bytes (> 0), WantRead, Closed or Error (error() says why).
    Result<size_t, IoStatus> read(std::span<uint8_t> out);
    // Plaintext to the socket: bytes taken, WantWrite (full, or our KeyUpdate still waits) or Error.
    Result<size_t, IoStatus> write(ByteView in);
    // Our KeyUpdate waits for room in the socket: it goes before any data (RFC 8446 4.6.3).
    bool key_update_pending() const { return update_pending_; }
    size_t unsent() const { return update_pending_ ? kKeyUpdateMessageLen : 0; }
    // Sends the waiting KeyUpdate: its bytes, 0 (none waits), WantWrite or Error.
    Result<size_t, IoStatus> flush();

    uint64_t key_updates() const { return key_updates_; }  // peer KeyUpdates taken
    const std::string& error() const { return error_; }

private:
    bool update_rx(bool requested);
    bool set_key(int direction, Bytes& secret);
    IoStatus failed(long err, bool reading);

    int fd_;
    bool rx_, tls13_, server_;
    std::optional<KtlsSuite> suite_;
    TrafficSecrets* secrets_;
    Io io_;
    bool update_pending_ = false;
    uint64_t key_updates_ = 0;
    std::string error_;
};

}  // namespace ksstp::tls
