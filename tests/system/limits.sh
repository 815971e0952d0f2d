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
#   --net-sockets N  socket fails with ENFILE at N open sockets;
#   --disk-rate R    reading 2 MB from a disk at 1M/s takes at least 1.5 s
#                    (the program's own clock; faster would be a bug, and a
#                    busy host can only make it slower);
#   --net-rate R     sending 2 MB to a host listener at 1M/s takes at least
#                    1.5 s, and every byte arrives (the sender waits: no
#                    drops);
#   --net-recv-rate R  the same the other way: 2 MB from a host sender;
#   --tmp-size S     the default /tmp, filled by tmpfill (musl and glibc):
#                    the same lines as on a tmpfs mounted natively with
#                    size=1M,nr_inodes=256 (short writes, ENOSPC, space an
#                    unlinked open file keeps, holes, one slot a name);
#                    without it, /tmp is as large as the VM's memory;
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

expect "--net-sockets 5: the 6th socket fails with ENFILE" 0 \
	"^sockets 5, then Too many open files in system$" "" -- --net-sockets 5 -- "$L" sockets
expect "no --net-sockets: the fd table bounds sockets" 0 "^sockets 509, then No file descriptors" \
	"" -- "$L" sockets

# at_least NAME SECONDS: the "... in S s" line of $tmp/out says S >= SECONDS.
at_least() {
	local s
	s=$(sed -n 's/.* in \([0-9.]*\) s$/\1/p' "$tmp/out")
	if [ -n "$s" ] && awk -v s="$s" -v m="$2" 'BEGIN { exit !(s >= m) }'; then
		ok "$1 (${s} s)"
	else
		bad "$1" "took '${s}' s, expected at least $2: $(tr '\n' ' ' <"$tmp/out")"
	fi
}
if command -v mke2fs >/dev/null; then
	mkdir -p "$tmp/root"
	head -c 2000000 /dev/urandom >"$tmp/root/big.bin"
	mke2fs -q -t ext2 -d "$tmp/root" -F "$tmp/disk.img" 16M
	expect "--disk-rate 1M: the whole file is read" 0 "^read 2000000 bytes in" "" -- \
		--disk "$tmp/disk.img:ro" --disk-rate 1M -- "$L" read /big.bin
	at_least "--disk-rate 1M: 2 MB take at least 1.5 s" 1.5
	expect "no --disk-rate: the same read" 0 "^read 2000000 bytes in" "" -- \
		--disk "$tmp/disk.img:ro" -- "$L" read /big.bin
else
	echo "skip --disk-rate: mke2fs missing (apt-get install e2fsprogs)"
fi
# peer MODE OUT: a TCP peer on the host's loopback, in the background
# ($peer_pid), its port in $port (and on OUT's first line): MODE sink
# counts what it gets (on OUT's second line), source sends 2,000,000 bytes.
peer() {
	python3 - "$1" >"$2" <<'PY' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
print(s.getsockname()[1], flush=True)
s.settimeout(60)
c, _ = s.accept()
if sys.argv[1] == "source":
    c.sendall(b"r" * 2000000)
else:
    n = 0
    while True:
        b = c.recv(65536)
        if not b:
            break
        n += len(b)
    print(n, flush=True)
c.close()
PY
	peer_pid=$!
	for _ in $(seq 100); do [ -s "$2" ] && break; sleep 0.1; done
	port=$(head -1 "$2")
}
if command -v python3 >/dev/null; then
	peer sink "$tmp/sink"
	expect "--net-rate 1M: 2 MB are sent" 0 "^send 2000000 bytes in" "" -- \
		--net-allow "127.0.0.1:$port" --net-rate 1M -- "$L" send 10.0.2.2 "$port" 2000000
	at_least "--net-rate 1M: 2 MB take at least 1.5 s" 1.5
	wait "$peer_pid"
	if [ "$(sed -n 2p "$tmp/sink")" = 2000000 ]; then
		ok "--net-rate 1M: every byte arrives (shaped, not dropped)"
	else
		bad "--net-rate 1M: every byte arrives" "the listener got $(sed -n 2p "$tmp/sink")"
	fi
	# The other way: a host sender, the VM reads 2 MB at 1M/s.
	peer source "$tmp/source"
	expect "--net-recv-rate 1M: 2 MB are received, every byte" 0 "^recv 2000000 bytes in" "" -- \
		--net-allow "127.0.0.1:$port" --net-recv-rate 1M -- "$L" recv 10.0.2.2 "$port"
	at_least "--net-recv-rate 1M: 2 MB take at least 1.5 s" 1.5
	wait "$peer_pid"
	expect "--net-rate 4K: a rate below a frame's bytes a tenth of a second works" 0 "^hello" \
		"" -- --net-rate 4K --net-recv-rate 4K -- "$T/hello.musl.elf"
else
	echo "skip --net-rate: python3 missing"
fi

# --tmp-size: the default /tmp against a tmpfs of that size (Linux the oracle).
native_tmpfs() { # PROGRAM: its output on a fresh tmpfs size=1M,nr_inodes=256
	local mnt=$tmp/tmpfs
	mkdir -p "$mnt"
	if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=1M,nr_inodes=256 nanvix-test "$mnt" 2>/dev/null; then
		"$1" "$mnt"
		umount "$mnt"
	elif command -v unshare >/dev/null &&
		unshare -rm sh -c 'mount -t tmpfs -o size=1M,nr_inodes=256 t "$1" && "$2" "$1"' sh \
			"$mnt" "$1" 2>/dev/null; then
		:
	else
		return 1
	fi
}
for lib in musl glibc; do
	F=$T/tmpfill.$lib.elf
	vm --tmp-size 1M -- "$F" /tmp
	if [ "$st" != 0 ]; then
		bad "--tmp-size 1M ($lib): tmpfill ran" "exit $st"
	elif native_tmpfs "$F" >"$tmp/native" 2>"$tmp/native.err"; then
		if diff "$tmp/native" "$tmp/out" >"$tmp/diff"; then
			ok "--tmp-size 1M ($lib): /tmp filled, emptied and refilled as a native tmpfs"
		else
			bad "--tmp-size 1M ($lib): as a native tmpfs" "$(head -8 "$tmp/diff" | tr '\n' ' ')"
		fi
	else
		echo "skip --tmp-size ($lib) against a native tmpfs: cannot mount one here"
		judge "--tmp-size 1M ($lib): a write cut short at the limit, then ENOSPC" 0 \
			"^fill: wrote 1048576 bytes \(the last write short: 48576\), then ENOSPC$"
	fi
done
expect "--stats: what /tmp holds (74 pages) and its limit" 0 "^write 300000 bytes" \
	"^nanvixd: stats: tmp_bytes=303104 tmp_max=1048576$" -- --stats --tmp-size 1M -- \
	"$L" write /tmp/x 300000
expect "--tmp-size 1M: df shows the limit" 0 "^empty: 1048576 bytes, 1048576 free; 256 names, 255 free$" \
	"" -- --tmp-size 1M -- "$T/tmpfill.musl.elf" /tmp df
expect "no --tmp-size: /tmp is as large as the memory (-m 32M)" 0 \
	"^empty: 33554432 bytes, 33554432 free; 8192 names, 8191 free$" "" -- -m 32M -- \
	"$T/tmpfill.musl.elf" /tmp df
expect "--tmp-size 0: /tmp has no limit of its own" 0 "^empty: " "" -- --tmp-size 0 -- \
	"$T/tmpfill.glibc.elf" /tmp df
if ! grep -q "^empty: " "$tmp/out" || grep -q "^empty: 16777216 bytes" "$tmp/out"; then
	bad "--tmp-size 0: not the default size" "$(head -1 "$tmp/out")"
else
	ok "--tmp-size 0: not the default size"
fi
for a in "--tmp-size 1K" "--tmp-size 2T" "--tmp-size x" "--tmp-size 1.5M"; do
	# shellcheck disable=SC2086 # the option and its value
	expect "refused: $a" 125 "" "invalid" -- $a -- "$T/hello.musl.elf"
done
expect "refused: --tmp-size with --no-tmp" 125 "" "--tmp-size sizes nanvixd's own /tmp" -- \
	--tmp-size 1M --no-tmp -- "$T/hello.musl.elf"

for a in "--pids-limit 0" "--pids-limit x" "--ulimit nofile=0" "--ulimit nofile=600" \
	"--ulimit nofile=20:10" "--ulimit core=1" "--ulimit cpu=-1" "--cpus 0" "--cpus 2" "--cpus x" "--net-sockets 0" "--net-sockets 1024" \
	"--disk-rate 1" "--disk-rate x" "--net-rate 2T" "--net-recv-rate 1K" "--net-recv-rate x"; do
	# shellcheck disable=SC2086 # the option and its value
	expect "refused: $a" 125 "" "invalid" -- $a -- "$T/hello.musl.elf"
done

echo "limits: $pass passed, $fail failed"
[ "$fail" = 0 ]
