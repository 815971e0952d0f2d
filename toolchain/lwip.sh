#!/usr/bin/env bash
# lwip.sh: fetch the lwIP TCP/IP stack's source (Debian's lwip source
# package) once and cache it unpacked.
#
#   toolchain/lwip.sh              fetch and unpack if not cached
#   toolchain/lwip.sh --check      exit 0 if the cached tree is there
#   toolchain/lwip.sh --print-dir  print the tree's path
#
# Only the upstream tarball (BSD licence) is used: sysapps/net/net.mk
# compiles the core sources we need with our own lwipopts.h and port
# headers (sysapps/net/port/).  Debian's patches touch the sockets, tcpip,
# PPP and port code we do not build, and Debian's prebuilt liblwip is never
# linked.  No lwIP code is copied into this repository.
set -euo pipefail

VERSION=2.1.3+dfsg1
CACHE=${NANVIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nanvix}
DIR=$CACHE/lwip-$VERSION
SRC_LIST=/etc/apt/sources.list.d/nanvix-deb-src.sources

say() { echo "lwip: $*"; }
die() {
	echo "lwip: error: $*" >&2
	exit 1
}
complete() { [ -f "$DIR/src/core/tcp_in.c" ] && [ -f "$DIR/src/include/lwip/opt.h" ]; }

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
# Serialise concurrent fetches (parallel make, two ./z at once).
exec 9>"$CACHE/.lwip.lock"
command -v flock >/dev/null && flock 9
complete && {
	say "cached in $DIR"
	exit 0
}
work=$(mktemp -d "${TMPDIR:-/tmp}/nanvix-lwip.XXXXXX")
trap 'rm -rf "$work"' EXIT
say "fetching the source package"
(cd "$work" && apt-get source --download-only -q lwip >/dev/null 2>&1) ||
	die "apt-get source lwip failed (is a deb-src entry reachable?)"
tarball=$(ls "$work"/lwip_"$VERSION".orig.tar.* 2>/dev/null | head -1)
[ -n "$tarball" ] || die "no upstream tarball lwip_$VERSION.orig.tar.* in the source package"
mkdir "$work/tree"
tar -xf "$tarball" -C "$work/tree" --strip-components=1 || die "unpacking $tarball"
rm -rf "$DIR.tmp"
mv "$work/tree" "$DIR.tmp"
mv -T "$DIR.tmp" "$DIR"
say "cached in $DIR"
