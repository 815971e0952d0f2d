#!/usr/bin/env bash
# boot.sh: boot benchmark: nanvixd hello against the KVM floor and a native hello.
#
# usage: tests/bench/boot.sh [--quick]      (normally run as ./z bench boot)
#
#   --quick        smoke test: 5 runs, 1 warm-up (same as BENCH_RUNS=5)
#   BENCH_RUNS     measured runs per row (default 50)
#   BENCH_WARMUP   unmeasured runs first (default 3)
#   BENCH_TIMEOUT  seconds before one run counts as hung (default 60)
#
# Method and results: docs/benchmarks.md.  Timing is reported, never tested:
# the script exits 0 whether or not the targets are met, and 1 only when a
# run fails (non-zero exit, signal, timeout) or a tool is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

RUNS=${BENCH_RUNS:-50}
WARMUP=${BENCH_WARMUP:-3}
TIMEOUT=${BENCH_TIMEOUT:-60}
for arg in "$@"; do
	case "$arg" in
	--quick) RUNS=5 WARMUP=1 ;;
	-h | --help)
		sed -n '2,13s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "boot.sh: unknown argument '$arg' (try --help)" >&2
		exit 2
		;;
	esac
done

BENCHRUN=bin/bench/benchrun
FLOOR=bin/bench/kvm_floor
NATIVE=bin/bench/native_hello
NANVIXD=bin/nanvixd
HELLO=bin/hello.elf
HELLO_MUSL=bin/tests/hello.musl.elf

# shellcheck source=tests/bench/common.sh
. "$(dirname "$0")/common.sh"

need_built "$BENCHRUN" "$FLOOR" "$NATIVE"
need_kvm

# Rows, in table order: name|command.  A row whose binary is missing is
# reported as skipped, with the reason.
ROWS=()
SKIPPED=()
if [ ! -x "$NANVIXD" ]; then
	SKIPPED+=("nanvixd rows: $NANVIXD not found (not built yet?)")
elif [ ! -e "$HELLO" ]; then
	SKIPPED+=("nanvixd hello (newlib): $HELLO not found")
else
	ROWS+=("nanvixd-hello-newlib|$NANVIXD -- $HELLO")
fi
if [ -x "$NANVIXD" ]; then
	if [ -e "$HELLO_MUSL" ]; then
		ROWS+=("nanvixd-hello-musl|$NANVIXD -- $HELLO_MUSL")
	else
		SKIPPED+=("nanvixd hello (musl): $HELLO_MUSL not found")
	fi
fi
ROWS+=("kvm-floor|$FLOOR")
ROWS+=("native-hello|$NATIVE")

say "boot benchmark: $RUNS runs + $WARMUP warm-up per row; $(nproc) CPUs;" \
	"kernel $(uname -r); $(date -u '+%Y-%m-%d %H:%M UTC')"
for s in ${SKIPPED[@]+"${SKIPPED[@]}"}; do
	say "skipped: $s"
done

# Run every row; keep benchrun's result line per row name.
declare -A RESULT
for row in "${ROWS[@]}"; do
	name=${row%%|*}
	# shellcheck disable=SC2206 # the commands are plain words by design
	cmd=(${row#*|})
	line=$("$BENCHRUN" -n "$RUNS" -w "$WARMUP" -t "$TIMEOUT" \
		--label "$name" -- "${cmd[@]}") ||
		die "row '$name' failed (see above); command: ${cmd[*]}"
	say "  $line"
	RESULT[$name]=$line
done


floor_us=$(field "${RESULT[kvm-floor]}" median_us)
native_us=$(field "${RESULT[native-hello]}" median_us)

say ""
printf '%-22s %10s %10s %13s %9s %9s\n' name "median ms" "p99 ms" \
	"peak RSS MiB" "x floor" "x native"
for row in "${ROWS[@]}"; do
	name=${row%%|*}
	line=${RESULT[$name]}
	awk -v n="$name" -v med="$(field "$line" median_us)" \
		-v p99="$(field "$line" p99_us)" \
		-v rss="$(field "$line" max_rss_kib)" \
		-v fl="$floor_us" -v nat="$native_us" 'BEGIN {
		printf "%-22s %10.2f %10.2f %13.2f %9.2f %9.2f\n", n,
			med / 1000, p99 / 1000, rss / 1024,
			(fl > 0 ? med / fl : 0), (nat > 0 ? med / nat : 0)
	}'
done
for s in ${SKIPPED[@]+"${SKIPPED[@]}"}; do
	printf '%-22s %10s\n' "${s%%:*}" skipped
done

# Guest-side counts from one `nanvixd --stats` run.
say ""
status=0
if [ -x "$NANVIXD" ] && [ -e "$HELLO" ]; then
	errfile=$(mktemp)
	trap 'rm -f "$errfile"' EXIT
	if "$NANVIXD" --stats -- "$HELLO" >/dev/null 2>"$errfile"; then
		stats=$(grep -m1 '^nanvixd: stats: ' "$errfile" || true)
		if [ -z "$stats" ]; then
			say "hello: nanvixd --stats printed no 'nanvixd: stats:' line"
		else
			stats=${stats#nanvixd: stats: }
			say "hello: $(field "$stats" exits) host exits," \
				"$(field "$stats" traps) guest traps into ring 0," \
				"$(field "$stats" syscalls) system calls"
			say "       ($(field "$stats" enosys) answered ENOSYS;" \
				"$(field "$stats" frames_free) of" \
				"$(field "$stats" frames_total) frames free at exit)"
		fi
	else
		rc=$?
		say "hello: '$NANVIXD --stats -- $HELLO' failed with status $rc:"
		tail -n 20 "$errfile" | sed 's/^/  | /'
		status=1
	fi
else
	say "hello: no guest counts (nanvixd or $HELLO missing)"
fi

# Targets for nanvixd hello (newlib): reported, never enforced.
say ""
if [ -n "${RESULT[nanvixd-hello-newlib]:-}" ]; then
	line=${RESULT[nanvixd-hello-newlib]}
	med=$(field "$line" median_us)
	rss=$(field "$line" max_rss_kib)
	verdict() { if [ "$1" = 1 ]; then echo MET; else echo "NOT MET"; fi; }
	say "target: median <= 3x KVM floor ($(awk -v m="$med" -v f="$floor_us" \
		'BEGIN { printf "%.2fx", m / f }')): $(verdict "$(awk -v m="$med" \
		-v f="$floor_us" 'BEGIN { print (m <= 3 * f) ? 1 : 0 }')")"
	say "target: median < 10 ms ($(awk -v m="$med" \
		'BEGIN { printf "%.2f ms", m / 1000 }')): $(verdict "$(awk \
		-v m="$med" 'BEGIN { print (m < 10000) ? 1 : 0 }')")"
	say "target: peak RSS < 4 MiB ($(awk -v r="$rss" \
		'BEGIN { printf "%.2f MiB", r / 1024 }')): $(verdict "$(awk \
		-v r="$rss" 'BEGIN { print (r < 4096) ? 1 : 0 }')")"
else
	say "targets: not evaluated (no nanvixd hello row)"
fi
exit $status
