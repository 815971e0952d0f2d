#!/usr/bin/env bash
# POSIX suite: each tests/posix/<name>.c, built with musl, with glibc and with newlib+ulib,
# runs natively on Linux and inside nanvixd; stdout and status must match.
#
# A program passes on a side when it exits 0; the suite passes when every
# program passes on both sides and the two outputs are identical.
#
# tests/posix/MUSL_ONLY names programs not built with newlib (their newlib
# side is not built and not counted).  tests/posix/PENDING names programs the
# kernel cannot run yet: their native side must pass; their VM side runs
# with a short timeout and is reported as pending, not as a failure.
set -u
cd "$(dirname "$0")/../.." || exit 1

B=bin/tests/posix
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
total=0 native_ok=0 vm_ok=0 same=0 fail=0 skip=0 pending=0

# The names listed in tests/posix/$1, one a line; '#' starts a comment.
listed() { sed 's/#.*//' "tests/posix/$1" 2>/dev/null | tr -s ' \t' '\n\n'; }
musl_only=" $(listed MUSL_ONLY | tr '\n' ' ') "
pending_list=" $(listed PENDING | tr '\n' ' ') "

kvm=1
if [ ! -c /dev/kvm ] || ! : 2>/dev/null <>/dev/kvm; then
	kvm=0
	echo "posix: /dev/kvm missing or not accessible: VM side SKIPPED, native side only"
fi

for src in tests/posix/*.c; do
	name=$(basename "$src" .c)
	is_pending=0
	case "$pending_list" in *" $name "*) is_pending=1 ;; esac
	for libc in musl glibc newlib; do
		case "$libc:$musl_only" in newlib:*" $name "*) continue ;; esac
		elf="$B/$name.$libc.elf"
		if [ ! -x "$elf" ]; then
			skip=$((skip + 1)); echo "skip $name.$libc: $elf not built"; continue
		fi
		total=$((total + 1))
		# Braces: bash's own report of a killed program stays out of the log.
		# Bounded: a program that hangs natively fails (124), not the whole run.
		{ timeout 120 "$elf" >"$tmp/native" 2>"$tmp/native.err" </dev/null; } 2>/dev/null
		nst=$?
		[ "$nst" = 0 ] && native_ok=$((native_ok + 1))
		if [ "$kvm" = 0 ]; then
			if [ "$nst" != 0 ]; then
				fail=$((fail + 1)); echo "FAIL $name.$libc: native status $nst"
			elif [ "$is_pending" = 1 ]; then
				pending=$((pending + 1)); echo "pend $name.$libc (native ok)"
			else
				echo "ok   $name.$libc (native)"
			fi
			continue
		fi
		if [ "$is_pending" = 1 ]; then
			bin/nanvixd --timeout 10 -- "$elf" >"$tmp/vm" 2>"$tmp/vm.err" </dev/null
			vst=$?
			if [ "$nst" != 0 ]; then
				fail=$((fail + 1))
				echo "FAIL $name.$libc: native status $nst (pending: vm $vst)"
			elif [ "$vst" = 0 ] && cmp -s "$tmp/native" "$tmp/vm"; then
				vm_ok=$((vm_ok + 1)) same=$((same + 1))
				echo "ok   $name.$libc (pending, but passes now: take it off tests/posix/PENDING)"
			else
				[ "$vst" = 0 ] && vm_ok=$((vm_ok + 1))
				pending=$((pending + 1))
				echo "pend $name.$libc: native ok, vm status $vst"
			fi
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

echo "posix: native $native_ok/$total passed, nanvixd $vm_ok/$total passed, $same/$total identical, $pending pending"
echo "posix: $((total - fail - pending)) passed, $fail failed, $skip skipped"
[ "$fail" = 0 ] && [ "$total" -gt 0 ]
