// Link operations through libnl-route (RTM_NEWLINK / RTM_DELLINK): MTU, up/down, delete.
#pragma once

#include <cstdint>
#include <string>

#include "controlplane/base/result.h"
#include "netlink/nl_socket.h"

namespace ksstp::nl {

// `group` (IFLA_GROUP, 0 = leave as is) lets delete_group() remove many links at once.
Result<void, std::string> set_mtu_and_up(const NlSock& sk, int ifindex, unsigned mtu, uint32_t group = 0);
// Deletes every link of `group` in one RTM_DELLINK: the kernel unregisters them as one batch
// (one RCU grace period for all instead of one each), which is what makes a mass teardown fast.
Result<void, std::string> delete_group(const NlSock& sk, uint32_t group);
// Takes a link down (its routes go at once) and moves it to `group`, for a later delete_group().
Result<void, std::string> retire_link(const NlSock& sk, int ifindex, uint32_t group);
Result<void, std::string> delete_link(const NlSock& sk, int ifindex);
struct LinkState {
    bool exists = false;
    bool up = false;
    unsigned mtu = 0;
    std::string name;
};
LinkState link_state(const NlSock& sk, int ifindex);

}  // namespace ksstp::nl
