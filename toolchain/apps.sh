#!/usr/bin/env bash
# apps.sh: build three real programs, static with musl, for tests/apps/:
# SQLite's shell, Lua 5.4 and dash, from Debian's source packages (their
# upstream tarballs, fetched by toolchain/debsrc.sh); and, for
# tests/bench/apps.sh only, SQLite's speedtest1.  Built once, cached.
#
#   toolchain/apps.sh              fetch and build what is not built yet
#   toolchain/apps.sh NAME...      the same for the programs named
#   toolchain/apps.sh --check      exit 0 if the three test programs are
#                                  built (speedtest1 is optional)
#   toolchain/apps.sh --check NAME...
#                                  exit 0 if the programs named are built
#   toolchain/apps.sh --print-dir  print the directory of the programs
#
# Without NAMEs, a speedtest1 that fails to build is a warning, not an
# error.  The programs go to $CACHE/apps/bin/{sqlite3,lua,dash,speedtest1}
# (CACHE:
# $NANVIX_CACHE, else ~/.cache/nanvix).  Each builds in
# $CACHE/apps/build/NAME-VERSION, outside its source tree and this
# repository, with its output in $CACHE/apps/build/NAME-VERSION.log.  A
# program counts as built when it is there with a stamp naming the version
# it was built from, so a new version here rebuilds it.
set -euo pipefail

CACHE=${NANVIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nanvix}
APPS=$CACHE/apps
BIN=$APPS/bin
HERE=$(cd "$(dirname "$0")" && pwd)

# NAME PACKAGE VERSION MARKER (debsrc.sh's), one a line; OPTIONAL ones
# are built by default but not needed by --check.
PROGRAMS="sqlite3 sqlite3 3.40.1 configure,src/shell.c.in,tool/mksqlite3c.tcl
lua lua5.4 5.4.4 src/lua.c,src/Makefile
dash dash 0.5.12 configure,src/main.c
speedtest1 sqlite3 3.40.1 configure,test/speedtest1.c,tool/mksqlite3c.tcl"
OPTIONAL=" speedtest1 "

usage() {
	echo "usage: $0 [--check] [NAME...] | --print-dir  (NAME: sqlite3, lua, dash, speedtest1)" >&2
	exit 2
}

# built NAME VERSION: is bin/NAME there, built from VERSION?
built() {
	[ -x "$BIN/$1" ] && [ "$(cat "$BIN/.$1.version" 2>/dev/null)" = "$2" ]
}

# wanted NAME: is NAME one of the programs asked for?  With none named,
# every program, or with --check every one not OPTIONAL.
wanted() {
	if [ ${#NAMES[@]} -gt 0 ]; then
		[[ " ${NAMES[*]} " == *" $1 "* ]]
	else
		[ "$check" = 0 ] || [[ "$OPTIONAL" != *" $1 "* ]]
	fi
}

all_built() {
	local name pkg version marker
	while read -r name pkg version marker; do
		! wanted "$name" || built "$name" "$version" || return 1
	done <<<"$PROGRAMS"
}

check=0
case "${1:-}" in
--check)
	check=1
	shift
	;;
--print-dir)
	[ $# = 1 ] || usage
	echo "$BIN"
	exit 0
	;;
-*) usage ;;
esac
NAMES=("$@")
for n in "${NAMES[@]}"; do
	grep -q "^$n " <<<"$PROGRAMS" || usage
done
if [ "$check" = 1 ]; then
	all_built
	exit
fi

command -v musl-gcc >/dev/null || {
	echo "apps: error: musl-gcc not found (apt package musl-tools; ./z setup installs it)" >&2
	exit 1
}

# step NAME LOG WHAT COMMAND...: run COMMAND with its output appended to
# LOG, saying WHAT first; on failure show LOG's tail and fail.
step() {
	local name=$1 log=$2 what=$3
	shift 3
	echo "$name: $what"
	if ! "$@" >>"$log" 2>&1; then
		echo "$name: error: $what failed; the end of $log:" >&2
		tail -25 "$log" | sed 's/^/  | /' >&2
		return 1
	fi
}

# Each build_NAME SRC DIR LOG builds out of SRC in DIR and leaves the
# program at DIR/NAME.

# SQLite: the shell and the amalgamation linked into one program, with the
# default (unix) VFS and its locking.  Building the amalgamation needs
# tclsh; libtool's -all-static gives a fully static program (-static would
# only mean "no shared libsqlite").
build_sqlite3() {
	sqlite_target sqlite3 "$@"
}

# speedtest1: SQLite's own benchmark (test/speedtest1.c), built by the same
# configure and Makefile, linked with the same amalgamation.
build_speedtest1() {
	sqlite_target speedtest1 "$@"
}

# sqlite_target TARGET SRC DIR LOG: configure SQLite in DIR and make
# TARGET, one of its Makefile's programs.
sqlite_target() {
	local target=$1 src=$2 dir=$3 log=$4
	command -v tclsh >/dev/null || {
		echo "$target: error: tclsh not found (apt package tcl; ./z setup installs it)" >&2
		return 1
	}
	step "$target" "$log" "configure" \
		env -C "$dir" "$src/configure" CC=musl-gcc CFLAGS=-O2 \
		--disable-tcl --disable-readline --disable-editline \
		--enable-static --disable-shared || return 1
	step "$target" "$log" "make (generates and compiles the sqlite3.c amalgamation)" \
		make -C "$dir" -j"$(nproc)" "$target" LTLINK_EXTRAS=-all-static
}

# Lua: src/Makefile's "linux" target (without readline), on a copy of the
# source directory because the Makefile builds where it stands.
build_lua() {
	local src=$1 dir=$2 log=$3
	cp -R "$src/src/." "$dir/"
	step lua "$log" "make linux" \
		make -C "$dir" -j"$(nproc)" linux \
		CC="musl-gcc -std=gnu99" MYCFLAGS= MYLDFLAGS=-static || return 1
}

# dash: its autoconf build, in a separate directory.
build_dash() {
	local src=$1 dir=$2 log=$3
	step dash "$log" "configure" \
		env -C "$dir" "$src/configure" CC=musl-gcc CFLAGS=-O2 LDFLAGS=-static || return 1
	step dash "$log" "make" make -C "$dir" -j"$(nproc)" || return 1
	cp "$dir/src/dash" "$dir/dash"
}

# fail NAME: count NAME as not built; an OPTIONAL one built by default
# only warns.
fail() {
	if [ ${#NAMES[@]} = 0 ] && [[ "$OPTIONAL" == *" $1 "* ]]; then
		optfailed="$optfailed $1"
	else
		failed="$failed $1"
	fi
}

mkdir -p "$BIN" "$APPS/build"
exec 9>"$APPS/.lock"
command -v flock >/dev/null && flock 9

failed="" optfailed=""
while read -r name pkg version marker; do
	wanted "$name" || continue
	if built "$name" "$version"; then
		echo "$name: built, in $BIN/$name"
		continue
	fi
	if ! "$HERE/debsrc.sh" "$pkg" "$version" "$marker"; then
		fail "$name"
		continue
	fi
	src=$("$HERE/debsrc.sh" "$pkg" "$version" "$marker" --print-dir)
	dir=$APPS/build/$name-$version
	log=$dir.log
	rm -rf "$dir"
	mkdir -p "$dir"
	: >"$log"
	start=$SECONDS
	if ! "build_$name" "$src" "$dir" "$log"; then
		fail "$name"
		continue
	fi
	# A dynamic program would run natively but not in a VM.
	if file "$dir/$name" | grep -q dynamic; then
		echo "$name: error: $dir/$name is not static" >&2
		fail "$name"
		continue
	fi
	cp "$dir/$name" "$BIN/$name.tmp"
	mv "$BIN/$name.tmp" "$BIN/$name"
	echo "$version" >"$BIN/.$name.version"
	echo "$name: built in $((SECONDS - start)) s, in $BIN/$name"
done <<<"$PROGRAMS"

if [ -n "$optfailed" ]; then
	echo "apps: warning: not built (optional, for ./z bench apps):$optfailed" >&2
fi
if [ -n "$failed" ]; then
	echo "apps: error: not built:$failed" >&2
	exit 1
fi
