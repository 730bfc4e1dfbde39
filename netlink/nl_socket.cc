// libnl route socket owner; see nl_socket.h.
#include "netlink/nl_socket.h"

#include <netlink/netlink.h>
#include <netlink/socket.h>

namespace ksstp::nl {

void NlSockFree::operator()(nl_sock* s) const { nl_socket_free(s); }

std::string nl_error(const char* op, int err) { return std::string(op) + ": " + nl_geterror(err); }

Result<NlSock, std::string> NlSock::open() {
    nl_sock* s = nl_socket_alloc();
    if (!s) return fail(std::string("nl_socket_alloc failed"));
    NlSock owned(s);
    if (int err = nl_connect(s, NETLINK_ROUTE); err < 0) return fail(nl_error("netlink connect", err));
    return owned;
}

}  // namespace ksstp::nl
