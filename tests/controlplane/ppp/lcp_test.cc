// LCP policy through the RFC 1661 automaton, as transcripts: a hand-built peer packet goes in,
// the reply's bytes are checked.
#include "controlplane/ppp/lcp.h"

#include <gtest/gtest.h>

#include "controlplane/ppp/ppp_session.h"
#include "tests/controlplane/ppp/ppp_test_util.h"

namespace ksstp::ppp {
namespace {

struct LcpPeer : ::testing::Test {
    ksstp::test::FakeRng rng{9};
    ksstp::test::FakeClock clock;
    ksstp::test::FakeCredentials creds;
    std::unique_ptr<PppSession> s;

    void make(bool authenticator, std::vector<AuthMethod> m = {AuthMethod::MsChapV2, AuthMethod::Pap}) {
        PppConfig c;
        c.authenticator = authenticator;
        c.methods = std::move(m);
        c.user = "u";
        c.password = "p";
        s = std::make_unique<PppSession>(c, rng, &creds);
        s->lower_up(clock.now());
        (void)s->take_events();  // our own Configure-Request
    }
    // Sends one LCP packet to the session, returns the LCP replies (code, id, data).
    std::vector<CpPacket> send(uint8_t code, uint8_t id, const Bytes& data) {
        Bytes f;
        encode_cp_frame(uint16_t(Protocol::Lcp), code, id, data, f);
        s->on_frame(f, clock.now());
        replies_.clear();
        store_.clear();
        auto evs = s->take_events();
        for (Bytes& fr : test::frames(evs)) store_.push_back(fr);
        for (Bytes& fr : store_) {
            auto d = decode_frame(fr);
            if (d && d->protocol == uint16_t(Protocol::Lcp)) replies_.push_back(*decode_cp(d->info));
        }
        return replies_;
    }
    std::vector<Bytes> store_;
    std::vector<CpPacket> replies_;
};

TEST_F(LcpPeer, RejectsPppdsAccmPfcAcfcAndAcksMruAndMagic) {
    make(true);
    // reference/test-vectors.md 6: pppd's request (MRU 1400, ACCM 0, magic, PFC, ACFC).
    auto r = send(1, 1, hex_bytes("01040578 020600000000 0506376724C2 0702 0802"));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].code, uint8_t(Code::ConfigureReject));
    EXPECT_EQ(r[0].id, 1);
    EXPECT_EQ(to_hex(r[0].data, true), "02060000000007020802");
    auto r2 = send(1, 2, hex_bytes("01040578 0506376724C2"));
    ASSERT_EQ(r2.size(), 1u);
    EXPECT_EQ(r2[0].code, uint8_t(Code::ConfigureAck));
    EXPECT_EQ(to_hex(r2[0].data, true), "010405780506376724C2");
}

TEST_F(LcpPeer, RejectsWindowsCallbackAndUnknownOptions) {
    make(true);
    auto r = send(1, 7, hex_bytes("0104064E 0506AABBCCDD 0D0306 FE0401 02"));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].code, uint8_t(Code::ConfigureReject));
    EXPECT_EQ(to_hex(r[0].data, true), "0D0306FE040102");
}

TEST_F(LcpPeer, AuthenticatorRejectsAuthProtocolFromThePeer) {
    make(true);
    auto r = send(1, 3, hex_bytes("0304C023"));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].code, uint8_t(Code::ConfigureReject));
}

TEST_F(LcpPeer, ClientNaksEapWithItsPreferredMethod) {
    make(false, {AuthMethod::Pap, AuthMethod::MsChapV2});
    auto r = send(1, 4, hex_bytes("0304C227"));  // SoftEther asks for EAP first
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].code, uint8_t(Code::ConfigureNak));
    EXPECT_EQ(to_hex(r[0].data, true), "0305C22381");
    auto r2 = send(1, 5, hex_bytes("0305C22381"));
    EXPECT_EQ(r2[0].code, uint8_t(Code::ConfigureAck));
}

TEST_F(LcpPeer, MagicNumberEqualToOursIsNakedAsAPossibleLoop) {
    // Learn our magic from our own request.
    PppConfig c;
    c.authenticator = true;
    c.methods = {AuthMethod::Pap};
    ksstp::test::FakeRng r1(77);
    PppSession probe(c, r1, &creds);
    probe.lower_up(clock.now());
    auto evs = probe.take_events();
    auto req_frames = test::frames(evs);
    auto req = decode_cp(decode_frame(req_frames[0])->info);
    auto opts = decode_options(req->data);
    Bytes magic;
    for (auto& o : *opts)
        if (o.type == uint8_t(LcpOption::MagicNumber)) magic.assign(o.value.begin(), o.value.end());
    ASSERT_EQ(magic.size(), 4u);
    // Our own Magic-Number comes back: a looped-back line.
    Bytes f, opt;
    encode_option(uint8_t(LcpOption::MagicNumber), magic, opt);
    encode_cp_frame(uint16_t(Protocol::Lcp), 1, 9, opt, f);
    probe.on_frame(f, clock.now());
    auto evs2 = probe.take_events();
    auto reply_frames = test::frames(evs2);
    auto reply = decode_cp(decode_frame(reply_frames[0])->info);
    EXPECT_EQ(reply->code, uint8_t(Code::ConfigureNak));
    auto nopts = decode_options(reply->data);
    ASSERT_EQ(nopts->size(), 1u);
    EXPECT_EQ((*nopts)[0].type, uint8_t(LcpOption::MagicNumber));
    EXPECT_FALSE(equal((*nopts)[0].value, magic));
}

TEST_F(LcpPeer, MaxFailureTurnsEndlessNaksIntoAReject) {
    make(true);
    int naks = 0;
    for (uint8_t id = 1; id < 20; ++id) {
        auto r = send(1, id, hex_bytes("01040040"));  // MRU 64: below our floor, Naked
        ASSERT_EQ(r.size(), 1u);
        if (r[0].code == uint8_t(Code::ConfigureNak)) {
            ++naks;
            continue;
        }
        EXPECT_EQ(r[0].code, uint8_t(Code::ConfigureReject));
        EXPECT_EQ(to_hex(r[0].data, true), "01040040");
        break;
    }
    EXPECT_EQ(naks, 5);  // Max-Failure
}

TEST_F(LcpPeer, UnknownCodeGetsCodeRejectAndIdentificationIsIgnored) {
    make(true);
    auto r = send(0x42, 1, Bytes{1, 2, 3});
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].code, uint8_t(Code::CodeReject));
    EXPECT_EQ(r[0].data[0], 0x42);
    auto r2 = send(uint8_t(Code::Identification), 2, hex_bytes("00000000 4D53525643"));
    EXPECT_TRUE(r2.empty());
}

TEST_F(LcpPeer, MalformedOptionListIsSilentlyDiscarded) {
    make(true);
    auto r = send(1, 1, hex_bytes("0108 0578"));  // option length runs past the packet
    EXPECT_TRUE(r.empty());
    auto r2 = send(1, 1, hex_bytes("0100"));       // option length below 2
    EXPECT_TRUE(r2.empty());
}

TEST_F(LcpPeer, TerminateRequestIsAlwaysAcked) {
    make(true);
    auto r = send(uint8_t(Code::TerminateRequest), 33, {});
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].code, uint8_t(Code::TerminateAck));
    EXPECT_EQ(r[0].id, 33);
}

// A peer that answers both our request and its retransmission (SoftEther does under load):
// the second Ack is a duplicate, not a crossed connection (RFC 1661 5.2, pppd's seen_ack); taking
// it as one would restart negotiation from Opened, and SoftEther never sends its request again.
TEST_F(LcpPeer, ADuplicateAckOfARetransmittedRequestKeepsTheLinkOpen) {
    PppConfig c;
    c.authenticator = true;
    c.methods = {AuthMethod::Pap};
    s = std::make_unique<PppSession>(c, rng, &creds);
    s->lower_up(clock.now());
    auto ev1 = s->take_events();
    auto first = test::frames(ev1);
    ASSERT_EQ(first.size(), 1u);
    clock.advance(Duration{3000});  // restart timer: the same request again (same Identifier)
    s->on_timer(clock.now());
    auto ev2 = s->take_events();
    auto again = test::frames(ev2);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0], first[0]);
    auto our_frame = decode_frame(first[0]);
    ASSERT_TRUE(our_frame);
    auto ours = decode_cp(our_frame->info);
    ASSERT_TRUE(ours);
    Bytes our_options(ours->data.begin(), ours->data.end());
    auto r = send(1, 7, hex_bytes("01040578"));  // the peer's request: Acked
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].code, uint8_t(Code::ConfigureAck));
    EXPECT_TRUE(send(2, ours->id, our_options).empty());  // its Ack: LCP opened
    EXPECT_EQ(s->phase(), Phase::Authenticate);
    // The Ack of the retransmission arrives now: discarded, nothing sent, still up.
    EXPECT_TRUE(send(2, ours->id, our_options).empty());
    EXPECT_EQ(s->phase(), Phase::Authenticate);
    // So is a late Nak of that request.
    EXPECT_TRUE(send(3, ours->id, hex_bytes("01040578")).empty());
    EXPECT_EQ(s->phase(), Phase::Authenticate);
}

TEST(LcpEcho, EchoRequestIsAnsweredInOpenedWithOurMagic) {
    test::Link l(test::client_cfg({AuthMethod::Pap}), test::server_cfg({AuthMethod::Pap}));
    l.creds.add("alice", "Secret-1");
    l.start();
    ASSERT_TRUE(l.server.lcp().our_magic != 0);
    Bytes f;
    // SoftEther style: magic 0 and a text payload.
    encode_cp_frame(uint16_t(Protocol::Lcp), uint8_t(Code::EchoRequest), 0, hex_bytes("00000000 416B6F"), f);
    l.server.on_frame(f, l.clock.now());
    auto evs = l.server.take_events();
    auto fr = test::frames(evs);
    ASSERT_EQ(fr.size(), 1u);
    auto p = decode_cp(decode_frame(fr[0])->info);
    EXPECT_EQ(p->code, uint8_t(Code::EchoReply));
    EXPECT_EQ(p->id, 0);
    ByteReader rd(p->data);
    EXPECT_EQ(rd.u32(), l.server.lcp().our_magic);
    EXPECT_EQ(to_hex(rd.rest(), true), "416B6F");
}

TEST(LcpResultTest, MtuIsPeerMruCappedByMaxMtuAndSstp) {
    LcpResult r;
    r.peer_mru = 1614;
    EXPECT_EQ(r.mtu(1500), 1500);
    r.peer_mru = 1400;
    EXPECT_EQ(r.mtu(1500), 1400);
    r.peer_mru = 9000;
    EXPECT_EQ(r.mtu(9000), kMaxMruOverSstp);
}

}  // namespace
}  // namespace ksstp::ppp

namespace ksstp::ppp {
namespace {

// The latest Configure-Request among `evs` (our own request), as (id, options).
std::optional<std::pair<uint8_t, Bytes>> our_request(std::vector<PppEvent>& evs) {
    std::optional<std::pair<uint8_t, Bytes>> r;
    for (Bytes& f : test::frames(evs)) {
        auto fr = decode_frame(f);
        if (!fr || fr->protocol != uint16_t(Protocol::Lcp)) continue;
        auto p = decode_cp(fr->info);
        if (p && p->code == uint8_t(Code::ConfigureRequest)) r = std::make_pair(p->id, Bytes(p->data.begin(), p->data.end()));
    }
    return r;
}

TEST(LcpNakLoop, EndlessNaksFromThePeerAreBoundedByMaxConfigure) {
    ksstp::test::FakeRng rng(5);
    ksstp::test::FakeClock clock;
    PppConfig c;
    c.methods = {AuthMethod::Pap};
    c.user = "u";
    c.password = "p";
    PppSession s(c, rng, nullptr);
    s.lower_up(clock.now());
    auto evs = s.take_events();
    int naks = 0;
    for (uint32_t i = 0; i < 30 && s.phase() != Phase::Dead; ++i) {
        auto req = our_request(evs);
        ASSERT_TRUE(req.has_value());
        // A broken peer Naks our Magic-Number with a fresh suggestion every time.
        Bytes opt, f;
        encode_option(uint8_t(LcpOption::MagicNumber), Bytes{0x10, 0x20, 0x30, uint8_t(i + 1)}, opt);
        encode_cp_frame(uint16_t(Protocol::Lcp), uint8_t(Code::ConfigureNak), req->first, opt, f);
        s.on_frame(f, clock.now());
        ++naks;
        evs = s.take_events();
    }
    EXPECT_EQ(s.phase(), Phase::Dead);
    EXPECT_EQ(naks, 11);  // Max-Configure (10) Naks accepted, the 11th ends negotiation
    auto* fin = test::find_event<event::Finished>(evs);
    ASSERT_NE(fin, nullptr);
    EXPECT_NE(fin->reason.find("does not converge"), std::string::npos);
}

TEST(LcpMultilink, MrruOnBothEndsActivatesMultilinkAndARejectFallsBack) {
    auto both = [](bool server_mrru) {
        PppConfig c = test::client_cfg({AuthMethod::Pap});
        c.mrru = 1600;
        PppConfig s = test::server_cfg({AuthMethod::Pap});
        if (server_mrru) s.mrru = 1600;
        test::Link l(c, s);
        l.creds.add("alice", "Secret-1");
        l.start();
        return std::make_pair(l.client.lcp().multilink(), l.server.lcp().multilink());
    };
    EXPECT_EQ(both(true), std::make_pair(true, true));
    // The server has mrru disabled: it rejects MRRU/Endpoint-Discriminator, the client falls
    // back to plain PPP and the link still comes up.
    EXPECT_EQ(both(false), std::make_pair(false, false));
}

}  // namespace
}  // namespace ksstp::ppp
