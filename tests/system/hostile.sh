#!/usr/bin/env bash
# Hostile-guest regressions: each tests/system/hostile/NAME.c is a program
# that attacks the kernel from ring 3 one way (direction flag, privileged
# instructions, the fast-call page, kill(-1), huge ranges, timer floods,
# exit signals that must not reach process 1).
# It runs in a VM and must print NAME.expected and exit 0: the kernel
# neither panics nor hangs (--timeout catches a hang), and only the
# offending process is hurt.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/system/lib.sh
T=bin/tests/hostile
system_setup hostile

# A disk, so that the fast-call page is mapped (the fast file path serves disk files).
mkdir -p "$tmp/root"
mke2fs -q -t ext2 -d "$tmp/root" "$tmp/disk.img" 4M >/dev/null 2>&1

# run NAME [nanvixd options...]
run() {
	local name=$1 st
	shift
	if [ ! -x "$T/$name.elf" ]; then
		skip=$((skip + 1))
		echo "skip $name: $T/$name.elf not built"
		return
	fi
	bin/nanvixd --timeout 60 "$@" -- "$T/$name.elf" >"$tmp/out" 2>"$tmp/err" </dev/null
	st=$?
	if [ "$st" = 0 ] && grep -q '^umip: not offered' "$tmp/out"; then
		skip=$((skip + 1))
		echo "skip $name: KVM offers no UMIP here, so sgdt and friends cannot fault"
	elif [ "$st" != 0 ]; then
		bad "$name" "status $st (124: a hang; 122: the VM died)"
	elif ! cmp -s "tests/system/hostile/$name.expected" "$tmp/out"; then
		bad "$name" "output differs: $(diff "tests/system/hostile/$name.expected" "$tmp/out" | head -6 | tr '\n' ' ')"
	else
		ok "$name"
	fi
}

run direction_flag
run privileged
run fastcall_page --disk "$tmp/disk.img:cow"
run kill_all
run big_ranges -m 64M
run timer_flood
run huge_timer
# Exit signals and process groups (found by the syscall fuzzer).
for t in clone_parent_sig reparent_sig exitsig_info setpgid_nogroup noncanonical epoll_abuse; do
	run "$t"
done

# Socket-call abuse (nanvixd --net=host): bad arguments, the socket
# tables' limits, connections nobody reads (the VM must still end at once:
# the exit drain is bounded at 2 s).
if T=bin/tests net_mode_gate host "net_*"; then
	run net_badargs
	run net_exhaust
	run net_neverread
	# net_badargs natively: Linux's answers (a note, not a failure: they
	# vary with the host's kernel).
	if [ -x "$T/net_badargs.elf" ] && "$T/net_badargs.elf" >"$tmp/native" 2>/dev/null &&
		! cmp -s tests/system/hostile/net_badargs.expected "$tmp/native"; then
		echo "note net_badargs: this host's Linux answers differently:" \
			"$(diff tests/system/hostile/net_badargs.expected "$tmp/native" | grep '^>' | head -4 | tr '\n' ' ')"
	fi
fi

echo "hostile: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
