// The data path of a session interface (ksstpd and ksstpc alike): what [dataplane] asks of the
// TUN, and the PacketPath that fits what the kernel granted (issue 5 item 2): OffloadTunPath when
// the device has virtio headers, the plain TunForwarder when it has not or everything is off.
#pragma once

#include <memory>

#include "controlplane/config/config.h"
#include "dataplane/packet_path.h"
#include "netlink/tun_device.h"

namespace ksstp::io {

nl::TunOffloads tun_offloads_wanted(const config::DataplaneConfig& d);
std::unique_ptr<dp::PacketPath> make_tun_path(int tun_fd, const nl::TunOffloads& granted,
                                              const config::DataplaneConfig& d);
// "offloads vnet-hdr csum tso, gro on": the per-session log line's words.
std::string describe_tun_path(const nl::TunOffloads& granted, const config::DataplaneConfig& d);

}  // namespace ksstp::io
