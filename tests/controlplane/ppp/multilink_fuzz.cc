// Fuzz target: RFC 1990 reassembly (MpReassembler). Input: a list of records
// [advance-ms (1 byte)] [length (1 byte)] [MP information field]. Invariants: memory stays within
// its bounds after every call, a reassembled packet never exceeds the MRRU (+ its protocol
// field), and fragmenting a reassembled packet again and feeding it to a fresh reassembler
// gives the same bytes back.
#include <cstdint>
#include <cstdlib>

#include "controlplane/ppp/multilink.h"

using namespace ksstp;
using namespace ksstp::ppp;

namespace {
constexpr uint16_t kMrru = 1600;

void check_round_trip(const Bytes& whole) {
    MpFragmenter tx;
    MpReassembler rx(kMrru);
    std::vector<Bytes> frames;
    uint16_t proto = uint16_t(whole[0] << 8 | whole[1]);
    tx.fragment(proto, ByteView(whole).subspan(2), 300, frames);
    std::optional<Bytes> back;
    for (const Bytes& f : frames) back = rx.feed(ByteView(f).subspan(4), Instant{});
    if (!back || *back != whole) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    MpReassembler rx(kMrru);
    Instant now{};
    size_t i = 0;
    while (i + 2 <= size) {
        now = now + Duration{data[i]};
        size_t len = data[i + 1];
        i += 2;
        len = std::min(len, size - i);
        auto whole = rx.feed(ByteView(data + i, len), now);
        i += len;
        if (rx.held_fragments() > MpReassembler::kMaxFragments || rx.held_bytes() > 2 * size_t(kMrru) + 64)
            std::abort();
        if (whole) {
            if (whole->size() < 2 || whole->size() > kMrru + 2u) std::abort();
            check_round_trip(*whole);
        }
        rx.poll(now);
        if (auto d = rx.next_deadline(); d && *d < now) std::abort();  // poll() leaves nothing overdue
    }
    return 0;
}
