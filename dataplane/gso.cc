// Userspace GSO; see gso.h.
#include "dataplane/gso.h"

#include <bit>
#include <cstring>
#include <vector>

namespace ksstp::dp {
namespace {

constexpr uint8_t kTcp = 6, kUdp = 17;
constexpr size_t kMaxIn = 65535 + 40;  // an IPv6 payload of 64 KB plus its fixed header

uint16_t be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
uint32_t be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }
void put16(uint8_t* p, uint16_t v) { p[0] = uint8_t(v >> 8), p[1] = uint8_t(v); }
void put32(uint8_t* p, uint32_t v) { put16(p, uint16_t(v >> 16)), put16(p + 2, uint16_t(v)); }

// What the transport checksum covers besides the segment: RFC 793/768 (IPv4), RFC 8200 8.1 (IPv6).
uint32_t pseudo_header(const uint8_t* ip, bool v6, uint8_t proto, size_t l4_len) {
    uint32_t s = 0;
    if (v6) {
        s = csum_add(s, ByteView(ip + 8, 32));
        s += uint32_t(l4_len >> 16) + uint32_t(l4_len & 0xFFFF);
    } else {
        s = csum_add(s, ByteView(ip + 12, 8));
        s += uint32_t(l4_len);
    }
    return s + proto;
}

struct Layout {
    bool v6 = false;
    size_t l3 = 0;       // IP header length
    uint8_t proto = 0;   // transport protocol right after it (0: something else)
};

Result<Layout, GsoError> layout_of(ByteView p) {
    Layout l;
    if (p.size() < 20 || p.size() > kMaxIn) return Unexpected(GsoError::BadPacket);
    if ((p[0] >> 4) == 4) {
        l.l3 = size_t(p[0] & 0x0F) * 4;
        if (l.l3 < 20 || l.l3 > p.size() || be16(&p[2]) != p.size()) return Unexpected(GsoError::BadPacket);
        if (be16(&p[6]) & 0x3FFF) return Unexpected(GsoError::BadPacket);  // a fragment (MF or offset)
        l.proto = p[9];
    } else if ((p[0] >> 4) == 6) {
        l.v6 = true;
        l.l3 = 40;
        if (p.size() < 40 || size_t(be16(&p[4])) + 40 != p.size()) return Unexpected(GsoError::BadPacket);
        l.proto = p[6];  // extension headers: not something we ask the kernel to segment
    } else {
        return Unexpected(GsoError::BadPacket);
    }
    return l;
}

// Writes the whole checksum of the transport segment at `l4` (of `l4_len` bytes).
void fill_l4_checksum(uint8_t* ip, const Layout& l, size_t l4_len) {
    uint8_t* l4 = ip + l.l3;
    uint8_t* field = l4 + (l.proto == kTcp ? 16 : 6);
    put16(field, 0);
    uint16_t c = uint16_t(~csum_fold(csum_add(pseudo_header(ip, l.v6, l.proto, l4_len), ByteView(l4, l4_len))));
    if (l.proto == kUdp && c == 0) c = 0xFFFF;  // RFC 768: 0 means "no checksum"
    put16(field, c);
}

void fill_ipv4_checksum(uint8_t* ip, size_t l3) {
    put16(ip + 10, 0);
    put16(ip + 10, uint16_t(~csum_fold(csum_add(0, ByteView(ip, l3)))));
}

}  // namespace

const char* to_string(GsoError e) {
    switch (e) {
        case GsoError::ShortHeader: return "virtio header too short";
        case GsoError::BadPacket: return "packet does not match its virtio header";
        case GsoError::BadChecksumSpec: return "checksum offsets outside the packet";
        case GsoError::UnsupportedGso: return "unsupported GSO type";
        case GsoError::BadGsoSize: return "bad GSO segment size";
    }
    return "?";
}

// Eight bytes at a time in the host's byte order, then swapped: the one's-complement sum does not
// depend on byte order except for that final swap (RFC 1071 2(B)). It runs over every byte GSO
// writes and GRO merges, so it is worth the few lines.
uint32_t csum_add(uint32_t sum, ByteView d) {
    uint64_t s = 0;
    size_t i = 0;
    for (; i + 8 <= d.size(); i += 8) {
        uint64_t w;
        std::memcpy(&w, d.data() + i, 8);
        s += (w & 0xFFFFFFFF) + (w >> 32);  // never overflows: < 2^33 per step, < 2^13 steps
    }
    while (s >> 16) s = (s & 0xFFFF) + (s >> 16);
    if constexpr (std::endian::native == std::endian::little) s = ((s & 0xFF) << 8) | (s >> 8);
    uint64_t t = uint64_t(sum) + s;
    for (; i + 1 < d.size(); i += 2) t += uint32_t(d[i] << 8 | d[i + 1]);
    if (i < d.size()) t += uint32_t(d[i] << 8);
    while (t >> 32) t = (t & 0xFFFFFFFF) + (t >> 32);
    return uint32_t(t);
}

uint16_t csum_fold(uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    return uint16_t(sum);
}

bool checksums_valid(ByteView p) {
    auto lay = layout_of(p);
    if (!lay) return false;
    const Layout l = *lay;
    if (!l.v6 && csum_fold(csum_add(0, p.first(l.l3))) != 0xFFFF) return false;
    if (l.proto != kTcp && l.proto != kUdp) return true;
    const size_t l4_len = p.size() - l.l3;
    if (l4_len < (l.proto == kTcp ? 20u : 8u)) return false;
    if (l.proto == kUdp && be16(&p[l.l3 + 6]) == 0) return true;
    return csum_fold(csum_add(pseudo_header(p.data(), l.v6, l.proto, l4_len), p.subspan(l.l3))) == 0xFFFF;
}

Result<VnetHdr, GsoError> parse_vnet_hdr(ByteView in) {
    if (in.size() < VnetHdr::kSize) return Unexpected(GsoError::ShortHeader);
    VnetHdr h;
    h.flags = in[0];
    h.gso_type = in[1];
    std::memcpy(&h.hdr_len, &in[2], 2);
    std::memcpy(&h.gso_size, &in[4], 2);
    std::memcpy(&h.csum_start, &in[6], 2);
    std::memcpy(&h.csum_offset, &in[8], 2);
    return h;
}

void write_vnet_hdr(const VnetHdr& h, uint8_t out[VnetHdr::kSize]) {
    out[0] = h.flags;
    out[1] = h.gso_type;
    std::memcpy(out + 2, &h.hdr_len, 2);
    std::memcpy(out + 4, &h.gso_size, 2);
    std::memcpy(out + 6, &h.csum_start, 2);
    std::memcpy(out + 8, &h.csum_offset, 2);
}

Result<size_t, GsoError> gso_segment(const VnetHdr& h, std::span<uint8_t> packet,
                                     const std::function<void(std::span<uint8_t>)>& out) {
    auto lay = layout_of(packet);
    if (!lay) return Unexpected(lay.error());
    const Layout l = *lay;
    const uint8_t type = uint8_t(h.gso_type & ~VnetHdr::kGsoEcn);
    std::vector<uint8_t> buf;

    if (type == VnetHdr::kGsoNone) {
        if (!(h.flags & VnetHdr::kNeedsCsum)) {
            out(packet);
            return size_t(1);
        }
        // The field holds the pseudo-header sum; the sum over [csum_start, end) completes it.
        const size_t start = h.csum_start, field = size_t(h.csum_start) + h.csum_offset;
        if (start < l.l3 || field + 2 > packet.size()) return Unexpected(GsoError::BadChecksumSpec);
        uint16_t c = uint16_t(~csum_fold(csum_add(0, ByteView(packet).subspan(start))));
        if (l.proto == kUdp && c == 0) c = 0xFFFF;
        put16(&packet[field], c);
        out(packet);
        return size_t(1);
    }

    const bool tcp = type == VnetHdr::kGsoTcpv4 || type == VnetHdr::kGsoTcpv6;
    if (!tcp && type != VnetHdr::kGsoUdpL4) return Unexpected(GsoError::UnsupportedGso);
    if ((type == VnetHdr::kGsoTcpv4 && l.v6) || (type == VnetHdr::kGsoTcpv6 && !l.v6))
        return Unexpected(GsoError::BadPacket);
    if (l.proto != (tcp ? kTcp : kUdp)) return Unexpected(GsoError::BadPacket);
    size_t l4_hdr = 8;
    if (tcp) {
        if (packet.size() < l.l3 + 20) return Unexpected(GsoError::BadPacket);
        l4_hdr = size_t(packet[l.l3 + 12] >> 4) * 4;
        if (l4_hdr < 20) return Unexpected(GsoError::BadPacket);
    }
    const size_t hdrs = l.l3 + l4_hdr;
    if (hdrs > packet.size()) return Unexpected(GsoError::BadPacket);
    const size_t mss = h.gso_size, payload = packet.size() - hdrs;
    if (mss == 0 || hdrs + mss > 65535) return Unexpected(GsoError::BadGsoSize);
    const size_t segments = payload == 0 ? 1 : (payload + mss - 1) / mss;
    if (segments > kMaxSegments) return Unexpected(GsoError::BadGsoSize);

    const uint8_t* ip0 = packet.data();
    const uint32_t seq0 = tcp ? be32(ip0 + l.l3 + 4) : 0;
    const uint16_t id0 = l.v6 ? 0 : be16(ip0 + 4);
    const uint8_t tcp_flags = tcp ? ip0[l.l3 + 13] : 0;
    buf.resize(hdrs + std::min(mss, payload));
    for (size_t i = 0; i < segments; ++i) {
        const size_t off = i * mss, len = std::min(mss, payload - std::min(off, payload));
        buf.resize(hdrs + len);
        std::memcpy(buf.data(), ip0, hdrs);
        std::memcpy(buf.data() + hdrs, ip0 + hdrs + off, len);
        uint8_t* ip = buf.data();
        uint8_t* l4 = ip + l.l3;
        const bool first = i == 0, last = i + 1 == segments;
        if (l.v6) {
            put16(ip + 4, uint16_t(hdrs - 40 + len));
        } else {
            put16(ip + 2, uint16_t(hdrs + len));
            put16(ip + 4, uint16_t(id0 + i));
            fill_ipv4_checksum(ip, l.l3);
        }
        if (tcp) {
            put32(l4 + 4, seq0 + uint32_t(off));
            uint8_t f = tcp_flags;
            if (!last) f &= uint8_t(~0x09);  // FIN and PSH belong to the last segment
            if (!first) f &= uint8_t(~0x80);  // CWR to the first
            l4[13] = f;
        } else {
            put16(l4 + 4, uint16_t(8 + len));
        }
        fill_l4_checksum(ip, l, l4_hdr + len);
        out(buf);
    }
    return segments;
}

}  // namespace ksstp::dp
