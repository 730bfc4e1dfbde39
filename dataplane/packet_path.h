// PacketPath: the data-plane interface between a session's tunnel and its network interface.
// The control plane owns the session; the PacketPath moves IP packets and counts what it drops.
// TunForwarder: one packet per read/write on a plain TUN fd; OffloadTunPath: a TUN with virtio
// headers, TSO/USO super-packets in and GRO super-packets out.
#pragma once

#include <cstdint>
#include <functional>

#include "controlplane/base/bytes.h"

namespace ksstp::dp {

class TunRing;

struct PathCounters {
    uint64_t rx_packets = 0, rx_bytes = 0;  // tunnel -> interface
    uint64_t tx_packets = 0, tx_bytes = 0;  // interface -> tunnel
    uint64_t drop_iface_full = 0;           // interface would block: packet dropped
    uint64_t drop_tunnel_refused = 0;       // the session could not take the packet
    uint64_t drop_malformed = 0;            // not an IPv4/IPv6 packet (or a virtio header that lies)
    // Batching (issue 5 item 5): system calls on the interface, and what offloads did. Average
    // batch sizes are tx_packets / tun_reads and rx_packets / tun_writes.
    uint64_t tun_reads = 0, tun_writes = 0;
    uint64_t gso_super = 0;   // super-packets read (TSO/USO), cut into gso_segments packets
    uint64_t gso_segments = 0;
    uint64_t gro_merged = 0;  // tunnel packets that went into a super-packet with others

    PathCounters& operator+=(const PathCounters& o) {
        rx_packets += o.rx_packets, rx_bytes += o.rx_bytes, tx_packets += o.tx_packets, tx_bytes += o.tx_bytes;
        drop_iface_full += o.drop_iface_full, drop_tunnel_refused += o.drop_tunnel_refused;
        drop_malformed += o.drop_malformed, tun_reads += o.tun_reads, tun_writes += o.tun_writes;
        gso_super += o.gso_super, gso_segments += o.gso_segments, gro_merged += o.gro_merged;
        return *this;
    }
};

class PacketPath {
public:
    // The packet is mutable so that the owner can rewrite it in place (TCP MSS clamping).
    using IntoTunnel = std::function<bool(uint16_t ppp_protocol, std::span<uint8_t> packet)>;
    virtual ~PacketPath() = default;
    // A packet that came out of the tunnel; `ppp_protocol` is 0x0021 or 0x0057.
    virtual void deliver(uint16_t ppp_protocol, ByteView packet) = 0;
    // Reads from the interface into the tunnel until at least `budget` packets went (a
    // super-packet is finished) or nothing is left; returns how many packets.
    virtual size_t pump(const IntoTunnel& into_tunnel, size_t budget) = 0;
    // The end of a batch of deliver() calls: what a path holds back to coalesce goes out now.
    virtual void flush() {}
    // While its session is on a data-plane worker: that worker's io_uring, through which reads
    // and writes go in batches (dataplane/tun_ring.h); nullptr: plain system calls. Only
    // between batches: flush() leaves nothing of this path queued in the ring.
    virtual void use_ring(TunRing*) {}
    virtual const PathCounters& counters() const = 0;
};

}  // namespace ksstp::dp
