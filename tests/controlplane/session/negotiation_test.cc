// Two-party negotiation: a ksstp client engine against a ksstp server engine over a fake
// transport with fake clock and RNG (STYLE.md "Negotiation tests"), from the HTTP request to
// CALL_CONNECTED with a verified compound MAC, for every auth method x IPv4/IPv6, and the
// failure paths.
#include <gtest/gtest.h>

#include "controlplane/session/client_session.h"
#include "controlplane/session/server_session.h"
#include "controlplane/ppp/wire.h"
#include "controlplane/io/worker_handoff.h"
#include "tests/fakes/fake_credentials.h"
#include "tests/fakes/fake_rng.h"
#include "tests/fakes/fake_transport.h"

namespace ksstp::session {
namespace {

using ppp::AuthMethod;

struct Events {
    std::vector<SessionEvent> all;
    void add(std::vector<SessionEvent> v) { all.insert(all.end(), std::make_move_iterator(v.begin()), std::make_move_iterator(v.end())); }
    template <class T>
    const T* find() const {
        for (const auto& e : all)
            if (auto* t = std::get_if<T>(&e)) return t;
        return nullptr;
    }
    bool logged(std::string_view needle) const {
        for (const auto& e : all)
            if (auto* l = std::get_if<ev::Log>(&e); l && l->text.find(needle) != std::string::npos) return true;
        return false;
    }
    std::string dump() const {
        std::string s;
        for (const auto& e : all)
            if (auto* l = std::get_if<ev::Log>(&e)) s += std::string(l->subsystem) + ": " + l->text + "\n";
        return s;
    }
};

struct Scenario {
    AuthMethod method = AuthMethod::MsChapV2;
    bool ipv4 = true, ipv6 = true;
    std::string password = "Correct-Horse-9";
    size_t chunk = 0;
    bool mschapv1_start_key = false;
};

struct Harness {
    test::FakeClock clock;
    test::FakeRng crng{11}, srng{22};
    test::FakeCredentials creds;
    test::FakeAddresses addrs;
    sstp::CertHashes cert = sstp::CertHashes::of_der(as_bytes("DER of the server leaf certificate"));
    std::unique_ptr<ClientSession> client;
    std::unique_ptr<ServerSession> server;
    std::unique_ptr<test::FakeTransport> net;
    Events cev, sev;

    explicit Harness(const Scenario& sc, std::optional<sstp::CertHashes> client_sees = std::nullopt) {
        creds.add("alice", "Correct-Horse-9");
        ServerSessionConfig scfg;
        scfg.ppp.methods = {AuthMethod::MsChapV2, AuthMethod::MsChapV1, AuthMethod::Chap, AuthMethod::Pap};
        scfg.ppp.ipv4 = sc.ipv4;
        scfg.ppp.ipv6 = sc.ipv6;
        scfg.cert = cert;
        ClientSessionConfig ccfg;
        ccfg.ppp.methods = {sc.method};
        ccfg.ppp.user = "alice";
        ccfg.ppp.password = sc.password;
        ccfg.ppp.ipv4 = sc.ipv4;
        ccfg.ppp.ipv6 = sc.ipv6;
        ccfg.host = "vpn.example.net";
        ccfg.mschapv1_start_key_hlak = sc.mschapv1_start_key;
        server = std::make_unique<ServerSession>(scfg, srng, creds, addrs, [] { return std::time_t(1163033469); });
        client = std::make_unique<ClientSession>(ccfg, crng);
        net = std::make_unique<test::FakeTransport>(*client, *server, clock);
        net->chunk = sc.chunk;
        server->start(clock.now());                                // TCP accept
        client->start(client_sees ? client_sees : cert, clock.now());  // after TLS
    }
    void run() {
        ASSERT_TRUE(net->pump());
        collect();
    }
    void run_timers(int steps = 200) {
        for (int i = 0; i < steps && net->step_timers(); ++i) collect();
        collect();
    }
    void collect() {
        cev.add(client->take_events());
        sev.add(server->take_events());
    }
};

class Matrix : public ::testing::TestWithParam<std::tuple<AuthMethod, int>> {};

TEST_P(Matrix, ReachesCallConnectedWithVerifiedBinding) {
    auto [method, family] = GetParam();
    Scenario sc;
    sc.method = method;
    sc.ipv4 = family != 6;
    sc.ipv6 = family != 4;
    Harness h(sc);
    h.run();
    // -> SSTP_DUPLEX_POST, <- 200, -> CONNECT_REQUEST, <- CONNECT_ACK, LCP, auth,
    // -> CALL_CONNECTED (server verifies the compound MAC), NCPs.
    auto* est = h.sev.find<ev::Established>();
    ASSERT_NE(est, nullptr) << h.sev.dump();
    EXPECT_EQ(est->hash, sstp::HashProtocol::Sha256);
    EXPECT_TRUE(h.sev.logged("crypto binding verified")) << h.sev.dump();
    EXPECT_EQ(h.server->sstp().state(), sstp::State::CallConnected);
    EXPECT_EQ(h.client->sstp().state(), sstp::State::CallConnected);
    auto* auth = h.sev.find<ev::Authenticated>();
    ASSERT_NE(auth, nullptr);
    EXPECT_EQ(auth->method, method);
    EXPECT_EQ(auth->user, "alice");
    if (sc.ipv4) {
        auto* c4 = h.cev.find<ev::Ipv4Up>();
        ASSERT_NE(c4, nullptr) << h.cev.dump();
        EXPECT_EQ(ppp::ipv4_to_string(c4->ipcp.local), "198.19.0.10");
        EXPECT_EQ(c4->mtu, 1500);
        ASSERT_NE(h.sev.find<ev::Ipv4Up>(), nullptr);
        // An IPv4 datagram crosses the tunnel in each direction.
        Bytes dgram{0x45, 0x00, 0x00, 0x1c, 1, 2, 3, 4};
        ASSERT_TRUE(h.client->send_ip(uint16_t(ppp::Protocol::Ipv4), dgram));
        ASSERT_TRUE(h.server->send_ip(uint16_t(ppp::Protocol::Ipv4), dgram));
        h.run();
        auto* sp = h.sev.find<ev::IpPacket>();
        auto* cp = h.cev.find<ev::IpPacket>();
        ASSERT_NE(sp, nullptr);
        ASSERT_NE(cp, nullptr);
        EXPECT_EQ(sp->data, dgram);
        EXPECT_EQ(cp->data, dgram);
    } else {
        EXPECT_EQ(h.cev.find<ev::Ipv4Up>(), nullptr);
    }
    if (sc.ipv6) {
        auto* s6 = h.sev.find<ev::Ipv6Up>();
        auto* c6 = h.cev.find<ev::Ipv6Up>();
        ASSERT_NE(s6, nullptr) << h.sev.dump();
        ASSERT_NE(c6, nullptr);
        EXPECT_EQ(s6->ipv6cp.remote_iid, c6->ipv6cp.local_iid);
        Bytes dgram6(40, 0);
        dgram6[0] = 0x60;
        ASSERT_TRUE(h.client->send_ip(uint16_t(ppp::Protocol::Ipv6), dgram6));
        h.run();
        bool got = false;
        for (const auto& e : h.sev.all)
            if (auto* p = std::get_if<ev::IpPacket>(&e); p && p->protocol == uint16_t(ppp::Protocol::Ipv6)) got = true;
        EXPECT_TRUE(got);
    } else {
        EXPECT_EQ(h.cev.find<ev::Ipv6Up>(), nullptr);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Negotiation, Matrix,
    ::testing::Combine(::testing::Values(AuthMethod::Pap, AuthMethod::Chap, AuthMethod::MsChapV1, AuthMethod::MsChapV2),
                       ::testing::Values(4, 6, 46)),
    [](const auto& p) {
        int fam = std::get<1>(p.param);
        return std::string(ppp::to_string(std::get<0>(p.param))) + (fam == 4 ? "_IPv4" : fam == 6 ? "_IPv6" : "_Dual");
    });

TEST(Negotiation, WorksWhenEveryByteArrivesAlone) {
    Scenario sc;
    sc.chunk = 1;
    Harness h(sc);
    h.run();
    ASSERT_NE(h.sev.find<ev::Established>(), nullptr) << h.sev.dump();
    ASSERT_NE(h.cev.find<ev::Ipv4Up>(), nullptr);
}

TEST(Negotiation, MsChapV1ServerAcceptsTheAccelStyleStartKeyHlak) {
    Scenario sc;
    sc.method = AuthMethod::MsChapV1;
    sc.mschapv1_start_key = true;
    Harness h(sc);
    h.run();
    ASSERT_NE(h.sev.find<ev::Established>(), nullptr);
    EXPECT_TRUE(h.sev.logged("MS-CHAPv1 start key K1||K1")) << h.sev.dump();
}

TEST(Negotiation, WrongPasswordEndsBothSidesWithoutAddress) {
    Scenario sc;
    sc.password = "wrong";
    Harness h(sc);
    h.run();
    h.run_timers();
    EXPECT_EQ(h.sev.find<ev::Established>(), nullptr);
    EXPECT_EQ(h.cev.find<ev::Ipv4Up>(), nullptr);
    EXPECT_EQ(h.addrs.assigned, 0);
    EXPECT_TRUE(h.sev.logged("authentication failed for user 'alice': wrong password")) << h.sev.dump();
    EXPECT_TRUE(h.cev.logged("authentication failed")) << h.cev.dump();
    auto* se = h.sev.find<ev::Ended>();
    auto* ce = h.cev.find<ev::Ended>();
    ASSERT_NE(se, nullptr);
    ASSERT_NE(ce, nullptr);
    // PPP terminated first, then the SSTP call was disconnected cleanly (reference/sstp.md 11).
    EXPECT_TRUE(se->reason == sstp::EndReason::LocalDisconnect || se->reason == sstp::EndReason::PeerDisconnect);
    EXPECT_TRUE(h.server->ended() && h.client->ended());
}

TEST(Negotiation, RefusedUserGetsNoBindingAndNoAddress) {
    Scenario sc;
    Harness h(sc);
    h.addrs.refusal = "profile 'x' allows only one session per user";
    h.run();
    h.run_timers();
    EXPECT_TRUE(h.sev.logged("session refused for user 'alice': profile 'x' allows only one session per user"))
        << h.sev.dump();
    EXPECT_EQ(h.sev.find<ev::Established>(), nullptr);
    EXPECT_EQ(h.cev.find<ev::Ipv4Up>(), nullptr);
    EXPECT_EQ(h.addrs.assigned, 0);
    ASSERT_NE(h.cev.find<ev::Ended>(), nullptr);
    EXPECT_EQ(h.cev.find<ev::Ended>()->reason, sstp::EndReason::PeerDisconnect);
}

TEST(Negotiation, ExhaustedPoolRefusesTheSessionWithAReason) {
    Scenario sc;
    Harness h(sc);
    h.addrs.pool_exhausted = true;
    h.run();
    h.run_timers();
    EXPECT_TRUE(h.sev.logged("session refused for user 'alice': no address: pool 'clients' is exhausted"))
        << h.sev.dump();
    auto* rf = h.sev.find<ev::Refused>();
    ASSERT_NE(rf, nullptr);
    EXPECT_EQ(rf->user, "alice");
    EXPECT_EQ(rf->reason, "no address: pool 'clients' is exhausted");
    EXPECT_EQ(h.sev.find<ev::Established>(), nullptr);
    EXPECT_EQ(h.cev.find<ev::Ipv4Up>(), nullptr);
    EXPECT_EQ(h.cev.find<ev::Ipv6Up>(), nullptr);  // no IPv6-only half session either
    ASSERT_NE(h.cev.find<ev::Ended>(), nullptr);
    EXPECT_EQ(h.cev.find<ev::Ended>()->reason, sstp::EndReason::PeerDisconnect);
    EXPECT_TRUE(h.server->ended() && h.client->ended());
}

TEST(Negotiation, ForeignCertificateHashIsAbortedByTheServer) {
    // The client saw a relay's certificate (a TLS-terminating man in the middle).
    Scenario sc;
    sstp::CertHashes relay = sstp::CertHashes::of_der(as_bytes("DER of the relay's certificate"));
    Harness h(sc, relay);
    h.run();
    h.run_timers();
    EXPECT_EQ(h.sev.find<ev::Established>(), nullptr);
    EXPECT_TRUE(h.sev.logged("crypto binding failed: certificate hash mismatch")) << h.sev.dump();
    auto* se = h.sev.find<ev::Ended>();
    ASSERT_NE(se, nullptr);
    EXPECT_EQ(se->reason, sstp::EndReason::LocalAbort);
    auto* ce = h.cev.find<ev::Ended>();
    ASSERT_NE(ce, nullptr);
    EXPECT_EQ(ce->reason, sstp::EndReason::PeerAbort);
}

TEST(Negotiation, TamperedCompoundMacIsAborted) {
    Scenario sc;
    Harness h(sc);
    // Flip one bit of the MAC inside the CALL_CONNECTED on its way to the server.
    h.net->client_to_server_tap = [](Bytes& b) {
        for (size_t i = 0; i + 112 <= b.size(); ++i)
            if (b[i] == 0x10 && b[i + 1] == 0x01 && b[i + 2] == 0x00 && b[i + 3] == 0x70 && b[i + 5] == 0x04) b[i + 100] ^= 1;
    };
    h.run();
    h.run_timers();
    EXPECT_TRUE(h.sev.logged("compound MAC mismatch")) << h.sev.dump();
    EXPECT_EQ(h.sev.find<ev::Established>(), nullptr);
}

TEST(Negotiation, AdministrativeDisconnectTerminatesPppThenSstp) {
    Scenario sc;
    Harness h(sc);
    h.run();
    ASSERT_NE(h.sev.find<ev::Established>(), nullptr);
    h.server->disconnect(h.clock.now(), "SIGTERM");
    h.run();
    h.run_timers();
    auto* se = h.sev.find<ev::Ended>();
    auto* ce = h.cev.find<ev::Ended>();
    ASSERT_NE(se, nullptr);
    ASSERT_NE(ce, nullptr);
    // PPP went down on the client (LCP Terminate-Request) before the call ended.
    std::string log = h.cev.dump();
    ASSERT_NE(log.find("IPCP down"), std::string::npos) << log;
    EXPECT_LT(log.find("IPCP down"), log.find("call ended")) << log;
    EXPECT_EQ(ce->reason, sstp::EndReason::PeerDisconnect) << log;
    EXPECT_TRUE(h.sev.logged("link terminated")) << h.sev.dump();
}

TEST(Negotiation, SilentClientHitsTheNegotiationTimeout) {
    Scenario sc;
    Harness h(sc);
    // The client never sends anything after TLS.
    (void)h.client->take_output();
    h.clock.advance(Duration{60'000});
    h.server->on_timer(h.clock.now());
    h.collect();
    auto* se = h.sev.find<ev::Ended>();
    ASSERT_NE(se, nullptr);
    EXPECT_EQ(se->reason, sstp::EndReason::NegotiationTimeout);
}

TEST(Negotiation, PlainGetGetsAnHttpErrorNotAHang) {
    test::FakeClock clock;
    test::FakeRng rng;
    test::FakeCredentials creds;
    test::FakeAddresses addrs;
    ServerSession s({}, rng, creds, addrs, [] { return std::time_t(0); });
    s.start(clock.now());
    s.on_bytes(as_bytes("GET / HTTP/1.1\r\nHost: vpn\r\n\r\n"), clock.now());
    Bytes out = s.take_output();
    EXPECT_EQ(std::string(as_chars(out)).substr(0, 22), "HTTP/1.1 404 Not Found");
    EXPECT_TRUE(s.ended());
}

TEST(Negotiation, GarbageAfterHttpClosesSilently) {
    Scenario sc;
    Harness h(sc);
    ASSERT_TRUE(h.net->pump());
    h.collect();
    (void)h.server->take_output();
    h.server->on_bytes(hex_bytes("20 01 00 08 00 08 00 00"), h.clock.now());  // bad version
    h.collect();
    EXPECT_TRUE(h.server->take_output().empty());  // 3.1.5.1: nothing is sent
    auto* se = h.sev.find<ev::Ended>();
    ASSERT_NE(se, nullptr);
    EXPECT_EQ(se->reason, sstp::EndReason::StreamError);
}

TEST(Negotiation, KeepaliveDetectsAFrozenPeer) {
    Scenario sc;
    Harness h(sc);
    h.run();
    ASSERT_NE(h.sev.find<ev::Established>(), nullptr);
    // The client stops responding (SIGSTOP): only the server's timers run.
    for (int i = 0; i < 10 && !h.server->ended(); ++i) {
        auto d = h.server->next_deadline();
        ASSERT_TRUE(d.has_value());
        h.clock.t = *d;
        h.server->on_timer(h.clock.now());
        (void)h.server->take_output();
        h.collect();
    }
    auto* se = h.sev.find<ev::Ended>();
    ASSERT_NE(se, nullptr);
    EXPECT_EQ(se->reason, sstp::EndReason::KeepaliveTimeout);
}

// The hand-over point of a call to a data-plane worker (controlplane/io/worker_handoff.h):
// never while an NCP is still negotiating, even with the other one up (IPCP takes a Nak round
// for the client's address, IPv6CP does not: there is a moment with IPv6 up and IPCP not).
TEST(Negotiation, NoWorkerHandOverWhileAnNcpIsStillNegotiating) {
    Scenario sc;
    Harness h(sc);
    int half_open = 0;
    for (int round = 0; round < 100 && !h.net->pump(1); ++round) {
        h.collect();
        for (SessionCore* s : {static_cast<SessionCore*>(h.server.get()), static_cast<SessionCore*>(h.client.get())}) {
            const ppp::PppSession& p = s->ppp();
            if (p.ipv4_up() != p.ipv6_up()) {
                ++half_open;
                EXPECT_TRUE(p.ncp_negotiating());
                EXPECT_FALSE(io::ready_for_worker(*s)) << "round " << round;
            }
        }
    }
    h.collect();
    EXPECT_GT(half_open, 0) << "the exchange never had one NCP up and the other negotiating";
    ASSERT_TRUE(h.server->ppp().ipv4_up() && h.server->ppp().ipv6_up()) << h.sev.dump();
    EXPECT_FALSE(h.server->ppp().ncp_negotiating());
    EXPECT_TRUE(io::ready_for_worker(*h.server));
    EXPECT_TRUE(io::ready_for_worker(*h.client));
}

}  // namespace
}  // namespace ksstp::session
