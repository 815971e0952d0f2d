#!/usr/bin/env bash
# System tests: guest programs under nanvixd, compared with the same binaries run natively.
#
# Every program in bin/tests/ is built twice (musl-gcc -static and
# newlib+ulib).  Both builds are static Linux binaries, so each runs on the
# host too: a differential case runs it natively and in a micro-VM and
# expects identical stdout and exit status.  VM-only cases check behaviour
# Linux does not share (W^X, memory limits, timeouts, nanvixd's errors).
set -u
cd "$(dirname "$0")/../.." || exit 1

# shellcheck source=tests/system/lib.sh
. tests/system/lib.sh
system_setup system

# differential NAME PROG [ARGS...]: native vs VM, stdout and status, both libcs.
differential() {
	local name=$1 prog=$2 libc
	shift 2
	for libc in musl newlib; do
		local elf="$T/$prog.$libc.elf"
		if [ ! -x "$elf" ]; then
			skip=$((skip + 1))
			printf 'skip %s.%s: %s not built\n' "$name" "$libc" "$elf"
			continue
		fi
		# The braces take bash's own "Segmentation fault" report for
		# programs meant to crash (the status says it all).
		{ env -i NANVIX_A=alpha "NANVIX_B=two words" "$elf" "$@" >"$tmp/native" </dev/null; } 2>/dev/null
		local nst=$?
		vm -e NANVIX_A=alpha -e "NANVIX_B=two words" -- "$elf" "$@"
		if [ "$st" != "$nst" ]; then
			bad "$name.$libc" "exit status $st in the VM, $nst natively"
		elif ! cmp -s "$tmp/native" "$tmp/out"; then
			bad "$name.$libc" "stdout differs: $(diff "$tmp/native" "$tmp/out" | head -5 | tr '\n' ' ')"
		else
			ok "$name.$libc"
		fi
	done
}


echo "== differential: native Linux vs nanvixd"
differential hello hello
differential args args one "two words" ""
differential exit0 exitcode 0
differential exit7 exitcode 7
differential exit255 exitcode 255
differential nullderef nullderef
differential textwrite textwrite
differential mmap_basic mmap_basic
differential clock clock
differential uname uname
differential ioctl_tty ioctl_tty
differential closefd closefd
differential sigreturn-kernel sigreturn_kernel

echo "== VM-only behaviour"
expect "hello.sysapp" 0 '^Hello, world!$' '' -- -- bin/hello.elf
for libc in musl newlib; do
	expect "mprotect_rwx.$libc" 0 'mprotect rwx: EACCES' '' -- -- "$T/mprotect_rwx.$libc.elf"
	expect "mmap_wx.$libc" 0 'mmap wx: EACCES' '' -- -- "$T/mprotect_rwx.$libc.elf"
	expect "enomem.$libc" 0 'still alive' '' -- -m 16M -- "$T/enomem.$libc.elf"
	expect "enomem-malloc.$libc" 0 'malloc: NULL' '' -- -m 16M -- "$T/enomem.$libc.elf"
	expect "enomem-mmap.$libc" 0 'mmap: ENOMEM' '' -- -m 16M -- "$T/enomem.$libc.elf"
	expect "segv-report.$libc" 139 '' 'segmentation fault at 0x0 .*killed by SIGSEGV' -- \
		-- "$T/nullderef.$libc.elf"
	expect "textwrite-report.$libc" 139 '' 'write denied by protection.*SIGSEGV' -- \
		-- "$T/textwrite.$libc.elf"
	expect "timeout.$libc" 124 'spinning' 'timeout' -- --timeout 0.5 -- "$T/loop.$libc.elf"
	expect "timeout-asleep.$libc" 124 'sleeping' 'timeout' -- --timeout 0.5 -- "$T/sleeper.$libc.elf"
	expect "sleep.$libc" 0 'woke' '' -- -- "$T/sleeper.$libc.elf" 0
done
# The VM's own wall clock (natively, as root, this would set the host's).
expect "settime.musl" 0 'settimeofday: ok' '' -- -- "$T/settime.musl.elf"
if [ -x "$T/hello.pie.elf" ]; then
	expect "static-pie" 0 'hello, world' '' -- -- "$T/hello.pie.elf"
else
	skip=$((skip + 1)); echo "skip static-pie: $T/hello.pie.elf not built"
fi
expect "console-file" 0 '' '' -- --console-file "$tmp/console" -- "$T/hello.musl.elf"
if [ -s "$tmp/out" ] || ! grep -q 'hello, world' "$tmp/console" 2>/dev/null; then
	bad "console-file-content" "output did not go (only) to the console file"
else
	ok "console-file-content"
fi
expect "strace-write" 0 '' 'write\(1, "Hello, world!\\n", 14\) = 14' -- --strace -- bin/hello.elf
expect "strace-exit" 0 '' '^exit_group\(0\) = \?$' -- --strace -- bin/hello.elf
expect "strace-errno" 0 '' 'ioctl\(1, .*\) = -1 ENOTTY \(Inappropriate ioctl for device\)' -- \
	--strace -- "$T/hello.musl.elf"
expect "strace-mmap" 0 '' 'mmap\(0, 65536, PROT_READ\|PROT_WRITE, MAP_PRIVATE\|MAP_ANONYMOUS, -1, 0\) = 0x' -- \
	--strace -- "$T/mmap_basic.musl.elf"
# Names from the one list of served calls, decoded requests, sigreturn.
expect "strace-ioctl-name" 0 '' '^ioctl\(1, TIOCGWINSZ, 0x[0-9a-f]+\) = -1 ENOTTY' -- \
	--strace -- "$T/hello.musl.elf"
expect "strace-sigreturn" 139 '' '^rt_sigreturn\(\) = \?$' -- \
	--strace -- "$T/sigreturn_kernel.musl.elf"
if grep -q 'syscall_15' "$tmp/err"; then bad "strace-sigreturn-name" "syscall_15 in the trace"; fi
# [pid N] once a second process exists, none before.
expect "strace-pid" 0 'child exited 0' '^\[pid 2\] execve\("hello", ' -- \
	--strace --program hello="$T/hello.musl.elf" -- "$T/spawn.musl.elf" hello
if grep -q '^fork() = 2$' "$tmp/err" && grep -q '^\[pid 1\] wait4(' "$tmp/err" &&
	! grep -B100 '^fork()' "$tmp/err" | grep -q '^\[pid'; then
	ok "strace-pid-after-fork"
else
	bad "strace-pid-after-fork" "$(head -c 300 "$tmp/err")"
fi
# --strace-file: the trace in the file, nothing of it on stderr.
expect "strace-file" 0 'Hello, world!' '' -- --strace-file "$tmp/trace" -- bin/hello.elf
if grep -q '^exit_group(0) = ?$' "$tmp/trace" 2>/dev/null && ! grep -q 'exit_group' "$tmp/err"; then
	ok "strace-file-content"
else
	bad "strace-file-content" "trace: $(head -c 200 "$tmp/trace" 2>/dev/null)"
fi
expect "strace-file-bad" 125 '' 'cannot open strace file' -- \
	--strace-file "$tmp/no/such/dir/trace" -- bin/hello.elf
expect "stats" 0 '' 'stats: exits=[0-9]+ traps=[0-9]+ syscalls=[0-9]+' -- --stats -- "$T/hello.musl.elf"

head -c 200 /dev/zero | tr '\0' x >"$tmp/text.elf"
echo "== execve from program images (--program, --image)"
for libc in musl newlib; do
	expect "exec-program.$libc" 0 'hello, world.*|child exited 0' '' -- \
		--program hello=$T/hello.musl.elf -- "$T/spawn.$libc.elf" hello
	expect "exec-program-out.$libc" 0 '^hello, world$' '' -- \
		--program hello=$T/hello.musl.elf -- "$T/spawn.$libc.elf" /bin/hello
	expect "exec-exitcode.$libc" 0 'child exited 42' '' -- \
		--program exitcode=$T/exitcode.newlib.elf -- "$T/spawn.$libc.elf" exitcode 42
	expect "exec-image.$libc" 0 'child exited 7' '' -- \
		--image "$T" -- "$T/spawn.$libc.elf" exitcode.musl.elf 7
	expect "exec-segv.$libc" 0 'child killed by signal 11' '' -- \
		--image "$T" -- "$T/spawn.$libc.elf" nullderef.musl.elf
	expect "exec-missing.$libc" 0 'exec failed: ENOENT' '' -- -- "$T/spawn.$libc.elf" nothere
	expect "exec-not-elf.$libc" 0 'exec failed: ENOEXEC' '' -- \
		--program junk="$tmp/text.elf" -- "$T/spawn.$libc.elf" junk
done
for libc in musl newlib; do
	expect "pipeline.$libc" 0 '^hello, world$' 'both stages exited 0' -- \
		--image "$T" -- "$T/pipeline.$libc.elf" hello.musl.elf cat.newlib.elf
	# stdin: nanvixd's own standard input reaches the guest.
	printf 'line one\nline two\n' | "$NANVIXD" -- "$T/cat.$libc.elf" >"$tmp/out" 2>"$tmp/err"
	if [ "$(cat "$tmp/out")" = "$(printf 'line one\nline two')" ]; then ok "stdin.$libc"; else
		bad "stdin.$libc" "got: $(head -c 100 "$tmp/out")"; fi
done
expect "program-bad-syntax" 125 '' 'NAME=PATH' -- --program nothing -- "$T/hello.musl.elf"
expect "program-missing-file" 127 '' 'not a readable file' -- --program x=/nonexistent -- \
	"$T/hello.musl.elf"
expect "image-missing-dir" 127 '' 'cannot open image directory' -- --image /nonexistent -- \
	"$T/hello.musl.elf"

echo "== hostile or broken guests stop with a clear error"
expect "bad-port" 122 '' 'unknown port 0x80 at rip 0x' -- --kernel "$T/bad-port.kernel.elf" -- "$T/hello.musl.elf"
expect "triple-fault" 122 '' 'triple fault.*rip 0x' -- --kernel "$T/bad-triple.kernel.elf" -- "$T/hello.musl.elf"
expect "halt" 122 '' 'halted.*rip 0x' -- --kernel "$T/bad-halt.kernel.elf" -- "$T/hello.musl.elf"
# Software KVM: emulation failure with the instruction bytes; hardware: triple fault.
expect "ring0-sse" 122 '' 'emulation failed.*rip 0x[0-9a-f]+ \(bytes: 66 0f ef c0|triple fault' -- \
	--kernel "$T/bad-sse.kernel.elf" -- "$T/hello.musl.elf"

echo "== command line and loading errors"
head -c 100 "$T/hello.musl.elf" >"$tmp/trunc.elf"
expect "no-program" 125 '' 'no program' --
expect "bad-option" 125 '' 'unknown' -- --bogus -- "$T/hello.musl.elf"
expect "bad-memory" 125 '' 'invalid memory size' -- -m lots -- "$T/hello.musl.elf"
expect "bad-timeout" 125 '' 'invalid timeout' -- --timeout -1 -- "$T/hello.musl.elf"
expect "bad-env" 125 '' 'KEY=VALUE' -- -e =novalue -- "$T/hello.musl.elf"
expect "missing-program" 127 '' 'cannot open program' -- -- "$tmp/nope.elf"
expect "missing-kernel" 127 '' 'cannot open kernel' -- --kernel "$tmp/nope" -- "$T/hello.musl.elf"
expect "not-elf" 126 '' 'not an ELF' -- -- "$tmp/text.elf"
expect "truncated-elf" 126 '' 'outside the file|past the end|truncated' -- -- "$tmp/trunc.elf"
expect "directory" 126 '' 'not a regular file' -- -- "$tmp"
expect "kernel-as-program" 126 '' 'below the lowest|user limit|range' -- -- bin/kernel.elf
expect "tiny-memory" 121 '' 'too small' -- -m 1M -- "$T/hello.musl.elf"
# No usable /dev/kvm, seen from a private mount namespace (root only; skipped otherwise).
if unshare -m true 2>/dev/null; then
	unshare -m sh -c "mount -t tmpfs none /dev && exec $NANVIXD -- $T/hello.musl.elf" \
		>"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ "$st" = 120 ] && grep -q 'cannot open /dev/kvm' "$tmp/err"; then ok "no-kvm"; else
		bad "no-kvm" "exit status $st"; fi
	unshare -m sh -c "mount --bind /dev/null /dev/kvm && exec $NANVIXD -- $T/hello.musl.elf" \
		>"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ "$st" = 120 ] && grep -q 'unsupported API' "$tmp/err"; then ok "not-kvm"; else
		bad "not-kvm" "exit status $st"; fi
else
	skip=$((skip + 2)); echo "skip no-kvm, not-kvm: cannot make a mount namespace here"
fi
expect "help" 0 'usage: nanvixd' '' -- --help
expect "version" 0 '^nanvixd ' '' -- --version

echo "== W^X refusals: counted for --stats and --stats-file, said once a VM"
# wx_judge NAME STATUS STDOUT-PATTERN COUNTS SAID [FILE]: $st is STATUS, stdout
# matches (an empty pattern matches anything), FILE's (default stderr's) wx_
# line is "wx_refused=COUNTS" and SAID lines on stderr start with
# "nanvix.*W^X:" (0: none).
wx_judge() {
	local name=$1 want=$2 out_pat=$3 counts=$4 said=$5 file=${6:-$tmp/err} line n
	line=$(grep -o 'stats: wx_refused=.*' "$file" 2>/dev/null)
	n=$(grep -c '^nanvix.*W^X:' "$tmp/err")
	if [ "$st" != "$want" ]; then
		bad "$name" "exit status $st, expected $want: $(tr '\n' ' ' <"$tmp/out" | head -c 200)"
	elif [ -n "$out_pat" ] && ! grep -qE -- "$out_pat" "$tmp/out"; then
		bad "$name" "stdout lacks /$out_pat/: $(tr '\n' ' ' <"$tmp/out" | head -c 200)"
	elif [ "$line" != "stats: wx_refused=$counts" ]; then
		bad "$name" "got '$line', expected 'stats: wx_refused=$counts'"
	elif [ "$n" != "$said" ]; then
		bad "$name" "$n W^X lines on stderr, expected $said"
	else
		ok "$name"
	fi
}
for libc in musl newlib glibc; do
	if [ ! -x "$T/mprotect_rwx.$libc.elf" ]; then
		skip=$((skip + 1)); echo "skip wx-stats.$libc: $T/mprotect_rwx.$libc.elf not built"
		continue
	fi
	vm --stats -- "$T/mprotect_rwx.$libc.elf" 3
	wx_judge "wx-stats.$libc" 0 'mmap wx: EACCES' '6 wx_mmap=3 wx_mprotect=3 wx_exec=0 wx_hypercall=0' 1
done
# --stats-file after --timeout: the kernel's counters read from guest memory.
vm --stats-file "$tmp/stats" --timeout 0.5 -- "$T/mprotect_rwx.musl.elf" 2 sleep
wx_judge "wx-stats-file-timeout" 124 'sleeping' '4 wx_mmap=2 wx_mprotect=2 wx_exec=0 wx_hypercall=0' 1 \
	"$tmp/stats"
if grep -q 'stats:' "$tmp/err"; then bad "wx-stats-file-only" "counters on stderr too"; else
	ok "wx-stats-file-only"; fi
# execve of an image with a W+X segment: ENOEXEC for the program, counted by nanvixd.
vm --stats --program wx="$T/wx_segment.elf" -- "$T/spawn.musl.elf" wx
wx_judge "wx-exec" 0 'exec failed: ENOEXEC' '1 wx_mmap=0 wx_mprotect=0 wx_exec=1 wx_hypercall=0' 1
# A kernel asking nanvixd for a W+X page (twice): refused, counted, said once.
vm --stats --kernel "$T/bad-wx.kernel.elf" -- "$T/hello.musl.elf"
wx_judge "wx-hypercall" 0 '' '2 wx_mmap=0 wx_mprotect=0 wx_exec=0 wx_hypercall=2' 1
vm --stats -- "$T/hello.musl.elf"
wx_judge "wx-none" 0 'hello, world' '0 wx_mmap=0 wx_mprotect=0 wx_exec=0 wx_hypercall=0' 0
# Loading one is refused before the VM runs (no counters: nanvix-api audits the line).
expect "wx-load" 126 '' 'segment at 0x[0-9a-f]+ is writable and executable \(W\^X\)' -- \
	-- "$T/wx_segment.elf"

echo "== stress: 64 processes x 8 threads, pipes and futexes, three rounds, no leaked frames"
expect "stress" 0 'back to round 1.s: yes' '' -- -m 256M --timeout 600 -- "$T/stress.elf" 64 8 10
grep -h 'rounds of\|free frames' "$tmp/out" | sed 's/^/     /'

echo "== the fast mm path: allocator calls served from ring 3, as the kernel answers them"
# mmap_revoke checks that rights taken away stay taken away; shared_anon
# that munmap leaves shared frames held elsewhere alone.  Each runs with
# the fast path (fast_calls counted) and without, with the same output.
for prog in mmap_revoke.musl mmap_revoke.glibc shared_anon.glibc; do
	elf=bin/tests/posix/$prog.elf
	vm --stats -- "$elf"
	fast_st=$st
	cp "$tmp/out" "$tmp/fast.out"
	calls=$(grep -oE 'fast_calls=[0-9]+' "$tmp/err" | cut -d= -f2)
	vm --stats --no-fast-path -- "$elf"
	if [ "$fast_st" = 0 ] && [ "$st" = 0 ] && [ "${calls:-0}" -gt 0 ] &&
	   grep -q 'fast_calls=0' "$tmp/err" && cmp -s "$tmp/out" "$tmp/fast.out"; then
		ok "fast-mm-$prog ($calls fast calls; the same output through the kernel)"
	else
		bad "fast-mm-$prog" "status $fast_st/$st, fast calls ${calls:-none}: $(diff "$tmp/fast.out" "$tmp/out" | head -5 | tr '\n' ' ')"
	fi
done

echo "== nanvixd under valgrind: no memory errors, leaks or leaked fds"
# grind NAME STATUS -- nanvixd args: valgrind output in $tmp/vg.  Without
# the seccomp filter, which valgrind cannot run (tests/system/sandbox.sh
# tests it).
grind() {
	local name=$1 want=$2
	shift 3
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--track-fds=yes --error-exitcode=99 --log-file="$tmp/vg" \
		"$T/nanvixd.dyn" --kernel bin/kernel.elf --no-seccomp "$@" >/dev/null 2>"$tmp/err" </dev/null
	st=$?
	# Every fd still open at exit must be one nanvixd inherited.
	local leaked
	leaked=$(awk '/Open file descriptor/ {fd=$0; getline; if ($0 !~ /inherited/) print fd}' "$tmp/vg")
	if [ "$st" != "$want" ]; then
		bad "valgrind-$name" "exit status $st, expected $want: $(grep -v '^==[0-9]*== *$' "$tmp/vg" | head -5)"
	elif [ -n "$leaked" ]; then
		bad "valgrind-$name" "file descriptors left open: $leaked"
	else
		ok "valgrind-$name"
	fi
}
if command -v valgrind >/dev/null && [ -x "$T/nanvixd.dyn" ]; then
	grind hello 0 -- -- "$T/hello.musl.elf"
	grind segv 139 -- -- "$T/nullderef.newlib.elf"
	grind enomem 0 -- -- "$T/enomem.musl.elf"
	grind bad-port 122 -- --kernel "$T/bad-port.kernel.elf" -- "$T/hello.musl.elf"
	grind timeout 124 -- --timeout 0.5 -- "$T/loop.musl.elf"
	grind not-elf 126 -- -- "$tmp/text.elf"
	grind console-file 0 -- --console-file "$tmp/console" -- "$T/hello.musl.elf"
	grind fork-exec 0 -- --image "$T" -- "$T/spawn.musl.elf" exitcode.musl.elf 3
	grind threads 0 -- -- bin/tests/posix/pipe_thread.musl.elf
	grind fast-mm 0 -- -- bin/tests/posix/mmap_revoke.musl.elf
else
	skip=$((skip + 1))
	echo "skip valgrind: valgrind or $T/nanvixd.dyn missing"
fi

echo "system: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
