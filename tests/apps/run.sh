#!/usr/bin/env bash
# Real programs, differential: SQLite's shell, Lua 5.4 and dash, built
# static with musl by toolchain/apps.sh, run the scripts of tests/apps/
# natively on Linux and inside nanvixd; stdout and exit status must match.
#
#   sqlite3/memory       sqlite3/build.sql on an in-memory database
#   sqlite3/disk         sqlite3/build.sql, then sqlite3/reopen.sql in a
#                        second process, on a file database: a file of a
#                        temporary directory natively, /test.db of a fresh
#                        ext2 image in the VM (which e2fsck must then find
#                        clean)
#   sqlite3/disk-guestfs the same with --fs=guest
#   sqlite3/concurrent   dash runs three sqlite3 writers at once on one
#                        file (sqlite3/concurrent.sh), in /tmp of the VM
#   sqlite3/concurrent-disk, sqlite3/concurrent-guestfs
#                        the same on an ext2 image, with the file system
#                        in the host and in the VM
#   lua/NAME             lua NAME.lua, run in tests/apps/lua (mapped
#                        read-only at /t in the VM), with TZ=UTC
#   dash/NAME            dash reading dash/NAME.sh on stdin, in an empty
#                        writable directory (/tmp in the VM)
#
# Both sides get an empty environment (env -i natively) but for the
# variables a case sets (TZ, SQLITE).  A case passes when its native run exits 0, and the VM's status and stdout
# are the native ones.  Without a usable /dev/kvm only the native side
# runs and the cases count as skipped; without the programs built the
# whole group is skipped.
set -u
cd "$(dirname "$0")/../.." || exit 1
PATH=$PATH:/sbin:/usr/sbin # mke2fs and e2fsck

T=tests/apps
pass=0 fail=0 skip=0

if ! toolchain/apps.sh --check; then
	echo "apps: SKIPPED: sqlite3, lua and dash are not built (toolchain/apps.sh builds them; ./z setup runs it)"
	echo "apps: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
APPS=$(toolchain/apps.sh --print-dir)
kvm=1
if [ ! -c /dev/kvm ] || ! : 2>/dev/null <>/dev/kvm; then
	kvm=0
	echo "apps: /dev/kvm missing or not accessible: VM side SKIPPED, native side only"
elif [ ! -x bin/nanvixd ] || [ ! -f bin/kernel.elf ]; then
	echo "apps: error: bin/nanvixd or bin/kernel.elf missing (make builds them)"
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
VM=(bin/nanvixd --timeout 240 -m 256M)

# native DIR [VAR=VALUE...] PROGRAM [ARGS...]: run bounded, in DIR, in an
# otherwise empty environment; stdout to $tmp/native, status in $nst.
# Braces: bash's own report of a killed program stays out of the log.
native() {
	local dir=$1
	shift
	{ timeout 120 env -i -C "$dir" "$@" >"$tmp/native" 2>"$tmp/native.err"; } 2>/dev/null
	nst=$?
}

# vm [nanvixd args...]: stdout to $tmp/vm, status in $vst; $problem,
# which a case may set afterwards, fails it whatever the outputs.
vm() {
	"${VM[@]}" "$@" >"$tmp/vm" 2>"$tmp/vm.err"
	vst=$?
	problem=""
}

# verdict NAME: compare the two runs (native only without KVM).
verdict() {
	local name=$1
	if [ "$nst" != 0 ]; then
		fail=$((fail + 1))
		echo "FAIL $name: native status $nst (the test itself is broken)"
		tail -5 "$tmp/native.err" | sed 's/^/     | /'
	elif [ "$kvm" = 0 ]; then
		skip=$((skip + 1))
		echo "skip $name: no /dev/kvm (native ok)"
	elif [ "$vst" != "$nst" ]; then
		fail=$((fail + 1))
		echo "FAIL $name: status native $nst, vm $vst"
		tail -5 "$tmp/vm.err" | sed 's/^/     | /'
		diff "$tmp/native" "$tmp/vm" | head -10 | sed 's/^/     | /'
	elif ! cmp -s "$tmp/native" "$tmp/vm"; then
		fail=$((fail + 1))
		echo "FAIL $name: outputs differ"
		diff "$tmp/native" "$tmp/vm" | head -20 | sed 's/^/     | /'
	elif [ -n "$problem" ]; then
		fail=$((fail + 1))
		echo "FAIL $name: $problem"
		tail -5 "$tmp/vm.err" | sed 's/^/     | /'
	else
		pass=$((pass + 1))
		echo "ok   $name"
	fi
}

# fresh_image: an empty ext2 image at $tmp/img.
fresh_image() {
	rm -rf "$tmp/root" "$tmp/img"
	mkdir "$tmp/root"
	mke2fs -q -t ext2 -d "$tmp/root" "$tmp/img" 16M >/dev/null
}

# check_image: after a VM run that exited 0, a damaged file system fails
# the case even when the outputs match.
check_image() {
	if [ "$vst" = 0 ] && ! e2fsck -fn "$tmp/img" >"$tmp/vm.err" 2>&1; then
		problem="e2fsck -fn finds the image damaged"
	fi
}

# SQLite.  -init /dev/null: no ~/.sqliterc on either side.
SQL=("$APPS/sqlite3" -init /dev/null)
native . "${SQL[@]}" :memory: <"$T/sqlite3/build.sql"
[ "$kvm" = 0 ] || vm -- "${SQL[@]}" :memory: <"$T/sqlite3/build.sql"
verdict sqlite3/memory

# sqlite_disk NAME [nanvixd args...]: build.sql then reopen.sql on a file.
sqlite_disk() {
	local name=$1
	shift
	mkdir "$tmp/db"
	native "$tmp/db" "${SQL[@]}" test.db <"$T/sqlite3/build.sql"
	mv "$tmp/native" "$tmp/native.1"
	if [ "$nst" = 0 ]; then
		native "$tmp/db" "${SQL[@]}" test.db <"$T/sqlite3/reopen.sql"
		cat "$tmp/native.1" "$tmp/native" >"$tmp/native.2"
		mv "$tmp/native.2" "$tmp/native"
	fi
	rm -rf "$tmp/db"
	if [ "$kvm" = 1 ]; then
		fresh_image
		vm --disk "$tmp/img" "$@" -- "${SQL[@]}" /test.db <"$T/sqlite3/build.sql"
		mv "$tmp/vm" "$tmp/vm.1"
		if [ "$vst" = 0 ]; then
			vm --disk "$tmp/img" "$@" -- "${SQL[@]}" /test.db <"$T/sqlite3/reopen.sql"
			cat "$tmp/vm.1" "$tmp/vm" >"$tmp/vm.2"
			mv "$tmp/vm.2" "$tmp/vm"
		else
			mv "$tmp/vm.1" "$tmp/vm"
		fi
		check_image
	fi
	verdict "$name"
}
sqlite_disk sqlite3/disk
if [ "$kvm" = 1 ] && [ ! -f bin/fsd.elf ]; then
	skip=$((skip + 1))
	echo "skip sqlite3/disk-guestfs: bin/fsd.elf not built"
else
	sqlite_disk sqlite3/disk-guestfs --fs=guest
fi

# sqlite_concurrent NAME [nanvixd args...]: writers at once, in /tmp of
# the VM, or on a fresh image given any argument.  dash starts them, by an
# absolute path natively and as /bin/sqlite3 in the VM (--image makes it
# one that execve can start).
sqlite_concurrent() {
	local name=$1 conc=(--image "$APPS" -e SQLITE=/bin/sqlite3)
	shift
	mkdir "$tmp/work"
	native "$tmp/work" SQLITE="$APPS/sqlite3" "$APPS/dash" <"$T/sqlite3/concurrent.sh"
	rm -rf "$tmp/work"
	if [ "$kvm" = 1 ] && [ $# = 0 ]; then
		vm "${conc[@]}" -w /tmp -- "$APPS/dash" <"$T/sqlite3/concurrent.sh"
	elif [ "$kvm" = 1 ]; then
		fresh_image
		vm "${conc[@]}" --disk "$tmp/img" "$@" -w / -- "$APPS/dash" <"$T/sqlite3/concurrent.sh"
		check_image
	fi
	verdict "$name"
}
sqlite_concurrent sqlite3/concurrent
sqlite_concurrent sqlite3/concurrent-disk --fs=host
if [ "$kvm" = 1 ] && [ ! -f bin/fsd.elf ]; then
	skip=$((skip + 1))
	echo "skip sqlite3/concurrent-guestfs: bin/fsd.elf not built"
else
	sqlite_concurrent sqlite3/concurrent-guestfs --fs=guest
fi

# Lua: the same relative script path on both sides, for error messages.
for script in "$T"/lua/*.lua; do
	file=$(basename "$script")
	native "$T/lua" TZ=UTC "$APPS/lua" "$file" </dev/null
	[ "$kvm" = 0 ] || vm -e TZ=UTC -v "$PWD/$T/lua:/t:ro" -w /t -- "$APPS/lua" "$file" </dev/null
	verdict "lua/${file%.lua}"
done

# dash: the script on stdin, so that $0 is dash itself on both sides (and
# "$0" starts a child shell, the one program there is in the VM).
for script in "$T"/dash/*.sh; do
	file=$(basename "$script")
	mkdir "$tmp/work"
	native "$tmp/work" "$APPS/dash" <"$script"
	rm -rf "$tmp/work"
	[ "$kvm" = 0 ] || vm -w /tmp -- "$APPS/dash" <"$script"
	verdict "dash/${file%.sh}"
done

echo "apps: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
