#!/usr/bin/env bash
# Floods and slow peers (issue 7, item 3): from one attacking address, a slowloris (connections
# that send one byte a second and never finish TLS) and a connection flood, while a legitimate
# client from another address connects and passes traffic. Asserts: per-address and rate limits
# close the excess at once, handshake-timeout ends the slow ones, the legitimate client gets in,
# refusals are counted and logged at most once a second, the daemon stays responsive.
. "$(dirname "$0")/lib.sh"
e2e_setup flood

ATTACKER="198.18.$E2E_NET.5"
ip -n "$E2E-c" addr add "$ATTACKER/24" dev "$E2E-c0"
e2e_server_config server "handshake-timeout = 5
max-starting = 40
max-starting-per-address = 8
max-connection-rate = 20"
e2e_start_server
ctl() { "$E2E_BIN/tools/ksstpctl" --socket "$E2E_DIR/ksstpd.sock" "$@"; }

e2e_log "slowloris from $ATTACKER (30 connections, one byte a second) and a legitimate client"
ip netns exec "$E2E-c" python3 - "$ATTACKER" "$E2E_SRV" > "$E2E_DIR/slowloris.json" <<'PY' &
import json, socket, sys, time
src, dst = sys.argv[1], sys.argv[2]
t0 = time.monotonic()
socks, closed = [], {}
for i in range(30):
    s = socket.socket(); s.bind((src, 0)); s.settimeout(2)
    try:
        s.connect((dst, 443)); socks.append(s)
    except OSError:
        closed[len(socks) + len(closed)] = 0.0
hello = bytes.fromhex("16030100c8010000c40303") + bytes(200)  # the start of a ClientHello, forever unfinished
pos = 0
while time.monotonic() - t0 < 12:
    for i, s in enumerate(socks):
        if i in closed:
            continue
        try:
            s.send(hello[pos % len(hello):pos % len(hello) + 1])
            s.setblocking(False)
            if s.recv(1) == b"":
                closed[i] = time.monotonic() - t0
        except BlockingIOError:
            pass
        except OSError:
            closed[i] = time.monotonic() - t0
    pos += 1
    time.sleep(1)
print(json.dumps({"fast": sum(1 for t in closed.values() if t < 2), "timed_out": sum(1 for t in closed.values() if 3 <= t <= 9),
                  "open_at_end": len(socks) - len(closed)}))
PY
slow=$!
sleep 1
e2e_start_client legit --user alice --password Correct-Horse-9 --ca-certificate "$E2E_DIR/ca.pem" \
    --verify-server-certificate true
legit=$E2E_CLIENT_PID
e2e_wait 10 "grep -q 'connected:' '$E2E_DIR/legit.log'" || e2e_fail "the legitimate client did not get in during the slowloris"
ip netns exec "$E2E-c" ping -c 2 -i 0.2 -W 2 198.19.0.1 >/dev/null || e2e_fail "no traffic during the slowloris"
wait "$slow"
r=$(cat "$E2E_DIR/slowloris.json")
echo "  slowloris: $r"
python3 -c "import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d['fast'] >= 22 and 1 <= d['timed_out'] <= 8 and d['open_at_end'] == 0 else 1)" "$r" \
    || e2e_fail "slowloris not contained: $r (want >= 22 closed at once, <= 8 timed out after handshake-timeout, none left)"

e2e_log "connection flood from $ATTACKER (300 connections as fast as possible)"
ip netns exec "$E2E-c" python3 - "$ATTACKER" "$E2E_SRV" <<'PY' > "$E2E_DIR/flood.json"
import json, socket, sys
src, dst = sys.argv[1], sys.argv[2]
ok = 0
for i in range(300):
    s = socket.socket(); s.bind((src, 0)); s.settimeout(2)
    try:
        s.connect((dst, 443)); ok += 1
    except OSError:
        pass
    s.close()
print(json.dumps({"connected": ok}))
PY
ctl server print >/dev/null || e2e_fail "daemon not responsive after the flood"
ip netns exec "$E2E-c" ping -c 2 -i 0.2 -W 2 198.19.0.1 >/dev/null || e2e_fail "established session broken by the flood"
st=$(ctl stats --json)
echo "  refused: $(echo "$st" | python3 -c 'import json,sys; print(json.load(sys.stdin)["refused"])')"
python3 - "$st" <<'PY' || e2e_fail "refusals not counted: $st"
import json, sys
d = json.loads(sys.argv[1])
r = d["refused"]
ok = r.get("max-starting-per-address", 0) >= 10 and r.get("max-connection-rate", 0) >= 200 and d["starting"] == 0
ok = ok and any("timeout" in k for k in d["handshake-errors"])
sys.exit(0 if ok else 1)
PY
lines=$(e2e_count 'sstp: refusing' "$E2E_DIR/server.log")
[ "$lines" -le 25 ] || e2e_fail "refusals flooded the log ($lines lines)"
grep -q "more refused before" "$E2E_DIR/server.log" || e2e_fail "refusal log lines do not say how many were folded"

e2e_log "out of file descriptors: connections are shed without spinning; accept works again once fds free"
if command -v prlimit >/dev/null; then
    cpu() { awk '{print $14 + $15}' "/proc/$E2E_SERVER_PID/stat"; }
    read -r soft hard < <(prlimit --pid "$E2E_SERVER_PID" --nofile --raw --noheadings -o SOFT,HARD)
    # The lowest free descriptor number: with the limit there, the next accept() gets EMFILE.
    # A descriptor the daemon closes meanwhile (the floods above still winding down) opens a
    # hole below the limit that one accept may take: then the limit is set again, up to 5 times.
    for try in 1 2 3 4 5; do
        nfd=$(ls "/proc/$E2E_SERVER_PID/fd" | sort -n | awk 'BEGIN{n=0} $1==n{n++} END{print n}')
        prlimit --pid "$E2E_SERVER_PID" --nofile="$nfd:$hard"  # only the soft limit: raising it again needs no privilege
        ip netns exec "$E2E-c" python3 -c "
import socket, sys, time
for i in range(5):
    s = socket.socket(); s.bind(('$ATTACKER', 0)); s.settimeout(2); s.connect(('$E2E_SRV', 443)); time.sleep(0.1); s.close()"
        grep -q "out of file descriptors" "$E2E_DIR/server.log" && break
    done
    before=$(cpu)
    sleep 2
    after=$(cpu)
    [ $((after - before)) -lt 50 ] || e2e_fail "ksstpd spins when out of descriptors ($((after - before)) ticks in 2 s)"
    grep -q "out of file descriptors" "$E2E_DIR/server.log" || e2e_fail "running out of descriptors not logged"
    prlimit --pid "$E2E_SERVER_PID" --nofile="$soft:$hard"
    E2E_CLIENT_NAME=sstp-late e2e_start_client late --user alice --password Correct-Horse-9
    late=$E2E_CLIENT_PID
    e2e_wait 10 "grep -q 'connected:' '$E2E_DIR/late.log'" || e2e_fail "no new session once descriptors were free again"
    e2e_stop "$late"
else
    echo "  (prlimit missing: skipped)"
fi
e2e_stop "$legit"

e2e_log "a client that stops reading: server memory stays bounded, others keep working, keepalive ends it"
E2E_CLIENT_NAME=sstp-mute e2e_start_client mute --user alice --password Correct-Horse-9
mute=$E2E_CLIENT_PID
E2E_CLIENT_NAME=sstp-ok e2e_start_client healthy --user alice --password Correct-Horse-9
healthy=$E2E_CLIENT_PID
e2e_wait 10 "grep -q 'connected:' '$E2E_DIR/mute.log' && grep -q 'connected:' '$E2E_DIR/healthy.log'" \
    || e2e_fail "the two clients did not connect"
mute_addr=$(sed -n 's/.*connected: \([0-9.]*\) ->.*/\1/p' "$E2E_DIR/mute.log" | head -1)
rss() { awk '/VmRSS/{print $2}' "/proc/$E2E_SERVER_PID/status"; }
rss0=$(rss)
kill -STOP "$mute"   # reads nothing from now on; its TCP window fills
ip netns exec "$E2E-s" python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.monotonic() + 3
while time.monotonic() < end:
    try: s.sendto(bytes(1400), ('$mute_addr', 9))
    except OSError: pass"
ip netns exec "$E2E-c" ping -c 3 -i 0.2 -W 2 -I sstp-ok 198.19.0.1 >/dev/null || e2e_fail "a healthy session suffered from the mute one"
grown=$(( $(rss) - rss0 ))
echo "  ksstpd RSS grew by ${grown} KiB while ~3 s of traffic met a client that does not read"
[ "$grown" -lt 65536 ] || e2e_fail "ksstpd buffered without bound for a peer that does not read (${grown} KiB)"
# Once a session's output holds 1 MiB the worker stops reading its interface: the kernel's TUN
# queue drops and counts (TX dropped); what had been read already and finds no room is refused
# and counted by ksstpd (tunnel-refused). Either way nothing is lost silently.
drops=$(ctl stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["drops"]["tunnel-refused"])')
kdrops=$(ip -n "$E2E-s" -s -j link show | python3 -c '
import json, sys
print(sum(l.get("stats64", {}).get("tx", {}).get("dropped", 0) for l in json.load(sys.stdin) if l["ifname"].startswith("sstp")))')
echo "  dropped for the mute client: ${drops} refused by ksstpd, ${kdrops} by the kernel's TUN queue"
[ $((drops + kdrops)) -gt 0 ] || e2e_fail "packets for the mute client were not dropped and counted"
e2e_wait 15 "grep -q 'no packet from peer for 6 s' '$E2E_DIR/server.log'" || e2e_fail "keepalive did not end the mute session"
kill -CONT "$mute"
e2e_stop "$mute"
e2e_stop "$healthy"

e2e_log "failed logins: the address waits 1 s, 2 s, 4 s ... before its next attempt; a good login clears it"
E2E_CLIENT_NAME=sstp-guess e2e_start_client guess --user alice --password Guessed-Wrong-3
guess=$E2E_CLIENT_PID
# ksstpc's own backoff outwaits the block; a connection right after a failure shows it.
try_now() { ip netns exec "$E2E-c" python3 -c "
import socket; s = socket.create_connection(('$E2E_SRV', 443), timeout=2); s.settimeout(2); s.recv(1)" 2>/dev/null; }
# (The 1 s block after the first failure is too short to hit reliably from a script; the
# later ones are not.)
for n in 1 2 3; do
    e2e_wait 15 "[ \$(e2e_count \"authentication failed for user 'alice'\" '$E2E_DIR/server.log') -ge $n ]" \
        || e2e_fail "no failed login $n"
    try_now
done
# Refusal lines are folded to one a second, so look for any that shows a grown delay.
grep -Eq "after [2-9] failed logins from this address; next attempt in ([2-9]|[1-6][0-9]) s" "$E2E_DIR/server.log" \
    || e2e_fail "the delay does not grow after repeated failures: $(grep 'login' "$E2E_DIR/server.log" | tail -3)"
e2e_stop "$guess"
st=$(ctl stats --json)
python3 -c "import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d['refused'].get('login-delay',0) >= 1 and d['auth-failures'].get('wrong password',0) >= 2 else 1)" "$st" \
    || e2e_fail "failed-login delay not counted: $st"
E2E_CLIENT_NAME=sstp-right e2e_start_client right --user alice --password Correct-Horse-9
right=$E2E_CLIENT_PID
e2e_wait 40 "grep -q 'connected:' '$E2E_DIR/right.log'" || e2e_fail "the right password never got in after the delay"
e2e_stop "$right"
e2e_no_secrets_in_logs Correct-Horse-9 Guessed-Wrong-3
e2e_stop "$E2E_SERVER_PID" || e2e_fail "ksstpd did not stop"
echo "PASS"
