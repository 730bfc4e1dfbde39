// TUN creation; see tun_device.h.
#include "netlink/tun_device.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

namespace ksstp::nl {
namespace {

// Linux 6.2 (include/uapi/linux/if_tun.h); older headers lack them.
constexpr unsigned kTunFUso4 = 0x20, kTunFUso6 = 0x40;

Result<void, int> set_iff(int fd, const std::string& name, short flags, ifreq& ifr) {
    ifr = ifreq{};
    ifr.ifr_flags = flags;
    std::memcpy(ifr.ifr_name, name.data(), name.size());
    if (::ioctl(fd, TUNSETIFF, &ifr) < 0) return Unexpected(errno);
    return {};
}

// TUNSETOFFLOAD with what is wanted, then with less until the kernel agrees (EINVAL: a flag it
// does not know). TSO without TUN_F_CSUM is meaningless to the kernel, so csum goes last.
TunOffloads probe_offloads(int fd, const TunOffloads& want) {
    TunOffloads got;
    got.vnet_hdr = true;
    struct Try {
        bool tso, uso;
    };
    const Try tries[] = {{want.tso, want.uso}, {want.tso, false}, {false, false}};
    if (!want.csum) {
        ::ioctl(fd, TUNSETOFFLOAD, 0u);
        return got;
    }
    for (const Try& t : tries) {
        unsigned flags = TUN_F_CSUM;
        if (t.tso) flags |= TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
        if (t.uso) flags |= kTunFUso4 | kTunFUso6;
        if (::ioctl(fd, TUNSETOFFLOAD, flags) == 0) {
            got.csum = true;
            got.tso = t.tso;
            got.uso = t.uso;
            return got;
        }
    }
    ::ioctl(fd, TUNSETOFFLOAD, 0u);
    return got;
}

}  // namespace

std::string TunOffloads::describe() const {
    if (!vnet_hdr) return "off";
    std::string s = "vnet-hdr";
    if (csum) s += " csum";
    if (tso) s += " tso";
    if (uso) s += " uso";
    return s;
}

Result<TunDevice, std::string> TunDevice::create(const std::string& name, bool nonblocking, const TunOffloads& want) {
    if (name.empty() || name.size() >= IFNAMSIZ) return fail("interface name \"" + name + "\" must be 1..15 bytes");
    Fd fd(::open("/dev/net/tun", O_RDWR | O_CLOEXEC | (nonblocking ? O_NONBLOCK : 0)));
    if (!fd) return fail(std::string("open /dev/net/tun: ") + std::strerror(errno));
    ifreq ifr{};
    TunOffloads granted;
    Result<void, int> made = Unexpected(EINVAL);
    if (want.vnet_hdr) {
        made = set_iff(fd.get(), name, IFF_TUN | IFF_NO_PI | IFF_VNET_HDR, ifr);
        // A kernel without IFF_VNET_HDR says EINVAL: the plain device below.
        if (made) {
            // sizeof(struct virtio_net_hdr), no num_buffers: the kernel's default, said explicitly
            // because dataplane/gso.h parses exactly that many bytes.
            int sz = 10;
            if (::ioctl(fd.get(), TUNSETVNETHDRSZ, &sz) < 0)
                return fail("TUN \"" + name + "\": TUNSETVNETHDRSZ: " + std::strerror(errno));
            granted = probe_offloads(fd.get(), want);
        }
    }
    if (!made && (!want.vnet_hdr || made.error() == EINVAL)) made = set_iff(fd.get(), name, IFF_TUN | IFF_NO_PI, ifr);
    if (!made) return fail("create TUN \"" + name + "\": " + std::strerror(made.error()));
    std::string actual(ifr.ifr_name);
    int idx = int(if_nametoindex(actual.c_str()));
    if (idx == 0) return fail("TUN \"" + actual + "\" has no ifindex: " + std::strerror(errno));
    return TunDevice(std::move(fd), actual, idx, granted);
}

}  // namespace ksstp::nl
