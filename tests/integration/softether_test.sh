#!/usr/bin/env bash
# ksstpc -> SoftEther VPN (a third-party SSTP server), PAP and MS-CHAPv2: ksstpc gets its address
# by IPCP (after Naking SoftEther's EAP request) and pings SoftEther's virtual host through the
# tunnel. Debian's SoftEther cannot serve SSTP; ../shared/lab/softether-sstp.sh runs a fixed copy
# in namespaces of its own (lab-...). Skipped, with the reason, where that is not available.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
lab="$top/../shared/lab/softether-sstp.sh"
E2E_BIN=${E2E_BIN:?E2E_BIN must point at the build directory}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -x "$lab" ] || { echo "SKIP: $lab not found (../shared is not beside this checkout)"; exit 77; }
command -v vpnserver >/dev/null 2>&1 || [ -x /usr/libexec/softether/vpnserver/vpnserver ] \
    || dpkg -s softether-vpnserver >/dev/null 2>&1 || { echo "SKIP: softether-vpnserver is not installed"; exit 77; }

export LAB_DIR=$(mktemp -d /tmp/ksstp-se-XXXXXX)
export LAB_NS_SE="lab-kse$$" LAB_NS_CL="lab-kcl$$"
client_pid=
cleanup() {
    [ -n "$client_pid" ] && kill -KILL "$client_pid" 2>/dev/null
    "$lab" stop >/dev/null 2>&1
    rm -rf "$LAB_DIR"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; tail -n 30 "$LAB_DIR"/ksstpc-*.log 2>/dev/null; exit 1; }

timeout 120 "$lab" start > "$LAB_DIR/start.log" 2>&1 || { cat "$LAB_DIR/start.log"; fail "SoftEther did not start"; }
. "$LAB_DIR/softether.env"

for method in pap mschap2; do
    log="$LAB_DIR/ksstpc-$method.log"
    ip netns exec "$SSTP_CLIENT_NS" taskset -c "${SSTP_CLIENT_CPUS:-0}" "$E2E_BIN/tools/ksstpc" --name sstp-se \
        --connect-to "$SSTP_SERVER:$SSTP_PORT" --user "$SSTP_USER" --password "$SSTP_PASSWORD" \
        --ca-certificate "$SSTP_CA" --verify-server-certificate true --authentication "$method" > "$log" 2>&1 &
    client_pid=$!
    # SoftEther answers IPCP only after its DHCP step: 5-7 s (../shared/lab/README.md).
    for _ in $(seq 1 200); do grep -q "connected:" "$log" && break; sleep 0.1; done
    grep -q "connected: 198.19.1." "$log" || fail "$method: no IPCP address from SoftEther"
    grep -q "authenticated as '$SSTP_USER' with $method" "$log" || fail "$method: wrong method"
    ok=
    for _ in 1 2 3; do  # its first packet can take ~1 s
        ip netns exec "$SSTP_CLIENT_NS" ping -c 2 -i 0.3 -W 2 "$SSTP_PING" >/dev/null 2>&1 && { ok=1; break; }
    done
    [ -n "$ok" ] || fail "$method: no ping reply from $SSTP_PING"
    kill -TERM "$client_pid"
    for _ in $(seq 1 100); do kill -0 "$client_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$client_pid" 2>/dev/null && fail "$method: ksstpc did not stop"
    grep -q "stopped" "$log" || fail "$method: no clean stop"
    client_pid=
    echo "$method: ok"
done
# ksstp-perf (SPEC 7) against a server that is not ours: 3 sessions through IPCP, echo traffic.
perf_out="$LAB_DIR/perf.txt"
ip netns exec "$SSTP_CLIENT_NS" "$E2E_BIN/perf/ksstp-perf" --connect-to "$SSTP_SERVER:$SSTP_PORT" --user "$SSTP_USER" \
    --password "$SSTP_PASSWORD" --ca "$SSTP_CA" --sessions 3 --duration 2 --traffic both --window 4 > "$perf_out" 2>/dev/null
rc=$?
cat "$perf_out"
[ "$rc" -eq 0 ] && grep -q "^sessions     3 established, 0 failed" "$perf_out" || fail "ksstp-perf against SoftEther (rc $rc)"
echo "ksstp-perf: ok"
echo "PASS"
