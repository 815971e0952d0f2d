#!/usr/bin/env bash
# Shell and process-creation tests on an ext2 disk, native vs VM:
# Debian's busybox-static (a glibc program) runs a shell script with
# pipelines, command substitution, loops, redirections and #! scripts;
# tests/system/shell/spawn.c, built with musl and with glibc, makes
# processes the ways libcs do (fork, vfork, posix_spawn, system, popen) and
# execs scripts and non-programs.  Each prints the same thing both ways.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/system/lib.sh
system_setup shell

BUSYBOX=${BUSYBOX:-/bin/busybox}
APPLETS="sh cat echo seq wc tr sort head grep sed rm printf test [ true false"

if [ ! -x "$BUSYBOX" ] || ! file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked'; then
	echo "shell: SKIPPED: no static busybox at $BUSYBOX (./z setup installs busybox-static)"
	echo "shell: 0 passed, 0 failed, 1 skipped"
	exit 0
fi

# The root of the disk: busybox and its applets in /bin, the scripts, the spawn programs.
root=$tmp/root
mkdir -p "$root/bin" "$root/tmp"
cp "$BUSYBOX" "$root/bin/busybox"
for a in $APPLETS; do ln -s busybox "$root/bin/$a"; done
cp tests/system/shell/*.sh "$root/"
for libc in musl glibc; do
	[ -x "$T/shell/spawn.$libc.elf" ] && cp "$T/shell/spawn.$libc.elf" "$root/spawn.$libc"
done
chmod +x "$root"/*.sh
mke2fs -q -t ext2 -d "$root" "$tmp/disk.img" 32M >/dev/null 2>&1 || { bad mke2fs "could not build the disk"; exit 1; }

# same NAME NATIVE-CMD -- VM-ARGS...: stdout and status equal natively (in $root) and in the VM.
same() {
	local name=$1 cmd=$2 nst
	shift 3
	(cd "$root" && PATH="$root/bin:$PATH" bash -c "$cmd") >"$tmp/native" 2>/dev/null </dev/null
	nst=$?
	rm -f "$root/tmp/"*
	vm --timeout 120 -m 64M --disk "$tmp/disk.img:cow" -e PATH=/bin "$@"
	if [ "$st" != "$nst" ]; then
		bad "$name" "exit status $st in the VM, $nst natively; stderr: $(head -3 "$tmp/err" | tr '\n' ' ')"
	elif ! cmp -s "$tmp/native" "$tmp/out"; then
		bad "$name" "stdout differs: $(diff "$tmp/native" "$tmp/out" | head -8 | tr '\n' ' ')"
	else
		ok "$name"
	fi
}

same busybox-script "busybox sh script.sh" -- "$BUSYBOX" sh /script.sh
same busybox-hashbang "./hello.sh a 'b c'" -- "$BUSYBOX" sh -c "./hello.sh a 'b c'"
for libc in musl glibc; do
	if [ -e "$root/spawn.$libc" ]; then
		same "spawn.$libc" "./spawn.$libc" -- "$root/spawn.$libc"
	else
		skip=$((skip + 1))
		echo "skip spawn.$libc: not built"
	fi
done
echo "shell: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
