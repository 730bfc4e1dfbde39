// SSTP packet codec (MS-SSTP 2.2): header, data and control packets, every message and
// attribute. Pure: bytes in, typed values or typed errors out; no I/O.
//
// Decoding happens in two steps, mirroring the spec's own split between delineation (3.1.5.1)
// and message validation (3.2.5 / 3.3.5):
//  1. decode_control() checks the structure: Message Type known, Num Attributes matching the
//     attributes actually present, every attribute length within the packet. A failure here is a
//     DecodeError; its protocol action comes from action_for().
//  2. parse_message() checks each message's exact attribute set and lengths and yields a
//     Message. A failure carries the Status Info (attribute, status) to put into the CALL_ABORT.
// CALL_CONNECT_REQUEST is special: a server answers problems with CALL_CONNECT_NAK listing each
// one (3.3.5.2.2), which check_connect_request() collects.
#pragma once

#include <array>
#include <optional>
#include <variant>
#include <vector>

#include "controlplane/base/bytes.h"
#include "controlplane/base/result.h"
#include "controlplane/sstp/wire.h"

namespace ksstp::sstp {

enum class DecodeError : uint8_t {
    Truncated,             // fewer bytes than the header or the Length field promises
    BadVersion,            // Version != 0x10 (3.1.5.1: stream cannot be delineated)
    BadLength,             // Length < 4
    ControlTooShort,       // control packet shorter than 8 bytes
    UnknownMessageType,    // Message Type outside 1..9
    AttributeTooShort,     // attribute Length < 4
    AttributeOverrun,      // attribute Length beyond the packet
    AttributeCountMismatch,  // Num Attributes differs from the attributes present
};
const char* to_string(DecodeError e);

// What the session does about an SSTP error (STYLE.md "Errors": every decode error maps to
// one). Errors inside the PPP frame of a data packet are dropped and counted by the PPP layer
// instead (ppp::PppCounters, session::SessionCounters).
enum class ProtocolAction : uint8_t {
    CloseSilently,  // 3.1.5.1 delineation failure: close without sending anything
    Abort,          // send CALL_ABORT with the status, abort procedure (3.1.4.x)
};
struct ErrorAction {
    ProtocolAction action;
    Status status = Status::InvalidFrameReceived;
};
ErrorAction action_for(DecodeError e);

struct PacketHeader {
    bool control = false;
    uint16_t length = 0;  // whole packet including this header
};
// Needs at least 4 bytes. Masks the reserved bits (R) as 2.2.1 requires.
Result<PacketHeader, DecodeError> decode_header(ByteView in);
void encode_header(ByteWriter& w, bool control, uint16_t length);

// ---- attributes ----
struct RawAttribute {
    uint8_t id = 0;
    ByteView value;  // after the 4-byte attribute header; views into the decoded packet
};

struct StatusInfo {
    // Fixed-underlying-type enums hold any received byte/word, known or not.
    AttributeId attrib_id = AttributeId::NoError;
    Status status = Status::NoError;
    Bytes value;  // <= 64 bytes (CONNECT_NAK only)
    static StatusInfo make(AttributeId id, Status st, ByteView value = {});
    bool operator==(const StatusInfo&) const = default;
};

struct CryptoBindingRequest {
    uint8_t hash_bitmask = 0;
    std::array<uint8_t, kNonceLen> nonce{};
    bool operator==(const CryptoBindingRequest&) const = default;
};

struct CryptoBinding {
    uint8_t hash_protocol = 0;
    std::array<uint8_t, kNonceLen> nonce{};
    std::array<uint8_t, kHashFieldLen> cert_hash{};
    std::array<uint8_t, kHashFieldLen> compound_mac{};
    bool operator==(const CryptoBinding&) const = default;
};

// ---- messages ----
struct CallConnectRequest {
    uint16_t protocol_id = kEncapsulatedProtocolPpp;
    bool operator==(const CallConnectRequest&) const = default;
};
struct CallConnectAck {
    CryptoBindingRequest binding_request;
    bool operator==(const CallConnectAck&) const = default;
};
struct CallConnectNak {
    std::vector<StatusInfo> statuses;  // at least one
    bool operator==(const CallConnectNak&) const = default;
};
struct CallConnected {
    CryptoBinding binding;
    bool operator==(const CallConnected&) const = default;
};
struct CallAbort {
    std::optional<StatusInfo> status;  // "SHOULD" be present; SoftEther omits it
    bool operator==(const CallAbort&) const = default;
};
struct CallDisconnect {
    std::optional<StatusInfo> status;
    bool operator==(const CallDisconnect&) const = default;
};
struct CallDisconnectAck {
    bool operator==(const CallDisconnectAck&) const = default;
};
struct EchoRequest {
    bool operator==(const EchoRequest&) const = default;
};
struct EchoResponse {
    bool operator==(const EchoResponse&) const = default;
};

using Message = std::variant<CallConnectRequest, CallConnectAck, CallConnectNak, CallConnected,
                             CallAbort, CallDisconnect, CallDisconnectAck, EchoRequest,
                             EchoResponse>;
MessageType type_of(const Message& m);

// A structurally valid control packet (step 1).
struct ControlPacket {
    MessageType type{};
    std::vector<RawAttribute> attributes;
};

// `packet` is one whole SSTP packet (header included) whose header says control.
Result<ControlPacket, DecodeError> decode_control(ByteView packet);
// The result holds views into `packet`: a temporary buffer would leave them dangling.
Result<ControlPacket, DecodeError> decode_control(Bytes&&) = delete;

// Step 2: the Status Info to put into a CALL_ABORT (or the NAK list) when a message is wrong.
struct MessageError {
    AttributeId attrib_id;
    Status status;
    const char* what;
    bool operator==(const MessageError&) const = default;
};
Result<Message, MessageError> parse_message(const ControlPacket& pkt);

// 3.3.5.2.2: every problem of a CALL_CONNECT_REQUEST, one Status Info each (empty = valid).
std::vector<StatusInfo> check_connect_request(const ControlPacket& pkt);

// Encoders append one whole SSTP packet to `out`.
void encode(const Message& m, Bytes& out);
Bytes encode(const Message& m);
// Data packet carrying one PPP frame (2.2.3). Returns false if the frame exceeds 4091 bytes.
bool encode_data(ByteView ppp_frame, Bytes& out);

}  // namespace ksstp::sstp
