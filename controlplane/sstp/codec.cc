// SSTP packet codec; see codec.h. Section numbers refer to MS-SSTP v21.0.
#include "controlplane/sstp/codec.h"

#include <algorithm>
#include <cstring>

namespace ksstp::sstp {

const char* to_string(MessageType t) {
    switch (t) {
        case MessageType::CallConnectRequest: return "CALL_CONNECT_REQUEST";
        case MessageType::CallConnectAck: return "CALL_CONNECT_ACK";
        case MessageType::CallConnectNak: return "CALL_CONNECT_NAK";
        case MessageType::CallConnected: return "CALL_CONNECTED";
        case MessageType::CallAbort: return "CALL_ABORT";
        case MessageType::CallDisconnect: return "CALL_DISCONNECT";
        case MessageType::CallDisconnectAck: return "CALL_DISCONNECT_ACK";
        case MessageType::EchoRequest: return "ECHO_REQUEST";
        case MessageType::EchoResponse: return "ECHO_RESPONSE";
    }
    return "UNKNOWN";
}

const char* to_string(Status s) {
    switch (s) {
        case Status::NoError: return "NO_ERROR";
        case Status::DuplicateAttribute: return "DUPLICATE_ATTRIBUTE";
        case Status::UnrecognizedAttribute: return "UNRECOGNIZED_ATTRIBUTE";
        case Status::InvalidAttribValueLength: return "INVALID_ATTRIB_VALUE_LENGTH";
        case Status::ValueNotSupported: return "VALUE_NOT_SUPPORTED";
        case Status::UnacceptedFrameReceived: return "UNACCEPTED_FRAME_RECEIVED";
        case Status::RetryCountExceeded: return "RETRY_COUNT_EXCEEDED";
        case Status::InvalidFrameReceived: return "INVALID_FRAME_RECEIVED";
        case Status::NegotiationTimeout: return "NEGOTIATION_TIMEOUT";
        case Status::AttribNotSupportedInMsg: return "ATTRIB_NOT_SUPPORTED_IN_MSG";
        case Status::RequiredAttributeMissing: return "REQUIRED_ATTRIBUTE_MISSING";
        case Status::StatusInfoNotSupportedInMsg: return "STATUS_INFO_NOT_SUPPORTED_IN_MSG";
    }
    return "UNKNOWN_STATUS";
}

const char* to_string(DecodeError e) {
    switch (e) {
        case DecodeError::Truncated: return "truncated packet";
        case DecodeError::BadVersion: return "bad SSTP version";
        case DecodeError::BadLength: return "SSTP length below 4";
        case DecodeError::ControlTooShort: return "control packet shorter than 8 bytes";
        case DecodeError::UnknownMessageType: return "unknown control message type";
        case DecodeError::AttributeTooShort: return "attribute length below 4";
        case DecodeError::AttributeOverrun: return "attribute overruns packet";
        case DecodeError::AttributeCountMismatch: return "Num Attributes does not match";
    }
    return "unknown decode error";
}

ErrorAction action_for(DecodeError e) {
    switch (e) {
        // 3.1.5.1: the byte stream can no longer be delineated; say nothing, close.
        case DecodeError::Truncated:
        case DecodeError::BadVersion:
        case DecodeError::BadLength:
            return {ProtocolAction::CloseSilently};
        // The packet is delineated but its content is invalid: abort the call (3.1.4.x).
        case DecodeError::ControlTooShort:
        case DecodeError::UnknownMessageType:
        case DecodeError::AttributeTooShort:
        case DecodeError::AttributeOverrun:
        case DecodeError::AttributeCountMismatch:
            return {ProtocolAction::Abort, Status::InvalidFrameReceived};
    }
    return {ProtocolAction::CloseSilently};
}

Result<PacketHeader, DecodeError> decode_header(ByteView in) {
    if (in.size() < kHeaderLen) return fail(DecodeError::Truncated);
    if (in[0] != kVersion) return fail(DecodeError::BadVersion);
    PacketHeader h;
    h.control = (in[1] & kControlBit) != 0;  // upper 7 bits reserved, ignored (2.2.1)
    h.length = uint16_t((in[2] << 8 | in[3]) & kLengthMask);
    if (h.length < kHeaderLen) return fail(DecodeError::BadLength);
    return h;
}

void encode_header(ByteWriter& w, bool control, uint16_t length) {
    w.u8(kVersion);
    w.u8(control ? kControlBit : 0);
    w.u16(length & kLengthMask);
}

StatusInfo StatusInfo::make(AttributeId id, Status st, ByteView value) {
    StatusInfo s;
    s.attrib_id = id;
    s.status = st;
    s.value.assign(value.begin(), value.begin() + std::min(value.size(), kStatusInfoMaxValueLen));
    return s;
}

MessageType type_of(const Message& m) {
    return std::visit(
        [](const auto& v) -> MessageType {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, CallConnectRequest>) return MessageType::CallConnectRequest;
            else if constexpr (std::is_same_v<T, CallConnectAck>) return MessageType::CallConnectAck;
            else if constexpr (std::is_same_v<T, CallConnectNak>) return MessageType::CallConnectNak;
            else if constexpr (std::is_same_v<T, CallConnected>) return MessageType::CallConnected;
            else if constexpr (std::is_same_v<T, CallAbort>) return MessageType::CallAbort;
            else if constexpr (std::is_same_v<T, CallDisconnect>) return MessageType::CallDisconnect;
            else if constexpr (std::is_same_v<T, CallDisconnectAck>) return MessageType::CallDisconnectAck;
            else if constexpr (std::is_same_v<T, EchoRequest>) return MessageType::EchoRequest;
            else return MessageType::EchoResponse;
        },
        m);
}

Result<ControlPacket, DecodeError> decode_control(ByteView packet) {
    auto hdr = decode_header(packet);
    if (!hdr) return fail(hdr.error());
    if (packet.size() < hdr->length) return fail(DecodeError::Truncated);
    if (hdr->length < kControlHeaderLen) return fail(DecodeError::ControlTooShort);
    ByteReader r(packet.subspan(kHeaderLen, hdr->length - kHeaderLen));
    uint16_t type = r.u16();
    uint16_t count = r.u16();
    if (type < uint16_t(MessageType::CallConnectRequest) || type > uint16_t(MessageType::EchoResponse))
        return fail(DecodeError::UnknownMessageType);
    ControlPacket pkt;
    pkt.type = MessageType(type);
    while (!r.empty()) {
        // Validate before trusting: 2.2.4 attribute Length covers the 4-byte header.
        if (r.remaining() < kAttributeHeaderLen) return fail(DecodeError::AttributeTooShort);
        r.u8();  // Reserved
        uint8_t id = r.u8();
        uint16_t len = r.u16() & kLengthMask;
        if (len < kAttributeHeaderLen) return fail(DecodeError::AttributeTooShort);
        if (len - kAttributeHeaderLen > r.remaining()) return fail(DecodeError::AttributeOverrun);
        // A peer can claim 0xFFFF attributes; the vector never grows past what the bytes hold.
        pkt.attributes.push_back({id, r.bytes(len - kAttributeHeaderLen)});
    }
    if (pkt.attributes.size() != count) return fail(DecodeError::AttributeCountMismatch);
    return pkt;
}

namespace {

StatusInfo decode_status_info(ByteView v) {
    ByteReader r(v);
    r.u24();
    StatusInfo s;
    s.attrib_id = AttributeId(r.u8());
    s.status = Status(r.u32());
    ByteView rest = r.rest();
    s.value.assign(rest.begin(), rest.end());
    return s;
}

bool status_info_len_ok(const RawAttribute& a) {
    size_t total = a.value.size() + kAttributeHeaderLen;
    return total >= kStatusInfoMinLen && total - kStatusInfoMinLen <= kStatusInfoMaxValueLen;
}

// ABORT and DISCONNECT: zero or one Status Info.
Result<std::optional<StatusInfo>, MessageError> optional_status(const ControlPacket& pkt) {
    if (pkt.attributes.empty()) return std::optional<StatusInfo>{};
    if (pkt.attributes.size() > 1)
        return fail(MessageError{AttributeId::StatusInfo, Status::AttribNotSupportedInMsg,
                                 "more than one attribute"});
    const RawAttribute& a = pkt.attributes[0];
    if (a.id != uint8_t(AttributeId::StatusInfo))
        return fail(MessageError{AttributeId(a.id), Status::AttribNotSupportedInMsg,
                                 "attribute other than Status Info"});
    if (!status_info_len_ok(a))
        return fail(MessageError{AttributeId::StatusInfo, Status::InvalidAttribValueLength,
                                 "Status Info length"});
    return std::optional<StatusInfo>(decode_status_info(a.value));
}

Result<const RawAttribute*, MessageError> single(const ControlPacket& pkt, AttributeId id,
                                                 size_t total_len, const char* what) {
    if (pkt.attributes.size() != 1 || pkt.attributes[0].id != uint8_t(id))
        return fail(MessageError{id, Status::AttribNotSupportedInMsg, what});
    if (pkt.attributes[0].value.size() + kAttributeHeaderLen != total_len)
        return fail(MessageError{id, Status::InvalidAttribValueLength, what});
    return &pkt.attributes[0];
}

}  // namespace

Result<Message, MessageError> parse_message(const ControlPacket& pkt) {
    switch (pkt.type) {
        case MessageType::CallConnectRequest: {
            auto problems = check_connect_request(pkt);
            if (!problems.empty())
                return fail(MessageError{problems[0].attrib_id, problems[0].status,
                                         "invalid CALL_CONNECT_REQUEST"});
            // A Status Info with status 0 may come first: find the protocol attribute by ID.
            for (const auto& a : pkt.attributes) {
                if (a.id == uint8_t(AttributeId::EncapsulatedProtocolId)) {
                    ByteReader r(a.value);
                    return Message(CallConnectRequest{r.u16()});
                }
            }
            return fail(MessageError{AttributeId::EncapsulatedProtocolId, Status::RequiredAttributeMissing,
                                     "invalid CALL_CONNECT_REQUEST"});
        }
        case MessageType::CallConnectAck: {
            auto a = single(pkt, AttributeId::CryptoBindingReq, kCryptoBindingReqLen,
                            "CALL_CONNECT_ACK needs one Crypto Binding Request");
            if (!a) return fail(a.error());
            ByteReader r((*a)->value);
            r.u24();
            CallConnectAck m;
            m.binding_request.hash_bitmask = r.u8();
            m.binding_request.nonce = r.array<kNonceLen>();
            return Message(m);
        }
        case MessageType::CallConnectNak: {
            // 2.2.10: one or more Status Info attributes and nothing else.
            if (pkt.attributes.empty())
                return fail(MessageError{AttributeId::StatusInfo, Status::AttribNotSupportedInMsg,
                                         "CALL_CONNECT_NAK without Status Info"});
            CallConnectNak m;
            for (const auto& a : pkt.attributes) {
                if (a.id != uint8_t(AttributeId::StatusInfo))
                    return fail(MessageError{AttributeId(a.id), Status::AttribNotSupportedInMsg,
                                             "CALL_CONNECT_NAK carries a non-Status-Info attribute"});
                if (!status_info_len_ok(a))
                    return fail(MessageError{AttributeId::StatusInfo,
                                             Status::InvalidAttribValueLength, "Status Info length"});
                m.statuses.push_back(decode_status_info(a.value));
            }
            return Message(std::move(m));
        }
        case MessageType::CallConnected: {
            auto a = single(pkt, AttributeId::CryptoBinding, kCryptoBindingLen,
                            "CALL_CONNECTED needs one Crypto Binding");
            if (!a) return fail(a.error());
            ByteReader r((*a)->value);
            r.u24();
            CallConnected m;
            m.binding.hash_protocol = r.u8();
            m.binding.nonce = r.array<kNonceLen>();
            m.binding.cert_hash = r.array<kHashFieldLen>();
            m.binding.compound_mac = r.array<kHashFieldLen>();
            return Message(m);
        }
        case MessageType::CallAbort: {
            auto s = optional_status(pkt);
            if (!s) return fail(s.error());
            return Message(CallAbort{std::move(*s)});
        }
        case MessageType::CallDisconnect: {
            auto s = optional_status(pkt);
            if (!s) return fail(s.error());
            return Message(CallDisconnect{std::move(*s)});
        }
        case MessageType::CallDisconnectAck:
        case MessageType::EchoRequest:
        case MessageType::EchoResponse:
            // 2.2.9: no attributes. Extra ones are ignored rather than fatal: they cannot change
            // the meaning of these messages and aborting on them only hurts interop.
            if (pkt.type == MessageType::CallDisconnectAck) return Message(CallDisconnectAck{});
            if (pkt.type == MessageType::EchoRequest) return Message(EchoRequest{});
            return Message(EchoResponse{});
    }
    return fail(MessageError{AttributeId::NoError, Status::InvalidFrameReceived, "unknown type"});
}

std::vector<StatusInfo> check_connect_request(const ControlPacket& pkt) {
    std::vector<StatusInfo> problems;
    bool seen_protocol = false;
    bool seen[256] = {};
    for (const auto& a : pkt.attributes) {
        size_t total = a.value.size() + kAttributeHeaderLen;
        if (seen[a.id]) {
            problems.push_back(StatusInfo::make(AttributeId(a.id), Status::DuplicateAttribute));
            continue;
        }
        seen[a.id] = true;
        switch (AttributeId(a.id)) {
            case AttributeId::EncapsulatedProtocolId:
                if (total != kEncapsulatedProtocolIdLen) {
                    problems.push_back(StatusInfo::make(AttributeId(a.id),
                                                        Status::InvalidAttribValueLength));
                } else {
                    seen_protocol = true;
                    ByteReader r(a.value);
                    if (r.u16() != kEncapsulatedProtocolPpp)
                        problems.push_back(StatusInfo::make(AttributeId::EncapsulatedProtocolId,
                                                            Status::ValueNotSupported, a.value));
                }
                break;
            case AttributeId::StatusInfo:
                if (!status_info_len_ok(a)) {
                    problems.push_back(StatusInfo::make(AttributeId::StatusInfo,
                                                        Status::InvalidAttribValueLength));
                } else if (decode_status_info(a.value).status != Status::NoError) {
                    problems.push_back(StatusInfo::make(AttributeId::StatusInfo,
                                                        Status::StatusInfoNotSupportedInMsg));
                }
                break;
            default:
                problems.push_back(StatusInfo::make(AttributeId(a.id), Status::UnrecognizedAttribute));
                break;
        }
    }
    // 2.2.8 and 3.3.5.2.2 disagree on the AttribID here; 2.2.8's 0x01 names the missing one.
    if (!seen_protocol && problems.empty())
        problems.push_back(StatusInfo::make(AttributeId::EncapsulatedProtocolId,
                                            Status::RequiredAttributeMissing));
    return problems;
}

namespace {

void put_attribute_header(ByteWriter& w, AttributeId id, uint16_t total_len) {
    w.u8(0);
    w.u8(uint8_t(id));
    w.u16(total_len & kLengthMask);
}

void put_status_info(ByteWriter& w, const StatusInfo& s) {
    size_t n = std::min(s.value.size(), kStatusInfoMaxValueLen);
    put_attribute_header(w, AttributeId::StatusInfo, uint16_t(kStatusInfoMinLen + n));
    w.u24(0);
    w.u8(uint8_t(s.attrib_id));
    w.u32(uint32_t(s.status));
    w.bytes(ByteView(s.value).first(n));
}

}  // namespace

void encode(const Message& m, Bytes& out) {
    size_t start = out.size();
    ByteWriter w(out);
    w.u8(kVersion);
    w.u8(kControlBit);
    size_t len_at = w.reserve_u16();
    w.u16(uint16_t(type_of(m)));
    size_t count_at = w.reserve_u16();
    uint16_t count = 0;
    std::visit(
        [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, CallConnectRequest>) {
                put_attribute_header(w, AttributeId::EncapsulatedProtocolId, kEncapsulatedProtocolIdLen);
                w.u16(v.protocol_id);
                count = 1;
            } else if constexpr (std::is_same_v<T, CallConnectAck>) {
                put_attribute_header(w, AttributeId::CryptoBindingReq, kCryptoBindingReqLen);
                w.u24(0);
                w.u8(v.binding_request.hash_bitmask);
                w.bytes(v.binding_request.nonce);
                count = 1;
            } else if constexpr (std::is_same_v<T, CallConnectNak>) {
                for (const auto& s : v.statuses) put_status_info(w, s);
                count = uint16_t(v.statuses.size());
            } else if constexpr (std::is_same_v<T, CallConnected>) {
                put_attribute_header(w, AttributeId::CryptoBinding, kCryptoBindingLen);
                w.u24(0);
                w.u8(v.binding.hash_protocol);
                w.bytes(v.binding.nonce);
                w.bytes(v.binding.cert_hash);
                w.bytes(v.binding.compound_mac);
                count = 1;
            } else if constexpr (std::is_same_v<T, CallAbort> || std::is_same_v<T, CallDisconnect>) {
                if (v.status) {
                    put_status_info(w, *v.status);
                    count = 1;
                }
            }
        },
        m);
    w.patch_u16(len_at, uint16_t(out.size() - start));
    w.patch_u16(count_at, count);
}

Bytes encode(const Message& m) {
    Bytes out;
    encode(m, out);
    return out;
}

bool encode_data(ByteView ppp_frame, Bytes& out) {
    if (ppp_frame.size() > kMaxPppFrameLen) return false;
    ByteWriter w(out);
    encode_header(w, false, uint16_t(ppp_frame.size() + kHeaderLen));
    w.bytes(ppp_frame);
    return true;
}

}  // namespace ksstp::sstp
