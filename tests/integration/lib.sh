# Shared helpers for the end-to-end tests: namespaces, certificates, daemons, bounded waits.
# Every test sources this, calls `e2e_setup NAME`, and gets cleanup by trap (PIDs it started,
# namespaces it made). Addresses: 198.18.0.0/15 and 2001:db8::/32 only.
#
#     ns ${E2E}-s (server)                       ns ${E2E}-c (client)
#   +--------------------+    veth 198.18.x.0/24   +--------------------+
#   | ksstpd  198.18.x.1 |------------------------| ksstpc 198.18.x.2  |
#   |  sstp-<user> ptp   |  tunnel 198.19.0.1 <-> 198.19.0.10..20      |
#   +--------------------+                        +--------------------+

set -u
E2E_BIN=${E2E_BIN:?E2E_BIN must point at the build directory}
E2E_PIDS=()

e2e_skip() { echo "SKIP: $*"; exit 77; }
e2e_fail() { echo "FAIL: $*"; e2e_dump; exit 1; }
e2e_log() { echo "--- $*"; }

e2e_dump() {
    for f in "$E2E_DIR"/*.log; do [ -f "$f" ] && { echo "===== $f"; tail -n 40 "$f"; }; done
}

e2e_cleanup() {
    local p
    for p in "${E2E_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    sleep 0.3
    for p in "${E2E_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    ip netns del "$E2E-s" 2>/dev/null
    ip netns del "$E2E-c" 2>/dev/null
    rm -rf "$E2E_DIR" "/etc/netns/$E2E-c"
}

# e2e_setup NAME: namespaces, veth, CA and server certificate, base server config.
e2e_setup() {
    [ "$(id -u)" -eq 0 ] || e2e_skip "needs root to create network namespaces"
    [ -c /dev/net/tun ] || e2e_skip "no /dev/net/tun"
    command -v openssl >/dev/null || e2e_skip "openssl CLI missing"
    E2E="ks$1$$"
    E2E="${E2E:0:10}"
    E2E_NET=$(( ($$ % 200) + 20 ))
    E2E_SRV="198.18.$E2E_NET.1"
    E2E_CLI="198.18.$E2E_NET.2"
    E2E_DIR=$(mktemp -d /tmp/ksstp-e2e-XXXXXX)
    trap e2e_cleanup EXIT
    ip netns add "$E2E-s" && ip netns add "$E2E-c" || e2e_skip "cannot create network namespaces"
    ip -n "$E2E-s" link set lo up
    ip -n "$E2E-c" link set lo up
    ip -n "$E2E-s" link add "$E2E-s0" type veth peer name "$E2E-c0" netns "$E2E-c"
    ip -n "$E2E-s" addr add "$E2E_SRV/24" dev "$E2E-s0"
    ip -n "$E2E-c" addr add "$E2E_CLI/24" dev "$E2E-c0"
    ip -n "$E2E-s" link set "$E2E-s0" up
    ip -n "$E2E-c" link set "$E2E-c0" up
    # Name resolution inside the client namespace only (ip netns exec bind-mounts this file).
    mkdir -p "/etc/netns/$E2E-c"
    echo "$E2E_SRV vpn.example.net" > "/etc/netns/$E2E-c/hosts"
    e2e_make_ca ca
    e2e_make_cert server ca "DNS:vpn.example.net,IP:$E2E_SRV"
}

# e2e_make_ca NAME / e2e_make_cert NAME CA SAN
e2e_make_ca() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$E2E_DIR/$1.key" \
        -out "$E2E_DIR/$1.pem" -days 30 -subj "/CN=ksstp e2e $1" 2>/dev/null || e2e_fail "openssl CA"
}
e2e_make_cert() {
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$E2E_DIR/$1.key" \
        -out "$E2E_DIR/$1.csr" -subj "/CN=vpn.example.net" 2>/dev/null || e2e_fail "openssl key"
    printf "subjectAltName=%s\nextendedKeyUsage=serverAuth\n" "$3" > "$E2E_DIR/$1.ext"
    openssl x509 -req -in "$E2E_DIR/$1.csr" -CA "$E2E_DIR/$2.pem" -CAkey "$E2E_DIR/$2.key" -CAcreateserial \
        -out "$E2E_DIR/$1.pem" -days 30 -extfile "$E2E_DIR/$1.ext" 2>/dev/null || e2e_fail "openssl sign"
}

# e2e_server_config CERT_NAME|none [SERVER_LINES] [PROFILE_LINES]   ($E2E_EXTRA_TOML: appended tables)
e2e_server_config() {
    local tls
    if [ "$1" = none ]; then
        tls='certificate = "none"'
    else
        tls="certificate = \"$E2E_DIR/$1.pem\"
private-key = \"$E2E_DIR/$1.key\""
    fi
    cat > "$E2E_DIR/ksstpd.toml" <<TOML
[sstp-server]
listen = ["${E2E_LISTEN:-$E2E_SRV}"]
port = 443
$tls
keepalive-timeout = 3
${2:-}
[ppp.profile.default-encryption]
local-address = "198.19.0.1"
remote-address = "clients"
dns-server = ["198.19.0.1"]
${3:-}
[[ppp.secret]]
name = "alice"
password = "Correct-Horse-9"
[ip.pool.clients]
ranges = ["198.19.0.10-198.19.0.20"]
[management]
socket = "$E2E_DIR/ksstpd.sock"
${E2E_EXTRA_TOML:-}
TOML
}

e2e_start_server() {
    # server.log collects every server of the test: wait for *this* server's line.
    local before
    before=$(e2e_count 'listening on' "$E2E_DIR/server.log")
    ip netns exec "$E2E-s" "$E2E_BIN/tools/ksstpd" --config "$E2E_DIR/ksstpd.toml" >> "$E2E_DIR/server.log" 2>&1 &
    E2E_SERVER_PID=$!
    E2E_PIDS+=("$E2E_SERVER_PID")
    e2e_wait 5 "[ \$(e2e_count 'listening on' '$E2E_DIR/server.log') -gt $before ]" || e2e_fail "ksstpd did not start"
}

# e2e_start_client LOGNAME ksstpc-flags...   (interface name: $E2E_CLIENT_NAME or sstp-out1;
# server: $E2E_CONNECT_TO or the server's veth address)
e2e_start_client() {
    local log=$1
    shift
    ip netns exec "$E2E-c" "$E2E_BIN/tools/ksstpc" --name "${E2E_CLIENT_NAME:-sstp-out1}" --connect-to "${E2E_CONNECT_TO:-$E2E_SRV}" \
        --management-socket "$E2E_DIR/$log.sock" "$@" \
        >> "$E2E_DIR/$log.log" 2>&1 &
    E2E_CLIENT_PID=$!
    E2E_PIDS+=("$E2E_CLIENT_PID")
}

e2e_stop() {  # PID: SIGTERM and wait (bounded)
    kill -TERM "$1" 2>/dev/null
    local i
    for i in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
    return 1
}

# e2e_wait SECONDS COMMAND: polls every 0.1 s until COMMAND succeeds.
e2e_wait() {
    local deadline=$(( $(date +%s%N) + $1 * 1000000000 ))
    while [ "$(date +%s%N)" -lt "$deadline" ]; do
        eval "$2" && return 0
        sleep 0.1
    done
    return 1
}

# e2e_no_secrets_in_logs PASSWORD...: none of them appears in any log of the test (issue 7: no
# secret in logs at the default level).
e2e_no_secrets_in_logs() {
    local pw
    for pw in "$@"; do
        if grep -lF -- "$pw" "$E2E_DIR"/*.log 2>/dev/null; then e2e_fail "password \"$pw\" appears in a log"; fi
    done
}

e2e_count() {  # occurrences of $1 in file $2; 0 when the file does not exist yet
    local n
    n=$(grep -c "$1" "$2" 2>/dev/null)
    echo "${n:-0}"
}

# e2e_receive_sha256 NS ADDR PORT OUTFILE: background TCP receiver that writes the SHA-256 of
# everything it gets to OUTFILE (bounded: 20 s to accept).
e2e_receive_sha256() {
    ip netns exec "$1" python3 - "$2" "$3" "$4" <<'PY' &
import hashlib, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1); s.settimeout(20)
c, _ = s.accept(); h = hashlib.sha256()
while True:
    b = c.recv(65536)
    if not b: break
    h.update(b)
open(sys.argv[3], "w").write(h.hexdigest())
PY
    E2E_PIDS+=($!)
    sleep 0.5
}

# e2e_send_file NS ADDR PORT FILE
e2e_send_file() {
    ip netns exec "$1" python3 -c "
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
s.sendall(open(sys.argv[3], 'rb').read()); s.close()" "$2" "$3" "$4"
}

# e2e_file_both_ways LABEL CLIENT_TUNNEL_ADDRESS: $E2E_DIR/blob through the tunnel to the server
# (198.19.0.1) and back to the client, each end checking the SHA-256 it received.
e2e_file_both_ways() {
    local want
    want=$(sha256sum < "$E2E_DIR/blob" | cut -d' ' -f1)
    rm -f "$E2E_DIR/got-up" "$E2E_DIR/got-down"
    e2e_receive_sha256 "$E2E-s" 198.19.0.1 5301 "$E2E_DIR/got-up"
    e2e_send_file "$E2E-c" 198.19.0.1 5301 "$E2E_DIR/blob" || e2e_fail "$1: file send client -> server failed"
    e2e_receive_sha256 "$E2E-c" "$2" 5302 "$E2E_DIR/got-down"
    e2e_send_file "$E2E-s" "$2" 5302 "$E2E_DIR/blob" || e2e_fail "$1: file send server -> client failed"
    e2e_wait 20 "[ -s '$E2E_DIR/got-up' ] && [ -s '$E2E_DIR/got-down' ]" || e2e_fail "$1: file not received"
    [ "$(cat "$E2E_DIR/got-up")" = "$want" ] || e2e_fail "$1: file checksum differs across the tunnel (client -> server)"
    [ "$(cat "$E2E_DIR/got-down")" = "$want" ] || e2e_fail "$1: file checksum differs across the tunnel (server -> client)"
}
