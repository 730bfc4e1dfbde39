// IP packets for the data-plane tests (GSO, GRO, the TUN paths): documentation addresses only
// (198.18.0.0/15, 2001:db8::/32), checksums as the kernel leaves or expects them.
#pragma once

#include "controlplane/base/bytes.h"
#include "dataplane/gso.h"

namespace ksstp::dp::test {

// What the kernel hands over: headers, a payload, and with NEEDS_CSUM the pseudo-header sum in the
// transport checksum field (not complemented).
inline Bytes super_packet(bool v6, uint8_t proto, size_t payload, uint8_t tcp_flags = 0x18) {
    const size_t l3 = v6 ? 40 : 20, l4 = proto == 6 ? 32 : 8;  // TCP with 12 bytes of options
    Bytes p(l3 + l4 + payload, 0);
    if (v6) {
        p[0] = 0x60;
        p[4] = uint8_t((l4 + payload) >> 8), p[5] = uint8_t(l4 + payload);
        p[6] = proto, p[7] = 64;
        p[8] = 0x20, p[9] = 0x01, p[10] = 0x0d, p[11] = 0xb8, p[23] = 1;   // 2001:db8::1
        p[24] = 0x20, p[25] = 0x01, p[26] = 0x0d, p[27] = 0xb8, p[39] = 2;  // 2001:db8::2
    } else {
        p[0] = 0x45;
        p[2] = uint8_t(p.size() >> 8), p[3] = uint8_t(p.size());
        p[4] = 0x12, p[5] = 0x34;
        p[6] = 0x40;  // DF
        p[8] = 64, p[9] = proto;
        p[12] = 198, p[13] = 19, p[14] = 0, p[15] = 10;
        p[16] = 198, p[17] = 18, p[18] = 0, p[19] = 1;
    }
    uint8_t* t = p.data() + l3;
    t[0] = 0x9c, t[1] = 0x40, t[2] = 0x14, t[3] = 0x51;  // ports 40000 -> 5201
    if (proto == 6) {
        t[4] = 0xfe, t[5] = 0xff, t[6] = 0xff, t[7] = 0x00;  // a sequence number about to wrap
        t[12] = 0x80;                                        // doff 8 (32 bytes)
        t[13] = tcp_flags;
        t[20] = 1, t[21] = 1, t[22] = 8, t[23] = 10;          // NOP NOP timestamp
    } else {
        t[4] = uint8_t((l4 + payload) >> 8), t[5] = uint8_t(l4 + payload);
    }
    for (size_t i = 0; i < payload; ++i) p[l3 + l4 + i] = uint8_t(i * 7 + i / 251);
    if (!v6) {
        uint16_t c = uint16_t(~csum_fold(csum_add(0, ByteView(p).first(20))));
        p[10] = uint8_t(c >> 8), p[11] = uint8_t(c);
    }
    // Pseudo-header partial sum, as the kernel leaves it for CHECKSUM_PARTIAL.
    uint32_t s = v6 ? csum_add(0, ByteView(p).subspan(8, 32)) : csum_add(0, ByteView(p).subspan(12, 8));
    s += uint32_t(l4 + payload) + proto;
    uint16_t partial = csum_fold(s);
    size_t field = l3 + (proto == 6 ? 16 : 6);
    p[field] = uint8_t(partial >> 8), p[field + 1] = uint8_t(partial);
    return p;
}

inline VnetHdr gso(uint8_t type, uint16_t mss, bool v6, uint8_t proto) {
    VnetHdr h;
    h.flags = VnetHdr::kNeedsCsum;
    h.gso_type = type;
    h.gso_size = mss;
    h.csum_start = uint16_t(v6 ? 40 : 20);
    h.csum_offset = uint16_t(proto == 6 ? 16 : 6);
    h.hdr_len = uint16_t((v6 ? 40 : 20) + (proto == 6 ? 32 : 8));
    return h;
}

// An IPv6 TCP segment 2001:db8::1:40000 -> 2001:db8::2:port with a timestamp option and a valid
// checksum.
inline Bytes seg6(uint32_t seq, size_t payload, uint8_t flags = 0x10, uint16_t port = 5201, uint32_t ack = 77) {
    Bytes p(40 + 32 + payload, 0);
    p[0] = 0x60;
    p[4] = uint8_t((32 + payload) >> 8), p[5] = uint8_t(32 + payload);
    p[6] = 6, p[7] = 64;
    p[8] = 0x20, p[9] = 0x01, p[10] = 0x0d, p[11] = 0xb8, p[23] = 1;
    p[24] = 0x20, p[25] = 0x01, p[26] = 0x0d, p[27] = 0xb8, p[39] = 2;
    uint8_t* t = p.data() + 40;
    t[0] = 0x9c, t[1] = 0x40, t[2] = uint8_t(port >> 8), t[3] = uint8_t(port);
    t[4] = uint8_t(seq >> 24), t[5] = uint8_t(seq >> 16), t[6] = uint8_t(seq >> 8), t[7] = uint8_t(seq);
    t[8] = uint8_t(ack >> 24), t[9] = uint8_t(ack >> 16), t[10] = uint8_t(ack >> 8), t[11] = uint8_t(ack);
    t[12] = 0x80, t[13] = flags, t[14] = 0x01, t[15] = 0x00;
    t[20] = 1, t[21] = 1, t[22] = 8, t[23] = 10, t[27] = 5;  // timestamp 5
    for (size_t i = 0; i < payload; ++i) p[72 + i] = uint8_t(seq + i);
    uint32_t s = csum_add(0, ByteView(p).subspan(8, 32)) + uint32_t(32 + payload) + 6;
    uint16_t c = uint16_t(~csum_fold(csum_add(s, ByteView(p).subspan(40))));
    t[16] = uint8_t(c >> 8), t[17] = uint8_t(c);
    return p;
}

}  // namespace ksstp::dp::test
