#!/usr/bin/env bash
# The shared macro-kernel: bin/macrokernel serving many nanvixd --macrokernel at once.
#
# One server on a temporary socket, its --root a temporary directory with
# an ext2 image.  Checks: VMs served concurrently (one of them SIGKILLed
# mid-run) while the others complete and new ones attach; the server's fd
# count back to its baseline once every client is gone; fsync'ed data of
# a raw image survives its nanvixd's SIGKILL; execve of programs stored on
# a disk or a volume (loaded by the server); --stats with the server's
# counters; hostile clients
# (bin/tests/mk_hostile, against the server built with ASan and UBSan
# when there is one) each refused or dropped, the server alive and serving
# after each; --max-vms; stale sockets; hostile servers for nanvixd; and
# SIGTERM removing the socket.  Skipped without a usable /dev/kvm.
set -u
cd "$(dirname "$0")/../.." || exit 1
export PATH="$PATH:/sbin:/usr/sbin" # mke2fs, debugfs, e2fsck

NANVIXD=bin/nanvixd
MK=${MK:-bin/macrokernel} # MK=wrapper: strace it (docs/security.md)
HOSTILE=bin/tests/mk_hostile
T=bin/tests
pass=0
fail=0
skip=0
tmp=$(mktemp -d)
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	local p
	for p in $(jobs -p); do kill -9 "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# shellcheck source=tests/system/lib.sh
. tests/system/lib.sh
skipped() { skip=$((skip + 1)); printf 'skip %s: %s\n' "$1" "$2"; }
finish() {
	echo "macrokernel: $pass passed, $fail failed, $skip skipped"
	[ "$fail" = 0 ]
	exit
}

if [ ! -c /dev/kvm ] || ! : 2>/dev/null <>/dev/kvm; then
	echo "macrokernel: SKIPPED: /dev/kvm is missing or not accessible (the micro-VM needs KVM)"
	echo "macrokernel: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
for f in "$NANVIXD" "$MK" "$HOSTILE" "$T/hello.musl.elf"; do
	if [ ! -x "$f" ]; then
		echo "macrokernel: SKIPPED: $f is not built (make)"
		echo "macrokernel: 0 passed, 0 failed, 1 skipped"
		exit 0
	fi
done
if ! command -v mke2fs >/dev/null || ! command -v debugfs >/dev/null; then
	echo "macrokernel: SKIPPED: mke2fs or debugfs missing (./z setup installs e2fsprogs)"
	echo "macrokernel: 0 passed, 0 failed, 1 skipped"
	exit 0
fi

root=$tmp/root
sock=$tmp/mk.sock
mkdir -p "$root/vol" "$tmp/src/sub"
echo "a file in the image" >"$tmp/src/sub/greeting.txt"
cp "$tmp/src/sub/greeting.txt" "$tmp/src/sub/prog" # mk_hostile's load cases
chmod 755 "$tmp/src/sub/prog"
mke2fs -q -F -t ext2 -d "$tmp/src" "$root/img" 8M >/dev/null || exit 1
# Programs to execve from the disk or a volume (tests/system/fs.sh's layout).
mkdir -p "$root/binvol/bin" "$root/binvol/etc"
cp "$T/args.musl.elf" "$root/binvol/bin/args"
echo "seed file" >"$root/binvol/etc/motd"
mke2fs -q -F -t ext2 -b 4096 -d "$root/binvol" "$root/exec.img" 16M >/dev/null || exit 1

# start_server BINARY SOCKET [OPTIONS]: sets $server (its pid); log in $tmp/server.log.
# Ready once it logs that it listens: a stale socket file may be there before.
start_server() {
	local bin=$1 path=$2 before
	shift 2
	before=$(grep -c "listening on $path " "$tmp/server.log" 2>/dev/null)
	"$bin" --socket "$path" --root "$root" -v "$@" 2>>"$tmp/server.log" &
	server=$!
	for _ in $(seq 100); do
		[ -S "$path" ] &&
			[ "$(grep -c "listening on $path " "$tmp/server.log")" -gt "${before:-0}" ] &&
			return 0
		sleep 0.05
	done
	return 1
}

# stop_server: SIGTERM, wait; $stop_st is its exit status.
stop_server() {
	kill -TERM "$server" 2>/dev/null
	wait "$server" 2>/dev/null
	stop_st=$?
}

fds() { find "/proc/$server/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

# wait_fds BASELINE: wait up to 5 s for the server's fd count to be BASELINE; $n is the count.
wait_fds() {
	for _ in $(seq 100); do
		n=$(fds)
		[ "$n" = "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# fds_back NAME BASELINE: the server's fd count returns to BASELINE (VMs detach asynchronously).
fds_back() {
	if wait_fds "$2"; then
		ok "$1: server fds back to $2"
	else
		bad "$1" "server holds $n fds, $2 before"
	fi
}

# vm [nanvixd options] -- prog args: stdout in $tmp/out, stderr in $tmp/err, status in $st.
vm() {
	"$NANVIXD" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	st=$?
}

# alive NAME: the server still runs and still serves a VM.
alive() {
	if ! kill -0 "$server" 2>/dev/null; then
		bad "$1" "the server died"
		return
	fi
	vm --macrokernel "$sock" --disk img:cow -- "$T/hello.musl.elf"
	if [ "$st" = 0 ] && grep -q 'hello, world' "$tmp/out"; then
		ok "$1"
	else
		bad "$1" "a VM after it: status $st"
	fi
}

echo "== the command line"
if "$MK" --help | grep -q -- '--max-vms' && "$MK" --version | grep -q protocol &&
	"$NANVIXD" --help | grep -q -- '--macrokernel'; then
	ok "help and version"
else
	bad "help and version" "missing text"
fi
"$MK" --root "$root" 2>"$tmp/err"
st=$?
if [ "$st" = 2 ] && grep -q -- '--socket' "$tmp/err"; then
	ok "no --socket: usage error"
else
	bad "no --socket" "status $st"
fi
for a in "--net-rate 1x" "--net-rate 1K" "--net-recv-rate 2T" "--net-recv-rate -5" \
	"--net-rate 17179869184G"; do
	# shellcheck disable=SC2086 # the option and its value
	"$MK" --socket "$sock" --root "$root" $a 2>"$tmp/err"
	st=$?
	if [ "$st" = 2 ] && grep -q "invalid rate" "$tmp/err"; then
		ok "$a: usage error"
	else
		bad "$a" "status $st: $(head -c 200 "$tmp/err")"
	fi
done
"$MK" --socket "$sock" --root "$tmp/nonexistent" 2>"$tmp/err"
st=$?
if [ "$st" = 1 ] && grep -q 'root directory' "$tmp/err"; then
	ok "missing root: setup error"
else
	bad "missing root" "status $st"
fi
vm --macrokernel "$tmp/nobody.sock" -- "$T/hello.musl.elf"
if [ "$st" = 123 ] && grep -q 'cannot reach the macro-kernel' "$tmp/err"; then
	ok "nanvixd, nobody listening: 123"
else
	bad "nanvixd, nobody listening" "status $st"
fi

echo "== VMs on one server"
start_server "$MK" "$sock" || {
	bad "start" "no socket after 5 s"
	finish
}
base=$(fds)
vm --macrokernel "$sock" -- "$T/hello.musl.elf"
if [ "$st" = 0 ] && grep -q 'hello, world' "$tmp/out"; then
	ok "hello, no disk"
else
	bad "hello, no disk" "status $st"
fi
vm --macrokernel "$sock" --disk img:cow -- "$T/hello.musl.elf"
if [ "$st" = 0 ] && grep -q 'hello, world' "$tmp/out"; then
	ok "hello, cow disk"
else
	bad "hello, cow disk" "status $st"
fi
vm --macrokernel "$sock" --disk missing.img -- "$T/hello.musl.elf"
if [ "$st" = 127 ] && grep -q 'missing.img' "$tmp/err"; then
	ok "missing disk: 127 and why"
else
	bad "missing disk" "status $st"
fi
vm --macrokernel "$sock" --disk ../img -- "$T/hello.musl.elf"
if [ "$st" = 125 ] && grep -q 'relative' "$tmp/err"; then
	ok "disk outside the root: 125 and why"
else
	bad "disk outside the root" "status $st"
fi
vm --macrokernel "$sock" --disk "$root/img" -- "$T/hello.musl.elf"
if [ "$st" = 125 ]; then
	ok "absolute disk path: 125"
else
	bad "absolute disk path" "status $st"
fi

# Guest programs that use files in their cwd (the image's root), when built.
F=$T/posix/files
progs=()
for p in create_rw dirs readdir rename large_file rw_vectors truncate; do
	[ -x "$F/$p.musl.elf" ] && progs+=("$p")
done
[ ${#progs[@]} -gt 0 ] || skipped "file programs" "$F/*.musl.elf not built"

# Concurrently: every file program twice, hello, and one VM that is SIGKILLed mid-run.
if [ -x "$T/fs/durable.elf" ]; then
	"$NANVIXD" --macrokernel "$sock" --disk img:cow -- "$T/fs/durable.elf" \
		>"$tmp/victim.out" 2>&1 </dev/null &
	victim=$!
else
	"$NANVIXD" --macrokernel "$sock" --disk img:cow -- "$T/sleeper.musl.elf" 30 \
		>"$tmp/victim.out" 2>&1 </dev/null &
	victim=$!
fi
jobs_=()
i=0
for p in "${progs[@]}" "${progs[@]}" hello; do
	if [ "$p" = hello ]; then elf=$T/hello.musl.elf; else elf=$F/$p.musl.elf; fi
	"$NANVIXD" --macrokernel "$sock" --disk img:cow -- "$elf" >"$tmp/c$i.out" 2>&1 </dev/null &
	jobs_+=("$!:$p:$i")
	i=$((i + 1))
done
for _ in $(seq 200); do
	grep -qE 'synced|sleeping' "$tmp/victim.out" 2>/dev/null && break
	sleep 0.05
done
{ kill -9 "$victim"; wait "$victim"; } 2>/dev/null
bad_runs=0
for j in "${jobs_[@]}"; do
	IFS=: read -r pid p i <<<"$j"
	wait "$pid"
	st=$?
	if [ "$st" != 0 ]; then
		bad_runs=$((bad_runs + 1))
		printf '     | %s: status %s: %s\n' "$p" "$st" "$(tail -1 "$tmp/c$i.out")"
	fi
done
if [ "$bad_runs" = 0 ]; then
	ok "${#jobs_[@]} VMs at once, one SIGKILLed mid-run: the others complete"
else
	bad "concurrent VMs" "$bad_runs of ${#jobs_[@]} failed"
fi
alive "after the SIGKILL: new VMs attach"
fds_back "all clients gone" "$base"
if grep -q 'detached: the client went away' "$tmp/server.log"; then
	ok "the killed VM was detached"
else
	bad "killed VM" "no detach line in the log"
fi

# Each VM may hold FS_HANDLES_MAX host fds: both processes raise their soft fd limit.
nofile() { awk '/^Max open files/ { print $4 "/" $5 }' "/proc/$1/limits"; }
(
	ulimit -Sn 256
	exec "$NANVIXD" --macrokernel "$sock" -- "$T/sleeper.musl.elf" 30 >/dev/null 2>&1 </dev/null
) &
pid=$!
sleep 0.3
lim=$(nofile "$pid")
{ kill -9 "$pid"; wait "$pid"; } 2>/dev/null
slim=$(nofile "$server")
if [ -n "$lim" ] && [ -n "$slim" ] && [ "${lim%/*}" = "${lim#*/}" ] &&
	[ "${slim%/*}" = "${slim#*/}" ]; then
	ok "fd limits raised to the hard limit (nanvixd $lim, server $slim)"
else
	bad "fd limits" "nanvixd $lim, server $slim (soft/hard)"
fi

# Embedded and shared macro-kernels answer alike.
if [ ${#progs[@]} -gt 0 ]; then
	cp "$root/img" "$tmp/embedded.img"
	"$NANVIXD" --disk "$tmp/embedded.img:cow" -- "$F/${progs[0]}.musl.elf" >"$tmp/emb.out" 2>&1
	vm --macrokernel "$sock" --disk img:cow -- "$F/${progs[0]}.musl.elf"
	if [ "$st" = 0 ] && cmp -s "$tmp/emb.out" "$tmp/out"; then
		ok "${progs[0]}: same output embedded and shared"
	else
		bad "${progs[0]} embedded vs shared" "status $st, outputs differ"
	fi
fi

# Guest RAM is a memfd: frames the guest frees must come back zeroed (MADV_REMOVE).
for p in cow_fork fork_wait mmap_edges pthread_many exec_argv; do
	elf=$T/posix/$p.musl.elf
	[ -x "$elf" ] || continue
	vm --macrokernel "$sock" -- "$elf"
	if [ "$st" = 0 ]; then ok "memfd RAM: $p"; else bad "memfd RAM: $p" "status $st"; fi
done
if [ -x "$T/stress.elf" ]; then
	vm --timeout 120 --macrokernel "$sock" -m 256M --stats -- "$T/stress.elf"
	if [ "$st" = 0 ]; then ok "memfd RAM: stress"; else bad "memfd RAM: stress" "status $st"; fi
fi

# A volume: a directory beneath the root, mapped at / (no disk).
if [ ${#progs[@]} -gt 0 ]; then
	vm --macrokernel "$sock" --volume vol:/ -- "$F/${progs[0]}.musl.elf"
	if [ "$st" = 0 ] && [ -z "$(ls -A "$root/vol")" ]; then
		ok "volume beneath the root"
	else
		bad "volume" "status $st"
	fi
fi
vm --macrokernel "$sock" --volume ../..:/ -- "$T/hello.musl.elf"
if [ "$st" = 125 ]; then
	ok "volume outside the root: 125"
else
	bad "volume outside the root" "status $st"
fi

# execve of programs stored on the disk or a volume: the server loads them.
execdisk_ok() {
	[ "$st" = 0 ] && grep -q '^/bin/args: status 0' "$tmp/out" &&
		grep -q '^./args: status 0' "$tmp/out" && grep -q '^/bin/missing: status 127' "$tmp/out" &&
		grep -q '^/etc: status 127' "$tmp/out" && grep -q '^argv\[2\]=disk' "$tmp/out"
}
if [ -x "$T/fs/execdisk.elf" ]; then
	vm --timeout 60 --macrokernel "$sock" --disk exec.img:cow -- "$T/fs/execdisk.elf"
	if execdisk_ok; then
		ok "execve of programs on the disk"
	else
		bad "execve from disk" "status $st: $(tr '\n' '|' <"$tmp/out" | head -c 400)"
	fi
	vm --timeout 60 --macrokernel "$sock" --volume binvol:/ -- "$T/fs/execdisk.elf"
	if execdisk_ok; then
		ok "execve of programs in a volume"
	else
		bad "execve from a volume" "status $st: $(tr '\n' '|' <"$tmp/out" | head -c 400)"
	fi
	cp "$root/exec.img" "$tmp/embedded.img"
	"$NANVIXD" --timeout 60 --disk "$tmp/embedded.img:cow" -- "$T/fs/execdisk.elf" \
		>"$tmp/emb.out" 2>/dev/null </dev/null
	vm --timeout 60 --macrokernel "$sock" --disk exec.img:cow -- "$T/fs/execdisk.elf"
	if [ "$st" = 0 ] && cmp -s "$tmp/emb.out" "$tmp/out"; then
		ok "execve from disk: same output embedded and shared"
	else
		bad "execve from disk embedded vs shared" "status $st, outputs differ"
	fi
	# --fs=guest through the shared server: it serves only block requests.
	vm --timeout 60 --stats --macrokernel "$sock" --fs=guest --disk exec.img:cow -- "$T/fs/execdisk.elf"
	if [ "$st" = 0 ] && cmp -s "$tmp/emb.out" "$tmp/out" &&
		grep -qE 'fs_calls=0 .*blk_reads=[1-9]' "$tmp/err"; then
		ok "--fs=guest through the shared server: same output, block requests only"
	else
		bad "--fs=guest shared" "status $st: $(tr '\n' '|' <"$tmp/err" | head -c 300)"
	fi
else
	skipped "execve from disk" "$T/fs/execdisk.elf not built"
fi

# --stats: the server's counters for the VM, as in embedded mode.
if [ ${#progs[@]} -gt 0 ]; then
	vm --stats --macrokernel "$sock" --disk img:cow -- "$F/${progs[0]}.musl.elf"
	line=$(grep 'stats: ring kicks=' "$tmp/err")
	if [ "$st" = 0 ] && grep -qE 'fs_calls=[1-9]' <<<"$line" &&
		grep -qE 'served=[1-9]' <<<"$line" && grep -q 'blk_reads=' <<<"$line"; then
		ok "--stats: the server's ring and fs counters"
	else
		bad "--stats" "status $st: ${line:-no ring line}"
	fi
fi

# Durability: a raw image written through the server, fsync'ed, the VM SIGKILLed.
if [ -x "$T/fs/durable.elf" ]; then
	mke2fs -q -F -t ext2 "$root/dur.img" 8M >/dev/null
	"$NANVIXD" --macrokernel "$sock" --disk dur.img -- "$T/fs/durable.elf" \
		>"$tmp/out" 2>"$tmp/err" </dev/null &
	pid=$!
	for _ in $(seq 200); do grep -q synced "$tmp/out" 2>/dev/null && break; sleep 0.05; done
	{ kill -9 "$pid"; wait "$pid"; } 2>/dev/null
	wait_fds "$base" # the server has let go of the image
	if grep -q synced "$tmp/out" &&
		debugfs -R "cat /durable.txt" "$root/dur.img" 2>/dev/null |
		grep -c 'of the durable file' | grep -qx 1000; then
		ok "durability: fsync'ed data in the raw image after SIGKILL"
	else
		bad "durability" "data missing after SIGKILL"
	fi
	if e2fsck -fn "$root/dur.img" >"$tmp/err" 2>&1; then
		ok "durability: the image is clean (the server unmounted it)"
	else
		bad "durability: fsck" "e2fsck found errors"
	fi
else
	skipped "durability" "$T/fs/durable.elf not built"
fi
stop_server

echo "== hostile clients"
hmk=$MK
hopt=()
# The sanitizers' leak check stops the world with ptrace at exit, which the
# seccomp filter forbids: the sanitized build runs unfiltered.
[ -x "$T/macrokernel.san" ] && hmk=$T/macrokernel.san && hopt=(--no-seccomp)
ln -s /etc/passwd "$root/evil"
ln -s /etc "$root/evildir"
start_server "$hmk" "$sock" "${hopt[@]}" || {
	bad "start $hmk" "no socket after 5 s"
	finish
}
base=$(fds)
for c in garbage empty short long random version nofds onefd manyfds swapped pipekick pipenotify netplace \
	section-unknown section-twice section-size section-past section-count section-trailing \
	filemem unsealed small big unaligned unterminated placement absdisk dotdisk \
	volumejunk noring dotvolume absvolume "symdisk evil" "symvolume evildir" \
	"ringfuzz img:cow" "noread img:cow" "drain img:cow" "chatter img:cow" shrink silent \
	"stats img:cow" "load-ok img:cow" "load-relative img:cow" "load-missing img:cow" \
	"load-dir img:cow" "load-noexec img:cow" "load-badcwd img:cow" load-early \
	"load-nonul img:cow" "load-emptypath img:cow" "load-long img:cow" "load-short img:cow" \
	"load-type img:cow" "load-fds img:cow" "load-noread img:cow" "load-ignore img:cow"; do
	read -r -a args <<<"$c"
	if timeout 60 "$HOSTILE" "$sock" "${args[@]}" >"$tmp/out" 2>"$tmp/err"; then
		sed 's/^/     /' "$tmp/out"
		alive "hostile ${args[0]}: server alive and serving"
	else
		bad "hostile ${args[0]}" "$(head -1 "$tmp/out")"
	fi
done
fds_back "hostile clients gone" "$base"
if grep -qE 'runtime error|AddressSanitizer' "$tmp/server.log"; then
	bad "sanitizers" "$(grep -m1 -E 'runtime error|AddressSanitizer' "$tmp/server.log")"
else
	ok "no sanitizer report ($hmk)"
fi
stop_server
if [ "$stop_st" = 0 ] && [ ! -e "$sock" ]; then
	ok "SIGTERM: exit 0, socket removed"
else
	bad "SIGTERM" "status $stop_st, socket $(ls "$sock" 2>&1)"
fi

echo "== the server's limits and its socket"
start_server "$MK" "$sock" --max-vms 2 || bad "start --max-vms 2" "no socket"
mkfifo "$tmp/hold"
"$HOSTILE" "$sock" hold 2 <"$tmp/hold" >"$tmp/hold.out" 2>&1 &
holder=$!
exec 9>"$tmp/hold"
for _ in $(seq 100); do grep -q holding "$tmp/hold.out" && break; sleep 0.05; done
if timeout 20 "$HOSTILE" "$sock" full >"$tmp/out" 2>&1; then
	ok "--max-vms 2: a third VM is refused"
else
	bad "--max-vms" "$(cat "$tmp/out")"
fi
vm --macrokernel "$sock" -- "$T/hello.musl.elf"
if [ "$st" = 123 ] && grep -q 'full' "$tmp/err"; then
	ok "nanvixd on a full server: 123 and why"
else
	bad "nanvixd on a full server" "status $st"
fi
exec 9>&-
wait "$holder"
alive "slots freed: VMs attach again"
# A second server on a live socket is refused and leaves it alone.
"$MK" --socket "$sock" --root "$root" 2>"$tmp/err"
st=$?
if [ "$st" = 1 ] && grep -q 'in use' "$tmp/err"; then
	ok "a live socket is not taken over"
else
	bad "live socket" "status $st"
fi
alive "the first server still serves"
# A stale socket (its server SIGKILLed) is replaced.
{ kill -9 "$server"; wait "$server"; } 2>/dev/null
if [ -S "$sock" ] && start_server "$MK" "$sock"; then
	alive "a stale socket is replaced"
else
	bad "stale socket" "not replaced"
fi
# SIGTERM with a VM attached: it is detached, the server exits.
if [ -x "$T/fs/durable.elf" ]; then
	: >"$tmp/server.log"
	"$NANVIXD" --macrokernel "$sock" --disk img:cow -- "$T/fs/durable.elf" \
		>"$tmp/out" 2>&1 </dev/null &
	pid=$!
	for _ in $(seq 200); do grep -q synced "$tmp/out" 2>/dev/null && break; sleep 0.05; done
	stop_server
	if [ "$stop_st" = 0 ] && grep -q detached "$tmp/server.log"; then
		ok "SIGTERM with a VM attached: detached, exit 0"
	else
		bad "SIGTERM with a VM attached" "status $stop_st"
	fi
	{ kill -9 "$pid"; wait "$pid"; } 2>/dev/null
else
	stop_server
fi
: >"$tmp/notasocket"
"$MK" --socket "$tmp/notasocket" --root "$root" 2>"$tmp/err"
st=$?
if [ "$st" = 1 ] && [ -f "$tmp/notasocket" ]; then
	ok "a file that is not a socket is left alone"
else
	bad "not a socket" "status $st"
fi

echo "== hostile servers"
if [ ${#progs[@]} -gt 0 ]; then
	for c in fake-die fake-garbage; do
		rm -f "$sock"
		"$HOSTILE" "$sock" "$c" >"$tmp/fake.out" 2>&1 &
		fake=$!
		for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
		vm --timeout 20 --macrokernel "$sock" --disk img:cow -- "$F/${progs[0]}.musl.elf"
		wait "$fake"
		want='went away'
		[ "$c" = fake-garbage ] && want='malformed'
		if [ "$st" = 123 ] && grep -q "$want" "$tmp/err"; then
			ok "$c: nanvixd stops with 123 ($want)"
		else
			bad "$c" "status $st"
		fi
	done
fi

finish
