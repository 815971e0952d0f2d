#!/usr/bin/env bash
# apps.sh: real programs in nanvixd against native Linux (issue 12): SQLite's speedtest1 in memory and on ext2, Lua, mmap+munmap.
#
# usage: tests/bench/apps.sh [--quick] [--runs N]   (normally ./z bench apps)
#
#   --quick            2 runs a side (same as BENCH_QUICK=1)
#   --runs N           N runs a side (default 5)
#   BENCH_MEMDB_SIZE   speedtest1 --size in memory (default 25)
#   BENCH_DISK_SIZE    speedtest1 --size on disk (default 10)
#   BENCH_LUA_ROUNDS   rounds of tests/apps/lua/*.lua in one lua (default 2)
#   BENCH_MMAP_ITERS   mmap+munmap pairs a run, "NATIVE VM" (default
#                      "10000 100")
#   BENCH_TIMEOUT      seconds before one run counts as hung (default 600)
#   BENCH_ONLY         run only these workloads (of: memdb disk lua mmap)
#   TMPDIR             where the native files and the ext2 images go
#
# Each workload runs natively and in a VM (nanvixd -m 256M), alternately,
# N times a side; wall time of the whole process (mmap: the program's own
# microseconds a pair).  Then one more VM run with --stats and
# --strace-file for the counts under each row.  Method and results:
# docs/benchmarks.md.  Timing is reported, never tested: exit 0 whether or
# not the targets are met, 1 when a run fails; a missing /dev/kvm or
# program is a skip with a message.
set -euo pipefail
cd "$(dirname "$0")/../.."

RUNS=5
QUICK=${BENCH_QUICK:-0}
MEMDB_SIZE=${BENCH_MEMDB_SIZE:-25}
DISK_SIZE=${BENCH_DISK_SIZE:-10}
LUA_ROUNDS=${BENCH_LUA_ROUNDS:-2}
read -r MMAP_NATIVE MMAP_VM <<<"${BENCH_MMAP_ITERS:-10000 100}"
TIMEOUT=${BENCH_TIMEOUT:-600}
runs_set=0
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) QUICK=1 ;;
	--runs)
		if [ $# -lt 2 ] || ! [[ "$2" =~ ^[1-9][0-9]*$ ]]; then
			echo "apps.sh: --runs needs a positive number" >&2
			exit 2
		fi
		RUNS=$2 runs_set=1
		shift
		;;
	-h | --help)
		sed -n '2,23s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "apps.sh: unknown argument '$1' (try --help)" >&2
		exit 2
		;;
	esac
	shift
done
[ "$QUICK" = 0 ] || [ "$runs_set" = 1 ] || RUNS=2

NANVIXD=bin/nanvixd
MMAP_SRC=tests/bench/mmap_bench.c
MMAP=build/out/bench/mmap_bench.elf
LUA_DIR=tests/apps/lua
PATH=$PATH:/sbin:/usr/sbin # mke2fs

# shellcheck source=tests/bench/common.sh
. "$(dirname "$0")/common.sh"

if [ ! -c /dev/kvm ] || ! : 2>/dev/null <>/dev/kvm; then
	say "apps: SKIPPED: /dev/kvm missing or not accessible"
	exit 0
fi
need_built "$NANVIXD" bin/kernel.elf
command -v musl-gcc >/dev/null || die "musl-gcc missing (./z setup installs musl-tools)"
command -v mke2fs >/dev/null || die "mke2fs missing (./z setup installs e2fsprogs)"
APPS=$(toolchain/apps.sh --print-dir)

# The workloads that can run: SQLite's need speedtest1 (built here on
# demand), Lua's the lua of tests/apps; mmap's is built here.
WORKLOADS=""
if ! toolchain/apps.sh --check speedtest1; then
	say "speedtest1 not built: building it (toolchain/apps.sh speedtest1)"
	toolchain/apps.sh speedtest1 >&2 || true
fi
if toolchain/apps.sh --check speedtest1; then
	WORKLOADS="memdb disk"
else
	say "sqlite: SKIPPED: speedtest1 could not be built (see toolchain/apps.sh speedtest1)"
fi
if toolchain/apps.sh --check lua; then
	WORKLOADS="$WORKLOADS lua"
else
	say "lua: SKIPPED: lua is not built (toolchain/apps.sh builds it; ./z setup runs it)"
fi
WORKLOADS="$WORKLOADS mmap"
if [ -n "${BENCH_ONLY:-}" ]; then
	only=""
	for w in $WORKLOADS; do
		[[ " $BENCH_ONLY " != *" $w "* ]] || only="$only $w"
	done
	WORKLOADS=$only
fi
ST=$APPS/speedtest1
LUA=$APPS/lua
if [ ! -x "$MMAP" ] || [ "$MMAP_SRC" -nt "$MMAP" ]; then
	mkdir -p "$(dirname "$MMAP")"
	musl-gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -no-pie -o "$MMAP" "$MMAP_SRC" ||
		die "could not build $MMAP"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The VMs run a private copy of nanvixd, kernel.elf and the helpers
# nanvixd loads from beside it (launch.elf for volumes), so that one run
# measures one build even while the tree is being rebuilt.
mkdir "$tmp/bin"
for f in nanvixd kernel.elf launch.elf fsd.elf netd.elf; do
	[ ! -e "bin/$f" ] || cp "bin/$f" "$tmp/bin/"
done
NANVIXD=$tmp/bin/nanvixd
VM=("$NANVIXD" -m 256M)
outfile=$tmp/out
errfile=$tmp/err
mkdir "$tmp/empty"
LUA_SCRIPTS=()
for f in "$LUA_DIR"/*.lua; do
	LUA_SCRIPTS+=("$(basename "$f")")
done

# timed CMD...: run CMD with stdout to $outfile and stderr to $errfile,
# bounded; its wall time in seconds in $secs.  A failed run stops the
# benchmark, with the tails of its output.
timed() {
	local t0 t1 rc=0
	t0=$EPOCHREALTIME
	timeout "$TIMEOUT" "$@" >"$outfile" 2>"$errfile" </dev/null || rc=$?
	t1=$EPOCHREALTIME
	if [ "$rc" != 0 ]; then
		say "run failed with status $rc$([ "$rc" != 124 ] || echo " (timed out after $TIMEOUT s)"): $*" >&2
		tail -n 20 "$errfile" | sed 's/^/  | /' >&2
		tail -n 5 "$outfile" | sed 's/^/  > /' >&2
		exit 1
	fi
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
}

# newimg: a fresh, empty 64 MiB ext2 image at $tmp/disk.img.
newimg() {
	rm -f "$tmp/disk.img"
	mke2fs -q -F -t ext2 -d "$tmp/empty" "$tmp/disk.img" 64M >"$errfile" 2>&1 ||
		die "mke2fs: $(tail -n 1 "$errfile")"
}

# cmd WORKLOAD SIDE: the command of one run into CMD (SIDE: native or vm),
# after preparing what it needs untimed.
cmd() {
	case "$1 $2" in
	"memdb native") CMD=("$ST" --memdb --size "$MEMDB_SIZE") ;;
	"memdb vm") CMD=("${VM[@]}" -- "$ST" --memdb --size "$MEMDB_SIZE") ;;
	"disk native")
		rm -rf "$tmp/native"
		mkdir "$tmp/native"
		CMD=("$ST" --size "$DISK_SIZE" "$tmp/native/bench.db")
		;;
	"disk vm")
		newimg
		CMD=("${VM[@]}" --disk "$tmp/disk.img" -- "$ST" --size "$DISK_SIZE" /bench.db)
		;;
	"lua native")
		CMD=(env -i -C "$LUA_DIR" TZ=UTC "$LUA" ../../bench/apps_lua.lua "$LUA_ROUNDS" "${LUA_SCRIPTS[@]}")
		;;
	"lua vm")
		CMD=("${VM[@]}" -e TZ=UTC -v "$PWD/tests:/t:ro" -w /t/apps/lua -- "$LUA"
			../../bench/apps_lua.lua "$LUA_ROUNDS" "${LUA_SCRIPTS[@]}")
		;;
	"mmap native") CMD=("$MMAP" "$MMAP_NATIVE") ;;
	"mmap vm") CMD=("${VM[@]}" -- "$MMAP" "$MMAP_VM") ;;
	esac
}

# sample WORKLOAD: the figure of the run just made: wall seconds, or for
# mmap the program's microseconds a pair.
sample() {
	case "$1" in
	mmap)
		sed -n 's/.* us_per_pair=\([0-9.]*\)$/\1/p' "$outfile" | grep . ||
			die "mmap_bench printed no figure: $(head -n 1 "$outfile")"
		;;
	memdb | disk)
		grep -q 'TOTAL\.\.\.' "$outfile" || die "speedtest1 did not finish: $(tail -n 1 "$outfile")"
		echo "$secs"
		;;
	*) echo "$secs" ;;
	esac
}

# stat_of FILE: "median p99" of the numbers in FILE (p99 nearest-rank: the
# maximum for 100 runs or fewer).
stat_of() {
	sort -g "$1" | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		r = int(NR * 0.99); if (r < NR * 0.99) r++
		printf "%.6g %.6g\n", m, v[r]
	}'
}

# where WORKLOAD: one VM run with --stats for its counters, and one with
# --strace-file for its five most frequent system calls (--strace sends
# every call through the guest kernel: no fast path), into WHERE[WORKLOAD].
declare -A WHERE
where() {
	local stats ring top k counts=""
	cmd "$1" vm
	timed "${CMD[0]}" --stats "${CMD[@]:1}"
	stats=$(sed -n 's/^nanvixd: stats: \(exits=.*\)/\1/p' "$errfile" | head -n 1)
	ring=$(sed -n 's/^nanvixd: stats: ring .*\(fs_calls=[0-9]*\).*/\1/p' "$errfile" | head -n 1)
	for k in exits traps syscalls fast_calls; do
		counts="$counts$k=$(field "$stats" "$k") "
	done
	cmd "$1" vm
	timed "${CMD[0]}" --strace-file "$tmp/strace" "${CMD[@]:1}"
	top=$(sed -n 's/^\([a-z_0-9]*\)(.*/\1/p' "$tmp/strace" | sort | uniq -c | sort -rn | head -n 5 |
		awk '{ printf "%s%s %d", (NR > 1 ? ", " : ""), $2, $1 }')
	WHERE[$1]="    VM --stats: $counts$ring
    VM --strace, top calls ($(wc -l <"$tmp/strace") in all): $top"
}

mode=full
[ "$QUICK" = 0 ] || mode=quick
say "apps benchmark ($mode): $RUNS runs a side; $(nproc) CPUs; load $(cut -d" " -f1-3 /proc/loadavg); kernel $(uname -r);" \
	"$(date -u '+%Y-%m-%d %H:%M UTC')"
say "memdb:  speedtest1 --memdb --size $MEMDB_SIZE"
say "disk:   speedtest1 --size $DISK_SIZE DB; native DB in a fresh temporary directory," \
	"VM /bench.db on a fresh 64M ext2 image (--disk)"
say "lua:    lua apps_lua.lua $LUA_ROUNDS ${LUA_SCRIPTS[*]} (in $LUA_DIR)"
say "mmap:   mmap_bench K (K = $MMAP_NATIVE native, $MMAP_VM in the VM): us per 128 KiB mmap+munmap"
say "vm:     bin/nanvixd -m 256M [--disk IMG | -v tests:/t:ro] -- PROGRAM ...;" \
	"kernel.elf $(sha256sum "$tmp/bin/kernel.elf" | cut -c1-12) (copies in TMP/bin)"

for w in $WORKLOADS; do
	: >"$tmp/$w.native"
	: >"$tmp/$w.vm"
	printf '%s:' "$w"
	for ((i = 1; i <= RUNS; i++)); do
		for side in native vm; do
			cmd "$w" "$side"
			timed "${CMD[@]}"
			sample "$w" >>"$tmp/$w.$side"
		done
		printf ' %s/%s' "$(tail -n 1 "$tmp/$w.native")" "$(tail -n 1 "$tmp/$w.vm")"
	done
	echo
	where "$w"
done

q=p99
[ "$RUNS" -gt 100 ] || q=max
echo
printf '%-7s %-10s %10s %10s %10s %10s %8s %-14s %s\n' workload unit "native p50" "native $q" \
	"VM p50" "VM $q" VM/native target verdict
for w in $WORKLOADS; do
	read -r n50 n99 <<<"$(stat_of "$tmp/$w.native")"
	read -r v50 v99 <<<"$(stat_of "$tmp/$w.vm")"
	ratio=$(awk -v a="$v50" -v b="$n50" 'BEGIN { printf "%.1fx", a / b }')
	case $w in
	memdb | lua) unit=s target="<= 2x native" met=$(awk -v a="$v50" -v b="$n50" 'BEGIN { print (a <= 2 * b) }') ;;
	disk) unit=s target="<= 4x native" met=$(awk -v a="$v50" -v b="$n50" 'BEGIN { print (a <= 4 * b) }') ;;
	mmap) unit=us/pair target="< 50 us" met=$(awk -v a="$v50" 'BEGIN { print (a < 50) }') ;;
	esac
	verdict="NOT MET"
	[ "$met" = 0 ] || verdict=MET
	printf '%-7s %-10s %10s %10s %10s %10s %8s %-14s %s\n' "$w" "$unit" "$n50" "$n99" \
		"$v50" "$v99" "$ratio" "$target" "$verdict"
	say "${WHERE[$w]}"
done
