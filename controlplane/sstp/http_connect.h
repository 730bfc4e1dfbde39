// HTTP CONNECT through a proxy (RFC 9110 9.3.6) for ksstpc's `http-proxy` (SPEC 3, MikroTik's
// sstp-client http-proxy): the proxy address as configured, and the CONNECT request with optional
// Basic credentials (RFC 7617). The proxy's answer is read with HttpResponseParser. Pure.
#pragma once

#include <string>
#include <string_view>

#include "controlplane/base/result.h"

namespace ksstp::sstp {

struct ProxyAddress {
    std::string host;  // name, IPv4, or IPv6 without brackets
    std::string port;
    std::string user;  // empty: no Proxy-Authorization
    std::string password;
};

// "[http://][user[:password]@]host:port", IPv6 hosts in brackets. The port is required (proxies
// have no standard port); user and password are percent-decoded so they may hold ':' and '@'.
Result<ProxyAddress, std::string> parse_proxy_address(std::string_view text);

// "CONNECT host:port HTTP/1.1" with Host and, when the proxy has a user, Proxy-Authorization.
std::string build_connect_request(const ProxyAddress& proxy, std::string_view host, std::string_view port);

}  // namespace ksstp::sstp
