// FakeTun: a non-blocking SOCK_SEQPACKET socketpair keeps datagram boundaries like a TUN fd, so a
// test plays the kernel on the other end: it hands over frames (virtio header + packet for a TUN
// with IFF_VNET_HDR) and reads back what the path wrote.
#pragma once

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "controlplane/base/bytes.h"
#include "controlplane/base/fd.h"
#include "dataplane/gso.h"
#include "dataplane/packet_path.h"

namespace ksstp::test {

struct FakeTun {
    Fd path_end, kernel_end;
    FakeTun() {
        int sv[2];
        EXPECT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
        path_end = Fd(sv[0]);
        kernel_end = Fd(sv[1]);
    }
    // What the kernel would hand the reader: header + packet in one datagram.
    void hand(const dp::VnetHdr& h, const Bytes& packet) {
        Bytes frame(dp::VnetHdr::kSize);
        dp::write_vnet_hdr(h, frame.data());
        frame.insert(frame.end(), packet.begin(), packet.end());
        hand_raw(frame);
    }
    void hand_raw(const Bytes& frame) {
        ASSERT_EQ(::write(kernel_end.get(), frame.data(), frame.size()), ssize_t(frame.size()));
    }
    std::vector<Bytes> written() {
        std::vector<Bytes> out;
        Bytes buf(70000);
        for (ssize_t n; (n = ::read(kernel_end.get(), buf.data(), buf.size())) > 0;)
            out.emplace_back(buf.begin(), buf.begin() + n);
        return out;
    }
    // Nobody reads the other end: fill the socket until it would block, like a TUN's full queue.
    void fill() {
        const Bytes filler(4000, 0);
        while (::write(path_end.get(), filler.data(), filler.size()) > 0) {
        }
    }
};

// The tunnel side of PacketPath::pump: keeps what it is given, or refuses everything.
struct TunnelSink {
    std::vector<std::pair<uint16_t, Bytes>> got;
    bool refuse = false;
    dp::PacketPath::IntoTunnel fn() {
        return [this](uint16_t proto, std::span<uint8_t> p) {
            if (refuse) return false;
            got.emplace_back(proto, Bytes(p.begin(), p.end()));
            return true;
        };
    }
};

}  // namespace ksstp::test
