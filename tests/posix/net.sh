#!/usr/bin/env bash
# Network suite: each tests/posix/net/<name>.c, built with musl and with
# glibc, runs natively on Linux (the oracle) and inside nanvixd with
# --net=host and with --net=guest; stdout and status must match.
#
#   tests/posix/net.sh [NAME...]     only the programs named
#   NET_REPEAT=N                     run each native side N times (flakiness check)
#   NANVIXD_OPTS='-m 64M'            extra nanvixd options
#   NANVIX_GUEST_ADDR=A.B.C.D        the VM's own address (default 10.0.2.15)
#
# NANVIX_TEST_ADDR gives a program the address the machine it runs on owns
# (tcp_echo also echoes over it): natively the host's first non-loopback
# IPv4 address; in a VM its address on the tenant network, 10.0.2.15 for
# the first (and here only) VM.
#
# A VM mode is SKIPPED, with the reason, only where it cannot be tested
# (no usable /dev/kvm, nanvixd or netd.elf not built: net_mode_check in
# tests/system/lib.sh); a mode that is there but cannot run hello fails.
# tests/posix/net/PENDING names programs the kernel cannot run yet: their
# native side must pass; their VM side runs with a short timeout and is
# reported as pending, not as a failure.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/system/lib.sh
. tests/system/lib.sh

B=bin/tests/posix/net
NANVIXD=${NANVIXD:-bin/nanvixd}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
read -r -a opts <<<"${NANVIXD_OPTS:-}"
repeat=${NET_REPEAT:-1}
haddr=$(host_addr)

listed() { sed 's/#.*//' "tests/posix/net/$1" 2>/dev/null | tr -s ' \t' '\n\n'; }
pending_list=" $(listed PENDING | tr '\n' ' ') "

total=0 fail=0 skip=0 pending=0 passed=0
modes=()
for m in host guest; do
	net_mode_check "$m"
	case $net_state in
	ok) modes+=("$m") ;;
	skip)
		skip=$((skip + 1))
		echo "net: SKIP vm side --net=$m: $net_why"
		;;
	fail)
		fail=$((fail + 1))
		echo "FAIL vm side --net=$m: $net_why"
		;;
	esac
done

# The address a side owns: native, host or guest.
addr_for() {
	case $1 in
	native) echo "$haddr" ;;
	# A lone VM is the first of its tenant network (docs/abi.md, Network).
	host | guest) echo "${NANVIX_GUEST_ADDR:-10.0.2.15}" ;;
	esac
}

# native ELF ADDR: the native run with NANVIX_TEST_ADDR=ADDR (empty: unset),
# once per (program, address): status in $nst, stdout in $nout.
native() {
	local elf=$1 addr=$2 i st
	nout=$tmp/native.$(basename "$elf").${addr:-none}
	if [ ! -e "$nout.st" ]; then
		st=0
		for ((i = 0; i < repeat && st == 0; i++)); do
			# Braces: bash's own report of a killed program stays out of the log.
			if [ -n "$addr" ]; then
				{ NANVIX_TEST_ADDR=$addr timeout 300 "$elf" >"$nout" 2>"$nout.err" </dev/null; } 2>/dev/null
			else
				{ env -u NANVIX_TEST_ADDR timeout 300 "$elf" >"$nout" 2>"$nout.err" </dev/null; } 2>/dev/null
			fi
			st=$?
			# Every repetition must print the same.
			[ "$i" = 0 ] && cp "$nout" "$nout.first"
			if [ "$st" = 0 ] && ! cmp -s "$nout" "$nout.first"; then
				echo "native output changed on repetition $((i + 1))" >>"$nout"
				st=99
			fi
		done
		echo "$st" >"$nout.st"
	fi
	nst=$(cat "$nout.st")
}

# Show the first lines of file $2 (heading $1), indented.
show() { [ -s "$2" ] && { echo "     $1:"; sed 's/^/     | /' "$2" | head -"${3:-8}"; }; }

progs=("$@")
if [ ${#progs[@]} = 0 ]; then
	for src in tests/posix/net/*.c; do progs+=("$(basename "$src" .c)"); done
fi

for name in "${progs[@]}"; do
	is_pending=0
	case "$pending_list" in *" $name "*) is_pending=1 ;; esac
	for libc in musl glibc; do
		elf=$B/$name.$libc.elf
		if [ ! -x "$elf" ]; then
			skip=$((skip + 1))
			echo "skip $name.$libc: $elf not built"
			continue
		fi
		# The native side alone.
		total=$((total + 1))
		native "$elf" "$(addr_for native)"
		if [ "$nst" != 0 ]; then
			fail=$((fail + 1))
			echo "FAIL $name.$libc native: status $nst"
			show stdout "$nout"
			show stderr "$nout.err" 3
		else
			passed=$((passed + 1))
			echo "ok   $name.$libc native"
		fi
		for m in "${modes[@]}"; do
			total=$((total + 1))
			# Both sides echo over an address of their own, or neither does.
			addr=$(addr_for "$m")
			[ -n "$haddr" ] || addr=
			native "$elf" "${addr:+$haddr}"
			env_opt=()
			[ -n "$addr" ] && env_opt=(-e "NANVIX_TEST_ADDR=$addr")
			to=300
			[ "$is_pending" = 1 ] && to=20
			"$NANVIXD" --net="$m" --timeout "$to" "${opts[@]}" "${env_opt[@]}" -- "$elf" \
				>"$tmp/vm" 2>"$tmp/vm.err" </dev/null
			vst=$?
			if [ "$nst" = 0 ] && [ "$vst" = 0 ] && cmp -s "$nout" "$tmp/vm"; then
				passed=$((passed + 1))
				if [ "$is_pending" = 1 ]; then
					echo "ok   $name.$libc --net=$m (pending, but passes now: take it off tests/posix/net/PENDING)"
				else
					echo "ok   $name.$libc --net=$m"
				fi
			elif [ "$is_pending" = 1 ] && [ "$nst" = 0 ]; then
				pending=$((pending + 1))
				echo "pend $name.$libc --net=$m: vm status $vst"
			else
				fail=$((fail + 1))
				echo "FAIL $name.$libc --net=$m: status native $nst, vm $vst"
				if [ "$nst" = 0 ] && [ "$vst" = 0 ]; then
					diff "$nout" "$tmp/vm" | sed 's/^/     | /' | head -10
				else
					show "vm stdout" "$tmp/vm"
					show "vm stderr" "$tmp/vm.err" 5
				fi
			fi
		done
	done
done

echo "net: $passed/$total passed, $fail failed, $pending pending, $skip skipped (vm modes: ${modes[*]:-none})"
[ "$fail" = 0 ] && [ "$total" -gt 0 ]
