// SSTP call state machine (reference/sstp.md 7): a client and a server machine exchanging
// packets directly, plus single-machine transcripts for the error paths and timers.
#include "controlplane/sstp/session_fsm.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_rng.h"

namespace ksstp::sstp {
namespace {

using test::FakeClock;
using test::FakeRng;

std::vector<Bytes> sent(const SstpActions& a) {
    std::vector<Bytes> v;
    for (const auto& x : a)
        if (auto* s = std::get_if<action::Send>(&x)) v.push_back(s->packet);
    return v;
}
template <class T>
const T* find(const SstpActions& a) {
    for (const auto& x : a)
        if (auto* t = std::get_if<T>(&x)) return t;
    return nullptr;
}
MessageType type(const Bytes& pkt) { return MessageType(pkt[4] << 8 | pkt[5]); }
// The message of the first packet sent in `a`.
Message first_message(const SstpActions& a) {
    auto pkts = sent(a);
    EXPECT_FALSE(pkts.empty());
    auto cp = decode_control(pkts.at(0));
    EXPECT_TRUE(cp.has_value());
    auto m = parse_message(*cp);
    EXPECT_TRUE(m.has_value());
    return *m;
}
Status abort_status(const SstpActions& a) {
    Message m = first_message(a);
    EXPECT_TRUE(std::holds_alternative<CallAbort>(m));
    return std::get<CallAbort>(m).status->status;
}

struct Pair : ::testing::Test {
    FakeClock clock;
    FakeRng rng{7};
    SessionFsm client{SstpConfig{Role::Client, {}, 3, 0x03}, rng};
    SessionFsm server{SstpConfig{Role::Server, {}, 3, 0x03}, rng};
    CertHashes cert = CertHashes::of_der(as_bytes("not really a certificate"));

    void SetUp() override {
        client.set_server_cert(cert);
        server.set_server_cert(cert);
    }
    // CONNECT_REQUEST -> CONNECT_ACK on both machines; returns the ACK as the client saw it.
    SstpActions connect_to_ack() {
        SstpActions s0, c0;
        server.start(clock.now(), s0);
        client.start(clock.now(), c0);
        SstpActions ack = deliver(c0, server);
        deliver(ack, client);
        return ack;
    }
    // Delivers every packet of `acts` to `to`, returns the reply actions.
    SstpActions deliver(const SstpActions& acts, SessionFsm& to) {
        SstpActions out;
        for (const Bytes& p : sent(acts)) to.on_control(p, clock.now(), out);
        return out;
    }
};

TEST_F(Pair, ConnectsThroughCallConnectedWithAVerifiedMac) {
    SstpActions s0, c0;
    server.start(clock.now(), s0);
    client.start(clock.now(), c0);                       // -> CONNECT_REQUEST
    ASSERT_EQ(type(sent(c0)[0]), MessageType::CallConnectRequest);
    SstpActions s1 = deliver(c0, server);                // <- CONNECT_ACK
    ASSERT_EQ(type(sent(s1)[0]), MessageType::CallConnectAck);
    EXPECT_NE(find<action::PppLowerUp>(s1), nullptr);
    EXPECT_EQ(server.state(), State::ServerCallConnectedPending);
    SstpActions c1 = deliver(s1, client);
    EXPECT_NE(find<action::PppLowerUp>(c1), nullptr);
    EXPECT_EQ(client.state(), State::ClientConnectAckReceived);
    EXPECT_TRUE(client.ppp_allowed(true));
    EXPECT_FALSE(client.ppp_allowed(false));            // data gated until CALL_CONNECTED

    Hlak hlak{};
    hlak.fill(0x42);
    SstpActions s2;
    server.on_auth_complete({hlak}, clock.now(), s2);
    SstpActions c2;
    client.on_auth_complete({hlak}, clock.now(), c2);    // -> CALL_CONNECTED
    ASSERT_EQ(type(sent(c2)[0]), MessageType::CallConnected);
    EXPECT_EQ(client.state(), State::CallConnected);
    SstpActions s3 = deliver(c2, server);
    auto* est = find<action::CallEstablished>(s3);
    ASSERT_NE(est, nullptr);
    EXPECT_EQ(est->hash, HashProtocol::Sha256);
    EXPECT_EQ(server.state(), State::CallConnected);
    EXPECT_TRUE(server.ppp_allowed(false));
}

TEST_F(Pair, ServerDefersCallConnectedUntilAuthenticationFinishes) {
    connect_to_ack();
    Hlak hlak{};
    SstpActions c2;
    client.on_auth_complete({hlak}, clock.now(), c2);
    SstpActions s3 = deliver(c2, server);                // arrives before the server's auth result
    EXPECT_EQ(find<action::CallEstablished>(s3), nullptr);
    ASSERT_NE(find<action::Note>(s3), nullptr);
    SstpActions s4;
    server.on_auth_complete({hlak}, clock.now(), s4);
    EXPECT_NE(find<action::CallEstablished>(s4), nullptr);
}

TEST_F(Pair, WrongHlakAbortsWithValueNotSupportedThenCloses) {
    connect_to_ack();
    Hlak good{}, bad{};
    bad[31] = 1;
    SstpActions s2, c2;
    server.on_auth_complete({good}, clock.now(), s2);
    client.on_auth_complete({bad}, clock.now(), c2);
    SstpActions s3 = deliver(c2, server);                // <- CALL_ABORT (3, 4)
    auto pkts = sent(s3);
    ASSERT_EQ(pkts.size(), 1u);
    auto msg = parse_message(*decode_control(pkts[0]));
    ASSERT_TRUE(msg.has_value());
    const auto& ab = std::get<CallAbort>(*msg);
    ASSERT_TRUE(ab.status.has_value());
    EXPECT_EQ(ab.status->attrib_id, AttributeId::CryptoBinding);
    EXPECT_EQ(ab.status->status, Status::ValueNotSupported);
    EXPECT_EQ(server.state(), State::CallAbortPending);
    SstpActions c3 = deliver(s3, client);                // client answers ABORT, T2
    EXPECT_EQ(client.state(), State::CallAbortTimeoutPending);
    SstpActions s4 = deliver(c3, server);
    EXPECT_EQ(server.state(), State::CallAbortTimeoutPending);
    clock.advance(Duration{1000});
    SstpActions s5, c5;
    server.on_timer(clock.now(), s5);
    client.on_timer(clock.now(), c5);
    auto* sc = find<action::Close>(s5);
    ASSERT_NE(sc, nullptr);
    EXPECT_EQ(sc->reason, EndReason::LocalAbort);
    EXPECT_NE(sc->detail.find("compound MAC"), std::string::npos);
    auto* cc = find<action::Close>(c5);
    ASSERT_NE(cc, nullptr);
    EXPECT_EQ(cc->reason, EndReason::PeerAbort);
    EXPECT_TRUE(server.closed() && client.closed());
}

TEST_F(Pair, NonceMismatchIsDetected) {
    SstpActions a, b;
    server.start(clock.now(), a);
    client.start(clock.now(), b);
    SstpActions ack = deliver(b, server);
    // A relay that replaces the nonce on its way to the client.
    for (auto& x : ack)
        if (auto* s = std::get_if<action::Send>(&x)) s->packet[20] ^= 0xFF;
    deliver(ack, client);
    Hlak h{};
    SstpActions s2, c2;
    server.on_auth_complete({h}, clock.now(), s2);
    client.on_auth_complete({h}, clock.now(), c2);
    SstpActions s3 = deliver(c2, server);
    auto* note = find<action::Note>(s3);
    ASSERT_NE(note, nullptr);
    EXPECT_NE(note->text.find("nonce mismatch"), std::string::npos);
}

TEST_F(Pair, GracefulDisconnectBothSides) {
    connect_to_ack();
    SstpActions c1;
    client.disconnect(clock.now(), c1);                 // -> CALL_DISCONNECT (with Status Info)
    ASSERT_EQ(type(sent(c1)[0]), MessageType::CallDisconnect);
    EXPECT_EQ(sent(c1)[0].size(), 20u);
    SstpActions s1 = deliver(c1, server);               // <- CALL_DISCONNECT_ACK, T2
    ASSERT_EQ(type(sent(s1)[0]), MessageType::CallDisconnectAck);
    SstpActions c2 = deliver(s1, client);               // clean up at once
    auto* cl = find<action::Close>(c2);
    ASSERT_NE(cl, nullptr);
    EXPECT_EQ(cl->reason, EndReason::LocalDisconnect);
    clock.advance(Duration{1000});
    SstpActions s2;
    server.on_timer(clock.now(), s2);
    ASSERT_NE(find<action::Close>(s2), nullptr);
    EXPECT_EQ(find<action::Close>(s2)->reason, EndReason::PeerDisconnect);
}

TEST_F(Pair, DisconnectWithoutAckIsForcedAfterT1) {
    SstpActions a;
    client.start(clock.now(), a);
    SstpActions b;
    client.disconnect(clock.now(), b);
    clock.advance(Duration{4999});
    SstpActions c;
    client.on_timer(clock.now(), c);
    EXPECT_TRUE(c.empty());
    clock.advance(Duration{1});
    client.on_timer(clock.now(), c);
    EXPECT_NE(find<action::Close>(c), nullptr);
}

// One started machine of either role.
struct One : ::testing::Test {
    FakeClock clock;
    FakeRng rng;
    SessionFsm make(Role r, Duration hello = Duration{60'000}) {
        SstpConfig cfg{r, {}, 3, 0x03};
        cfg.timers.hello = hello;
        SessionFsm m(cfg, rng);
        SstpActions a;
        m.start(clock.now(), a);
        return m;
    }
};

TEST_F(One, ClientRetriesAfterNakThenGivesUp) {
    SessionFsm c = make(Role::Client);
    Bytes nak = encode(CallConnectNak{{StatusInfo::make(AttributeId::EncapsulatedProtocolId, Status::ValueNotSupported)}});
    for (int i = 0; i < 3; ++i) {
        SstpActions r;
        c.on_control(nak, clock.now(), r);
        ASSERT_EQ(sent(r).size(), 1u);
        EXPECT_EQ(type(sent(r)[0]), MessageType::CallConnectRequest);
    }
    SstpActions r;
    c.on_control(nak, clock.now(), r);
    EXPECT_EQ(abort_status(r), Status::RetryCountExceeded);
}

TEST_F(One, ServerNaksBadConnectRequestsThenAborts) {
    SessionFsm s = make(Role::Server);
    Bytes bad = hex_bytes("1001000E 00010001 00010006 0002");  // protocol 2 is not PPP
    for (int i = 0; i < 3; ++i) {
        SstpActions r;
        s.on_control(bad, clock.now(), r);
        Message msg = first_message(r);
        ASSERT_TRUE(std::holds_alternative<CallConnectNak>(msg));
        EXPECT_EQ(std::get<CallConnectNak>(msg).statuses[0].status, Status::ValueNotSupported);
    }
    SstpActions r;
    s.on_control(bad, clock.now(), r);
    EXPECT_EQ(type(sent(r)[0]), MessageType::CallAbort);
}

TEST_F(One, NegotiationTimesOutAfter60Seconds) {
    SessionFsm s = make(Role::Server);
    EXPECT_EQ(s.next_deadline(), clock.now() + Duration{60'000});
    clock.advance(Duration{60'000});
    SstpActions r;
    s.on_timer(clock.now(), r);
    EXPECT_EQ(abort_status(r), Status::NegotiationTimeout);
    clock.advance(Duration{3000});  // abort T1
    SstpActions r2;
    s.on_timer(clock.now(), r2);
    ASSERT_NE(find<action::Close>(r2), nullptr);
    EXPECT_EQ(find<action::Close>(r2)->reason, EndReason::NegotiationTimeout);
}

TEST_F(Pair, KeepaliveSendsEchoThenDropsASilentPeer) {
    connect_to_ack();
    Hlak h{};
    SstpActions x, y;
    server.on_auth_complete({h}, clock.now(), x);
    client.on_auth_complete({h}, clock.now(), y);
    deliver(y, server);
    ASSERT_EQ(server.state(), State::CallConnected);
    clock.advance(Duration{60'000});
    SstpActions e;
    server.on_timer(clock.now(), e);                     // -> ECHO_REQUEST
    ASSERT_EQ(sent(e).size(), 1u);
    EXPECT_EQ(type(sent(e)[0]), MessageType::EchoRequest);
    SstpActions reply = deliver(e, client);              // <- ECHO_RESPONSE
    EXPECT_EQ(type(sent(reply)[0]), MessageType::EchoResponse);
    server.on_packet_received(clock.now());
    clock.advance(Duration{60'000});
    SstpActions e2;
    server.on_timer(clock.now(), e2);                    // answered before: another echo
    EXPECT_EQ(type(sent(e2)[0]), MessageType::EchoRequest);
    clock.advance(Duration{60'000});
    SstpActions e3;
    server.on_timer(clock.now(), e3);                    // silence: drop without ABORT
    EXPECT_TRUE(sent(e3).empty());
    ASSERT_NE(find<action::Close>(e3), nullptr);
    EXPECT_EQ(find<action::Close>(e3)->reason, EndReason::KeepaliveTimeout);
}

TEST_F(One, KeepaliveDisabledArmsNoTimer) {
    SessionFsm c = make(Role::Client, Duration{0});
    SstpActions a;
    Bytes ack = encode(CallConnectAck{CryptoBindingRequest{0x02, {}}});
    c.on_control(ack, clock.now(), a);
    c.on_auth_complete({Hlak{}}, clock.now(), a);
    EXPECT_EQ(c.state(), State::CallConnected);
    EXPECT_FALSE(c.next_deadline().has_value());
}

TEST_F(One, UnexpectedMessagesAbortWithUnacceptedFrame) {
    SessionFsm s = make(Role::Server);
    SstpActions r;
    s.on_control(encode(CallConnectAck{CryptoBindingRequest{0x02, {}}}), clock.now(), r);
    EXPECT_EQ(abort_status(r), Status::UnacceptedFrameReceived);
    // In Call_Abort_Pending further junk is ignored.
    SstpActions r2;
    s.on_control(encode(CallConnectRequest{}), clock.now(), r2);
    EXPECT_TRUE(r2.empty());
}

TEST_F(One, ClientAbortsWhenNoHashProtocolIsCommon) {
    SessionFsm c = make(Role::Client);
    SstpActions r;
    c.on_control(encode(CallConnectAck{CryptoBindingRequest{0x04, {}}}), clock.now(), r);
    Message m = first_message(r);
    EXPECT_EQ(std::get<CallAbort>(m).status->attrib_id, AttributeId::CryptoBindingReq);
}

TEST_F(One, AnswersEchoWhileWaitingForCallConnected) {
    SessionFsm s = make(Role::Server);
    SstpActions a;
    s.on_control(encode(CallConnectRequest{}), clock.now(), a);
    SstpActions r;
    s.on_control(encode(EchoRequest{}), clock.now(), r);
    ASSERT_EQ(sent(r).size(), 1u);
    EXPECT_EQ(type(sent(r)[0]), MessageType::EchoResponse);
    EXPECT_EQ(s.state(), State::ServerCallConnectedPending);
}

TEST_F(One, MalformedControlPacketAborts) {
    SessionFsm s = make(Role::Server);
    SstpActions r;
    s.on_control(hex_bytes("1001000E 00010002 00010006 0001"), clock.now(), r);  // count lies
    EXPECT_EQ(abort_status(r), Status::InvalidFrameReceived);
}

}  // namespace
}  // namespace ksstp::sstp
