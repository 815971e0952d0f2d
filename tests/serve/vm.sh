#!/usr/bin/env bash
# nanvix-serve with its default backend: every instance a micro-VM restored
# from its function's snapshot, reset in place after each request, run by a
# fleet (a host thread only while a VM runs).
#
#   - Two functions (bin/bench/echo_snap.elf, snapshotted in accept), routed
#     by path and by Host:, one scaled from zero.
#   - 100 requests: each answered, each by a VM reset in place.
#   - A function whose program is on a read-only ext2 image ("disk"), its
#     file system served in the VM: snapshotted and restored like the rest.
#   - tests/serve/fn_test.elf (fn_test built static for a VM, snapshotted
#     once it listens): a full queue answers 503, a slow request 504 with
#     its VM destroyed and replaced, a crashing VM 502, logged, replaced.
#   - 1000 invocations: the daemon's descriptors and threads come back to
#     what they were, its RSS grows by less than 4 MiB; idle VMs hold no
#     thread.
#   - SIGTERM drains: the daemon exits 0.
# Skips, saying why, without /dev/kvm.
set -u
cd "$(dirname "$0")/../.." || exit 1
SERVE=${SERVE:-bin/nanvix-serve}
BACKEND=vm
ECHO=$PWD/bin/bench/echo_snap.elf
FN=$PWD/bin/tests/serve/fn_test.elf
LOADGEN=bin/tests/serve/loadgen
pass=0 fail=0
dpid=
tmp=$(mktemp -d)
trap '[ -n "$dpid" ] && kill -KILL "$dpid" 2>/dev/null; rm -rf "$tmp"' EXIT
# ok, bad, check, start, stop_daemon, stats, ctr, wait_stat, wait_log, http
. tests/serve/lib.sh
if [ ! -c /dev/kvm ] || ! : 2>/dev/null <>/dev/kvm; then
	echo "serve-vm: SKIPPED: /dev/kvm is missing or not accessible"
	exit 0
fi
for f in "$SERVE" "$ECHO" "$FN" "$LOADGEN" bin/kernel.elf bin/netd.elf; do
	[ -e "$f" ] || { echo "serve-vm: FAIL: $f not built"; exit 1; }
done
# A function whose program is on a read-only disk image (its file system in the VM).
mkdir -p "$tmp/root/bin"
cp "$FN" "$tmp/root/bin/fn"
mke2fs -q -t ext2 -b 4096 -d "$tmp/root" -F "$tmp/fn.img" 8M || { echo "serve-vm: FAIL: mke2fs"; exit 1; }
cat >"$tmp/fns.json" <<JSON
{"functions": [
 {"name": "ondisk", "disk": "$tmp/fn.img", "program": "/bin/fn", "env": {"HOST": "0.0.0.0"},
  "memory": "16M", "snapshot": true},
 {"name": "echo", "program": "$ECHO", "memory": "16M", "min": 1, "max": 2, "snapshot": true},
 {"name": "other", "program": "$ECHO", "memory": "16M", "min": 0, "max": 1, "host": "other.test",
  "snapshot": true},
 {"name": "alpha", "program": "$FN", "env": {"HOST": "0.0.0.0"}, "memory": "16M", "max": 2, "snapshot": true},
 {"name": "tight", "program": "$FN", "env": {"HOST": "0.0.0.0"}, "memory": "16M", "min": 1, "max": 1, "queue": 1,
  "snapshot": true},
 {"name": "slowfn", "program": "$FN", "env": {"HOST": "0.0.0.0"}, "memory": "16M", "max": 1, "timeout": 1, "snapshot": true}
]}
JSON
start main "$tmp/fns.json" || { bad "ready signalled" "see above"; exit 1; }
ok "ready signalled"

body=$(curl -s -m 20 "$url/fn/echo/hello?x=1")
case "$body" in *"GET /hello?x=1 HTTP/1.1"*) ok "routed by path" ;; *) bad "routed by path" "$body" ;; esac
body=$(curl -s -m 20 -H "Host: other.test" "$url/by-host")
case "$body" in *"GET /by-host HTTP/1.1"*) ok "routed by host, scaled from zero" ;; *) bad "routed by host" "$body" ;; esac
body=$(curl -s -m 20 "$url/fn/ondisk/echo")
case "$body" in *"echo GET /echo"*) ok "a program on a disk image (fs in the VM), from its snapshot" ;;
*) bad "a program on a disk image" "$body" ;; esac
code=$(curl -s -o /dev/null -w '%{http_code}' -m 10 "$url/fn/nosuch/x")
[ "$code" = 404 ] && ok "unknown function 404" || bad "unknown function 404" "got $code"

n=0
for i in $(seq 100); do
	body=$(curl -s -m 20 "$url/fn/echo/req$i") && case "$body" in *"GET /req$i HTTP"*) n=$((n + 1)) ;; esac
done
[ "$n" = 100 ] && ok "100 requests, each on a VM reset in place" || bad "100 requests" "$n answered"

# Queue bound: one request in the VM, one queued, the third refused.
rm -f "$tmp/go"
$LOADGEN -a "$hostport" -p "/fn/tight/slow?ms=3000" -n 2 -c 2 >"$tmp/lg" &
lg=$!
wait_stat tight busy 1 && wait_stat tight queued 1
held=$?
code=$(http "$url/fn/tight/echo")
wait "$lg"
[ "$held" = 0 ] && [ "$code" = 503 ] && grep -q queue_full "$tmp/body" && grep -q ' 2xx=2 ' "$tmp/lg" &&
	[ "$(ctr tight 503)" = 1 ]
check "queue full: 503, counted; the queued request still served" $? "held=$held $code $(cat "$tmp/body" "$tmp/lg")"

# Timeout: 504, the VM destroyed and replaced.
code=$(http "$url/fn/slowfn/slow?ms=30000")
wait_stat slowfn destroyed 1
code2=$(http "$url/fn/slowfn/echo")
[ "$code" = 504 ] && [ "$code2" = 200 ] && [ "$(ctr slowfn 504)" = 1 ] &&
	wait_log 'function slowfn: instance [0-9]+ destroyed: a request timed out after 1.0 s'
check "slow function: 504, its VM destroyed and replaced" $? "$code $code2 $(stats slowfn)"

# Crash: the program exits in its VM; 502, logged with the status, replaced.
http "$url/fn/alpha/echo" >/dev/null
code=$(http "$url/fn/alpha/crash")
[ "$code" = 502 ] && grep -q instance_failed "$tmp/body"
c502=$?
wait_stat alpha crashes 1
code2=$(http "$url/fn/alpha/echo")
wait_log 'function alpha: instance [0-9]+ crashed: .*\(exited with status 3\)'
logged=$?
[ "$c502" = 0 ] && [ "$logged" = 0 ] && [ "$code2" = 200 ]
check "crashing VM: 502, log line with its status, counted, replaced" $? "code=$code logged=$logged code2=$code2"

stop_daemon
[ "$dst" = 0 ] && ok "SIGTERM drains, exit 0" || bad "SIGTERM" "status $dst: $(tail -3 "$errf")"

# 1000 invocations (fresh connections and keep-alive) on a daemon with one
# function of two VMs: nothing left behind.
cat >"$tmp/flat.json" <<JSON
{"functions": [{"name": "echo", "program": "$ECHO", "memory": "16M", "min": 2, "max": 2,
  "queue": 64, "snapshot": true}]}
JSON
start flat "$tmp/flat.json" || { bad "flat daemon ready" "see above"; exit 1; }
fds() { ls /proc/"$dpid"/fd | wc -l; }
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/"$dpid"/status; }
# Our threads: KVM adds one of its own per VM (kvm-nx-lpage-recovery).
threads() {
	local n=0 t
	for t in /proc/"$dpid"/task/*/comm; do
		case "$(cat "$t" 2>/dev/null)" in kvm-*) ;; *) n=$((n + 1)) ;; esac
	done
	echo "$n"
}
# settle: the VMs' network goes quiet 6 s after its last frame, and a
# fleet worker ends 2 s after its last VM parked.
settle() {
	local _
	for _ in $(seq 30); do
		[ "$(threads)" -le "${1:-0}" ] && return 0
		sleep 1
	done
}
$LOADGEN -a "$hostport" -p /fn/echo/warm -n 50 -c 2 >/dev/null
wait_stat gateway open 0
sleep 10
fd0=$(fds) rss0=$(rss) th0=$(threads)
$LOADGEN -a "$hostport" -p /fn/echo/x -n 500 -c 2 >"$tmp/lg1"
$LOADGEN -a "$hostport" -p /fn/echo/y -n 500 -c 2 -k >"$tmp/lg2"
wait_stat gateway open 0
settle "$th0"
fd1=$(fds) rss1=$(rss) th1=$(threads)
echo "     1000 invocations: fds $fd0 -> $fd1, threads $th0 -> $th1, RSS $rss0 -> $rss1 kB"
[ "$fd0" = "$fd1" ] && [ "$th0" = "$th1" ] && [ $((rss1 - rss0)) -lt 4096 ] &&
	grep -q '2xx=500 ' "$tmp/lg1" && grep -q '2xx=500 ' "$tmp/lg2"
check "1000 invocations: no fd, thread or RSS growth" $? \
	"fds $fd0 -> $fd1, threads $th0 -> $th1, RSS $rss0 -> $rss1 kB $(cat "$tmp/lg1" "$tmp/lg2")"

stop_daemon
[ "$dst" = 0 ] && ok "flat daemon: SIGTERM, exit 0" || bad "flat daemon: SIGTERM" "status $dst"
echo "serve-vm: $pass passed, $fail failed"
[ "$fail" = 0 ]
