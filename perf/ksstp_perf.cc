// ksstp-perf: load and benchmark tool for any SSTP server (SPEC 7). Opens --sessions in-process
// client sessions (perf_session.h: TCP, TLS, HTTP, SSTP, PPP, IPCP with the real client engine),
// at --rate setups per second (0: as fast as the server takes them, at most 64 in setup at once),
// then for --duration seconds sends --traffic inside every tunnel, then disconnects them all and
// reports: established/failed (with reasons), setup rate, per-phase latency percentiles,
// throughput and packet rate per direction, echo RTT. A progress line on stderr every second; a
// table at the end on stdout, or JSON with --json. Exit 0 when every session was established, 1
// when some failed, 2 on bad usage.
#include <netdb.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>

#include "controlplane/tls/tls_context.h"
#include "perf/perf_session.h"
#include "tools/build_info.h"

namespace {
using namespace ksstp;
using json = nlohmann::json;

volatile std::sig_atomic_t g_stop = 0;

Instant now_ms() {
    return Instant{std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch())};
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    size_t i = size_t(p / 100.0 * double(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

json spread(const std::vector<double>& v) {
    if (v.empty()) return nullptr;
    return json{{"p50", percentile(v, 50)}, {"p90", percentile(v, 90)}, {"p99", percentile(v, 99)}, {"count", v.size()}};
}

std::string bits(double bytes, double secs) {
    char b[32];
    double v = secs > 0 ? bytes * 8 / secs : 0;
    if (v >= 1e9) std::snprintf(b, sizeof b, "%.2f Gbit/s", v / 1e9);
    else std::snprintf(b, sizeof b, "%.1f Mbit/s", v / 1e6);
    return b;
}

bool resolve(const std::string& connect_to, perf::PerfOptions& o, std::string& err) {
    std::string host = connect_to, port = "443";
    if (!host.empty() && host.front() == '[') {
        auto close = host.find(']');
        if (close == std::string::npos) return err = "bad address " + connect_to, false;
        if (close + 1 < host.size() && host[close + 1] == ':') port = host.substr(close + 2);
        host = host.substr(1, close - 1);
    } else if (auto c = host.rfind(':'); c != std::string::npos && host.find(':') == c) {
        port = host.substr(c + 1);
        host = host.substr(0, c);
    }
    addrinfo hints{}, *res = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    if (int r = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); r != 0 || !res)
        return err = "cannot resolve " + connect_to + ": " + gai_strerror(r), false;
    std::memcpy(&o.server, res->ai_addr, res->ai_addrlen);
    o.server_len = res->ai_addrlen;
    ::freeaddrinfo(res);
    o.host = host;
    return true;
}

struct Totals {
    perf::PerfCounters c;
    void add(const perf::PerfCounters& x) {
        c.tx_packets += x.tx_packets, c.tx_bytes += x.tx_bytes, c.rx_packets += x.rx_packets, c.rx_bytes += x.rx_bytes;
    }
};

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"ksstp-perf - SSTP load and benchmark tool (any SSTP server)", "ksstp-perf"};
    std::string connect_to, user, password, ca, traffic = "none";
    std::vector<std::string> auth{"mschap2"};
    uint32_t sessions = 1, window = 32;
    double rate = 0, duration = 5;
    uint16_t packet_size = 1000;
    bool insecure = false, as_json = false, version = false;
    app.add_flag("--version", version, "print the version and the libraries in use, then exit");
    app.add_option("--connect-to", connect_to, "server HOST[:PORT] (default port 443)");
    app.add_option("--user", user, "PPP user name");
    app.add_option("--password", password, "PPP password");
    app.add_option("--auth", auth, "methods to allow: pap chap mschap1 mschap2")->capture_default_str();
    app.add_option("--sessions", sessions, "sessions to open")->capture_default_str()->check(CLI::Range(1u, 1'000'000u));
    app.add_option("--rate", rate, "new sessions per second (0: as fast as the server takes them)")->capture_default_str();
    app.add_option("--duration", duration, "seconds of traffic (or of holding the sessions) once they are up")
        ->capture_default_str();
    app.add_option("--traffic", traffic, "none | up (UDP to the server's tunnel address) | down | both (ICMP echo)")
        ->check(CLI::IsMember({"none", "up", "down", "both"}))
        ->capture_default_str();
    app.add_option("--packet-size", packet_size, "IP datagram size in the tunnel")->check(CLI::Range(28, 1500))->capture_default_str();
    app.add_option("--window", window, "echo requests in flight per session")->check(CLI::Range(1u, 4096u))->capture_default_str();
    app.add_flag("--insecure", insecure, "do not verify the server's certificate");
    app.add_option("--ca", ca, "CA file to verify the server's certificate with");
    app.add_flag("--json", as_json, "print the report as JSON");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    if (version) {
        std::fputs(tools::version_text("ksstp-perf").c_str(), stdout);
        return 0;
    }
    auto usage = [](const std::string& m) {
        std::fprintf(stderr, "ksstp-perf: %s\n", m.c_str());
        return 2;
    };
    if (connect_to.empty() || user.empty()) return usage("--connect-to and --user are required");
    if (insecure == !ca.empty()) return usage("give exactly one of --insecure and --ca FILE");

    perf::PerfOptions o;
    std::string err;
    if (!resolve(connect_to, o, err)) return usage(err);
    o.user = user;
    o.password = password;
    o.packet_size = packet_size;
    o.window = window;
    o.traffic = traffic == "up" ? perf::Traffic::Up : traffic == "down" ? perf::Traffic::Down
              : traffic == "both" ? perf::Traffic::Both : perf::Traffic::None;
    for (const auto& a : auth) {
        auto m = ppp::auth_method_from_name(a);
        if (!m) return usage("unknown --auth method " + a);
        o.auth.push_back(*m);
    }
    tls::ClientTlsOptions to;
    to.verify_server_certificate = !insecure;
    to.ca_certificate = ca;
    to.certificate = "none";
    tls::ContextInfo info;
    tls::SslCtxPtr ctx;
    try {
        ctx = tls::make_client_context(to, info);
    } catch (const std::exception& e) {
        return usage(std::string("tls: ") + e.what());
    }

    // Up to the open-files limit (SPEC 7): raise the soft limit, keep room for ourselves.
    rlimit rl{};
    ::getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < sessions + 32) {
        std::fprintf(stderr, "ksstp-perf: open-files limit %llu: %llu sessions at most\n", (unsigned long long)rl.rlim_cur,
                     (unsigned long long)(rl.rlim_cur - 32));
        sessions = uint32_t(rl.rlim_cur - 32);
    }
    std::signal(SIGINT, [](int) { g_stop = 1; });
    std::signal(SIGTERM, [](int) { g_stop = 1; });
    std::signal(SIGPIPE, SIG_IGN);

    int ep = ::epoll_create1(EPOLL_CLOEXEC);
    std::vector<std::unique_ptr<perf::PerfSession>> all;
    std::vector<uint32_t> interest;
    all.reserve(sessions);
    const bool tty = ::isatty(2);
    const Instant t0 = now_ms();
    Instant last_progress = t0, traffic_start{}, traffic_end{}, setup_end{};
    Totals at_traffic_start;
    enum { Setup, Traffic, Finish } stage = Setup;
    std::map<std::string, uint64_t> failures;
    std::vector<double> rtts;
    auto count = [&](auto pred) { return size_t(std::count_if(all.begin(), all.end(), [&](auto& s) { return pred(*s); })); };
    auto totals = [&] {
        Totals t;
        for (auto& s : all) t.add(s->counters());
        return t;
    };
    auto sync = [&](size_t i) {
        auto& s = *all[i];
        if (s.done()) {
            if (interest[i] != 0) ::epoll_ctl(ep, EPOLL_CTL_DEL, s.fd(), nullptr), interest[i] = 0;
            return;
        }
        uint32_t want = s.interest();
        if (want != interest[i]) {
            epoll_event ev{want, {.u64 = i}};
            ::epoll_ctl(ep, interest[i] ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, s.fd(), &ev);
            interest[i] = want;
        }
    };
    Instant finish_deadline{};
    for (;;) {
        Instant now = now_ms();
        // Start sessions at the rate asked, or keep at most 64 in setup.
        if (stage == Setup && !g_stop) {
            size_t starting = count([](auto& s) { return !s.up() && !s.done(); });
            while (all.size() < sessions) {
                double secs = double((now - t0).count()) / 1000.0;
                if (rate > 0 ? double(all.size()) >= rate * secs + 1 : starting >= 64) break;
                all.push_back(std::make_unique<perf::PerfSession>(o, ctx.get(), uint32_t(all.size())));
                interest.push_back(0);
                if (all.back()->start(now)) ++starting;
                sync(all.size() - 1);
            }
            const bool all_started = all.size() == sessions;
            const bool settled = all_started && count([](auto& s) { return s.up() || s.done(); }) == sessions;
            if (settled) {
                stage = Traffic;
                setup_end = traffic_start = now;
                at_traffic_start = totals();
                for (size_t i = 0; i < all.size(); ++i) all[i]->start_traffic(now), sync(i);
            }
        }
        if (stage == Traffic && (g_stop || now - traffic_start >= Duration{int64_t(duration * 1000)})) {
            stage = Finish;
            traffic_end = now;
            for (size_t i = 0; i < all.size(); ++i) all[i]->finish(now), sync(i);
            finish_deadline = now + Duration{5000};
        }
        if (stage == Setup && g_stop) {
            stage = Finish;
            setup_end = traffic_start = traffic_end = now;
            at_traffic_start = totals();
            for (size_t i = 0; i < all.size(); ++i) all[i]->finish(now), sync(i);
            finish_deadline = now + Duration{5000};
        }
        if (stage == Finish && (count([](auto& s) { return s.done(); }) == all.size() || now >= finish_deadline)) break;

        epoll_event evs[256];
        int n = ::epoll_wait(ep, evs, 256, 10);
        now = now_ms();
        for (int k = 0; k < n; ++k) {
            size_t i = size_t(evs[k].data.u64);
            all[i]->on_io(now);
            sync(i);
        }
        for (size_t i = 0; i < all.size(); ++i) {
            auto d = all[i]->next_deadline();
            if (d && *d <= now) all[i]->on_timer(now), sync(i);
            auto r = all[i]->take_rtts();
            if (stage == Traffic) rtts.insert(rtts.end(), r.begin(), r.end());
        }
        if (now - last_progress >= Duration{1000}) {
            last_progress = now;
            Totals t = totals();
            std::fprintf(stderr, "%s[%5.1fs] up %zu/%u  failed %zu  tx %llu pkts  rx %llu pkts%s",
                         tty ? "\r" : "", double((now - t0).count()) / 1000.0, count([](auto& s) { return s.up(); }),
                         sessions, count([](auto& s) { return s.done() && !s.error().empty(); }),
                         (unsigned long long)t.c.tx_packets, (unsigned long long)t.c.rx_packets, tty ? "   " : "\n");
        }
    }
    if (tty) std::fputc('\n', stderr);

    // Report.
    size_t established = 0;
    std::array<std::vector<double>, perf::kPhases> phase;
    for (auto& s : all) {
        if (s->phases()[perf::kIpcp]) ++established;
        else ++failures[s->error().empty() ? "not established in time" : s->error().substr(0, 120)];
        for (size_t p = 0; p < perf::kPhases; ++p)
            if (s->phases()[p]) phase[p].push_back(*s->phases()[p]);
    }
    failures.erase("");
    const double setup_s = double((setup_end - t0).count()) / 1000.0;
    const double traffic_s = double((traffic_end - traffic_start).count()) / 1000.0;
    Totals end = totals();
    perf::PerfCounters d{end.c.tx_packets - at_traffic_start.c.tx_packets, end.c.tx_bytes - at_traffic_start.c.tx_bytes,
                         end.c.rx_packets - at_traffic_start.c.rx_packets, end.c.rx_bytes - at_traffic_start.c.rx_bytes};
    json phases = json::object();
    for (size_t p = 0; p < perf::kPhases; ++p) phases[perf::kPhaseNames[p]] = spread(phase[p]);
    json report{{"server", connect_to},
                {"sessions", sessions},
                {"established", established},
                {"failed", sessions - established},
                {"failures", failures},
                {"setup-seconds", setup_s},
                {"setups-per-second", setup_s > 0 ? double(established) / setup_s : 0.0},
                {"phase-ms", phases},
                {"traffic", traffic},
                {"traffic-seconds", traffic_s},
                {"tx", {{"packets", d.tx_packets}, {"bytes", d.tx_bytes},
                        {"bits-per-second", traffic_s > 0 ? double(d.tx_bytes) * 8 / traffic_s : 0.0},
                        {"packets-per-second", traffic_s > 0 ? double(d.tx_packets) / traffic_s : 0.0}}},
                {"rx", {{"packets", d.rx_packets}, {"bytes", d.rx_bytes},
                        {"bits-per-second", traffic_s > 0 ? double(d.rx_bytes) * 8 / traffic_s : 0.0},
                        {"packets-per-second", traffic_s > 0 ? double(d.rx_packets) / traffic_s : 0.0}}},
                {"echo-rtt-ms", spread(rtts)}};
    if (as_json) {
        std::printf("%s\n", report.dump(2).c_str());
    } else {
        std::printf("sessions     %zu established, %zu failed of %u (setup %.2f s, %.1f setups/s)\n", established,
                    sessions - established, sessions, setup_s, report["setups-per-second"].get<double>());
        for (const auto& [why, n] : failures) std::printf("  failed     %llu: %s\n", (unsigned long long)n, why.c_str());
        std::printf("%-12s %9s %9s %9s\n", "phase (ms)", "p50", "p90", "p99");
        for (size_t p = 0; p < perf::kPhases; ++p)
            if (!phase[p].empty())
                std::printf("%-12s %9.2f %9.2f %9.2f\n", perf::kPhaseNames[p], percentile(phase[p], 50),
                            percentile(phase[p], 90), percentile(phase[p], 99));
        if (traffic != "none") {
            std::printf("traffic      %s for %.1f s, %u-byte datagrams\n", traffic.c_str(), traffic_s, packet_size);
            std::printf("  tx         %s, %.0f pkts/s\n", bits(double(d.tx_bytes), traffic_s).c_str(),
                        traffic_s > 0 ? double(d.tx_packets) / traffic_s : 0.0);
            std::printf("  rx         %s, %.0f pkts/s\n", bits(double(d.rx_bytes), traffic_s).c_str(),
                        traffic_s > 0 ? double(d.rx_packets) / traffic_s : 0.0);
            if (!rtts.empty())
                std::printf("  echo RTT   p50 %.2f ms  p90 %.2f ms  p99 %.2f ms (%zu replies)\n", percentile(rtts, 50),
                            percentile(rtts, 90), percentile(rtts, 99), rtts.size());
        }
    }
    ::close(ep);
    return established == sessions ? 0 : 1;
}
