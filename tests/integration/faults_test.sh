#!/usr/bin/env bash
# Faults (issue 7 item 6) against a live ksstpd while a healthy session (alice) keeps working:
#   - the peer's TCP reset, a TLS close_notify alert with no SSTP goodbye, a forged TLS record,
#     all mid-session (sstp_hostile fault ...): the server ends that session at once;
#   - a peer that vanishes without a FIN (stall: stops reading and answering, as a client whose
#     host died): only the SSTP keepalive can notice; the session ends after keepalive-timeout;
#   - SIGKILL of a real ksstpc: its kernel closes the socket, the server cleans up at once;
#   - netlink errors: new interfaces without IPv6 (the link-local address is refused: logged and
#     counted, the session goes on over IPv4); an interface that cannot be created (every name
#     taken: the session ends, counted, its address returns to the pool);
#   - pool exhaustion: a clear refusal, counted; the refused client gets in once an address frees.
# After each: the faulty session's interface is gone, its pool address is back, alice still pings.
# (An interface deleted under a session and descriptor exhaustion: mgmt_test.sh and floods_test.sh.)
. "$(dirname "$0")/lib.sh"
e2e_setup faults
ctl() { "$E2E_BIN/tools/ksstpctl" --socket "$E2E_DIR/ksstpd.sock" "$@"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
st() { ctl stats --json | json "$1"; }
pool_used() { ctl server print --json | json "d['pools']['clients']['used']"; }
sessions() { st "d['sessions']"; }
secrets=""
for u in bob carol dave eve; do secrets+="[[ppp.secret]]
name = \"$u\"
password = \"Pass-$u-5\"
"; done
E2E_EXTRA_TOML="$secrets" e2e_server_config server
# Three addresses: alice, bob and carol fill the pool in the last part.
sed -i 's/^ranges = .*/ranges = ["198.19.0.10-198.19.0.12"]/' "$E2E_DIR/ksstpd.toml"
e2e_start_server
client() {  # client USER: a ksstpc for USER (interface sstp-USER in the client namespace)
    local pw="Pass-$1-5"
    [ "$1" = alice ] && pw=Correct-Horse-9
    E2E_CLIENT_NAME="sstp-$1" e2e_start_client "$1" --user "$1" --password "$pw" \
        --ca-certificate "$E2E_DIR/ca.pem" --verify-server-certificate true
}
alice_pings() {
    ip netns exec "$E2E-c" ping -c 3 -i 0.1 -W 2 -I sstp-alice 198.19.0.1 >/dev/null || e2e_fail "alice lost traffic after: $1"
}
client alice
e2e_wait 10 "grep -q 'connected:' '$E2E_DIR/alice.log'" || e2e_fail "alice did not connect"
alice_pings "start"

hostile() { ip netns exec "$E2E-c" "$E2E_BIN/tests/sstp_hostile" fault "$1" --connect "$E2E_SRV:443" --user eve \
    --password Pass-eve-5 --wait "${2:-10}"; }
for f in rst alert bad-record stall; do
    e2e_log "fault: $f"
    closed_before=$(st "d['closed']")
    out=$(hostile "$f" 15)
    rc=$?
    echo "$out"
    echo "$out" | grep -q "session up" || e2e_fail "$f: the hostile session did not come up"
    [ "$rc" -eq 0 ] || e2e_fail "$f: the server did not close the session"
    e2e_wait 10 "[ \$(st \"d['closed']\") -gt $closed_before ] && [ \$(sessions) -eq 1 ]" ||
        e2e_fail "$f: eve's session is still there"
    if [ "$f" = stall ]; then
        # keepalive-timeout = 3: an echo request after 3 s of silence, the end 3 s later.
        after=$(echo "$out" | sed -n 's/server closed after \([0-9.]*\) s/\1/p')
        python3 -c "import sys; sys.exit(0 if 3 <= $after <= 12 else 1)" ||
            e2e_fail "stall: closed after ${after}s, not by the keepalive"
    fi
    [ "$(pool_used)" -eq 1 ] || e2e_fail "$f: eve's address did not return to the pool"
    [ "$(ip -n "$E2E-s" -o link show | grep -c ': sstp')" -eq 1 ] || e2e_fail "$f: eve's interface is left"
    alice_pings "$f"
done
grep -E "user eve \[sstp\] closed:" "$E2E_DIR/server.log" | sed 's/^[^ ]* //'
for why in "Connection reset by peer" "close_notify" "bad record mac" "keepalive timeout"; do
    grep "user eve \[sstp\] closed:" "$E2E_DIR/server.log" | grep -q "$why" || e2e_fail "no fault ended with \"$why\""
done

e2e_log "SIGKILL of a client"
client bob
e2e_wait 10 "grep -q 'connected:' '$E2E_DIR/bob.log'" || e2e_fail "bob did not connect"
kill -KILL "$E2E_CLIENT_PID"
e2e_wait 5 "[ \$(sessions) -eq 1 ] && [ \$(pool_used) -eq 1 ]" || e2e_fail "bob's session outlived its client"
grep -q "user bob \[sstp\] closed:" "$E2E_DIR/server.log" || e2e_fail "bob's end not logged"
alice_pings "SIGKILL"

e2e_log "netlink: IPv6 refused on new interfaces"
ip netns exec "$E2E-s" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
client carol
carol=$E2E_CLIENT_PID
e2e_wait 10 "grep -q 'connected:' '$E2E_DIR/carol.log'" || e2e_fail "carol did not connect"
e2e_wait 5 "[ \$(st \"d['netlink-errors'].get('add IPv6 address', 0)\") -ge 1 ]" || e2e_fail "the IPv6 error is not counted"
grep -q "user carol \[nl\] sstp-carol: .*" "$E2E_DIR/server.log" || e2e_fail "the netlink error is not logged"
grep "user carol \[nl\] sstp-carol:" "$E2E_DIR/server.log" | head -1 | sed 's/^[^ ]* //'
ip netns exec "$E2E-c" ping -c 3 -i 0.1 -W 2 -I sstp-carol 198.19.0.1 >/dev/null || e2e_fail "carol: no IPv4 traffic"
e2e_stop "$carol"
ip netns exec "$E2E-s" sysctl -qw net.ipv6.conf.default.disable_ipv6=0
e2e_wait 5 "[ \$(sessions) -eq 1 ]" || e2e_fail "carol's session did not end"

e2e_log "netlink: the interface cannot be created"
next=$(( $(st "d['accepted']") + 1 ))
ip -n "$E2E-s" tuntap add dev sstp-carol mode tap  # a TAP device: TUNSETIFF for a TUN of that name fails
for i in $(seq "$next" $((next + 3))); do ip -n "$E2E-s" tuntap add dev "sstp$i" mode tap; done
client carol
carol=$E2E_CLIENT_PID
e2e_wait 10 "[ \$(st \"d['netlink-errors'].get('create interface', 0)\") -ge 1 ]" || e2e_fail "creation failure not counted"
grep -q "user carol \[nl\] cannot create interface sstp-carol" "$E2E_DIR/server.log" || e2e_fail "creation failure not logged"
e2e_wait 5 "[ \$(sessions) -eq 1 ] && [ \$(pool_used) -eq 1 ]" || e2e_fail "the failed session kept its address"
ip -n "$E2E-s" link del sstp-carol
for i in $(seq "$next" $((next + 3))); do ip -n "$E2E-s" link del "sstp$i"; done
e2e_wait 15 "[ \$(grep -c 'connected:' '$E2E_DIR/carol.log') -ge 2 ]" || e2e_fail "carol did not get in once the name was free"
alice_pings "netlink"

e2e_log "pool exhaustion"
client bob
e2e_wait 10 "[ \$(grep -c 'connected:' '$E2E_DIR/bob.log') -ge 2 ]" || e2e_fail "bob did not connect again"
[ "$(pool_used)" -eq 3 ] || e2e_fail "three sessions should hold the three addresses"
client dave
dave=$E2E_CLIENT_PID
e2e_wait 10 "grep -q \"session refused for user 'dave': no address: pool 'clients' is exhausted\" '$E2E_DIR/server.log'" ||
    e2e_fail "dave was not refused with the reason"
[ "$(st "d['sessions-refused'].get(\"no address: pool 'clients' is exhausted\", 0)")" -ge 1 ] || e2e_fail "refusal not counted"
grep -q "connected:" "$E2E_DIR/dave.log" && e2e_fail "dave got a session without an address"
e2e_stop "$carol"
e2e_wait 30 "grep -q 'connected:' '$E2E_DIR/dave.log'" || e2e_fail "dave did not get the freed address"
alice_pings "pool"
e2e_no_secrets_in_logs Correct-Horse-9 Pass-bob-5 Pass-carol-5 Pass-dave-5 Pass-eve-5
e2e_stop "$E2E_SERVER_PID" || e2e_fail "ksstpd did not stop"
echo "PASS: faults"
