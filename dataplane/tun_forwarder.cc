// Simple TUN data path; see tun_forwarder.h.
#include "dataplane/tun_forwarder.h"

#include <unistd.h>

#include <cerrno>

namespace ksstp::dp {

uint16_t ppp_protocol_of(ByteView p) {
    if (p.empty()) return 0;
    switch (p[0] >> 4) {
        case 4: return 0x0021;
        case 6: return 0x0057;
        default: return 0;
    }
}

void TunForwarder::deliver(uint16_t, ByteView packet) {
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
        ssize_t n = ::read(fd_, buf, sizeof buf);
        if (n <= 0) break;  // EAGAIN: nothing more for now
        ++c_.tun_reads;
        std::span<uint8_t> pkt(buf, size_t(n));
        uint16_t proto = ppp_protocol_of(pkt);
        ++done;
        if (!proto) {
            ++c_.drop_malformed;
            continue;
        }
        if (into_tunnel(proto, pkt)) {
            ++c_.tx_packets;
            c_.tx_bytes += pkt.size();
        } else {
            ++c_.drop_tunnel_refused;
        }
    }
    return done;
}

}  // namespace ksstp::dp
