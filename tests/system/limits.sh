#!/usr/bin/env bash
# The limits nanvixd puts on a VM, each driven past by a guest program
# (bin/tests/limits.elf, tests/system/limits/limits.c), which must get what
# a Linux process would and leave the VM and nanvixd healthy:
#   --pids-limit N   fork and pthread_create fail with EAGAIN at N tasks;
#   --ulimit nofile  open fails with EMFILE at the soft limit, dup2 to it
#                    with EBADF, raising the hard one with EPERM;
#   --ulimit cpu     SIGXCPU at the soft limit, SIGKILL at the hard one;
#   --cpus F         nanvixd's CPU time stays within F of the wall-clock
#                    time (a bound on the quota, loose enough for a busy
#                    machine: a slower host only lowers the CPU used);
#   --timeout, -m    already tested elsewhere (run.sh, cli.sh).
# Bad values are refused with 125.  The same limits through the control
# API are in tests/api (api_test.py).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/system/lib.sh
system_setup limits
L=$T/limits.elf
[ -x "$L" ] || { echo "limits: FAIL: $L is not built (make $L)"; exit 1; }

expect "--pids-limit 5: the 5th fork fails with EAGAIN" 0 \
	"^forked 4, then Resource temporarily unavailable$" "" -- --pids-limit 5 -- "$L" fork
expect "--pids-limit 5: the 5th thread fails with EAGAIN" 0 \
	"^threads 4, then Resource temporarily unavailable$" "" -- --pids-limit 5 -- "$L" threads
expect "--pids-limit 1: no fork at all" 0 "^forked 0, then Resource" "" -- \
	--pids-limit 1 -- "$L" fork
expect "without --pids-limit a fork bomb is bounded by memory, not a crash" 0 "^forked [0-9]+, then" \
	"" -- -m 64M --timeout 60 -- "$L" fork

expect "--ulimit nofile=20:30: the limits the program sees" 0 "^nofile 20:30$" "" -- \
	--ulimit nofile=20:30 -- "$L" nofile
judge "--ulimit nofile=20:30: EMFILE with 3 fds open and 17 more" 0 \
	"^opened 17 more, then No file descriptors available$"
judge "--ulimit nofile=20:30: dup2 to the limit is EBADF" 0 "^dup2 to the limit: Bad file descriptor$"
judge "--ulimit nofile=20:30: raising the hard limit is EPERM" 0 \
	"^raising the hard limit: Operation not permitted$"
expect "--ulimit nofile=64: soft and hard" 0 "^nofile 64:64$" "" -- --ulimit nofile=64 -- "$L" nofile
expect "no --ulimit: 512 files, the kernel's table" 0 "^nofile 512:512$" "" -- "$L" nofile
judge "no --ulimit: 509 more than stdin, stdout and stderr" 0 "^opened 509 more"

expect "--ulimit cpu=1:2: one SIGXCPU, then SIGKILL (137)" 137 "^cpu 1:2$" \
	"killed by SIGKILL" -- --timeout 30 --ulimit cpu=1:2 -- "$L" cpu
if [ "$(grep -c '^SIGXCPU' "$tmp/out")" = 1 ]; then
	ok "--ulimit cpu=1:2: exactly one SIGXCPU"
else
	bad "--ulimit cpu=1:2: exactly one SIGXCPU" "$(tr '\n' ' ' <"$tmp/out")"
fi
expect "--ulimit cpu=1:3: two SIGXCPU, a second apart, then SIGKILL" 137 "^SIGXCPU 2$" "" -- \
	--timeout 30 --ulimit cpu=1:3 -- "$L" cpu

# --cpus: nanvixd's own CPU time, from /proc/PID/stat after it has run a
# while (a child of this shell: bash's `times` would mix in other children).
cpu_share() {
	local q=$1 pid t0 t1 ticks
	"$NANVIXD" --cpus "$q" --timeout 10 -- "$L" spin 8 >/dev/null 2>&1 &
	pid=$!
	sleep 1
	t0=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
	sleep 4
	t1=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	ticks=$(getconf CLK_TCK)
	# CPU used over the 4 s as a percentage of one CPU.
	echo $(((t1 - t0) * 100 / ticks / 4))
}
for q in 0.2 0.5; do
	pct=$(cpu_share "$q")
	limit=$(awk -v q="$q" 'BEGIN { print int(q * 100 * 1.25 + 5) }')
	if [ "$pct" -le "$limit" ]; then
		ok "--cpus $q: a spinning VM used ${pct}% of a CPU (at most ${limit}%)"
	else
		bad "--cpus $q: a spinning VM used ${pct}% of a CPU" "more than ${limit}%"
	fi
done
expect "--cpus 0.3: the program still finishes" 0 "^spun$" "" -- --cpus 0.3 -- "$L" spin 1

for a in "--pids-limit 0" "--pids-limit x" "--ulimit nofile=0" "--ulimit nofile=600" \
	"--ulimit nofile=20:10" "--ulimit core=1" "--ulimit cpu=-1" "--cpus 0" "--cpus 2" "--cpus x"; do
	# shellcheck disable=SC2086 # the option and its value
	expect "refused: $a" 125 "" "invalid" -- $a -- "$T/hello.musl.elf"
done

echo "limits: $pass passed, $fail failed"
[ "$fail" = 0 ]
