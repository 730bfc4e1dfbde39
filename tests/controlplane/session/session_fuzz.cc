// Fuzz target: a whole session after the TLS layer (issue 7): arbitrary byte streams into a
// ServerSession and into a ClientSession, so the HTTP handshake, the SSTP framer and call state
// machine and the PPP engine run together as they do behind a real connection. The input is a
// list of records [kind][len16][bytes]: bytes to the session, a timer tick, or the transport
// closing. Invariants: no crash; output bounded by input (no amplification); memory held by the
// session bounded; the session either goes on or has ended with an Ended event that has a reason;
// no deadline in the past after on_timer.
#include <cstdint>
#include <cstdlib>

#include "controlplane/session/client_session.h"
#include "controlplane/session/server_session.h"
#include "tests/fakes/fake_credentials.h"
#include "tests/fakes/fake_rng.h"

using namespace ksstp;
using namespace ksstp::session;

namespace {
template <class Session>
void run(Session& s, ByteReader& r, Instant now) {
    size_t in_bytes = 0, out_bytes = 0, records = 0;
    bool ended_seen = false;
    while (r.remaining() >= 3) {
        const uint8_t kind = r.u8();
        const size_t len = std::min<size_t>(r.u16(), r.remaining());
        ByteView chunk = r.bytes(len);
        ++records;
        if (kind % 8 == 0) {
            if (auto d = s.next_deadline()) now = std::max(now, *d);
            s.on_timer(now);
            if (auto d = s.next_deadline(); d && *d < now) std::abort();
        } else if (kind % 8 == 1) {
            s.on_transport_closed(now);
        } else {
            in_bytes += chunk.size();
            s.on_bytes(chunk, now);
        }
        out_bytes += s.take_output().size();
        for (auto& e : s.take_events())
            if (auto* end = std::get_if<ev::Ended>(&e)) {
                if (ended_seen || end->detail.empty()) std::abort();  // once, and with a reason
                ended_seen = true;
            }
        if (s.ended() != ended_seen) std::abort();
        // Replies are control packets (<= a few hundred bytes each) and the SSTP Echo/PPP echo
        // answers: bounded by a constant per record plus what came in.
        if (out_bytes > 2048 * records + 2 * in_bytes) std::abort();
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    test::FakeRng rng(data[0]);
    ByteReader r(ByteView(data + 1, size - 1));
    const Instant start{1000};
    if (data[0] & 1) {
        test::FakeCredentials creds;
        creds.add("alice", "Secret-1");
        test::FakeAddresses addrs;
        ServerSessionConfig cfg;
        cfg.ppp.methods = {ppp::AuthMethod::MsChapV2, ppp::AuthMethod::MsChapV1, ppp::AuthMethod::Chap, ppp::AuthMethod::Pap};
        cfg.ppp.mrru = (data[0] & 2) ? std::optional<uint16_t>(1600) : std::nullopt;
        ServerSession s(cfg, rng, creds, addrs, [] { return std::time_t(1'700'000'000); });
        s.start(start);
        run(s, r, start);
    } else {
        ClientSessionConfig cfg;
        cfg.ppp.methods = {ppp::AuthMethod::MsChapV2, ppp::AuthMethod::Pap};
        cfg.ppp.user = "alice";
        cfg.ppp.password = "Secret-1";
        cfg.host = "vpn.example.net";
        ClientSession s(cfg, rng);
        s.start(std::nullopt, start);
        run(s, r, start);
    }
    return 0;
}
