// AddrPool: an IPv4 address pool (MikroTik `/ip pool`: ranges like "198.19.0.10-198.19.0.250"
// or CIDR "198.19.0.0/24", a single address too). Pure, single-threaded (owned by the control
// plane).
//
// Lease semantics (strongSwan mem_pool's idea, documented here because operators see them):
//  * a user who comes back gets the address they had last if it is still free (sticky lease),
//    so a reconnecting client keeps its address across short outages;
//  * otherwise the next free address after a rotating cursor is handed out, so a just-released
//    address is not reused at once (stale ARP/conntrack entries on the path age out first);
//  * release() returns an address; releasing one that is not leased is a no-op reported false.
// Capacity is bounded by the ranges; a /8 pool is 16M addresses and is refused (kMaxPoolSize).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "controlplane/base/result.h"

namespace ksstp::pool {

using Ipv4 = uint32_t;  // host byte order

inline constexpr uint64_t kMaxPoolSize = 1u << 20;  // 1M addresses: bitmap of 128 KiB

std::optional<Ipv4> parse_ipv4(std::string_view s);
std::string format_ipv4(Ipv4 a);

struct Range {
    Ipv4 first = 0, last = 0;  // inclusive
    uint64_t size() const { return uint64_t(last) - first + 1; }
    bool overlaps(const Range& o) const { return first <= o.last && o.first <= last; }
    bool contains(Ipv4 a) const { return a >= first && a <= last; }
};
// "a.b.c.d", "a.b.c.d-e.f.g.h" or "a.b.c.d/len". For a CIDR the network and broadcast addresses
// are excluded when the prefix is shorter than /31. Error text says what is wrong.
Result<Range, std::string> parse_range(std::string_view s);

class AddrPool {
public:
    static Result<AddrPool, std::string> create(std::string name, std::vector<Range> ranges);

    std::optional<Ipv4> acquire(const std::string& user);
    bool release(Ipv4 a);
    // Takes a specific address (a secret's fixed remote-address inside the pool).
    bool reserve(Ipv4 a);

    bool contains(Ipv4 a) const;
    bool in_use(Ipv4 a) const;
    uint64_t size() const { return size_; }
    uint64_t used() const { return used_; }
    const std::string& name() const { return name_; }
    const std::vector<Range>& ranges() const { return ranges_; }

private:
    AddrPool() = default;
    std::optional<uint64_t> index_of(Ipv4 a) const;
    Ipv4 address_at(uint64_t i) const;
    bool take(uint64_t i);

    std::string name_;
    std::vector<Range> ranges_;
    std::vector<bool> used_bits_;
    uint64_t size_ = 0, used_ = 0, cursor_ = 0;
    std::unordered_map<std::string, Ipv4> last_lease_;  // user -> last address (sticky leases)
};

}  // namespace ksstp::pool
