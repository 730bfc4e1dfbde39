#!/usr/bin/env bash
# Management end to end (issue 6, SPEC 6): ksstpctl against a live ksstpd and ksstpc, the way an
# operator drives them: print, active sessions (matching `ip -s link`), secrets added/changed/
# removed and persisted, disconnect, monitor, stats, reload (a broken config is refused and the
# old one stays), client enable/disable, the socket's permissions, and the secrets file surviving
# kill -9 during writes. Topology: see lib.sh.
. "$(dirname "$0")/lib.sh"
e2e_setup mgmt

ctl() { "$E2E_BIN/tools/ksstpctl" --socket "$E2E_DIR/ksstpd.sock" "$@"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
secrets="$E2E_DIR/secrets.toml"
saved() {  # saved NAME [PASSWORD]: the secrets file has NAME (with PASSWORD)
    python3 - "$secrets" "$@" <<'PY'
import sys, tomllib
d = {s["name"]: s for s in tomllib.load(open(sys.argv[1], "rb")).get("ppp", {}).get("secret", [])}
sys.exit(0 if sys.argv[2] in d and (len(sys.argv) < 4 or d[sys.argv[2]]["password"] == sys.argv[3]) else 1)
PY
}
E2E_EXTRA_TOML="[ppp]
secrets-file = \"$secrets\"
[metrics]
listen = \"127.0.0.1:9477\"" e2e_server_config server
cp "$E2E_DIR/ksstpd.toml" "$E2E_DIR/ksstpd.good"
# systemd's readiness protocol (Type=notify): a stand-in for systemd's notify socket.
python3 - "$E2E_DIR/notify.sock" "$E2E_DIR/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); s.settimeout(60)
with open(sys.argv[2], "a") as log:
    while True:
        log.write(s.recv(4096).decode() + "\n"); log.flush()
PY
E2E_PIDS+=($!)
e2e_wait 5 "[ -S '$E2E_DIR/notify.sock' ]" || e2e_fail "notify listener"
NOTIFY_SOCKET="$E2E_DIR/notify.sock" e2e_start_server
e2e_wait 5 "grep -q '^READY=1' '$E2E_DIR/notify.log'" || e2e_fail "ksstpd sent no READY=1 (Type=notify)"

e2e_log "socket, server print, bad usage"
[ "$(stat -c %a "$E2E_DIR/ksstpd.sock")" = 600 ] || e2e_fail "socket mode is not 0600"
if command -v setpriv >/dev/null; then
    setpriv --reuid=65534 --regid=65534 --clear-groups "$E2E_BIN/tools/ksstpctl" --socket "$E2E_DIR/ksstpd.sock" stats \
        >/dev/null 2>&1 && e2e_fail "a non-root user could use the management socket"
fi
ctl server print | grep -q "port: 443" || e2e_fail "server print"
ctl frobnicate >/dev/null 2>&1; [ $? -eq 2 ] || e2e_fail "unknown command is not a usage error"
ctl secret add nonsense >/dev/null 2>&1; [ $? -eq 2 ] || e2e_fail "secret add without key=value is not a usage error"

e2e_log "active print agrees with the session and with ip -s link"
E2E_CLIENT_NAME=sstp-out1 e2e_start_client alice --user alice --password Correct-Horse-9 \
    --ca-certificate "$E2E_DIR/ca.pem" --verify-server-certificate true
alice=$E2E_CLIENT_PID
e2e_wait 10 "grep -q 'connected:' '$E2E_DIR/alice.log'" || e2e_fail "alice did not connect"
ip netns exec "$E2E-c" ping -c 5 -i 0.1 -W 2 198.19.0.1 >/dev/null || e2e_fail "no traffic"
ctl active print | grep -q "alice" || e2e_fail "active print has no alice"
a=$(ctl active print --json)
[ "$(echo "$a" | json 'len(d)')" = 1 ] || e2e_fail "active print --json: $a"
for f in id user caller local-address remote-address interface uptime-s auth tls-version tls-cipher ktls-tx ktls-rx \
         rx-bytes tx-bytes rx-packets tx-packets; do
    echo "$a" | json "d[0]['$f']" >/dev/null || e2e_fail "active print --json lacks $f"
done
[ "$(echo "$a" | json "d[0]['user'], d[0]['remote-address'], d[0]['interface'], d[0]['tls-version']")" = \
  "alice 198.19.0.10 sstp-alice TLSv1.3" ] || e2e_fail "active print fields: $a"
agree() {
    local j k
    j=$(ctl active print --json)
    k=$(ip -s -j -n "$E2E-s" link show sstp-alice)
    python3 - "$j" "$k" <<'PY'
import json, sys
s = json.loads(sys.argv[1])[0]; l = json.loads(sys.argv[2])[0]["stats64"]
ok = (s["rx-packets"], s["tx-packets"], s["rx-bytes"], s["tx-bytes"]) == (l["rx"]["packets"], l["tx"]["packets"], l["rx"]["bytes"], l["tx"]["bytes"])
print(s["rx-packets"], s["tx-packets"], l["rx"]["packets"], l["tx"]["packets"])
sys.exit(0 if ok and s["rx-packets"] >= 5 else 1)
PY
}
e2e_wait 5 "agree >/dev/null" || { agree; e2e_fail "ksstpctl and ip -s link disagree"; }

e2e_log "Prometheus metrics"
metrics() { ip netns exec "$E2E-s" python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:9477/metrics', timeout=5).read().decode())"; }
e2e_wait 5 "metrics | grep -q '^ksstp_sessions 1$'" || e2e_fail "metrics: $(metrics | head -5)"
metrics | grep -q '^ksstp_session_bytes{id="1",user="alice",interface="sstp-alice",direction="rx"} [1-9]' \
    || e2e_fail "no per-session gauges: $(metrics | grep session_bytes)"
metrics | grep -q '^# TYPE ksstp_connections_accepted_total counter' || e2e_fail "metric types missing"

e2e_log "secret add/set/remove apply at once and are saved"
ctl secret add name=bob password=Bob-Pass-1 >/dev/null || e2e_fail "secret add"
saved bob Bob-Pass-1 || e2e_fail "bob not saved"
[ "$(stat -c %a "$secrets")" = 600 ] || e2e_fail "secrets file is not 0600"
out=$(ctl secret add name=carol 2>&1); [ $? -eq 1 ] || e2e_fail "secret without password accepted"
echo "$out" | grep -q "password: missing (required)" || e2e_fail "unclear refusal: $out"
out=$(ctl secret add name=bob password=x 2>&1); [ $? -eq 1 ] && echo "$out" | grep -q "duplicate secret" \
    || e2e_fail "duplicate secret accepted: $out"
out=$(ctl secret set alice password=x 2>&1); [ $? -eq 1 ] && echo "$out" | grep -q "edit it there" \
    || e2e_fail "a secret of the main config was changed: $out"
[ "$(grep -c 'name = ' "$secrets")" = 1 ] || e2e_fail "refused commands changed the file"
E2E_CLIENT_NAME=sstp-bob e2e_start_client bob --user bob --password Bob-Pass-1
bob=$E2E_CLIENT_PID
e2e_wait 10 "grep -q 'connected:' '$E2E_DIR/bob.log'" || e2e_fail "the added user could not log in"
ctl secret set bob password=Bob-Pass-2 profile=default >/dev/null || e2e_fail "secret set"
saved bob Bob-Pass-2 || e2e_fail "secret set not saved"
ctl secret print | grep -q "bob" || e2e_fail "secret print"
ctl secret print --json | grep -q "Bob-Pass" && e2e_fail "secret print shows passwords"
ctl secret remove bob --disconnect >/dev/null || e2e_fail "secret remove"
e2e_wait 10 "! ctl active print --json | grep -q '\"bob\"'" || e2e_fail "bob's session survived the removal"
saved bob && e2e_fail "bob still in the secrets file"
e2e_stop "$bob"

e2e_log "disconnect, monitor, stats"
ctl disconnect nobody-here >/dev/null 2>&1; [ $? -eq 1 ] || e2e_fail "disconnect of an unknown user did not fail"
ctl disconnect alice >/dev/null || e2e_fail "disconnect"
e2e_wait 10 "[ \$(grep -c 'connected:' '$E2E_DIR/alice.log') -ge 2 ]" || e2e_fail "alice not disconnected (and back)"
e2e_log "netlink: a foreign address is logged; ip link set down ends the session and frees its address"
ip -n "$E2E-s" addr add 198.18.77.1/32 dev sstp-alice
e2e_wait 5 "grep -q 'interface sstp-alice: address 198.18.77.1 added by someone else' '$E2E_DIR/server.log'" \
    || e2e_fail "foreign address not logged"
ip -n "$E2E-s" link set sstp-alice down
e2e_wait 5 "grep -q 'interface sstp-alice set down; disconnecting' '$E2E_DIR/server.log'" || e2e_fail "link down not acted on"
e2e_wait 10 "[ \$(grep -c 'connected: 198.19.0.10' '$E2E_DIR/alice.log') -ge 3 ]" \
    || e2e_fail "alice did not come back with her address after link down"
ip netns exec "$E2E-c" ping -c 30 -i 0.1 -W 2 198.19.0.1 >/dev/null &
mon=$(ctl monitor alice --count 2)
wait $!
[ "$(echo "$mon" | grep -c 'rx .* tx ')" = 2 ] || e2e_fail "monitor: $mon"
E2E_CLIENT_NAME=sstp-eve e2e_start_client eve --user alice --password Wrong-One-5
eve=$E2E_CLIENT_PID
e2e_wait 10 "ctl stats --json | python3 -c 'import json,sys; sys.exit(0 if sum(json.load(sys.stdin)[\"auth-failures\"].values()) >= 1 else 1)'" \
    || e2e_fail "auth failure not counted"
e2e_stop "$eve"
st=$(ctl stats --json)
[ "$(echo "$st" | json "d['established'] >= 3 and d['sessions'] >= 1 and d['latency']['setup']['samples'] >= 3")" = True ] \
    || e2e_fail "stats: $st"
ctl stats | grep -q "established" || e2e_fail "stats table"

e2e_log "reload: a broken config is refused and changes nothing; a good one applies"
printf '[sstp-server]\nport = "not a number"\n' > "$E2E_DIR/ksstpd.toml"
out=$(ctl reload 2>&1); [ $? -eq 1 ] || e2e_fail "broken config accepted"
echo "$out" | grep -q "ksstpd.toml:2: \[sstp-server\] port" || e2e_fail "reload error does not name file, line and key: $out"
ctl active print | grep -q alice || e2e_fail "the session did not survive a refused reload"
{ cat "$E2E_DIR/ksstpd.good"; printf '[[ppp.secret]]\nname = "dave"\npassword = "Dave-Pass-4"\n'; } > "$E2E_DIR/ksstpd.toml"
kill -HUP "$E2E_SERVER_PID"
e2e_wait 5 "grep -q 'cfg: reloaded' '$E2E_DIR/server.log'" || e2e_fail "SIGHUP did not reload"
e2e_wait 5 "grep -q '^RELOADING=1' '$E2E_DIR/notify.log'" || e2e_fail "no RELOADING=1 around the reload"
ctl secret print | grep -q dave || e2e_fail "reloaded secret missing"
ctl active print | grep -q alice || e2e_fail "the session did not survive the reload"

e2e_log "ksstpc: client print, disable, enable"
cctl() { "$E2E_BIN/tools/ksstpctl" --socket "$E2E_DIR/alice.sock" "$@"; }
cctl client print | grep -q "connected" || e2e_fail "client print: $(cctl client print)"
cctl client disable sstp-out1 >/dev/null || e2e_fail "client disable"
e2e_wait 10 "! ctl active print --json | grep -q '\"alice\"'" || e2e_fail "disabled client still connected"
cctl client print | grep -q "disabled" || e2e_fail "client print after disable"
cctl client enable sstp-out1 >/dev/null || e2e_fail "client enable"
e2e_wait 10 "ctl active print --json | grep -q '\"alice\"'" || e2e_fail "enabled client did not connect"
cctl client enable nope >/dev/null 2>&1; [ $? -eq 1 ] || e2e_fail "unknown client accepted"
e2e_stop "$alice"

e2e_log "crash safety: kill -9 while secrets are written, the file stays valid"
count_saved() { python3 -c "import tomllib,sys; print(len(tomllib.load(open(sys.argv[1],'rb')).get('ppp',{}).get('secret',[])))" "$secrets" 2>/dev/null || echo 0; }
for i in $(seq 1 12); do
    before=$(count_saved)
    ( for j in $(seq 1 40); do ctl secret add "name=u$i-$j" "password=p$j" >/dev/null 2>&1 || break; done ) &
    writer=$!
    # Kill in the middle of the stream: after its first write has landed, at a varying moment.
    e2e_wait 10 "[ \$(count_saved) -gt $before ]" || e2e_fail "no write landed in round $i"
    sleep "0.0$(( (i * 7) % 10 ))"
    kill -9 "$E2E_SERVER_PID"
    wait "$writer" 2>/dev/null
    python3 -c "import tomllib,sys; d=tomllib.load(open(sys.argv[1],'rb')); assert all('name' in s and 'password' in s for s in d.get('ppp',{}).get('secret',[]))" \
        "$secrets" || e2e_fail "secrets file corrupt after kill -9 (round $i)"
    e2e_start_server
done
n=$(python3 -c "import tomllib,sys; print(len(tomllib.load(open(sys.argv[1],'rb'))['ppp']['secret']))" "$secrets")
[ "$n" -ge 12 ] || e2e_fail "too few writes happened ($n) to test anything"
e2e_stop "$E2E_SERVER_PID"
e2e_no_secrets_in_logs Correct-Horse-9 Bob-Pass-1 Bob-Pass-2 Wrong-One-5 Dave-Pass-4
echo "PASS ($n secrets written across 12 kills)"
