#!/usr/bin/env bash
# POSIX suite: each tests/posix/<name>.c, built with musl and with newlib+ulib,
# runs natively on Linux and inside nanvixd; stdout and status must match.
#
# A program passes on a side when it exits 0; the suite passes when every
# program passes on both sides and the two outputs are identical.
set -u
cd "$(dirname "$0")/../.."

B=bin/tests/posix
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
total=0 native_ok=0 vm_ok=0 same=0 fail=0 skip=0

kvm=1
if [ ! -c /dev/kvm ] || ! : 2>/dev/null <>/dev/kvm; then
	kvm=0
	echo "posix: /dev/kvm missing or not accessible: VM side SKIPPED, native side only"
fi

for src in tests/posix/*.c; do
	name=$(basename "$src" .c)
	for libc in musl newlib; do
		elf="$B/$name.$libc.elf"
		if [ ! -x "$elf" ]; then
			skip=$((skip + 1)); echo "skip $name.$libc: $elf not built"; continue
		fi
		total=$((total + 1))
		"$elf" >"$tmp/native" 2>"$tmp/native.err" </dev/null
		nst=$?
		[ "$nst" = 0 ] && native_ok=$((native_ok + 1))
		if [ "$kvm" = 0 ]; then
			[ "$nst" = 0 ] && echo "ok   $name.$libc (native)" || { fail=$((fail + 1)); echo "FAIL $name.$libc: native status $nst"; }
			continue
		fi
		bin/nanvixd --timeout 60 -- "$elf" >"$tmp/vm" 2>"$tmp/vm.err" </dev/null
		vst=$?
		[ "$vst" = 0 ] && vm_ok=$((vm_ok + 1))
		if [ "$nst" != 0 ] || [ "$vst" != 0 ]; then
			fail=$((fail + 1))
			echo "FAIL $name.$libc: status native $nst, vm $vst"
			sed 's/^/     | /' "$tmp/vm.err" | head -5
		elif ! cmp -s "$tmp/native" "$tmp/vm"; then
			fail=$((fail + 1))
			echo "FAIL $name.$libc: outputs differ"
			diff "$tmp/native" "$tmp/vm" | sed 's/^/     | /' | head -10
		else
			same=$((same + 1))
			echo "ok   $name.$libc"
		fi
	done
done

echo "posix: native $native_ok/$total passed, nanvixd $vm_ok/$total passed, $same/$total identical"
echo "posix: $((total - fail)) passed, $fail failed, $skip skipped"
[ "$fail" = 0 ] && [ "$total" -gt 0 ]
