#!/usr/bin/env bash
# The Open POSIX Test Suite (Debian's posixtestsuite source, fetched by
# ./z setup), every conformance case built static with musl and with
# glibc and run natively and in a VM, with a ratchet.
#
#   tests/posix/suite.sh [OPTIONS] [CASE-PATTERN...]
#
#   --libc musl|glibc   one libc only (default: both)
#   --quick             only the cases in tests/posix/suite/quick (the
#                       subset ./z test runs)
#   -j N                cases run at once (default: 2 per CPU)
#   --update            rewrite the baselines from this run's VM passes
#   CASE-PATTERN        a grep -E pattern over case names
#                       (e.g. 'sem_|mq_'); default every case
#
# A case is a path under conformance/interfaces without .c (e.g.
# kill/2-1).  Its result is the suite's own exit code: 0 PASS, 1 FAIL,
# 2 UNRESOLVED, 4 UNSUPPORTED, 5 UNTESTED; 124 is a timeout.
# The baseline tests/posix/suite/LIBC.pass lists the cases that passed
# (0) in the VM when it was written: such a case that no longer passes
# (after one rerun alone, since the machines are noisy) is a regression
# and fails the run.  A case that passes and is not in the baseline is
# reported as new (--update records it).  The last lines compare with
# native: "N passed, M failed" counts the cases that pass natively.
# Results per case ("case native vm native-ms vm-ms"):
# build/out/posix-suite/LIBC.results (LIBC.quick.results for --quick).
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
OUT=$ROOT/build/out/posix-suite
BASE=tests/posix/suite

libcs="musl glibc" quick=0 update=0 jobs=$(($(nproc) * 2)) patterns=()
while [ $# -gt 0 ]; do
	case "$1" in
	--libc) libcs=$2; shift ;;
	--quick) quick=1 ;;
	--update) update=1 ;;
	-j) jobs=$2; shift ;;
	-h | --help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "suite: unknown option $1 (see --help)" >&2; exit 2 ;;
	*) patterns+=("$1") ;;
	esac
	shift
done
case "$libcs" in musl | glibc | "musl glibc") ;; *)
	echo "suite: --libc is musl or glibc" >&2; exit 2 ;;
esac

if ! toolchain/posixtestsuite.sh --check; then
	echo "posix-suite: SKIPPED: the posixtestsuite source is not cached (./z setup fetches it)"
	echo "posix-suite: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
SRC=$(toolchain/posixtestsuite.sh --print-dir)
if ! [ -c /dev/kvm ] || ! : 2>/dev/null <>/dev/kvm; then
	echo "posix-suite: SKIPPED: /dev/kvm is not usable here"
	echo "posix-suite: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
mkdir -p "$OUT"

# The cases: every numbered C file (the .sh ones only print UNTESTED and
# the -buildonly ones are compile checks).
(cd "$SRC/conformance/interfaces" && ls -- */[0-9]*-[0-9]*.c) |
	sed 's/\.c$//' | grep -E '^[a-z_0-9]+/[0-9]+-[0-9]+$' | sort >"$OUT/all"
if [ "$quick" = 1 ]; then
	sed 's/#.*//; /^$/d' "$BASE/quick" | sort | comm -12 - "$OUT/all" >"$OUT/cases"
else
	cp "$OUT/all" "$OUT/cases"
fi
if [ ${#patterns[@]} -gt 0 ]; then
	pat=$(IFS='|'; echo "${patterns[*]}")
	grep -E -- "$pat" "$OUT/cases" >"$OUT/cases.tmp"
	mv "$OUT/cases.tmp" "$OUT/cases"
fi
ncases=$(wc -l <"$OUT/cases")

# Build with make, so a second run rebuilds nothing.
build() { # LIBC
	local libc=$1 cc=gcc
	[ "$libc" = musl ] && cc=musl-gcc
	mkdir -p "$OUT/$libc"
	{
		echo "all:"
		while read -r c; do
			local b="$OUT/$libc/${c//\//__}"
			# A case that did not build is not tried again until its source changes.
			[ "$b.nobuild" -nt "$SRC/conformance/interfaces/$c.c" ] && continue
			echo "all: $b"
			echo "$b: $SRC/conformance/interfaces/$c.c"
			# The suite's own code: its warnings are not ours to fix.
			printf '\t@%s -std=gnu99 -O2 -w -static -I%s -o $@ $< -lpthread -lrt -lm >$@.log 2>&1 || touch $@.nobuild\n' \
				"$cc" "$SRC/include"
		done <"$OUT/cases"
	} >"$OUT/$libc.mk"
	make -s -k -j"$(nproc)" -f "$OUT/$libc.mk" all
	echo "posix-suite: $libc: $(find "$OUT/$libc" -name '*.nobuild' | wc -l) cases do not build with $libc (logs: $OUT/$libc/*.log)"
}

# One case natively and in the VM: prints "case native vm native-ms vm-ms".
# The suite's scratch files go to a directory of their own; natively the
# case runs in a PID namespace of its own where one is possible, so a
# stray kill(-1, ...) reaches only the case.
run_one() { # LIBC CASE
	local libc=$1 c=$2 b="$OUT/$1/${2//\//__}" nst vst work t0 t1 t2
	if [ ! -x "$b" ]; then
		echo "$c nobuild nobuild 0 0"
		return
	fi
	work=$(mktemp -d)
	t0=$(date +%s%N)
	# Braces: bash's own report of a killed case stays out of the output.
	if [ "$PIDNS" = 1 ]; then
		{ (cd "$work" && timeout -k 5 60 unshare --pid --fork --kill-child "$b") >/dev/null 2>&1 </dev/null; } 2>/dev/null
	else
		{ (cd "$work" && timeout -k 5 60 "$b") >/dev/null 2>&1 </dev/null; } 2>/dev/null
	fi
	nst=$?
	t1=$(date +%s%N)
	{ timeout -k 5 150 "$VMBIN/nanvixd" --timeout 120 -m 64M -- "$b" >"$work/vm.out" 2>&1 </dev/null; } 2>/dev/null
	vst=$?
	t2=$(date +%s%N)
	[ "$vst" = 0 ] || tail -5 "$work/vm.out" >"$b.vm.log"
	rm -rf "$work"
	echo "$c $nst $vst $(((t1 - t0) / 1000000)) $(((t2 - t1) / 1000000))"
}
PIDNS=0
unshare --pid --fork --kill-child true 2>/dev/null && PIDNS=1
# The VM side runs a copy of bin/, so a rebuild during a long run does not
# mix two builds in one set of results.
VMBIN=$OUT/bin
rm -rf "$VMBIN"
mkdir -p "$VMBIN"
for f in nanvixd kernel.elf fsd.elf netd.elf launch.elf; do
	[ -e "bin/$f" ] && cp "bin/$f" "$VMBIN/"
done
export OUT ROOT PIDNS VMBIN
export -f run_one

regressions=0
for libc in $libcs; do
	echo "posix-suite: $libc: building $ncases cases"
	build "$libc"
	echo "posix-suite: $libc: running $ncases cases natively and in a VM, $jobs at a time"
	res=$OUT/$libc.results
	[ "$quick" = 1 ] && res=$OUT/$libc.quick.results
	xargs -a "$OUT/cases" -P "$jobs" -I{} bash -c 'run_one "$0" "$1"' "$libc" {} |
		awk -v n="$ncases" -v libc="$libc" '{ print; if (++i % 100 == 0)
			printf "posix-suite: %s: %d of %d run\n", libc, i, n >"/dev/stderr" }' |
		sort >"$res"
	base=$BASE/$libc.pass
	[ -f "$base" ] || : >"$OUT/empty" base=$OUT/empty
	# Baseline cases run this time that did not pass: rerun each alone.
	awk '$3 != 0 { print $1 }' "$res" | sort | comm -12 - <(sort "$base") >"$OUT/$libc.suspect"
	: >"$OUT/$libc.regressed"
	while read -r c; do
		line=$(run_one "$libc" "$c")
		if [ "$(echo "$line" | awk '{print $3}')" = 0 ]; then
			echo "posix-suite: $libc: $c passed when rerun alone (noise)"
			sed -i "s|^$c .*|$line|" "$res"
		else
			echo "$line" >>"$OUT/$libc.regressed"
		fi
	done <"$OUT/$libc.suspect"
	while read -r c nst vst _; do
		echo "REGRESSION $libc $c: native $nst, vm $vst (passed in the baseline)"
		sed 's/^/     | /' "$OUT/$libc/${c//\//__}.vm.log" 2>/dev/null
		regressions=$((regressions + 1))
	done <"$OUT/$libc.regressed"
	awk '$3 == 0 { print $1 }' "$res" | sort | comm -23 - <(sort "$base") >"$OUT/$libc.new"
	if [ -s "$OUT/$libc.new" ]; then
		echo "posix-suite: $libc: $(wc -l <"$OUT/$libc.new") cases pass that the baseline lacks (--update records them):"
		sed 's/^/     /' "$OUT/$libc.new" | head -50
	fi
	if [ "$update" = 1 ]; then
		if [ "$quick" = 1 ] || [ ${#patterns[@]} -gt 0 ]; then
			# A partial run adds to the baseline and drops nothing.
			sort -u "$base" "$OUT/$libc.new" >"$OUT/$libc.pass"
		else
			awk '$3 == 0 { print $1 }' "$res" | sort >"$OUT/$libc.pass"
		fi
		cp "$OUT/$libc.pass" "$BASE/$libc.pass"
		echo "posix-suite: $libc: baseline written: $BASE/$libc.pass ($(wc -l <"$BASE/$libc.pass") cases)"
	fi
	awk -v libc="$libc" '
		$2 == 0 { native++; if ($3 == 0) both++ }
		$2 != 0 && $3 == 0 { vmonly++ }
		END {
			printf "posix-suite: %s: %d passed, %d failed of the %d cases that pass natively (%.1f%%); %d pass only in the VM\n",
				libc, both, native - both, native, native ? 100 * both / native : 0, vmonly
		}' "$res"
done
if [ "$regressions" -gt 0 ]; then
	echo "posix-suite: $regressions regressions"
	exit 1
fi
exit 0
