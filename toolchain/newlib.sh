#!/usr/bin/env bash
# newlib.sh: build newlib (the guest libc) once and cache it as a sysroot.
#
#   toolchain/newlib.sh                  build and install if not cached
#   toolchain/newlib.sh --check          exit 0 if the cached sysroot is complete
#   toolchain/newlib.sh --print-sysroot  print the sysroot path
#   toolchain/newlib.sh --print-cflags   print the code-generation flags that
#                                        every guest object must share
#
# newlib 3.3.0 comes from Debian's newlib-source package and is compiled for
# the bare target x86_64-elf by the host gcc and binutils, which the wrappers
# in toolchain/bin/ disguise as a cross toolchain.  newlib supplies no system
# calls: ulib/ provides them on top of the Linux x86-64 system-call ABI.
#
# The sysroot ($NANVIX_CACHE/newlib-3.3.0-<hash>/{include,lib}) is named after
# a hash of this script and the wrappers, so changing a flag rebuilds it under
# a new name.  It is assembled in a temporary directory and renamed into place
# in one step: an interrupted build never looks complete.
set -euo pipefail

NEWLIB_VERSION=3.3.0
NEWLIB_TARBALL=${NEWLIB_TARBALL:-/usr/src/newlib/newlib-$NEWLIB_VERSION.tar.xz}
TARGET=x86_64-elf

# Code generation for every guest object (newlib's here, and through
# --print-cflags toolchain.mk's and nanvix-cc's): baseline x86-64, no PIE, no
# stack protector (no TLS canary in the guest), one section per function and
# datum so that static links drop what they do not use.  The red zone is
# allowed: user code never runs on a stack that ring 0 also uses.
GUEST_ARCH_CFLAGS="-march=x86-64 -mtune=generic -mno-avx -fno-pie \
-fno-stack-protector -ffunction-sections -fdata-sections"
TARGET_CFLAGS="-O2 -g $GUEST_ARCH_CFLAGS"

CONFIGURE_FLAGS="--target=$TARGET --disable-multilib --disable-nls \
--disable-newlib-supplied-syscalls --enable-newlib-io-long-long \
--enable-newlib-io-c99-formats"

TOOLCHAIN=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${NANVIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nanvix}

hash=$( {
	cat "$TOOLCHAIN/newlib.sh" "$TOOLCHAIN"/bin/x86_64-elf-*
	echo "$TARGET_CFLAGS $CONFIGURE_FLAGS"
} | sha256sum | cut -c1-10)
SYSROOT=$CACHE/newlib-$NEWLIB_VERSION-$hash

complete() {
	[ -f "$SYSROOT/lib/libc.a" ] && [ -f "$SYSROOT/lib/libm.a" ] &&
		[ -f "$SYSROOT/include/stdio.h" ]
}

case "${1:-}" in
--check)
	complete
	exit
	;;
--print-sysroot)
	echo "$SYSROOT"
	exit 0
	;;
--print-cflags)
	echo "$GUEST_ARCH_CFLAGS"
	exit 0
	;;
"") ;;
*)
	echo "usage: $0 [--check | --print-sysroot | --print-cflags]" >&2
	exit 2
	;;
esac

say() { echo "newlib: $*"; }
die() {
	echo "newlib: error: $*" >&2
	exit 1
}

complete && {
	say "cached in $SYSROOT"
	exit 0
}

[ -r "$NEWLIB_TARBALL" ] || die "$NEWLIB_TARBALL missing (apt-get install newlib-source)"
for tool in gcc make tar xz sha256sum; do
	command -v "$tool" >/dev/null || die "'$tool' not found (run ./z setup)"
done

mkdir -p "$CACHE"
# Serialise concurrent builds (parallel make, two ./z at once); the loser
# finds the sysroot complete once it gets the lock.
exec 9>"$CACHE/.newlib.lock"
command -v flock >/dev/null && flock 9
complete && {
	say "cached in $SYSROOT"
	exit 0
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nanvix-newlib.XXXXXX")
LOG=$CACHE/newlib-$NEWLIB_VERSION-$hash.log
cleanup() { rm -rf "$WORK" "$SYSROOT.tmp"; }
trap cleanup EXIT
: >"$LOG"

fail() {
	echo "newlib: error: $1 failed; last lines of $LOG:" >&2
	tail -n 30 "$LOG" >&2
	exit 1
}

say "extracting $NEWLIB_TARBALL"
mkdir "$WORK/src" "$WORK/build"
tar -xJf "$NEWLIB_TARBALL" -C "$WORK/src" --strip-components=1 >>"$LOG" 2>&1 ||
	fail "extracting"

export PATH="$TOOLCHAIN/bin:$PATH"
# Called from make, we would inherit its variables (CFLAGS=..., -n, -s) and
# jobserver; newlib's build is a world of its own.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
NANVIX_GCC_INCLUDE=$(gcc -print-file-name=include)
export NANVIX_GCC_INCLUDE
jobs=$(nproc 2>/dev/null || echo 2)

say "configuring"
# shellcheck disable=SC2086
(cd "$WORK/build" && "$WORK/src/configure" $CONFIGURE_FLAGS --prefix=/ \
	CFLAGS_FOR_TARGET="$TARGET_CFLAGS") >>"$LOG" 2>&1 || fail "configure"

say "building (about a minute)"
make -C "$WORK/build" -j"$jobs" all-target-newlib >>"$LOG" 2>&1 || fail "make"
make -C "$WORK/build" install-target-newlib DESTDIR="$WORK/stage" \
	>>"$LOG" 2>&1 || fail "make install"

# The install tree is <DESTDIR>/<target>/{include,lib}; flatten it.
rm -rf "$SYSROOT.tmp"
mkdir -p "$SYSROOT.tmp"
mv "$WORK/stage/$TARGET/include" "$WORK/stage/$TARGET/lib" "$SYSROOT.tmp/" ||
	fail "staging"
cat >"$SYSROOT.tmp/BUILDINFO" <<EOF
newlib $NEWLIB_VERSION from $NEWLIB_TARBALL
target $TARGET
cflags $TARGET_CFLAGS
configure $CONFIGURE_FLAGS
EOF
mv -T "$SYSROOT.tmp" "$SYSROOT"
say "installed in $SYSROOT"
