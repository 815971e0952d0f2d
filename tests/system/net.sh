#!/usr/bin/env bash
# Network system test: bin/tests/net/http_echo.elf, an unmodified Linux
# HTTP/1.1 server, answers curl: GET /health, POST echoes, keep-alive (two
# requests on one connection), 404, concurrent clients; SIGTERM stops it
# with status 0.
#
# It runs natively (on a port the kernel picks), then as `nanvixd
# --net=MODE -p 127.0.0.1:PORT:80 -- http_echo.elf` for MODE host and
# guest, with a smoke run of tcp_echo under each (tests/posix/net.sh has the
# full matrix).  The egress policy, a busy VM and names run in both
# placements too, with the same expectations: a placement moves lwIP, not
# the switch that judges the frames.  A shared macro-kernel's VMs reach
# each other, also across placements, and publish ports through its uplink.
#
# A placement nanvixd cannot run hello in is a failure; only a machine
# without /dev/kvm, or binaries not built, skips (net_mode_gate, lib.sh).
set -u
cd "$(dirname "$0")/../.." || exit 1

NANVIXD=${NANVIXD:-bin/nanvixd}
T=${T:-bin/tests}
# shellcheck source=tests/system/lib.sh
. tests/system/lib.sh
pass=0 fail=0 skip=0
tmp=$(mktemp -d)
srv=
cleanup() {
	[ -n "$srv" ] && kill -KILL "$srv" 2>/dev/null
	[ -n "${srv_a:-}" ] && kill -KILL "$srv_a" 2>/dev/null
	[ -n "${mkpid:-}" ] && kill -KILL "$mkpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
HTTP=$T/net/http_echo.elf

if ! command -v curl >/dev/null; then
	echo "net: SKIPPED: curl missing (apt-get install curl)"
	echo "net: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
if [ ! -x "$HTTP" ]; then
	echo "net: FAIL: $HTTP not built (make $HTTP)"
	exit 1
fi

# start LABEL CMD...: CMD in the background (its pid in $srv, stdout in
# $tmp/srv.out); waits (60 s at most) for "listening on PORT", PORT in $port.
start() {
	local label=$1
	shift
	rm -f "$tmp/srv.out"
	env --default-signal=TERM,INT "$@" >"$tmp/srv.out" 2>"$tmp/err" </dev/null &
	srv=$!
	for _ in $(seq 600); do
		port=$(sed -n 's/^listening on \([0-9]*\)$/\1/p' "$tmp/srv.out" 2>/dev/null)
		[ -n "$port" ] && return 0
		kill -0 "$srv" 2>/dev/null || break
		sleep 0.1
	done
	bad "$label start" "no 'listening on' line: $(head -c 200 "$tmp/srv.out")"
	kill -KILL "$srv" 2>/dev/null
	srv=
	return 1
}

# check NAME WANT GOT: ok if equal.
check() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		bad "$1" "got '$(printf %s "$3" | head -c 200)', want '$2'"
	fi
}

# http_checks LABEL PORT: the curl checks against a server on 127.0.0.1:PORT.
http_checks() {
	local l=$1 url=http://127.0.0.1:$2 got i
	local c=(curl -s --max-time 30)

	got=$("${c[@]}" -w ' %{http_code}' "$url/health")
	check "$l GET /health" "ok 200" "$got"
	got=$("${c[@]}" -w ' %{http_code}' --data-binary 'hello, nanvix' "$url/echo")
	check "$l POST echo" "hello, nanvix 200" "$got"
	head -c 300000 /dev/urandom >"$tmp/big"
	"${c[@]}" --data-binary @"$tmp/big" -H 'Content-Type: application/octet-stream' \
		"$url/big" >"$tmp/big.back"
	if cmp -s "$tmp/big" "$tmp/big.back"; then ok "$l POST 300 KB echo"; else bad "$l POST 300 KB echo" "body differs"; fi
	got=$("${c[@]}" -o /dev/null -w '%{http_code}' "$url/nope")
	check "$l GET unknown path" "404" "$got"
	got=$("${c[@]}" -o /dev/null -w '%{http_code}' -X DELETE "$url/health")
	check "$l DELETE" "405" "$got"
	# Keep-alive: two requests, one connection.
	"${c[@]}" -v "$url/health" "$url/health" >"$tmp/ka.out" 2>"$tmp/ka.err"
	got="$(cat "$tmp/ka.out") $(grep -c '^\* Connected to' "$tmp/ka.err")"
	check "$l keep-alive: two answers on one connection" "okok 1" "$got"
	# Concurrent clients.
	local pids=() n=0
	for i in $(seq 10); do
		"${c[@]}" --data-binary "client $i" "$url/echo" >"$tmp/conc.$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in $(seq 10); do
		[ "$(cat "$tmp/conc.$i")" = "client $i" ] && n=$((n + 1))
	done
	check "$l 10 concurrent clients" "10" "$n"
}

# stop LABEL: SIGTERM the server; it must exit 0 having printed "stopping".
stop() {
	local st
	kill -TERM "$srv" 2>/dev/null
	wait "$srv"
	st=$?
	srv=
	if [ "$st" = 0 ] && grep -q '^stopping$' "$tmp/srv.out"; then
		ok "$1 SIGTERM stops it"
	else
		bad "$1 SIGTERM stops it" "status $st, output $(tr '\n' ' ' <"$tmp/srv.out")"
	fi
}

echo "== native"
if start native "$HTTP" 0; then
	http_checks native "$port"
	stop native
fi

for mode in host guest; do
	echo "== nanvixd --net=$mode"
	net_mode_gate "$mode" "http_echo and tcp_echo in a VM" || continue
	hp=$(free_port) || { bad "$mode port" "no free port found"; continue; }
	# The VM's program listens on 80; nanvixd forwards 127.0.0.1:$hp to it.
	if start "$mode" "$NANVIXD" --net="$mode" -p "127.0.0.1:$hp:80" -- "$HTTP"; then
		[ "$port" = 80 ] || bad "$mode listening port" "printed $port, want 80"
		http_checks "$mode" "$hp"
		stop "$mode"
	fi
	for libc in musl glibc; do
		elf=$T/posix/net/tcp_echo.$libc.elf
		[ -x "$elf" ] || continue
		vm --net="$mode" --timeout 120 -- "$elf"
		judge "$mode tcp_echo.$libc" 0 "^ok tcp_echo loopback: 5 messages"
	done
done

# Egress: the host's loopback through the gateway (10.0.2.2) is closed by
# default and opened by --net-allow 127.0.0.1:PORT; the cloud metadata
# address stays closed even under --net-allow 0.0.0.0/0; every refusal is
# ECONNREFUSED at once and one log line.  The switch judges the frames, so
# both placements must give the same answers.
GET=$T/net/http_get.elf
for mode in host guest; do
	echo "== egress policy (--net=$mode)"
	net_mode_gate "$mode" "egress" || continue
	if [ ! -x "$GET" ]; then
		bad "egress ($mode)" "$GET not built"
		continue
	fi
	start "host server ($mode)" "$HTTP" 0 || continue
	hport=$port
	vm --net="$mode" --timeout 60 -- "$GET" 10.0.2.2 "$hport" /health
	judge "$mode: loopback of the host refused by default" 1 "^connect 10.0.2.2:$hport: ECONNREFUSED$" \
		"refused 10.0.2.2:$hport/tcp .*allow 127.0.0.1:$hport"
	vm --net="$mode" --timeout 60 --net-allow "127.0.0.1:$hport" -- "$GET" 10.0.2.2 "$hport" /health
	judge "$mode: --net-allow 127.0.0.1:PORT opens it as 10.0.2.2:PORT" 0 "^HTTP/1.1 200 OK$"
	vm --net="$mode" --timeout 60 --net-allow "127.0.0.1:$hport" -- "$GET" 10.0.2.2 $((hport + 1)) /health
	judge "$mode: another port of the host stays closed" 1 "ECONNREFUSED"
	vm --net="$mode" --timeout 60 --net-allow 0.0.0.0/0 -- "$GET" 169.254.169.254 80 /
	judge "$mode: the metadata address stays closed under 0.0.0.0/0" 1 \
		"^connect 169.254.169.254:80: ECONNREFUSED$" "refused 169.254.169.254:80/tcp"
	# A published port already taken on the host: a clear error before the VM runs.
	vm --net="$mode" --timeout 60 -p "127.0.0.1:$hport:80" -- "$HTTP"
	judge "$mode: -p of a port in use: status 123, named" 123 "" "127.0.0.1:$hport.*in use"
	stop "host server ($mode)"
done

# A VM whose other thread computes without a system call makes no exits:
# the host's watcher still brings it the connection (vm_kick), to the
# macro-kernel's lwIP (host) or to the VM's network server (guest).
BUSY=$T/net/busy_server.elf
for mode in host guest; do
	echo "== a busy VM still answers (--net=$mode)"
	net_mode_gate "$mode" "busy VM" || continue
	if [ ! -x "$BUSY" ]; then
		bad "busy VM ($mode)" "$BUSY not built"
		continue
	fi
	bp=$(free_port) || { bad "$mode port" "no free port found"; continue; }
	if start "busy VM ($mode)" "$NANVIXD" --net="$mode" -p "$bp:80" -- "$BUSY"; then
		got=$(curl -s --max-time 30 "http://127.0.0.1:$bp/")
		check "$mode: a VM spinning in ring 3 answers on its published port" "ok" "$got"
		kill -TERM "$srv" 2>/dev/null
		wait "$srv"
		st=$?
		srv=
		check "$mode: ... and SIGTERM still ends it (143)" 143 "$st"
	fi
done

# Names: the VM's /etc/hosts (localhost, host.internal) and, for others,
# the switch's DNS address, answered from the host's resolver (its
# /etc/hosts included); with musl's and glibc's resolvers.
hname=$(awk '!/^#/ && NF >= 2 { for (i = 2; i <= NF; i++) print $i }' /etc/hosts |
	grep -vE '^(localhost|ip6-|host\.internal$)' | head -1)
haddr4=$([ -n "$hname" ] && getent ahostsv4 "$hname" | awk 'NR == 1 { print $1 }')
for mode in host guest; do
	echo "== names (--net=$mode)"
	net_mode_gate "$mode" "names" || continue
	for libc in musl glibc; do
		R=$T/net/resolve.$libc.elf
		[ -x "$R" ] || { bad "$mode: names $libc" "$R not built"; continue; }
		vm --net="$mode" --timeout 60 -- "$R" localhost host.internal no-such-name.invalid
		judge "$mode: names ($libc): localhost, host.internal; an unknown name fails" 1 \
			"^localhost: 127.0.0.1$" ""
		grep -q '^host.internal: 10.0.2.2$' "$tmp/out" && grep -q '^no-such-name.invalid: no such name$' "$tmp/out" ||
			bad "$mode: names ($libc) detail" "$(tr '\n' ' ' <"$tmp/out")"
		if [ -n "$haddr4" ]; then
			vm --net="$mode" --timeout 60 -- "$R" "$hname"
			judge "$mode: DNS ($libc): $hname from the host's /etc/hosts is $haddr4" 0 "^$hname: $haddr4$"
		fi
	done
done

# The shared macro-kernel: its VMs are one tenant's network, each with an
# address of its own; VM B reaches VM A's server at A's address.
echo "== shared macro-kernel: two VMs of one tenant"
mkpid=
if ! net_mode_gate host "shared macro-kernel"; then
	:
elif [ ! -x bin/macrokernel ]; then
	echo "SKIP shared macro-kernel: bin/macrokernel not built"
	skip=$((skip + 1))
else
	mkdir -p "$tmp/mkroot"
	# Per-VM rates well above what these VMs send: policed, nothing dropped.
	"${MK:-bin/macrokernel}" --socket "$tmp/mk.sock" --root "$tmp/mkroot" --net-rate 64M \
		--net-recv-rate 64M 2>"$tmp/mk.err" &
	mkpid=$!
	for _ in $(seq 50); do [ -S "$tmp/mk.sock" ] && break; sleep 0.1; done
	if start "VM A" "$NANVIXD" --macrokernel "$tmp/mk.sock" -- "$HTTP" 80; then
		vm --macrokernel "$tmp/mk.sock" --timeout 60 -- "$GET" 10.0.2.15 80 /health
		judge "VM B reaches VM A (10.0.2.15:80) through the tenant switch" 0 "^HTTP/1.1 200 OK$"
		vm --macrokernel "$tmp/mk.sock" --timeout 60 -- "$GET" 10.0.2.2 80 /health
		judge "a VM of the macro-kernel: the host's loopback refused" 1 "ECONNREFUSED"
		# A hostile neighbour (sockets filled, windows closed, never read)
		# on the same switch and lwIP: the others go on.
		NR=$T/hostile/net_neverread.elf
		if [ -x "$NR" ]; then
			"$NANVIXD" --macrokernel "$tmp/mk.sock" --timeout 120 -- "$NR" \
				>"$tmp/nr.out" 2>&1 </dev/null &
			nrpid=$!
			sleep 1
			vm --macrokernel "$tmp/mk.sock" --timeout 60 -- "$GET" 10.0.2.15 80 /health
			judge "a neighbour filling its windows: VM C still reaches VM A" 0 "^HTTP/1.1 200 OK$"
			wait "$nrpid"
			check "... and the hostile VM ends on its own (0)" 0 "$?"
		fi
		stop "VM A"
	fi
	# Two VMs, two published ports, one uplink; a port taken is refused.
	pa=$(free_port) && pb=$(free_port)
	if start "VM A" "$NANVIXD" --macrokernel "$tmp/mk.sock" -p "$pa:80" -- "$HTTP" 80; then
		srv_a=$srv
		srv=
		if start "VM B" "$NANVIXD" --macrokernel "$tmp/mk.sock" -p "$pb:80" -- "$HTTP" 80; then
			got=$(curl -s --max-time 30 "http://127.0.0.1:$pa/health")
			check "two VMs, two ports: A answers on $pa" "ok" "$got"
			got=$(curl -s --max-time 30 --data-binary "to B" "http://127.0.0.1:$pb/echo")
			check "two VMs, two ports: B answers on $pb" "to B" "$got"
			vm --macrokernel "$tmp/mk.sock" -p "$pa:80" -- "$GET" 10.0.2.15 80 /
			judge "-p of a port another VM publishes: status 123, named" 123 "" \
				"127.0.0.1:$pa.*in use"
			stop "VM B"
		fi
		srv=$srv_a
		srv_a=
		stop "VM A"
		# A busy VM of the macro-kernel: its notify eventfd, watched.
		if [ -x "$T/net/busy_server.elf" ] && bp=$(free_port) &&
			start "busy VM (shared)" "$NANVIXD" --macrokernel "$tmp/mk.sock" -p "$bp:80" -- \
				"$T/net/busy_server.elf"; then
			got=$(curl -s --max-time 30 "http://127.0.0.1:$bp/")
			check "a VM of the macro-kernel spinning in ring 3 answers" "ok" "$got"
			kill -TERM "$srv" 2>/dev/null
			wait "$srv"
			srv=
		fi
		# Its VM gone, the port is free for the next one.
		if start "VM A again" "$NANVIXD" --macrokernel "$tmp/mk.sock" -p "$pa:80" -- "$HTTP" 80; then
			got=$(curl -s --max-time 30 "http://127.0.0.1:$pa/health")
			check "a VM's port is withdrawn when it ends" "ok" "$got"
			stop "VM A again"
		fi
	fi
	kill -TERM "$mkpid" 2>/dev/null
	wait "$mkpid"
	mkpid=
fi

# Mixed placement on one switch: a --net=guest VM (its lwIP in the VM) and
# a --net=host VM (its lwIP in the macro-kernel) reach each other's
# servers, both ways, and a --net=guest VM publishes a port through the
# macro-kernel's uplink.
echo "== shared macro-kernel: --net=guest and --net=host VMs together"
mkpid=
if ! net_mode_gate host "mixed placement" || ! net_mode_gate guest "mixed placement"; then
	:
elif [ ! -x bin/macrokernel ]; then
	echo "SKIP mixed placement: bin/macrokernel not built"
	skip=$((skip + 1))
else
	mkdir -p "$tmp/mkroot2"
	"${MK:-bin/macrokernel}" --socket "$tmp/mk2.sock" --root "$tmp/mkroot2" 2>"$tmp/mk2.err" &
	mkpid=$!
	for _ in $(seq 50); do [ -S "$tmp/mk2.sock" ] && break; sleep 0.1; done
	# A VM takes the lowest address free, and one that ended keeps its
	# address while the macro-kernel drains its connections (up to 2 s):
	# so a macro-kernel of its own, where A is 10.0.2.15 and B 10.0.2.16.
	if start "guest VM A (shared)" "$NANVIXD" --macrokernel "$tmp/mk2.sock" --net=guest -- "$HTTP" 80; then
		srv_a=$srv
		srv=
		if start "host VM B (shared)" "$NANVIXD" --macrokernel "$tmp/mk2.sock" --net=host -- "$HTTP" 80; then
			vm --macrokernel "$tmp/mk2.sock" --net=host --timeout 60 -- "$GET" 10.0.2.15 80 /health
			judge "a --net=host VM reaches a --net=guest VM's http_echo (10.0.2.15:80)" 0 "^HTTP/1.1 200 OK$"
			vm --macrokernel "$tmp/mk2.sock" --net=guest --timeout 60 -- "$GET" 10.0.2.16 80 /health
			judge "a --net=guest VM reaches a --net=host VM's http_echo (10.0.2.16:80)" 0 "^HTTP/1.1 200 OK$"
			vm --macrokernel "$tmp/mk2.sock" --net=guest --timeout 60 -- "$GET" 10.0.2.15 80 /health
			judge "a --net=guest VM reaches another --net=guest VM's http_echo" 0 "^HTTP/1.1 200 OK$"
			vm --macrokernel "$tmp/mk2.sock" --net=guest --timeout 60 -- "$GET" 10.0.2.2 80 /health
			judge "a --net=guest VM of the macro-kernel: the host's loopback refused" 1 "ECONNREFUSED"
			stop "host VM B (shared)"
		fi
		srv=$srv_a
		srv_a=
		stop "guest VM A (shared)"
	fi
	# A --net=guest VM publishes a port through the macro-kernel's uplink.
	if pg=$(free_port) &&
		start "guest VM publishing (shared)" "$NANVIXD" --macrokernel "$tmp/mk2.sock" --net=guest \
			-p "$pg:80" -- "$HTTP" 80; then
		got=$(curl -s --max-time 30 "http://127.0.0.1:$pg/health")
		check "a --net=guest VM of the macro-kernel answers on its published port" "ok" "$got"
		got=$(curl -s --max-time 30 --data-binary "to the guest VM" "http://127.0.0.1:$pg/echo")
		check "... and echoes a POST through it" "to the guest VM" "$got"
		stop "guest VM publishing (shared)"
	fi
	kill -TERM "$mkpid" 2>/dev/null
	wait "$mkpid"
	mkpid=
fi

vm --net=none --timeout 60 -- "$GET" 10.0.2.2 80 /
judge "--net=none: no sockets at all" 1 "" ""
vm --net=none -p 8080:80 -- "$GET" 10.0.2.2 80 /
judge "--net=none with -p: status 125" 125 "" "-p needs a network"
vm -p nonsense -- "$GET" 10.0.2.2 80 /
judge "a bad -p spec: status 125" 125 "" "nonsense"

echo "net: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
