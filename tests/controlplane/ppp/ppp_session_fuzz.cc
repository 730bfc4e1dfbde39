// Fuzz target: a PppSession (authenticator and peer) fed arbitrary frames and timer ticks. It
// exercises every option handler and the RFC 1661 automaton. Invariants: no crash, output
// bounded per input (no amplification loops), deadlines never in the past after on_timer.
#include <cstdint>
#include <cstdlib>

#include "controlplane/ppp/ppp_session.h"
#include "tests/fakes/fake_credentials.h"
#include "tests/fakes/fake_rng.h"

using namespace ksstp;
using namespace ksstp::ppp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    test::FakeRng rng(data[0]);
    test::FakeCredentials creds;
    creds.add("alice", "Secret-1");
    test::FakeAddresses addrs;
    PppConfig cfg;
    cfg.authenticator = data[0] & 1;
    cfg.methods = {AuthMethod::MsChapV2, AuthMethod::MsChapV1, AuthMethod::Chap, AuthMethod::Pap};
    cfg.user = "alice";
    cfg.password = "Secret-1";
    cfg.ipv6 = data[0] & 2;
    cfg.mrru = (data[0] & 4) ? std::optional<uint16_t>(1600) : std::nullopt;
    PppSession s(cfg, rng, &creds);
    Instant now{1000};
    s.lower_up(now);
    ByteReader r(ByteView(data + 1, size - 1));
    size_t frames_out = 0, inputs = 1;
    while (r.remaining() >= 2) {
        uint16_t len = r.u16();
        if (len == 0) {  // a timer tick
            if (auto d = s.next_deadline()) now = std::max(now, *d);
            s.on_timer(now);
        } else {
            ByteView f = r.bytes(std::min<size_t>(len, r.remaining()));
            s.on_frame(f, now);
        }
        ++inputs;
        for (auto& e : s.take_events()) {
            if (std::holds_alternative<event::SendFrame>(e)) ++frames_out;
            if (auto* a = std::get_if<event::AuthDone>(&e); a && a->outcome.success && cfg.authenticator)
                s.start_network(addrs.ipv4(a->outcome.user), now);
        }
        if (auto d = s.next_deadline(); d && *d < now) std::abort();
    }
    // Each input may trigger a handful of packets (reply + our request + NCP starts), never more.
    if (frames_out > inputs * 8) std::abort();
    return 0;
}
