// Simple TUN data path; see tun_forwarder.h.
#include "dataplane/tun_forwarder.h"

#include <unistd.h>

#include <cerrno>

#include "dataplane/tun_ring.h"

namespace ksstp::dp {

uint16_t ppp_protocol_of(ByteView p) {
    if (p.empty()) return 0;
    switch (p[0] >> 4) {
        case 4: return 0x0021;
        case 6: return 0x0057;
        default: return 0;
    }
}

void TunForwarder::use_ring(TunRing* ring) {
    ring_ = ring;
}

void TunForwarder::flush() {
    if (ring_) ring_->submit();
}

void TunForwarder::deliver(uint16_t, ByteView packet) {
    if (ring_) {
        // A view into the caller's read buffer: copied, submitted at flush().
        ring_->write(fd_, packet, {}, true, c_, 1, packet.size());
        return;
    }
    ++c_.tun_writes;
    ssize_t n = ::write(fd_, packet.data(), packet.size());
    if (n == ssize_t(packet.size())) {
        ++c_.rx_packets;
        c_.rx_bytes += packet.size();
    } else {
        ++c_.drop_iface_full;
    }
}

size_t TunForwarder::pump(const IntoTunnel& into_tunnel, size_t budget) {
    uint8_t buf[65536];
    size_t done = 0;
    while (done < budget) {
        if (ring_) {
            const size_t want = std::min(TunRing::kReadSlots, budget - done);
            auto got = ring_->read(fd_, want);
            for (std::span<uint8_t> pkt : got) from_interface(pkt, into_tunnel);
            done += got.size();
            if (got.size() < want) break;  // the interface has nothing more
            continue;
        }
        ssize_t n = ::read(fd_, buf, sizeof buf);
        if (n <= 0) break;  // EAGAIN: nothing more for now
        from_interface(std::span<uint8_t>(buf, size_t(n)), into_tunnel);
        ++done;
    }
    return done;
}

void TunForwarder::from_interface(std::span<uint8_t> pkt, const IntoTunnel& into_tunnel) {
    ++c_.tun_reads;
    uint16_t proto = ppp_protocol_of(pkt);
    if (!proto) {
        ++c_.drop_malformed;
        return;
    }
    if (into_tunnel(proto, pkt)) {
        ++c_.tx_packets;
        c_.tx_bytes += pkt.size();
    } else {
        ++c_.drop_tunnel_refused;
    }
}

}  // namespace ksstp::dp
