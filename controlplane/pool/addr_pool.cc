// IPv4 address pool; see addr_pool.h.
#include "controlplane/pool/addr_pool.h"

#include <algorithm>
#include <charconv>

namespace ksstp::pool {

std::optional<Ipv4> parse_ipv4(std::string_view s) {
    Ipv4 a = 0;
    for (int i = 0; i < 4; ++i) {
        unsigned v = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || v > 255 || p == s.data() || (p - s.data()) > 3) return std::nullopt;
        a = a << 8 | v;
        s.remove_prefix(size_t(p - s.data()));
        if (i < 3) {
            if (s.empty() || s.front() != '.') return std::nullopt;
            s.remove_prefix(1);
        }
    }
    if (!s.empty()) return std::nullopt;
    return a;
}

std::string format_ipv4(Ipv4 a) {
    return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
           std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

Result<Range, std::string> parse_range(std::string_view s) {
    if (size_t dash = s.find('-'); dash != std::string_view::npos) {
        auto a = parse_ipv4(s.substr(0, dash)), b = parse_ipv4(s.substr(dash + 1));
        if (!a || !b) return fail(std::string("not an address range: ") + std::string(s));
        if (*b < *a) return fail(std::string("range ends before it starts: ") + std::string(s));
        return Range{*a, *b};
    }
    if (size_t slash = s.find('/'); slash != std::string_view::npos) {
        auto a = parse_ipv4(s.substr(0, slash));
        unsigned len = 33;
        auto lens = s.substr(slash + 1);
        auto [p, ec] = std::from_chars(lens.data(), lens.data() + lens.size(), len);
        if (!a || ec != std::errc() || p != lens.data() + lens.size() || len > 32)
            return fail(std::string("not an address/prefix: ") + std::string(s));
        Ipv4 mask = len == 0 ? 0 : ~Ipv4(0) << (32 - len);
        Range r{*a & mask, (*a & mask) | ~mask};
        if (len < 31) {  // network and broadcast addresses are not for hosts
            ++r.first;
            --r.last;
        }
        return r;
    }
    auto a = parse_ipv4(s);
    if (!a) return fail(std::string("not an address: ") + std::string(s));
    return Range{*a, *a};
}

Result<AddrPool, std::string> AddrPool::create(std::string name, std::vector<Range> ranges) {
    if (ranges.empty()) return fail("pool '" + name + "' has no ranges");
    std::sort(ranges.begin(), ranges.end(), [](const Range& x, const Range& y) { return x.first < y.first; });
    uint64_t total = 0;
    for (size_t i = 0; i < ranges.size(); ++i) {
        if (i > 0 && ranges[i - 1].overlaps(ranges[i]))
            return fail("pool '" + name + "': ranges overlap at " + format_ipv4(ranges[i].first));
        total += ranges[i].size();
    }
    if (total > kMaxPoolSize)
        return fail("pool '" + name + "' has " + std::to_string(total) + " addresses; at most " +
                    std::to_string(kMaxPoolSize) + " are supported");
    AddrPool p;
    p.name_ = std::move(name);
    p.ranges_ = std::move(ranges);
    p.size_ = total;
    p.used_bits_.assign(size_t(total), false);
    return p;
}

std::optional<uint64_t> AddrPool::index_of(Ipv4 a) const {
    uint64_t base = 0;
    for (const Range& r : ranges_) {
        if (r.contains(a)) return base + (a - r.first);
        base += r.size();
    }
    return std::nullopt;
}

Ipv4 AddrPool::address_at(uint64_t i) const {
    for (const Range& r : ranges_) {
        if (i < r.size()) return Ipv4(r.first + i);
        i -= r.size();
    }
    return 0;
}

bool AddrPool::take(uint64_t i) {
    if (used_bits_[size_t(i)]) return false;
    used_bits_[size_t(i)] = true;
    ++used_;
    return true;
}

std::optional<Ipv4> AddrPool::acquire(const std::string& user) {
    if (used_ == size_) return std::nullopt;
    if (auto it = last_lease_.find(user); it != last_lease_.end()) {
        if (auto i = index_of(it->second); i && take(*i)) return it->second;
    }
    for (uint64_t n = 0; n < size_; ++n) {
        uint64_t i = (cursor_ + n) % size_;
        if (take(i)) {
            cursor_ = (i + 1) % size_;
            Ipv4 a = address_at(i);
            last_lease_[user] = a;
            return a;
        }
    }
    return std::nullopt;
}

bool AddrPool::reserve(Ipv4 a) {
    auto i = index_of(a);
    return i && take(*i);
}

bool AddrPool::release(Ipv4 a) {
    auto i = index_of(a);
    if (!i || !used_bits_[size_t(*i)]) return false;
    used_bits_[size_t(*i)] = false;
    --used_;
    return true;
}

bool AddrPool::contains(Ipv4 a) const { return index_of(a).has_value(); }

bool AddrPool::in_use(Ipv4 a) const {
    auto i = index_of(a);
    return i && used_bits_[size_t(*i)];
}

}  // namespace ksstp::pool
