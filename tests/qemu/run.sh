#!/usr/bin/env bash
# QEMU harness: boot bin/kernel.elf alone (-M microvm, PVH) and check its self-test summary.
#
# Runs under TCG always (a CPU where `syscall` enters ring 0, as on hardware)
# and under KVM when /dev/kvm is usable (here: the software hypervisor, where
# `syscall` stays in ring 3), so both system-call entry paths are exercised.
set -u
cd "$(dirname "$0")/../.." || exit 1

KERNEL=${KERNEL:-bin/kernel.elf}
pass=0
fail=0
skip=0

if ! command -v qemu-system-x86_64 >/dev/null; then
	echo "qemu: SKIPPED: qemu-system-x86_64 not installed (./z setup installs it)"
	echo "qemu: 0 passed, 0 failed, 1 skipped"
	exit 0
fi

MACHINE=microvm,x-option-roms=off,pit=off,pic=off,rtc=off

# CPU models to try, best first.  `max` gives NX, FSGSBASE and UMIP in
# software under TCG; some hosts' KVM refuses MSRs that `max` asks for
# (ARCH_CAPABILITIES, 0x10a: QEMU then aborts on an assertion before the
# guest runs), so the next candidates drop that, then fall back to a plain
# model plus what the kernel needs.
CPU_CANDIDATES=("max" "max,-arch-capabilities" "qemu64,+nx,+fsgsbase,+umip" "qemu64")

# probe_cpu ACCEL: print the first CPU model QEMU can set up under ACCEL.
# The probe starts QEMU paused (-S) with no kernel and quits it from the
# monitor, so it tests only QEMU-and-host compatibility; a kernel that
# fails afterwards still fails its boot below.
probe_cpu() {
	local accel=$1 cpu
	for cpu in "${CPU_CANDIDATES[@]}"; do
		if echo quit | timeout 20 qemu-system-x86_64 -M "$MACHINE" -accel "$accel" -cpu "$cpu" \
			-m 32M -nodefaults -no-user-config -display none -S -monitor stdio \
			>/dev/null 2>&1; then
			echo "$cpu"
			return 0
		fi
	done
	return 1
}

boot() {
	local accel=$1 log cpu
	if ! cpu=$(probe_cpu "$accel"); then
		skip=$((skip + 1))
		echo "skip qemu-$accel: QEMU could not set up any CPU model (${CPU_CANDIDATES[*]}) under $accel on this host"
		return
	fi
	log=$(mktemp)
	timeout 120 qemu-system-x86_64 -M "$MACHINE" \
		-accel "$accel" -cpu "$cpu" -m 32M -nodefaults -no-user-config -display none \
		-serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=4 \
		-kernel "$KERNEL" >"$log" 2>&1 </dev/null
	local st=$?
	sed 's/^/  | /' "$log"
	# isa-debug-exit: status (code << 1) | 1, so 1 means the kernel reported success.
	if [ "$st" = 1 ] && grep -qE '^selftest: [0-9]+ passed, 0 failed' "$log"; then
		pass=$((pass + 1))
		echo "ok   qemu-$accel (-cpu $cpu): $(grep -E '^selftest: [0-9]+ passed' "$log")"
	else
		fail=$((fail + 1))
		echo "FAIL qemu-$accel (-cpu $cpu): qemu exit status $st"
	fi
	rm -f "$log"
}

boot tcg
if [ -c /dev/kvm ] && : 2>/dev/null <>/dev/kvm; then
	boot kvm
else
	skip=$((skip + 1))
	echo "skip qemu-kvm: /dev/kvm is missing or not accessible"
fi
echo "qemu: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
