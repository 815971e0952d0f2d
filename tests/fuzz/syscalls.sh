#!/usr/bin/env bash
# tests/fuzz/syscalls.sh [SECONDS]: run the guest-side system-call fuzzer
# (bin/tests/fuzz/sysfuzz.elf, tests/fuzz/sysfuzz.c) in VMs, several seeds.
#
# Without SECONDS (the `./z test` run): fixed seeds 1-4, 9 s each.  With
# SECONDS (`./z fuzz syscalls SECONDS`): random seeds, 20 s each, until
# SECONDS are spent.  Each seed runs in its own VM, under nanvixd --timeout
# and an outer `timeout`, with a fresh host directory at /tmp.
#
# FAILS on a kernel panic, the VM failing (status 122: panic, triple fault,
# MMIO, emulation failure), a host-side error (123), a hang past the
# timeout (124, or nanvixd itself killed), nanvixd dying by a signal, any
# other unexpected status, the fuzzer's parent dying (it makes no fuzzed
# call itself), or a signal other than SIGCHLD and the harmless ones
# reaching it (status 4: the fuzzer names the signal, its si_code and
# sender).  Batches dying by a signal are fine.  A failure prints the seed,
# the batch that was running and the commands that replay it.
#
# Environment: SYSFUZZ_SEEDS="5 6" picks seeds; SYSFUZZ_SECONDS=N sets the
# time a seed; SYSFUZZ_AVOID=a,b leaves out more calls or classes;
# SYSFUZZ_KNOWN=0 drops the known-bug list below (full hostility).
# NO_BUILD=1 skips `make`.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

# Argument classes that trigger kernel bugs being fixed right now, kept out
# of the default run: one line a bug, the class (sysfuzz.c's header lists
# them; add one there, with its --avoid name, when a new bug needs it) and
# a comment saying what goes wrong, e.g.
#	hugelen   # munmap/mprotect of huge ranges loop page by page in ring 0
# Delete the line when its bug is fixed.  SYSFUZZ_KNOWN=0 drops the list.
KNOWN_BUGS=(
)

die() { echo "syscalls: error: $*" >&2; exit 1; }

total=${1:-}
[ -z "$total" ] || [[ $total =~ ^[0-9]+$ ]] || die "usage: $0 [SECONDS]"

ELF=bin/tests/fuzz/sysfuzz.elf
if [ -z "${NO_BUILD:-}" ]; then
	make -s "$ELF" bin/nanvixd bin/kernel.elf || die "build failed"
fi
[ -x "$ELF" ] || die "$ELF not built"
if [ ! -c /dev/kvm ] || ! : 2>/dev/null <>/dev/kvm; then
	echo "syscalls: skipped: /dev/kvm missing or not accessible"
	exit 0
fi

avoid=""
if [ "${SYSFUZZ_KNOWN:-1}" != 0 ]; then
	avoid=$(IFS=,; echo "${KNOWN_BUGS[*]}")
fi
if [ -n "${SYSFUZZ_AVOID:-}" ]; then
	avoid=${avoid:+$avoid,}$SYSFUZZ_AVOID
fi
avoid_opt=()
[ -z "$avoid" ] || avoid_opt=(--avoid "$avoid")

if [ -n "${SYSFUZZ_SEEDS:-}" ]; then
	read -r -a seeds <<<"$SYSFUZZ_SEEDS"
	per=${SYSFUZZ_SECONDS:-$(( ${total:-36} / ${#seeds[@]} ))}
elif [ -z "$total" ]; then
	seeds=(1 2 3 4)
	per=${SYSFUZZ_SECONDS:-9}
else
	per=${SYSFUZZ_SECONDS:-20}
	[ "$per" -le "$total" ] || per=$total
	seeds=()
	for ((i = 0; i < (total + per - 1) / per; i++)); do
		seeds+=($(( (RANDOM << 15 | RANDOM) + 1 )))
	done
fi
[ "$per" -ge 1 ] || per=1

work=build/out/fuzz/syscalls
mkdir -p "$work"
# nanvixd's own limit, and an outer one in case nanvixd itself hangs.
# A hang detector, not a timing: a loaded machine or a batch that sleeps
# stretches a seed well past its budget (seen: 9 s seeds taking 42 s).
vm_limit=$((per + 120))
outer_limit=$((per + 60))

# run_status FILE CMD...: run CMD; write "exit N" or "signal N" to FILE (perl
# tells the two apart; the shell would say 128+N for both).
run_status() {
	local file=$1
	shift
	if command -v perl >/dev/null 2>&1; then
		perl -e 'my $f = shift; system { $ARGV[0] } @ARGV; open(my $o, ">", $f) or die;
			print $o (($? & 127) ? "signal " . ($? & 127) : "exit " . ($? >> 8))' "$file" "$@"
	else
		"$@"
		echo "exit $?" >"$file"
	fi
}

echo "== sysfuzz: ${#seeds[@]} seeds x ${per}s${avoid:+, avoiding $avoid}"
status=0
for seed in "${seeds[@]}"; do
	log=$work/seed-$seed.log
	vol=$work/vol-$seed
	rm -rf "$vol"
	mkdir -p "$vol"
	run_status "$work/status-$seed" timeout -s KILL "$outer_limit" bin/nanvixd --timeout "$vm_limit" \
		--volume "$vol:/tmp" -- "$ELF" -p -t "$per" "${avoid_opt[@]}" "$seed" \
		</dev/null 2>"$log" >/dev/null
	st=$(cat "$work/status-$seed")
	rm -f "$work/status-$seed"
	why=""
	case "$st" in
	"exit 0")
		grep -aq '^sysfuzz: done' "$log" || why="the fuzzer ended without its summary" ;;
	"exit 122") why="the VM failed (status 122: kernel panic, triple fault, MMIO, emulation failure)" ;;
	"exit 123") why="host-side error in nanvixd (status 123)" ;;
	"exit 4")
		why="a signal reached the fuzzer's parent (a kernel bug or a hole in its containment)" ;;
	"exit 124") why="hang: the VM did not finish within ${vm_limit}s (nanvixd --timeout)" ;;
	"signal 9") why="hang: nanvixd itself did not stop within ${outer_limit}s (killed)" ;;
	signal\ *) why="nanvixd crashed ($st)" ;;
	exit\ 1[3-9][0-9] | exit\ 2[0-5][0-9])
		why="the fuzzer's parent died by signal $(( ${st#exit } - 128 )) (it makes no fuzzed call)" ;;
	*) why="unexpected nanvixd status ($st)" ;;
	esac
	if [ -z "$why" ] && grep -aq 'kernel panic' "$log"; then
		why="kernel panic"
	fi
	summary=$(grep -a '^sysfuzz: done' "$log" | tail -n 1)
	if [ -z "$why" ]; then
		echo "ok   seed $seed: ${summary#sysfuzz: done: }"
		rm -rf "$vol"
		continue
	fi
	status=1
	batch=$(grep -ao '^sysfuzz: batch [0-9]*$' "$log" | tail -n 1 | awk '{print $3}')
	echo "FAIL seed $seed: $why"
	echo "----- last lines of $log -----"
	grep -av '^sysfuzz: batch [0-9]*$' "$log" | tail -n 15 | cut -c1-300
	echo "-----"
	av=${avoid:+ --avoid $avoid}
	echo "  running batch: ${batch:-?}"
	echo "  replay the batch alone, every call printed:"
	echo "    mkdir -p /tmp/sysfuzz-vol && bin/nanvixd --timeout 60 --volume /tmp/sysfuzz-vol:/tmp --" \
		"$ELF -v$av --batch ${batch:-0} $seed"
	echo "  replay the run up to it:"
	echo "    bin/nanvixd --timeout 120 --volume /tmp/sysfuzz-vol:/tmp --" \
		"$ELF -v$av -n $(( ${batch:-0} + 1 )) $seed"
done

[ $status -eq 0 ] && echo "syscalls: all seeds passed" || echo "syscalls: FAILED" >&2
exit $status
