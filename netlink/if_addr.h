// Point-to-point addresses on a session interface through libnl-route (RTM_NEWADDR): the local
// tunnel address with the peer's address as IFA_ADDRESS, IPv4 (from IPCP) and IPv6 link-local
// (fe80:: + the IPv6CP interface identifiers, /128 with peer, no DAD; RFC 5072 5).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "controlplane/base/result.h"
#include "netlink/nl_socket.h"

namespace ksstp::nl {

Result<void, std::string> add_ipv4_ptp(const NlSock& sk, int ifindex, uint32_t local, uint32_t peer);
Result<void, std::string> add_ipv6_link_local(const NlSock& sk, int ifindex, uint64_t local_iid, uint64_t peer_iid);
// "198.19.0.1 peer 198.19.0.10/32", ... (for tests and logs)
std::vector<std::string> list_addresses(const NlSock& sk, int ifindex);

}  // namespace ksstp::nl
