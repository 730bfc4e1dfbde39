// Helpers for PPP tests: run two PppSessions back to back, build LCP packets by hand.
#pragma once

#include <gtest/gtest.h>

#include "controlplane/ppp/ppp_session.h"
#include "controlplane/ppp/wire.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_credentials.h"
#include "tests/fakes/fake_rng.h"

namespace ksstp::ppp::test {

inline std::vector<Bytes> frames(std::vector<PppEvent>& evs) {
    std::vector<Bytes> out;
    for (auto& e : evs)
        if (auto* f = std::get_if<event::SendFrame>(&e)) out.push_back(f->frame);
    return out;
}

template <class T>
const T* find_event(const std::vector<PppEvent>& evs) {
    for (const auto& e : evs)
        if (auto* t = std::get_if<T>(&e)) return t;
    return nullptr;
}

// Two sessions wired together; events other than frames are collected per side.
struct Link {
    ksstp::test::FakeClock clock;
    ksstp::test::FakeRng rng_a{1}, rng_b{2};
    ksstp::test::FakeCredentials creds;
    ksstp::test::FakeAddresses addrs;
    PppSession client, server;
    std::vector<PppEvent> client_events, server_events;
    bool assign_on_auth = true;

    Link(PppConfig c, PppConfig s)
        : client((c.authenticator = false, c), rng_a, nullptr), server((s.authenticator = true, s), rng_b, &creds) {}

    void pump(int rounds = 200) {
        for (int i = 0; i < rounds; ++i) {
            auto ce = client.take_events();
            auto se = server.take_events();
            if (ce.empty() && se.empty()) return;
            for (auto& e : se) {
                if (auto* a = std::get_if<event::AuthDone>(&e); a && a->outcome.success && assign_on_auth)
                    server.start_network(addrs.ipv4(a->outcome.user), clock.now());
            }
            for (Bytes& f : frames(ce)) server.on_frame(f, clock.now());
            for (Bytes& f : frames(se)) client.on_frame(f, clock.now());
            for (auto& e : ce) if (!std::holds_alternative<event::SendFrame>(e)) client_events.push_back(e);
            for (auto& e : se) if (!std::holds_alternative<event::SendFrame>(e)) server_events.push_back(e);
        }
        FAIL() << "PPP negotiation did not settle";
    }
    void start() {
        server.lower_up(clock.now());
        client.lower_up(clock.now());
        pump();
    }
    // Fires timers until both sides are idle or `max_steps` passed.
    void run_timers(int max_steps = 100) {
        for (int i = 0; i < max_steps; ++i) {
            std::optional<Instant> d = client.next_deadline();
            merge_deadline(d, server.next_deadline());
            if (!d) return;
            if (*d > clock.now()) clock.t = *d;
            client.on_timer(clock.now());
            server.on_timer(clock.now());
            pump();
        }
    }
};

inline PppConfig client_cfg(std::vector<AuthMethod> m, std::string user = "alice", std::string pw = "Secret-1") {
    PppConfig c;
    c.methods = std::move(m);
    c.user = std::move(user);
    c.password = std::move(pw);
    return c;
}
inline PppConfig server_cfg(std::vector<AuthMethod> m) {
    PppConfig c;
    c.methods = std::move(m);
    return c;
}

}  // namespace ksstp::ppp::test
