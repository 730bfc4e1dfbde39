// ksstpd's session policy from configuration: credentials by service, and addresses chosen
// secret -> profile -> pool, with leases returned at the end.
#include "controlplane/server/session_policy.h"

#include <gtest/gtest.h>

#include "controlplane/config/config_loader.h"

namespace ksstp::server {
namespace {

const char* kConfig = R"(
[sstp-server]
certificate = "none"
default-profile = "staff"
[ppp.profile.staff]
local-address = "198.19.0.1"
remote-address = "small"
dns-server = ["198.19.0.53", "198.19.0.54"]
[ppp.profile.gold]
local-address = "gw"
remote-address = "198.19.9.9"
[[ppp.secret]]
name = "alice"
password = "a"
[[ppp.secret]]
name = "bob"
password = "b"
service = "sstp"
remote-address = "198.19.5.5"
[[ppp.secret]]
name = "carol"
password = "c"
profile = "gold"
[[ppp.secret]]
name = "dave"
password = "d"
[[ppp.secret]]
name = "eve"
password = "e"
[ip.pool.small]
ranges = ["198.19.0.10-198.19.0.11"]
[ip.pool.gw]
ranges = ["198.19.8.1"]
)";

struct Policy : ::testing::Test {
    config::Config cfg = config::load_string(kConfig, "<test>");
    AddressPlan plan{cfg};
};

TEST_F(Policy, CredentialsComeFromSecrets) {
    ConfigCredentials creds(cfg);
    EXPECT_EQ(creds.password("alice"), "a");
    EXPECT_EQ(creds.password("bob"), "b");
    EXPECT_FALSE(creds.password("mallory").has_value());
}

TEST_F(Policy, ProfilePoolDnsAndSecretOverride) {
    Lease la, lb;
    auto a = plan.assign("alice", la);
    ASSERT_TRUE(a.has_value() && a->has_value());
    EXPECT_EQ(ppp::ipv4_to_string((*a)->local), "198.19.0.1");
    EXPECT_EQ(ppp::ipv4_to_string((*a)->remote), "198.19.0.10");
    EXPECT_EQ(ppp::ipv4_to_string(*(*a)->dns1), "198.19.0.53");
    EXPECT_EQ(ppp::ipv4_to_string(*(*a)->dns2), "198.19.0.54");
    auto b = plan.assign("bob", lb);  // secret remote-address overrides the profile's pool
    ASSERT_TRUE(b.has_value() && b->has_value());
    EXPECT_EQ(ppp::ipv4_to_string((*b)->remote), "198.19.5.5");
    EXPECT_EQ(plan.pool("small")->used(), 1u);
}

TEST_F(Policy, LocalAddressMayComeFromAPoolToo) {
    Lease l;
    auto c = plan.assign("carol", l);
    ASSERT_TRUE(c.has_value() && c->has_value());
    EXPECT_EQ(ppp::ipv4_to_string((*c)->local), "198.19.8.1");
    EXPECT_EQ(ppp::ipv4_to_string((*c)->remote), "198.19.9.9");
    plan.release(l);
    EXPECT_EQ(plan.pool("gw")->used(), 0u);
}

TEST_F(Policy, ExhaustionIsReportedAndReleaseGivesAddressesBack) {
    Lease l1, l2, l3;
    ASSERT_TRUE(plan.assign("alice", l1));
    ASSERT_TRUE(plan.assign("dave", l2));
    auto none = plan.assign("eve", l3);
    ASSERT_FALSE(none.has_value());
    EXPECT_EQ(none.error(), "pool 'small' is exhausted");
    EXPECT_TRUE(l3.pool_leases.empty());
    plan.release(l1);
    auto again = plan.assign("eve", l3);
    ASSERT_TRUE(again.has_value() && again->has_value());
    EXPECT_EQ(plan.pool("small")->used(), 2u);
}

}  // namespace
}  // namespace ksstp::server
