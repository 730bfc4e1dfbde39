#!/usr/bin/env bash
# The systemd units parse and name only existing programs and known directives
# (`systemd-analyze verify`), with the binaries of this build in place of /usr/local/sbin.
set -u
bin=${E2E_BIN:?E2E_BIN must point at the build directory}/tools
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze missing"; exit 77; }
dir=$(mktemp -d /tmp/ksstp-units-XXXXXX)
trap 'rm -rf "$dir"' EXIT
for u in "$(dirname "$0")"/../../tools/systemd/*.service; do
    sed "s#/usr/local/sbin/#$bin/#" "$u" > "$dir/$(basename "$u")"
done
grep -q '^Type=notify' "$dir/ksstpd.service" || { echo "FAIL: ksstpd.service is not Type=notify"; exit 1; }
grep -q '^ExecReload=' "$dir/ksstpd.service" || { echo "FAIL: ksstpd.service has no ExecReload"; exit 1; }
out=$(cd "$dir" && systemd-analyze verify --man=no ./*.service 2>&1)
[ -z "$out" ] || { echo "FAIL: $out"; exit 1; }
echo PASS
