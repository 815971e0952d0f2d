#!/usr/bin/env bash
# kernel.sh: kernel benchmark: kernel operations in nanvixd, natively, and against a bare trap.
#
# usage: tests/bench/kernel.sh [--quick]      (normally run as ./z bench kernel)
#
#   --quick          smoke test: few iterations, one trap-kernel run per
#                    operation (same as BENCH_QUICK=1)
#   BENCH_TRAP_RUNS  trap-kernel runs before each operation's guest run
#                    (after one warm-up run); T_trap, T_exit and T_insn
#                    are the median over all of them (default 2)
#   BENCH_MEM        guest RAM for the measured program (default 64M)
#   BENCH_TIMEOUT    seconds before one run counts as hung (default 300)
#
# Method and results: docs/benchmarks.md.  Timing is reported, never tested:
# the script exits 0 whether or not the targets are met, and 1 only when a
# run fails (non-zero exit, signal, timeout) or a tool is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

QUICK=${BENCH_QUICK:-0}
TRAP_RUNS=${BENCH_TRAP_RUNS:-2}
MEM=${BENCH_MEM:-64M}
TIMEOUT=${BENCH_TIMEOUT:-300}
for arg in "$@"; do
	case "$arg" in
	--quick) QUICK=1 ;;
	-h | --help)
		sed -n '2,16s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "kernel.sh: unknown argument '$arg' (try --help)" >&2
		exit 2
		;;
	esac
done
case "$QUICK" in
0 | "") QUICK=0 ;;
*) QUICK=1 TRAP_RUNS=1 ;;
esac

OPS="getpid pipe fork thread futex"
PROG=bin/bench/kernel_ops.elf
TRAPK=bin/bench/trap.kernel.elf
NANVIXD=bin/nanvixd
DUMMY=bin/tests/hello.musl.elf # loaded by nanvixd, ignored by the trap kernel
# Iteration counts of the two runs whose difference gives counts per operation.
if [ "$QUICK" = 1 ]; then
	CNT_A=5 CNT_B=10
else
	CNT_A=20 CNT_B=40
fi

# shellcheck source=tests/bench/common.sh
. "$(dirname "$0")/common.sh"

need_built "$PROG" "$TRAPK" "$NANVIXD" "$DUMMY"
need_kvm


# median: the middle of the numbers on stdin (mean of the two middle ones).
median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) exit 1
		if (NR % 2) print v[(NR + 1) / 2]
		else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
	}'
}

# run_checked NAME CMD...: run CMD with stdout to $outfile and stderr to
# $errfile; on failure show their tails and fail.
errfile=$(mktemp)
outfile=$(mktemp)
trap 'rm -f "$errfile" "$outfile"' EXIT
run_checked() {
	local name=$1 rc=0
	shift
	timeout "$TIMEOUT" "$@" >"$outfile" 2>"$errfile" || rc=$?
	if [ "$rc" != 0 ]; then
		[ "$rc" != 124 ] || name="$name (timed out after $TIMEOUT s)"
		say "$name failed with status $rc: $*" >&2
		tail -n 20 "$errfile" | sed 's/^/  | /' >&2
		tail -n 5 "$outfile" | sed 's/^/  > /' >&2
		exit 1
	fi
}

mode=full
[ "$QUICK" = 0 ] || mode=quick
say "kernel benchmark ($mode): $(nproc) CPUs; kernel $(uname -r);" \
	"$(date -u '+%Y-%m-%d %H:%M UTC')"
qflag=()
[ "$QUICK" = 0 ] || qflag=(--quick)

# 1. The operations, natively and in a VM: the same static binary.
declare -A NAT NVX CNT_TRAPS CNT_EXITS
run_checked native "$PROG" ${qflag[@]+"${qflag[@]}"}
say "native: $PROG${qflag[*]:+ ${qflag[*]}}"
sed 's/^/  /' "$outfile"
native_env=$(grep -m1 '^env=' "$outfile") || die "native: no env= line"
while read -r line; do
	NAT[$(field "$line" op)]=$line
done < <(grep '^op=' "$outfile")

# 2. In a VM, one guest run per operation, each after TRAP_RUNS runs of the
# trap kernel (tests/bench/trapkernel/trapkernel.S), so that the platform
# figures are sampled across the same minutes as the operations on this
# shared machine.  The trap kernel repurposes the stats fields, all in TSC
# cycles:
#   traps = all `syscalls` timed int3 round trips (ring 3 -> iretq -> ring 3)
#   enosys = median round trip; frames_free = median ring-0 LOG exit, net;
#   frames_total = median batch of 100 emulated ring-0 instructions
# and nanvixd's exits must be TRAP_EXITS + 1.
TRAP_EXITS=500
trap_c=() mean_c=() exit_c=() insn_c=()
trap_run() {
	local line nt
	run_checked "trap kernel" "$NANVIXD" --stats --kernel "$TRAPK" -- "$DUMMY"
	[ "${1:-}" != warm-up ] || return 0
	line=$(grep -m1 '^nanvixd: stats: ' "$errfile") ||
		die "trap kernel: nanvixd --stats printed no stats line"
	line=${line#nanvixd: stats: }
	say "  trap kernel: $line"
	nt=$(field "$line" syscalls)
	if [ "${nt:-0}" -le 0 ] || [ "$(field "$line" enosys)" -le 0 ]; then
		die "trap kernel: no measurement in '$line'"
	fi
	[ "$(field "$line" exits)" = $((TRAP_EXITS + 1)) ] ||
		die "trap kernel: expected $((TRAP_EXITS + 1)) host exits, got '$line'"
	trap_c+=("$(field "$line" enosys)")
	mean_c+=("$(awk -v c="$(field "$line" traps)" -v n="$nt" 'BEGIN { print c / n }')")
	exit_c+=("$(field "$line" frames_free)")
	insn_c+=("$(awk -v c="$(field "$line" frames_total)" 'BEGIN { print c / 100 }')")
}

say "nanvixd: $NANVIXD -m $MEM -- $PROG ${qflag[*]:+${qflag[*]} }OP, each OP after" \
	"$TRAP_RUNS x $NANVIXD --stats --kernel $TRAPK -- $DUMMY"
trap_run warm-up
guest_env=
for op in $OPS; do
	for ((r = 0; r < TRAP_RUNS; r++)); do
		trap_run
	done
	run_checked "nanvixd ($op)" "$NANVIXD" -m "$MEM" -- "$PROG" \
		${qflag[@]+"${qflag[@]}"} "$op"
	sed 's/^/  /' "$outfile"
	line=$(grep -m1 '^env=' "$outfile") || die "nanvixd: no env= line"
	[ "$(field "$line" env)" = nanvix ] ||
		die "nanvixd: the program did not see the Nanvix kernel ($line)"
	[ -n "$guest_env" ] || guest_env=$line
	NVX[$op]=$(grep -m1 "^op=$op " "$outfile") || die "nanvixd: no result for $op"
done
for op in $OPS; do
	[ -n "${NAT[$op]:-}" ] || die "native: no result for $op"
done
T_TRAP_CYC=$(printf '%s\n' "${trap_c[@]}" | median)
T_MEAN_CYC=$(printf '%s\n' "${mean_c[@]}" | median)
T_EXIT_CYC=$(printf '%s\n' "${exit_c[@]}" | median)
T_INSN_CYC=$(printf '%s\n' "${insn_c[@]}" | median)

# 3. Guest traps and host exits per operation: two runs of one operation
# with CNT_A and CNT_B iterations, no warm-up or calibration; the
# difference of `nanvixd --stats` counts over CNT_B - CNT_A.
for op in $OPS; do
	declare -A st=()
	for n in $CNT_A $CNT_B; do
		run_checked "nanvixd --stats ($op)" "$NANVIXD" --stats -m "$MEM" -- "$PROG" \
			--iters "$n" --no-calibrate "$op"
		line=$(grep -m1 '^nanvixd: stats: ' "$errfile") ||
			die "nanvixd --stats printed no stats line"
		st[$n]=${line#nanvixd: stats: }
	done
	CNT_TRAPS[$op]=$(awk -v a="$(field "${st[$CNT_A]}" traps)" \
		-v b="$(field "${st[$CNT_B]}" traps)" -v d=$((CNT_B - CNT_A)) \
		'BEGIN { printf "%.2f", (b - a) / d }')
	CNT_EXITS[$op]=$(awk -v a="$(field "${st[$CNT_A]}" exits)" \
		-v b="$(field "${st[$CNT_B]}" exits)" -v d=$((CNT_B - CNT_A)) \
		'BEGIN { printf "%.2f", (b - a) / d }')
done

# Cycles to ns: the TSC rate measured natively (the guest reads the same
# counter; its own figure is shown as a cross-check).
TSC_MHZ=$(field "$native_env" tsc_mhz)
GUEST_MHZ=$(field "$guest_env" tsc_mhz)
ns() { awk -v c="$1" -v m="$TSC_MHZ" 'BEGIN { printf "%.0f", c * 1000 / m }'; }
T_TRAP=$(ns "$T_TRAP_CYC")
T_EXIT=$(ns "$T_EXIT_CYC")
T_INSN=$(ns "$T_INSN_CYC")

say ""
say "TSC: $TSC_MHZ MHz native, $GUEST_MHZ MHz measured in the guest"
awk -v a="$TSC_MHZ" -v b="$GUEST_MHZ" 'BEGIN { d = a > b ? a - b : b - a
	if (d > a / 100) print "warning: the two TSC rates differ by more than 1%" }'
say "T_trap (int3 ring 3 -> 1-instruction ring-0 handler -> ring 3):" \
	"$(printf '%.0f' "$T_TRAP_CYC") cycles = $T_TRAP ns median" \
	"(mean $(ns "$T_MEAN_CYC") ns)"
say "T_exit (ring-0 'out' hypercall, handled by nanvixd, resumed):" \
	"$(printf '%.0f' "$T_EXIT_CYC") cycles = $T_EXIT ns median, net"
say "T_insn (one emulated ring-0 instruction, dec or jnz):" \
	"$(printf '%.0f' "$T_INSN_CYC") cycles = $T_INSN ns median"
say "(each the median over ${#trap_c[@]} runs of the run's median)"
say ""
say "times in us; x T_trap and x native from the medians; traps and exits per"
say "operation from nanvixd --stats; rest = nanvix median - traps x T_trap -"
say "exits x T_exit: emulated ring-0 work, about rest / T_insn instructions"
printf '%-7s %8s %8s %9s %9s %8s %8s %6s %6s %9s %7s\n' op native "nat p99" \
	nanvix "nvx p99" "x native" "x T_trap" traps exits rest insns
for op in $OPS; do
	# The futex sample is half a round trip: so are its counts.
	per=1
	[ "$op" != futex ] || per=2
	awk -v op="$op" -v nm="$(field "${NAT[$op]}" median_ns)" \
		-v np="$(field "${NAT[$op]}" p99_ns)" \
		-v vm="$(field "${NVX[$op]}" median_ns)" \
		-v vp="$(field "${NVX[$op]}" p99_ns)" -v tt="$T_TRAP" -v te="$T_EXIT" \
		-v ti="$T_INSN" -v tr="${CNT_TRAPS[$op]}" -v ex="${CNT_EXITS[$op]}" \
		-v per="$per" 'BEGIN {
		# Exits from the scheduler tick follow time, not iterations: the
		# difference of two runs can come out slightly negative.
		tr /= per; ex /= per; if (ex < 0) ex = 0
		rest = vm - tr * tt - ex * te
		printf "%-7s %8.3f %8.3f %9.1f %9.1f %8.0f %8.2f %6.2f %6.2f %9.1f %7.0f\n",
			op, nm / 1000, np / 1000, vm / 1000, vp / 1000,
			(nm > 0 ? vm / nm : 0), vm / tt, tr, ex, rest / 1000,
			(ti > 0 ? rest / ti : 0)
	}'
done
say "(futex: one sample, and its counts, are half of a two-thread wake/wait round trip)"

# Targets: reported, never enforced.
say ""
target() { # OP LIMIT (in T_trap)
	local med verdict
	med=$(field "${NVX[$1]}" median_ns)
	verdict=$(awk -v m="$med" -v t="$T_TRAP" -v l="$2" \
		'BEGIN { print (m <= l * t) ? "MET" : "NOT MET" }')
	say "target: $1 median <= $2 T_trap ($(awk -v m="$med" -v t="$T_TRAP" \
		'BEGIN { printf "%.2f", m / t }') T_trap): $verdict"
}
target getpid 1.5
target pipe 6
target fork 40
exit 0
