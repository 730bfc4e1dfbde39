// One established call on a data-plane worker; see data_session.h.
#include "dataplane/data_session.h"

#include <sys/epoll.h>

#include <algorithm>
#include <cstring>

#include "controlplane/ppp/packet.h"
#include "controlplane/ppp/wire.h"
#include "controlplane/sstp/codec.h"
#include "controlplane/sstp/wire.h"
#include "dataplane/mss_clamp.h"

namespace ksstp::dp {

namespace {
constexpr uint16_t kIpv4 = uint16_t(ppp::Protocol::Ipv4);
constexpr uint16_t kIpv6 = uint16_t(ppp::Protocol::Ipv6);
// SSTP header (MS-SSTP 2.2.1) + PPP Address, Control and a 2-byte Protocol (RFC 1661 2): what
// encode_frame writes, and what ksstp sends (it never asks for ACFC/PFC).
constexpr size_t kDataOverhead = sstp::kHeaderLen + 4;
constexpr size_t kCompactAt = 256 * 1024;  // written prefix of the output dropped past this
}  // namespace

DataSession::DataSession(uint64_t id, std::unique_ptr<Transport> t, std::unique_ptr<PacketPath> path, int tun_fd,
                         LinkParams params, Bytes unsent)
    : id_(id), transport_(std::move(t)), path_(std::move(path)), tun_fd_(tun_fd), params_(params),
      out_(std::move(unsent)), rbuf_(std::max(kReadChunk, transport_->read_size())) {
    into_tunnel_ = [this](uint16_t proto, std::span<uint8_t> pkt) { return into_tunnel(proto, pkt); };
    batching_ = transport_->hold_output(true, nullptr);
}

void DataSession::fail(const std::string& why) {
    if (!closed_) closed_ = why;
}

void DataSession::on_readable(Instant now) {
    if (detached_ || closed_) return;
    read_wants_write_ = false;
    // Bytes left over when reading stopped for back-pressure come first.
    if (!held_.empty() && !paused_) {
        Bytes h = std::move(held_);
        held_.clear();
        frame_input(h, now);
    }
    more_input_ = false;
    size_t i = 0;
    for (; i < kReadBudget && !paused_ && !closed_ && held_.empty(); ++i) {
        auto r = transport_->read(rbuf_);
        if (!r) {
            if (r.error() == IoStatus::WantWrite) read_wants_write_ = true;
            else if (r.error() == IoStatus::Closed || r.error() == IoStatus::Error) fail(transport_->error());
            break;
        }
        ++c_.socket_reads;
        c_.bytes_in += *r;
        frame_input(ByteView(rbuf_.data(), *r), now);
    }
    more_input_ = !paused_ && !closed_ && (i == kReadBudget || transport_->has_buffered());
    // The batch this pass read is in the path: GRO's super-packets go to the interface now.
    if (path_) path_->flush();
}

void DataSession::frame_input(ByteView in, Instant now) {
    // Where the last whole packet taken from `in` ended: what follows it is what a paused or
    // failed framer did not consume.
    size_t done = 0;
    Bytes before;  // a partial packet from an earlier read, for the failure case below
    if (framer_.buffered()) before.assign(framer_.partial().begin(), framer_.partial().end());
    bool any = false;
    auto res = framer_.feed(in, [&](const sstp::Frame& f) {
        any = true;
        const uint8_t* end = f.packet.data() + f.packet.size();
        if (f.packet.data() >= in.data() && end <= in.data() + in.size()) done = size_t(end - in.data());
        else done = size_t(f.packet.size() - before.size());  // completed the partial packet
        if (!f.control) {
            auto frame = ppp::decode_frame(f.payload);
            if (frame && !frame->info.empty() &&
                ((frame->protocol == kIpv4 && params_.ipv4) || (frame->protocol == kIpv6 && params_.ipv6))) {
                ++c_.frames_in;
                // The view is into rbuf_, held_ or the framer's buffer, all ours: clamped in place.
                std::span<uint8_t> pkt(const_cast<uint8_t*>(frame->info.data()), frame->info.size());
                if (params_.clamp_from_tunnel) clamp_tcp_mss(pkt, params_.clamp_from_tunnel);
                if (path_) path_->deliver(frame->protocol, pkt);
                return sstp::SinkVerdict::Continue;
            }
        }
        // SSTP control, PPP control and anything else: the control plane's (whole packet).
        to_control_.emplace_back(f.packet.begin(), f.packet.end());
        ++c_.to_control;
        if (to_control_.size() >= kMaxControlQueued) {
            paused_ = true;
            ++c_.paused;
            return sstp::SinkVerdict::Stop;
        }
        return sstp::SinkVerdict::Continue;
    });
    if (any) last_rx_ms_.store(now.count(), std::memory_order_relaxed);
    if (!res) {
        // MS-SSTP 3.1.5.1: the stream cannot be delineated. The control plane gets the bytes from
        // the first undelineable one on and reaches (and logs) the same verdict; nothing more is
        // read from this stream.
        Bytes bad = done == 0 ? std::move(before) : Bytes();
        bad.insert(bad.end(), in.begin() + ptrdiff_t(done), in.end());
        to_control_.push_back(std::move(bad));
        ++c_.to_control;
        fail("SSTP stream cannot be delineated");
        return;
    }
    if (res->consumed < in.size()) held_.assign(in.begin() + ptrdiff_t(res->consumed), in.end());
}

bool DataSession::into_tunnel(uint16_t proto, std::span<uint8_t> pkt) {
    if (closed_ || out_.size() - out_off_ >= kMaxPendingOutHard) return false;
    if (!((proto == kIpv4 && params_.ipv4) || (proto == kIpv6 && params_.ipv6))) return false;
    if (pkt.size() > params_.mtu || pkt.size() + kDataOverhead > sstp::kMaxPacketLen) {
        ++c_.drop_oversized;
        return false;
    }
    if (params_.clamp_into_tunnel) clamp_tcp_mss(pkt, params_.clamp_into_tunnel);
    ByteWriter w(out_);
    sstp::encode_header(w, false, uint16_t(pkt.size() + kDataOverhead));
    ppp::encode_frame(proto, pkt, out_);
    ++c_.frames_out;
    return true;
}

void DataSession::on_tun_readable() {
    if (detached_ || closed_ || !path_ || tun_gone_) return;
    path_->pump(into_tunnel_, kTunBudget);
    write_out();
}

void DataSession::write_out() {
    if (detached_) return;
    // Encrypts into the transport's batch until a send is worth it, sends, and goes on until
    // everything is out or the socket is full (issue 5 item 4: one send per kSendBatch, not
    // one per TLS record). A transport that does not batch sends in write() itself.
    while (!closed_) {
        if (out_off_ < out_.size() && transport_->unsent() < kSendBatch) {
            auto r = transport_->write(ByteView(out_).subspan(out_off_));
            if (r && *r > 0) {
                ++c_.socket_writes;
                if (!batching_) ++c_.socket_sends;
                c_.bytes_out += *r;
                out_off_ += *r;
                continue;
            }
            if (!r && r.error() != IoStatus::WantWrite && r.error() != IoStatus::WantRead) {
                fail(transport_->error());
                break;
            }
            // Nothing taken: what the batch holds goes out first, or the socket is waited on.
        }
        if (transport_->unsent() == 0) break;
        auto f = transport_->flush();
        if (!f) {
            if (f.error() != IoStatus::WantWrite) fail(transport_->error());
            break;
        }
        if (*f == 0) break;
        ++c_.socket_sends;
    }
    if (out_off_ == out_.size()) {
        out_.clear();
        out_off_ = 0;
    } else if (out_off_ >= kCompactAt) {
        // TLS takes a moved buffer (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER) as long as it starts
        // with the same unsent bytes.
        out_.erase(out_.begin(), out_.begin() + ptrdiff_t(out_off_));
        out_off_ = 0;
    }
}

uint32_t DataSession::socket_interest() const {
    if (detached_ || closed_) return 0;
    uint32_t ev = paused_ ? 0u : uint32_t(EPOLLIN);
    if (out_off_ < out_.size() || read_wants_write_ || transport_->unsent()) ev |= EPOLLOUT;
    return ev;
}

uint32_t DataSession::tun_interest() const {
    // A full output stops the interface being read: its queue holds the packets (and drops them
    // when full, counted by the kernel) instead of us reading and refusing each one.
    if (detached_ || closed_ || tun_gone_ || !path_ || out_.size() - out_off_ >= kMaxPendingOut) return 0;
    return EPOLLIN;
}

bool DataSession::take_notify() {
    if (notified_ || (to_control_.empty() && !closed_ && !tun_gone_)) return false;
    notified_ = true;
    return true;
}

DataSession::Inbox DataSession::take_inbox() {
    Inbox in;
    in.packets.assign(std::make_move_iterator(to_control_.begin()), std::make_move_iterator(to_control_.end()));
    to_control_.clear();
    in.closed = closed_;
    in.tun_gone = tun_gone_;
    notified_ = false;
    if (paused_ && !closed_) {
        paused_ = false;
        in.resumed = true;
    }
    return in;
}

void DataSession::send(ByteView bytes) {
    out_.insert(out_.end(), bytes.begin(), bytes.end());
    ++c_.control_sends;
}

void DataSession::use_ring(TunRing* ring) {
    ring_ = ring;
    if (path_) path_->use_ring(ring);
    transport_->hold_output(batching_, ring);  // a transport that does not batch may still send through it
}

void DataSession::deliver(uint16_t ppp_protocol, ByteView packet) {
    if (!path_ || tun_gone_) return;
    // The control thread: the worker's ring is the worker's alone (plain system calls here).
    path_->use_ring(nullptr);
    path_->deliver(ppp_protocol, packet);
    path_->flush();
    path_->use_ring(ring_);
}

DataSession::Handback DataSession::detach() {
    detached_ = true;
    use_ring(nullptr);
    // Records still held go out first when the control plane writes again (or flushes).
    transport_->hold_output(false, nullptr);
    Handback h;
    h.transport = std::move(transport_);
    h.path = std::move(path_);
    h.packets.assign(std::make_move_iterator(to_control_.begin()), std::make_move_iterator(to_control_.end()));
    to_control_.clear();
    h.leftover = std::move(held_);
    // A failed framer's partial bytes already went to the control plane with the failure.
    ByteView partial = framer_.failed() ? ByteView() : framer_.partial();
    h.leftover.insert(h.leftover.end(), partial.begin(), partial.end());
    h.unsent.assign(out_.begin() + ptrdiff_t(out_off_), out_.end());
    h.closed = closed_;
    h.tun_gone = tun_gone_;
    return h;
}

}  // namespace ksstp::dp
