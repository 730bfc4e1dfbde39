// TunForwarder: the simple PacketPath over a non-blocking TUN fd (IFF_NO_PI): one read() per
// packet, one write() per packet. Correct and small; never blocks (EAGAIN drops and counts).
#pragma once

#include "dataplane/packet_path.h"

namespace ksstp::dp {

class TunForwarder final : public PacketPath {
public:
    explicit TunForwarder(int tun_fd) : fd_(tun_fd) {}
    void deliver(uint16_t ppp_protocol, ByteView packet) override;
    size_t pump(const IntoTunnel& into_tunnel, size_t budget) override;
    void flush() override;
    void use_ring(TunRing* ring) override;
    const PathCounters& counters() const override { return c_; }

private:
    void from_interface(std::span<uint8_t> pkt, const IntoTunnel& into_tunnel);
    int fd_;
    TunRing* ring_ = nullptr;
    PathCounters c_;
};

// PPP protocol number for an IP packet by its version nibble (0 if neither 4 nor 6).
uint16_t ppp_protocol_of(ByteView ip_packet);

}  // namespace ksstp::dp
