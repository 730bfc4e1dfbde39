#!/usr/bin/env bash
# Malformed-input campaign (issue 7 item 2): MALFORMED_INPUTS (default 10 000) generated malformed
# inputs over real TLS connections against a live ksstpd (sstp_hostile campaign: lying and
# truncated lengths, wrong version, unknown types and attributes, control messages in the wrong
# state, PPP option floods, negotiation loops, Echo storms, non-SSTP HTTP) while two healthy
# sessions keep pinging through their tunnels. Asserts: ksstpd alive and still serving; the
# healthy sessions never interrupted (same session ids, no reconnect, every ping answered); a plain GET
# and every other non-SSTP request answered with an HTTP error, none left hanging; every bad
# connection closed and its end counted under a reason in `ksstpctl stats`.
. "$(dirname "$0")/lib.sh"
e2e_setup malformed
INPUTS=${MALFORMED_INPUTS:-10000}
ctl() { "$E2E_BIN/tools/ksstpctl" --socket "$E2E_DIR/ksstpd.sock" "$@"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# The campaign fails logins on purpose: no failed-login delay here, or its source would be
# refused at accept instead of being tested.
E2E_EXTRA_TOML='[[ppp.secret]]
name = "bob"
password = "Bob-Pass-4"' e2e_server_config server "max-login-delay = 0
max-starting-per-address = 64"
e2e_start_server
for u in alice:Correct-Horse-9 bob:Bob-Pass-4; do
    E2E_CLIENT_NAME="sstp-${u%%:*}" e2e_start_client "${u%%:*}" --user "${u%%:*}" --password "${u#*:}" \
        --ca-certificate "$E2E_DIR/ca.pem" --verify-server-certificate true
done
e2e_wait 15 "[ \$(ctl active print --json | json \"sum(s['remote-address'] != '' for s in d)\") -eq 2 ]" ||
    e2e_fail "healthy sessions did not come up"
before=$(ctl active print --json | json "sorted((s['user'], s['id']) for s in d)")
for u in alice bob; do
    ip netns exec "$E2E-c" ping -i 0.1 -W 2 -I "sstp-$u" 198.19.0.1 > "$E2E_DIR/ping-$u.log" 2>&1 &
    E2E_PIDS+=($!)
    eval "ping_$u=\$!"
done

e2e_log "campaign: $INPUTS malformed inputs"
ip netns exec "$E2E-c" "$E2E_BIN/tests/sstp_hostile" campaign --connect "$E2E_SRV:443" --count "$INPUTS" \
    --seed "${MALFORMED_SEED:-7}" --threads 16 --user alice --password Correct-Horse-9 > "$E2E_DIR/campaign.txt" 2>&1
rc=$?
cat "$E2E_DIR/campaign.txt"
[ "$rc" -eq 0 ] || e2e_fail "campaign: some inputs never reached ksstpd over TLS (rc $rc)"
grep -q "^inputs $INPUTS " "$E2E_DIR/campaign.txt" || e2e_fail "campaign did not run every input"
grep -q "hang" "$E2E_DIR/campaign.txt" && e2e_fail "a non-SSTP request was left hanging"
grep "^http: not an SSTP request" "$E2E_DIR/campaign.txt" | grep -q -E "(server closed|other answer|we closed)" &&
    e2e_fail "a non-SSTP request got no HTTP error"
kill -0 "$E2E_SERVER_PID" || e2e_fail "ksstpd died"

e2e_log "healthy sessions untouched"
for u in alice bob; do kill -INT "$(eval echo \$ping_$u)"; done
sleep 0.5
for u in alice bob; do
    # Every echo answered, in order: no sequence number missing but the one still in flight when
    # ping was stopped (ping counts that one as lost).
    python3 - "$E2E_DIR/ping-$u.log" <<'PY' || e2e_fail "$u lost pings: $(grep loss "$E2E_DIR/ping-$u.log")"
import re, sys
t = open(sys.argv[1]).read()
seqs = sorted({int(m) for m in re.findall(r"icmp_seq=(\d+) ttl=", t)})
sent = int(re.search(r"(\d+) packets transmitted", t).group(1))
print(f"{sent} echo requests, {len(seqs)} answered, none missing before the last")
sys.exit(0 if seqs == list(range(1, len(seqs) + 1)) and sent - len(seqs) <= 1 and len(seqs) > 20 else 1)
PY
    [ "$(e2e_count 'connected:' "$E2E_DIR/$u.log")" -eq 1 ] || e2e_fail "$u reconnected during the campaign"
done
after=$(ctl active print --json | json "sorted((s['user'], s['id']) for s in d)")
[ "$before" = "$after" ] || e2e_fail "healthy sessions changed: $before -> $after"

e2e_log "every bad connection closed with a counted reason"
e2e_wait 20 "[ \$(ctl stats --json | json \"d['sessions']\") -eq 2 ]" || e2e_fail "campaign sessions left open"
ctl stats --json > "$E2E_DIR/stats.json"
python3 - "$E2E_DIR/stats.json" "$INPUTS" <<'PY' || e2e_fail "stats do not account for every bad session"
import json, sys
d = json.load(open(sys.argv[1])); n = int(sys.argv[2])
ends = sum(d["end-reasons"].values())
tls = sum(v for k, v in d["handshake-errors"].items() if k.startswith("TLS: "))
print(f"accepted {d['accepted']} closed {d['closed']} refused {d['refused']}; end reasons {ends} {d['end-reasons']}; "
      f"TLS failures {tls}; auth failures {sum(d['auth-failures'].values())}; drops {d['drops']}")
ok = d["accepted"] == n + 2 and d["closed"] == n and ends + tls == d["closed"] and not d["refused"]
sys.exit(0 if ok else 1)
PY
# And it still serves: a new client connects and passes traffic.
E2E_CLIENT_NAME=sstp-late e2e_start_client late --user alice --password Correct-Horse-9 \
    --ca-certificate "$E2E_DIR/ca.pem" --verify-server-certificate true
e2e_wait 15 "grep -q 'connected:' '$E2E_DIR/late.log'" || e2e_fail "a new client cannot connect after the campaign"
e2e_no_secrets_in_logs Correct-Horse-9 Bob-Pass-4 Correct-Horse-9-wrong
e2e_stop "$E2E_SERVER_PID" || e2e_fail "ksstpd did not stop"
echo "PASS: malformed"
