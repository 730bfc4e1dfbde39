// Fuzz target: SstpFramer. Invariants: consumed never exceeds the input; the frames of a
// chunked feed equal the frames of a single feed; the frames are exactly the stream prefix they
// were cut from; both feeds fail (or not) alike.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "controlplane/sstp/framer.h"

using namespace ksstp;
using namespace ksstp::sstp;

namespace {
struct Run {
    std::vector<Bytes> frames;
    bool failed = false;
};
Run run(ByteView in, size_t chunk) {
    Run r;
    SstpFramer f;
    for (size_t off = 0; off < in.size() && !r.failed; off += chunk) {
        ByteView part = in.subspan(off, std::min(chunk, in.size() - off));
        auto res = f.feed(part, [&](const Frame& fr) {
            if (fr.packet.size() < kHeaderLen || fr.payload.size() + kHeaderLen != fr.packet.size()) std::abort();
            r.frames.emplace_back(fr.packet.begin(), fr.packet.end());
            return SinkVerdict::Continue;
        });
        if (!res) r.failed = true;
        else if (res->consumed != part.size()) std::abort();
    }
    return r;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    size_t chunk = size_t(data[0]) % 64 + 1;
    ByteView in(data + 1, size - 1);
    Run whole = run(in, in.size() ? in.size() : 1);
    Run chunked = run(in, chunk);
    if (whole.failed != chunked.failed || whole.frames != chunked.frames) std::abort();
    size_t off = 0;
    for (const Bytes& f : whole.frames) {
        if (off + f.size() > in.size() || !equal(f, in.subspan(off, f.size()))) std::abort();
        off += f.size();
    }
    return 0;
}
