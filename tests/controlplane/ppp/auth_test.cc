// PAP and CHAP-family protocol objects on their own: retransmissions, retries, repeated
// verdicts, mutual authentication, and lenient parsing of other implementations' messages.
#include <gtest/gtest.h>

#include "controlplane/ppp/chap.h"
#include "controlplane/ppp/mschap.h"
#include "controlplane/ppp/pap.h"
#include "controlplane/ppp/wire.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_credentials.h"
#include "tests/fakes/fake_rng.h"

namespace ksstp::ppp {
namespace {

struct Sent {
    uint8_t code, id;
    Bytes data;
};
struct Recorder {
    std::vector<Sent> sent;
    AuthProtocol::SendFn fn() {
        return [this](uint8_t c, uint8_t i, ByteView d) { sent.push_back({c, i, Bytes(d.begin(), d.end())}); };
    }
};
CpPacket pkt(uint8_t code, uint8_t id, const Bytes& data) { return CpPacket{code, id, data}; }

TEST(PapPeer, RetransmitsWithTheSameIdentifierThenGivesUp) {
    ksstp::test::FakeClock clock;
    Recorder rec;
    PapPeer peer("alice", "pw", FsmTimers{}, rec.fn());
    peer.start(clock.now());
    for (int i = 0; i < 12 && !peer.outcome(); ++i) {
        clock.t = *peer.next_deadline();
        peer.on_timer(clock.now());
    }
    ASSERT_EQ(rec.sent.size(), 10u);  // Max-Configure transmissions
    for (const Sent& s : rec.sent) EXPECT_EQ(s.id, rec.sent[0].id);
    ASSERT_TRUE(peer.outcome().has_value());
    EXPECT_FALSE(peer.outcome()->success);
}

TEST(PapPeer, AcceptsAnAckWithoutMsgLength) {
    Recorder rec;
    PapPeer peer("alice", "pw", FsmTimers{}, rec.fn());
    peer.start(Instant{0});
    peer.receive(pkt(uint8_t(PapCode::AuthenticateAck), rec.sent[0].id, Bytes{}), Instant{0});
    ASSERT_TRUE(peer.outcome().has_value());
    EXPECT_TRUE(peer.outcome()->success);
}

TEST(PapAuthenticator, RepeatsTheVerdictForARetransmittedRequest) {
    ksstp::test::FakeCredentials creds;
    creds.add("alice", "pw");
    Recorder rec;
    PapAuthenticator a(creds, FsmTimers{}, rec.fn());
    a.start(Instant{0});
    Bytes req{5, 'a', 'l', 'i', 'c', 'e', 2, 'p', 'w'};
    a.receive(pkt(1, 4, req), Instant{0});
    a.receive(pkt(1, 4, req), Instant{0});
    ASSERT_EQ(rec.sent.size(), 2u);
    EXPECT_EQ(rec.sent[0].code, uint8_t(PapCode::AuthenticateAck));
    EXPECT_EQ(rec.sent[1].code, uint8_t(PapCode::AuthenticateAck));
    EXPECT_EQ(rec.sent[1].id, 4);
    EXPECT_TRUE(a.outcome()->success);
}

TEST(PapAuthenticator, DiscardsATruncatedRequest) {
    ksstp::test::FakeCredentials creds;
    Recorder rec;
    PapAuthenticator a(creds, FsmTimers{}, rec.fn());
    a.start(Instant{0});
    a.receive(pkt(1, 1, Bytes{9, 'a'}), Instant{0});  // Peer-ID length lies
    EXPECT_TRUE(rec.sent.empty());
    EXPECT_FALSE(a.outcome().has_value());
}

TEST(ChapAuthenticator, RetransmitsTheSameChallengeThenFails) {
    ksstp::test::FakeCredentials creds;
    ksstp::test::FakeRng rng;
    ksstp::test::FakeClock clock;
    Recorder rec;
    ChapAuthenticator a(AuthMethod::MsChapV2, "ksstp", creds, rng, FsmTimers{}, rec.fn());
    a.start(clock.now());
    for (int i = 0; i < 12 && !a.outcome(); ++i) {
        clock.t = *a.next_deadline();
        a.on_timer(clock.now());
    }
    ASSERT_EQ(rec.sent.size(), 10u);
    for (const Sent& s : rec.sent) EXPECT_EQ(s.data, rec.sent[0].data);
    EXPECT_EQ(a.outcome()->message, "no CHAP Response from peer");
}

TEST(ChapAuthenticator, AnswersARepeatedResponseWithTheSameSuccess) {
    ksstp::test::FakeCredentials creds;
    creds.add("alice", "pw");
    ksstp::test::FakeRng r1(1), r2(2);
    Recorder auth_out, peer_out;
    ChapAuthenticator a(AuthMethod::MsChapV2, "ksstp", creds, r1, FsmTimers{}, auth_out.fn());
    ChapPeer p(AuthMethod::MsChapV2, "alice", "pw", r2, FsmTimers{}, peer_out.fn());
    a.start(Instant{0});
    p.start(Instant{0});
    const Sent& ch = auth_out.sent[0];
    p.receive(pkt(ch.code, ch.id, ch.data), Instant{0});
    const Sent resp = peer_out.sent[0];
    a.receive(pkt(resp.code, resp.id, resp.data), Instant{0});
    a.receive(pkt(resp.code, resp.id, resp.data), Instant{0});  // our Success was lost
    ASSERT_EQ(auth_out.sent.size(), 3u);
    EXPECT_EQ(auth_out.sent[1].code, uint8_t(ChapCode::Success));
    EXPECT_EQ(auth_out.sent[2].data, auth_out.sent[1].data);
    p.receive(pkt(auth_out.sent[1].code, auth_out.sent[1].id, auth_out.sent[1].data), Instant{0});
    ASSERT_TRUE(p.outcome().has_value());
    EXPECT_TRUE(p.outcome()->success);
}

TEST(ChapPeer, RejectsAServerThatCannotProveItKnowsThePassword) {
    ksstp::test::FakeRng rng;
    Recorder rec;
    ChapPeer p(AuthMethod::MsChapV2, "alice", "pw", rng, FsmTimers{}, rec.fn());
    p.start(Instant{0});
    Bytes ch{16};
    ch.resize(17, 0x33);
    p.receive(pkt(uint8_t(ChapCode::Challenge), 9, ch), Instant{0});
    std::string forged = "S=0000000000000000000000000000000000000000 M=ok";
    p.receive(pkt(uint8_t(ChapCode::Success), 9, Bytes(forged.begin(), forged.end())), Instant{0});
    ASSERT_TRUE(p.outcome().has_value());
    EXPECT_FALSE(p.outcome()->success);
    EXPECT_NE(p.outcome()->message.find("authenticator response is wrong"), std::string::npos);
}

TEST(ChapPeer, AnswersAnMsChapV2RetryWithTheNewChallenge) {
    // A pppd server that allows retries: E=691 R=1 C=<new challenge>.
    ksstp::test::FakeRng rng;
    Recorder rec;
    ChapPeer p(AuthMethod::MsChapV2, "alice", "pw", rng, FsmTimers{}, rec.fn());
    p.start(Instant{0});
    Bytes ch(17, 0x11);
    ch[0] = 16;
    p.receive(pkt(uint8_t(ChapCode::Challenge), 9, ch), Instant{0});
    std::string fail = "E=691 R=1 C=00112233445566778899AABBCCDDEEFF V=3 M=try again";
    p.receive(pkt(uint8_t(ChapCode::Failure), 9, Bytes(fail.begin(), fail.end())), Instant{0});
    ASSERT_FALSE(p.outcome().has_value());
    ASSERT_EQ(rec.sent.size(), 2u);
    EXPECT_EQ(rec.sent[1].id, 10);  // RFC 2759 6: Identifier + 1
    // The new NT-Response answers the C= challenge.
    ByteReader r(rec.sent[1].data);
    ASSERT_EQ(r.u8(), 49);
    auto peer = r.array<16>();
    r.skip(8);
    auto nt = r.array<24>();
    mschap::Challenge16 auth{};
    Bytes c = hex_bytes("00112233445566778899AABBCCDDEEFF");
    std::copy(c.begin(), c.end(), auth.begin());
    EXPECT_EQ(nt, mschap::generate_nt_response(auth, peer, "alice", "pw"));
    // Without R=1 the failure is final.
    std::string fail2 = "E=691 R=0 V=3";
    p.receive(pkt(uint8_t(ChapCode::Failure), 10, Bytes(fail2.begin(), fail2.end())), Instant{0});
    ASSERT_TRUE(p.outcome().has_value());
    EXPECT_FALSE(p.outcome()->success);
}

TEST(MsChapFailure, ParsesTheVariantsOfRealServers) {
    auto accel = parse_mschap_failure("E=691 R=0 V=3");
    EXPECT_EQ(accel.error, 691);
    EXPECT_FALSE(accel.retry);
    EXPECT_TRUE(accel.challenge.empty());
    auto pppd = parse_mschap_failure("E=691 R=1 C=0123456789ABCDEF0123456789ABCDEF V=0 M=Access denied");
    EXPECT_TRUE(pppd.retry);
    EXPECT_EQ(pppd.challenge.size(), 16u);
    EXPECT_EQ(pppd.version, 0);
    EXPECT_EQ(pppd.message, "Access denied");
    auto odd = parse_mschap_failure("E=646 X=whatever R=0 M=hours");
    EXPECT_EQ(odd.error, 646);
    EXPECT_EQ(odd.message, "hours");
}

}  // namespace
}  // namespace ksstp::ppp
