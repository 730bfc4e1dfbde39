// Link operations through libnl-route (RTM_NEWLINK / RTM_DELLINK): MTU, up/down, delete.
#pragma once

#include <string>

#include "controlplane/base/result.h"
#include "netlink/nl_socket.h"

namespace ksstp::nl {

Result<void, std::string> set_mtu_and_up(const NlSock& sk, int ifindex, unsigned mtu);
Result<void, std::string> delete_link(const NlSock& sk, int ifindex);
struct LinkState {
    bool exists = false;
    bool up = false;
    unsigned mtu = 0;
    std::string name;
};
LinkState link_state(const NlSock& sk, int ifindex);

}  // namespace ksstp::nl
