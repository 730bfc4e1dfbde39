// Micro-benchmarks of the TUN offload work (issue 5 item 7): cutting a 64 KB TCP super-packet
// into tunnel-MTU packets (GSO, checksums included), merging a TLS read's worth of segments into
// super-packets (GRO, checksums verified), and the Internet checksum itself. Bytes/s and
// packets/s by Google Benchmark.
#include <benchmark/benchmark.h>

#include "dataplane/gro.h"
#include "dataplane/gso.h"
#include "tests/dataplane/test_packets.h"

using namespace ksstp;
using namespace ksstp::dp;

static void BM_Gso_TcpV4SuperPacket(benchmark::State& st) {
    const uint16_t mss = uint16_t(st.range(0));
    const Bytes sp = test::super_packet(false, 6, 65535 - 52 - (65535 - 52) % mss);
    const VnetHdr h = test::gso(VnetHdr::kGsoTcpv4, mss, false, 6);
    Bytes work;
    size_t segments = 0;
    for (auto _ : st) {
        work = sp;
        auto r = gso_segment(h, work, [&](std::span<uint8_t> s) { benchmark::DoNotOptimize(s.data()); });
        segments += r.value_or(0);
    }
    st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(sp.size()));
    st.SetItemsProcessed(int64_t(segments));
}
BENCHMARK(BM_Gso_TcpV4SuperPacket)->Arg(1360)->Arg(536);

// `range(0)` segments of 1 360 bytes of one flow, as one or more TLS reads deliver them.
static void BM_Gro_MergeOneFlow(benchmark::State& st) {
    std::vector<Bytes> segs;
    for (int64_t i = 0; i < st.range(0); ++i) segs.push_back(test::seg6(uint32_t(1 + i * 1360), 1360));
    size_t frames = 0, bytes = 0;
    for (const Bytes& s : segs) bytes += s.size();
    GroBatch g;
    for (auto _ : st) {
        for (const Bytes& s : segs) g.add(s);
        g.flush([&](std::span<const uint8_t> f) {
            benchmark::DoNotOptimize(f.data());
            ++frames;
        });
    }
    st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(bytes));
    st.SetItemsProcessed(int64_t(st.iterations()) * st.range(0));
    st.counters["segments/write"] = double(st.iterations()) * double(st.range(0)) / double(frames);
}
BENCHMARK(BM_Gro_MergeOneFlow)->Arg(12)->Arg(48);

static void BM_Checksum(benchmark::State& st) {
    const Bytes data(size_t(st.range(0)), 0x5A);
    for (auto _ : st) benchmark::DoNotOptimize(csum_fold(csum_add(0, data)));
    st.SetBytesProcessed(int64_t(st.iterations()) * st.range(0));
}
BENCHMARK(BM_Checksum)->Arg(1400)->Arg(65536);
