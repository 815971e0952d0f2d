#!/usr/bin/env bash
# io.sh: file-system benchmark: forwarded file calls in nanvixd, natively, and against a bare exit.
#
# usage: tests/bench/io.sh [--quick]      (normally run as ./z bench io)
#
#   --quick          smoke test: few iterations, one trap-kernel run per
#                    operation (same as BENCH_QUICK=1)
#   BENCH_TRAP_RUNS  trap-kernel runs before each operation (after one
#                    warm-up run); T_exit, T_trap and T_insn are the median
#                    over all of them (default 2)
#   BENCH_MEM        guest RAM for the measured program (default 64M)
#   BENCH_TIMEOUT    seconds before one run counts as hung (default 300)
#   TMPDIR           where the native files and the ext2 images go (one
#                    host file system for both)
#
# Method and results: docs/benchmarks.md.  Timing is reported, never tested:
# the script exits 0 whether or not the targets are met, and 1 only when a
# run fails (non-zero exit, signal, timeout) or a tool is missing.  Guest
# placement (--fs=guest) is probed first and skipped when it does not run.
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
		sed -n '2,19s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "io.sh: unknown argument '$arg' (try --help)" >&2
		exit 2
		;;
	esac
done
case "$QUICK" in
0 | "") QUICK=0 ;;
*) QUICK=1 TRAP_RUNS=1 ;;
esac

OPS="fstat fstatpipe pread seqread seqwrite create"
PROG=bin/bench/iobench.elf
TRAPK=bin/bench/trap.kernel.elf
NANVIXD=bin/nanvixd
DUMMY=bin/tests/hello.musl.elf # loaded by nanvixd, ignored by the trap kernel
IMG_SIZE=256M
PATH=$PATH:/sbin:/usr/sbin # mke2fs

# shellcheck source=tests/bench/common.sh
. "$(dirname "$0")/common.sh"

need_built "$PROG" "$TRAPK" "$NANVIXD" "$DUMMY"
need_kvm
command -v mke2fs >/dev/null || die "mke2fs missing (./z setup installs e2fsprogs)"

# median: the middle of the numbers on stdin (mean of the two middle ones).
median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) exit 1
		if (NR % 2) print v[(NR + 1) / 2]
		else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
	}'
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
errfile=$tmp/err
outfile=$tmp/out

# run_checked NAME CMD...: run CMD with stdout to $outfile and stderr to
# $errfile; on failure show their tails and fail.
run_checked() {
	local name=$1 rc=0
	shift
	timeout "$TIMEOUT" "$@" >"$outfile" 2>"$errfile" </dev/null || rc=$?
	if [ "$rc" != 0 ]; then
		[ "$rc" != 124 ] || name="$name (timed out after $TIMEOUT s)"
		say "$name failed with status $rc: $*" >&2
		tail -n 20 "$errfile" | sed 's/^/  | /' >&2
		tail -n 5 "$outfile" | sed 's/^/  > /' >&2
		exit 1
	fi
}

# mkimg IMG: a fresh, empty ext2 image.
mkdir -p "$tmp/empty"
mkimg() {
	mke2fs -q -F -t ext2 -b 4096 -d "$tmp/empty" "$1" "$IMG_SIZE" >"$errfile" 2>&1 ||
		die "mke2fs $1: $(tail -n 1 "$errfile")"
}

mode=full
[ "$QUICK" = 0 ] || mode=quick
say "io benchmark ($mode): $(nproc) CPUs; kernel $(uname -r);" \
	"$(date -u '+%Y-%m-%d %H:%M UTC')"
qflag=()
[ "$QUICK" = 0 ] || qflag=(--quick)

# Placements: host always; guest when a one-call probe runs.
PLACES=host
mkdir -p "$tmp/native"
mkimg "$tmp/host.img"
mkimg "$tmp/guest.img"
rc=0
timeout 60 "$NANVIXD" --fs=guest -m "$MEM" --disk "$tmp/guest.img" -- "$PROG" \
	--iters 1 --no-calibrate fstat >"$outfile" 2>"$errfile" </dev/null || rc=$?
if [ "$rc" = 0 ] && grep -q '^op=fstat ' "$outfile"; then
	PLACES="host guest"
	mkimg "$tmp/guest.img"
else
	say "guest placement: not available in this build" \
		"($(grep -m1 . "$errfile" || echo "status $rc"))"
fi

# The trap kernel (tests/bench/trapkernel/trapkernel.S): the platform
# figures, sampled before every operation so that they cover the same
# minutes on this shared machine.  Its stats fields, all in TSC cycles:
#   enosys = median int3 round trip (T_trap); frames_free = median ring-0
#   LOG exit, net (T_exit); frames_total = median 100 emulated instructions
# and nanvixd's exits must be TRAP_EXITS + 1.
TRAP_EXITS=500
trap_c=() exit_c=() insn_c=()
trap_run() {
	local line
	run_checked "trap kernel" "$NANVIXD" --stats --kernel "$TRAPK" -- "$DUMMY"
	[ "${1:-}" != warm-up ] || return 0
	line=$(grep -m1 '^nanvixd: stats: exits=' "$errfile") ||
		die "trap kernel: nanvixd --stats printed no stats line"
	line=${line#nanvixd: stats: }
	say "  trap kernel: $line"
	if [ "$(field "$line" enosys)" -le 0 ] || [ "$(field "$line" frames_free)" -le 0 ]; then
		die "trap kernel: no measurement in '$line'"
	fi
	[ "$(field "$line" exits)" = $((TRAP_EXITS + 1)) ] ||
		die "trap kernel: expected $((TRAP_EXITS + 1)) host exits, got '$line'"
	trap_c+=("$(field "$line" enosys)")
	exit_c+=("$(field "$line" frames_free)")
	insn_c+=("$(awk -v c="$(field "$line" frames_total)" 'BEGIN { print c / 100 }')")
}

# 1. Every operation: trap-kernel runs, then native, host, guest, so that
# the columns of one row are measured minutes apart at most.
declare -A RES ENV
say "native: $PROG ${qflag[*]:+${qflag[*]} }--dir TMP/native OP (TMP: $tmp)"
say "host:   $NANVIXD -m $MEM --disk TMP/host.img -- $PROG ${qflag[*]:+${qflag[*]} }OP"
say "hosttrap (fstat, pread, seqread): the same with --no-fast-path (every call traps)"
[ "$PLACES" = host ] ||
	say "guest:  $NANVIXD --fs=guest -m $MEM --disk TMP/guest.img -- $PROG ${qflag[*]:+${qflag[*]} }OP"
say "each OP after $TRAP_RUNS x $NANVIXD --stats --kernel $TRAPK -- $DUMMY"
trap_run warm-up
for op in $OPS; do
	for ((r = 0; r < TRAP_RUNS; r++)); do
		trap_run
	done
	extra=
	case " fstat pread seqread " in *" $op "*) extra=hosttrap ;; esac
	for where in native $PLACES $extra; do
		case $where in
		native) cmd=("$PROG" --dir "$tmp/native") ;;
		host) cmd=("$NANVIXD" -m "$MEM" --disk "$tmp/host.img" -- "$PROG") ;;
		hosttrap) cmd=("$NANVIXD" --no-fast-path -m "$MEM" --disk "$tmp/host.img" -- "$PROG") ;;
		guest) cmd=("$NANVIXD" --fs=guest -m "$MEM" --disk "$tmp/guest.img" -- "$PROG") ;;
		esac
		run_checked "$where ($op)" "${cmd[@]}" ${qflag[@]+"${qflag[@]}"} "$op"
		sed "s/^/  $where: /" "$outfile"
		line=$(grep -m1 '^env=' "$outfile") || die "$where: no env= line"
		want=nanvix
		[ "$where" != native ] || want=native
		[ "$(field "$line" env)" = "$want" ] ||
			die "$where: expected env=$want, got '$line'"
		[ -n "${ENV[$where]:-}" ] || ENV[$where]=$line
		while read -r line; do
			RES[$where,$(field "$line" op)]=$line
		done < <(grep '^op=' "$outfile")
	done
done
T_TRAP_CYC=$(printf '%s\n' "${trap_c[@]}" | median)
T_EXIT_CYC=$(printf '%s\n' "${exit_c[@]}" | median)
T_INSN_CYC=$(printf '%s\n' "${insn_c[@]}" | median)

# 2. Guest traps, host exits and fs calls per call, host placement: two
# runs with A and B iterations, no warm-up or calibration, on a fresh image;
# the difference of the `nanvixd --stats` counts over (B - A) x calls per
# iteration (seqread: 64 reads of 1 MiB a pass, plus the pass's lseek;
# create: one file created, written, closed and later unlinked).
declare -A CNT
mkimg "$tmp/count.img"
count() { # OP A B CALLS_PER_ITERATION
	local n line st=() ks=()
	# An uncounted run first creates what the operation's later runs find
	# (the 64 MiB file), so that the two counted runs differ only in N.
	run_checked "nanvixd ($1, set-up)" "$NANVIXD" -m "$MEM" --disk "$tmp/count.img" \
		-- "$PROG" --iters "$2" --no-calibrate "$1"
	for n in "$2" "$3"; do
		run_checked "nanvixd --stats ($1)" "$NANVIXD" --stats -m "$MEM" \
			--disk "$tmp/count.img" -- "$PROG" --iters "$n" --no-calibrate "$1"
		line=$(grep -m1 '^nanvixd: stats: exits=' "$errfile") ||
			die "nanvixd --stats printed no stats line"
		st+=("${line#nanvixd: stats: }")
		line=$(grep -m1 '^nanvixd: stats: ring ' "$errfile") || line=
		ks+=("${line#nanvixd: stats: ring }")
	done
	CNT[$1]=$(awk -v d="$(($3 - $2))" -v per="$4" \
		-v ta="$(field "${st[0]}" traps)" -v tb="$(field "${st[1]}" traps)" \
		-v ea="$(field "${st[0]}" exits)" -v eb="$(field "${st[1]}" exits)" \
		-v fa="$(field "${ks[0]}" fs_calls)" -v fb="$(field "${ks[1]}" fs_calls)" \
		'BEGIN { d *= per; printf "%.2f %.2f %.2f", (tb - ta) / d, (eb - ea) / d,
			(fb - fa) / d }')
}
if [ "$QUICK" = 1 ]; then
	count fstat 10 30 1
	count fstatpipe 10 30 1
	count pread 10 30 1
	count seqread 1 2 64
	count create 10 20 1
else
	count fstat 50 150 1
	count fstatpipe 50 150 1
	count pread 50 150 1
	count seqread 1 3 64
	count create 20 60 1
fi

# 3. Host CPU time per call, from the rusage of whole nanvixd runs (bash's
# `time`): user = nanvixd's own code (exit handling, the fs service) plus
# the guest's ring 3, which runs natively; sys = the host kernel, i.e.
# KVM: the exits and its emulation of guest ring 0.  The difference of
# runs with CPU_A and CPU_B calls, over CPU_B - CPU_A.
CPU_A=100 CPU_B=5100
[ "$QUICK" = 0 ] || CPU_B=1100
declare -A CPU
cpu_time() { # OP N: prints "user sys" in seconds
	local rc=0 TIMEFORMAT='%3U %3S'
	{ time timeout "$TIMEOUT" "$NANVIXD" -m "$MEM" --disk "$tmp/count.img" -- "$PROG" \
		--iters "$2" --no-calibrate "$1" >"$outfile" 2>"$errfile" </dev/null; } \
		2>"$tmp/time" || rc=$?
	[ "$rc" = 0 ] || die "nanvixd ($1, $2 calls) failed with status $rc: $(tail -n 3 "$errfile")"
	tail -n 1 "$tmp/time"
}
for op in fstat fstatpipe; do
	read -r ua sa <<<"$(cpu_time "$op" "$CPU_A")"
	read -r ub sb <<<"$(cpu_time "$op" "$CPU_B")"
	CPU[$op]=$(awk -v ua="$ua" -v sa="$sa" -v ub="$ub" -v sb="$sb" -v d=$((CPU_B - CPU_A)) \
		'BEGIN { printf "%.1f %.1f", (ub - ua) * 1e6 / d, (sb - sa) * 1e6 / d }')
done

# Cycles to ns: the TSC rate measured natively (the guest reads the same
# counter; its own figure is shown as a cross-check).
TSC_MHZ=$(field "${ENV[native]}" tsc_mhz)
GUEST_MHZ=$(field "${ENV[host]}" tsc_mhz)
ns() { awk -v c="$1" -v m="$TSC_MHZ" 'BEGIN { printf "%.0f", c * 1000 / m }'; }
T_TRAP=$(ns "$T_TRAP_CYC")
T_EXIT=$(ns "$T_EXIT_CYC")
T_INSN=$(ns "$T_INSN_CYC")

say ""
say "TSC: $TSC_MHZ MHz native, $GUEST_MHZ MHz measured in the guest"
awk -v a="$TSC_MHZ" -v b="$GUEST_MHZ" 'BEGIN { d = a > b ? a - b : b - a
	if (d > a / 100) print "warning: the two TSC rates differ by more than 1%" }'
say "T_exit (one bare VM exit: ring-0 'out' hypercall, handled by nanvixd," \
	"resumed): $(printf '%.0f' "$T_EXIT_CYC") cycles = $T_EXIT ns median, net"
say "T_trap (int3 ring 3 -> 1-instruction ring-0 handler -> ring 3):" \
	"$(printf '%.0f' "$T_TRAP_CYC") cycles = $T_TRAP ns median"
say "T_insn (one emulated ring-0 instruction, dec or jnz):" \
	"$(printf '%.0f' "$T_INSN_CYC") cycles = $T_INSN ns median"
say "(each the median over ${#trap_c[@]} runs of the run's median)"

# 4. The table.  Latencies in us (lower is better), rates in MB/s or
# files/s (higher is better); "x native" is placement / native either way.
say ""
say "per call, host placement (nanvixd --stats, difference of two runs):"
printf '  %-10s %7s %7s %9s\n' op traps exits "fs calls"
for op in fstat fstatpipe pread seqread create; do
	read -r tr ex fc <<<"${CNT[$op]}"
	printf '  %-10s %7s %7s %9s\n' "$op" "$tr" "$ex" "$fc"
done
say "  (seqread: per 1 MiB read, with a 64th of the pass's lseek;" \
	"create: per file, its unlink included)"

say ""
say "host CPU per call, host placement (rusage of runs with $CPU_A and $CPU_B calls):"
read -r fu fs <<<"${CPU[fstat]}"
read -r pu ps <<<"${CPU[fstatpipe]}"
say "  fstat           user $fu us, sys $fs us"
say "  fstatpipe       user $pu us, sys $ps us"
say "  fstat (fast path, no trap) minus fstat of a pipe (trap, local):" \
	"user $(awk -v a="$fu" -v b="$pu" 'BEGIN { printf "%.1f", a - b }') us," \
	"sys $(awk -v a="$fs" -v b="$ps" 'BEGIN { printf "%.1f", a - b }') us" \
	"(sys: KVM, i.e. the exits and the emulated ring 0)"

# value WHERE OP KEY: a result field, or "-" when that column did not run.
value() {
	local line=${RES[$1,$2]:-}
	if [ -z "$line" ]; then
		echo -
	else
		field "$line" "$3"
	fi
}
# rate WHERE OP: files/s from n and total_ms.
rate() {
	local line=${RES[$1,$2]:-}
	if [ -z "$line" ]; then
		echo -
	else
		awk -v n="$(field "$line" n)" -v t="$(field "$line" total_ms)" \
			'BEGIN { printf "%.0f", (t > 0 ? n * 1000 / t : 0) }'
	fi
}
# row METRIC UNIT-SCALE NATIVE HOST GUEST TARGET VERDICT
row() {
	awk -v m="$1" -v sc="$2" -v n="$3" -v h="$4" -v g="$5" -v t="${6:-}" -v v="${7:-}" '
	function show(x) { return x == "-" ? "-" : sprintf(x / sc >= 100 ? "%.0f" : "%.2f", x / sc) }
	function ratio(x) { return (x == "-" || n <= 0) ? "-" : sprintf("%.2f", x / n) }
	BEGIN { printf "%-24s %9s %9s %9s %9s %9s  %-27s %s\n", m, show(n), show(h),
		show(g), ratio(h), ratio(g), t, v }'
}
verdict() { # HOLDS(0|1)
	if [ "$1" = 1 ]; then echo MET; else echo "NOT MET"; fi
}
both_verdicts() { # HOST_HOLDS GUEST_HOLDS
	if [ "$PLACES" = host ]; then
		verdict "$1"
	else
		echo "host $(verdict "$1"), guest $(verdict "$2")"
	fi
}

fst_h=$(value host fstat median_ns)
fst_g=$(value guest fstat median_ns)
fst_v=$(both_verdicts \
	"$(awk -v m="$fst_h" -v t="$T_EXIT" 'BEGIN { print (m <= 2 * t) ? 1 : 0 }')" \
	"$(awk -v m="$fst_g" -v t="$T_EXIT" 'BEGIN { print (m != "-" && m <= 2 * t) ? 1 : 0 }')")
sr_n=$(value native seqread median_mbs)
sr_h=$(value host seqread median_mbs)
sr_g=$(value guest seqread median_mbs)
sr_v=$(both_verdicts \
	"$(awk -v h="$sr_h" -v n="$sr_n" 'BEGIN { print (h >= n / 2) ? 1 : 0 }')" \
	"$(awk -v g="$sr_g" -v n="$sr_n" 'BEGIN { print (g != "-" && g >= n / 2) ? 1 : 0 }')")

say ""
printf '%-24s %9s %9s %9s %9s %9s  %-27s %s\n' metric native host guest \
	"host/nat" "guest/nat" target verdict
lat() { # OP KEY LABEL [TARGET VERDICT]
	row "$3" 1000 "$(value native "$1" "$2")" "$(value host "$1" "$2")" \
		"$(value guest "$1" "$2")" "${4:-}" "${5:-}"
}
lat fstat median_ns "fstat median us" \
	"<= 2 T_exit ($(awk -v m="$fst_h" -v t="$T_EXIT" 'BEGIN { printf "%.1f", m / t }') T_exit)" \
	"$fst_v"
lat fstat p99_ns "fstat p99 us"
lat fstatpipe median_ns "fstat pipe (local) us"
lat pread median_ns "pread 4 KiB median us"
lat pread p99_ns "pread 4 KiB p99 us"
row "seq read MB/s" 1 "$sr_n" "$sr_h" "$sr_g" \
	">= 0.5 native" "$sr_v"
row "seq write+fsync MB/s" 1 "$(value native seqwrite median_mbs)" \
	"$(value host seqwrite median_mbs)" "$(value guest seqwrite median_mbs)"
row "create+write+close /s" 1 "$(rate native create)" "$(rate host create)" \
	"$(rate guest create)"
lat create median_ns "  one file median us"
row "unlink /s" 1 "$(rate native unlink)" "$(rate host unlink)" \
	"$(rate guest unlink)"
say "(us and MB/s are medians; files/s = files / total time of the loop;" \
	"x/nat = placement / native)"
[ "$PLACES" != host ] || say "guest placement: not available in this build"

# Where one forwarded call goes.  The fast path (abi/vvar.h): ring 3
# stores to the fast-call page, one exit, nanvixd serves it; no trap.  The
# trap path (--no-fast-path): the guest kernel's system-call path (as for
# fstat of a pipe, answered locally) plus the ring and its doorbell.
say ""
awk -v m="$fst_h" -v t="$(value hosttrap fstat median_ns)" -v l="$(value host fstatpipe median_ns)" \
	-v tt="$T_TRAP" -v te="$T_EXIT" -v ti="$T_INSN" \
	-v ph="$(value host pread median_ns)" -v pt="$(value hosttrap pread median_ns)" \
	-v sh="$sr_h" -v st="$(value hosttrap seqread median_mbs)" 'BEGIN {
	printf "fstat, host placement: fast path %.1f us (one exit from ring 3, no trap);", m / 1000
	printf " trap path %.1f us\n", t / 1000
	printf "  trap path = local part %.1f (fstat of a pipe: T_trap %.1f + %.1f us of", l / 1000,
		tt / 1000, (l - tt) / 1000
	printf " ring-0 path, ~%.0f T_insn) + forwarding %.1f us\n", (ti > 0 ? (l - tt) / ti : 0),
		(t - l) / 1000
	printf "  fast path / T_exit = %.1f; trap path / T_exit = %.1f\n", m / te, t / te
	printf "pread 4 KiB: fast %.1f us, trap %.1f us; seq read: fast %.0f MB/s, trap %.0f MB/s\n",
		ph / 1000, pt / 1000, sh, st
}'
# The default /tmp (a host directory in /dev/shm, served by the fs
# component), with its size limit's bookkeeping (--tmp-size 1G: the path
# of every default /tmp, never full here) and without it (--tmp-size 0),
# against the same program natively on a directory in /dev/shm.
shm=$(mktemp -d /dev/shm/nanvix-bench.XXXXXX 2>/dev/null || mktemp -d "$tmp/shm.XXXXXX")
trap 'rm -rf "$tmp" "$shm"' EXIT
say ""
say "the default /tmp: $NANVIXD -m $MEM --tmp-size 1G|0 -- $PROG ${qflag[*]:+${qflag[*]} }--dir /tmp OP;" \
	"native: $PROG --dir $shm OP"
for op in seqwrite create; do
	for where in shm tmplimit tmpfree; do
		case $where in
		shm) cmd=("$PROG" --dir "$shm") ;;
		tmplimit) cmd=("$NANVIXD" -m "$MEM" --tmp-size 1G -- "$PROG" --dir /tmp) ;;
		tmpfree) cmd=("$NANVIXD" -m "$MEM" --tmp-size 0 -- "$PROG" --dir /tmp) ;;
		esac
		run_checked "$where ($op)" "${cmd[@]}" ${qflag[@]+"${qflag[@]}"} "$op"
		while read -r line; do
			RES[$where,$(field "$line" op)]=$line
		done < <(grep '^op=' "$outfile")
	done
done
printf '%-24s %9s %9s %9s %9s %9s\n' metric native limit "no limit" "limit/nat" "free/nat"
tmprow() { # METRIC SCALE NATIVE LIMIT FREE
	awk -v m="$1" -v sc="$2" -v n="$3" -v l="$4" -v f="$5" '
	function show(x) { return x == "-" ? "-" : sprintf(x / sc >= 100 ? "%.0f" : "%.2f", x / sc) }
	function ratio(x) { return (x == "-" || n <= 0) ? "-" : sprintf("%.2f", x / n) }
	BEGIN { printf "%-24s %9s %9s %9s %9s %9s\n", m, show(n), show(l), show(f), ratio(l), ratio(f) }'
}
tmprow "seq write+fsync MB/s" 1 "$(value shm seqwrite median_mbs)" \
	"$(value tmplimit seqwrite median_mbs)" "$(value tmpfree seqwrite median_mbs)"
tmprow "create+write+close /s" 1 "$(rate shm create)" "$(rate tmplimit create)" \
	"$(rate tmpfree create)"
tmprow "  one file median us" 1000 "$(value shm create median_ns)" \
	"$(value tmplimit create median_ns)" "$(value tmpfree create median_ns)"
tmprow "unlink /s" 1 "$(rate shm unlink)" "$(rate tmplimit unlink)" "$(rate tmpfree unlink)"
exit 0
