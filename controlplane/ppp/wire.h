// PPP wire constants with the RFCs' names: RFC 1661 (PPP, LCP), RFC 1334 (PAP), RFC 1994
// (CHAP), RFC 2433 / RFC 2759 (MS-CHAP v1/v2), RFC 1332 + RFC 1877 (IPCP), RFC 5072 (IPv6CP),
// RFC 1990 (multilink), RFC 1570 (LCP extensions). Spec constants only.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ksstp::ppp {

// RFC 1662 3.1: HDLC-like address and control; always sent over SSTP (reference/sstp.md 5).
inline constexpr uint8_t kAllStations = 0xFF;
inline constexpr uint8_t kUnnumberedInfo = 0x03;

// RFC 1661 2 / IANA PPP DLL protocol numbers.
enum class Protocol : uint16_t {
    Ipv4 = 0x0021,
    VjCompressed = 0x002D,
    VjUncompressed = 0x002F,
    Multilink = 0x003D,
    Ipv6 = 0x0057,
    SingleLinkCompressed = 0x00FB,
    Compressed = 0x00FD,
    Ipcp = 0x8021,
    Ipv6cp = 0x8057,
    SingleLinkCcp = 0x80FB,
    Ccp = 0x80FD,
    Lcp = 0xC021,
    Pap = 0xC023,
    Lqr = 0xC025,
    Cbcp = 0xC029,
    Bacp = 0xC02B,
    Bap = 0xC02D,
    Chap = 0xC223,
    Eap = 0xC227,
};
// reference/sstp.md 5: protocol >= 0x8000 is a control frame for the SSTP gate.
inline constexpr bool is_control_protocol(uint16_t p) { return p >= 0x8000; }

// RFC 1661 5: packet codes shared by LCP and the NCPs (1-7); 8-11 LCP only; 12-13 RFC 1570.
enum class Code : uint8_t {
    ConfigureRequest = 1,
    ConfigureAck = 2,
    ConfigureNak = 3,
    ConfigureReject = 4,
    TerminateRequest = 5,
    TerminateAck = 6,
    CodeReject = 7,
    ProtocolReject = 8,
    EchoRequest = 9,
    EchoReply = 10,
    DiscardRequest = 11,
    Identification = 12,
    TimeRemaining = 13,
};
inline constexpr size_t kCpHeaderLen = 4;  // Code, Identifier, Length(2)

// RFC 1661 6 (and RFC 1570, RFC 1990) LCP configuration options.
enum class LcpOption : uint8_t {
    VendorSpecific = 0,
    Mru = 1,
    Accm = 2,
    AuthProtocol = 3,
    QualityProtocol = 4,
    MagicNumber = 5,
    Pfc = 7,
    Acfc = 8,
    Callback = 13,
    Mrru = 17,
    ShortSequenceNumber = 18,
    EndpointDiscriminator = 19,
    LinkDiscriminator = 23,
};

// RFC 1994 2.2 / RFC 2433 / RFC 2759: CHAP algorithm byte of the Auth-Protocol option.
enum class ChapAlgorithm : uint8_t { Md5 = 0x05, MsChapV1 = 0x80, MsChapV2 = 0x81 };

// RFC 1661 6.1: default MRU; RFC 1661 says every implementation must receive 1500 anyway.
inline constexpr uint16_t kDefaultMru = 1500;
// SSTP packet 4095 - 4 header - FF 03 - 2-byte protocol (reference/sstp.md 9).
inline constexpr uint16_t kMaxMruOverSstp = 4087;

// RFC 1334 2.2 PAP codes; RFC 1994 4 CHAP codes.
enum class PapCode : uint8_t { AuthenticateRequest = 1, AuthenticateAck = 2, AuthenticateNak = 3 };
enum class ChapCode : uint8_t { Challenge = 1, Response = 2, Success = 3, Failure = 4 };

// RFC 1332 / RFC 1877 IPCP options.
enum class IpcpOption : uint8_t {
    IpAddresses = 1,
    IpCompressionProtocol = 2,
    IpAddress = 3,
    PrimaryDns = 129,
    PrimaryNbns = 130,
    SecondaryDns = 131,
    SecondaryNbns = 132,
};

// RFC 5072 4.1 IPv6CP option.
enum class Ipv6cpOption : uint8_t { InterfaceIdentifier = 1 };

}  // namespace ksstp::ppp
