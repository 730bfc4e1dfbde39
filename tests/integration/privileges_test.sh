#!/usr/bin/env bash
# Privileges (issue 7 item 5): ksstpd keeps only CAP_NET_ADMIN and CAP_NET_BIND_SERVICE after
# start-up, and with `[daemon] user` runs as that user:
#   - files that user could not read (or the secrets directory it could not write) are refused at
#     start, naming the key and the fix;
#   - with them readable by its group: uid/gid nobody, CapEff/CapPrm/CapBnd = net_admin +
#     net_bind_service, CapAmb = net_admin, NoNewPrivs; sessions, interfaces, an on-up hook that
#     changes a route (ambient CAP_NET_ADMIN) and sees no other capability, `ksstpctl secret add`
#     (the secrets file rewritten as that user), SIGHUP reload, and a clean stop;
#   - without `[daemon] user`: uid 0 but the same two capabilities, and a hook gets no more
#     (SECBIT_NOROOT: root's execve does not restore them);
#   - the management socket refuses a non-root user (also in mgmt_test.sh).
. "$(dirname "$0")/lib.sh"
e2e_setup privs
id nobody >/dev/null 2>&1 && getent group nogroup >/dev/null || e2e_skip "no user nobody / group nogroup"
ctl() { "$E2E_BIN/tools/ksstpctl" --socket "$E2E_DIR/ksstpd.sock" "$@"; }
caps() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
# LeakSanitizer cannot trace a process that changed its uid (it is no longer dumpable).
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"

mkdir -p "$E2E_DIR/secrets" "$E2E_DIR/hook"
cat > "$E2E_DIR/on-up.sh" <<SH
#!/bin/sh
# Written whole, then renamed: the test never reads half a file (two sessions run it at once).
{ id -u; awk '/^Cap(Eff|Prm)/ {print \$2}' /proc/self/status
  ip route add 198.18.254.0/24 dev "\$IFNAME" && echo route-added; } > "$E2E_DIR/hook/hook.out.\$\$"
mv "$E2E_DIR/hook/hook.out.\$\$" "$E2E_DIR/hook/hook.out"
SH
chmod 755 "$E2E_DIR/on-up.sh"
E2E_EXTRA_TOML="[ppp]
secrets-file = \"$E2E_DIR/secrets/secrets.toml\"
[daemon]
user = \"nobody\"
group = \"nogroup\"" e2e_server_config server "" "on-up = \"$E2E_DIR/on-up.sh\""
chmod 600 "$E2E_DIR/ksstpd.toml"

e2e_log "files the user cannot read are refused at start"
ip netns exec "$E2E-s" "$E2E_BIN/tools/ksstpd" --config "$E2E_DIR/ksstpd.toml" > "$E2E_DIR/refused.txt" 2>&1
rc=$?
cat "$E2E_DIR/refused.txt"
[ "$rc" -eq 2 ] || e2e_fail "expected exit 2, got $rc"
grep -q "ksstpd.toml:[0-9]*: \[daemon\] user: user nobody cannot read .*ksstpd.toml" "$E2E_DIR/refused.txt" ||
    e2e_fail "the refusal does not name the key and the file"

e2e_log "as nobody, with group access"
chgrp -R nogroup "$E2E_DIR"
chmod 750 "$E2E_DIR"
chmod 640 "$E2E_DIR/ksstpd.toml" "$E2E_DIR/server.key" "$E2E_DIR/server.pem"
chmod 770 "$E2E_DIR/secrets" "$E2E_DIR/hook"
e2e_start_server
grep "privileges dropped" "$E2E_DIR/server.log"
pid=$E2E_SERVER_PID
grep -q "^Uid:[[:space:]]*65534[[:space:]]65534[[:space:]]65534[[:space:]]65534" "/proc/$pid/status" || e2e_fail "not running as nobody: $(grep Uid "/proc/$pid/status")"
grep -q "^Groups:[[:space:]]*$" "/proc/$pid/status" || e2e_fail "supplementary groups kept: $(grep Groups "/proc/$pid/status")"
for k in CapEff CapPrm CapBnd; do
    [ "$(caps "$pid" $k)" = 0000000000001400 ] || e2e_fail "$k = $(caps "$pid" $k), expected net_admin+net_bind_service"
done
[ "$(caps "$pid" CapAmb)" = 0000000000001000 ] || e2e_fail "CapAmb = $(caps "$pid" CapAmb)"
grep -q "^NoNewPrivs:[[:space:]]*1" "/proc/$pid/status" || e2e_fail "no_new_privs not set"

e2e_start_client alice --user alice --password Correct-Horse-9 --ca-certificate "$E2E_DIR/ca.pem" --verify-server-certificate true
e2e_wait 10 "grep -q 'connected:' '$E2E_DIR/alice.log'" || e2e_fail "no session as nobody"
ip netns exec "$E2E-c" ping -c 3 -i 0.1 -W 2 198.19.0.1 >/dev/null || e2e_fail "no traffic"
e2e_wait 5 "grep -q route-added '$E2E_DIR/hook/hook.out'" || e2e_fail "the hook could not change a route: $(cat "$E2E_DIR/hook/hook.out" 2>/dev/null)"
[ "$(sed -n 1p "$E2E_DIR/hook/hook.out")" = 65534 ] || e2e_fail "the hook did not run as nobody"
[ "$(sed -n 2p "$E2E_DIR/hook/hook.out")" = 0000000000001000 ] || e2e_fail "the hook has more than CAP_NET_ADMIN: $(cat "$E2E_DIR/hook/hook.out")"
ip -n "$E2E-s" route show 198.18.254.0/24 | grep -q sstp-alice || e2e_fail "route from the hook missing"

ctl secret add name=bob password=Bob-Pass-4 >/dev/null || e2e_fail "secret add as nobody"
grep -q 'bob' "$E2E_DIR/secrets/secrets.toml" || e2e_fail "secrets file not written"
[ "$(stat -c '%U %a' "$E2E_DIR/secrets/secrets.toml")" = "nobody 600" ] || e2e_fail "secrets file: $(stat -c '%U %a' "$E2E_DIR/secrets/secrets.toml")"
kill -HUP "$pid"
e2e_wait 5 "grep -q 'cfg: reloaded' '$E2E_DIR/server.log'" || e2e_fail "reload as nobody"
E2E_CLIENT_NAME=sstp-bob e2e_start_client bob --user bob --password Bob-Pass-4
e2e_wait 10 "grep -q 'connected:' '$E2E_DIR/bob.log'" || e2e_fail "bob (added at run time) could not connect"
e2e_stop "$pid" || e2e_fail "ksstpd did not stop"
wait "$pid"
rc=$?
[ "$rc" -eq 0 ] || e2e_fail "ksstpd as nobody exited $rc"
[ "$(ip -n "$E2E-s" -o link show | grep -c ': sstp')" -eq 0 ] || e2e_fail "interfaces left after stop"

e2e_log "without [daemon] user: uid 0, the same two capabilities"
sed -i '/^\[daemon\]/,/^group/d' "$E2E_DIR/ksstpd.toml"
rm -f "$E2E_DIR/hook/hook.out"
e2e_start_server
pid=$E2E_SERVER_PID
grep -q "^Uid:[[:space:]]*0[[:space:]]" "/proc/$pid/status" || e2e_fail "uid changed without [daemon] user"
[ "$(caps "$pid" CapEff)" = 0000000000001400 ] || e2e_fail "uid 0 kept CapEff $(caps "$pid" CapEff)"
e2e_wait 20 "[ \$(wc -l < '$E2E_DIR/hook/hook.out' 2>/dev/null || echo 0) -ge 2 ]" || e2e_fail "no hook run (the client reconnects to the new server)"
[ "$(sed -n 2p "$E2E_DIR/hook/hook.out")" = 0000000000001000 ] || e2e_fail "root's hook regained capabilities: $(cat "$E2E_DIR/hook/hook.out")"
if command -v setpriv >/dev/null; then
    setpriv --reuid=65534 --regid=65534 --clear-groups "$E2E_BIN/tools/ksstpctl" --socket "$E2E_DIR/ksstpd.sock" stats \
        >/dev/null 2>&1 && e2e_fail "a non-root user could use the management socket"
fi

e2e_log "started with a bounding set already limited (as the systemd unit does)"
e2e_stop "$pid" || e2e_fail "ksstpd did not stop"
chown root "$E2E_DIR/secrets/secrets.toml"  # uid 0 without CAP_DAC_OVERRIDE reads only its own 0600 files
ip netns exec "$E2E-s" setpriv --bounding-set -all,+net_admin,+net_bind_service \
    "$E2E_BIN/tools/ksstpd" --config "$E2E_DIR/ksstpd.toml" >> "$E2E_DIR/bounded.log" 2>&1 &
pid=$!
E2E_PIDS+=("$pid")
e2e_wait 5 "grep -q 'listening on' '$E2E_DIR/bounded.log'" || e2e_fail "ksstpd did not start with a limited bounding set: $(cat "$E2E_DIR/bounded.log")"
[ "$(caps "$pid" CapEff)" = 0000000000001400 ] || e2e_fail "bounded start: CapEff $(caps "$pid" CapEff)"
sed -i '/^\[sstp-server\]/a max-sessions = 0' "$E2E_DIR/ksstpd.toml"
sed -i '0,/^\[ppp\]/s//[daemon]\nuser = "nobody"\n[ppp]/' "$E2E_DIR/ksstpd.toml"
ip netns exec "$E2E-s" setpriv --bounding-set -all,+net_admin,+net_bind_service \
    "$E2E_BIN/tools/ksstpd" --config "$E2E_DIR/ksstpd.toml" > "$E2E_DIR/nosetuid.txt" 2>&1
grep -q "CAP_SETUID/CAP_SETGID are not in this process's capabilities" "$E2E_DIR/nosetuid.txt" ||
    e2e_fail "[daemon] user without CAP_SETUID: $(cat "$E2E_DIR/nosetuid.txt")"
e2e_no_secrets_in_logs Correct-Horse-9 Bob-Pass-4
echo "PASS: privileges"
