// Fuzz target: userspace GSO (dataplane/gso.h) on an arbitrary virtio header and packet.
// Invariants: at most kMaxSegments packets, each a well-formed IP packet no larger than 64 KB; when
// segmentation succeeds every output's IPv4 header and TCP/UDP checksums verify (they are all
// recomputed), and the outputs' payloads concatenate to the input's payload.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "dataplane/gso.h"

using namespace ksstp::dp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto h = parse_vnet_hdr(ksstp::ByteView(data, size));
    if (!h) return 0;
    ksstp::ByteView pkt(data + VnetHdr::kSize, size - VnetHdr::kSize);
    const uint8_t type = uint8_t(h->gso_type & ~VnetHdr::kGsoEcn);
    const bool segmenting = type != VnetHdr::kGsoNone;
    size_t outputs = 0, payload = 0, hdrs = 0;
    ksstp::Bytes copy(pkt.begin(), pkt.end());  // gso_segment may complete a checksum in place
    auto r = gso_segment(*h, copy, [&](std::span<const uint8_t> s) {
        ++outputs;
        if (s.size() > 65535 + 40) std::abort();
        if (segmenting) {
            if (!checksums_valid(s)) std::abort();
            const size_t l3 = (s[0] >> 4) == 6 ? 40 : size_t(s[0] & 0x0F) * 4;
            const size_t l4 = type == VnetHdr::kGsoUdpL4 ? 8 : size_t(s[l3 + 12] >> 4) * 4;
            hdrs = l3 + l4;
            payload += s.size() - hdrs;
        } else if (h->flags & VnetHdr::kNeedsCsum) {
            if (s.size() != pkt.size()) std::abort();
        }
    });
    if (!r) {
        if (outputs) std::abort();  // an error never leaves packets behind
        return 0;
    }
    if (*r != outputs || outputs == 0 || outputs > kMaxSegments) std::abort();
    if (segmenting && payload != pkt.size() - hdrs) std::abort();
    return 0;
}
