// sstpc_peer: plays pppd for Debian's sstp-client so that sstpc can be tested against ksstpd
// (pppd cannot run without kernel PPP here). It starts `sstpc --nolaunchpppd` with one end of a
// socket pair as its stdin and stdout (sstpc uses fd 0 both ways), speaks async HDLC with FCS-16
// there (RFC 1662), runs our PPP engine as the peer, hands sstpc the MPPE keys through its pppd
// plugin socket so that sstpc sends CALL_CONNECTED, and puts the negotiated address on a TUN so
// the test can ping through the tunnel. See ../shared/lab/README.md for sstpc's quirks.
//
//   sstpc_peer --sstpc PATH --server HOST:PORT --ca FILE --user U --password P --auth pap|mschap2
//              --ipparam ID --tun NAME [--timeout SECONDS]
// Prints "UP <local> <remote>" once IPCP is up; exits 0 on SIGTERM, 1 on failure.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "controlplane/crypto/random.h"
#include "controlplane/ppp/ppp_session.h"
#include "controlplane/ppp/wire.h"
#include "netlink/if_addr.h"
#include "netlink/if_link.h"
#include "netlink/tun_device.h"

using namespace ksstp;

namespace {

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

Instant now_ms() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return Instant{int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000};
}

// RFC 1662 appendix C: FCS-16.
uint16_t fcs16(uint16_t fcs, ByteView data) {
    for (uint8_t b : data) {
        fcs ^= b;
        for (int i = 0; i < 8; ++i) fcs = (fcs & 1) ? uint16_t((fcs >> 1) ^ 0x8408) : uint16_t(fcs >> 1);
    }
    return fcs;
}
constexpr uint16_t kFcsInit = 0xFFFF, kFcsGood = 0xF0B8;

void hdlc_put(Bytes& out, uint8_t b) {
    // Escape flag, escape and every control character (the default ACCM; sstpc escapes < 0x20).
    if (b == 0x7E || b == 0x7D || b < 0x20) {
        out.push_back(0x7D);
        out.push_back(b ^ 0x20);
    } else {
        out.push_back(b);
    }
}

Bytes hdlc_encode(ByteView frame) {
    Bytes out{0x7E};
    uint16_t fcs = uint16_t(fcs16(kFcsInit, frame) ^ 0xFFFF);
    for (uint8_t b : frame) hdlc_put(out, b);
    hdlc_put(out, uint8_t(fcs & 0xFF));
    hdlc_put(out, uint8_t(fcs >> 8));
    out.push_back(0x7E);
    return out;
}

// Collects bytes into frames; frames with a bad FCS are dropped (as pppd does).
struct HdlcDecoder {
    Bytes cur;
    bool esc = false;
    size_t bad = 0;
    template <class F>
    void feed(ByteView in, F&& on_frame) {
        for (uint8_t b : in) {
            if (b == 0x7E) {
                if (cur.size() >= 4) {
                    if (fcs16(kFcsInit, cur) == kFcsGood) {
                        cur.resize(cur.size() - 2);
                        on_frame(ByteView(cur));
                    } else {
                        ++bad;
                    }
                }
                cur.clear();
                esc = false;
            } else if (b == 0x7D) {
                esc = true;
            } else {
                cur.push_back(esc ? uint8_t(b ^ 0x20) : b);
                esc = false;
                if (cur.size() > 8192) cur.clear();  // garbage without flags: bounded
            }
        }
    }
};

bool write_all(int fd, ByteView b) {
    size_t off = 0;
    while (off < b.size()) {
        ssize_t n = ::write(fd, b.data() + off, b.size() - off);
        if (n < 0 && errno == EAGAIN) {
            pollfd p{fd, POLLOUT, 0};
            ::poll(&p, 1, 1000);
            continue;
        }
        if (n <= 0) return false;
        off += size_t(n);
    }
    return true;
}

// sstpc's pppd-plugin protocol: {u32 magic, u16 len, u16 type} + {u16 type, u16 len, data, pad4}.
bool hand_keys_to_sstpc(const std::string& ipparam, const std::optional<ppp::MppeKeys>& keys) {
    Bytes msg(8, 0);
    auto put_attr = [&](uint16_t type, ByteView data) {
        size_t at = msg.size();
        msg.resize(at + 4 + ((data.size() + 3) & ~size_t(3)), 0);
        std::memcpy(&msg[at], &type, 2);
        uint16_t len = uint16_t(data.size());
        std::memcpy(&msg[at + 2], &len, 2);
        std::memcpy(&msg[at + 4], data.data(), data.size());
    };
    if (keys) {
        put_attr(1, keys->send);  // SSTP_API_ATTR_MPPE_SEND: the client's MasterSendKey
        put_attr(2, keys->recv);  // SSTP_API_ATTR_MPPE_RECV
    }
    uint32_t magic = 0x73737470;
    uint16_t len = uint16_t(msg.size() - 8), type = 1;  // SSTP_API_MSG_AUTH
    std::memcpy(&msg[0], &magic, 4);
    std::memcpy(&msg[4], &len, 2);
    std::memcpy(&msg[6], &type, 2);
    std::string path = "/var/run/sstpc/sstpc-" + ipparam;
    int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    bool ok = false;
    for (int i = 0; i < 50 && !ok; ++i) {
        ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        if (!ok) usleep(100'000);
    }
    if (!ok) {
        std::fprintf(stderr, "sstpc_peer: cannot connect to %s: %s\n", path.c_str(), std::strerror(errno));
        ::close(s);
        return false;
    }
    ok = write_all(s, msg);
    uint8_t ack[8];
    pollfd p{s, POLLIN, 0};
    ok = ok && ::poll(&p, 1, 5000) == 1 && ::read(s, ack, sizeof ack) == 8;
    ::close(s);
    std::fprintf(stderr, "sstpc_peer: MPPE keys %s to sstpc (%s)\n", ok ? "handed" : "NOT handed", keys ? "MS-CHAPv2" : "none");
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    std::map<std::string, std::string> opt;
    for (int i = 1; i + 1 < argc; i += 2) opt[argv[i]] = argv[i + 1];
    for (const char* k : {"--sstpc", "--server", "--ca", "--user", "--password", "--auth", "--ipparam", "--tun"})
        if (!opt.count(k)) {
            std::fprintf(stderr, "sstpc_peer: %s is required\n", k);
            return 2;
        }
    int timeout_s = opt.count("--timeout") ? std::atoi(opt["--timeout"].c_str()) : 60;
    ::signal(SIGTERM, on_signal);
    ::signal(SIGINT, on_signal);
    ::signal(SIGPIPE, SIG_IGN);

    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 1;
    pid_t child = ::fork();
    if (child == 0) {
        ::dup2(sv[1], 0);
        ::dup2(sv[1], 1);
        ::close(sv[0]);
        ::close(sv[1]);
        std::string ca = opt["--ca"], ip = opt["--ipparam"], server = opt["--server"], sstpc = opt["--sstpc"];
        ::execl(sstpc.c_str(), "sstpc", "--nolaunchpppd", "--log-stderr", "--log-level", "4", "--ca-cert", ca.c_str(),
                "--ipparam", ip.c_str(), server.c_str(), static_cast<char*>(nullptr));
        std::perror("exec sstpc");
        _exit(127);
    }
    ::close(sv[1]);
    int fd = sv[0];
    ::fcntl(fd, F_SETFL, O_NONBLOCK);

    crypto::SystemRng rng;
    ppp::PppConfig cfg;
    cfg.user = opt["--user"];
    cfg.password = opt["--password"];
    auto m = ppp::auth_method_from_name(opt["--auth"]);
    if (!m) return 2;
    cfg.methods = {*m};
    cfg.ipv6 = false;  // the TUN here only gets the IPv4 address; sstpc forwards whatever we send
    ppp::PppSession ppp(cfg, rng, nullptr);
    HdlcDecoder dec;
    std::optional<nl::TunDevice> tun;
    auto nlsk = nl::NlSock::open();
    int rc = 1;
    const Instant give_up = now_ms() + Duration{int64_t(timeout_s) * 1000};
    Instant stop_deadline{0};
    ppp.lower_up(now_ms());
    bool stopping = false, up = false;

    for (;;) {
        for (auto& e : ppp.take_events()) {
            if (auto* f = std::get_if<ppp::event::SendFrame>(&e)) {
                if (!write_all(fd, hdlc_encode(f->frame))) goto done;
            } else if (auto* a = std::get_if<ppp::event::AuthDone>(&e)) {
                std::fprintf(stderr, "sstpc_peer: auth %s: %s\n", a->outcome.success ? "ok" : "failed", a->outcome.message.c_str());
                if (a->outcome.success) hand_keys_to_sstpc(opt["--ipparam"], a->outcome.method == ppp::AuthMethod::MsChapV2 ? a->outcome.keys : std::nullopt);
            } else if (auto* v4 = std::get_if<ppp::event::Ipv4Up>(&e)) {
                auto t = nl::TunDevice::create(opt["--tun"]);
                if (!t || !nlsk) {
                    std::fprintf(stderr, "sstpc_peer: TUN: %s\n", t ? "netlink" : t.error().c_str());
                    goto done;
                }
                nl::add_ipv4_ptp(*nlsk, t->ifindex(), v4->ipcp.local, v4->ipcp.remote);
                nl::set_mtu_and_up(*nlsk, t->ifindex(), ppp.lcp().mtu(1500));
                tun.emplace(std::move(*t));
                up = true;
                std::printf("UP %s %s\n", ppp::ipv4_to_string(v4->ipcp.local).c_str(), ppp::ipv4_to_string(v4->ipcp.remote).c_str());
                std::fflush(stdout);
            } else if (auto* p = std::get_if<ppp::event::Packet>(&e)) {
                if (tun) (void)!::write(tun->fd(), p->data.data(), p->data.size());
            } else if (auto* fin = std::get_if<ppp::event::Finished>(&e)) {
                std::fprintf(stderr, "sstpc_peer: PPP finished: %s\n", fin->reason.c_str());
                rc = stopping ? 0 : 1;
                goto done;
            }
        }
        if (g_stop && !stopping) {
            stopping = true;
            stop_deadline = now_ms() + Duration{7000};
            ppp.close(now_ms(), "stopping");
            continue;
        }
        if (now_ms() > give_up && !up) {
            std::fprintf(stderr, "sstpc_peer: no IPCP within %d s\n", timeout_s);
            goto done;
        }
        if (stopping && now_ms() > stop_deadline) {
            rc = 0;
            goto done;
        }
        pollfd pf[2] = {{fd, POLLIN, 0}, {tun ? tun->fd() : -1, POLLIN, 0}};
        int wait_ms = 200;
        if (auto d = ppp.next_deadline()) wait_ms = int(std::clamp<int64_t>((*d - now_ms()).count(), 0, 200));
        ::poll(pf, tun ? 2 : 1, wait_ms);
        if (pf[0].revents & (POLLIN | POLLHUP)) {
            uint8_t buf[16384];
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n == 0) {
                std::fprintf(stderr, "sstpc_peer: sstpc closed its side\n");
                rc = stopping ? 0 : 1;
                goto done;
            }
            if (n > 0) dec.feed(ByteView(buf, size_t(n)), [&](ByteView fr) { ppp.on_frame(fr, now_ms()); });
        }
        if (tun && (pf[1].revents & POLLIN)) {
            uint8_t buf[2048];
            ssize_t n = ::read(tun->fd(), buf, sizeof buf);
            std::vector<Bytes> frames;
            if (n > 0 && ppp.encode_packet(uint16_t((buf[0] >> 4) == 6 ? 0x0057 : 0x0021), ByteView(buf, size_t(n)), frames))
                for (const Bytes& frame : frames) write_all(fd, hdlc_encode(frame));
        }
        ppp.on_timer(now_ms());
    }
done:
    ::close(fd);
    ::kill(child, SIGTERM);
    for (int i = 0; i < 30; ++i) {
        if (::waitpid(child, nullptr, WNOHANG) == child) return rc;
        usleep(100'000);
    }
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    return rc;
}
