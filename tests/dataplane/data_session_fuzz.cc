// Fuzz target: a data-plane worker's receive side (dataplane/data_session.h) over an arbitrary
// decrypted TLS stream. The first byte picks which NCPs are up and MSS clamping; then each chunk
// is a 1-byte length and that many bytes, handed over as one transport read, with the control
// plane taking its queue after every other pass (back-pressure and resumption).
// Invariants: every byte read ends in exactly one place (an IP packet delivered to the path plus
// its SSTP/PPP headers, a whole packet for the control plane, or the hand-back's leftover); every
// packet for the control plane is a whole SSTP packet (version 1.0, its own length) unless the
// stream failed to delineate; the control queue never exceeds its bound; nothing is delivered
// for an NCP that is not up.
#include <cstdint>
#include <cstdlib>
#include <deque>

#include "controlplane/ppp/wire.h"
#include "controlplane/sstp/wire.h"
#include "dataplane/data_session.h"

using namespace ksstp;
using namespace ksstp::dp;

namespace {

class ChunkTransport final : public Transport {
public:
    std::deque<Bytes> chunks;
    size_t bytes_read = 0;
    int fd() const override { return -1; }
    Result<size_t, IoStatus> read(std::span<uint8_t> out) override {
        if (chunks.empty()) return fail(IoStatus::WantRead);
        Bytes& c = chunks.front();
        size_t n = std::min(out.size(), c.size());
        std::copy(c.begin(), c.begin() + ptrdiff_t(n), out.begin());
        c.erase(c.begin(), c.begin() + ptrdiff_t(n));
        if (c.empty()) chunks.pop_front();
        bytes_read += n;
        return n;
    }
    Result<size_t, IoStatus> write(ByteView in) override { return in.size(); }
    std::string error() const override { return "closed"; }
};

class CountingPath final : public PacketPath {
public:
    bool v4 = false, v6 = false;
    size_t packets = 0, bytes = 0;
    void deliver(uint16_t proto, ByteView packet) override {
        if ((proto == 0x0021 && !v4) || (proto == 0x0057 && !v6) || (proto != 0x0021 && proto != 0x0057)) std::abort();
        if (packet.empty()) std::abort();
        ++packets;
        bytes += packet.size();
    }
    size_t pump(const IntoTunnel&, size_t) override { return 0; }
    const PathCounters& counters() const override { return c_; }

private:
    PathCounters c_;
};

bool whole_sstp_packet(const Bytes& p) {
    return p.size() >= sstp::kHeaderLen && p[0] == sstp::kVersion && (size_t(p[2] & 0x0F) << 8 | p[3]) == p.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const uint8_t mode = data[0];
    LinkParams lp{bool(mode & 1), bool(mode & 2), 1500, uint16_t(mode & 4 ? 1400 : 0), uint16_t(mode & 4 ? 1360 : 0)};
    auto t = std::make_unique<ChunkTransport>();
    ChunkTransport* tp = t.get();
    for (size_t off = 1; off < size;) {
        size_t len = std::min<size_t>(data[off] ? data[off] : 256, size - off - 1);
        ++off;
        tp->chunks.emplace_back(data + off, data + off + len);
        off += len;
    }
    auto path = std::make_unique<CountingPath>();
    path->v4 = lp.ipv4;
    path->v6 = lp.ipv6;
    CountingPath* pp = path.get();
    DataSession s(1, std::move(t), std::move(path), -1, lp, {});
    size_t control_bytes = 0, control_packets = 0, headers = 0;
    bool failed = false;
    auto take = [&] {
        auto in = s.take_inbox();
        if (in.packets.size() > DataSession::kMaxControlQueued) std::abort();
        for (size_t i = 0; i < in.packets.size(); ++i) {
            const bool last = i + 1 == in.packets.size();
            if (!whole_sstp_packet(in.packets[i]) && !(last && in.closed)) std::abort();
            control_bytes += in.packets[i].size();
            ++control_packets;
        }
        failed = failed || in.closed.has_value();
    };
    for (int pass = 0; pass < 1000 && !tp->chunks.empty() && !failed; ++pass) {
        s.on_readable(Instant{pass});
        if (pass % 2 == 1) take();
    }
    take();
    // Each delivered packet came with at least the SSTP header and a 1-byte PPP protocol field,
    // at most the SSTP header, Address, Control and a 2-byte protocol.
    const size_t delivered = pp->bytes;
    if (s.counters().frames_in != pp->packets) std::abort();
    auto h = s.detach();
    const size_t accounted = delivered + control_bytes + h.leftover.size();
    headers = tp->bytes_read - accounted;
    if (accounted > tp->bytes_read) std::abort();
    if (headers < pp->packets * (sstp::kHeaderLen + 1) || headers > pp->packets * (sstp::kHeaderLen + 4)) std::abort();
    if (!h.packets.empty()) std::abort();  // all taken above
    return 0;
}
