// TunDevice: a TUN interface (IFF_TUN | IFF_NO_PI: one IP packet per read/write) and its fd,
// created through /dev/net/tun. The interface disappears when the fd closes (not persistent), so
// a crashed daemon leaves no session interface behind. Configuration goes through if_link.h/if_addr.h.
#pragma once

#include <string>

#include "controlplane/base/fd.h"
#include "controlplane/base/result.h"

namespace ksstp::nl {

class TunDevice {
public:
    // `name` up to 15 bytes (IFNAMSIZ - 1); the kernel may refuse a name in use.
    static Result<TunDevice, std::string> create(const std::string& name, bool nonblocking = true);

    int fd() const { return fd_.get(); }
    const std::string& name() const { return name_; }
    int ifindex() const { return ifindex_; }

private:
    TunDevice(Fd fd, std::string name, int ifindex) : fd_(std::move(fd)), name_(std::move(name)), ifindex_(ifindex) {}
    Fd fd_;
    std::string name_;
    int ifindex_ = 0;
};

}  // namespace ksstp::nl
