// Userspace GRO (issue 5 item 2): the packets one TLS read yields from the tunnel are written to a
// TUN with IFF_VNET_HDR as few large packets instead of many small ones: consecutive TCP segments
// of one flow become one super-packet with a virtio header (GSO TCPv4/TCPv6, gso_size = the
// segments' payload size), which the kernel takes in one write and segments again only if it must.
// Merge rules follow what the kernel's own GRO accepts (net/ipv4/tcp_offload.c): same addresses,
// ports, TOS/traffic class, TTL/hop limit and DF; no IP options or IPv6 extension headers; sequence
// numbers contiguous; same ACK number, window and TCP options (timestamps included); flags ACK
// only (PSH may end a super-packet); every segment full-sized except the last; at most 64 KB.
// Anything else passes through as it is, in order, each with a plain virtio header. Checksums of
// the merged segments must verify (a bad one is left alone for the kernel to drop); the output
// carries NEEDS_CSUM with the pseudo-header sum, as the kernel expects from a TUN writer.
//
// Pure: packets in (in tunnel order), framed packets out through a callback.
// Used by dataplane/offload_tun_path.h.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "controlplane/base/bytes.h"
#include "dataplane/gso.h"

namespace ksstp::dp {

struct GroStats {
    uint64_t packets_in = 0, packets_out = 0, merged = 0;
};

class GroBatch {
public:
    static constexpr size_t kMaxSuper = 65535;
    // One IP packet from the tunnel. Packets are kept in order.
    void add(ByteView ip_packet);
    // Hands every resulting packet to `out` as virtio header + IP packet, in order, and empties
    // the batch. The spans stay valid until the next add().
    void flush(const std::function<void(std::span<const uint8_t>)>& out);
    const GroStats& stats() const { return stats_; }

private:
    struct Item {
        Bytes frame;         // virtio header room + IP packet (merged payloads appended)
        ByteView ip() const { return ByteView(frame).subspan(VnetHdr::kSize); }
        size_t ip_size() const { return frame.size() - VnetHdr::kSize; }
        bool tcp = false;    // a candidate for merging
        bool closed = false; // a short segment or PSH ended it
        size_t l3 = 0, l4 = 0;
        uint16_t mss = 0;    // payload size of its first segment
        uint32_t next_seq = 0;
        uint32_t segments = 1;
    };
    bool try_merge(Item& it, ByteView p, size_t l3, size_t l4);
    // Items are reused from batch to batch (their buffers keep their capacity): a busy session
    // merges without allocating. Only the first used_ are this batch's.
    static constexpr size_t kKeptItems = 4;
    std::vector<Item> items_;
    size_t used_ = 0;
    GroStats stats_;
};

}  // namespace ksstp::dp
