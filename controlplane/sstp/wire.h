// MS-SSTP wire constants, with the spec's names (MS-SSTP v21.0, section 2.2). Spec constants
// only; tuning values (timers we chose, caps) live with the code that uses them.
#pragma once

#include <cstdint>

namespace ksstp::sstp {

// 2.2.1 SSTP packet header
inline constexpr uint8_t kVersion = 0x10;           // major 1, minor 0
inline constexpr uint8_t kControlBit = 0x01;        // C bit: LSB of the second byte
inline constexpr uint16_t kLengthMask = 0x0FFF;     // 12-bit length; upper 4 bits reserved (R)
inline constexpr size_t kHeaderLen = 4;
inline constexpr size_t kMaxPacketLen = 4095;       // largest 12-bit length
inline constexpr size_t kControlHeaderLen = 8;      // header + Message Type + Num Attributes
inline constexpr size_t kMaxPppFrameLen = kMaxPacketLen - kHeaderLen;  // 4091 (3.1.5.2)

// 2.2.9 Message Type
enum class MessageType : uint16_t {
    CallConnectRequest = 0x0001,
    CallConnectAck = 0x0002,
    CallConnectNak = 0x0003,
    CallConnected = 0x0004,
    CallAbort = 0x0005,
    CallDisconnect = 0x0006,
    CallDisconnectAck = 0x0007,
    EchoRequest = 0x0008,
    EchoResponse = 0x0009,
};

// 2.2.4 Attribute ID
enum class AttributeId : uint8_t {
    NoError = 0x00,  // only as the AttribID inside a Status Info
    EncapsulatedProtocolId = 0x01,
    StatusInfo = 0x02,
    CryptoBinding = 0x03,
    CryptoBindingReq = 0x04,
};
inline constexpr size_t kAttributeHeaderLen = 4;

// Attribute lengths including the 4-byte attribute header (2.2.5 - 2.2.8).
inline constexpr uint16_t kEncapsulatedProtocolIdLen = 6;
inline constexpr uint16_t kStatusInfoMinLen = 12;
inline constexpr size_t kStatusInfoMaxValueLen = 64;
inline constexpr uint16_t kCryptoBindingLen = 104;
inline constexpr uint16_t kCryptoBindingReqLen = 40;

// 2.2.5 Encapsulated Protocol ID
inline constexpr uint16_t kEncapsulatedProtocolPpp = 0x0001;

// 2.2.7 / 2.2.6 hash protocols
inline constexpr uint8_t kCertHashProtocolSha1 = 0x01;
inline constexpr uint8_t kCertHashProtocolSha256 = 0x02;
inline constexpr size_t kNonceLen = 32;
inline constexpr size_t kHashFieldLen = 32;  // Cert Hash / Compound MAC fields (SHA-1: + padding)

// 2.2.2 / 4.7: total lengths of fixed-size messages.
inline constexpr uint16_t kCallConnectRequestLen = 14;
inline constexpr uint16_t kCallConnectAckLen = 48;
inline constexpr uint16_t kCallConnectedLen = 112;
inline constexpr size_t kCompoundMacOffset = 80;  // within the 112-byte CALL_CONNECTED

// 2.2.8 Status Info: Status values
enum class Status : uint32_t {
    NoError = 0x00000000,
    DuplicateAttribute = 0x00000001,
    UnrecognizedAttribute = 0x00000002,
    InvalidAttribValueLength = 0x00000003,
    ValueNotSupported = 0x00000004,
    UnacceptedFrameReceived = 0x00000005,
    RetryCountExceeded = 0x00000006,
    InvalidFrameReceived = 0x00000007,
    NegotiationTimeout = 0x00000008,
    AttribNotSupportedInMsg = 0x00000009,
    RequiredAttributeMissing = 0x0000000A,
    StatusInfoNotSupportedInMsg = 0x0000000B,
};

const char* to_string(MessageType t);
const char* to_string(Status s);

}  // namespace ksstp::sstp
