// Micro-benchmarks of the per-packet control-plane codecs that the data plane will reuse:
// framing a decrypted TLS stream into SSTP packets, encapsulating PPP frames, and the crypto
// binding MAC (once per session). Reported by Google Benchmark with bytes/s and items/s.
#include <benchmark/benchmark.h>

#include "controlplane/sstp/crypto_binding.h"
#include "controlplane/sstp/framer.h"

using namespace ksstp;
using namespace ksstp::sstp;

namespace {
Bytes make_stream(size_t packet_payload, size_t total) {
    Bytes frame(packet_payload, 0xAB);
    frame[0] = 0xFF;
    frame[1] = 0x03;
    frame[2] = 0x00;
    frame[3] = 0x21;
    Bytes s;
    while (s.size() < total) encode_data(frame, s);
    return s;
}
}  // namespace

// Feed a 64 KiB stream of packets in reads of `chunk` bytes (a TLS record is <= 16 KiB).
static void BM_SstpFramer_Feed(benchmark::State& st) {
    const size_t chunk = size_t(st.range(0));
    Bytes s = make_stream(1400, 64 * 1024);
    size_t frames = 0;
    for (auto _ : st) {
        SstpFramer f;
        for (size_t off = 0; off < s.size(); off += chunk) {
            auto r = f.feed(ByteView(s).subspan(off, std::min(chunk, s.size() - off)), [&](const Frame& fr) {
                benchmark::DoNotOptimize(fr.payload.data());
                ++frames;
                return SinkVerdict::Continue;
            });
            benchmark::DoNotOptimize(r);
        }
    }
    st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(s.size()));
    st.SetItemsProcessed(int64_t(frames));
}
BENCHMARK(BM_SstpFramer_Feed)->Arg(64)->Arg(1500)->Arg(16384)->Arg(65536);

// Encapsulate IP-sized PPP frames into SSTP data packets.
static void BM_SstpEncapsulate(benchmark::State& st) {
    Bytes frame(size_t(st.range(0)), 0x45);
    Bytes out;
    out.reserve(1 << 20);
    for (auto _ : st) {
        out.clear();
        for (int i = 0; i < 64; ++i) encode_data(frame, out);
        benchmark::DoNotOptimize(out.data());
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * 64);
    st.SetBytesProcessed(int64_t(st.iterations()) * 64 * st.range(0));
}
BENCHMARK(BM_SstpEncapsulate)->Arg(64)->Arg(1400);

static void BM_CryptoBinding_CompoundMac(benchmark::State& st) {
    Hlak hlak{};
    Bytes msg(kCallConnectedLen, 0x11);
    for (auto _ : st) benchmark::DoNotOptimize(compound_mac(msg, hlak, HashProtocol::Sha256));
}
BENCHMARK(BM_CryptoBinding_CompoundMac);
