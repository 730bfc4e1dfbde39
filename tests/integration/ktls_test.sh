#!/usr/bin/env bash
# ksstpc <-> ksstpd with the kernel's TLS (issue 5 item 3): for TLS 1.2 (Debian 12's OpenSSL gives
# the kernel TX and RX: the workers read and write plaintext on the socket themselves) and TLS
# 1.3 (TX only with OpenSSL 3.0), a tunnel comes up on workers, a file crosses it both ways with
# its checksum intact, both ends report kTLS per session (log and management), every write of
# the server's worker was one send, and the kernel's TLS counters moved. Skips with the reason
# where the kernel has no TLS (this development machine; tools/ktls-vm runs it in a guest that has).
. "$(dirname "$0")/lib.sh"
python3 - <<'PY' || e2e_skip "kernel TLS not available (setsockopt TCP_ULP \"tls\" refused)"
import socket, sys
s = socket.socket()
try:
    s.setsockopt(socket.IPPROTO_TCP, 31, b"tls")  # TCP_ULP on an unconnected socket
except OSError as e:
    sys.exit(0 if e.errno in (107, 106) else 1)  # ENOTCONN/EISCONN: the kernel has TLS
PY
e2e_setup ktls
e2e_server_config server
e2e_start_server
# The kernel's TLS counters (per network namespace): sockets whose TX/RX it took, server side.
tls_stat() { ip netns exec "$E2E-s" awk -v k="$1" '$1 == k {print $2}' /proc/net/tls_stat; }

head -c 3000000 /dev/urandom > "$E2E_DIR/blob"
for version in only-1.2 only-1.3; do
    e2e_log "TLS $version"
    : > "$E2E_DIR/client.log"
    tx0=$(tls_stat TlsTxSw); rx0=$(tls_stat TlsRxSw)
    e2e_start_client client --user alice --password Correct-Horse-9 --ca-certificate "$E2E_DIR/ca.pem" \
        --verify-server-certificate true --tls-version "$version"
    e2e_wait 10 "grep -q 'connected:' '$E2E_DIR/client.log'" || e2e_fail "$version: tunnel did not come up"
    e2e_wait 5 "grep -q 'user alice \[dp\] on worker' '$E2E_DIR/server.log'" || e2e_fail "$version: not on a worker"
    caddr=$(ip -n "$E2E-c" -4 addr show dev sstp-out1 | sed -n 's/.*inet \([0-9.]*\) .*/\1/p')
    e2e_file_both_ways "$version" "$caddr"
    ip netns exec "$E2E-c" ping -c 2 -i 0.2 -W 2 198.19.0.1 >/dev/null || e2e_fail "$version: ping"
    grep -q "TLS established: .* kTLS tx on" "$E2E_DIR/client.log" || e2e_fail "$version: the client's kTLS is off"
    active=$("$E2E_BIN/tools/ksstpctl" --socket "$E2E_DIR/ksstpd.sock" active print --json)
    python3 -c "
import json, sys
s = json.loads(sys.argv[1])[0]
print('$version:', s['tls-version'], s['tls-cipher'], '| ktls-tx', s['ktls-tx'], 'ktls-rx', s['ktls-rx'],
      '| tls writes', s['tls-writes'], 'socket sends', s['socket-sends'])
ok = s['ktls-tx'] and s['socket-sends'] == s['tls-writes'] > 0
ok = ok and (s['ktls-rx'] or '$version' == 'only-1.3')  # OpenSSL 3.0: TLS 1.3 RX stays in userspace
sys.exit(0 if ok else 1)
" "$active" || e2e_fail "$version: management does not show the kernel's record layer ($active)"
    [ "$(tls_stat TlsTxSw)" -gt "$tx0" ] || e2e_fail "$version: the server namespace's TlsTxSw did not move"
    if [ "$version" = only-1.2 ]; then
        [ "$(tls_stat TlsRxSw)" -gt "$rx0" ] || e2e_fail "$version: the server namespace's TlsRxSw did not move"
    fi
    e2e_stop "$E2E_CLIENT_PID" || e2e_fail "$version: ksstpc did not stop"
    e2e_wait 5 "! ip -n '$E2E-s' -br link | grep -q '^sstp-'" || e2e_fail "$version: server interface left behind"
done
grep -E "kTLS tx" "$E2E_DIR/server.log" | sed 's/^[^ ]* //' | head -2
echo PASS
