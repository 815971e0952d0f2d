# Shared by the system test scripts: set-up, the KVM check, running a VM,
# pass/fail bookkeeping.
#
# A script sources this, then calls `system_setup NAME` (after setting
# NANVIXD or T if it wants them absolute).  That gives it pass, fail,
# skip, a scratch dir $tmp removed at exit ($tmp/err is shown on failure),
# NANVIXD and T, and ends the script with a SKIPPED line when /dev/kvm is
# not usable.

# system_setup NAME: the common start of a system test script.
system_setup() {
	NANVIXD=${NANVIXD:-bin/nanvixd}
	T=${T:-bin/tests}
	pass=0
	fail=0
	skip=0
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	if [ ! -c /dev/kvm ] || ! : 2>/dev/null <>/dev/kvm; then
		echo "$1: SKIPPED: /dev/kvm is missing or not accessible (the micro-VM needs KVM)"
		echo "$1: 0 passed, 0 failed, 1 skipped"
		exit 0
	fi
}

# vm [nanvixd options] -- prog args: stdout in $tmp/out, stderr in $tmp/err, status in $st
vm() {
	"$NANVIXD" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	st=$?
}

# judge NAME STATUS PATTERN-IN-STDOUT [PATTERN-IN-STDERR]: ok or bad from
# $st, $tmp/out and $tmp/err (an empty pattern matches anything).
judge() {
	local name=$1 want=$2 out_pat=$3 err_pat=${4:-}
	if [ "$st" != "$want" ]; then
		bad "$name" "exit status $st, expected $want: $(tr '\n' ' ' <"$tmp/out" | head -c 200)"
	elif [ -n "$out_pat" ] && ! grep -qE -- "$out_pat" "$tmp/out"; then
		bad "$name" "stdout lacks /$out_pat/: $(tr '\n' ' ' <"$tmp/out" | head -c 200)"
	elif [ -n "$err_pat" ] && ! grep -qE -- "$err_pat" "$tmp/err"; then
		bad "$name" "stderr lacks /$err_pat/: $(head -c 300 "$tmp/err")"
	else
		ok "$name"
	fi
}

# expect NAME STATUS PATTERN-IN-STDOUT PATTERN-IN-STDERR -- nanvixd args
expect() {
	local name=$1 want=$2 out_pat=$3 err_pat=$4
	shift 5
	vm "$@"
	judge "$name" "$want" "$out_pat" "$err_pat"
}

ok() { pass=$((pass + 1)); printf 'ok   %s\n' "$1"; }
bad() {
	fail=$((fail + 1))
	printf 'FAIL %s: %s\n' "$1" "$2"
	[ -s "$tmp/err" ] && sed 's/^/     | /' "$tmp/err" | head -5
	return 0
}

# net_mode_ok MODE: whether nanvixd can run programs with --net=MODE (host
# or guest): /dev/kvm usable, `nanvixd --help` mentions --net, and
# bin/tests/hello.musl.elf runs under --net=MODE.  When not, net_why says why.
net_mode_ok() {
	local mode=$1 nanvixd=${NANVIXD:-bin/nanvixd} hello=${T:-bin/tests}/hello.musl.elf
	net_why=
	if [ ! -c /dev/kvm ] || ! : 2>/dev/null <>/dev/kvm; then
		net_why="/dev/kvm missing or not accessible"
	elif [ ! -x "$nanvixd" ]; then
		net_why="$nanvixd not built"
	elif ! "$nanvixd" --help 2>&1 | grep -q -- '--net'; then
		net_why="nanvixd has no --net yet"
	elif [ ! -x "$hello" ]; then
		net_why="$hello not built"
	elif ! "$nanvixd" --net="$mode" --timeout 30 -- "$hello" >/dev/null 2>&1 </dev/null; then
		net_why="nanvixd --net=$mode does not run $hello"
	fi
	[ -z "$net_why" ]
}

# host_addr: the host's first non-loopback IPv4 address (nothing if none).
host_addr() {
	hostname -I 2>/dev/null | tr ' ' '\n' | grep -m1 -E '^[0-9]+(\.[0-9]+){3}$' | grep -v '^127\.'
}
