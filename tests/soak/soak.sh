#!/usr/bin/env bash
# Soak (issue 7): SESSIONS ksstpc clients connect to one ksstpd, pass traffic and disconnect, in a
# loop, for SECONDS. Disconnects rotate between the client's SIGTERM (clean Call Disconnect), the
# operator's `ksstpctl disconnect` and SIGKILL of the client (the kernel closes its socket). After
# every cycle, once all sessions are gone, ksstpd's descriptors, resident memory, session
# interfaces and pool addresses in use are sampled (a CSV line each); at the end:
#   - descriptors: exactly the count after the first cycle (zero leaked);
#   - interfaces in ksstpd's namespace: none left (session group and retired group);
#   - pool addresses in use: 0; sessions: 0;
#   - resident memory: the last sample no more than SOAK_RSS_SLACK_KB (default 4096) above the
#     median of the samples of the first quarter (after warm-up), i.e. no growth beyond noise.
#   - every cycle: every session came up and passed traffic.
# With an ASan build (E2E_BIN=build-asan) LeakSanitizer also checks ksstpd at exit.
#
#   tests/soak/soak.sh [SECONDS] [SESSIONS]     defaults 120 and 8; env E2E_BIN (default build/)
#   SOAK_CSV=FILE keeps the samples (default: printed at the end)
# CI runs the 2-minute version (ctest soak.smoke); docs/testing.md has the long run's figures.
top=$(cd "$(dirname "$0")/../.." && pwd)
export E2E_BIN=${E2E_BIN:-$top/build}
. "$top/tests/integration/lib.sh"
SECONDS_WANTED=${1:-${SOAK_SECONDS:-120}}
N=${2:-${SOAK_SESSIONS:-8}}
SLACK_KB=${SOAK_RSS_SLACK_KB:-4096}
if ldd "$E2E_BIN/tools/ksstpd" 2>/dev/null | grep -q libasan; then
    # ASan's quarantine holds freed memory on purpose (RSS grows by design): LeakSanitizer checks
    # the memory at exit instead of the RSS samples.
    echo "ASan build: resident memory not checked (LeakSanitizer is)"
    SLACK_KB=100000000
fi
[ "$N" -ge 1 ] && [ "$N" -le 200 ] || { echo "SESSIONS must be 1..200" >&2; exit 2; }
e2e_setup soak

secrets=""
for k in $(seq 1 "$N"); do
    secrets+="[[ppp.secret]]
name = \"s$k\"
password = \"Soak-Pass-$k\"
"
done
E2E_EXTRA_TOML="$secrets" e2e_server_config server "max-starting-per-address = 400
max-connection-rate = 0" ""
sed -i 's/^ranges = .*/ranges = ["198.19.0.10-198.19.1.250"]/' "$E2E_DIR/ksstpd.toml"
e2e_start_server
ctl() { "$E2E_BIN/tools/ksstpctl" --socket "$E2E_DIR/ksstpd.sock" "$@"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
srv_links() { ip -n "$E2E-s" -o link show | grep -c ': sstp'; }

declare -A cpid
start_clients() {
    local k
    for k in $(seq 1 "$N"); do
        E2E_CLIENT_NAME="sstp-s$k" e2e_start_client "s$k" --user "s$k" --password "Soak-Pass-$k" \
            --ca-certificate "$E2E_DIR/ca.pem" --verify-server-certificate true --keepalive-timeout 5
        cpid[$k]=$E2E_CLIENT_PID
    done
}
sessions() { ctl stats --json 2>/dev/null | json "d['sessions']" || echo -1; }
established() { ctl active print --json 2>/dev/null | json "sum(s['state'] == 'established' and s['remote-address'] != '' for s in d)" || echo -1; }

csv=${SOAK_CSV:-$E2E_DIR/soak.csv}
echo "cycle,elapsed_s,rss_kb,fds,interfaces,pool_used,sessions,pings_ok" > "$csv"
start=$(date +%s)
cycle=0
base_fds=""
while :; do
    cycle=$((cycle + 1))
    start_clients
    e2e_wait 30 "[ \$(established) -eq $N ]" || e2e_fail "cycle $cycle: $(established) of $N sessions came up"
    # Every client's interface up with an address, then traffic through each tunnel at once.
    for k in $(seq 1 "$N"); do
        e2e_wait 10 "ip -n '$E2E-c' -4 addr show dev sstp-s$k 2>/dev/null | grep -q inet" ||
            e2e_fail "cycle $cycle: sstp-s$k has no address"
    done
    ok=0
    pids=()
    for k in $(seq 1 "$N"); do
        ip netns exec "$E2E-c" ping -q -c 40 -i 0.005 -s 1000 -W 2 -I "sstp-s$k" 198.19.0.1 >/dev/null 2>&1 &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" && ok=$((ok + 1)); done
    [ "$ok" -eq "$N" ] || e2e_fail "cycle $cycle: traffic passed through only $ok of $N tunnels"
    # Disconnect, rotating who ends the sessions.
    case $((cycle % 3)) in
        0) for k in $(seq 1 "$N"); do kill -TERM "${cpid[$k]}"; done ;;
        1) for k in $(seq 1 "$N"); do ctl disconnect "s$k" >/dev/null || e2e_fail "disconnect s$k"; done
           for k in $(seq 1 "$N"); do kill -TERM "${cpid[$k]}"; done ;;
        2) for k in $(seq 1 "$N"); do kill -KILL "${cpid[$k]}"; done ;;
    esac
    for k in $(seq 1 "$N"); do
        e2e_wait 10 "! kill -0 ${cpid[$k]} 2>/dev/null" || e2e_fail "cycle $cycle: ksstpc s$k did not stop"
        wait "${cpid[$k]}" 2>/dev/null
    done
    E2E_PIDS=("$E2E_SERVER_PID")
    e2e_wait 15 "[ \$(sessions) -eq 0 ] && [ \$(srv_links) -eq 0 ]" ||
        e2e_fail "cycle $cycle: $(sessions) sessions and $(srv_links) interfaces left 15 s after the clients went"
    kill -0 "$E2E_SERVER_PID" 2>/dev/null || e2e_fail "ksstpd died"
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$E2E_SERVER_PID/status")
    fds=$(ls "/proc/$E2E_SERVER_PID/fd" | wc -l)
    used=$(ctl server print --json | json "sum(p['used'] for p in d['pools'].values())")
    elapsed=$(( $(date +%s) - start ))
    echo "$cycle,$elapsed,$rss,$fds,$(srv_links),$used,$(sessions),$ok" >> "$csv"
    [ -n "$base_fds" ] || base_fds=$fds
    [ "$elapsed" -ge "$SECONDS_WANTED" ] && [ "$cycle" -ge 4 ] && break
done

e2e_log "$cycle cycles of $N sessions in ${elapsed}s"
python3 - "$csv" "$base_fds" "$SLACK_KB" <<'PY' || e2e_fail "soak: leak (see above)"
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
base_fds, slack = int(sys.argv[2]), int(sys.argv[3])
last = rows[-1]
rss = [int(r["rss_kb"]) for r in rows]
early = rss[1:max(2, len(rss) // 4 + 1)]  # after the warm-up cycle
ref = statistics.median(early)
print(f"cycles {len(rows)}  rss first {rss[0]} kB, early median {ref:.0f} kB, max {max(rss)} kB, last {rss[-1]} kB"
      f" (growth {rss[-1] - ref:+.0f} kB, slack {slack} kB)")
print(f"fds after cycle 1: {base_fds}, last: {last['fds']}; interfaces left {last['interfaces']};"
      f" pool addresses in use {last['pool_used']}; sessions {last['sessions']}")
bad = []
if any(int(r["fds"]) != base_fds for r in rows[1:]): bad.append("descriptor count changed: " + ",".join(r["fds"] for r in rows))
if any(int(r["interfaces"]) for r in rows): bad.append("interfaces left")
if any(int(r["pool_used"]) for r in rows): bad.append("pool addresses left in use")
if rss[-1] - ref > slack: bad.append(f"resident memory grew {rss[-1] - ref:.0f} kB")
for b in bad: print("LEAK:", b)
sys.exit(1 if bad else 0)
PY
[ -n "${SOAK_CSV:-}" ] || cat "$csv"
e2e_stop "$E2E_SERVER_PID" || e2e_fail "ksstpd did not stop"
wait "$E2E_SERVER_PID"; rc=$?
[ "$rc" -eq 0 ] || e2e_fail "ksstpd exited $rc"
[ "$(ip -n "$E2E-c" -o link show | grep -c sstp-s)" -eq 0 ] || e2e_fail "client interfaces left"
echo "PASS: soak"
