#!/usr/bin/env bash
# posixtestsuite.sh: fetch the Open POSIX Test Suite source (Debian's
# posixtestsuite source package) once and cache it unpacked.
#
#   toolchain/posixtestsuite.sh          fetch and unpack if not cached
#   toolchain/posixtestsuite.sh --check  exit 0 if the cached tree is there
#   toolchain/posixtestsuite.sh --print-dir
#                                        print the tree's path
#
# The source comes from Debian's archive through a deb-src entry of our own
# (/etc/apt/sources.list.d/nanvix-deb-src.sources, added here if no deb-src
# entry exists).  Only the upstream tarball is used: tests build from it
# as they are; none of its code is copied into this repository.
set -euo pipefail

VERSION=1.5.2
CACHE=${NANVIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nanvix}
DIR=$CACHE/posixtestsuite-$VERSION
SRC_LIST=/etc/apt/sources.list.d/nanvix-deb-src.sources

say() { echo "posixtestsuite: $*"; }
die() {
	echo "posixtestsuite: error: $*" >&2
	exit 1
}
complete() { [ -f "$DIR/conformance/interfaces/pthread_cond_timedwait/2-5.c" ]; }

case "${1:-}" in
--check)
	complete
	exit
	;;
--print-dir)
	echo "$DIR"
	exit 0
	;;
"") ;;
*)
	echo "usage: $0 [--check | --print-dir]" >&2
	exit 2
	;;
esac

complete && {
	say "cached in $DIR"
	exit 0
}
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
if ! grep -rqs '^Types:.*deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	say "enabling Debian source packages in $SRC_LIST"
	$sudo tee "$SRC_LIST" >/dev/null <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
	$sudo apt-get update -q >/dev/null || die "apt-get update failed"
fi
mkdir -p "$CACHE"
work=$(mktemp -d "${TMPDIR:-/tmp}/nanvix-pts.XXXXXX")
trap 'rm -rf "$work"' EXIT
say "fetching the source package"
(cd "$work" && apt-get source --download-only -q posixtestsuite >/dev/null 2>&1) ||
	die "apt-get source posixtestsuite failed (is a deb-src entry reachable?)"
tarball=$(ls "$work"/posixtestsuite_"$VERSION".orig.tar.* 2>/dev/null | head -1)
[ -n "$tarball" ] || die "no upstream tarball in the source package"
mkdir "$work/tree"
tar -xf "$tarball" -C "$work/tree" --strip-components=1 || die "unpacking $tarball"
rm -rf "$DIR.tmp"
mv "$work/tree" "$DIR.tmp"
mv "$DIR.tmp" "$DIR"
say "cached in $DIR"
