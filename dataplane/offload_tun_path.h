// OffloadTunPath: the PacketPath over a TUN opened with IFF_VNET_HDR (netlink/tun_device.h), the
// fast TUN side of issue 5 item 2.
//
// Interface -> tunnel: one read() takes a whole TCP (TSO) or UDP (USO) super-packet of up to
// 64 KB, or one packet whose checksum the kernel left for us (TUN_F_CSUM); gso_segment() cuts it
// into tunnel-MTU packets with their checksums made whole, and each goes into the tunnel. Where the
// kernel granted no offload the reads are still one packet each, behind the same 10-byte header.
//
// Tunnel -> interface: with `gro` the packets of one batch (everything the owner takes out of the
// socket in one wake-up) are coalesced by GroBatch and written as few super-packets at flush();
// without it each packet is written at once behind a plain header.
//
// On a worker, reads and writes go through its io_uring in batches (dataplane/tun_ring.h).
// The fd is non-blocking: a full interface drops and counts (drop_iface_full), never blocks.
#pragma once

#include <memory>

#include "dataplane/gro.h"
#include "dataplane/packet_path.h"

namespace ksstp::dp {

class OffloadTunPath final : public PacketPath {
public:
    OffloadTunPath(int tun_fd, bool gro);
    void deliver(uint16_t ppp_protocol, ByteView packet) override;
    size_t pump(const IntoTunnel& into_tunnel, size_t budget) override;
    void flush() override;
    void use_ring(TunRing* ring) override;
    const PathCounters& counters() const override { return c_; }

private:
    void write_frame(std::span<const uint8_t> frame, uint64_t packets, uint64_t bytes);
    void from_interface(std::span<uint8_t> frame, const IntoTunnel& into_tunnel, size_t& done);
    int fd_;
    TunRing* ring_ = nullptr;
    bool gro_on_;
    GroBatch gro_;
    uint64_t gro_packets_ = 0;  // delivered into gro_ since the last flush
    std::unique_ptr<uint8_t[]> buf_;            // one read: header + up to 64 KB
    PathCounters c_;
};

}  // namespace ksstp::dp
