#!/usr/bin/env bash
# The Open POSIX Test Suite cases named in tests/posix/OPEN_POSIX, each
# built with musl and with glibc from Debian's posixtestsuite source (the
# cache ./z setup fills; see toolchain/posixtestsuite.sh) and run natively
# and in a VM.  A case passes when both give the same result code (the
# suite's: 0 PASS, 1 FAIL, 2 UNRESOLVED, 4 UNSUPPORTED, 5 UNTESTED).
set -u
cd "$(dirname "$0")/../.." || exit 1

OUT=build/out/open-posix
pass=0 fail=0 skip=0

if ! toolchain/posixtestsuite.sh --check; then
	echo "open-posix: SKIPPED: the posixtestsuite source is not cached (./z setup fetches it)"
	echo "open-posix: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
SRC=$(toolchain/posixtestsuite.sh --print-dir)
kvm=1
[ -c /dev/kvm ] && : 2>/dev/null <>/dev/kvm || kvm=0
mkdir -p "$OUT"

for case in $(sed 's/#.*//' tests/posix/OPEN_POSIX); do
	for libc in musl glibc; do
		name="${case//\//_}.$libc"
		elf=$OUT/$name
		cc=gcc
		[ "$libc" = musl ] && cc=musl-gcc
		if [ ! -x "$elf" ] || [ "$SRC/conformance/interfaces/$case.c" -nt "$elf" ]; then
			# The suite's own code: its warnings are not ours to fix.
			if ! $cc -std=gnu99 -O2 -w -static -I"$SRC/include" -o "$elf" \
				"$SRC/conformance/interfaces/$case.c" -lpthread -lrt 2>"$OUT/$name.log"; then
				fail=$((fail + 1))
				echo "FAIL $name: does not build ($OUT/$name.log)"
				continue
			fi
		fi
		# The suite writes scratch files into the current directory.
		work=$(mktemp -d)
		(cd "$work" && timeout 120 "$OLDPWD/$elf") >/dev/null 2>&1 </dev/null
		nst=$?
		if [ "$kvm" = 0 ]; then
			skip=$((skip + 1))
			echo "skip $name: no /dev/kvm (native result $nst)"
			rm -rf "$work"
			continue
		fi
		bin/nanvixd --timeout 240 -m 64M -- "$elf" >"$work/vm.out" 2>&1 </dev/null
		vst=$?
		if [ "$vst" = "$nst" ]; then
			pass=$((pass + 1))
			echo "ok   $name: $nst"
		else
			fail=$((fail + 1))
			echo "FAIL $name: native $nst, vm $vst"
			tail -3 "$work/vm.out" | sed 's/^/     | /'
		fi
		rm -rf "$work"
	done
done
echo "open-posix: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
