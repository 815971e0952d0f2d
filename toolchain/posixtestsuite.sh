#!/usr/bin/env bash
# posixtestsuite.sh: fetch the Open POSIX Test Suite source (Debian's
# posixtestsuite source package) once and cache it unpacked
# (toolchain/debsrc.sh does it).
#
#   toolchain/posixtestsuite.sh          fetch and unpack if not cached
#   toolchain/posixtestsuite.sh --check  exit 0 if the cached tree is there
#   toolchain/posixtestsuite.sh --print-dir
#                                        print the tree's path
#
# Tests build from the upstream tarball as it is; none of its code is
# copied into this repository.
exec "$(dirname "$0")/debsrc.sh" posixtestsuite 1.5.2 \
	conformance/interfaces/pthread_cond_timedwait/2-5.c "$@"
