// NlSock: owner of a libnl route socket (NETLINK_ROUTE), connected at creation. One per thread
// that configures links; not thread-safe.
#pragma once

#include <memory>
#include <string>

#include "controlplane/base/result.h"

struct nl_sock;

namespace ksstp::nl {

struct NlSockFree {
    void operator()(nl_sock* s) const;
};

class NlSock {
public:
    static Result<NlSock, std::string> open();
    nl_sock* get() const { return sk_.get(); }

private:
    explicit NlSock(nl_sock* s) : sk_(s) {}
    std::unique_ptr<nl_sock, NlSockFree> sk_;
};

// libnl's text for a negative NLE_* code, with the operation named.
std::string nl_error(const char* op, int err);

}  // namespace ksstp::nl
