// Choice of the session interface's data path; see tun_path.h.
#include "controlplane/io/tun_path.h"

#include "dataplane/offload_tun_path.h"
#include "dataplane/tun_forwarder.h"

namespace ksstp::io {

nl::TunOffloads tun_offloads_wanted(const config::DataplaneConfig& d) {
    return nl::TunOffloads{.vnet_hdr = d.any(), .csum = d.checksum_offload, .tso = d.tso, .uso = d.uso};
}

std::unique_ptr<dp::PacketPath> make_tun_path(int tun_fd, const nl::TunOffloads& granted,
                                              const config::DataplaneConfig& d) {
    if (granted.vnet_hdr) return std::make_unique<dp::OffloadTunPath>(tun_fd, d.gro);
    return std::make_unique<dp::TunForwarder>(tun_fd);
}

std::string describe_tun_path(const nl::TunOffloads& granted, const config::DataplaneConfig& d) {
    return "offloads " + granted.describe() + ", gro " + (granted.vnet_hdr && d.gro ? "on" : "off");
}

}  // namespace ksstp::io
