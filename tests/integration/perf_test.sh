#!/usr/bin/env bash
# ksstp-perf (SPEC 7, issue 5 item 6) against a live ksstpd: 50 sessions through TLS, SSTP, PPP
# and IPCP with ICMP echo inside every tunnel (JSON report checked), one-way UDP, certificate
# verification with --ca, and failures reported with their reason (exit 1). The same tool runs
# against SoftEther in softether_test.sh.
. "$(dirname "$0")/lib.sh"
e2e_setup perf
e2e_server_config server "max-starting-per-address = 64"
sed -i 's/^ranges = .*/ranges = ["198.19.0.10-198.19.1.250"]/' "$E2E_DIR/ksstpd.toml"
e2e_start_server
perf() { ip netns exec "$E2E-c" "$E2E_BIN/perf/ksstp-perf" "$@"; }
json() { python3 -c "import json,sys; d=json.load(open('$1')); sys.exit(0 if ($2) else 1)"; }

e2e_log "50 sessions, ICMP echo both ways"
perf --connect-to "$E2E_SRV" --user alice --password Correct-Horse-9 --sessions 50 --duration 3 --traffic both \
    --insecure --json > "$E2E_DIR/both.json" 2> "$E2E_DIR/progress.txt" || e2e_fail "ksstp-perf failed: $(cat "$E2E_DIR/both.json")"
python3 -c "import json; d=json.load(open('$E2E_DIR/both.json')); print({k: d[k] for k in ('established','failed','setups-per-second')}, d['phase-ms']['ipcp'], d['rx'], d['echo-rtt-ms'])"
json "$E2E_DIR/both.json" "d['established'] == 50 and d['failed'] == 0" || e2e_fail "not every session came up"
json "$E2E_DIR/both.json" "all(d['phase-ms'][p]['count'] == 50 for p in ('tcp','tls','http','sstp','lcp','auth','ipcp'))" ||
    e2e_fail "phase latencies missing"
json "$E2E_DIR/both.json" "d['phase-ms']['tcp']['p50'] <= d['phase-ms']['tls']['p50'] <= d['phase-ms']['ipcp']['p50']" ||
    e2e_fail "phases out of order"
json "$E2E_DIR/both.json" "d['rx']['packets'] > 100 and d['echo-rtt-ms']['count'] > 100 and d['tx']['bits-per-second'] > 0" ||
    e2e_fail "no echo traffic"
grep -q "up 50/50" "$E2E_DIR/progress.txt" || e2e_fail "no progress line"
e2e_wait 10 "[ \$(ip -n '$E2E-s' -o link show | grep -c ': sstp') -eq 0 ]" || e2e_fail "sessions not closed after the run"
grep -q "disconnected by peer\|call disconnected" "$E2E_DIR/server.log" || e2e_fail "ksstp-perf did not say goodbye"

e2e_log "one-way UDP, a table, certificate verified"
perf --connect-to vpn.example.net:443 --user alice --password Correct-Horse-9 --sessions 4 --duration 2 --traffic up \
    --packet-size 1400 --ca "$E2E_DIR/ca.pem" > "$E2E_DIR/up.txt" 2>/dev/null || e2e_fail "up: $(cat "$E2E_DIR/up.txt")"
cat "$E2E_DIR/up.txt"
grep -q "^sessions     4 established, 0 failed" "$E2E_DIR/up.txt" || e2e_fail "table"
grep -E "^  tx .*bit/s" "$E2E_DIR/up.txt" | grep -qv "^  tx         0.0 Mbit/s" || e2e_fail "no UDP sent"

e2e_log "failures are counted with their reason"
perf --connect-to "$E2E_SRV" --user alice --password wrong --sessions 2 --duration 0 --insecure > "$E2E_DIR/bad.txt" 2>/dev/null
[ $? -eq 1 ] || e2e_fail "a failed run must exit 1"
cat "$E2E_DIR/bad.txt"
grep -q "^  failed     2: " "$E2E_DIR/bad.txt" || e2e_fail "failure reason not reported"
perf --connect-to "$E2E_SRV" --user alice >/dev/null 2>&1; [ $? -eq 2 ] || e2e_fail "missing --insecure/--ca is not a usage error"
e2e_no_secrets_in_logs Correct-Horse-9
echo "PASS: perf"
