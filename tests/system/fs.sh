#!/usr/bin/env bash
# File-system system tests: ext2 disks and host volumes under nanvixd.
#
# Containment of volumes, read-only and copy-on-write disks, durability
# across SIGKILL, execve of programs stored on the disk, a hostile guest
# kernel filling the ring with garbage, the CLI's errors; every image a
# test writes must pass `e2fsck -fn` afterwards.
set -u
cd "$(dirname "$0")/../.." || exit 1

NANVIXD=bin/nanvixd
T=bin/tests
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
PATH=$PATH:/sbin:/usr/sbin

# shellcheck source=tests/system/lib.sh
. tests/system/lib.sh

if [ ! -c /dev/kvm ] || ! : 2>/dev/null <>/dev/kvm; then
	echo "fs: SKIPPED: /dev/kvm is missing or not accessible (the micro-VM needs KVM)"
	exit 0
fi
if ! command -v mke2fs >/dev/null || ! command -v e2fsck >/dev/null; then
	echo "fs: FAIL: mke2fs/e2fsck missing (./z setup installs e2fsprogs)"
	exit 1
fi

vm() {
	"$NANVIXD" --timeout 60 "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	st=$?
}

# fsck NAME IMG: the image must be clean.
fsck() {
	if e2fsck -fn "$2" >"$tmp/fsck" 2>&1; then
		ok "$1: e2fsck clean"
	else
		bad "$1" "e2fsck -fn: $(tail -3 "$tmp/fsck" | tr '\n' ' ')"
	fi
}

# An image with /bin/args (a program) and a few files.
mkdir -p "$tmp/root/bin" "$tmp/root/etc"
cp "$T/args.musl.elf" "$tmp/root/bin/args"
echo "seed file" >"$tmp/root/etc/motd"
mkimg() { mke2fs -q -F -t ext2 -b 4096 -d "$tmp/root" "$1" 16M >/dev/null 2>&1; }

# --- containment ---------------------------------------------------------
mkdir -p "$tmp/host/vol" "$tmp/host/ro" "$tmp/host/other"
echo "OUTSIDE-MARKER" >"$tmp/host/outside.txt"
echo "inside" >"$tmp/host/vol/inside.txt"
ln -s "$tmp/host/outside.txt" "$tmp/host/vol/abs_link"
ln -s ../outside.txt "$tmp/host/vol/rel_link"
ln -s "$tmp/host" "$tmp/host/vol/dir_link"
vm --volume "$tmp/host/vol:/vol" --volume "$tmp/host/ro:/ro:ro" \
	--volume "$tmp/host/other:/other" -- "$T/fs/escape.elf"
if [ "$st" = 0 ] && grep -q '^leaks: 0' "$tmp/out" && ! grep -q LEAKED "$tmp/out" &&
	grep -q 'link out of volume: Cross-device' "$tmp/out" &&
	grep -q 'read-only volume: Read-only file system' "$tmp/out" &&
	grep -q 'inside file .*contained (7 bytes' "$tmp/out"; then
	ok "volume containment (.., symlinks, links, read-only)"
else
	bad "volume containment" "status $st: $(tr '\n' '|' <"$tmp/out" | head -c 600)"
fi
[ -f "$tmp/host/outside.txt" ] && [ ! -e "$tmp/host/other/inside.txt" ] &&
	[ ! -e "$tmp/host/ro/new" ] && ok "volume containment: host files untouched" ||
	bad "volume containment" "host files changed"

# --- volumes: guest symlinks, missing parents, a single file ---------------
mkdir -p "$tmp/vols/v/sub" "$tmp/vols/deep"
echo "inside" >"$tmp/vols/v/inside.txt"
echo "deep inside" >"$tmp/vols/deep/inside.txt"
echo "host conf" >"$tmp/vols/single.conf"
mkimg "$tmp/vols.img"
vm --disk "$tmp/vols.img" --volume "$tmp/vols/v:/v" --volume "$tmp/vols/deep:/a/b/c" \
	--volume "$tmp/vols/single.conf:/etc/single.conf" -- "$T/fs/volumes.elf"
if [ "$st" = 0 ] &&
	grep -q '^symlink /v/abs -> /etc: Operation not permitted' "$tmp/out" &&
	grep -q '^symlink /v/up -> ../outside.txt: Operation not permitted' "$tmp/out" &&
	grep -q '^symlink /v/sneaky -> sub/../../outside.txt: Operation not permitted' "$tmp/out" &&
	grep -q '^symlink /v/good -> inside.txt: made' "$tmp/out" &&
	grep -q '^read good: inside$' "$tmp/out" && grep -q '^read good2: inside$' "$tmp/out"; then
	ok "volume symlinks: absolute and escaping targets refused (EPERM), inside ones made"
else
	bad "volume symlinks" "status $st: $(tr '\n' '|' <"$tmp/out" | head -c 600)"
fi
[ ! -e "$tmp/vols/v/abs" ] && [ ! -L "$tmp/vols/v/up" ] && [ ! -L "$tmp/vols/v/sneaky" ] &&
	[ "$(readlink "$tmp/vols/v/good")" = inside.txt ] &&
	[ "$(readlink "$tmp/vols/v/sub/good2")" = ../inside.txt ] &&
	ok "volume symlinks: the host directory holds only the good links" ||
	bad "volume symlinks" "host: $(ls -la "$tmp/vols/v" | tr '\n' '|')"
grep -q '^deep mount: deep inside$' "$tmp/out" && grep -q '^list /a/b: c$' "$tmp/out" &&
	grep -q '^mkdir in /a: Read-only file system' "$tmp/out" &&
	ok "volume with missing guest parents: mounted, parents synthetic and read-only" ||
	bad "volume parents" "$(tr '\n' '|' <"$tmp/out" | head -c 600)"
grep -q '^file volume: host conf$' "$tmp/out" && grep -q '^write file volume: done' "$tmp/out" &&
	[ "$(cat "$tmp/vols/single.conf")" = "from guest" ] &&
	ok "a single host file as a volume: read and written" ||
	bad "file volume" "$(tr '\n' '|' <"$tmp/out" | head -c 600)"
fsck "volumes" "$tmp/vols.img"

# --- the in-VM servers' devices (kernel/ipc/server.c) -----------------------
# A device whose component is not placed in the VM does not exist (ENOENT,
# whatever the device); the running server's device is busy for anyone else.
mkimg "$tmp/servers.img"
for place in none host guest; do
	case $place in
	none) vm -- "$T/fs/servers.elf" ;;
	*) vm --fs=$place --disk "$tmp/servers.img" -- "$T/fs/servers.elf" ;;
	esac
	want_fsd="No such file or directory"
	[ "$place" = guest ] && want_fsd="Resource busy"
	if [ "$st" = 0 ] && grep -qx "open /dev/fsd: $want_fsd" "$tmp/out" &&
		grep -qx 'open /dev/netd: No such file or directory' "$tmp/out"; then
		ok "server devices, fs placement $place: /dev/fsd $want_fsd, /dev/netd absent"
	else
		bad "server devices (fs placement $place)" "status $st: $(tr '\n' '|' <"$tmp/out" | head -c 300)"
	fi
done
fsck "server devices" "$tmp/servers.img"
# A hostile stand-in for fsd.elf (found beside the --kernel file): every
# ioctl misused, then it dies holding a call: that call and later ones EIO.
mkdir -p "$tmp/fake"
cp bin/kernel.elf "$tmp/fake/kernel.elf"
cp "$T/fs/fake_fsd.elf" "$tmp/fake/fsd.elf"
vm --kernel "$tmp/fake/kernel.elf" --fs=guest --disk "$tmp/servers.img" -- "$T/hello.musl.elf"
if [ "$st" = 0 ] && grep -q '^fake_fsd: all checks passed' "$tmp/out" && ! grep -q FAIL "$tmp/out"; then
	ok "a hostile fs server: ioctls refused, its death fails the held and later calls (EIO)"
else
	bad "hostile fs server" "status $st: $(grep -v '^ok' "$tmp/out" | tr '\n' '|' | head -c 400)"
fi

# The same checks with the fs component on the host and in the guest.
for fs in host guest; do
	# --- clients dying in the middle of file calls --------------------------
	mkimg "$tmp/dying-$fs.img"
	vm --fs=$fs --disk "$tmp/dying-$fs.img" -- "$T/fs/dying_clients.elf"
	if [ "$st" = 0 ] && grep -q 'file calls still work' "$tmp/out"; then
		ok "clients killed mid-call, the fs component serves on (--fs=$fs)"
	else
		bad "dying clients (--fs=$fs)" "status $st: $(tr '\n' '|' <"$tmp/out" | head -c 300)"
	fi
	fsck "dying clients (--fs=$fs)" "$tmp/dying-$fs.img"
	[ "$fs" = guest ] && grep -q 'open /dev/fsd: Resource busy' "$tmp/out" &&
		ok "an application cannot open the server's /dev/fsd (EBUSY)"

	# --- exec from disk --------------------------------------------------------
	mkimg "$tmp/exec-$fs.img"
	vm --fs=$fs --disk "$tmp/exec-$fs.img" -- "$T/fs/execdisk.elf"
	if [ "$st" = 0 ] && grep -q '^/bin/args: status 0' "$tmp/out" &&
		grep -q '^./args: status 0' "$tmp/out" && grep -q '^/bin/missing: status 127' "$tmp/out" &&
		grep -q '^argv\[2\]=disk' "$tmp/out"; then
		ok "execve of programs on the disk (--fs=$fs)"
	else
		bad "execve from disk (--fs=$fs)" "status $st: $(tr '\n' '|' <"$tmp/out" | head -c 400)"
	fi

	# --- copy-on-write and read-only disks ------------------------------------
	mkimg "$tmp/base-$fs.img"
	sum=$(md5sum <"$tmp/base-$fs.img")
	vm --fs=$fs --disk "$tmp/base-$fs.img:cow" -- "$T/fs/durable.elf" &
	sleep 0.1
	wait
	# The program pauses once it has synced: stop it then (no fixed timeout, which a
	# loaded machine can outrun), at most after 60 s.
	"$NANVIXD" --fs=$fs --timeout 60 --disk "$tmp/base-$fs.img:cow" -- "$T/fs/durable.elf" \
		>"$tmp/out" 2>"$tmp/err" </dev/null &
	vpid=$!
	for _ in $(seq 600); do
		grep -q synced "$tmp/out" 2>/dev/null && break
		kill -0 "$vpid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$vpid" 2>/dev/null
	wait "$vpid"
	st=$?
	if [ "$(md5sum <"$tmp/base-$fs.img")" = "$sum" ] && grep -q synced "$tmp/out"; then
		ok "cow disk: writes served, base image unchanged (--fs=$fs)"
	else
		bad "cow disk (--fs=$fs)" "status $st, base changed or no output"
	fi
	vm --fs=$fs --disk "$tmp/base-$fs.img:ro" -- "$T/fs/durable.elf"
	if [ "$st" = 1 ] && grep -q 'Read-only' "$tmp/err"; then
		ok "read-only disk refuses writes (EROFS) (--fs=$fs)"
	else
		bad "read-only disk (--fs=$fs)" "status $st"
	fi

	# --- durability across SIGKILL ---------------------------------------------
	mkimg "$tmp/dur-$fs.img"
	"$NANVIXD" --fs=$fs --disk "$tmp/dur-$fs.img" -- "$T/fs/durable.elf" >"$tmp/out" 2>"$tmp/err" </dev/null &
	pid=$!
	for _ in $(seq 200); do grep -q synced "$tmp/out" 2>/dev/null && break; sleep 0.05; done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if grep -q synced "$tmp/out" && debugfs -R "cat /durable.txt" "$tmp/dur-$fs.img" 2>/dev/null |
		grep -c 'of the durable file' | grep -qx 1000 &&
		debugfs -R "stat /durable.dir" "$tmp/dur-$fs.img" 2>/dev/null | grep -q directory; then
		ok "durability: fsync'ed data in the image after SIGKILL (--fs=$fs)"
	else
		bad "durability (--fs=$fs)" "data missing after SIGKILL"
	fi
	fsck "durability (--fs=$fs)" "$tmp/dur-$fs.img"


done
# --- the ring-3 fast file path against a hostile process -------------------
mkimg "$tmp/fast.img"
vm --disk "$tmp/fast.img" -- "$T/fs/fastpath.elf"
if [ "$st" = 0 ] && grep -q 'fastpath: all checks passed' "$tmp/out"; then
	ok "fast path: forged calls answered or sent on, fd map unforgeable"
else
	bad "fast path" "status $st: $(grep -v '^ok' "$tmp/out" | tr '\n' '|' | head -c 400)"
fi
vm --stats --disk "$tmp/fast.img" -- "$T/fs/dying_clients.elf"
if [ "$st" = 0 ] && grep -qE 'fast_calls=[1-9]' "$tmp/err"; then
	ok "fast path taken by plain programs (--stats fast_calls)"
else
	bad "fast path counters" "status $st: $(grep stats "$tmp/err" | tr '\n' ' ')"
fi
vm --stats --no-fast-path --disk "$tmp/fast.img" -- "$T/fs/dying_clients.elf"
if [ "$st" = 0 ] && grep -q 'fast_calls=0' "$tmp/err"; then
	ok "--no-fast-path: every file call traps"
else
	bad "--no-fast-path" "status $st"
fi

# --- hostile guest kernel on the ring ----------------------------------------
vm --stats --kernel "$T/bad-ring.kernel.elf" --volume "$tmp/host/vol:/vol" -- "$T/hello.musl.elf"
if [ "$st" = 0 ] && grep -q 'malformed=[1-9]' "$tmp/err" && grep -q 'fs_errors=[1-9]' "$tmp/err"; then
	ok "garbage ring: refused and counted, host unharmed"
else
	bad "garbage ring" "status $st"
fi

# --- command-line errors ----------------------------------------------------
vm --disk "$tmp/nope.img" -- "$T/hello.musl.elf"
[ "$st" = 127 ] && grep -q 'nope.img' "$tmp/err" && ok "missing disk: 127" || bad "missing disk" "status $st"
head -c 1048576 /dev/zero >"$tmp/zero.img"
vm --disk "$tmp/zero.img" -- "$T/hello.musl.elf"
[ "$st" = 125 ] && grep -q 'not a valid ext2' "$tmp/err" && ok "non-ext2 disk: 125" ||
	bad "non-ext2 disk" "status $st"
vm --volume "$tmp/nodir:/x" -- "$T/hello.musl.elf"
[ "$st" = 125 ] && ok "missing volume dir: 125" || bad "missing volume dir" "status $st"
vm --volume "$tmp/host/vol:relative" -- "$T/hello.musl.elf"
[ "$st" = 125 ] && ok "relative volume path: 125" || bad "relative volume path" "status $st"
vm --fs=guest --disk "$tmp/zero.img" -- "$T/hello.musl.elf"
[ "$st" = 125 ] && grep -q 'not a valid ext2' "$tmp/err" && ok "non-ext2 disk, --fs=guest: 125" ||
	bad "non-ext2 disk, --fs=guest" "status $st: $(head -c 200 "$tmp/err")"
vm --fs=guest -- "$T/hello.musl.elf"
[ "$st" = 125 ] && ok "--fs=guest without --disk: 125" || bad "--fs=guest without disk" "status $st"
vm --fs=guest --volume "$tmp/host/vol:/v" -- "$T/hello.musl.elf"
[ "$st" = 125 ] && ok "--fs=guest with --volume: 125" || bad "--fs=guest with volume" "status $st"
vm --fs=sideways -- "$T/hello.musl.elf"
[ "$st" = 125 ] && ok "bad --fs: 125" || bad "bad --fs" "status $st"

echo "fs: $pass passed, $fail failed"
[ "$fail" = 0 ]
