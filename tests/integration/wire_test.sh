#!/usr/bin/env bash
# Wire check: with SSLKEYLOGFILE set on ksstpc, tshark decrypts a captured ksstpc <-> ksstpd
# session and must find the SSTP control messages and the PPP negotiation, and no malformed
# packet. Topology: see lib.sh.
. "$(dirname "$0")/lib.sh"
command -v tshark >/dev/null || e2e_skip "tshark is not installed"
e2e_setup wire
e2e_server_config server
e2e_start_server

ip netns exec "$E2E-c" timeout 30 tshark -i "$E2E-c0" -w "$E2E_DIR/sstp.pcap" -f "tcp port 443" >/dev/null 2>&1 &
E2E_PIDS+=($!)
tshark_pid=$!
e2e_wait 10 "[ -s '$E2E_DIR/sstp.pcap' ]" || e2e_fail "tshark did not start"
export SSLKEYLOGFILE="$E2E_DIR/keys.log"
e2e_start_client client --user alice --password Correct-Horse-9 --authentication mschap2 \
    --ca-certificate "$E2E_DIR/ca.pem" --verify-server-certificate true
unset SSLKEYLOGFILE
e2e_wait 10 "grep -q 'connected:' '$E2E_DIR/client.log'" || e2e_fail "tunnel did not come up"
ip netns exec "$E2E-c" ping -c 2 -i 0.2 -W 2 198.19.0.1 >/dev/null || e2e_fail "ping"
e2e_stop "$E2E_CLIENT_PID" || e2e_fail "ksstpc did not stop"
sleep 0.5
kill -INT "$tshark_pid" 2>/dev/null
for _ in $(seq 1 50); do kill -0 "$tshark_pid" 2>/dev/null || break; sleep 0.1; done
[ -s "$E2E_DIR/keys.log" ] || e2e_fail "SSLKEYLOGFILE was not written"

decode() { tshark -r "$E2E_DIR/sstp.pcap" -o "tls.keylog_file:$E2E_DIR/keys.log" "$@" 2>/dev/null; }
decode -V > "$E2E_DIR/decoded.txt"
for want in SSTP_MSG_CALL_CONNECT_REQUEST SSTP_MSG_CALL_CONNECT_ACK SSTP_MSG_CALL_CONNECTED \
            SSTP_MSG_CALL_DISCONNECT SSTP_MSG_CALL_DISCONNECT_ACK; do
    grep -q "$want" "$E2E_DIR/decoded.txt" || e2e_fail "tshark did not decode $want"
done
# Several SSTP packets share a TLS record, so match protocol fields, not the Info column.
for want in "lcp && ppp.code == 2" "chap.code == 2" "chap.code == 3" "ipcp && ppp.code == 2" "ipv6cp && ppp.code == 2" "lcp && ppp.code == 6"; do
    [ "$(decode -Y "$want" | wc -l)" -gt 0 ] || e2e_fail "tshark did not decode a packet with $want"
done
ppp=$(decode -Y "lcp or chap or ipcp or ipv6cp")
# ksstpd advertises itself on the session link after IPv6CP (RFC 4861), with the link MTU.
[ "$(decode -Y "icmpv6.type == 134 && icmpv6.opt.mtu == 1500 && ipv6.hlim == 255" | wc -l)" -gt 0 ] \
    || e2e_fail "no Router Advertisement from ksstpd on the session link"
bad=$(decode -Y "_ws.malformed || _ws.expert.severity == error" | wc -l)
[ "$bad" -eq 0 ] || { decode -Y "_ws.malformed || _ws.expert.severity == error"; e2e_fail "$bad malformed packets"; }
echo "decoded $(grep -c 'Message Type: SSTP_MSG' "$E2E_DIR/decoded.txt") SSTP control messages, $(echo "$ppp" | wc -l) PPP control packets, 0 malformed"
echo "PASS"
