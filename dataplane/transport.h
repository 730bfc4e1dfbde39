// Transport: the byte stream under a session's SSTP packets as the data plane sees it: plaintext
// in and out of the TLS record layer (userspace TLS through OpenSSL, or a socket whose record
// layer the kernel took, kTLS). Non-blocking: WantRead/WantWrite say what to wait for. ksstpd
// adapts its tls::TlsSession (server/tls_transport.h); tests use a plain socketpair.
#pragma once

#include <span>
#include <string>

#include "controlplane/base/bytes.h"
#include "controlplane/base/result.h"

namespace ksstp::dp {

class TunRing;

enum class IoStatus : uint8_t { WantRead, WantWrite, Closed, Error };

class Transport {
public:
    virtual ~Transport() = default;
    virtual int fd() const = 0;  // what readiness is waited on (the TCP socket)
    virtual Result<size_t, IoStatus> read(std::span<uint8_t> out) = 0;
    virtual Result<size_t, IoStatus> write(ByteView in) = 0;
    // Why the last Closed/Error happened, in words for the session's closing line.
    virtual std::string error() const = 0;
    // Input already taken off the socket that read() would return without waiting (TLS
    // read-ahead): readiness of the fd says nothing about it.
    virtual bool has_buffered() const { return false; }
    // How much one read() can return, where that is more than one TLS record (0: a record).
    virtual size_t read_size() const { return 0; }

    // Output batching (issue 5 item 4). While held, write() only encrypts: the records wait in
    // the transport until flush() puts them on the socket together, through `ring` when one is
    // given. Not held, write() sends as before (what is still held goes first). Returns whether
    // this transport batches; one that does not sends in write() (through `ring` where it can)
    // and has nothing to flush.
    virtual bool hold_output(bool /*on*/, TunRing* /*ring*/) { return false; }
    virtual size_t unsent() const { return 0; }  // held, not yet on the socket
    // One send of what is held: bytes sent (0: nothing held) or WantWrite (socket full).
    virtual Result<size_t, IoStatus> flush() { return size_t(0); }
};

}  // namespace ksstp::dp
