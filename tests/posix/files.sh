#!/usr/bin/env bash
# File-system suite: each tests/posix/files/<name>.c, built with musl and
# with newlib+ulib, works in its current directory.  It runs natively in a
# fresh temporary directory, then in nanvixd with the file system on a fresh
# ext2 image, once with the file-system server in the host (--fs=host) and
# once in the guest (--fs=guest); the working directory is the image's root.
#
# A program passes when every run exits 0, each VM run prints exactly what
# the native run printed, the native run leaves its directory empty and
# `e2fsck -fn` finds each image clean afterwards.
#
# tests/posix/files/MUSL_ONLY names programs built with musl only.
# tests/posix/files/VM_ONLY names programs with no native run (enospc fills
# its file system); their VM runs must exit 0 and leave a clean image.
# The VM side is skipped without a usable /dev/kvm or a nanvixd with --fs.
set -u
cd "$(dirname "$0")/../.." || exit 1
root=$PWD
export PATH="$PATH:/sbin:/usr/sbin" # mke2fs, e2fsck

B=bin/tests/posix/files
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
placements="host guest"
# Extra nanvixd options (e.g. NANVIXD_OPTS='-m 64M'), as for ./z run.
read -r -a opts <<<"${NANVIXD_OPTS:-}"

# The names listed in tests/posix/files/$1, one a line; '#' starts a comment.
listed() { sed 's/#.*//' "tests/posix/files/$1" 2>/dev/null | tr -s ' \t' '\n'; }
musl_only=" $(listed MUSL_ONLY | tr '\n' ' ') "
vm_only=" $(listed VM_ONLY | tr '\n' ' ') "

vm=1
if [ ! -c /dev/kvm ] || ! : 2>/dev/null <>/dev/kvm; then
	vm=0
	echo "files: /dev/kvm missing or not accessible: VM side SKIPPED, native side only"
elif ! bin/nanvixd --help 2>&1 | grep -q -- '--fs'; then
	vm=0
	echo "files: nanvixd has no --fs yet: VM side SKIPPED"
elif ! command -v mke2fs >/dev/null || ! command -v e2fsck >/dev/null; then
	vm=0
	echo "files: mke2fs or e2fsck missing (./z setup installs e2fsprogs): VM side SKIPPED"
fi

total=0 fail=0 skip=0
native_total=0 native_ok=0
cmp_total=0 same=0 fsck_total=0 fsck_ok=0
declare -A vm_total=([host]=0 [guest]=0) vm_ok=([host]=0 [guest]=0)

# Keep, for the FAIL report, a heading ($1) and the first lines ($3, default 5)
# of file $2, indented; nothing when the file is empty.
detail() {
	[ -s "$2" ] || return 0
	{
		echo "     $1:"
		sed 's/^/     | /' "$2" | head -"${3:-5}"
	} >>"$tmp/detail"
}

# A failed run's stdout ($1): its FAIL lines, or its last lines when none.
failures() { grep -m 8 FAIL "$1" || tail -5 "$1"; }

for src in tests/posix/files/*.c; do
	name=$(basename "$src" .c)
	native=1
	case "$vm_only" in *" $name "*) native=0 ;; esac
	for libc in musl newlib; do
		case "$libc:$musl_only" in newlib:*" $name "*) continue ;; esac
		elf="$B/$name.$libc.elf"
		if [ ! -x "$elf" ]; then
			skip=$((skip + 1))
			echo "skip $name.$libc: $elf not built"
			continue
		fi
		if [ "$native" = 0 ] && [ "$vm" = 0 ]; then
			skip=$((skip + 1))
			echo "skip $name.$libc: VM only"
			continue
		fi
		total=$((total + 1))
		bad=""
		: >"$tmp/detail"

		if [ "$native" = 1 ]; then
			native_total=$((native_total + 1))
			work="$tmp/work"
			rm -rf "$work" && mkdir "$work"
			(cd "$work" && timeout 60 "$root/$elf") >"$tmp/native" 2>"$tmp/native.err" </dev/null
			nst=$?
			left=$(find "$work" -mindepth 1 -maxdepth 1 -printf ' %f' | head -c 60)
			if [ "$nst" != 0 ]; then
				bad="$bad native status $nst;"
				failures "$tmp/native" >"$tmp/excerpt"
				detail "native stdout" "$tmp/excerpt" 8
				detail "native stderr" "$tmp/native.err"
			elif [ -n "$left" ]; then
				bad="$bad native run left files behind:$left;"
			else
				native_ok=$((native_ok + 1))
			fi
		fi

		if [ "$vm" = 1 ]; then
			for p in $placements; do
				img="$tmp/disk.img"
				rm -f "$img"
				if ! mke2fs -q -F -t ext2 -b 4096 "$img" 64M >"$tmp/mkfs" 2>&1; then
					bad="$bad mke2fs failed;"
					detail "mke2fs" "$tmp/mkfs"
					continue
				fi
				vm_total[$p]=$((vm_total[$p] + 1))
				bin/nanvixd "${opts[@]}" --fs="$p" --disk "$img" --timeout 60 -- "$elf" \
					>"$tmp/vm" 2>"$tmp/vm.err" </dev/null
				vst=$?
				if [ "$vst" = 0 ]; then
					vm_ok[$p]=$((vm_ok[$p] + 1))
				else
					bad="$bad $p status $vst;"
					failures "$tmp/vm" >"$tmp/excerpt"
					detail "$p stdout" "$tmp/excerpt" 8
					detail "$p stderr" "$tmp/vm.err"
				fi
				if [ "$native" = 1 ]; then
					cmp_total=$((cmp_total + 1))
					if cmp -s "$tmp/native" "$tmp/vm"; then
						same=$((same + 1))
					else
						bad="$bad $p output differs;"
						diff "$tmp/native" "$tmp/vm" >"$tmp/diff"
						detail "native -> $p" "$tmp/diff" 10
					fi
				fi
				fsck_total=$((fsck_total + 1))
				if e2fsck -fn "$img" >"$tmp/fsck" 2>&1; then
					fsck_ok=$((fsck_ok + 1))
				else
					bad="$bad e2fsck after $p;"
					grep -v '^Pass\|^e2fsck [0-9]\|^$' "$tmp/fsck" >"$tmp/excerpt"
					detail "e2fsck after $p" "$tmp/excerpt" 8
				fi
			done
		fi

		if [ -n "$bad" ]; then
			fail=$((fail + 1))
			echo "FAIL $name.$libc:${bad%;}"
			cat "$tmp/detail"
		elif [ "$vm" = 1 ]; then
			echo "ok   $name.$libc"
		else
			echo "ok   $name.$libc (native)"
		fi
	done
done

if [ "$vm" = 1 ]; then
	echo "files: native $native_ok/$native_total, host ${vm_ok[host]}/${vm_total[host]}," \
		"guest ${vm_ok[guest]}/${vm_total[guest]}, identical $same/$cmp_total," \
		"e2fsck clean $fsck_ok/$fsck_total"
else
	echo "files: native $native_ok/$native_total passed, VM side skipped"
fi
echo "files: $((total - fail)) passed, $fail failed, $skip skipped"
[ "$fail" = 0 ] && [ "$total" -gt 0 ]
