#!/usr/bin/env bash
# net.sh: network benchmark: an HTTP server and bulk TCP in nanvixd (--net=host and --net=guest), against the same programs natively.
#
# usage: tests/bench/net.sh [--quick]      (normally run as ./z bench net)
#
#   --quick         smoke test: 5 start-up runs, 2-s wrk runs, 8 MiB
#                   transfers (same as BENCH_QUICK=1)
#   BENCH_RUNS      start-up runs per row (default 30; quick 5)
#   BENCH_SECONDS   seconds per wrk run (default 10; quick 2)
#   BENCH_MIB       MiB per bulk connection (default 32; quick 8)
#   BENCH_TIMEOUT   seconds before one run counts as hung (default 60)
#
# Method and results: docs/benchmarks.md.  Timing is reported, never tested:
# the script exits 0 whether or not the targets are met, and 1 only when a
# run fails (non-zero exit, signal, timeout) or a tool is missing.  Both
# placements are measured: "vm" rows are --net=host (the default), "guest"
# rows --net=guest (lwIP in the VM, bin/netd.elf).
set -euo pipefail
cd "$(dirname "$0")/../.."

QUICK=${BENCH_QUICK:-0}
for arg in "$@"; do
	case "$arg" in
	--quick) QUICK=1 ;;
	-h | --help)
		sed -n '2,17s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "net.sh: unknown argument '$arg' (try --help)" >&2
		exit 2
		;;
	esac
done
case "$QUICK" in 0 | "") QUICK=0 ;; *) QUICK=1 ;; esac
if [ "$QUICK" = 1 ]; then
	RUNS=${BENCH_RUNS:-5} WARMUP=1 SECS=${BENCH_SECONDS:-2} MIB=${BENCH_MIB:-8} BULK_RUNS=3
else
	RUNS=${BENCH_RUNS:-30} WARMUP=2 SECS=${BENCH_SECONDS:-10} MIB=${BENCH_MIB:-32} BULK_RUNS=5
fi
TIMEOUT=${BENCH_TIMEOUT:-60}
AGAIN=3 # new connections to the running server, per start-up run

NANVIXD=bin/nanvixd
HTTP=bin/tests/net/http_echo.elf
BULK=bin/bench/netbulk.elf
FIRST=bin/bench/netfirst
BENCHRUN=bin/bench/benchrun
FLOOR=bin/bench/kvm_floor
HELLO=bin/hello.elf

# shellcheck source=tests/bench/common.sh
. "$(dirname "$0")/common.sh"

need_built "$NANVIXD" bin/kernel.elf bin/netd.elf bin/nanvix-uplink "$HTTP" "$BULK" "$FIRST" \
	"$BENCHRUN" "$FLOOR" "$HELLO"
need_kvm
command -v wrk >/dev/null || die "wrk missing (./z setup installs it)"

tmp=$(mktemp -d)
srv=
cleanup() {
	[ -z "$srv" ] || kill -KILL "$srv" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# free_port: a TCP port on 127.0.0.1 that nobody listens on (probed).
free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	die "no free port found"
}

# start CMD...: CMD in the background (pid in $srv), its stdout in
# $tmp/srv.out, stderr in $tmp/srv.err; waits for "listening on".
start() {
	: >"$tmp/srv.out"
	"$@" >"$tmp/srv.out" 2>"$tmp/srv.err" </dev/null &
	srv=$!
	for _ in $(seq $((TIMEOUT * 100))); do
		grep -q '^listening on ' "$tmp/srv.out" && return 0
		kill -0 "$srv" 2>/dev/null || break
		sleep 0.01
	done
	say "server did not start: $*" >&2
	tail -n 20 "$tmp/srv.err" | sed 's/^/  | /' >&2
	exit 1
}

# stop: SIGTERM the server; it must exit 0.
stop() {
	local rc=0
	kill -TERM "$srv"
	wait "$srv" || rc=$?
	srv=
	if [ "$rc" != 0 ]; then
		say "server exited with status $rc after SIGTERM" >&2
		tail -n 20 "$tmp/srv.err" | sed 's/^/  | /' >&2
		exit 1
	fi
}

# cpu_ticks PID...: user + system clock ticks of the processes so far.
cpu_ticks() {
	local p t=0 f
	for p in "$@"; do
		f=$(cut -d')' -f2- "/proc/$p/stat" 2>/dev/null) || continue
		# After "pid (comm)": field 14 (utime) and 15 (stime) are words 12, 13.
		t=$((t + $(awk '{ print $12 + $13 }' <<<"$f")))
	done
	echo "$t"
}

# to_us VALUE: wrk's "2.38ms" / "850.00us" / "1.20s" in microseconds.
to_us() {
	awk -v v="$1" 'BEGIN {
		if (v ~ /us$/) { sub(/us$/, "", v); print v + 0 }
		else if (v ~ /ms$/) { sub(/ms$/, "", v); print v * 1000 }
		else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000000 }
		else print -1 }'
}

mode=full
[ "$QUICK" = 0 ] || mode=quick
say "net benchmark ($mode): $(nproc) CPUs; kernel $(uname -r);" \
	"$(date -u '+%Y-%m-%d %H:%M UTC')"
# The nanvixd options of a row: vm is the host placement, guest the in-VM one.
placement() { [ "$1" = guest ] && echo --net=guest || true; }

# 1. Time to the first HTTP answer of a new instance (netfirst), and boot
# rows for context (benchrun).
say ""
say "1. start to first 'GET /health' answer: $RUNS runs + $WARMUP warm-up per row"
say "   nanvixd: $FIRST --again $AGAIN -- $NANVIXD -p 127.0.0.1:PORT:80 -- $HTTP 80"
say "   native:  $FIRST --again $AGAIN -- $HTTP PORT"
declare -A R
R[vm]=$("$FIRST" -n "$RUNS" -w "$WARMUP" -t "$TIMEOUT" --again "$AGAIN" --label nanvixd-http \
	-- "$NANVIXD" -p 127.0.0.1:@PORT@:80 -- "$HTTP" 80)
say "  ${R[vm]}"
R[guest]=$("$FIRST" -n "$RUNS" -w "$WARMUP" -t "$TIMEOUT" --again "$AGAIN" \
	--label nanvixd-guest-http -- "$NANVIXD" --net=guest -p 127.0.0.1:@PORT@:80 -- "$HTTP" 80)
say "  ${R[guest]}"
R[native]=$("$FIRST" -n "$RUNS" -w "$WARMUP" -t "$TIMEOUT" --again "$AGAIN" --label native-http \
	-- "$HTTP" @PORT@)
say "  ${R[native]}"
pubport=$(free_port)
for row in "nanvixd-hello|$NANVIXD -- $HELLO" \
	"nanvixd-hello-no-net|$NANVIXD --net=none -- $HELLO" \
	"nanvixd-hello-publish|$NANVIXD -p 127.0.0.1:$pubport:80 -- $HELLO" \
	"kvm-floor|$FLOOR"; do
	name=${row%%|*}
	# shellcheck disable=SC2206 # plain words by design
	cmd=(${row#*|})
	R[$name]=$("$BENCHRUN" -n "$RUNS" -w "$WARMUP" -t "$TIMEOUT" --label "$name" -- "${cmd[@]}") ||
		die "row '$name' failed; command: ${cmd[*]}"
	say "  ${R[$name]}"
done

# 2. Keep-alive request rate and latency (wrk, one thread), each row on a
# fresh server; nanvixd with --stats for its counts per request.
say ""
say "2. wrk -t1 -cC -d${SECS}s --latency http://127.0.0.1:PORT/health, C = 1 and 32"
say "   native: $HTTP PORT; nanvixd: $NANVIXD -m 128M --stats -p 127.0.0.1:PORT:80 -- $HTTP 80"
say "   (128 MiB: http_echo takes 1 MiB a connection; 16 MiB cannot hold 32)"
declare -A W
for where in native vm guest; do
	for c in 1 32; do
		port=$(free_port)
		if [ "$where" = native ]; then
			start "$HTTP" "$port"
		else
			# shellcheck disable=SC2046 # no option or one word
			start "$NANVIXD" $(placement "$where") -m 128M --stats -p "127.0.0.1:$port:80" -- \
				"$HTTP" 80
		fi
		pids=("$srv")
		for k in $(pgrep -P "$srv" || true); do pids+=("$k"); done
		t0=$(cpu_ticks "${pids[@]}")
		wrk -t1 -c"$c" -d"${SECS}s" --timeout 10s --latency \
			"http://127.0.0.1:$port/health" >"$tmp/wrk.out" 2>&1 ||
			die "wrk failed: $(tail -n 3 "$tmp/wrk.out")"
		t1=$(cpu_ticks "${pids[@]}")
		stop
		rps=$(awk '/^Requests\/sec:/ { print $2 }' "$tmp/wrk.out")
		nreq=$(awk '/requests in/ { print $1 }' "$tmp/wrk.out")
		p50=$(to_us "$(awk '$1 == "50%" { print $2 }' "$tmp/wrk.out")")
		p99=$(to_us "$(awk '$1 == "99%" { print $2 }' "$tmp/wrk.out")")
		errs=$(awk '/Socket errors|Non-2xx/ { $1 = $1; printf "%s; ", $0 }' "$tmp/wrk.out")
		[ -n "$rps" ] && [ -n "$nreq" ] || die "no result from wrk: $(cat "$tmp/wrk.out")"
		cpu=$(awk -v a="$t0" -v b="$t1" -v n="$nreq" -v hz="$(getconf CLK_TCK)" \
			'BEGIN { printf "%.1f", (b - a) * 1e6 / hz / n }')
		line="rps=$rps requests=$nreq p50_us=$p50 p99_us=$p99 server_cpu_us=$cpu"
		if [ "$where" != native ]; then
			st=$(grep -m1 '^nanvixd: stats: exits=' "$tmp/srv.err" || true)
			ks=$(grep -m1 '^nanvixd: stats: ring ' "$tmp/srv.err" || true)
			st=${st#nanvixd: stats: }
			ks=${ks#nanvixd: stats: ring }
			line="$line $(awk -v n="$nreq" -v e="$(field "$st" exits)" \
				-v t="$(field "$st" traps)" -v k="$(field "$ks" kicks)" \
				-v c="$(field "$ks" net_calls)" 'BEGIN {
				printf "exits=%.2f traps=%.2f kicks=%.2f net_calls=%.2f", e / n, t / n,
					k / n, c / n }')"
		fi
		W[$where,$c]=$line
		say "  $where c=$c: $line${errs:+ (wrk: $errs)}"
	done
done

# 3. Bulk TCP through the published port: send = host -> server, recv =
# server -> host, MIB MiB a connection, BULK_RUNS connections.
say ""
say "3. bulk TCP: $BULK send|recv 127.0.0.1 PORT $MIB $BULK_RUNS"
say "   native: $BULK serve PORT; nanvixd: $NANVIXD -m 64M -p 127.0.0.1:PORT:5001 -- $BULK serve 5001"
declare -A B
for where in native vm guest; do
	port=$(free_port)
	if [ "$where" = native ]; then
		start "$BULK" serve "$port"
	else
		# shellcheck disable=SC2046 # no option or one word
		start "$NANVIXD" $(placement "$where") -m 64M -p "127.0.0.1:$port:5001" -- "$BULK" \
			serve 5001
	fi
	for op in send recv; do
		B[$where,$op]=$(timeout "$((TIMEOUT * 5))" "$BULK" "$op" 127.0.0.1 "$port" "$MIB" \
			"$BULK_RUNS") || die "$where bulk $op failed or hung (status $?)"
		say "  $where: ${B[$where,$op]}"
	done
	stop
done

# 4. The table.
ms() { awk -v u="$1" 'BEGIN { printf (u < 0 ? "-" : "%.2f"), u / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }'; }
verdict() { if [ "$1" = 1 ]; then echo MET; else echo "NOT MET"; fi; }
floor_us=$(field "${R[kvm-floor]}" median_us)
say ""
say "start to first answer (ms; listening: when its 'listening on' line came;"
say "new conn: a request on a new connection to the running server, median):"
printf '  %-22s %9s %9s %10s %9s %9s\n' row median p99 listening "new conn" "x floor"
for k in vm guest native; do
	l=${R[$k]}
	printf '  %-22s %9s %9s %10s %9s %9s\n' "$(field "$l" label)" \
		"$(ms "$(field "$l" median_us)")" "$(ms "$(field "$l" p99_us)")" \
		"$(ms "$(field "$l" listen_us)")" "$(ms "$(field "$l" again_us)")" \
		"$(ratio "$(field "$l" median_us)" "$floor_us")"
done
for k in nanvixd-hello nanvixd-hello-no-net nanvixd-hello-publish kvm-floor; do
	l=${R[$k]}
	printf '  %-22s %9s %9s %10s %9s %9s\n' "$k" "$(ms "$(field "$l" median_us)")" \
		"$(ms "$(field "$l" p99_us)")" - - "$(ratio "$(field "$l" median_us)" "$floor_us")"
done

say ""
say "keep-alive GET /health (wrk, 1 thread, ${SECS} s):"
printf '  %-12s %-6s %10s %10s %9s %10s %10s %9s\n' conns where "native r/s" "vm r/s" "vm/nat" \
	"nat p50 ms" "vm p50 ms" "vm p99 ms"
for c in 1 32; do
	for where in vm guest; do
		n=${W[native,$c]} v=${W[$where,$c]}
		printf '  %-12s %-6s %10.0f %10.0f %9s %10s %10s %9s\n' "$c" "$where" \
			"$(field "$n" rps)" "$(field "$v" rps)" \
			"$(ratio "$(field "$v" rps)" "$(field "$n" rps)")" "$(ms "$(field "$n" p50_us)")" \
			"$(ms "$(field "$v" p50_us)")" "$(ms "$(field "$v" p99_us)")"
	done
done
for where in vm guest; do
	say "  per request, nanvixd $(placement "$where" | grep . || echo --net=host) (c=1):" \
		"$(field "${W[$where,1]}" exits) exits, $(field "${W[$where,1]}" traps) guest traps," \
		"$(field "${W[$where,1]}" net_calls) net requests over the ring; host CPU" \
		"$(field "${W[$where,1]}" server_cpu_us) us (nanvixd + uplink)" \
		"against $(field "${W[native,1]}" server_cpu_us) us native"
done

say ""
say "bulk TCP through 127.0.0.1 (MiB/s a connection, median of $BULK_RUNS; min-max):"
for op in send recv; do
	for where in vm guest; do
		n=${B[native,$op]} v=${B[$where,$op]}
		case $op in send) d="host -> server" ;; recv) d="server -> host" ;; esac
		printf '  %-15s native %8s (%s-%s)  %-5s %8s (%s-%s)  /nat %s\n' "$d" \
			"$(field "$n" median_mibs)" "$(field "$n" min_mibs)" "$(field "$n" max_mibs)" \
			"$where" "$(field "$v" median_mibs)" "$(field "$v" min_mibs)" \
			"$(field "$v" max_mibs)" "$(ratio "$(field "$v" median_mibs)" "$(field "$n" median_mibs)")"
	done
done

# Targets (issue 10), reported, never enforced.
say ""
first=$(field "${R[vm]}" median_us)
say "target: first answer median < 10 ms ($(ms "$first") ms):" \
	"$(verdict "$(awk -v m="$first" 'BEGIN { print (m < 10000) ? 1 : 0 }')")"
for c in 1 32; do
	r=$(ratio "$(field "${W[vm,$c]}" rps)" "$(field "${W[native,$c]}" rps)")
	say "target: keep-alive rate >= 0.30 native, $c conn ($r):" \
		"$(verdict "$(awk -v r="$r" 'BEGIN { print (r >= 0.3) ? 1 : 0 }')")"
done
say "(targets are for --net=host; guest placement reported alongside)"
exit 0
