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
};

}  // namespace ksstp::dp
