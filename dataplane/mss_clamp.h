// TCP MSS clamping (MikroTik `change-tcp-mss`, RFC 6691): lowers the MSS option of TCP SYN
// segments crossing the tunnel so that neither end sends segments the tunnel cannot carry
// without fragmentation. Pure and in place; the TCP checksum is updated incrementally
// (RFC 1624 eq. 3). IPv4 (not fragmented) and IPv6 (TCP directly after the fixed header).
// Anything it cannot parse is left untouched.
#pragma once

#include <cstdint>
#include <span>

namespace ksstp::dp {

// `mtu`: the IP MTU of the direction the *receiver of the SYN* will send in; the MSS becomes at
// most mtu - 40 (IPv4) or mtu - 60 (IPv6). Returns true if the packet was changed.
bool clamp_tcp_mss(std::span<uint8_t> ip_packet, uint16_t mtu);

}  // namespace ksstp::dp
