// PPP frame and control-protocol packet codecs (RFC 1661 2, 5, 6). Pure.
//
// Receiving is lenient where peers are known to differ (reference/ppp.md 1): the FF 03 address
// and control bytes may be missing, the protocol may be one byte (odd first byte), and bytes
// beyond a packet's Length are padding. Sending is strict: always FF 03 and a 2-byte protocol.
#pragma once

#include <optional>
#include <vector>

#include "controlplane/base/bytes.h"
#include "controlplane/base/result.h"
#include "controlplane/ppp/wire.h"

namespace ksstp::ppp {

enum class PacketError : uint8_t {
    TooShort,        // fewer bytes than a header
    BadLength,       // Length field smaller than the header or larger than the frame
    BadOptionList,   // an option's length is < 2 or runs past the packet (RFC 1661 6)
};
const char* to_string(PacketError e);

struct Frame {
    uint16_t protocol = 0;
    ByteView info;  // information field: views into the input
};
Result<Frame, PacketError> decode_frame(ByteView in);
// The decoders return views into their input; temporaries would leave them dangling.
Result<Frame, PacketError> decode_frame(Bytes&&) = delete;
void encode_frame(uint16_t protocol, ByteView info, Bytes& out);

// LCP/NCP/PAP/CHAP share this header: Code, Identifier, Length, data.
struct CpPacket {
    uint8_t code = 0;
    uint8_t id = 0;
    ByteView data;  // exactly Length - 4 bytes; trailing padding dropped
};
Result<CpPacket, PacketError> decode_cp(ByteView info);
Result<CpPacket, PacketError> decode_cp(Bytes&&) = delete;
// Appends a whole PPP frame (FF 03, protocol, header, data) to `out`.
void encode_cp_frame(uint16_t protocol, uint8_t code, uint8_t id, ByteView data, Bytes& out);

struct Option {
    uint8_t type = 0;
    ByteView value;  // after Type and Length
};
// Exact fit: the options must cover `data` completely.
Result<std::vector<Option>, PacketError> decode_options(ByteView data);
Result<std::vector<Option>, PacketError> decode_options(Bytes&&) = delete;
void encode_option(uint8_t type, ByteView value, Bytes& out);

}  // namespace ksstp::ppp
