#!/usr/bin/env bash
# Server options end to end: only-one (a second session of the same user is refused and the first
# keeps working) and max-sessions (a connection beyond the limit is refused at accept; the
# established session keeps working). Topology: see lib.sh.
. "$(dirname "$0")/lib.sh"
e2e_setup opts

write_config() { e2e_server_config server "$1" "$2"; }
client() {  # $1: interface and log name; sets LAST_CLIENT
    E2E_CLIENT_NAME=$1 e2e_start_client "$1" --user alice --password Correct-Horse-9 \
        --ca-certificate "$E2E_DIR/ca.pem" --verify-server-certificate true
    LAST_CLIENT=$E2E_CLIENT_PID
}

e2e_log "only-one"
write_config "" "only-one = true"
e2e_start_server
client sstp-a
a=$LAST_CLIENT
e2e_wait 10 "grep -q 'connected:' '$E2E_DIR/sstp-a.log'" || e2e_fail "first session did not come up"
client sstp-b
b=$LAST_CLIENT
e2e_wait 10 "grep -q \"session refused for user 'alice': profile 'default-encryption' allows only one session per user\" '$E2E_DIR/server.log'" \
    || e2e_fail "second session of alice not refused"
e2e_wait 5 "grep -q 'peer sent CALL_DISCONNECT' '$E2E_DIR/sstp-b.log'" || e2e_fail "second client not told"
grep -q "connected:" "$E2E_DIR/sstp-b.log" && e2e_fail "the refused session got an address"
[ "$(grep -c '\[nl\] interface sstp-' "$E2E_DIR/server.log")" -eq 2 ] || e2e_fail "the refused session got a server interface"
e2e_stop "$b"
ip netns exec "$E2E-c" ping -c 2 -i 0.2 -W 2 198.19.0.1 >/dev/null || e2e_fail "first session broken by the refused one"
e2e_stop "$a"
e2e_stop "$E2E_SERVER_PID"

e2e_log "max-sessions"
write_config "max-sessions = 1" ""
e2e_start_server
client sstp-c
c=$LAST_CLIENT
e2e_wait 10 "grep -q 'connected:' '$E2E_DIR/sstp-c.log'" || e2e_fail "first session did not come up"
client sstp-d
d=$LAST_CLIENT
e2e_wait 10 "grep -q 'max-sessions 1 reached' '$E2E_DIR/server.log'" || e2e_fail "second connection not refused"
e2e_wait 10 "grep -q 'reconnecting in' '$E2E_DIR/sstp-d.log'" || e2e_fail "refused client did not notice"
grep -q "connected:" "$E2E_DIR/sstp-d.log" && e2e_fail "a session beyond max-sessions came up"
ip netns exec "$E2E-c" ping -c 2 -i 0.2 -W 2 198.19.0.1 >/dev/null || e2e_fail "established session broken"
e2e_stop "$d"
e2e_stop "$c"
e2e_stop "$E2E_SERVER_PID"

e2e_log "on-up and on-down scripts"
for ev in up down; do
    printf '#!/bin/sh\nenv | grep -E "^(IFNAME|IPLOCAL|IPREMOTE|PEERNAME|DNS1|KSSTP_EVENT|KSSTP_USER)=" | sort > %s\n' \
        "$E2E_DIR/$ev.env" > "$E2E_DIR/on-$ev.sh"
    chmod +x "$E2E_DIR/on-$ev.sh"
done
write_config "" "on-up = \"$E2E_DIR/on-up.sh\"
on-down = \"$E2E_DIR/on-down.sh\""
e2e_start_server
client sstp-e
e=$LAST_CLIENT
e2e_wait 10 "[ -s '$E2E_DIR/up.env' ]" || e2e_fail "on-up did not run"
want_up="DNS1=198.19.0.1
IFNAME=sstp-alice
IPLOCAL=198.19.0.1
IPREMOTE=198.19.0.10
KSSTP_EVENT=up
KSSTP_USER=alice
PEERNAME=alice"
[ "$(cat "$E2E_DIR/up.env")" = "$want_up" ] || { cat "$E2E_DIR/up.env"; e2e_fail "on-up environment"; }
e2e_stop "$e"
e2e_wait 10 "[ -s '$E2E_DIR/down.env' ]" || e2e_fail "on-down did not run"
grep -q "^KSSTP_EVENT=down$" "$E2E_DIR/down.env" && grep -q "^IPREMOTE=198.19.0.10$" "$E2E_DIR/down.env" \
    || { cat "$E2E_DIR/down.env"; e2e_fail "on-down environment"; }
e2e_stop "$E2E_SERVER_PID"

if command -v tshark >/dev/null; then
    # change-tcp-mss: the server may send 1500-byte packets (the client's MRU) but receives at
    # most 1300 (its max-mru), so the MSS of its own SYNs must reach the client as 1300 - 40.
    syn_mss_seen_by_client() {  # $1: extra profile line, $2: TCP port for this round
        write_config "max-mru = 1300" "$1"
        e2e_start_server
        : > "$E2E_DIR/sstp-f.log"
        client sstp-f
        local f=$LAST_CLIENT
        e2e_wait 10 "grep -q 'connected:' '$E2E_DIR/sstp-f.log'" || e2e_fail "mss: tunnel did not come up"
        local caddr
        caddr=$(ip -n "$E2E-c" -4 addr show dev sstp-f | sed -n 's/.*inet \([0-9.]*\) .*/\1/p')
        rm -f "$E2E_DIR/mss.txt"
        ip netns exec "$E2E-c" timeout 15 tshark -i sstp-f -c 1 -f "tcp[tcpflags] & tcp-syn != 0" \
            -T fields -e tcp.options.mss_val > "$E2E_DIR/mss.txt" 2>/dev/null &
        local shark=$!
        sleep 2
        ip netns exec "$E2E-c" python3 -c "
import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('$caddr', $2)); s.listen(1); s.settimeout(5)
try: s.accept()
except Exception: pass" &
        local listener=$!
        sleep 0.5
        ip netns exec "$E2E-s" python3 -c "import socket; socket.create_connection(('$caddr', $2), timeout=5).close()" \
            || e2e_fail "mss: TCP connection through the tunnel failed"
        wait "$shark" 2>/dev/null
        kill "$listener" 2>/dev/null
        e2e_stop "$f"
        e2e_stop "$E2E_SERVER_PID"
        cat "$E2E_DIR/mss.txt"
    }
    e2e_log "change-tcp-mss"
    clamped=$(syn_mss_seen_by_client "change-tcp-mss = true" 5401)
    [ "$clamped" = "1260" ] || e2e_fail "SYN MSS with change-tcp-mss = true: '$clamped', want 1260"
    unclamped=$(syn_mss_seen_by_client "change-tcp-mss = false" 5402)
    [ "$unclamped" = "1460" ] || e2e_fail "SYN MSS with change-tcp-mss = false: '$unclamped', want 1460"
    echo "SYN MSS from the server as the client sees it: $clamped clamped, $unclamped unclamped"
fi
e2e_log "certificate = none (anonymous TLS)"
e2e_server_config none
e2e_start_server
grep -q "TLS is anonymous (no server authentication) and open to man-in-the-middle" "$E2E_DIR/server.log" \
    || e2e_fail "anonymous mode not logged as unauthenticated at start"
: > "$E2E_DIR/anon.log"
E2E_CLIENT_NAME=sstp-g e2e_start_client anon --user alice --password Correct-Horse-9 --verify-server-certificate false
g=$E2E_CLIENT_PID
e2e_wait 10 "grep -q 'connected:' '$E2E_DIR/anon.log'" || e2e_fail "anonymous TLS: no tunnel"
grep -q "server sent no certificate (anonymous TLS" "$E2E_DIR/anon.log" || e2e_fail "client did not warn about anonymous TLS"
grep -Eq "TLSv1.2 A(EC)?DH-" "$E2E_DIR/anon.log" || e2e_fail "not an anonymous suite"
grep -q "crypto binding verified" "$E2E_DIR/server.log" || e2e_fail "anonymous: crypto binding (nonce + MAC) not verified"
ip netns exec "$E2E-c" ping -c 2 -i 0.2 -W 2 198.19.0.1 >/dev/null || e2e_fail "anonymous: ping"
e2e_stop "$g"
: > "$E2E_DIR/strict.log"
E2E_CLIENT_NAME=sstp-h e2e_start_client strict --user alice --password Correct-Horse-9 \
    --ca-certificate "$E2E_DIR/ca.pem" --verify-server-certificate true
h=$E2E_CLIENT_PID
e2e_wait 10 "grep -q 'no common cipher suite (an anonymous certificate = \"none\" server is refused' '$E2E_DIR/strict.log'" \
    || e2e_fail "a verifying client did not refuse the anonymous server clearly"
e2e_stop "$h"
echo "PASS"
