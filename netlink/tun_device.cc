// TUN creation; see tun_device.h.
#include "netlink/tun_device.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

namespace ksstp::nl {

Result<TunDevice, std::string> TunDevice::create(const std::string& name, bool nonblocking) {
    if (name.empty() || name.size() >= IFNAMSIZ) return fail("interface name \"" + name + "\" must be 1..15 bytes");
    Fd fd(::open("/dev/net/tun", O_RDWR | O_CLOEXEC | (nonblocking ? O_NONBLOCK : 0)));
    if (!fd) return fail(std::string("open /dev/net/tun: ") + std::strerror(errno));
    ifreq ifr{};
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    std::memcpy(ifr.ifr_name, name.data(), name.size());
    if (::ioctl(fd.get(), TUNSETIFF, &ifr) < 0)
        return fail("create TUN \"" + name + "\": " + std::strerror(errno));
    std::string actual(ifr.ifr_name);
    int idx = int(if_nametoindex(actual.c_str()));
    if (idx == 0) return fail("TUN \"" + actual + "\" has no ifindex: " + std::strerror(errno));
    return TunDevice(std::move(fd), actual, idx);
}

}  // namespace ksstp::nl
