// Router Advertisements on a session link (RFC 4861 4.1, 4.2, 6.2.6): after IPv6CP the server
// advertises itself on the point-to-point link so that Windows-style clients finish their IPv6
// configuration, and it answers Router Solicitations. The RA carries the link MTU; its router
// lifetime is 0 (not a default router) and it has no prefix: global IPv6 addressing and routing
// over the tunnel are the operator's choice, not something a session should impose. Pure.
#pragma once

#include <array>
#include <cstdint>

#include "controlplane/base/bytes.h"

namespace ksstp::ipv6 {

using Address = std::array<uint8_t, 16>;
Address link_local(uint64_t iid);  // fe80::/64 + interface identifier

// A whole IPv6 packet: src -> ff02::1, hop limit 255, ICMPv6 RA with an MTU option.
Bytes build_router_advertisement(const Address& src, uint32_t mtu, uint16_t router_lifetime_s = 0);
// An IPv6 packet carrying an ICMPv6 Router Solicitation with hop limit 255 (RFC 4861 6.1.1).
bool is_router_solicitation(ByteView packet);
// RFC 4443 2.3 checksum over the IPv6 pseudo-header and the ICMPv6 message.
uint16_t icmpv6_checksum(const Address& src, const Address& dst, ByteView icmp);

}  // namespace ksstp::ipv6
