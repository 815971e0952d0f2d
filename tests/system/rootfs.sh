#!/usr/bin/env bash
# Where the program comes from: the VM's file system, -w, the default /tmp.
#
# A program stored on an ext2 disk run by its absolute path (with --fs=host
# and --fs=guest), a missing one (127 and one line), --in-vm where the host
# has a file at the same path (busybox-static's sh, if installed), -w for a
# host program and for a disk program and to a missing directory, the
# default /tmp without a disk (writable, private, gone from the host after
# a normal exit, a timeout and a forced kill), --no-tmp, a volume or the
# disk's own /tmp instead of it.
set -u
cd "$(dirname "$0")/../.." || exit 1

# shellcheck source=tests/system/lib.sh
. tests/system/lib.sh
system_setup rootfs

if ! command -v mke2fs >/dev/null; then
	echo "rootfs: SKIPPED: no mke2fs (apt install e2fsprogs)"
	echo "rootfs: 0 passed, 0 failed, 1 skipped"
	exit 0
fi

WHERE=$T/fs/where.elf
ARGS=$T/args.musl.elf
# A path no host has: the program on the disk is found there only.
DIR=/opt/nanvix-rootfs-test
if [ -e "$DIR" ]; then
	echo "rootfs: SKIPPED: the host has $DIR, which the tests need absent"
	echo "rootfs: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
BUSYBOX=${BUSYBOX:-/bin/busybox}
busybox=0
[ -x "$BUSYBOX" ] && file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked' && busybox=1

# The disk: the musl programs under $DIR, /root, /tmp with a marker, busybox as /bin/sh.
root=$tmp/root
mkdir -p "$root$DIR" "$root/root" "$root/tmp" "$root/bin"
cp "$WHERE" "$root$DIR/where"
cp "$ARGS" "$root$DIR/args"
echo disk >"$root/tmp/marker"
if [ "$busybox" = 1 ]; then
	cp "$BUSYBOX" "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
fi
mke2fs -q -t ext2 -d "$root" "$tmp/disk.img" 32M >/dev/null 2>&1 || {
	bad mke2fs "could not build the disk"
	exit 1
}
D=(-m 64M --timeout 60 --disk "$tmp/disk.img:cow")

echo "== a program stored on the disk, by its absolute path"
for fs in host guest; do
	expect "disk-program-$fs" 0 '^argv\[0\]=/opt/nanvix-rootfs-test/args$' '' -- \
		"${D[@]}" --fs=$fs -e NANVIX_A=1 -- "$DIR/args" x
	grep -q '^NANVIX_A=1$' "$tmp/out" && grep -q '^argv\[1\]=x$' "$tmp/out" &&
		ok "disk-program-$fs: argv and environment" ||
		bad "disk-program-$fs: argv and environment" "$(tr '\n' '|' <"$tmp/out")"
	expect "disk-missing-$fs" 127 '' \
		"^nanvixd: cannot run $DIR/nosuch from the VM's file system: No such file or directory$" -- \
		"${D[@]}" --fs=$fs -- "$DIR/nosuch"
	expect "disk-not-a-program-$fs" 126 '' "cannot run /tmp/marker from the VM's file system" -- \
		"${D[@]}" --fs=$fs -- /tmp/marker
	expect "disk-exit-status-$fs" 0 '^cwd=/$' '' -- "${D[@]}" --fs=$fs -- "$DIR/where"
done
# The host's /bin/sh is dynamic: refused, with the way to the disk's.
if [ -e /bin/sh ] && file -L /bin/sh | grep -q dynamically; then
	expect "host-file-first" 126 '' 'add --in-vm' -- "${D[@]}" -- /bin/sh -c 'echo hi'
fi
if [ "$busybox" = 1 ]; then
	for fs in host guest; do
		expect "in-vm-$fs" 7 '^from the disk /root$' '' -- "${D[@]}" --fs=$fs --in-vm \
			-w /root -- /bin/sh -c 'echo from the disk $(pwd); exit 7'
	done
else
	skip=$((skip + 1))
	echo "skip in-vm: no static busybox at $BUSYBOX"
fi
expect "in-vm-needs-fs" 125 '' '--in-vm needs a file system' -- --in-vm -- /bin/sh

echo "== -w: the working directory"
for fs in host guest; do
	expect "workdir-host-program-$fs" 0 '^cwd=/root$' '' -- "${D[@]}" --fs=$fs -w /root -- "$WHERE"
	expect "workdir-disk-program-$fs" 0 '^cwd=/root$' '' -- "${D[@]}" --fs=$fs -w /root -- "$DIR/where"
	expect "workdir-relative-file-$fs" 0 '^marker=data$' '' -- "${D[@]}" --fs=$fs -w /tmp -- \
		"$WHERE" marker
	expect "workdir-missing-$fs" 125 '' \
		'^nanvixd: cannot use /nowhere as the working directory in the VM: No such file or directory$' -- \
		"${D[@]}" --fs=$fs -w /nowhere -- "$WHERE"
	expect "workdir-not-a-dir-$fs" 125 '' 'cannot use /tmp/marker as the working directory' -- \
		"${D[@]}" --fs=$fs -w /tmp/marker -- "$DIR/where"
done
expect "workdir-no-disk" 0 '^cwd=/tmp$' '' -- -w /tmp -- "$WHERE"
expect "workdir-long-option" 0 '^cwd=/tmp$' '' -- --workdir /tmp -- "$WHERE"
expect "workdir-relative" 125 '' 'invalid working directory .tmp.' -- -w tmp -- "$WHERE"
expect "workdir-no-fs" 125 '' 'cannot use /tmp as the working directory' -- --no-tmp -w /tmp -- "$WHERE"

echo "== the default /tmp"
expect "tmp-writable" 0 '^/tmp/x=data$' '' -- -- "$WHERE" /tmp/x
expect "tmp-no-tmp" 2 '' '/tmp/x' -- --no-tmp -- "$WHERE" /tmp/x
mkdir "$tmp/mine"
expect "tmp-user-volume" 0 '^/tmp/x=data$' '' -- -v "$tmp/mine:/tmp" -- "$WHERE" /tmp/x
[ "$(cat "$tmp/mine/x" 2>/dev/null)" = data ] && ok "tmp-user-volume: the user's directory" ||
	bad "tmp-user-volume: the user's directory" "no x in it"
expect "tmp-of-the-disk" 0 '^/tmp/marker=disk$' '' -- "${D[@]}" -- "$WHERE" /tmp/marker disk
expect "tmp-guest-placement" 0 '^/tmp/y=data$' '' -- "${D[@]}" --fs=guest -- "$WHERE" /tmp/y

# The host directory behind /tmp: the one holding this run's token.
tmpdir_of() {
	grep -lsx "$1" /dev/shm/nanvixd-tmp.*/tok "${TMPDIR:-/tmp}"/nanvixd-tmp.*/tok 2>/dev/null |
		head -1 | xargs -r dirname
}
# gone NAME HOW SECONDS NANVIXD-ARGS...: while the VM runs (SECONDS) its /tmp
# is a private host directory (0700); after nanvixd ends (HOW: wait, or
# kill it with SIGTERM) it is gone.
gone() {
	local name=$1 how=$2 secs=$3 tok=tok$$-$RANDOM dir="" mode="" i pid
	shift 3
	"$NANVIXD" "$@" -- "$WHERE" /tmp/tok "$tok" "$secs" >"$tmp/out" 2>"$tmp/err" </dev/null &
	pid=$!
	for i in $(seq 100); do
		dir=$(tmpdir_of "$tok")
		[ -n "$dir" ] && break
		sleep 0.05
	done
	[ -n "$dir" ] && mode=$(stat -c %a "$dir")
	[ "$how" = kill ] && kill -TERM "$pid"
	wait "$pid"
	st=$?
	if [ -z "$dir" ]; then
		bad "$name" "no host directory held the token (status $st)"
	elif [ -e "$dir" ]; then
		bad "$name" "$dir is still there (status $st)"
	elif [ "$mode" != 700 ]; then
		bad "$name" "$dir had mode $mode, not 700"
	else
		ok "$name (status $st)"
	fi
}
gone "tmp-removed-after-exit" wait 1
gone "tmp-removed-after-timeout" wait 30 --timeout 2
gone "tmp-removed-after-kill" kill 30 --stop-timeout 0
echo "rootfs: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
