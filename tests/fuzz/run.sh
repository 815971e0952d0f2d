#!/usr/bin/env bash
# tests/fuzz/run.sh [TARGET] [SECONDS]: run the libFuzzer targets (bin/tests/fuzz/fuzz_*)
# and the guest-side system-call fuzzer (TARGET syscalls: tests/fuzz/syscalls.sh).
#
# TARGET is a name such as elf or fuzz_elf (default: every target).  Without
# SECONDS each target replays its committed corpus tests/fuzz/corpus/<name>/
# (regression) and then fuzzes for 10 seconds; with SECONDS it fuzzes for
# that long.  New inputs and crash files go under build/out/fuzz/<name>/,
# never into the tree.  Exits non-zero, naming the file, on any crash.
# Without TARGET the system-call fuzzer runs after them (about 36 s of
# fixed seeds, or SECONDS of random ones).
# NO_BUILD=1 skips `make`.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

die() { echo "fuzz: error: $*" >&2; exit 1; }

target="" seconds=""
for a in "$@"; do
	if [[ $a =~ ^[0-9]+$ ]]; then
		[ -z "$seconds" ] || die "usage: $0 [TARGET] [SECONDS]"
		seconds=$a
	else
		[ -z "$target" ] || die "usage: $0 [TARGET] [SECONDS]"
		target=${a#fuzz_}
	fi
done

if [ "$target" = syscalls ]; then
	exec tests/fuzz/syscalls.sh ${seconds:+"$seconds"}
fi

# syscalls_after STATUS: the system-call fuzzer after the libFuzzer targets
# (when no TARGET was named); exits with the worse of the two.
syscalls_after() {
	local st=$1
	if [ -z "$target" ]; then
		tests/fuzz/syscalls.sh ${seconds:+"$seconds"} || st=1
	fi
	exit "$st"
}

if ! command -v "${FUZZ_CC:-clang}" >/dev/null 2>&1; then
	echo "fuzz: skipped: clang (with libclang-rt for libFuzzer) is not installed"
	syscalls_after 0
fi

names=()
for src in tests/fuzz/fuzz_*.c; do
	n=$(basename "$src" .c)
	n=${n#fuzz_}
	[ -z "$target" ] || [ "$target" = "$n" ] && names+=("$n")
done
[ ${#names[@]} -gt 0 ] || die "no fuzz target named '$target' (tests/fuzz/fuzz_$target.c, or syscalls)"

if [ -z "${NO_BUILD:-}" ]; then
	bins=()
	for n in "${names[@]}"; do bins+=("bin/tests/fuzz/fuzz_$n"); done
	make -s "${bins[@]}" || die "build failed"
fi

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# run NAME LOG ARGS...: run one fuzzer, keep its output in LOG, report.
run() {
	local name=$1 log=$2 rc
	shift 2
	local work=build/out/fuzz/$name stamp
	stamp=$(mktemp "$work/.stamp.XXXXXX")
	"bin/tests/fuzz/fuzz_$name" -artifact_prefix="$work/artifacts/" \
		-print_final_stats=1 "$@" >"$log" 2>&1
	rc=$?
	local found
	found=$(find "$work/artifacts" -type f -newer "$stamp" 2>/dev/null)
	rm -f "$stamp"
	grep -E '^(Done|stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|stat::peak_rss_mb)' "$log" | sed 's/^/  /'
	if [ $rc -ne 0 ] || [ -n "$found" ]; then
		echo "----- last lines of $log -----" >&2
		tail -n 40 "$log" >&2
		echo "fuzz: FAILED: fuzz_$name exited with $rc" >&2
		for f in $found; do
			echo "fuzz: crash file: $f (reproduce: bin/tests/fuzz/fuzz_$name $f)" >&2
		done
		return 1
	fi
	return 0
}

status=0
for n in "${names[@]}"; do
	seeds=tests/fuzz/corpus/$n
	work=build/out/fuzz/$n
	mkdir -p "$work/artifacts" "$work/corpus"
	[ -d "$seeds" ] || die "no seed corpus $seeds"

	if [ -z "$seconds" ]; then
		shopt -s nullglob
		files=("$seeds"/*)
		shopt -u nullglob
		echo "== fuzz_$n: regression over ${#files[@]} seeds in $seeds"
		if [ ${#files[@]} -gt 0 ]; then
			run "$n" "$work/regression.log" "${files[@]}" || { status=1; continue; }
		fi
		time=10
	else
		time=$seconds
	fi
	# New inputs go to the first folder (outside the tree); the seeds are only read.
	echo "== fuzz_$n: fuzzing for ${time}s (corpus $work/corpus + $seeds)"
	run "$n" "$work/fuzz.log" -max_total_time="$time" "$work/corpus" "$seeds" || status=1
done

[ $status -eq 0 ] && echo "fuzz: all targets passed" || echo "fuzz: FAILED" >&2
syscalls_after $status
