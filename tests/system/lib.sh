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

# free_port: a TCP port on 127.0.0.1 nobody listens on (probed, not reserved).
free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

ok() { pass=$((pass + 1)); printf 'ok   %s\n' "$1"; }
bad() {
	fail=$((fail + 1))
	printf 'FAIL %s: %s\n' "$1" "$2"
	[ -s "$tmp/err" ] && sed 's/^/     | /' "$tmp/err" | head -5
	return 0
}

# net_mode_check MODE: can the VM side run with --net=MODE (host or guest)?
# net_state is then
#   ok    it can;
#   skip  there is nothing to test on this machine: /dev/kvm is missing or
#         not accessible, or nanvixd, bin/tests/hello.musl.elf or (guest)
#         netd.elf beside nanvixd is not built;
#   fail  everything is there but `nanvixd --net=MODE` does not run hello:
#         a failure of the placement, never a reason to skip its tests.
# net_why says why when not ok.  Each mode is probed once per script.
declare -gA net_checked=()
net_mode_check() {
	local mode=$1 nanvixd=${NANVIXD:-bin/nanvixd} hello=${T:-bin/tests}/hello.musl.elf out st errf
	if [ -n "${net_checked[$mode]:-}" ]; then
		net_state=${net_checked[$mode]%%:*}
		net_why=${net_checked[$mode]#*:}
		return
	fi
	net_state=skip
	net_why=
	if [ ! -c /dev/kvm ] || ! : 2>/dev/null <>/dev/kvm; then
		net_why="/dev/kvm missing or not accessible (the micro-VM needs KVM)"
	elif [ ! -x "$nanvixd" ]; then
		net_why="$nanvixd not built (make)"
	elif [ ! -x "$hello" ]; then
		net_why="$hello not built (make)"
	elif [ "$mode" = guest ] && [ ! -e "$(dirname "$nanvixd")/netd.elf" ]; then
		net_why="$(dirname "$nanvixd")/netd.elf (the network server --net=guest runs) not built (make)"
	else
		errf=$(mktemp)
		out=$("$nanvixd" --net="$mode" --timeout 30 -- "$hello" 2>"$errf" </dev/null)
		st=$?
		if [ "$st" = 0 ] && [ "$out" = "hello, world" ]; then
			net_state=ok
		else
			net_state=fail
			net_why="nanvixd --net=$mode does not run $hello: status $st, stdout '$(printf %s "$out" | head -c 100)', stderr: $(tr '\n' ' ' <"$errf" | head -c 300)"
		fi
		rm -f "$errf"
	fi
	net_checked[$mode]=$net_state:$net_why
}

# net_mode_gate MODE WHAT: true when WHAT can run with --net=MODE;
# otherwise a SKIP line (skip+1) or, when the placement is broken, a
# failure (reported once per mode; later gates only say they did not run).
net_mode_gate() {
	local mode=$1 what=$2 seen=${net_checked[$1]:-}
	net_mode_check "$mode"
	case $net_state in
	ok) return 0 ;;
	skip)
		echo "SKIP $what (--net=$mode): $net_why"
		skip=$((skip + 1))
		;;
	fail)
		if [ -z "$seen" ]; then
			bad "--net=$mode works" "$net_why"
		fi
		echo "not run: $what (--net=$mode is broken, see above)"
		;;
	esac
	return 1
}

# host_addr: the host's first non-loopback IPv4 address (nothing if none).
host_addr() {
	hostname -I 2>/dev/null | tr ' ' '\n' | grep -m1 -E '^[0-9]+(\.[0-9]+){3}$' | grep -v '^127\.'
}
