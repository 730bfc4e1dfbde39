// Userspace GRO; see gro.h.
#include "dataplane/gro.h"

#include <cstring>

namespace ksstp::dp {
namespace {

constexpr uint8_t kTcp = 6;
constexpr uint8_t kAck = 0x10, kPsh = 0x08;

uint16_t be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
uint32_t be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }
void put16(uint8_t* p, uint16_t v) { p[0] = uint8_t(v >> 8), p[1] = uint8_t(v); }

struct Parsed {
    bool v6 = false;
    size_t l3 = 0, l4 = 0, payload = 0;
    uint8_t flags = 0;
    uint32_t seq = 0;
};

// A TCP segment GRO may merge: no IP options or extension headers, not a fragment, ACK (and PSH)
// only, some payload, checksums that verify.
bool mergeable(ByteView p, Parsed& o) {
    if (p.size() < 40) return false;
    if ((p[0] >> 4) == 4) {
        if (p[0] != 0x45 || p[9] != kTcp || be16(&p[2]) != p.size() || (be16(&p[6]) & 0x3FFF)) return false;
        o.l3 = 20;
    } else if ((p[0] >> 4) == 6) {
        if (p.size() < 60 || p[6] != kTcp || size_t(be16(&p[4])) + 40 != p.size()) return false;
        o.v6 = true;
        o.l3 = 40;
    } else {
        return false;
    }
    o.l4 = size_t(p[o.l3 + 12] >> 4) * 4;
    if (o.l4 < 20 || o.l3 + o.l4 >= p.size()) return false;
    o.payload = p.size() - o.l3 - o.l4;
    o.flags = p[o.l3 + 13];
    if ((o.flags & ~kPsh) != kAck) return false;
    o.seq = be32(&p[o.l3 + 4]);
    return checksums_valid(p);
}

// Same flow and the same headers apart from lengths, IPv4 id/checksum, sequence number and PSH.
bool same_headers(ByteView a, ByteView b, const Parsed& pb) {
    if (a.size() < pb.l3 + pb.l4 || (a[0] >> 4) != (b[0] >> 4)) return false;
    if (pb.v6) {
        if (std::memcmp(&a[0], &b[0], 4) != 0 || a[7] != b[7] || std::memcmp(&a[8], &b[8], 32) != 0) return false;
    } else {
        if (a[1] != b[1] || (a[6] & 0x40) != (b[6] & 0x40) || a[8] != b[8] || std::memcmp(&a[12], &b[12], 8) != 0)
            return false;
    }
    const uint8_t* ta = &a[pb.l3];
    const uint8_t* tb = &b[pb.l3];
    return (ta[12] >> 4) == (tb[12] >> 4) && std::memcmp(ta, tb, 4) == 0 &&  // ports, header length
           std::memcmp(ta + 8, tb + 8, 4) == 0 &&                           // ACK number
           std::memcmp(ta + 14, tb + 14, 2) == 0 &&                         // window
           std::memcmp(ta + 20, tb + 20, pb.l4 - 20) == 0;                  // options (timestamps)
}

bool same_flow(ByteView a, ByteView b, bool v6, size_t l3) {
    if (a.size() < l3 + 4 || (a[0] >> 4) != (b[0] >> 4)) return false;
    if (v6) return a[6] == kTcp && std::memcmp(&a[8], &b[8], 32) == 0 && std::memcmp(&a[40], &b[40], 4) == 0;
    const size_t al3 = size_t(a[0] & 0x0F) * 4;
    return a[9] == kTcp && a.size() >= al3 + 4 && std::memcmp(&a[12], &b[12], 8) == 0 &&
           std::memcmp(&a[al3], &b[l3], 4) == 0;
}

}  // namespace

bool GroBatch::try_merge(Item& it, ByteView p, size_t l3, size_t l4) {
    const size_t payload = p.size() - l3 - l4;
    if (it.closed || payload > it.mss || it.ip_size() + payload > kMaxSuper) return false;
    if (be32(&p[l3 + 4]) != it.next_seq) return false;
    it.frame.insert(it.frame.end(), p.begin() + long(l3 + l4), p.end());
    it.next_seq += uint32_t(payload);
    ++it.segments;
    ++stats_.merged;
    const bool psh = p[l3 + 13] & kPsh;
    if (psh) it.frame[VnetHdr::kSize + l3 + 13] |= kPsh;
    if (psh || payload < it.mss) it.closed = true;  // the kernel's GRO ends a train the same way
    return true;
}

void GroBatch::add(ByteView p) {
    // A new batch: keep the buffers of a few items (the flows of a bulk transfer); a burst of
    // many flows does not pin its memory to the session. Not at flush(): its frames stay valid
    // until now (a TunRing writes them after flush() returns).
    if (used_ == 0 && items_.size() > kKeptItems) items_.resize(kKeptItems);
    ++stats_.packets_in;
    Parsed o;
    const bool tcp = mergeable(p, o);
    if (tcp) {
        // The latest item of the same flow decides: merge into it, or start anew after it (never
        // merge past a packet of the flow that could not be merged: order within a flow holds).
        for (size_t i = used_; i-- > 0;) {
            Item& it = items_[i];
            if (!same_flow(it.ip(), p, o.v6, o.l3)) continue;
            if (it.tcp && same_headers(it.ip(), p, o) && try_merge(it, p, o.l3, o.l4)) return;
            break;
        }
    }
    if (used_ == items_.size()) items_.emplace_back();
    Item& n = items_[used_++];
    n.frame.resize(VnetHdr::kSize);
    n.frame.insert(n.frame.end(), p.begin(), p.end());
    n.closed = false;
    n.segments = 1;
    n.tcp = tcp;
    if (tcp) {
        n.l3 = o.l3;
        n.l4 = o.l4;
        n.mss = uint16_t(o.payload);
        n.next_seq = o.seq + uint32_t(o.payload);
        n.closed = o.flags & kPsh;
    }
}

void GroBatch::flush(const std::function<void(std::span<const uint8_t>)>& out) {
    for (size_t i = 0; i < used_; ++i) {
        Item& it = items_[i];
        VnetHdr h;
        if (it.tcp && it.segments > 1) {
            uint8_t* ip = it.frame.data() + VnetHdr::kSize;
            const bool v6 = (ip[0] >> 4) == 6;
            const size_t l4_len = it.ip_size() - it.l3;
            uint32_t pseudo;
            if (v6) {
                put16(ip + 4, uint16_t(l4_len));
                pseudo = csum_add(0, ByteView(ip + 8, 32)) + uint32_t(l4_len >> 16) + uint32_t(l4_len & 0xFFFF) + kTcp;
            } else {
                put16(ip + 2, uint16_t(it.ip_size()));
                put16(ip + 10, 0);
                put16(ip + 10, uint16_t(~csum_fold(csum_add(0, ByteView(ip, it.l3)))));
                pseudo = csum_add(0, ByteView(ip + 12, 8)) + uint32_t(l4_len) + kTcp;
            }
            // CHECKSUM_PARTIAL: the pseudo-header sum in the field, the rest for whoever segments.
            put16(ip + it.l3 + 16, csum_fold(pseudo));
            h.flags = VnetHdr::kNeedsCsum;
            h.gso_type = v6 ? VnetHdr::kGsoTcpv6 : VnetHdr::kGsoTcpv4;
            h.hdr_len = uint16_t(it.l3 + it.l4);
            h.gso_size = it.mss;
            h.csum_start = uint16_t(it.l3);
            h.csum_offset = 16;
        }
        write_vnet_hdr(h, it.frame.data());
        ++stats_.packets_out;
        out(it.frame);
    }
    used_ = 0;
}

}  // namespace ksstp::dp
