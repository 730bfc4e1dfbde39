// TunDevice: a TUN interface (IFF_TUN | IFF_NO_PI: one IP packet per read/write) and its fd,
// created through /dev/net/tun. The interface disappears when the fd closes (not persistent), so
// a crashed daemon leaves no session interface behind. Configuration goes through if_link.h/if_addr.h.
//
// Offloads (issue 5 item 2): asked for, the device is opened with IFF_VNET_HDR, so every read and
// write carries a 10-byte virtio_net_hdr first (dataplane/gso.h), and TUNSETOFFLOAD tells the
// kernel what the reader can take: partial checksums (TUN_F_CSUM), TCP super-packets (TSO4/6,
// with ECN) and UDP ones (USO4/6, Linux 6.2+). Each is probed at open: what the kernel refuses is
// left off and reported by granted(), never an error. Writes of super-packets (our GRO) need only
// the virtio header.
#pragma once

#include <string>

#include "controlplane/base/fd.h"
#include "controlplane/base/result.h"

namespace ksstp::nl {

struct TunOffloads {
    bool vnet_hdr = false;  // IFF_VNET_HDR (needed by all below, and by super-packet writes)
    bool csum = false;      // TUN_F_CSUM
    bool tso = false;       // TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN
    bool uso = false;       // TUN_F_USO4 | TUN_F_USO6
    // "vnet-hdr csum tso uso" or "off": for the session's log line.
    std::string describe() const;
};

class TunDevice {
public:
    // `name` up to 15 bytes (IFNAMSIZ - 1); the kernel may refuse a name in use.
    static Result<TunDevice, std::string> create(const std::string& name, bool nonblocking = true,
                                                 const TunOffloads& want = {});

    int fd() const { return fd_.get(); }
    const std::string& name() const { return name_; }
    int ifindex() const { return ifindex_; }
    const TunOffloads& offloads() const { return granted_; }

private:
    TunDevice(Fd fd, std::string name, int ifindex, TunOffloads granted)
        : fd_(std::move(fd)), name_(std::move(name)), ifindex_(ifindex), granted_(granted) {}
    Fd fd_;
    std::string name_;
    int ifindex_ = 0;
    TunOffloads granted_;
};

}  // namespace ksstp::nl
