#!/usr/bin/env bash
# Hostile-guest regressions: each tests/system/hostile/NAME.c is a program
# that attacks the kernel from ring 3 one way (direction flag, privileged
# instructions, the fast-call page, kill(-1), huge ranges, timer floods,
# exit signals that must not reach process 1).
# It runs in a VM and must print NAME.expected and exit 0: the kernel
# neither panics nor hangs (--timeout catches a hang), and only the
# offending process is hurt.  The socket attacks run in both placements
# of the network component (--net=host and --net=guest); netd_forge is
# not the program but the VM's network server (see below).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/system/lib.sh
T=bin/tests/hostile
system_setup hostile

# A disk, so that the fast-call page is mapped (the fast file path serves disk files).
mkdir -p "$tmp/root"
mke2fs -q -t ext2 -d "$tmp/root" "$tmp/disk.img" 4M >/dev/null 2>&1

# run NAME [nanvixd options...]: the check is named NAME, plus the
# --net=MODE option if one is given.
run() {
	local name=$1 label=$1 st a
	shift
	for a; do
		case $a in --net=*) label="$name ($a)" ;; esac
	done
	if [ ! -x "$T/$name.elf" ]; then
		skip=$((skip + 1))
		echo "skip $label: $T/$name.elf not built"
		return
	fi
	bin/nanvixd --timeout 60 "$@" -- "$T/$name.elf" >"$tmp/out" 2>"$tmp/err" </dev/null
	st=$?
	if [ "$st" = 0 ] && grep -q '^umip: not offered' "$tmp/out"; then
		skip=$((skip + 1))
		echo "skip $label: KVM offers no UMIP here, so sgdt and friends cannot fault"
	elif [ "$st" != 0 ]; then
		bad "$label" "status $st (124: a hang; 122: the VM died)"
	elif ! cmp -s "tests/system/hostile/$name.expected" "$tmp/out"; then
		bad "$label" "output differs: $(diff "tests/system/hostile/$name.expected" "$tmp/out" | head -6 | tr '\n' ' ')"
	else
		ok "$label"
	fi
}

run direction_flag
run privileged
run fastcall_page --disk "$tmp/disk.img:cow"
run kill_all
run big_ranges -m 64M
run timer_flood
run huge_timer
# The default /tmp left as hard to remove as a guest can: 3000 levels
# deep, closed directories; nanvixd removes it all (its base is empty).
mkdir -p "$tmp/tmpbase"
NANVIXD_TMPDIR=$tmp/tmpbase run tmp_deep
if [ -z "$(ls -A "$tmp/tmpbase")" ] && ! grep -q "could not remove" "$tmp/err"; then
	ok "tmp_deep: the VM's /tmp removed, every level of it"
else
	bad "tmp_deep: the VM's /tmp removed" "left: $(ls -A "$tmp/tmpbase") $(head -c 200 "$tmp/err")"
	chmod -R u+rwx "$tmp/tmpbase" 2>/dev/null
fi
# Exit signals and process groups (found by the syscall fuzzer).
for t in clone_parent_sig reparent_sig exitsig_info setpgid_nogroup noncanonical; do
	run "$t"
done

# Socket-call abuse, in both placements of the network component (the
# same answers from lwIP in the macro-kernel and in the VM): bad
# arguments, the socket tables' limits, epoll and select over sockets,
# connections nobody reads (the VM must still end at once: the exit drain
# is bounded at 2 s).
for mode in host guest; do
	T=bin/tests net_mode_gate "$mode" "net_badargs, net_exhaust, net_neverread, epoll_abuse" || continue
	for t in net_badargs net_exhaust epoll_abuse; do
		run "$t" --net="$mode"
	done
	if [ "$mode" = host ]; then
		run net_neverread --net=host
		continue
	fi
	# net_neverread fills 88 connections' buffers (more than 128 MiB in
	# all), which lwIP takes from the memory of whoever runs it: the
	# macro-kernel's with --net=host, the VM's with --net=guest, where
	# netd's receive and send budgets are a quarter of the VM's RAM each
	# (64 MiB at most, as on the host).  So the VM gets 256 MiB to print
	# the same; with the default 16 MiB the budgets (4 MiB) stop the
	# sends sooner (EAGAIN), and the VM must still end at once and cleanly.
	run net_neverread --net=guest -m 256M
	vm --net=guest --timeout 60 -- "$T/net_neverread.elf"
	judge "net_neverread (--net=guest, 16 MiB: netd's 4 MiB budgets) ends cleanly" 0 \
		"^net_neverread: exit 0 without closing$"
done
# A forged network server (netd_forge.c) in bin/netd.elf's place: it
# attacks the frame path (/dev/netd, the host's record checks, the
# switch) instead of serving, then process 1 runs hello.  Alone, and in
# a shared macro-kernel beside a --net=host and a --net=guest VM that
# must still answer afterwards (its broadcasts flood their ports).
# forge LABEL ADDRESS [nanvixd options...]: netd_forge.expected, with the
# VM's ADDRESS in the CONFIG line, then hello's line, status 0.
forge() {
	local label=$1 addr=$2 st
	shift 2
	bin/nanvixd --kernel "$tmp/forge/kernel.elf" --net=guest --timeout 60 "$@" -- \
		bin/tests/hello.musl.elf >"$tmp/out" 2>"$tmp/err" </dev/null
	st=$?
	sed "s/^CONFIG: ok, address 10\.0\.2\.15,/CONFIG: ok, address $addr,/" \
		tests/system/hostile/netd_forge.expected >"$tmp/forge.expected"
	if [ "$st" != 0 ]; then
		bad "$label" "status $st (124: a hang; 122: the VM died): $(tail -3 "$tmp/out" | tr '\n' ' ')"
	elif ! cmp -s "$tmp/forge.expected" "$tmp/out"; then
		bad "$label" "output differs: $(diff "$tmp/forge.expected" "$tmp/out" | head -6 | tr '\n' ' ')"
	else
		ok "$label"
	fi
}

# neighbour MODE: an http_echo VM of the macro-kernel at $tmp/mk.sock, up
# (its pid appended to $neighbours) or a failure.
neighbours=
neighbour() {
	local out=$tmp/neighbour.$1 pid
	bin/nanvixd --macrokernel "$tmp/mk.sock" --net="$1" -- bin/tests/net/http_echo.elf 80 \
		>"$out" 2>&1 </dev/null &
	pid=$!
	neighbours="$neighbours $pid"
	for _ in $(seq 600); do
		grep -q '^listening on 80$' "$out" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	bad "netd_forge: a --net=$1 neighbour starts" "$(head -c 200 "$out")"
	return 1
}

if ! T=bin/tests net_mode_gate guest "netd_forge"; then
	:
elif [ ! -x "$T/netd_forge.elf" ]; then
	skip=$((skip + 1))
	echo "skip netd_forge: $T/netd_forge.elf not built"
else
	trap 'kill -KILL $neighbours ${mkpid:-} 2>/dev/null; rm -rf "$tmp"' EXIT
	mkdir -p "$tmp/forge"
	ln -s "$PWD/bin/kernel.elf" "$tmp/forge/kernel.elf"
	ln -s "$PWD/$T/netd_forge.elf" "$tmp/forge/netd.elf"
	forge netd_forge 10.0.2.15
	# A server that never serves: the VM still ends with its program (the
	# kernel waits 3 s at most for the drain), not at --timeout (124).
	bin/nanvixd --kernel "$tmp/forge/kernel.elf" --net=guest --timeout 60 \
		-e NETD_FORGE_WEDGE=1 -- bin/tests/hello.musl.elf >"$tmp/out" 2>"$tmp/err" </dev/null
	st=$?
	if [ "$st" = 0 ] && grep -q '^a wedged server holds /dev/netd$' "$tmp/out" &&
		grep -q '^hello' "$tmp/out"; then
		ok "netd_forge: a wedged server does not hold the VM's end"
	else
		bad "netd_forge: a wedged server does not hold the VM's end" \
			"status $st (124: the exit hung): $(tr '\n' ' ' <"$tmp/out" | head -c 200)"
	fi
	if [ -x bin/macrokernel ] && [ -x bin/tests/net/http_echo.elf ] && [ -x bin/tests/net/http_get.elf ]; then
		mkdir -p "$tmp/mkroot"
		"${MK:-bin/macrokernel}" --socket "$tmp/mk.sock" --root "$tmp/mkroot" 2>"$tmp/mk.err" &
		mkpid=$!
		for _ in $(seq 50); do [ -S "$tmp/mk.sock" ] && break; sleep 0.1; done
		# The neighbours are 10.0.2.15 and .16, the forged server .17.
		if neighbour host && neighbour guest; then
			forge "netd_forge (shared macro-kernel, two neighbours)" 10.0.2.17 --macrokernel "$tmp/mk.sock"
			for a in 15 16; do
				vm --macrokernel "$tmp/mk.sock" --net=host --timeout 60 -- \
					bin/tests/net/http_get.elf "10.0.2.$a" 80 /health
				judge "... the neighbour at 10.0.2.$a still answers" 0 "^HTTP/1.1 200 OK$"
			done
		fi
		for p in $neighbours; do kill -TERM "$p" 2>/dev/null; wait "$p"; done
		kill -TERM "$mkpid" 2>/dev/null
		wait "$mkpid"
		st=$?
		mkpid=
		neighbours=
		if [ "$st" = 0 ]; then
			ok "... and the macro-kernel stops cleanly"
		else
			bad "... and the macro-kernel stops cleanly" "status $st: $(tail -3 "$tmp/mk.err" | tr '\n' ' ')"
		fi
	else
		skip=$((skip + 1))
		echo "skip netd_forge (shared macro-kernel): bin/macrokernel or bin/tests/net/http_{echo,get}.elf not built"
	fi
fi

# net_badargs natively: Linux's answers (a note, not a failure: they vary
# with the host's kernel).
if [ -x "$T/net_badargs.elf" ] && "$T/net_badargs.elf" >"$tmp/native" 2>/dev/null &&
	! cmp -s tests/system/hostile/net_badargs.expected "$tmp/native"; then
	echo "note net_badargs: this host's Linux answers differently:" \
		"$(diff tests/system/hostile/net_badargs.expected "$tmp/native" | grep '^>' | head -4 | tr '\n' ' ')"
fi

echo "hostile: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
