#!/usr/bin/env bash
# Signals and terminals: what a program in the VM sees of the signals sent
# to nanvixd, of a closed stdout pipe, and of nanvixd's terminal.
#
#   - SIGTERM, SIGINT and SIGHUP sent to nanvixd reach the program's
#     handlers (spinning in ring 3, asleep in the kernel, blocked reading
#     stdin); a program that ignores them is killed after --stop-timeout;
#     a second signal of the same kind kills at once (status 128+sig).
#   - `prog | head -1` ends as natively: the program killed by SIGPIPE
#     (141), or EPIPE when it ignores SIGPIPE.
#   - Under a pseudo-terminal (script(1)): isatty, TIOCGWINSZ, SIGWINCH on
#     a resize, TCSETS applied and undone when nanvixd exits; -t, --no-tty.
set -u
cd "$(dirname "$0")/../.." || exit 1

NANVIXD=$PWD/bin/nanvixd
T=$PWD/bin/tests
# shellcheck source=tests/system/lib.sh
. tests/system/lib.sh
system_setup signals

# start [nanvixd args]: nanvixd in the background (stdin from $tmp/in, or
# /dev/null), its pid in $pid, once the program printed "ready" (10 s at
# most).  Signals a non-interactive shell ignores for background jobs are
# reset, so nanvixd sees them as it would in the foreground.
start() {
	rm -f "$tmp/out" # not the last run's "ready"
	env --default-signal=INT,TERM,HUP "$NANVIXD" "$@" >"$tmp/out" 2>"$tmp/err" \
		<"${stdin:-/dev/null}" &
	pid=$!
	for _ in $(seq 100); do
		grep -q '^ready$' "$tmp/out" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# finish NAME STATUS PATTERN-IN-STDOUT [PATTERN-IN-STDERR]: wait for $pid and check.
finish() {
	wait "$pid"
	st=$?
	judge "$@"
}

echo "== signals sent to nanvixd reach process 1"
for libc in musl newlib; do
	P=$T/trapsig.$libc.elf
	for how in spin sleep; do
		for sig in TERM INT HUP; do
			start -- "$P" handle "$how" && kill -"$sig" "$pid"
			finish "handler-$how-$sig.$libc" 0 "^caught SIG$sig$"
		done
	done
	# Blocked in a console read (stdin a pipe nobody writes to).
	mkfifo "$tmp/fifo"
	sleep 30 >"$tmp/fifo" &
	holder=$!
	stdin=$tmp/fifo start -- "$P" handle read && kill -TERM "$pid"
	finish "handler-read-TERM.$libc" 0 "^caught SIGTERM$"
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	rm -f "$tmp/fifo"
	# An ignored signal (SIGWINCH by default) interrupts no read: cat goes on.
	mkfifo "$tmp/fifo"
	{ sleep 1; printf 'after\n'; } >"$tmp/fifo" &
	holder=$!
	rm -f "$tmp/out"
	"$NANVIXD" -- "$T/cat.$libc.elf" <"$tmp/fifo" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	sleep 0.5
	kill -WINCH "$pid"
	finish "ignored-WINCH-read.$libc" 0 '^after$'
	wait "$holder" 2>/dev/null
	rm -f "$tmp/fifo"

	# Default actions: the program dies of the signal, quietly for SIGINT.
	start -- "$T/loop.$libc.elf" || true
	sleep 0.3
	kill -TERM "$pid"
	finish "default-TERM.$libc" 143 '' 'killed by SIGTERM'
	start -- "$T/sleeper.$libc.elf" || true
	sleep 0.3
	kill -INT "$pid"
	finish "default-INT.$libc" 130 ''
	if grep -q 'killed by' "$tmp/err"; then bad "default-INT-quiet.$libc" "$(cat "$tmp/err")"; else
		ok "default-INT-quiet.$libc"; fi

	# Ignored: killed when the grace period ends, not before.
	start --stop-timeout 1 -- "$P" ignore && kill -TERM "$pid"
	t0=$(date +%s%N)
	finish "stop-timeout.$libc" 143 '^ready$' 'SIGTERM: the program did not exit within 1 s'
	ms=$((($(date +%s%N) - t0) / 1000000))
	if [ "$ms" -ge 900 ] && [ "$ms" -lt 5000 ]; then ok "stop-timeout-time.$libc"; else
		bad "stop-timeout-time.$libc" "killed after $ms ms, expected about 1000"; fi

	# A second SIGINT kills at once, well before the default 10 s.
	start -- "$P" ignore && kill -INT "$pid"
	sleep 0.3
	t0=$(date +%s%N)
	kill -INT "$pid"
	finish "second-INT.$libc" 130 '^ready$' 'second SIGINT: VM killed'
	ms=$((($(date +%s%N) - t0) / 1000000))
	if [ "$ms" -lt 3000 ]; then ok "second-INT-time.$libc"; else
		bad "second-INT-time.$libc" "killed after $ms ms"; fi
done
start --stop-timeout 0 -- "$T/trapsig.musl.elf" handle && kill -TERM "$pid"
finish "stop-timeout-0" 143 '^ready$' 'SIGTERM: VM killed'
# nohup: an ignored SIGHUP stays ignored, the program never sees it.
rm -f "$tmp/out"
env --default-signal=INT,TERM nohup "$NANVIXD" -- "$T/trapsig.musl.elf" handle >"$tmp/out" \
	2>"$tmp/err" </dev/null &
pid=$!
for _ in $(seq 100); do grep -q '^ready$' "$tmp/out" && break; sleep 0.1; done
kill -HUP "$pid"
sleep 0.5
kill -TERM "$pid"
finish "nohup" 0 '^caught SIGTERM$'

echo "== a closed stdout pipe: SIGPIPE, as natively"
for libc in musl newlib; do
	P=$T/yes.$libc.elf
	"$P" 2>/dev/null | head -1 >/dev/null
	native=${PIPESTATUS[0]}
	"$NANVIXD" -- "$P" 2>"$tmp/err" | head -1 >"$tmp/out"
	vm=${PIPESTATUS[0]}
	if [ "$native" = 141 ] && [ "$vm" = 141 ] && [ "$(cat "$tmp/out")" = y ] && ! [ -s "$tmp/err" ]; then
		ok "sigpipe.$libc"
	else
		bad "sigpipe.$libc" "status $vm in the VM, $native natively; stderr: $(head -c 200 "$tmp/err")"
	fi
	"$P" ignore 2>"$tmp/nerr" | head -1 >/dev/null
	native=${PIPESTATUS[0]}
	"$NANVIXD" -- "$P" ignore 2>"$tmp/err" | head -1 >/dev/null
	vm=${PIPESTATUS[0]}
	if [ "$native" = 3 ] && [ "$vm" = 3 ] && cmp -s "$tmp/nerr" "$tmp/err"; then
		ok "epipe-ignored.$libc"
	else
		bad "epipe-ignored.$libc" "status $vm in the VM, $native natively; stderr: $(head -c 200 "$tmp/err")"
	fi
done

echo "== terminals (a pseudo-terminal from script(1))"
# pty NAME 'commands': run them under a fresh pty sized 33x77; output in $tmp/pty.
pty() {
	timeout 60 script -q -e -c "stty rows 33 cols 77; $2" /dev/null </dev/null 2>&1 |
		tr -d '\r' >"$tmp/pty"
}
# has NAME PATTERN...: every pattern is a line of $tmp/pty.
has() {
	local name=$1 p
	shift
	for p in "$@"; do
		if ! grep -qxE -- "$p" "$tmp/pty"; then
			bad "$name" "no line /$p/ in: $(tr '\n' '|' <"$tmp/pty" | head -c 300)"
			return
		fi
	done
	ok "$name"
}
if ! command -v script >/dev/null || ! script -q -c true /dev/null </dev/null >/dev/null 2>&1; then
	skip=$((skip + 1))
	echo "skip terminals: script(1) cannot make a pseudo-terminal here"
else
	for libc in musl newlib; do
		P=$T/trapsig.$libc.elf
		pty isatty "$NANVIXD -- $P tty"
		has "tty-isatty.$libc" 'isatty: 1 1 1' 'size: 33 rows 77 cols'
		pty redirected "$NANVIXD -- $P tty </dev/null | cat"
		has "tty-auto-redirected.$libc" 'isatty: 0 0 1' 'size: TIOCGWINSZ: ENOTTY'
		pty force "$NANVIXD -t -- $P tty </dev/null | cat"
		has "tty-force.$libc" 'isatty: 1 1 1' 'size: 33 rows 77 cols'
		pty none "$NANVIXD --no-tty -- $P tty"
		has "tty-none.$libc" 'isatty: 0 0 0' 'size: TIOCGWINSZ: ENOTTY'
		# A resize: SIGWINCH to the foreground group, forwarded to process 1.
		pty winch "$NANVIXD -- $P tty wait & sleep 2; stty rows 40; wait"
		has "tty-sigwinch.$libc" 'caught SIGWINCH' 'resized: 40 rows 77 cols'
		# Echo off inside the VM; back on once nanvixd is gone (natively it stays off).
		pty raw "$NANVIXD -- $P raw; stty -a | grep -o ' -*echo ' | sed 's/^/after: /'"
		has "tty-tcsets-restored.$libc" 'echo off, icanon off' 'after:  echo '
		pty raw-native "$P raw; stty -a | grep -o ' -*echo ' | sed 's/^/after: /'"
		has "tty-tcsets-native.$libc" 'echo off, icanon off' 'after:  -echo '
	done
	# Restored also when nanvixd is killed by a forwarded signal.
	pty raw-killed "$NANVIXD --stop-timeout 0.5 -- $T/trapsig.musl.elf raw-then-spin & sleep 2; kill -TERM \$!; wait; stty -a | grep -o ' -*echo ' | sed 's/^/after: /'"
	has "tty-restored-on-kill" 'echo off, icanon off' 'after:  echo '
fi
# Not a terminal anywhere: -t refuses (no controlling terminal under setsid).
setsid -w "$NANVIXD" -t -- "$T/hello.musl.elf" </dev/null >"$tmp/out" 2>"$tmp/err"
st=$?
if [ "$st" = 125 ] && grep -q -- '-t: no terminal' "$tmp/err"; then ok "tty-force-none"; else
	bad "tty-force-none" "exit status $st: $(head -c 200 "$tmp/err")"; fi
"$NANVIXD" -- "$T/trapsig.musl.elf" tty </dev/null >"$tmp/out" 2>&1
if grep -qx 'isatty: 0 0 0' "$tmp/out" && grep -qx 'size: TIOCGWINSZ: ENOTTY' "$tmp/out"; then
	ok "no-tty-enotty"; else bad "no-tty-enotty" "$(tr '\n' '|' <"$tmp/out")"; fi
expect_help() {
	if "$NANVIXD" --help | grep -q -- "$1"; then ok "help$1"; else bad "help$1" "not in --help"; fi
}
expect_help --stop-timeout
expect_help --tty
expect_help --interactive
"$NANVIXD" --stop-timeout -1 -- "$T/hello.musl.elf" >/dev/null 2>"$tmp/err"
st=$?
if [ "$st" = 125 ] && grep -q 'invalid stop timeout' "$tmp/err"; then ok "bad-stop-timeout"; else
	bad "bad-stop-timeout" "exit status $st"; fi

echo "signals: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
