#!/usr/bin/env bash
# Snapshots: a program snapshotted mid-computation continues after a restore.
#
#   - snap_state (musl and glibc) builds a half-done computation, a pipe
#     with bytes in it, a waiting thread, a waiting child and a running
#     timer, asks for a snapshot, and checks each after the point.  It must
#     pass booted normally (the point is then a no-op), restored into a
#     fresh VM, and reset in place (--repeat).
#   - Restored VMs differ: getrandom output and the seed; the wall clock is
#     the host's at the restore; the generation is 1.
#   - 100 fresh restores of one snapshot, and 100 in place, all answer.
#   - Bad snapshots are refused, never run: corrupt or truncated files, a
#     missing file, and states (rewritten with a valid hash by snap_forge)
#     from another CPU, TSC rate, nanvixd build or ABI, or with addresses
#     and lists bent out of range.
#   - A server on a read-only disk with its file system in the VM: restored,
#     it reads the disk; a changed image is refused.
#   - The host snapshots an idle VM (held by its fleet while parked); its
#     restored copy answers with a new generation; a busy VM is refused.
#   - The host asks nanvixd for a snapshot of a running VM (--control-fd):
#     the VM goes on, its copy goes on from the idle point it was saved at
#     (musl and glibc); bad requests and VMs that cannot be saved or never
#     idle get error lines.
#   - The command line refuses what a snapshot fixes, and what it cannot hold.
set -u
cd "$(dirname "$0")/../.." || exit 1

# shellcheck source=tests/system/lib.sh
. tests/system/lib.sh
system_setup snapshot

# field NAME: the value of "NAME value" in $tmp/out
field() { sed -n "s/^$1 //p" "$tmp/out" | head -1; }

# all_ok NAME: snap_state's 7 checks passed in $tmp/out (times $2)
all_ok() {
	local n
	n=$(grep -c '^ok ' "$tmp/out")
	if [ "$st" = 0 ] && [ "$n" = "$2" ] && ! grep -q '^FAIL' "$tmp/out"; then ok "$1"; else
		bad "$1" "status $st, $n ok lines (want $2): $(grep FAIL "$tmp/out" | head -3 | tr '\n' ' ')"; fi
}

for libc in musl glibc; do
	prog=$T/snapshot/snap_state.$libc.elf
	snap=$tmp/snap.$libc
	vm -- "$prog"
	all_ok "booted-$libc" 7
	if [ "$(field generation)" = 0 ] && [ "$(field seed)" = 0000000000000000 ]; then
		ok "no-snapshot-generation-0-$libc"; else bad "no-snapshot-generation-0-$libc" "$(field generation)"; fi

	vm --snapshot-out "$snap" -- "$prog"
	if [ "$st" = 0 ] && [ -s "$snap/state" ] && [ -f "$snap/mem" ] && ! grep -q '^ok' "$tmp/out" &&
		grep -q "snapshot of snap_state.$libc.elf saved in" "$tmp/err"; then
		ok "snapshot-out-$libc"; else bad "snapshot-out-$libc" "status $st"; fi
	# Sparse: the 16 MiB of RAM take far less disk.
	used=$(du -k "$snap/mem" | cut -f1)
	if [ "$used" -lt 4096 ]; then ok "mem-sparse-$libc ($used KiB of 16384)"; else
		bad "mem-sparse-$libc" "$used KiB on disk"; fi

	vm --restore "$snap"
	all_ok "restore-$libc" 7
	now=$(date +%s)
	rt=$(field realtime)
	r1=$(field random)
	s1=$(field seed)
	if [ "$(field generation)" = 1 ]; then ok "generation-1-$libc"; else
		bad "generation-1-$libc" "generation $(field generation)"; fi
	if [ -n "$rt" ] && [ $((now - rt)) -le 5 ] && [ $((rt - now)) -le 5 ]; then
		ok "wall-clock-after-restore-$libc"; else bad "wall-clock-after-restore-$libc" "guest $rt, host $now"; fi
	vm --restore "$snap"
	all_ok "restore-again-$libc" 7
	if [ -n "$r1" ] && [ "$r1" != "$(field random)" ] && [ "$s1" != "$(field seed)" ]; then
		ok "restores-differ-$libc"; else bad "restores-differ-$libc" "random $r1 vs $(field random)"; fi

	vm --restore "$snap" --repeat 3
	all_ok "reset-in-place-$libc" 21
	if [ "$(sort -u <(sed -n 's/^random //p' "$tmp/out") | wc -l)" = 3 ]; then
		ok "in-place-runs-differ-$libc"; else bad "in-place-runs-differ-$libc" "$(grep random "$tmp/out" | tr '\n' ' ')"; fi
done

# restored_answers NAME SNAPDIR PATH WANT: restore SNAPDIR with its port
# 8080 published, GET PATH until it answers (10 s), check the answer is
# WANT, then GET /quit and check the VM ends with status 0.
restored_answers() {
	local name=$1 snap=$2 path=$3 want=$4 port srv got=""
	port=$(free_port) || { bad "$name" "no free port"; return; }
	"$NANVIXD" --restore "$snap" -p "127.0.0.1:$port:8080" >"$tmp/srv.out" 2>"$tmp/err" </dev/null &
	srv=$!
	for _ in $(seq 100); do
		got=$(curl -s -m 5 "http://127.0.0.1:$port$path") && [ -n "$got" ] && break
		sleep 0.1
	done
	if [ "$got" = "$want" ]; then ok "$name"; else bad "$name" "got '$got' $(tail -2 "$tmp/err")"; fi
	curl -s -m 5 "http://127.0.0.1:$port/quit" >/dev/null
	wait "$srv" || bad "$name-quits" "status $?"
}

# A server snapshotted in accept (--net=guest) answers its first request
# after a restore, through a port published at the restore.
for libc in musl glibc; do
	snap=$tmp/server.$libc
	vm --net=guest --snapshot-out "$snap" -- "$T/snapshot/snap_server.$libc.elf"
	judge "server-snapshot-$libc" 0 "" "saved in"
	restored_answers "server-answers-after-restore-$libc" "$snap" /first "generation 1 served 1"
done
expect "publish-needs-net-snapshot" 125 "" "need a network" -- --restore "$tmp/snap.musl" -p 18080:8080

# A server on a read-only disk whose file system runs in the VM (--disk
# IMAGE:ro --fs=guest): snapshotted, restored, it reads the disk's files;
# the image changed since: refused.  What a snapshot cannot keep: refused.
if command -v mke2fs >/dev/null; then
	mkdir -p "$tmp/root/bin" "$tmp/root/data"
	cp "$T/snapshot/snap_server.musl.elf" "$tmp/root/bin/server"
	echo "hello from the disk" >"$tmp/root/data/hello.txt"
	mke2fs -q -t ext2 -b 4096 -d "$tmp/root" -F "$tmp/fn.img" 8M
	vm --disk "$tmp/fn.img:ro" --fs=guest --in-vm --net=guest --snapshot-out "$tmp/dsnap" -- /bin/server
	judge "disk-snapshot" 0 "" "saved in"
	restored_answers "disk-snapshot-restored-reads-its-disk" "$tmp/dsnap" /cat/data/hello.txt \
		"hello from the disk"
	touch -d "2001-01-01" "$tmp/fn.img"
	vm --restore "$tmp/dsnap"
	judge "disk-snapshot-refuses-a-changed-image" 126 "" "changed since the snapshot"
	expect "snapshot-refuses-writable-disk" 125 "" "keeps a disk only read-only" -- \
		--snapshot-out "$tmp/x" --disk "$tmp/fn.img" --fs=guest -- "$T/snapshot/snap_state.musl.elf"
	expect "snapshot-refuses-host-fs-disk" 125 "" "a disk needs --disk IMAGE:ro --fs=guest" -- \
		--snapshot-out "$tmp/x" --disk "$tmp/fn.img:ro" -- "$T/snapshot/snap_state.musl.elf"
else
	skip=$((skip + 1))
	echo "skip disk-snapshot: mke2fs missing (e2fsprogs)"
fi

# The host takes a snapshot of an idle VM (instance_snapshot, through
# snap_host: the VM held by its fleet while parked in its idle wait); the
# VM goes on, and a restored copy answers with a new generation and the
# state the server had (nothing served yet).  A VM held mid-computation
# is refused.
for libc in musl glibc; do
	snap=$tmp/host.$libc
	NANVIX_GUEST_DIR=$PWD/bin "$T/snapshot/snap_host" take "$T/snapshot/snap_server.$libc.elf" "$snap" \
		>"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ "$st" = 0 ] && grep -q "taken" "$tmp/out" && grep -q "goes on\|went on" "$tmp/out"; then
		ok "host-snapshot-of-idle-vm-$libc"; else bad "host-snapshot-of-idle-vm-$libc" "$st: $(cat "$tmp/out" "$tmp/err" | tail -3)"; fi
	restored_answers "host-snapshot-restored-answers-$libc" "$snap" /first "generation 1 served 1"
done
NANVIX_GUEST_DIR=$PWD/bin "$T/snapshot/snap_host" busy "$T/loop.musl.elf" "$tmp/busy" >"$tmp/out" 2>"$tmp/err"
st=$?
if [ "$st" = 0 ] && grep -q "refused: the VM is not idle" "$tmp/out" && [ ! -e "$tmp/busy/state" ]; then
	ok "host-snapshot-refuses-busy-vm"; else bad "host-snapshot-refuses-busy-vm" "$st: $(cat "$tmp/out")"; fi

# 100 of each kind from one snapshot.
snap=$tmp/snap.musl
n=0
for _ in $(seq 100); do
	"$NANVIXD" --restore "$snap" >"$tmp/out" 2>"$tmp/err" </dev/null && [ "$(grep -c '^ok ' "$tmp/out")" = 7 ] &&
		n=$((n + 1))
done
if [ "$n" = 100 ]; then ok "100-fresh-restores"; else bad "100-fresh-restores" "$n of 100 passed"; fi
vm --restore "$snap" --repeat 100
all_ok "100-in-place-restores" 700

# Bad snapshots: refused with a reason, status 126 (127: not there).
bent() { # NAME PATTERN: restore $tmp/bent, expect a refusal naming PATTERN
	vm --restore "$tmp/bent"
	if [ "$st" = 126 ] && grep -qE -- "$2" "$tmp/err" && ! grep -q '^ok' "$tmp/out"; then ok "refused-$1"; else
		bad "refused-$1" "status $st: $(head -c 200 "$tmp/err")"; fi
}
fresh() { rm -rf "$tmp/bent" && cp -r "$snap" "$tmp/bent"; }
# A byte in a data page of guest RAM: the first data extent.
fresh; off=$(python3 -c "import os;f=os.open('$tmp/bent/mem',os.O_RDONLY);print(os.lseek(f,0,os.SEEK_DATA)+100)")
printf 'X' | dd of="$tmp/bent/mem" bs=1 seek="$off" conv=notrunc 2>/dev/null
bent corrupt-mem "memory file fails its hash"
fresh; truncate -s 8M "$tmp/bent/mem"; bent truncated-mem "memory file has 8388608 bytes"
fresh; rm "$tmp/bent/mem"; bent missing-mem "no memory file"
fresh; printf 'X' | dd of="$tmp/bent/state" bs=1 seek=3000 conv=notrunc 2>/dev/null
bent corrupt-state "state file fails its hash"
fresh; truncate -s 1000 "$tmp/bent/state"; bent truncated-state "state file has 1000 bytes"
fresh; printf 'XXXXXXXX' | dd of="$tmp/bent/state" bs=1 seek=0 conv=notrunc 2>/dev/null
bent bad-magic "not a snapshot"
fresh; rm "$tmp/bent/state"; bent no-state "not a snapshot: no state"
for f in cpu:"another CPU" tsc:"kHz TSC" build:"another build of nanvixd" abi:"boot ABI" \
	bootinfo:malformed hc:malformed msrs:malformed programs:malformed name:malformed \
	memsize:"memory file has"; do
	fresh
	"$T/snapshot/snap_forge" "$tmp/bent" "${f%%:*}" || bad "forge-${f%%:*}" "snap_forge failed"
	bent "forged-${f%%:*}" "${f#*:}"
done
vm --restore "$tmp/nothere"
judge "restore-missing-dir" 127 "" "cannot open snapshot"

# The host asks, over --control-fd (monitor/control.c), for a snapshot of a
# VM that runs: saved at its next idle wait, it goes on, and the copy goes
# on from that point; bad requests, state outside memory and a VM that
# never idles get error lines.
for libc in musl glibc; do
	mkdir -p "$tmp/ctl-$libc"
	for c in take refuse; do
		while read -r verdict line; do
			case "$verdict" in
			ok) ok "control-$libc $line" ;;
			FAIL) bad "control-$libc $line" "" ;;
			info) echo "     $line" ;;
			esac
		done < <(python3 tests/system/snapshot/control.py "$NANVIXD" "$c" "$tmp/ctl-$libc" \
			"$T/snapshot/ticker.$libc.elf" 2>&1)
	done
done
while read -r verdict line; do
	case "$verdict" in ok) ok "control $line" ;; FAIL) bad "control $line" "" ;; esac
done < <(python3 tests/system/snapshot/control.py "$NANVIXD" busy "$tmp" "$T/loop.musl.elf" 2>&1)
while read -r verdict line; do
	case "$verdict" in ok) ok "control $line" ;; FAIL) bad "control $line" "" ;; esac
done < <(python3 tests/system/snapshot/control.py "$NANVIXD" events "$tmp" "$T/snapshot/ticker.musl.elf" 2>&1)
expect "control-fd-not-a-number" 125 "" "--control-fd x: not an open socket" -- --control-fd x -- "$T/hello.musl.elf"
expect "control-fd-below-3" 125 "" "--control-fd 1: not an open socket" -- --control-fd 1 -- "$T/hello.musl.elf"
expect "control-fd-closed" 125 "" "--control-fd 9: not an open socket" -- --control-fd 9 -- "$T/hello.musl.elf"
expect "control-fd-not-a-socket" 125 "" "--control-fd 7: not an open socket" -- --control-fd 7 -- "$T/hello.musl.elf" 7<"$T/hello.musl.elf"

# The command line.
expect "restore-refuses-memory" 125 "" "-m cannot go with --restore" -- --restore "$snap" -m 32
expect "restore-refuses-program" 125 "" "no PROGRAM" -- --restore "$snap" -- "$T/snapshot/snap_state.musl.elf"
expect "repeat-needs-restore" 125 "" "--repeat needs --restore" -- --repeat 2 -- "$T/snapshot/snap_state.musl.elf"
expect "snapshot-refuses-volume" 125 "" "cannot keep a host file system" -- --snapshot-out "$tmp/x" -v "$tmp:/x" -- "$T/snapshot/snap_state.musl.elf"
expect "snapshot-refuses-host-net" 125 "" "needs --net=guest or --net=none" -- --snapshot-out "$tmp/x" --net=host -- "$T/snapshot/snap_state.musl.elf"
if "$NANVIXD" --help | grep -q -- "--snapshot-out DIR"; then ok "help-snapshot"; else bad "help-snapshot" "not in --help"; fi

echo "snapshot: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
