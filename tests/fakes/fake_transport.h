// FakeTransport: carries the plaintext TLS streams of a ClientSession and a ServerSession in one
// process, with an optional per-write chunk size (1 byte at a time splits every SSTP packet) and
// a tap that lets a test tamper with bytes in flight (a man in the middle).
#pragma once

#include <functional>

#include "controlplane/session/client_session.h"
#include "controlplane/session/server_session.h"
#include "tests/fakes/fake_clock.h"

namespace ksstp::test {

class FakeTransport {
public:
    using Tap = std::function<void(Bytes&)>;

    FakeTransport(session::ClientSession& c, session::ServerSession& s, FakeClock& clock)
        : c_(c), s_(s), clock_(clock) {}

    size_t chunk = 0;  // 0: deliver whole writes
    Tap client_to_server_tap, server_to_client_tap;
    size_t bytes_c2s = 0, bytes_s2c = 0;

    // Moves bytes until both sides are quiet. Returns false if it looped too long.
    bool pump(int max_rounds = 1000) {
        for (int i = 0; i < max_rounds; ++i) {
            Bytes a = c_.take_output();
            Bytes b = s_.take_output();
            if (a.empty() && b.empty()) return true;
            if (!a.empty() && client_to_server_tap) client_to_server_tap(a);
            if (!b.empty() && server_to_client_tap) server_to_client_tap(b);
            bytes_c2s += a.size();
            bytes_s2c += b.size();
            deliver(a, [&](ByteView v) { s_.on_bytes(v, clock_.now()); });
            deliver(b, [&](ByteView v) { c_.on_bytes(v, clock_.now()); });
        }
        return false;
    }

    // Advances time to the earliest deadline of either side (bounded by `limit`), fires timers,
    // pumps. Returns false when neither side has a deadline.
    bool step_timers(Duration limit = Duration{120'000}) {
        std::optional<Instant> d = c_.next_deadline();
        merge_deadline(d, s_.next_deadline());
        if (!d) return false;
        Instant target = std::min(*d, clock_.now() + limit);
        if (target > clock_.now()) clock_.t = target;
        c_.on_timer(clock_.now());
        s_.on_timer(clock_.now());
        pump();
        return true;
    }

private:
    template <class F>
    void deliver(const Bytes& b, F&& f) {
        if (chunk == 0) {
            if (!b.empty()) f(ByteView(b));
            return;
        }
        for (size_t off = 0; off < b.size(); off += chunk) f(ByteView(b).subspan(off, std::min(chunk, b.size() - off)));
    }
    session::ClientSession& c_;
    session::ServerSession& s_;
    FakeClock& clock_;
};

}  // namespace ksstp::test
