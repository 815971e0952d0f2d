#!/usr/bin/env bash
# debsrc.sh: fetch the upstream source of a Debian source package once and
# cache it unpacked; the shared body of toolchain/lwip.sh and
# toolchain/posixtestsuite.sh, which name the package.
#
#   toolchain/debsrc.sh PACKAGE VERSION MARKER [--check | --print-dir]
#
# The tree goes to $CACHE/PACKAGE-VERSION (CACHE: $NANVIX_CACHE, else
# ~/.cache/nanvix) and counts as complete when every path of MARKER (paths
# inside it, separated by commas) exists.  The source comes from Debian's archive through a deb-src entry
# of our own (/etc/apt/sources.list.d/nanvix-deb-src.sources, added if no
# deb-src entry exists).  Only the upstream tarball is unpacked; Debian's
# patches are not applied and nothing is copied into this repository.
# Concurrent fetches (parallel make, two ./z at once) are serialised.
set -euo pipefail

[ $# -ge 3 ] || {
	echo "usage: $0 PACKAGE VERSION MARKER [--check | --print-dir]" >&2
	exit 2
}
PKG=$1 VERSION=$2 MARKER=$3
shift 3
CACHE=${NANVIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nanvix}
DIR=$CACHE/$PKG-$VERSION
SRC_LIST=/etc/apt/sources.list.d/nanvix-deb-src.sources

say() { echo "$PKG: $*"; }
die() {
	echo "$PKG: error: $*" >&2
	exit 1
}
complete() {
	local m
	IFS=, read -ra m <<<"$MARKER"
	for f in "${m[@]}"; do [ -f "$DIR/$f" ] || return 1; done
}

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
	echo "usage: $0 PACKAGE VERSION MARKER [--check | --print-dir]" >&2
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
exec 9>"$CACHE/.$PKG.lock"
command -v flock >/dev/null && flock 9
complete && {
	say "cached in $DIR"
	exit 0
}
work=$(mktemp -d "${TMPDIR:-/tmp}/nanvix-$PKG.XXXXXX")
trap 'rm -rf "$work"' EXIT
say "fetching the source package"
(cd "$work" && apt-get source --download-only -q "$PKG" >/dev/null 2>&1) ||
	die "apt-get source $PKG failed (is a deb-src entry reachable?)"
tarball=$(ls "$work"/"$PKG"_"$VERSION".orig.tar.* 2>/dev/null | head -1)
[ -n "$tarball" ] || die "no upstream tarball ${PKG}_$VERSION.orig.tar.* in the source package"
mkdir "$work/tree"
tar -xf "$tarball" -C "$work/tree" --strip-components=1 || die "unpacking $tarball"
rm -rf "$DIR.tmp"
mv "$work/tree" "$DIR.tmp"
mv -T "$DIR.tmp" "$DIR"
complete || die "the unpacked tree lacks $MARKER"
say "cached in $DIR"
