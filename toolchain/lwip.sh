#!/usr/bin/env bash
# lwip.sh: fetch the lwIP TCP/IP stack's source (Debian's lwip source
# package) once and cache it unpacked (toolchain/debsrc.sh does it).
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
exec "$(dirname "$0")/debsrc.sh" lwip 2.1.3+dfsg1 \
	src/core/tcp_in.c,src/include/lwip/opt.h "$@"
