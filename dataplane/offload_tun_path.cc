// TUN path with virtio headers; see offload_tun_path.h.
#include "dataplane/offload_tun_path.h"

#include <sys/uio.h>
#include <unistd.h>

#include "dataplane/gso.h"
#include "dataplane/tun_ring.h"
#include "dataplane/tun_forwarder.h"

namespace ksstp::dp {
namespace {
constexpr size_t kReadSize = VnetHdr::kSize + 65535 + 40;  // header + the largest IPv6 super-packet
}

OffloadTunPath::OffloadTunPath(int tun_fd, bool gro)
    : fd_(tun_fd), gro_on_(gro), buf_(std::make_unique<uint8_t[]>(kReadSize)) {}

void OffloadTunPath::use_ring(TunRing* ring) {
    ring_ = ring;
}

void OffloadTunPath::write_frame(std::span<const uint8_t> frame, uint64_t packets, uint64_t bytes) {
    if (ring_) {
        // GRO's frames stay valid until its flush() returns; flush() submits before that.
        ring_->write(fd_, frame, {}, false, c_, packets, bytes);
        return;
    }
    ++c_.tun_writes;
    if (::write(fd_, frame.data(), frame.size()) == ssize_t(frame.size())) {
        c_.rx_packets += packets;
        c_.rx_bytes += bytes;
    } else {
        c_.drop_iface_full += packets;
    }
}

void OffloadTunPath::deliver(uint16_t, ByteView packet) {
    if (gro_on_) {
        gro_.add(packet);
        ++gro_packets_;
        return;
    }
    // A plain header (no GSO, checksum complete as the peer sent it) and the packet, one write.
    uint8_t hdr[VnetHdr::kSize]{};
    if (ring_) {
        // The packet is a view into the caller's read buffer: copied, submitted at flush().
        ring_->write(fd_, ByteView(hdr, sizeof hdr), packet, true, c_, 1, packet.size());
        return;
    }
    iovec iov[2] = {{hdr, sizeof hdr}, {const_cast<uint8_t*>(packet.data()), packet.size()}};
    ++c_.tun_writes;
    if (::writev(fd_, iov, 2) == ssize_t(sizeof hdr + packet.size())) {
        ++c_.rx_packets;
        c_.rx_bytes += packet.size();
    } else {
        ++c_.drop_iface_full;
    }
}

void OffloadTunPath::flush() {
    if (!gro_packets_) {
        if (ring_) ring_->submit();
        return;
    }
    // The batch's packets and bytes are counted with the frames that carry them: a frame the
    // interface refuses drops what it carries. GroBatch keeps packets whole, so the IP bytes of
    // a frame are its length less the header, and its packets the segments it merged.
    gro_.flush([&](std::span<const uint8_t> frame) {
        auto h = parse_vnet_hdr(frame);
        const size_t ip = frame.size() - VnetHdr::kSize;
        uint64_t packets = 1;
        if (h && h->gso_type != VnetHdr::kGsoNone && h->gso_size) {
            const size_t hdrs = h->hdr_len;  // IP + TCP headers of each segment
            const size_t payload = ip > hdrs ? ip - hdrs : 0;
            packets = (payload + h->gso_size - 1) / h->gso_size;
            write_frame(frame, packets, ip + (packets - 1) * hdrs);
        } else {
            write_frame(frame, 1, ip);
        }
    });
    if (ring_) ring_->submit();
    c_.gro_merged = gro_.stats().merged;  // GroBatch counts since it was made, as we do
    gro_packets_ = 0;
}

size_t OffloadTunPath::pump(const IntoTunnel& into_tunnel, size_t budget) {
    size_t done = 0;
    while (done < budget) {
        if (ring_) {
            // Several reads per system call (a super-packet counts as the packets it is cut into).
            const size_t want = std::min(TunRing::kReadSlots, budget - done);
            auto got = ring_->read(fd_, want);
            for (std::span<uint8_t> frame : got) from_interface(frame, into_tunnel, done);
            if (got.size() < want) break;  // the interface has nothing more
            continue;
        }
        ssize_t n = ::read(fd_, buf_.get(), kReadSize);
        if (n <= 0) break;  // EAGAIN: nothing more for now
        from_interface(std::span<uint8_t>(buf_.get(), size_t(n)), into_tunnel, done);
    }
    return done;
}

// One read's virtio header and packet: cut into tunnel packets (GSO) and handed to the tunnel.
void OffloadTunPath::from_interface(std::span<uint8_t> frame, const IntoTunnel& into_tunnel, size_t& done) {
    ++c_.tun_reads;
    auto h = parse_vnet_hdr(frame);
    if (!h) {
        ++c_.drop_malformed;
        ++done;
        return;
    }
    std::span<uint8_t> packet = frame.subspan(VnetHdr::kSize);
    auto segs = gso_segment(*h, packet, [&](std::span<uint8_t> seg) {
        ++done;
        const uint16_t proto = ppp_protocol_of(seg);
        if (!proto) {
            ++c_.drop_malformed;
        } else if (into_tunnel(proto, seg)) {
            ++c_.tx_packets;
            c_.tx_bytes += seg.size();
        } else {
            ++c_.drop_tunnel_refused;
        }
    });
    if (!segs) {
        // Not something gso_segment can describe: an ordinary packet of another kind passes
        // as it is (the header asked nothing of us); a lying header is dropped.
        if (h->gso_type == VnetHdr::kGsoNone && !(h->flags & VnetHdr::kNeedsCsum) && ppp_protocol_of(packet)) {
            ++done;
            if (into_tunnel(ppp_protocol_of(packet), packet)) {
                ++c_.tx_packets;
                c_.tx_bytes += packet.size();
            } else {
                ++c_.drop_tunnel_refused;
            }
        } else {
            ++c_.drop_malformed;
            ++done;
        }
    } else if (*segs > 1) {
        ++c_.gso_super;
        c_.gso_segments += *segs;
    }
}

}  // namespace ksstp::dp
