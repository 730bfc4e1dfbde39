// SSTP codec: byte templates of reference/sstp.md 6.7, round trips for every message, and each
// malformed input mapped to its protocol action.
#include "controlplane/sstp/codec.h"

#include <gtest/gtest.h>

namespace ksstp::sstp {
namespace {

Message decode_ok(const Bytes& b) {
    auto cp = decode_control(b);
    EXPECT_TRUE(cp.has_value()) << (cp ? "" : to_string(cp.error()));
    auto m = parse_message(*cp);
    EXPECT_TRUE(m.has_value());
    return *m;
}

TEST(SstpCodec, EncodesTheSpecByteTemplates) {
    EXPECT_EQ(to_hex(encode(CallConnectRequest{}), true), "1001000E00010001000100060001");
    EXPECT_EQ(to_hex(encode(CallDisconnect{StatusInfo::make(AttributeId::NoError, Status::NoError)}), true),
              "10010014000600010002000C0000000000000000");
    EXPECT_EQ(to_hex(encode(CallDisconnectAck{}), true), "1001000800070000");
    EXPECT_EQ(to_hex(encode(EchoRequest{}), true), "1001000800080000");
    EXPECT_EQ(to_hex(encode(EchoResponse{}), true), "1001000800090000");
    EXPECT_EQ(to_hex(encode(CallAbort{StatusInfo::make(AttributeId::CryptoBinding, Status::ValueNotSupported)}), true),
              "10010014000500010002000C0000000300000004");
}

TEST(SstpCodec, DecodesThePublishedConnectRequest) {
    auto m = decode_ok(hex_bytes("1001000E00010001000100060001"));
    ASSERT_TRUE(std::holds_alternative<CallConnectRequest>(m));
    EXPECT_EQ(std::get<CallConnectRequest>(m).protocol_id, kEncapsulatedProtocolPpp);
}

TEST(SstpCodec, RoundTripsEveryMessage) {
    CryptoBindingRequest req{0x03, {}};
    for (size_t i = 0; i < req.nonce.size(); ++i) req.nonce[i] = uint8_t(i * 7);
    CryptoBinding cb{0x02, req.nonce, {}, {}};
    cb.cert_hash.fill(0xAB);
    cb.compound_mac.fill(0xCD);
    const Message msgs[] = {
        CallConnectRequest{},
        CallConnectAck{req},
        CallConnectNak{{StatusInfo::make(AttributeId::EncapsulatedProtocolId, Status::ValueNotSupported, Bytes{0, 2}),
                        StatusInfo::make(AttributeId(9), Status::UnrecognizedAttribute)}},
        CallConnected{cb},
        CallAbort{StatusInfo::make(AttributeId::NoError, Status::NegotiationTimeout)},
        CallAbort{std::nullopt},
        CallDisconnect{StatusInfo::make(AttributeId::NoError, Status::NoError)},
        CallDisconnect{std::nullopt},
        CallDisconnectAck{},
        EchoRequest{},
        EchoResponse{},
    };
    for (const Message& m : msgs) {
        Bytes b = encode(m);
        auto h = decode_header(b);
        ASSERT_TRUE(h.has_value());
        EXPECT_TRUE(h->control);
        EXPECT_EQ(h->length, b.size());
        EXPECT_EQ(decode_ok(b), m) << to_string(type_of(m));
    }
    EXPECT_EQ(encode(CallConnectAck{req}).size(), kCallConnectAckLen);
    EXPECT_EQ(encode(CallConnected{cb}).size(), kCallConnectedLen);
    EXPECT_EQ(encode(CallConnectRequest{}).size(), kCallConnectRequestLen);
}

TEST(SstpCodec, DataPacketCarriesOnePppFrame) {
    Bytes out;
    ASSERT_TRUE(encode_data(hex_bytes("FF03C02101010004"), out));
    EXPECT_EQ(to_hex(out, true), "1000000CFF03C02101010004");
    Bytes big(kMaxPppFrameLen + 1);
    EXPECT_FALSE(encode_data(big, out));
}

TEST(SstpCodec, HeaderIgnoresReservedBitsAndMasksLength) {
    auto h = decode_header(hex_bytes("10FF F00C"));
    ASSERT_TRUE(h.has_value());
    EXPECT_TRUE(h->control);
    EXPECT_EQ(h->length, 12);
}

TEST(SstpCodec, DelineationErrorsCloseSilently) {
    EXPECT_EQ(decode_header(hex_bytes("11000008")).error(), DecodeError::BadVersion);
    EXPECT_EQ(decode_header(hex_bytes("10000003")).error(), DecodeError::BadLength);
    EXPECT_EQ(decode_header(hex_bytes("1000")).error(), DecodeError::Truncated);
    EXPECT_EQ(action_for(DecodeError::BadVersion).action, ProtocolAction::CloseSilently);
    EXPECT_EQ(action_for(DecodeError::BadLength).action, ProtocolAction::CloseSilently);
}

TEST(SstpCodec, StructuralErrorsAbortWithInvalidFrame) {
    struct Case { const char* hex; DecodeError err; };
    const Case cases[] = {
        {"10010006 0001", DecodeError::ControlTooShort},
        {"10010008 000A0000", DecodeError::UnknownMessageType},
        {"10010008 00000000", DecodeError::UnknownMessageType},
        {"1001000E 00010001 00010003 0001", DecodeError::AttributeTooShort},
        {"1001000E 00010001 00010010 0001", DecodeError::AttributeOverrun},
        {"1001000E 00010002 00010006 0001", DecodeError::AttributeCountMismatch},
        {"1001000A 00010000 0001", DecodeError::AttributeTooShort},
    };
    for (const auto& c : cases) {
        Bytes pkt = hex_bytes(c.hex);
        auto r = decode_control(pkt);
        ASSERT_FALSE(r.has_value()) << c.hex;
        EXPECT_EQ(r.error(), c.err) << c.hex;
        EXPECT_EQ(action_for(c.err).action, ProtocolAction::Abort);
        EXPECT_EQ(action_for(c.err).status, Status::InvalidFrameReceived);
    }
}

TEST(SstpCodec, MessageErrorsCarryTheStatusToSend) {
    // CALL_CONNECTED whose Crypto Binding is 4 bytes short.
    Bytes b = hex_bytes("1001006C 00040001 00030064");
    b.resize(0x6C, 0);
    auto cp = decode_control(b);
    ASSERT_TRUE(cp.has_value());
    auto m = parse_message(*cp);
    ASSERT_FALSE(m.has_value());
    EXPECT_EQ(m.error().status, Status::InvalidAttribValueLength);
    EXPECT_EQ(m.error().attrib_id, AttributeId::CryptoBinding);
    // CALL_CONNECT_ACK carrying a Status Info instead of the Crypto Binding Request.
    Bytes b2 = hex_bytes("10010014 00020001 0002000C 00000000 00000000");
    auto cp2 = decode_control(b2);
    ASSERT_TRUE(cp2.has_value());
    auto m2 = parse_message(*cp2);
    ASSERT_FALSE(m2.has_value());
    EXPECT_EQ(m2.error().status, Status::AttribNotSupportedInMsg);
}

TEST(SstpCodec, ConnectRequestProblemsAreListedForTheNak) {
    struct Case { const char* hex; AttributeId id; Status st; };
    const Case cases[] = {
        {"1001000E 00010001 00010006 0002", AttributeId::EncapsulatedProtocolId, Status::ValueNotSupported},
        {"10010008 00010000", AttributeId::EncapsulatedProtocolId, Status::RequiredAttributeMissing},
        {"10010014 00010002 00010006 0001 00010006 0001", AttributeId::EncapsulatedProtocolId, Status::DuplicateAttribute},
        {"10010012 00010002 00010006 0001 00090004", AttributeId(9), Status::UnrecognizedAttribute},
        {"10010010 00010001 00010008 00010000", AttributeId::EncapsulatedProtocolId, Status::InvalidAttribValueLength},
        {"1001001A 00010002 00010006 0001 0002000C 00000000 00000007", AttributeId::StatusInfo, Status::StatusInfoNotSupportedInMsg},
    };
    for (const auto& c : cases) {
        Bytes pkt = hex_bytes(c.hex);
        auto cp = decode_control(pkt);
        ASSERT_TRUE(cp.has_value()) << c.hex;
        auto problems = check_connect_request(*cp);
        ASSERT_EQ(problems.size(), 1u) << c.hex;
        EXPECT_EQ(problems[0].attrib_id, c.id) << c.hex;
        EXPECT_EQ(problems[0].status, c.st) << c.hex;
    }
    // The NAK for a wrong protocol echoes the proposed value (2.2.8 AttribValue).
    Bytes wrong = hex_bytes("1001000E 00010001 00010006 0002");
    auto cp = decode_control(wrong);
    EXPECT_EQ(check_connect_request(*cp)[0].value, (Bytes{0x00, 0x02}));
}

TEST(SstpCodec, ConnectRequestMayCarryAZeroStatusInfoBeforeTheProtocol) {
    // Found by sstp_codec_fuzz: the protocol must be taken from its attribute, not the first one.
    Bytes b = hex_bytes("1001001c 00010002 0002000e 06000100 00000000 0400 00010006 0001");
    auto cp = decode_control(b);
    ASSERT_TRUE(cp.has_value());
    EXPECT_TRUE(check_connect_request(*cp).empty());
    auto m = parse_message(*cp);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(std::get<CallConnectRequest>(*m).protocol_id, kEncapsulatedProtocolPpp);
}

TEST(SstpCodec, AcceptsAbortAndDisconnectWithoutStatusInfo) {
    // SoftEther sends both without attributes (interop C5).
    auto m = decode_ok(hex_bytes("1001000800050000"));
    EXPECT_FALSE(std::get<CallAbort>(m).status.has_value());
    auto d = decode_ok(hex_bytes("1001000800060000"));
    EXPECT_FALSE(std::get<CallDisconnect>(d).status.has_value());
}

TEST(SstpCodec, StatusInfoValueIsCappedAt64Bytes) {
    Bytes v(100, 0x5A);
    Bytes b = encode(CallConnectNak{{StatusInfo::make(AttributeId::EncapsulatedProtocolId, Status::ValueNotSupported, v)}});
    auto m = decode_ok(b);
    EXPECT_EQ(std::get<CallConnectNak>(m).statuses[0].value.size(), kStatusInfoMaxValueLen);
}

}  // namespace
}  // namespace ksstp::sstp
