// The control plane's side of a call on a data-plane worker; see worker_handoff.h.
#include "controlplane/io/worker_handoff.h"

#include "controlplane/io/event_loop.h"
#include "controlplane/tls/tls_transport.h"

namespace ksstp::io {

bool ready_for_worker(const session::SessionCore& s) {
    const ppp::PppSession& p = s.ppp();
    return !s.ended() && s.sstp().ppp_allowed(false) && s.framer_buffered() == 0 && !p.lcp().multilink() &&
           (p.ipv4_up() || p.ipv6_up()) && !p.ncp_negotiating();
}

dp::LinkParams link_params(const session::SessionCore& s, uint16_t clamp_mtu) {
    const ppp::PppSession& p = s.ppp();
    dp::LinkParams lp;
    lp.ipv4 = p.ipv4_up();
    lp.ipv6 = p.ipv6_up();
    lp.mtu = p.interface_mtu();
    lp.clamp_from_tunnel = clamp_mtu;
    lp.clamp_into_tunnel = clamp_mtu ? p.lcp().our_mru : 0;
    return lp;
}

void WorkerHandoff::attach(dp::Worker& w, uint64_t id, std::optional<tls::TlsSession>& tls, int sock,
                           std::unique_ptr<dp::PacketPath>& path, int tun_fd, Bytes& out, size_t& out_off,
                           const dp::LinkParams& lp) {
    Bytes unsent(out.begin() + ptrdiff_t(out_off), out.end());
    out.clear();
    out_off = 0;
    // Setup did not need it (and refused or failed connections keep the smaller buffer).
    tls->enable_read_ahead(kReadAhead);
    auto t = std::make_unique<tls::TlsTransport>(std::move(*tls), sock);
    tls.reset();
    data_ = std::make_shared<dp::DataSession>(id, std::move(t), std::move(path), tun_fd, lp, std::move(unsent));
    worker_ = &w;
    index_ = int(w.index());
    w.attach(data_);
}

WorkerHandoff::Back WorkerHandoff::reclaim(uint64_t id, std::optional<tls::TlsSession>& tls,
                                           std::unique_ptr<dp::PacketPath>& path, Bytes& out, size_t& out_off,
                                           session::SessionCore& sess) {
    Back back;
    if (!data_) return back;
    auto h = worker_->detach(id);
    before_ += data_->counters();  // detached: no thread touches it any more
    data_.reset();
    worker_ = nullptr;
    if (!h) return back;
    tls.emplace(std::move(static_cast<tls::TlsTransport&>(*h->transport)).take());
    path = std::move(h->path);
    out.erase(out.begin(), out.begin() + ptrdiff_t(out_off));
    out_off = 0;
    out.insert(out.begin(), h->unsent.begin(), h->unsent.end());
    back.tun_gone = h->tun_gone;
    // Stream order: packets the worker queued for us, then what it read but did not frame, then
    // the partial packet its framer held.
    const Instant now = io::monotonic_now();
    for (const Bytes& p : h->packets)
        if (!sess.ended()) sess.on_bytes(p, now);
    if (!h->leftover.empty() && !sess.ended()) sess.on_bytes(h->leftover, now);
    return back;
}

void WorkerHandoff::send(uint64_t id, ByteView bytes) {
    if (bytes.empty()) return;
    {
        std::lock_guard lk(data_->mu);
        data_->send(bytes);
    }
    worker_->kick(id);
}

void WorkerHandoff::deliver(uint16_t ppp_protocol, ByteView packet) {
    std::lock_guard lk(data_->mu);
    data_->deliver(ppp_protocol, packet);
}

void WorkerHandoff::set_params(const dp::LinkParams& lp) {
    std::lock_guard lk(data_->mu);
    data_->set_params(lp);
}

dp::DataSession::Inbox WorkerHandoff::take_inbox(uint64_t id) {
    dp::DataSession::Inbox in;
    {
        std::lock_guard lk(data_->mu);
        in = data_->take_inbox();
    }
    if (in.resumed) worker_->kick(id);
    return in;
}

void WorkerHandoff::note_liveness(session::SessionCore& s) {
    if (!data_) return;
    if (Instant rx = data_->last_rx(); rx > rx_noted_) {
        rx_noted_ = rx;
        s.note_received(rx);
    }
}

dp::PathCounters WorkerHandoff::path_counters() const {
    std::lock_guard lk(data_->mu);
    return data_->path_counters();
}

dp::DataCounters WorkerHandoff::counters() const {
    dp::DataCounters d = before_;
    if (data_) {
        std::lock_guard lk(data_->mu);
        d += data_->counters();
    }
    return d;
}

}  // namespace ksstp::io
