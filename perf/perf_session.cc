// PerfSession; see perf_session.h.
#include "perf/perf_session.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "controlplane/sstp/crypto_binding.h"

namespace ksstp::perf {
namespace {

constexpr size_t kMaxQueued = 256 * 1024;  // engine output waiting for TLS: stop making traffic
constexpr size_t kMaxWrittenPerTurn = 4 * kMaxQueued;  // one session's share of one wake-up
constexpr uint16_t kDiscardPort = 9;       // RFC 863: the server's host drops it
constexpr uint8_t kIcmp = 1, kUdp = 17;

uint16_t checksum(const uint8_t* p, size_t n) {
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2) sum += uint32_t(p[i] << 8 | p[i + 1]);
    if (n & 1) sum += uint32_t(p[n - 1] << 8);
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    return uint16_t(~sum);
}

void put16(uint8_t* p, uint16_t v) { p[0] = uint8_t(v >> 8), p[1] = uint8_t(v); }
void put32(uint8_t* p, uint32_t v) { put16(p, uint16_t(v >> 16)), put16(p + 2, uint16_t(v)); }
uint16_t get16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }

double ms_between(Instant a, Instant b) { return double((b - a).count()); }

}  // namespace

PerfSession::PerfSession(const PerfOptions& o, SSL_CTX* ctx, uint32_t index)
    : o_(o), ctx_(ctx), index_(index), sent_at_(std::max<uint32_t>(o.window, 1)) {}

bool PerfSession::start(Instant now) {
    started_ = now;
    sock_ = Fd(::socket(o_.server.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!sock_) {
        fail(std::string("socket: ") + std::strerror(errno));
        return false;
    }
    if (::connect(sock_.get(), reinterpret_cast<const sockaddr*>(&o_.server), o_.server_len) != 0 &&
        errno != EINPROGRESS) {
        fail(std::string("connect: ") + std::strerror(errno));
        return false;
    }
    return true;
}

uint32_t PerfSession::interest() const {
    if (!connected_) return EPOLLOUT;
    if (!tls_done_) return want_write_ ? EPOLLOUT : EPOLLIN;
    const bool more = out_off_ < out_.size() || (up_ && traffic_ && !finishing_ && o_.traffic == Traffic::Up);
    return EPOLLIN | (more ? EPOLLOUT : 0u);
}

void PerfSession::fail(std::string why) {
    if (done_) return;
    if (error_.empty() && !finishing_) error_ = std::move(why);
    done_ = true;
    if (tls_) tls_->shutdown();
}

void PerfSession::on_io(Instant now) {
    if (done_) return;
    if (!connected_) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(sock_.get(), SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) return fail(std::string("tcp: ") + std::strerror(err));
        connected_ = true;
        phase_ms_[kTcp] = ms_between(started_, now);
        tls_.emplace(tls::TlsSession::client(ctx_, sock_.get(), o_.host, false));
    }
    drive(now);
}

void PerfSession::drive(Instant now) {
    if (!tls_done_) {
        auto r = tls_->handshake();
        if (!r) {
            if (r.error() == tls::IoStatus::WantRead || r.error() == tls::IoStatus::WantWrite) {
                want_write_ = r.error() == tls::IoStatus::WantWrite;
                return;
            }
            return fail("tls: " + tls_->error());
        }
        tls_done_ = true;
        phase_ms_[kTls] = ms_between(started_, now);
        tls::TlsInfo ti = tls_->info();
        session::ClientSessionConfig sc;
        sc.ppp.methods = o_.auth;
        sc.ppp.user = o_.user;
        sc.ppp.password = o_.password;
        sc.host = o_.host;
        sess_ = std::make_unique<session::ClientSession>(sc, rng_);
        std::optional<sstp::CertHashes> hashes;
        if (!ti.peer_leaf_der.empty()) hashes = sstp::CertHashes::of_der(ti.peer_leaf_der);
        sess_->start(hashes, now);
        pump_engine(now);
    }
    uint8_t buf[16384];
    for (int i = 0; i < 16 && !done_; ++i) {
        auto r = tls_->read(buf);
        if (r) {
            sess_->on_bytes(ByteView(buf, *r), now);
            pump_engine(now);
            continue;
        }
        if (r.error() == tls::IoStatus::Closed || r.error() == tls::IoStatus::Error) {
            sess_->on_transport_closed(now, tls_->error());
            pump_engine(now);
            return fail("connection closed: " + tls_->error());
        }
        break;
    }
    if (done_) return;
    send_traffic(now);
    // Bounded: a server that drains as fast as we write would otherwise keep one session's
    // refill loop going for ever and starve every other session of this single thread (their
    // negotiation and SSTP echo replies included). The level-triggered EPOLLOUT brings us back.
    size_t written = 0;
    while (out_off_ < out_.size()) {
        auto w = tls_->write(ByteView(out_.data() + out_off_, out_.size() - out_off_));
        if (!w) {
            if (w.error() == tls::IoStatus::WantRead || w.error() == tls::IoStatus::WantWrite) break;
            return fail("write: " + tls_->error());
        }
        out_off_ += *w;
        written += *w;
        if (out_off_ == out_.size()) {
            out_.clear();
            out_off_ = 0;
            if (written >= kMaxWrittenPerTurn) break;
            send_traffic(now);  // the window opened: refill
        }
    }
}

void PerfSession::pump_engine(Instant now) {
    if (out_off_ == out_.size()) {
        out_.clear();
        out_off_ = 0;
    }
    sess_->take_output_into(out_);
    for (auto& e : sess_->take_events()) {
        if (auto* v4 = std::get_if<session::ev::Ipv4Up>(&e)) {
            local_ = v4->ipcp.local;
            peer_ = v4->ipcp.remote;
            up_ = true;
            phase_ms_[kIpcp] = ms_between(started_, now);
        } else if (auto* p = std::get_if<session::ev::IpPacket>(&e)) {
            on_ip(p->data, now);
        } else if (auto* l = std::get_if<session::ev::Log>(&e)) {
            // The authentication verdict says more than the disconnect that follows it.
            if (std::string_view(l->subsystem) == "auth" && l->text.find("fail") != std::string::npos) {
                auth_error_ = l->text;
                // MS-CHAP's failure carries the next challenge (C=<hex>): unique per session, so
                // it would split one reason into as many as there are sessions.
                if (auto c = auth_error_.find(" C="); c != std::string::npos)
                    auth_error_.erase(c, auth_error_.find(' ', c + 1) - c);
            }
        } else if (auto* end = std::get_if<session::ev::Ended>(&e)) {
            if (finishing_) {
                done_ = true;
            } else if (!auth_error_.empty()) {
                fail(auth_error_);
            } else {
                fail(std::string(sstp::to_string(end->reason)) + (end->detail.empty() ? "" : ": " + end->detail));
            }
        }
    }
    note_phases(now);
}

void PerfSession::note_phases(Instant now) {
    if (!sess_) return;
    const double t = ms_between(started_, now);
    auto st = sess_->sstp().state();
    if (!phase_ms_[kHttp] && st != sstp::State::Idle) phase_ms_[kHttp] = t;
    if (!phase_ms_[kSstp] && st != sstp::State::Idle && st != sstp::State::ClientConnectRequestSent) phase_ms_[kSstp] = t;
    auto ph = sess_->ppp().phase();
    if (!phase_ms_[kLcp] && (ph == ppp::Phase::Authenticate || ph == ppp::Phase::Network)) phase_ms_[kLcp] = t;
    if (!phase_ms_[kAuth] && ph == ppp::Phase::Network) phase_ms_[kAuth] = t;
}

Bytes PerfSession::build_datagram(bool echo, uint16_t seq) {
    const size_t size = std::max<size_t>(o_.packet_size, 28);
    Bytes d(size, 0);
    uint8_t* ip = d.data();
    ip[0] = 0x45;
    put16(ip + 2, uint16_t(size));
    put16(ip + 4, seq);
    ip[8] = 64;
    ip[9] = echo ? kIcmp : kUdp;
    put32(ip + 12, local_);
    put32(ip + 16, peer_);
    put16(ip + 10, checksum(ip, 20));
    uint8_t* l4 = ip + 20;
    for (size_t i = 28; i < size; ++i) d[i] = uint8_t(i);
    if (echo) {
        l4[0] = 8;  // echo request
        put16(l4 + 4, uint16_t(index_));
        put16(l4 + 6, seq);
        put16(l4 + 2, checksum(l4, size - 20));
    } else {
        put16(l4, uint16_t(40000 + index_ % 20000));
        put16(l4 + 2, kDiscardPort);
        put16(l4 + 4, uint16_t(size - 20));  // checksum 0: none (RFC 768)
    }
    return d;
}

void PerfSession::send_traffic(Instant now) {
    if (!up_ || !traffic_ || finishing_ || o_.traffic == Traffic::None) return;
    const bool echo = o_.traffic != Traffic::Up;
    while (out_.size() - out_off_ < kMaxQueued) {
        if (echo && in_flight_ >= o_.window) break;
        Bytes d = build_datagram(echo, seq_);
        if (!sess_->send_ip(0x0021, d)) break;
        if (echo) {
            sent_at_[seq_ % sent_at_.size()] = now;
            ++in_flight_;
        }
        ++seq_;
        ++ctr_.tx_packets;
        ctr_.tx_bytes += d.size();
        pump_engine(now);
    }
}

void PerfSession::on_ip(const Bytes& pkt, Instant now) {
    ++ctr_.rx_packets;
    ctr_.rx_bytes += pkt.size();
    if (pkt.size() < 28 || (pkt[0] >> 4) != 4 || pkt[9] != kIcmp) return;
    const size_t ihl = size_t(pkt[0] & 0x0F) * 4;
    if (pkt.size() < ihl + 8) return;
    const uint8_t* icmp = pkt.data() + ihl;
    if (icmp[0] != 0 || get16(icmp + 4) != uint16_t(index_)) return;  // our echo replies only
    rtts_.push_back(ms_between(sent_at_[get16(icmp + 6) % sent_at_.size()], now));
    if (in_flight_) --in_flight_;
}

void PerfSession::on_timer(Instant now) {
    if (done_ || !sess_) return;
    sess_->on_timer(now);
    pump_engine(now);
    if (!done_ && tls_done_) drive(now);
}

std::optional<Instant> PerfSession::next_deadline() const {
    return sess_ && !done_ ? sess_->next_deadline() : std::nullopt;
}

void PerfSession::start_traffic(Instant now) {
    traffic_ = true;
    if (up_ && !done_) drive(now);
}

void PerfSession::finish(Instant now) {
    if (done_) return;
    finishing_ = true;
    if (!sess_ || !up_) {
        done_ = true;
        return;
    }
    sess_->disconnect(now, "ksstp-perf finished");
    pump_engine(now);
    drive(now);
}

}  // namespace ksstp::perf
