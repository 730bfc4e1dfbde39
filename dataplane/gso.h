// Userspace GSO (issue 5 item 2): with IFF_VNET_HDR and TUNSETOFFLOAD(TSO4/TSO6/USO) the kernel
// hands the TUN reader one large TCP (or UDP) "super-packet" of up to 64 KB plus a virtio_net_hdr
// instead of many MTU-sized packets, and may leave the transport checksum to be completed
// (VIRTIO_NET_HDR_F_NEEDS_CSUM). An SSTP peer expects ordinary IP packets, so before encapsulation
// the super-packet is cut here into packets of at most gso_size payload bytes, with their IPv4
// total length, identification and header checksum, IPv6 payload length, TCP sequence numbers and
// flags (FIN/PSH on the last segment, CWR on the first) and TCP/UDP checksums made whole
// (RFC 791, RFC 8200, RFC 9293, RFC 768; the layout is virtio 1.x, include/uapi/linux/virtio_net.h).
//
// Pure: bytes in, packets out through a callback; nothing is trusted (a header that does not
// describe the packet is an error, counted by the caller as a drop).
// Used by dataplane/offload_tun_path.h.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "controlplane/base/bytes.h"
#include "controlplane/base/result.h"

namespace ksstp::dp {

// struct virtio_net_hdr (10 bytes), fields in the byte order of this host (TUN's default for a
// little-endian host; TUNSETVNETLE makes it explicit).
struct VnetHdr {
    static constexpr uint8_t kNeedsCsum = 1;   // VIRTIO_NET_HDR_F_NEEDS_CSUM
    static constexpr uint8_t kGsoNone = 0, kGsoTcpv4 = 1, kGsoUdp = 3, kGsoTcpv6 = 4, kGsoUdpL4 = 5;
    static constexpr uint8_t kGsoEcn = 0x80;
    static constexpr size_t kSize = 10;
    uint8_t flags = 0;
    uint8_t gso_type = kGsoNone;
    uint16_t hdr_len = 0;
    uint16_t gso_size = 0;
    uint16_t csum_start = 0;
    uint16_t csum_offset = 0;
};

enum class GsoError : uint8_t {
    ShortHeader,     // fewer than 10 bytes
    BadPacket,       // not an IPv4/IPv6 packet the header could describe
    BadChecksumSpec, // csum_start/csum_offset outside the packet
    UnsupportedGso,  // a gso_type we did not ask the kernel for (UFO, unknown)
    BadGsoSize,      // 0, or segments that would not fit an IP packet
};
const char* to_string(GsoError e);

Result<VnetHdr, GsoError> parse_vnet_hdr(ByteView in);
void write_vnet_hdr(const VnetHdr& h, uint8_t out[VnetHdr::kSize]);

// Cuts `packet` (the IP packet after the virtio header) into ordinary IP packets, each handed to
// `out` (valid during the call only; the receiver may rewrite it in place, e.g. TCP MSS clamping).
// A packet without GSO comes out once, itself, with its checksum completed in place if the header
// asks for that. At most 64 KB in, at most kMaxSegments out.
inline constexpr size_t kMaxSegments = 128;
Result<size_t, GsoError> gso_segment(const VnetHdr& h, std::span<uint8_t> packet,
                                     const std::function<void(std::span<uint8_t>)>& out);

// True when an ordinary IP packet's IPv4 header checksum and TCP/UDP checksum verify (a UDP
// checksum of 0 means none). Used by the tests, the fuzz target and GRO.
bool checksums_valid(ByteView ip_packet);

// The Internet checksum (RFC 1071) of `data` added to `sum` (not folded, not complemented).
uint32_t csum_add(uint32_t sum, ByteView data);
uint16_t csum_fold(uint32_t sum);

}  // namespace ksstp::dp
