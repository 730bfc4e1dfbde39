// PacketPath: the data-plane interface between a session's tunnel and its network interface.
// The control plane owns the session; the PacketPath moves IP packets and counts what it drops.
// Issue "A working tunnel" ships TunForwarder (one packet per read/write on the TUN fd);
// issue "The fast data plane" replaces it with batched io_uring I/O behind the same interface.
#pragma once

#include <cstdint>
#include <functional>

#include "controlplane/base/bytes.h"

namespace ksstp::dp {

struct PathCounters {
    uint64_t rx_packets = 0, rx_bytes = 0;  // tunnel -> interface
    uint64_t tx_packets = 0, tx_bytes = 0;  // interface -> tunnel
    uint64_t drop_iface_full = 0;           // interface would block: packet dropped
    uint64_t drop_tunnel_refused = 0;       // the session could not take the packet
    uint64_t drop_malformed = 0;            // not an IPv4/IPv6 packet
};

class PacketPath {
public:
    // The packet is mutable so that the owner can rewrite it in place (TCP MSS clamping).
    using IntoTunnel = std::function<bool(uint16_t ppp_protocol, std::span<uint8_t> packet)>;
    virtual ~PacketPath() = default;
    // A packet that came out of the tunnel; `ppp_protocol` is 0x0021 or 0x0057.
    virtual void deliver(uint16_t ppp_protocol, ByteView packet) = 0;
    // Reads up to `budget` packets from the interface into the tunnel; returns how many.
    virtual size_t pump(const IntoTunnel& into_tunnel, size_t budget) = 0;
    virtual const PathCounters& counters() const = 0;
};

}  // namespace ksstp::dp
