// AddrPool: range syntax, exhaustion, sticky leases, rotation, release.
#include "controlplane/pool/addr_pool.h"

#include <gtest/gtest.h>

#include <set>

namespace ksstp::pool {
namespace {

AddrPool make(std::vector<std::string> specs) {
    std::vector<Range> rs;
    for (auto& s : specs) {
        auto r = parse_range(s);
        EXPECT_TRUE(r.has_value()) << s;
        rs.push_back(*r);
    }
    auto p = AddrPool::create("clients", rs);
    EXPECT_TRUE(p.has_value());
    return *p;
}

TEST(AddrPool, ParsesRangesCidrsAndSingleAddresses) {
    auto r = parse_range("198.19.0.10-198.19.0.250");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->size(), 241u);
    auto c = parse_range("198.19.1.0/24");
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(format_ipv4(c->first), "198.19.1.1");
    EXPECT_EQ(format_ipv4(c->last), "198.19.1.254");
    auto one = parse_range("198.19.2.7");
    ASSERT_TRUE(one.has_value());
    EXPECT_EQ(one->size(), 1u);
    for (const char* bad : {"198.19.0.250-198.19.0.10", "198.19.0.1/33", "198.19.0.256", "1.2.3", "1.2.3.4.5", "x"})
        EXPECT_FALSE(parse_range(bad).has_value()) << bad;
}

TEST(AddrPool, RefusesOverlapsAndHugePools) {
    auto a = parse_range("198.19.0.10-198.19.0.20"), b = parse_range("198.19.0.20-198.19.0.30");
    auto p = AddrPool::create("p", {*a, *b});
    ASSERT_FALSE(p.has_value());
    EXPECT_NE(p.error().find("overlap"), std::string::npos);
    EXPECT_FALSE(AddrPool::create("big", {*parse_range("198.0.0.0/8")}).has_value());
}

TEST(AddrPool, HandsOutEveryAddressOnceThenReportsExhaustion) {
    AddrPool p = make({"198.19.0.10-198.19.0.12", "198.19.0.40"});
    std::set<Ipv4> got;
    for (int i = 0; i < 4; ++i) {
        auto a = p.acquire("u" + std::to_string(i));
        ASSERT_TRUE(a.has_value());
        got.insert(*a);
    }
    EXPECT_EQ(got.size(), 4u);
    EXPECT_FALSE(p.acquire("u9").has_value());
    EXPECT_EQ(p.used(), 4u);
    EXPECT_TRUE(p.release(*got.begin()));
    EXPECT_FALSE(p.release(*got.begin()));  // not leased any more
    EXPECT_TRUE(p.acquire("u9").has_value());
}

TEST(AddrPool, ReturningUserGetsTheSameAddress) {
    AddrPool p = make({"198.19.0.10-198.19.0.20"});
    auto a = p.acquire("alice");
    auto b = p.acquire("bob");
    ASSERT_TRUE(a && b);
    p.release(*a);
    auto c = p.acquire("carol");  // rotation: not alice's just-released address
    EXPECT_NE(*c, *a);
    auto a2 = p.acquire("alice");
    EXPECT_EQ(*a2, *a);
}

TEST(AddrPool, ReserveTakesAFixedAddress) {
    AddrPool p = make({"198.19.0.10-198.19.0.11"});
    EXPECT_TRUE(p.reserve(*parse_ipv4("198.19.0.10")));
    EXPECT_FALSE(p.reserve(*parse_ipv4("198.19.0.10")));
    EXPECT_FALSE(p.reserve(*parse_ipv4("198.19.0.99")));
    EXPECT_EQ(format_ipv4(*p.acquire("x")), "198.19.0.11");
}

}  // namespace
}  // namespace ksstp::pool
