// PPP frame and packet codecs; see packet.h.
#include "controlplane/ppp/packet.h"

namespace ksstp::ppp {

const char* to_string(PacketError e) {
    switch (e) {
        case PacketError::TooShort: return "packet too short";
        case PacketError::BadLength: return "bad Length field";
        case PacketError::BadOptionList: return "malformed option list";
    }
    return "?";
}

Result<Frame, PacketError> decode_frame(ByteView in) {
    ByteReader r(in);
    if (in.size() >= 2 && in[0] == kAllStations && in[1] == kUnnumberedInfo) r.skip(2);
    if (r.remaining() < 1) return fail(PacketError::TooShort);
    Frame f;
    uint8_t first = r.u8();
    if (first & 1) {
        f.protocol = first;  // RFC 1661 6.5: compressed (1-byte) protocol field
    } else {
        if (r.remaining() < 1) return fail(PacketError::TooShort);
        f.protocol = uint16_t(first << 8 | r.u8());
    }
    f.info = r.rest();
    return f;
}

void encode_frame(uint16_t protocol, ByteView info, Bytes& out) {
    ByteWriter w(out);
    w.u8(kAllStations);
    w.u8(kUnnumberedInfo);
    w.u16(protocol);
    w.bytes(info);
}

Result<CpPacket, PacketError> decode_cp(ByteView info) {
    if (info.size() < kCpHeaderLen) return fail(PacketError::TooShort);
    ByteReader r(info);
    CpPacket p;
    p.code = r.u8();
    p.id = r.u8();
    uint16_t len = r.u16();
    // RFC 1661 5: Length below the header is invalid; bytes beyond Length are padding.
    if (len < kCpHeaderLen || len > info.size()) return fail(PacketError::BadLength);
    p.data = info.subspan(kCpHeaderLen, len - kCpHeaderLen);
    return p;
}

void encode_cp_frame(uint16_t protocol, uint8_t code, uint8_t id, ByteView data, Bytes& out) {
    ByteWriter w(out);
    w.u8(kAllStations);
    w.u8(kUnnumberedInfo);
    w.u16(protocol);
    w.u8(code);
    w.u8(id);
    w.u16(uint16_t(kCpHeaderLen + data.size()));
    w.bytes(data);
}

Result<std::vector<Option>, PacketError> decode_options(ByteView data) {
    std::vector<Option> opts;
    ByteReader r(data);
    while (!r.empty()) {
        if (r.remaining() < 2) return fail(PacketError::BadOptionList);
        uint8_t type = r.u8();
        uint8_t len = r.u8();
        if (len < 2 || size_t(len - 2) > r.remaining()) return fail(PacketError::BadOptionList);
        opts.push_back({type, r.bytes(len - 2)});
    }
    return opts;
}

void encode_option(uint8_t type, ByteView value, Bytes& out) {
    out.push_back(type);
    out.push_back(uint8_t(value.size() + 2));
    out.insert(out.end(), value.begin(), value.end());
}

}  // namespace ksstp::ppp
