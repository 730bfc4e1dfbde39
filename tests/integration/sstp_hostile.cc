// sstp_hostile: a hostile SSTP client for the hardening tests (issue 7), over real TLS.
//
//   sstp_hostile campaign --connect H:P --count N [--seed S] [--threads T] [--user U --password P]
//       N generated malformed inputs, one connection each (deterministic for a seed): non-SSTP HTTP
//       requests (a plain GET must get an HTTP error), garbage instead of HTTP, and, driven by the
//       real client engine, one packet of an otherwise valid session replaced or joined by a
//       mutant at a random point of the setup or after it: lying or truncated SSTP lengths, wrong
//       version, flipped C bit, unknown message types and attributes, attributes with lying
//       lengths, valid control messages in the wrong state, corrupted PPP, LCP option floods,
//       Configure-Request loops and Echo storms. Prints a table of what the server did per class
//       and exits 1 if any input could not even reach the server over TLS.
//   sstp_hostile fault KIND --connect H:P --user U --password P
//       brings a whole session up (IPCP) with the client engine, then: rst (TCP reset), alert (a
//       TLS close_notify with no SSTP goodbye, the socket kept open), bad-record (a forged TLS
//       record), stall (stops reading and answering: only keepalive can notice). Waits up to
//       --wait seconds for the server to close and prints `server closed after X s` or
//       `server kept the connection`.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "controlplane/crypto/random.h"
#include "controlplane/session/client_session.h"
#include "controlplane/sstp/codec.h"
#include "controlplane/sstp/crypto_binding.h"

namespace {
using namespace ksstp;
using Clock = std::chrono::steady_clock;

Instant now_ms() {
    return Instant{std::chrono::duration_cast<Duration>(Clock::now().time_since_epoch())};
}

// One TLS connection on a non-blocking socket, with bounded waits.
class Tls {
public:
    explicit Tls(SSL_CTX* ctx) : ctx_(ctx) {}
    ~Tls() { close(); }
    Tls(const Tls&) = delete;
    Tls& operator=(const Tls&) = delete;

    bool connect(const sockaddr_storage& to, socklen_t len, int timeout_ms) {
        fd_ = ::socket(to.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd_ < 0) return false;
        if (::connect(fd_, reinterpret_cast<const sockaddr*>(&to), len) != 0 && errno != EINPROGRESS) return false;
        if (!wait(POLLOUT, timeout_ms)) return false;
        int err = 0;
        socklen_t el = sizeof err;
        getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &el);
        if (err) return false;
        ssl_ = SSL_new(ctx_);
        SSL_set_fd(ssl_, fd_);
        auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
        for (;;) {
            int r = SSL_connect(ssl_);
            if (r == 1) return true;
            int e = SSL_get_error(ssl_, r);
            int left = int(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
            if (left <= 0) return false;
            if (e == SSL_ERROR_WANT_READ) { if (!wait(POLLIN, left)) return false; }
            else if (e == SSL_ERROR_WANT_WRITE) { if (!wait(POLLOUT, left)) return false; }
            else return false;
        }
    }
    Bytes peer_leaf_der() const {
        X509* x = SSL_get1_peer_certificate(ssl_);
        if (!x) return {};
        int n = i2d_X509(x, nullptr);
        Bytes der(size_t(std::max(n, 0)));
        uint8_t* p = der.data();
        i2d_X509(x, &p);
        X509_free(x);
        return der;
    }
    // false: the connection is gone.
    bool send(ByteView b) {
        size_t off = 0;
        while (off < b.size()) {
            int r = SSL_write(ssl_, b.data() + off, int(std::min<size_t>(b.size() - off, 16384)));
            if (r > 0) { off += size_t(r); continue; }
            int e = SSL_get_error(ssl_, r);
            if (e == SSL_ERROR_WANT_WRITE) { if (!wait(POLLOUT, 2000)) return false; }
            else if (e == SSL_ERROR_WANT_READ) { if (!wait(POLLIN, 2000)) return false; }
            else return false;
        }
        return true;
    }
    // Appends what arrives within `ms`. -1: the peer closed (or TLS failed); else bytes read.
    long recv(Bytes& into, int ms) {
        long got = 0;
        uint8_t buf[16384];
        for (;;) {
            int r = SSL_read(ssl_, buf, sizeof buf);
            if (r > 0) {
                into.insert(into.end(), buf, buf + r);
                got += r;
                ms = 0;  // drain what is there, then return
                continue;
            }
            int e = SSL_get_error(ssl_, r);
            if (e == SSL_ERROR_WANT_READ) {
                if (ms <= 0 || !wait(POLLIN, ms)) return got;
                ms = 0;
                continue;
            }
            return got ? got : -1;
        }
    }
    int fd() const { return fd_; }
    SSL* ssl() const { return ssl_; }
    void close() {
        if (ssl_) SSL_free(ssl_);
        ssl_ = nullptr;
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    bool wait(short ev, int ms) {
        pollfd p{fd_, ev, 0};
        return ::poll(&p, 1, ms) > 0;
    }
    SSL_CTX* ctx_;
    int fd_ = -1;
    SSL* ssl_ = nullptr;
};

struct Options {
    sockaddr_storage to{};
    socklen_t to_len = 0;
    std::string host = "vpn.example.net", user = "alice", password;
    uint64_t count = 100, seed = 1;
    unsigned threads = 4;
    int wait_s = 20;
};

// ---- the real client engine, with a tap on what it sends ----
// Units: the HTTP request, then one SSTP packet each.
class Driver {
public:
    Driver(Tls& t, const Options& o, bool wrong_password = false) : t_(t) {
        session::ClientSessionConfig sc;
        sc.sstp.timers.hello = Duration{0};
        sc.ppp.methods = {ppp::AuthMethod::MsChapV2, ppp::AuthMethod::Pap};
        sc.ppp.user = o.user;
        sc.ppp.password = wrong_password ? o.password + "-wrong" : o.password;
        sc.host = o.host;
        s_ = std::make_unique<session::ClientSession>(sc, rng_);
    }
    // Runs until `done()` or the server closes or `ms` pass; every unit the engine emits goes
    // through `tap(index, unit)`, which returns the bytes to send instead. false: server closed.
    template <class Done, class Tap>
    bool run(int ms, Done done, Tap tap) {
        auto end = Clock::now() + std::chrono::milliseconds(ms);
        if (!started_) {
            Bytes der = t_.peer_leaf_der();
            std::optional<sstp::CertHashes> h;
            if (!der.empty()) h = sstp::CertHashes::of_der(der);
            s_->start(h, now_ms());
            started_ = true;
        }
        for (;;) {
            if (!flush(tap)) return false;
            for (auto& e : s_->take_events())
                if (std::holds_alternative<session::ev::Ipv4Up>(e)) up_ = true;
            if (done() || Clock::now() >= end) return true;
            Bytes in;
            long r = t_.recv(in, 20);
            if (r < 0) return false;
            if (!in.empty()) s_->on_bytes(in, now_ms());
            if (auto d = s_->next_deadline(); d && *d <= now_ms()) s_->on_timer(now_ms());
        }
    }
    bool up() const { return up_; }
    size_t units() const { return unit_; }

private:
    template <class Tap>
    bool flush(Tap& tap) {
        Bytes out = s_->take_output();
        if (out.empty()) return true;
        if (!http_sent_) {  // the first output is the HTTP request
            http_sent_ = true;
            return t_.send(tap(unit_++, std::move(out)));
        }
        pend_.insert(pend_.end(), out.begin(), out.end());
        size_t off = 0;
        Bytes batch;
        while (pend_.size() - off >= 4) {
            size_t len = ((pend_[off + 2] & 0x0F) << 8) | pend_[off + 3];
            if (len < 4 || pend_.size() - off < len) break;
            Bytes unit(pend_.begin() + long(off), pend_.begin() + long(off + len));
            Bytes sent = tap(unit_++, std::move(unit));
            batch.insert(batch.end(), sent.begin(), sent.end());
            off += len;
        }
        pend_.erase(pend_.begin(), pend_.begin() + long(off));
        return batch.empty() || t_.send(batch);
    }
    Tls& t_;
    crypto::SystemRng rng_;
    std::unique_ptr<session::ClientSession> s_;
    bool started_ = false, http_sent_ = false, up_ = false;
    size_t unit_ = 0;
    Bytes pend_;
};

// ---- generators ----
using Rng = std::mt19937_64;
uint32_t pick(Rng& r, uint32_t n) { return uint32_t(r() % n); }

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

Bytes ppp_data(Bytes ppp) {
    Bytes out;
    sstp::encode_data(ppp, out);
    return out;
}
void append(Bytes& to, const Bytes& more) { to.insert(to.end(), more.begin(), more.end()); }
Bytes lcp(uint8_t code, uint8_t id, const Bytes& body) {
    Bytes p{0xFF, 0x03, 0xC0, 0x21, code, id, uint8_t((body.size() + 4) >> 8), uint8_t(body.size() + 4)};
    p.insert(p.end(), body.begin(), body.end());
    return p;
}

sstp::Message random_control(Rng& r) {
    switch (pick(r, 8)) {
        case 0: return sstp::CallConnectRequest{};
        case 1: return sstp::CallConnected{};
        case 2: return sstp::CallConnectAck{};
        case 3: return sstp::CallAbort{sstp::StatusInfo::make(sstp::AttributeId::NoError, sstp::Status::NoError)};
        case 4: return sstp::CallDisconnectAck{};
        case 5: return sstp::EchoResponse{};
        case 6: return sstp::CallConnectNak{{sstp::StatusInfo::make(sstp::AttributeId::EncapsulatedProtocolId,
                                                                     sstp::Status::ValueNotSupported)}};
        default: return sstp::EchoRequest{};
    }
}

// Mutates one SSTP packet (header included); returns the bytes to send in its place and names
// the class of mutation.
Bytes mutate_packet(Bytes p, Rng& r, std::string& cls) {
    const bool control = p.size() >= 2 && (p[1] & 1);
    auto set_len = [&](size_t len) { p[2] = uint8_t((p[2] & 0xF0) | ((len >> 8) & 0x0F)); p[3] = uint8_t(len); };
    switch (pick(r, 12)) {
        case 0: cls = "sstp length too short"; set_len(pick(r, 4)); return p;
        case 1: cls = "sstp length beyond the data"; set_len(std::min<size_t>(4095, p.size() + 1 + pick(r, 4000))); return p;
        case 2: cls = "sstp truncated packet"; p.resize(1 + pick(r, uint32_t(p.size() - 1))); return p;
        case 3: cls = "sstp wrong version"; p[0] = uint8_t(0x10 ^ (1 + pick(r, 255))); return p;
        case 4: cls = "sstp C bit flipped"; p[1] ^= 1; return p;
        case 5: cls = "sstp reserved bits set"; p[1] |= uint8_t(0xFE & (r() | 2)); p[2] |= 0xF0; return p;
        case 6:
            if (control && p.size() >= 8) { cls = "control unknown message type"; p[4] = uint8_t(r()); p[5] = uint8_t(10 + pick(r, 240)); return p; }
            [[fallthrough]];
        case 7:
            if (control && p.size() >= 8) { cls = "control attribute count lies"; p[6] = uint8_t(r()); p[7] = uint8_t(1 + pick(r, 255)); return p; }
            [[fallthrough]];
        case 8:
            if (control && p.size() >= 12) {
                cls = "control attribute length lies";
                uint16_t l = uint16_t(pick(r, 2) ? pick(r, 4) : 4 + pick(r, 4000));
                p[10] = uint8_t((l >> 8) & 0x0F);
                p[11] = uint8_t(l);
                return p;
            }
            if (control && p.size() >= 10) { cls = "control unknown attribute"; p[9] = uint8_t(9 + pick(r, 240)); return p; }
            [[fallthrough]];
        case 9:
            if (!control && p.size() >= 8) {
                cls = "ppp corrupted";
                size_t at = 4 + pick(r, uint32_t(p.size() - 4));
                p[at] = uint8_t(r());
                if (pick(r, 2)) p.resize(4 + pick(r, uint32_t(p.size() - 3))), set_len(p.size());
                return p;
            }
            [[fallthrough]];
        case 10: {
            cls = "control message in the wrong state";
            Bytes out = sstp::encode(random_control(r));
            out.insert(out.end(), p.begin(), p.end());
            return out;
        }
        default: {
            cls = "random bytes flipped";
            for (uint32_t n = 1 + pick(r, 8); n; --n) p[pick(r, uint32_t(p.size()))] ^= uint8_t(1 + pick(r, 255));
            return p;
        }
    }
}

// PPP abuse sent after (or instead of) a packet: floods, loops, storms.
Bytes ppp_abuse(Rng& r, std::string& cls) {
    Bytes out;
    switch (pick(r, 4)) {
        case 0: {
            cls = "lcp option flood";
            Bytes opts;
            while (opts.size() < 1200) {
                uint8_t len = uint8_t(2 + pick(r, 6));
                opts.push_back(uint8_t(r()));
                opts.push_back(len);
                for (int i = 2; i < len; ++i) opts.push_back(uint8_t(r()));
            }
            out = ppp_data(lcp(1, uint8_t(r()), opts));
            break;
        }
        case 1:
            cls = "lcp configure-request loop";
            for (int i = 0; i < 60; ++i) append(out, ppp_data(lcp(1, uint8_t(i), Bytes{0x01, 0x04, 0x00, uint8_t(pick(r, 60))})));
            break;
        case 2:
            cls = "lcp echo storm";
            for (int i = 0; i < 400; ++i) append(out, ppp_data(lcp(9, uint8_t(i), Bytes{0, 0, 0, 0})));
            break;
        default: {
            cls = "ppp unknown protocols";
            for (int i = 0; i < 50; ++i) {
                Bytes f{0xFF, 0x03, uint8_t(r() | 0x01), uint8_t(r() | 0x01)};
                for (uint32_t n = pick(r, 64); n; --n) f.push_back(uint8_t(r()));
                f[2] &= 0xFE;  // protocol numbers have an even first octet
                append(out, ppp_data(f));
            }
            break;
        }
    }
    return out;
}

struct Outcome {
    std::string cls;
    std::string what;  // server closed | http error | we closed | no tls
};

Outcome one_input(SSL_CTX* ctx, const Options& o, uint64_t index) {
    Rng r(o.seed * 0x9E3779B97F4A7C15ull + index);
    Tls t(ctx);
    if (!t.connect(o.to, o.to_len, 10000)) return {"(connect)", "no tls"};
    Outcome out;
    const uint32_t kind = pick(r, 16);
    if (kind < 2) {
        // Not SSTP at all: a plain web request must get an HTTP error, not a hang.
        static const char* reqs[] = {
            "GET / HTTP/1.1\r\nHost: vpn.example.net\r\n\r\n",
            "POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
            "SSTP_DUPLEX_POST /elsewhere/ HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551615\r\n\r\n",
            "GET /../../etc/passwd HTTP/1.0\r\n\r\n",
            "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
            "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/9.9\r\nHost: x\r\n\r\n",
        };
        out.cls = "http: not an SSTP request";
        if (kind == 1) {
            out.cls = "http: garbage or oversized header";
            Bytes g;
            if (pick(r, 2)) {
                for (uint32_t n = 1 + pick(r, 2048); n; --n) g.push_back(uint8_t(r()));
                g.push_back('\n');
                g.push_back('\n');
            } else {
                g = text("SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\nX-Long: ");
                g.insert(g.end(), 20000 + pick(r, 50000), 'a');
                g.insert(g.end(), {'\r', '\n', '\r', '\n'});
            }
            if (!t.send(g)) return {out.cls, "server closed"};
        } else if (!t.send(text(reqs[pick(r, std::size(reqs))]))) {
            return {out.cls, "server closed"};
        }
        Bytes resp;
        auto end = Clock::now() + std::chrono::seconds(5);
        while (Clock::now() < end) {
            if (t.recv(resp, 50) < 0) break;
        }
        std::string head(resp.begin(), resp.begin() + long(std::min<size_t>(resp.size(), 12)));
        out.what = head.rfind("HTTP/1.1 4", 0) == 0 || head.rfind("HTTP/1.1 5", 0) == 0 ? "http error"
                   : resp.empty() && Clock::now() < end                             ? "server closed"
                   : Clock::now() >= end                                             ? "hang (no answer in 5 s)"
                                                                                      : "other answer";
        return out;
    }
    // A real session with one mutation: at unit `at` (0 = the HTTP request), or PPP abuse once
    // the session is up.
    // One in five logs in with a wrong password (the failure path is under attack too).
    const bool wrong = pick(r, 5) == 0;
    Driver d(t, o, wrong);
    const size_t at = pick(r, 14);
    bool injected = false;
    Clock::time_point injected_at{};
    auto tap = [&](size_t i, Bytes unit) -> Bytes {
        if (injected || i != at) return unit;
        injected = true;
        injected_at = Clock::now();
        if (i == 0) {
            out.cls = "http: request mutated";
            std::string s(unit.begin(), unit.end());
            switch (pick(r, 4)) {
                case 0: s.replace(0, s.find(' '), "GET"); break;
                case 1: s = s.substr(0, pick(r, uint32_t(s.size()))); break;
                case 2: s.insert(s.find("\r\n") + 2, "Content-Length: -1\r\nTransfer-Encoding: chunked\r\n"); break;
                default: for (int k = 0; k < 4; ++k) s[pick(r, uint32_t(s.size()))] = char(r()); break;
            }
            return text(s);
        }
        if (pick(r, 4) == 0) {
            Bytes abuse = ppp_abuse(r, out.cls);
            unit.insert(unit.end(), abuse.begin(), abuse.end());
            return unit;
        }
        return mutate_packet(std::move(unit), r, out.cls);
    };
    bool open = d.run(6000, [&] { return injected ? Clock::now() - injected_at > std::chrono::milliseconds(100) : d.up(); }, tap);
    if (open && !injected) {
        // Up before the chosen unit came: abuse the running session.
        Bytes abuse = pick(r, 2) ? ppp_abuse(r, out.cls) : Bytes{};
        if (abuse.empty()) {
            Bytes p = ppp_data(lcp(9, 1, Bytes{0, 0, 0, 0}));
            abuse = mutate_packet(std::move(p), r, out.cls);
            out.cls = "after setup: " + out.cls;
        } else {
            out.cls = "after setup: " + out.cls;
        }
        injected = true;
        injected_at = Clock::now();
        open = t.send(abuse) && d.run(100, [] { return false; }, tap);
    }
    if (out.cls.empty()) out.cls = wrong ? "login with a wrong password" : "(session ended before the mutation)";
    else if (wrong) out.cls += " (wrong password)";
    out.what = open ? "we closed" : "server closed";
    return out;
}

int campaign(const Options& o) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    std::atomic<uint64_t> next{0};
    std::mutex mu;
    std::map<std::string, std::map<std::string, uint64_t>> table;
    auto t0 = Clock::now();
    std::vector<std::thread> workers;
    for (unsigned w = 0; w < o.threads; ++w)
        workers.emplace_back([&] {
            for (uint64_t i; (i = next++) < o.count;) {
                Outcome oc = one_input(ctx, o, i);
                std::lock_guard lk(mu);
                ++table[oc.cls][oc.what];
            }
        });
    for (auto& w : workers) w.join();
    double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    std::map<std::string, uint64_t> totals;
    std::printf("%-48s %s\n", "input class", "outcome: count");
    for (const auto& [cls, m] : table) {
        std::string line;
        for (const auto& [what, n] : m) {
            line += what + ": " + std::to_string(n) + "  ";
            totals[what] += n;
        }
        std::printf("%-48s %s\n", cls.c_str(), line.c_str());
    }
    std::printf("inputs %llu in %.1f s (%.0f/s):", (unsigned long long)o.count, secs, double(o.count) / secs);
    for (const auto& [what, n] : totals) std::printf("  %s %llu", what.c_str(), (unsigned long long)n);
    std::printf("\n");
    SSL_CTX_free(ctx);
    return totals.count("no tls") ? 1 : 0;
}

int fault(const Options& o, const std::string& kind) {
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> owned(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
    SSL_CTX* ctx = owned.get();
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    Tls t(ctx);
    if (!t.connect(o.to, o.to_len, 10000)) {
        std::printf("no tls\n");
        return 1;
    }
    Driver d(t, o);
    auto pass = [](size_t, Bytes u) { return u; };
    if (!d.run(15000, [&] { return d.up(); }, pass) || !d.up()) {
        std::printf("session did not come up\n");
        return 1;
    }
    std::printf("session up\n");
    std::fflush(stdout);
    auto t0 = Clock::now();
    if (kind == "rst") {
        linger l{1, 0};
        setsockopt(t.fd(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
        t.close();
        std::printf("reset sent\n");
        return 0;
    }
    if (kind == "alert") {
        SSL_shutdown(t.ssl());  // close_notify, and the TCP connection stays open
    } else if (kind == "bad-record") {
        uint8_t rec[5 + 64] = {23, 3, 3, 0, 64};
        for (size_t i = 5; i < sizeof rec; ++i) rec[i] = uint8_t(i * 37);
        if (::send(t.fd(), rec, sizeof rec, MSG_NOSIGNAL) != ssize_t(sizeof rec)) return 1;
    } else if (kind != "stall") {
        std::fprintf(stderr, "unknown fault %s\n", kind.c_str());
        return 2;
    }
    // Wait for the server to close (reading raw TCP: after an alert or a forged record the TLS
    // state is of no use; EOF or RST is what counts).
    for (;;) {
        double s = std::chrono::duration<double>(Clock::now() - t0).count();
        if (s > o.wait_s) {
            std::printf("server kept the connection for %d s\n", o.wait_s);
            return 1;
        }
        // stall: never read (the server's echo requests pile up unanswered); only notice the close.
        pollfd p{t.fd(), short(POLLRDHUP | (kind == "stall" ? 0 : POLLIN)), 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        bool closed = p.revents & (POLLRDHUP | POLLHUP | POLLERR);
        if (!closed && (p.revents & POLLIN)) {
            uint8_t buf[4096];
            closed = ::recv(t.fd(), buf, sizeof buf, 0) <= 0;
        }
        if (closed) {
            std::printf("server closed after %.1f s\n", s);
            return 0;
        }
    }
}

bool resolve(const std::string& hp, Options& o) {
    auto colon = hp.rfind(':');
    if (colon == std::string::npos) return false;
    std::string h = hp.substr(0, colon), port = hp.substr(colon + 1);
    if (h.size() > 2 && h.front() == '[') h = h.substr(1, h.size() - 2);
    addrinfo hints{}, *res = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(h.c_str(), port.c_str(), &hints, &res) != 0 || !res) return false;
    std::memcpy(&o.to, res->ai_addr, res->ai_addrlen);
    o.to_len = res->ai_addrlen;
    freeaddrinfo(res);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    std::vector<std::string> pos;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto val = [&]() -> std::string {
            if (i + 1 >= argc) { std::fprintf(stderr, "%s needs a value\n", a.c_str()); std::exit(2); }
            return argv[++i];
        };
        if (a == "--connect") { if (!resolve(val(), o)) { std::fprintf(stderr, "cannot resolve\n"); return 2; } }
        else if (a == "--count") o.count = std::stoull(val());
        else if (a == "--seed") o.seed = std::stoull(val());
        else if (a == "--threads") o.threads = unsigned(std::stoul(val()));
        else if (a == "--user") o.user = val();
        else if (a == "--password") o.password = val();
        else if (a == "--wait") o.wait_s = std::stoi(val());
        else pos.push_back(a);
    }
    if (o.to_len == 0 || pos.empty()) {
        std::fprintf(stderr, "usage: sstp_hostile campaign|fault KIND --connect HOST:PORT [options]\n");
        return 2;
    }
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    std::signal(SIGPIPE, SIG_IGN);  // a server that hangs up is an outcome, not a crash
    if (pos[0] == "campaign") return campaign(o);
    if (pos[0] == "fault" && pos.size() == 2) return fault(o, pos[1]);
    std::fprintf(stderr, "usage: sstp_hostile campaign|fault KIND --connect HOST:PORT [options]\n");
    return 2;
}
