// PppSession, two parties in one process: every authentication method through to IPCP and
// IPv6CP, and the failure paths (wrong password, no common method, rejected protocols).
#include "controlplane/ppp/ppp_session.h"

#include <gtest/gtest.h>

#include "controlplane/ppp/mschap.h"
#include "tests/controlplane/ppp/ppp_test_util.h"

namespace ksstp::ppp {
namespace {

using test::client_cfg;
using test::find_event;
using test::Link;
using test::server_cfg;

class AllMethods : public ::testing::TestWithParam<AuthMethod> {};

TEST_P(AllMethods, NegotiatesAuthIpcpAndIpv6cp) {
    AuthMethod m = GetParam();
    Link l(client_cfg({m}), server_cfg({AuthMethod::MsChapV2, AuthMethod::MsChapV1, AuthMethod::Chap, AuthMethod::Pap}));
    l.creds.add("alice", "Secret-1");
    l.start();
    auto* sa = find_event<event::AuthDone>(l.server_events);
    auto* ca = find_event<event::AuthDone>(l.client_events);
    ASSERT_NE(sa, nullptr);
    ASSERT_NE(ca, nullptr);
    EXPECT_TRUE(sa->outcome.success) << sa->outcome.message;
    EXPECT_TRUE(ca->outcome.success) << ca->outcome.message;
    EXPECT_EQ(sa->outcome.method, m);
    EXPECT_EQ(sa->outcome.user, "alice");
    if (m == AuthMethod::MsChapV2) {
        ASSERT_TRUE(sa->outcome.keys && ca->outcome.keys);
        EXPECT_EQ(sa->outcome.keys->send, ca->outcome.keys->recv);  // RFC 3079 mirror
        EXPECT_EQ(sa->outcome.keys->recv, ca->outcome.keys->send);
    }
    auto* s4 = find_event<event::Ipv4Up>(l.server_events);
    auto* c4 = find_event<event::Ipv4Up>(l.client_events);
    ASSERT_NE(s4, nullptr);
    ASSERT_NE(c4, nullptr);
    EXPECT_EQ(ipv4_to_string(c4->ipcp.local), "198.19.0.10");
    EXPECT_EQ(ipv4_to_string(c4->ipcp.remote), "198.19.0.1");
    ASSERT_TRUE(c4->ipcp.dns1.has_value());
    EXPECT_EQ(ipv4_to_string(*c4->ipcp.dns1), "198.19.0.1");
    EXPECT_FALSE(c4->ipcp.dns2.has_value());  // server has no secondary: Rejected, dropped
    auto* s6 = find_event<event::Ipv6Up>(l.server_events);
    auto* c6 = find_event<event::Ipv6Up>(l.client_events);
    ASSERT_NE(s6, nullptr);
    ASSERT_NE(c6, nullptr);
    EXPECT_EQ(s6->ipv6cp.local_iid, c6->ipv6cp.remote_iid);
    EXPECT_EQ(s6->ipv6cp.remote_iid, c6->ipv6cp.local_iid);
    EXPECT_NE(s6->ipv6cp.local_iid, s6->ipv6cp.remote_iid);
    // Data flows both ways once the NCPs are open.
    std::vector<Bytes> frames;
    ASSERT_TRUE(l.client.encode_packet(uint16_t(Protocol::Ipv4), Bytes{0x45, 0, 0, 20}, frames));
    ASSERT_EQ(frames.size(), 1u);
    l.server.on_frame(frames[0], l.clock.now());
    auto evs = l.server.take_events();
    auto* pkt = find_event<event::Packet>(evs);
    ASSERT_NE(pkt, nullptr);
    EXPECT_EQ(pkt->data, (Bytes{0x45, 0, 0, 20}));
}

INSTANTIATE_TEST_SUITE_P(PppSession, AllMethods,
                         ::testing::Values(AuthMethod::Pap, AuthMethod::Chap, AuthMethod::MsChapV1, AuthMethod::MsChapV2),
                         [](const auto& p) { return std::string(to_string(p.param)); });

TEST(PppSession, ServerWalksItsMethodListWhenTheClientNaks) {
    // Server proposes MS-CHAPv2 first; the client only allows PAP and Naks with it.
    Link l(client_cfg({AuthMethod::Pap}), server_cfg({AuthMethod::MsChapV2, AuthMethod::Pap}));
    l.creds.add("alice", "Secret-1");
    l.start();
    auto* sa = find_event<event::AuthDone>(l.server_events);
    ASSERT_NE(sa, nullptr);
    EXPECT_EQ(sa->outcome.method, AuthMethod::Pap);
    EXPECT_TRUE(sa->outcome.success);
}

TEST(PppSession, NoCommonMethodTerminatesTheLink) {
    Link l(client_cfg({AuthMethod::Pap}), server_cfg({AuthMethod::MsChapV2}));
    l.start();
    l.run_timers();
    auto* fin = find_event<event::Finished>(l.server_events);
    ASSERT_NE(fin, nullptr);
    EXPECT_EQ(find_event<event::AuthDone>(l.server_events), nullptr);
}

class WrongPassword : public ::testing::TestWithParam<AuthMethod> {};

TEST_P(WrongPassword, IsRefusedAndTheLinkTerminates) {
    AuthMethod m = GetParam();
    Link l(client_cfg({m}, "alice", "not-the-password"), server_cfg({m}));
    l.creds.add("alice", "Secret-1");
    l.start();
    l.run_timers();
    auto* sa = find_event<event::AuthDone>(l.server_events);
    auto* ca = find_event<event::AuthDone>(l.client_events);
    ASSERT_NE(sa, nullptr);
    ASSERT_NE(ca, nullptr);
    EXPECT_FALSE(sa->outcome.success);
    EXPECT_FALSE(ca->outcome.success);
    EXPECT_EQ(sa->outcome.message, "wrong password");
    EXPECT_NE(find_event<event::Finished>(l.server_events), nullptr);
    EXPECT_NE(find_event<event::Finished>(l.client_events), nullptr);
    EXPECT_EQ(find_event<event::Ipv4Up>(l.server_events), nullptr);
}

INSTANTIATE_TEST_SUITE_P(PppSession, WrongPassword,
                         ::testing::Values(AuthMethod::Pap, AuthMethod::Chap, AuthMethod::MsChapV1, AuthMethod::MsChapV2),
                         [](const auto& p) { return std::string(to_string(p.param)); });

TEST(PppSession, UnknownUserIsRefusedLikeAWrongPassword) {
    Link l(client_cfg({AuthMethod::MsChapV2}, "mallory"), server_cfg({AuthMethod::MsChapV2}));
    l.creds.add("alice", "Secret-1");
    l.start();
    auto* sa = find_event<event::AuthDone>(l.server_events);
    ASSERT_NE(sa, nullptr);
    EXPECT_FALSE(sa->outcome.success);
    EXPECT_EQ(sa->outcome.message, "unknown user");
}

TEST(PppSession, MsChapV2AcceptsDomainPrefixedNames) {
    Link l(client_cfg({AuthMethod::MsChapV2}, "LAB\\alice"), server_cfg({AuthMethod::MsChapV2}));
    l.creds.add("alice", "Secret-1");
    l.start();
    auto* sa = find_event<event::AuthDone>(l.server_events);
    ASSERT_NE(sa, nullptr);
    EXPECT_TRUE(sa->outcome.success) << sa->outcome.message;
}

TEST(PppSession, CcpAndUnknownProtocolsGetProtocolReject) {
    Link l(client_cfg({AuthMethod::Pap}), server_cfg({AuthMethod::Pap}));
    l.creds.add("alice", "Secret-1");
    l.start();
    Bytes ccp;
    encode_cp_frame(uint16_t(Protocol::Ccp), 1, 1, Bytes{0x12, 0x06, 0, 0, 0, 1}, ccp);
    l.server.on_frame(ccp, l.clock.now());
    auto evs = l.server.take_events();
    auto fr = test::frames(evs);
    ASSERT_EQ(fr.size(), 1u);
    auto f = decode_frame(fr[0]);
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->protocol, uint16_t(Protocol::Lcp));
    auto p = decode_cp(f->info);
    EXPECT_EQ(p->code, uint8_t(Code::ProtocolReject));
    EXPECT_EQ(p->data[0], 0x80);
    EXPECT_EQ(p->data[1], 0xFD);
    EXPECT_EQ(l.server.counters().protocol_rejects_sent, 1u);
}

TEST(PppSession, NcpPacketsBeforeAuthenticationAreDiscardedNotRejected) {
    PppConfig s = server_cfg({AuthMethod::Pap});
    Link l(client_cfg({AuthMethod::Pap}), s);
    l.assign_on_auth = false;  // the server stays in Authenticate
    l.server.lower_up(l.clock.now());
    Bytes ipcp;
    encode_cp_frame(uint16_t(Protocol::Ipcp), 1, 1, Bytes{3, 6, 0, 0, 0, 0}, ipcp);
    (void)l.server.take_events();
    l.server.on_frame(ipcp, l.clock.now());
    auto evs = l.server.take_events();
    EXPECT_TRUE(test::frames(evs).empty());
    EXPECT_EQ(l.server.counters().discarded, 1u);
}

TEST(PppSession, Ipv6DisabledRejectsIpv6cpAndIpv4StillComesUp) {
    PppConfig s = server_cfg({AuthMethod::Pap});
    s.ipv6 = false;
    Link l(client_cfg({AuthMethod::Pap}), s);
    l.creds.add("alice", "Secret-1");
    l.start();
    EXPECT_NE(find_event<event::Ipv4Up>(l.client_events), nullptr);
    EXPECT_EQ(find_event<event::Ipv6Up>(l.client_events), nullptr);
    EXPECT_TRUE(l.client.ipv4_up());
    EXPECT_FALSE(l.client.ipv6_up());
}

TEST(PppSession, PoolExhaustionWithoutIpv6EndsTheLink) {
    PppConfig s = server_cfg({AuthMethod::Pap});
    s.ipv6 = false;
    Link l(client_cfg({AuthMethod::Pap}), s);
    l.creds.add("alice", "Secret-1");
    l.addrs.no_ipv4 = true;
    l.start();
    l.run_timers();
    EXPECT_NE(find_event<event::Finished>(l.server_events), nullptr);
    EXPECT_EQ(find_event<event::Ipv4Up>(l.client_events), nullptr);
}

TEST(PppSession, LcpRestartTimerGivesUpAfterMaxConfigure) {
    PppConfig c = client_cfg({AuthMethod::Pap});
    ksstp::test::FakeRng rng;
    PppSession s(c, rng, nullptr);
    ksstp::test::FakeClock clock;
    s.lower_up(clock.now());
    int requests = 0;
    for (int i = 0; i < 20 && s.phase() != Phase::Dead; ++i) {
        for (auto& e : s.take_events())
            if (std::holds_alternative<event::SendFrame>(e)) ++requests;
        clock.t = *s.next_deadline();
        s.on_timer(clock.now());
    }
    auto evs = s.take_events();
    for (auto& e : evs)
        if (std::holds_alternative<event::SendFrame>(e)) ++requests;
    EXPECT_EQ(requests, 10);  // Max-Configure
    EXPECT_EQ(s.phase(), Phase::Dead);
    auto* fin = find_event<event::Finished>(evs);
    ASSERT_NE(fin, nullptr);
    EXPECT_NE(fin->reason.find("no answer"), std::string::npos);
}

TEST(PppSession, AdministrativeCloseSendsTerminateRequest) {
    Link l(client_cfg({AuthMethod::Pap}), server_cfg({AuthMethod::Pap}));
    l.creds.add("alice", "Secret-1");
    l.start();
    l.server.close(l.clock.now(), "admin");
    l.pump();
    l.run_timers();  // the client waits one restart interval after Terminate-Ack (zrc)
    EXPECT_NE(find_event<event::Finished>(l.server_events), nullptr);
    EXPECT_NE(find_event<event::Finished>(l.client_events), nullptr);
    EXPECT_EQ(l.server.phase(), Phase::Dead);
}

}  // namespace
}  // namespace ksstp::ppp
