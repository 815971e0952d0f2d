#!/usr/bin/env bash
# nanvix-api's own confinement (docs/security.md): once it listens the
# daemon runs under its seccomp allowlist with no_new_privs; nanvixd is
# started by its launcher (forked before the filter, unfiltered), so each
# VM's nanvixd has only its own filters yet is still the daemon's child;
# VMs run, networked ones too (DNS through the uplink, a published port);
# a forbidden call ends the daemon with 119 and a line (the test-only
# build bin/tests/nanvix-api.sandbox makes one on request) and leaves no
# launcher; --no-seccomp means no filter and no launcher.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$(pwd -P)
API=${NANVIX_API:-$ROOT/bin/nanvix-api}
SANDBOX=$ROOT/bin/tests/nanvix-api.sandbox
T=$ROOT/bin/tests
pass=0
fail=0
skip=0
tmp=$(mktemp -d)
daemons=

cleanup() {
	local d
	for d in $daemons; do
		kill -0 "$d" 2>/dev/null && kill -TERM "$d" && wait "$d" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

ok() {
	pass=$((pass + 1))
	printf 'ok   %s\n' "$1"
}
bad() {
	fail=$((fail + 1))
	printf 'FAIL %s: %s\n' "$1" "$2"
}

# status_of PID FIELD: a field of /proc/PID/status.
status_of() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null; }
# children PID: the pids whose parent is PID.
children() { ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' '; }

# start NAME [daemon options]: a daemon on $tmp/NAME.sock, its pid in $dpid,
# once it said it is ready (10 s at most); 1 if it did not.
start() {
	local name=$1 bin=${BIN_API:-$API}
	shift
	sock=$tmp/$name.sock
	"$bin" --socket "$sock" --state "$tmp/$name.state" --allow-path "$ROOT/bin" "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err" &
	dpid=$!
	daemons="$daemons $dpid"
	for _ in $(seq 100); do
		grep -q '^nanvix-api: ready ' "$tmp/$name.out" 2>/dev/null && return 0
		kill -0 "$dpid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# api METHOD PATH [JSON]: the reply's body in $tmp/body, its HTTP status in $code.
api() {
	code=$(curl -s -o "$tmp/body" -w '%{http_code}' --unix-socket "$sock" -X "$1" \
		${3:+-H 'Content-Type: application/json' --data "$3"} "http://localhost$2")
}

# json_field NAME: a top-level field of the JSON object in $tmp/body ("" if none).
json_field() {
	python3 -c 'import json, sys
v = json.load(open(sys.argv[1])).get(sys.argv[2])
print("" if v is None else v)' "$tmp/body" "$1" 2>/dev/null
}

# run_vm JSON: create and start a VM, wait for it; its id in $id, exit status in $vst, log in $tmp/log.
run_vm() {
	api POST /v1/vms "$1"
	id=$(json_field id)
	vst=
	: >"$tmp/log"
	[ "$code" = 201 ] && [ -n "$id" ] || { vst="create: $code $(head -c 200 "$tmp/body")"; return; }
	api GET "/v1/vms/$id/wait?timeout=60"
	vst=$(json_field exit_status)
	curl -s --unix-socket "$sock" "http://localhost/v1/vms/$id/logs" >"$tmp/log"
}

for b in "$API" bin/nanvixd "$T/hello.musl.elf"; do
	[ -x "$b" ] || { echo "FAIL build: $b is not built"; exit 1; }
done
if [ ! -c /dev/kvm ] || ! : 2>/dev/null <>/dev/kvm; then
	echo "sandbox: SKIPPED: /dev/kvm is missing or not accessible (the VMs need KVM)"
	echo "sandbox: 0 passed, 0 failed, 1 skipped"
	exit 0
fi

echo "== the daemon's allowlist"
exec 7>"$tmp/inherited"
if ! start d1; then
	bad "the daemon starts" "$(head -c 300 "$tmp/d1.err")"
	echo "sandbox: $pass passed, $fail failed, $skip skipped"
	exit 1
fi
d1=$dpid
if [ "$(status_of "$d1" Seccomp)" = 2 ] && [ "$(status_of "$d1" NoNewPrivs)" = 1 ] &&
   [ "$(status_of "$d1" Seccomp_filters)" = 1 ]; then
	ok "filtered once it listens (Seccomp 2, NoNewPrivs 1, one filter)"
else
	bad "daemon filtered" "Seccomp '$(status_of "$d1" Seccomp)' NoNewPrivs '$(status_of "$d1" NoNewPrivs)'"
fi
exec 7>&-
held=$(ls -l "/proc/$d1/fd" 2>/dev/null | grep -c "$tmp/inherited")
[ "$held" = 0 ] && ok "an inherited descriptor is closed at start" || bad "inherited fd" "still open"
launcher=$(children "$d1")
if [ "$(echo "$launcher" | wc -w)" = 1 ] && [ "$(status_of "$launcher" Seccomp)" = 0 ] &&
   [ "$(status_of "$launcher" NoNewPrivs)" = 0 ]; then
	ok "its launcher: one child, not filtered"
else
	bad "the launcher" "children '$launcher', Seccomp '$(status_of "${launcher:-0}" Seccomp)'"
fi

echo "== VMs under a filtered daemon"
run_vm "{\"program\": \"$T/hello.musl.elf\", \"start\": true}"
[ "$vst" = 0 ] && grep -q 'hello, world' "$tmp/log" && ok "a VM runs (hello, status 0)" ||
	bad "hello" "status '$vst': $(head -c 200 "$tmp/log")"

# A VM that stays up: its nanvixd is the daemon's child, with its own filters only
# (its process list and its vCPU's), not the daemon's on top.
api POST /v1/vms "{\"program\": \"$T/sleeper.musl.elf\", \"args\": [\"20\"], \"start\": true, \"net\": \"none\"}"
id=$(json_field id)
vmpid=$(json_field pid)
for _ in $(seq 50); do
	[ -n "$vmpid" ] && [ "$(status_of "$vmpid" Seccomp_filters)" = 2 ] && break
	sleep 0.05
done
if [ -n "$vmpid" ] && [ "$(status_of "$vmpid" PPid)" = "$d1" ] &&
   [ "$(status_of "$vmpid" Seccomp)" = 2 ] && [ "$(status_of "$vmpid" Seccomp_filters)" = 2 ]; then
	ok "a VM's nanvixd: the daemon's child, its own two filters (not the daemon's)"
else
	bad "a VM's nanvixd" "pid '$vmpid' PPid '$(status_of "${vmpid:-0}" PPid)' filters '$(status_of "${vmpid:-0}" Seccomp_filters)'"
fi
api POST "/v1/vms/$id/kill"
api GET "/v1/vms/$id/wait?timeout=30"
[ "$(json_field exit_status)" = 137 ] && ok "killed through the API, reaped by the daemon (137)" ||
	bad "kill" "$code $(head -c 200 "$tmp/body")"

# Networked: names resolved through the uplink (started lazily by nanvixd's spawner).
run_vm "{\"program\": \"$T/net/resolve.musl.elf\", \"args\": [\"localhost\", \"host.internal\", \"no-such-name.invalid\"], \"start\": true}"
[ "$vst" = 1 ] && grep -q '^host.internal: 10.0.2.2$' "$tmp/log" &&
	grep -q '^no-such-name.invalid: no such name$' "$tmp/log" &&
	ok "a networked VM resolves names through its uplink" ||
	bad "DNS" "status '$vst': $(tr '\n' ' ' <"$tmp/log" | head -c 300)"
# A published port.
port=
for _ in $(seq 20); do
	p=$((20000 + RANDOM % 40000))
	(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { port=$p; break; }
done
api POST /v1/vms "{\"program\": \"$T/net/http_echo.elf\", \"args\": [\"80\"], \"publish\": [\"127.0.0.1:$port:80\"], \"start\": true}"
id=$(json_field id)
got=
for _ in $(seq 100); do
	got=$(curl -s -m 2 "http://127.0.0.1:$port/health" 2>/dev/null) && [ "$got" = ok ] && break
	sleep 0.1
done
[ "$got" = ok ] && ok "a VM answers on its published port" || bad "published port" "got '$got'"
[ -n "$id" ] && api DELETE "/v1/vms/$id?force=true"
# A terminal's hangup (or ^C) reaches the daemon's process group: the launcher leaves it
# to the daemon, which ignores SIGHUP and goes on starting VMs.
kill -HUP "$launcher" 2>/dev/null
sleep 0.1
run_vm "{\"program\": \"$T/hello.musl.elf\", \"start\": true}"
[ "$vst" = 0 ] && ok "SIGHUP to the launcher: VMs still start" || bad "after SIGHUP" "status '$vst'"
grep -q 'seccomp' "$tmp/d1.err" && bad "no stop line" "$(grep seccomp "$tmp/d1.err")" ||
	ok "the daemon made no forbidden call"
kill -TERM "$d1"
wait "$d1"
st=$?
sleep 0.2
[ "$st" = 0 ] && [ -z "$(children "$d1")" ] && [ -z "$(ps -o pid= -p "${launcher:-0}")" ] &&
	ok "SIGTERM: status 0, the launcher gone with it" || bad "SIGTERM" "status $st, launcher '$launcher'"

echo "== a forbidden call"
if [ -x "$SANDBOX" ]; then
	NANVIX_API_TEST_FORBIDDEN=1 BIN_API=$SANDBOX start d2 --nanvixd "$ROOT/bin/nanvixd"
	wait "$dpid"
	st=$?
	if [ "$st" = 119 ] &&
	   grep -q '^nanvix-api: seccomp: forbidden system call 41; stopping (status 119)$' "$tmp/d2.err"; then
		ok "the daemon stops with 119 and a line"
	else
		bad "forbidden call" "status $st: $(head -c 300 "$tmp/d2.err")"
	fi
	sleep 0.2
	left=$(pgrep -f "^$SANDBOX --socket $tmp/d2.sock" 2>/dev/null)
	[ -z "$left" ] && ok "and leaves no launcher" || bad "launcher left" "pids $left"
	if BIN_API=$SANDBOX start d3 --nanvixd "$ROOT/bin/nanvixd"; then
		ok "the test build runs normally without the request"
		kill -TERM "$dpid"
		wait "$dpid"
	else
		bad "test build" "$(head -c 300 "$tmp/d3.err")"
	fi
	if NANVIX_API_TEST_FORBIDDEN=1 start d4; then
		ok "the default build has no such request"
		kill -TERM "$dpid"
		wait "$dpid"
	else
		bad "default build" "$(head -c 300 "$tmp/d4.err")"
	fi
else
	bad "test build" "$SANDBOX missing"
fi

echo "== --no-seccomp"
if start d5 --no-seccomp; then
	d5=$dpid
	[ "$(status_of "$d5" Seccomp)" = 0 ] && [ -z "$(children "$d5")" ] &&
		ok "no filter, no launcher" || bad "--no-seccomp" "Seccomp '$(status_of "$d5" Seccomp)', children '$(children "$d5")'"
	run_vm "{\"program\": \"$T/hello.musl.elf\", \"start\": true}"
	[ "$vst" = 0 ] && grep -q 'hello, world' "$tmp/log" && ok "a VM runs, forked by the daemon itself" ||
		bad "hello, --no-seccomp" "status '$vst'"
	kill -TERM "$d5"
	wait "$d5"
else
	bad "--no-seccomp starts" "$(head -c 300 "$tmp/d5.err")"
fi
grep -q -- '--no-seccomp' <("$API" --help) && ok "--help names --no-seccomp" || bad "--help" "no --no-seccomp"

echo "sandbox: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
