// KtlsRecord: what a TLS record the kernel decrypted means when it is not application data
// (issue 5 item 3). With kTLS RX the kernel returns plaintext and tells the record's type in a
// control message (SOL_TLS / TLS_GET_RECORD_TYPE, Documentation/networking/tls.rst "Receiving
// TLS control messages"); a data record has type 23 and everything else (alerts, post-handshake
// messages) is ours to act on, since OpenSSL never sees these records on the worker's path.
//
// Pure: bytes in, a verdict out; the I/O (recvmsg, setsockopt, the KeyUpdate we send back) is
// KtlsSocket's. Every verdict that ends the connection carries the reason for its log line.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>

#include "controlplane/base/bytes.h"

namespace ksstp::tls {

// TLS ContentType (RFC 8446 5.1, RFC 5246 6.2.1).
enum class ContentType : uint8_t { ChangeCipherSpec = 20, Alert = 21, Handshake = 22, ApplicationData = 23 };

// HandshakeType values seen after the handshake (RFC 8446 4, RFC 5246 7.4).
inline constexpr uint8_t kHelloRequest = 0;
inline constexpr uint8_t kNewSessionTicket = 4;
inline constexpr uint8_t kKeyUpdate = 24;

struct RecordVerdict {
    enum class Kind : uint8_t {
        Data,       // application data: SSTP bytes
        Ignore,     // nothing to do (a session ticket, a warning alert, a TLS 1.2 HelloRequest)
        KeyUpdate,  // TLS 1.3 KeyUpdate: the peer's next records use its next traffic secret
        Closed,     // close_notify: the peer ended TLS in order
        Fatal,      // the connection cannot go on: `why` says why
    };
    Kind kind = Kind::Data;
    bool update_requested = false;  // KeyUpdate: the peer asks us to update ours too (RFC 8446 4.6.3)
    std::string why;
};

// `type`: the record's ContentType; `payload`: its plaintext; `tls13`: the connection's version.
// A record may carry several handshake messages; one that does not end in it cannot be acted on
// here and is Fatal (post-handshake messages are a few bytes: no peer splits them).
RecordVerdict classify_record(uint8_t type, ByteView payload, bool tls13);

// The record type a recvmsg() control buffer carries (SOL_TLS, TLS_GET_RECORD_TYPE); nullopt
// when it carries none (a plain socket, or a kernel that sent no type: data).
std::optional<uint8_t> record_type_of(const msghdr& m);

// AlertDescription names (RFC 8446 6), "unknown" for others.
std::string alert_name(uint8_t description);

// Our KeyUpdate handshake message (RFC 8446 4.6.3): type 24, length 1, request_update.
inline constexpr size_t kKeyUpdateMessageLen = 5;
inline Bytes key_update_message(bool update_requested) {
    return Bytes{kKeyUpdate, 0, 0, 1, uint8_t(update_requested ? 1 : 0)};
}

}  // namespace ksstp::tls
