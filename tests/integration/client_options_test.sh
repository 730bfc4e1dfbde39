#!/usr/bin/env bash
# Client-side options end to end (issue 4, SPEC 3-5): crypto binding under a TLS-terminating man in
# the middle, http-proxy through a real proxy (tinyproxy), add-default-route, dial-on-demand,
# keepalive-timeout = "disabled" and mrru (RFC 1990 fragmentation). Topology: see lib.sh.
. "$(dirname "$0")/lib.sh"
command -v socat >/dev/null || e2e_skip "socat missing (tools/setup-deps installs it)"
command -v tinyproxy >/dev/null || e2e_skip "tinyproxy missing (tools/setup-deps installs it)"
e2e_setup copts

alice=(--user alice --password Correct-Horse-9)
verified=(--ca-certificate "$E2E_DIR/ca.pem" --verify-server-certificate true)

e2e_log "crypto binding: a TLS-terminating relay is detected and the call aborted"
e2e_server_config server
e2e_start_server
# The relay has its own certificate (any CA); the client was told not to verify certificates, so
# TLS alone cannot notice it. MS-SSTP 3.2.5.2: the certificate hash in Call Connected can.
e2e_make_ca mitm-ca
e2e_make_cert mitm mitm-ca "DNS:vpn.example.net"
ip netns exec "$E2E-s" socat "OPENSSL-LISTEN:8443,bind=$E2E_SRV,reuseaddr,fork,cert=$E2E_DIR/mitm.pem,key=$E2E_DIR/mitm.key,verify=0" \
    "OPENSSL:$E2E_SRV:443,verify=0" > "$E2E_DIR/relay.log" 2>&1 &
E2E_PIDS+=($!)
e2e_wait 5 "ip netns exec '$E2E-s' ss -ltn | grep -q ':8443'" || e2e_fail "relay did not start"
E2E_CONNECT_TO="$E2E_SRV:8443" e2e_start_client mitm "${alice[@]}" --authentication mschap2 \
    --verify-server-certificate false
victim=$E2E_CLIENT_PID
e2e_wait 15 "grep -q 'sending CALL_ABORT (VALUE_NOT_SUPPORTED): crypto binding failed: certificate hash mismatch' '$E2E_DIR/server.log'" \
    || e2e_fail "server did not detect the relay and abort the call"
e2e_wait 5 "grep -q 'CALL_ABORT' '$E2E_DIR/mitm.log'" || e2e_fail "client not told of the abort"
grep -q "connected:" "$E2E_DIR/mitm.log" && e2e_fail "the client got an address through the relay"
e2e_stop "$victim"
e2e_stop "$E2E_SERVER_PID"

e2e_log "http-proxy: through tinyproxy with Basic credentials; refused credentials are reported"
e2e_server_config server
e2e_start_server
cat > "$E2E_DIR/tinyproxy.conf" <<CONF
Port 3128
Listen $E2E_SRV
Timeout 30
MaxClients 20
LogLevel Connect
Allow 198.18.0.0/15
ConnectPort 443
BasicAuth proxyuser Proxy-Pass-7
CONF
ip netns exec "$E2E-s" tinyproxy -d -c "$E2E_DIR/tinyproxy.conf" > "$E2E_DIR/tinyproxy.log" 2>&1 &
E2E_PIDS+=($!)
e2e_wait 5 "ip netns exec '$E2E-s' ss -ltn | grep -q '$E2E_SRV:3128'" || e2e_fail "tinyproxy did not start"
e2e_start_client proxy "${alice[@]}" "${verified[@]}" --http-proxy "http://proxyuser:Proxy-Pass-7@$E2E_SRV:3128"
proxied=$E2E_CLIENT_PID
e2e_wait 10 "grep -q 'connected:' '$E2E_DIR/proxy.log'" || e2e_fail "no tunnel through the proxy"
grep -q "HTTP proxy connected us to $E2E_SRV port 443" "$E2E_DIR/proxy.log" || e2e_fail "client did not use the proxy"
grep -q "connection from $E2E_SRV:" "$E2E_DIR/server.log" || e2e_fail "server did not see the proxy as the caller"
grep -q "CONNECT" "$E2E_DIR/tinyproxy.log" || e2e_fail "tinyproxy logged no CONNECT"
ip netns exec "$E2E-c" ping -c 2 -i 0.2 -W 2 198.19.0.1 >/dev/null || e2e_fail "no traffic through the proxied tunnel"
e2e_stop "$proxied"
e2e_start_client proxy-bad "${alice[@]}" "${verified[@]}" --http-proxy "proxyuser:wrong@$E2E_SRV:3128"
bad=$E2E_CLIENT_PID
e2e_wait 10 "grep -q 'HTTP proxy requires authentication (40[17] .*): user or password refused; reconnecting' '$E2E_DIR/proxy-bad.log'" \
    || e2e_fail "refused proxy credentials not reported"
e2e_stop "$bad"
e2e_start_client proxy-none "${alice[@]}" "${verified[@]}" --http-proxy "$E2E_SRV:3128"
bad=$E2E_CLIENT_PID
e2e_wait 10 "grep -q 'HTTP proxy requires authentication (40[17] .*): give user:password@ in http-proxy' '$E2E_DIR/proxy-none.log'" \
    || e2e_fail "missing proxy credentials not reported"
e2e_stop "$bad"
e2e_stop "$E2E_SERVER_PID"

# A server address that is not on the client's link: the client reaches it through a gateway
# (the server namespace routes), as a real client reaches a concentrator.
REMOTE=198.18.254.1
ip -n "$E2E-s" addr add "$REMOTE/32" dev lo
ip -n "$E2E-s" addr add 198.18.253.1/32 dev lo   # "the internet" behind the concentrator
ip netns exec "$E2E-s" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
ip -n "$E2E-c" route add default via "$E2E_SRV"

e2e_log "add-default-route: default through the tunnel, host route to the server kept, restored at the end"
E2E_LISTEN=$REMOTE e2e_server_config server
e2e_start_server
E2E_CONNECT_TO=$REMOTE e2e_start_client defroute "${alice[@]}" --add-default-route true --keepalive-timeout disabled
defroute=$E2E_CLIENT_PID
e2e_wait 10 "grep -q 'add-default-route: default dev sstp-out1' '$E2E_DIR/defroute.log'" || e2e_fail "no default route message"
ip -n "$E2E-c" route show default | grep -q "^default dev sstp-out1" || e2e_fail "default route not through the tunnel: $(ip -n "$E2E-c" route show default)"
[ "$(ip -n "$E2E-c" route show default | wc -l)" -eq 1 ] || e2e_fail "the old default route is still there beside ours"
ip -n "$E2E-c" route show "$REMOTE" | grep -q "via $E2E_SRV dev $E2E-c0" || e2e_fail "host route to the server missing"
ip -n "$E2E-c" route get 198.18.253.1 | grep -q "dev sstp-out1" || e2e_fail "traffic does not go into the tunnel"
sleep 4  # longer than the server's keepalive (3 s): the client without keepalive still answers echoes
ip netns exec "$E2E-c" ping -c 2 -i 0.2 -W 2 198.18.253.1 >/dev/null || e2e_fail "no traffic through the default route"
grep -q "connected:" "$E2E_DIR/defroute.log" && [ "$(grep -c 'connected:' "$E2E_DIR/defroute.log")" -eq 1 ] \
    || e2e_fail "session did not stay up with keepalive-timeout = disabled"
# The underlying default route changes (a DHCP renewal with a new gateway replaces ours): the
# client follows: host route to the server through the new gateway, default back on the tunnel.
GW2="198.18.$E2E_NET.3"
ip -n "$E2E-s" addr add "$GW2/24" dev "$E2E-s0"
ip -n "$E2E-c" route replace default via "$GW2"
e2e_wait 5 "grep -q 'underlying default route is now default via $GW2' '$E2E_DIR/defroute.log'" \
    || e2e_fail "change of the underlying default route not followed"
e2e_wait 5 "ip -n '$E2E-c' route show default | grep -q '^default dev sstp-out1'" || e2e_fail "default not back on the tunnel"
ip -n "$E2E-c" route show "$REMOTE" | grep -q "via $GW2 dev $E2E-c0" || e2e_fail "host route not moved to the new gateway"
ip netns exec "$E2E-c" ping -c 2 -i 0.2 -W 2 198.18.253.1 >/dev/null || e2e_fail "no traffic after the gateway change"
e2e_stop "$defroute" || e2e_fail "client did not stop"
grep -q "restored default via $GW2 dev $E2E-c0" "$E2E_DIR/defroute.log" || e2e_fail "no restore message"
[ "$(ip -n "$E2E-c" route show default)" = "default via $GW2 dev $E2E-c0 " ] || [ "$(ip -n "$E2E-c" route show default)" = "default via $GW2 dev $E2E-c0" ] \
    || e2e_fail "default route not restored: $(ip -n "$E2E-c" route show default)"
ip -n "$E2E-c" route replace default via "$E2E_SRV"
[ -z "$(ip -n "$E2E-c" route show "$REMOTE")" ] || e2e_fail "host route to the server left behind"

e2e_log "dial-on-demand: interface up at once, connects on the first packet, which is delivered"
calls_before=$(e2e_count 'connection from' "$E2E_DIR/server.log")
E2E_CONNECT_TO=$REMOTE e2e_start_client dod "${alice[@]}" --dial-on-demand true
dod=$E2E_CLIENT_PID
e2e_wait 5 "grep -q 'dial-on-demand: interface sstp-out1 up' '$E2E_DIR/dod.log'" || e2e_fail "interface not made at start"
ip -n "$E2E-c" link show sstp-out1 | grep -q "UP" || e2e_fail "interface not up"
sleep 1
[ "$(e2e_count 'connection from' "$E2E_DIR/server.log")" -eq "$calls_before" ] || e2e_fail "dialed without traffic"
ip -n "$E2E-c" route add 198.18.253.1/32 dev sstp-out1
ip netns exec "$E2E-s" python3 -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('198.18.253.1', 9999)); s.settimeout(20)
open(sys.argv[1], 'wb').write(s.recvfrom(100)[0])" "$E2E_DIR/dod.got" &
E2E_PIDS+=($!)
sleep 0.3
ip netns exec "$E2E-c" python3 -c "
import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'first packet', ('198.18.253.1', 9999))"
e2e_wait 10 "grep -q 'connected:' '$E2E_DIR/dod.log'" || e2e_fail "traffic did not dial"
e2e_wait 5 "[ -s '$E2E_DIR/dod.got' ]" || e2e_fail "the packet that dialed was not delivered"
[ "$(cat "$E2E_DIR/dod.got")" = "first packet" ] || e2e_fail "wrong payload delivered"
grep -q "dial-on-demand: sent 1 of 1 IPv4 packets held" "$E2E_DIR/dod.log" || e2e_fail "held packet not reported"
e2e_stop "$dod"
e2e_stop "$E2E_SERVER_PID"

e2e_log "mrru: a 1500-byte packet crosses a 1400-byte link, fragmented and reassembled (RFC 1990)"
e2e_server_config server "mrru = 1600
max-mtu = 1400
max-mru = 1400"
e2e_start_server
e2e_start_client mrru "${alice[@]}" "${verified[@]}" --mrru 1600 --max-mtu 1400 --max-mru 1400
mrru_client=$E2E_CLIENT_PID
e2e_wait 10 "grep -q 'connected:.*mtu 1600' '$E2E_DIR/mrru.log'" || e2e_fail "client interface MTU is not the MRRU"
grep -q "LCP opened: mtu 1400, mru 1400, auth .*, multilink" "$E2E_DIR/server.log" || e2e_fail "multilink not negotiated"
ip -n "$E2E-s" link show sstp-alice | grep -q "mtu 1600" || e2e_fail "server interface MTU is not the MRRU"
# Don't-fragment set: only PPP-level fragmentation can carry these 1500-byte packets.
ip netns exec "$E2E-c" ping -c 3 -i 0.2 -W 2 -s 1472 -M do 198.19.0.1 >/dev/null || e2e_fail "1500-byte ping failed"
ip netns exec "$E2E-s" ping -c 3 -i 0.2 -W 2 -s 1572 -M do 198.19.0.10 >/dev/null || e2e_fail "1600-byte ping back failed"
e2e_receive_sha256 "$E2E-s" 198.19.0.1 5001 "$E2E_DIR/mrru.sha"
head -c 3000000 /dev/urandom > "$E2E_DIR/mrru.bin"
e2e_send_file "$E2E-c" 198.19.0.1 5001 "$E2E_DIR/mrru.bin" || e2e_fail "file send failed"
e2e_wait 20 "[ -s '$E2E_DIR/mrru.sha' ]" || e2e_fail "file transfer over the MP link did not finish"
[ "$(cat "$E2E_DIR/mrru.sha")" = "$(sha256sum < "$E2E_DIR/mrru.bin" | cut -d' ' -f1)" ] || e2e_fail "file changed in transit"
e2e_stop "$mrru_client"
e2e_stop "$E2E_SERVER_PID"
echo "PASS"
