#!/usr/bin/env bash
# Runs every libFuzzer target for SECONDS each (default 60) over a scratch copy of its seed
# corpus, and prints one summary line per target: executions, coverage, new corpus entries.
#   tests/fuzz/run_fuzzers.sh [SECONDS] [BUILD_DIR]
# Configures BUILD_DIR (default build-fuzz) with clang and -DKSSTP_FUZZ=ON if needed, and builds it.
# Crashes are written to $OUT_DIR (default /tmp/ksstp-fuzz) and the script exits non-zero.
# KSSTP_FUZZ_SEED fixes libFuzzer's seed (CI sets it so that its verdict is repeatable; long
# exploratory runs leave it unset for a random seed).
set -euo pipefail
secs=${1:-60}
build=${2:-build-fuzz}
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${OUT_DIR:-/tmp/ksstp-fuzz}
cd "$top"
if [ ! -f "$build/build.ninja" ]; then
    CXX=clang++ cmake -S . -B "$build" -G Ninja -DKSSTP_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
ninja -C "$build" >/dev/null  # incremental: new targets and changed code are built
mkdir -p "$out"
status=0
for corpus in tests/controlplane/*/*_fuzz_corpus tests/dataplane/*_fuzz_corpus; do
    name=$(basename "$corpus" _corpus)
    work="$out/$name.corpus"
    rm -rf "$work" && mkdir -p "$work" && cp "$corpus"/* "$work"/
    log="$out/$name.log"
    seed_arg=()
    [ -n "${KSSTP_FUZZ_SEED:-}" ] && seed_arg=(-seed="$KSSTP_FUZZ_SEED")
    if ! "$build/tests/$name" -max_total_time="$secs" -rss_limit_mb=2048 -artifact_prefix="$out/$name-" "${seed_arg[@]}" \
            -print_final_stats=1 "$work" >"$log" 2>&1; then
        echo "$name: FAILED, see $log"
        status=1
        continue
    fi
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
    echo "$name: ${secs}s, $execs execs, cov $cov, ft $ft, corpus $(ls "$work" | wc -l) (seeds $(ls "$corpus" | wc -l))"
done
exit $status
