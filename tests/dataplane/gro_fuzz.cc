// Fuzz target: userspace GRO (dataplane/gro.h) over arbitrary packets (2-byte length prefixes).
// Invariants: no more packets out than in; every output starts with a virtio header that GSO
// accepts; cutting every output again with GSO gives back exactly as many packets and as many
// bytes as went in (merging loses, adds and reorders nothing within a flow's bytes), and every
// re-cut segment of a super-packet has checksums that verify.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "dataplane/gro.h"

using namespace ksstp::dp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    GroBatch g;
    size_t in_packets = 0, in_bytes = 0;
    for (size_t off = 0; off + 2 <= size;) {
        size_t len = size_t(data[off] << 8 | data[off + 1]);
        off += 2;
        len = std::min(len, size - off);
        g.add(ksstp::ByteView(data + off, len));
        ++in_packets;
        in_bytes += len;
        off += len;
    }
    size_t out_frames = 0, out_packets = 0, out_bytes = 0;
    g.flush([&](std::span<const uint8_t> f) {
        ++out_frames;
        auto h = parse_vnet_hdr(f);
        if (!h) std::abort();
        ksstp::ByteView pkt = f.subspan(VnetHdr::kSize);
        if (h->gso_type == VnetHdr::kGsoNone) {
            ++out_packets;
            out_bytes += pkt.size();
            return;
        }
        ksstp::Bytes copy(pkt.begin(), pkt.end());
        auto r = gso_segment(*h, copy, [&](std::span<const uint8_t> s) {
            if (!checksums_valid(s)) std::abort();
            ++out_packets;
            out_bytes += s.size();
        });
        if (!r) std::abort();
    });
    if (out_frames > in_packets || out_packets != in_packets || out_bytes != in_bytes) std::abort();
    return 0;
}
