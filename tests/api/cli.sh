#!/usr/bin/env bash
# bin/nanvix's VM commands against a nanvix-api of their own.
#
# Starts bin/nanvix-api on a socket in a scratch directory (killed with
# SIGTERM at the end), then drives it only through bin/nanvix: run in the
# foreground (output and exit status compared with the same static
# programs run natively), run -d with ps, logs, wait, inspect and stats,
# stop, kill, pause/resume, rm and rm -f, --rm, --timeout, a signal passed
# on by `run`, --json output, unknown VMs, no daemon at all, and --help;
# functions: fn deploy (--update, --force, 409), invoke (--data,
# --data-file, stdin; output and exit status), ls, ps, inspect and rm;
# snapshots: a ticker run with --net none --no-tmp is snapshotted, listed
# and restored with run --snapshot (its log goes on from the tick it was
# saved at), the refusals (the default /tmp, a name taken, a paused VM,
# one in use) and snapshot rm; warm starts: run --snapshot-out saves a
# program that asks (snap_cat), fn deploy --snapshot registers a function
# restoring it (fn ls and inspect show it), each invocation reads its own
# input, and the snapshot cannot be removed until the function is.
# The checks that run VMs are skipped with a reason when /dev/kvm is not
# usable.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$(pwd -P)
NANVIX=${NANVIX:-$ROOT/bin/nanvix}
API=${NANVIX_API:-$ROOT/bin/nanvix-api}
T=$ROOT/bin/tests
pass=0
fail=0
skip=0
tmp=$(mktemp -d)
sock=$tmp/api.sock
daemon=
daemon2=

cleanup() {
	local d
	for d in $daemon $daemon2; do
		if kill -0 "$d" 2>/dev/null; then
			kill -TERM "$d"
			wait "$d" 2>/dev/null
		fi
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

ok() {
	pass=$((pass + 1))
	printf 'ok   %s\n' "$1"
}
bad() {
	fail=$((fail + 1))
	printf 'FAIL %s: %s\n' "$1" "$2"
	[ -s "$tmp/err" ] && sed 's/^/     | /' "$tmp/err" | head -5
	return 0
}
skipped() {
	skip=$((skip + 1))
	printf 'skip %s: %s\n' "$1" "$2"
}
finish() {
	echo "cli: $pass passed, $fail failed, $skip skipped"
	[ "$fail" = 0 ]
	exit
}

# nx ARGS...: bin/nanvix against our daemon; stdout in $tmp/out, stderr in $tmp/err, status in $st.
nx() {
	"$NANVIX" -H "unix:$sock" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	st=$?
}

# judge NAME STATUS [PATTERN-IN-STDOUT [PATTERN-IN-STDERR]]: from $st, $tmp/out, $tmp/err.
judge() {
	local name=$1 want=$2 out_pat=${3:-} err_pat=${4:-}
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

# json NAME ARGS...: the command succeeds and prints one JSON document.
json() {
	local name=$1
	shift
	nx "$@"
	if [ "$st" != 0 ]; then
		bad "$name" "exit status $st"
	elif ! python3 -m json.tool <"$tmp/out" >/dev/null 2>"$tmp/jerr"; then
		bad "$name" "not JSON: $(head -c 200 "$tmp/jerr") in $(head -c 200 "$tmp/out")"
	else
		ok "$name"
	fi
}

# field VM KEY: KEY of `nanvix inspect VM` (empty when it fails).
field() {
	"$NANVIX" -H "unix:$sock" inspect "$1" 2>/dev/null |
		python3 -c 'import json,sys; v=json.load(sys.stdin).get(sys.argv[1]); print("null" if v is None else v)' "$2" 2>/dev/null
}

# until_state VM STATE...: wait up to 10 s for VM to be in one of the states; 0 when it is.
until_state() {
	local vm=$1 s
	shift
	for _ in $(seq 100); do
		s=$(field "$vm" state)
		for want in "$@"; do
			[ "$s" = "$want" ] && return 0
		done
		sleep 0.1
	done
	return 1
}

# same NAME NATIVE-STATUS: `nanvix run` gave the native run's stdout and status.
same() {
	local name=$1 nst=$2
	if [ "$st" != "$nst" ]; then
		bad "$name" "exit status $st through nanvix, $nst natively"
	elif ! cmp -s "$tmp/native" "$tmp/out"; then
		bad "$name" "stdout differs: $(diff "$tmp/native" "$tmp/out" | head -5 | tr '\n' ' ')"
	else
		ok "$name"
	fi
}

echo "== without a daemon: help, usage, a clear message"
"$NANVIX" --help >"$tmp/out" 2>"$tmp/err"
st=$?
if [ "$st" = 0 ] && head -3 "$tmp/out" | grep -q '^examples:' &&
	grep -q '^  nanvix run ' "$tmp/out" && grep -q '^  keygen ' "$tmp/out"; then
	ok "nanvix --help leads with examples"
else
	bad "nanvix --help" "status $st: $(head -c 200 "$tmp/out")"
fi
for c in run ps logs stop kill pause resume rm inspect wait stats version health snapshot; do
	"$NANVIX" "$c" --help >"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ "$st" != 0 ] || ! head -5 "$tmp/out" | grep -q '^examples:' ||
		! grep -q "^  nanvix .*$c" "$tmp/out"; then
		bad "nanvix $c --help" "status $st: $(head -c 200 "$tmp/out")"
		continue
	fi
	[ "$c" = snapshot ] && ok "nanvix COMMAND --help leads with examples (14 commands)"
done
"$NANVIX" help rm >"$tmp/out" 2>&1 && grep -q 'rm \[-f\] VM' "$tmp/out" &&
	ok "nanvix help rm" || bad "nanvix help rm" "$(head -c 200 "$tmp/out")"
for c in '' deploy invoke ls ps inspect rm; do
	"$NANVIX" fn $c --help >"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ "$st" != 0 ] || ! head -5 "$tmp/out" | grep -q '^examples:' ||
		! grep -q "^  .*nanvix fn $c" "$tmp/out"; then
		bad "nanvix fn $c --help" "status $st: $(head -c 200 "$tmp/out")"
		continue
	fi
	[ "$c" = rm ] && ok "nanvix fn [COMMAND] --help leads with examples (7)"
done
for c in create ls rm; do
	"$NANVIX" snapshot $c --help >"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ "$st" != 0 ] || ! head -5 "$tmp/out" | grep -q '^examples:' ||
		! grep -q "^  nanvix snapshot $c" "$tmp/out"; then
		bad "nanvix snapshot $c --help" "status $st: $(head -c 200 "$tmp/out")"
		continue
	fi
	[ "$c" = rm ] && ok "nanvix snapshot COMMAND --help leads with examples (3)"
done
"$NANVIX" snapshot --help | grep -q '^  snapshot ls \[--json\]' &&
	"$NANVIX" --help | grep -q '^  snapshot VM NAME' &&
	ok "nanvix --help and snapshot --help list the snapshot commands" ||
	bad "nanvix --help and snapshot --help list the snapshot commands" ""
"$NANVIX" --help | grep -q '^  fn deploy \[OPTIONS\] NAME PROGRAM' &&
	ok "nanvix --help lists the fn commands" || bad "nanvix --help lists the fn commands" ""
"$NANVIX" help fn invoke >"$tmp/out" 2>&1 && grep -q 'fn invoke NAME' "$tmp/out" &&
	ok "nanvix help fn invoke" || bad "nanvix help fn invoke" "$(head -c 200 "$tmp/out")"

nx run
judge "run without a program: usage, 2" 2 '' 'no PROGRAM'
nx stop
judge "stop without a VM: usage, 2" 2 '' 'name the VM'
nx run --net wifi "$T/hello.musl.elf"
judge "run --net wifi: usage, 2" 2 '' "--net 'wifi'"
nx run --bogus "$T/hello.musl.elf"
judge "run --bogus: usage, 2" 2 '' "unknown option '--bogus'"
nx kill -s 'a b' x
judge "kill -s 'a b': usage, 2" 2 '' "expected a signal"
nx logs 'no/such'
judge "a VM reference that is no id: 1" 1 '' "^nanvix: 'no/such': not a VM's id or name"
nx fn
judge "fn without a command: usage, 2" 2 '' 'name a command'
nx fn bogus
judge "fn bogus: usage, 2" 2 '' "unknown command 'bogus'"
nx fn deploy
judge "fn deploy without a name: usage, 2" 2 '' 'name the function and its PROGRAM'
nx fn deploy f1
judge "fn deploy without a program: usage, 2" 2 '' 'no PROGRAM'
nx fn deploy f1 --net wifi "$T/cat.musl.elf"
judge "fn deploy --net wifi: usage, 2" 2 '' "--net 'wifi'"
nx fn invoke f1 --data a --data-file b
judge "fn invoke --data and --data-file: usage, 2" 2 '' 'not both'
nx fn ps
judge "fn ps without a name: usage, 2" 2 '' 'name the function'
nx fn inspect 'no/such'
judge "a function's name that is no name: 1" 1 '' "^nanvix: 'no/such': not a function's name"
nx snapshot
judge "snapshot without a VM: usage, 2" 2 '' 'name the VM and the snapshot, or a command'
nx snapshot web
judge "snapshot without a name: usage, 2" 2 '' 'name the VM and the snapshot$'
nx snapshot web warm --timeout 0
judge "snapshot --timeout 0: usage, 2" 2 '' "--timeout '0': expected seconds"
nx snapshot ls extra
judge "snapshot ls with an argument: usage, 2" 2 '' "unexpected argument 'extra'"
nx snapshot rm
judge "snapshot rm without a name: usage, 2" 2 '' 'name the snapshots'
nx snapshot rm 'no/such'
judge "a snapshot's name that is no name: 1" 1 '' "^nanvix: 'no/such': not a snapshot's name"
nx run --snapshot warm "$T/hello.musl.elf"
judge "run --snapshot with a PROGRAM: usage, 2" 2 '' "--snapshot runs what it holds: no PROGRAM"
nx run --snapshot-out
judge "run --snapshot-out without a name: usage, 2" 2 '' "option '--snapshot-out' needs a value"
nx fn deploy --snapshot warm fast "$T/hello.musl.elf"
judge "fn deploy --snapshot with a PROGRAM: usage, 2" 2 '' "--snapshot runs what it holds: no PROGRAM \('$T/hello.musl.elf'\)"
nx fn deploy --no-tmp --snapshot warm
judge "fn deploy --snapshot without a name: usage, 2" 2 '' 'name the function$'
"$NANVIX" fn deploy --help >"$tmp/out" 2>&1
grep -q '^  nanvix run --net none --no-tmp -d --name init ' "$tmp/out" &&
	grep -q '^  nanvix fn deploy --snapshot warm fast$' "$tmp/out" &&
	grep -q '^      --snapshot NAME ' "$tmp/out" && grep -q '^      --no-tmp ' "$tmp/out" &&
	ok "fn deploy --help: the warm-start example, --snapshot and --no-tmp" ||
	bad "fn deploy --help: the warm-start example" "$(head -c 300 "$tmp/out")"
"$NANVIX" run --help | grep -q '^      --snapshot-out NAME ' &&
	ok "run --help: --snapshot-out" || bad "run --help: --snapshot-out" ""

"$NANVIX" -H "unix:$tmp/none.sock" ps >"$tmp/out" 2>"$tmp/err"
st=$?
judge "no daemon: what to do" 1 '' \
	"^nanvix: cannot reach the daemon at $tmp/none.sock: No such file or directory \(is nanvix-api running\? see --host\)$"
NANVIX_HOST=$tmp/none.sock "$NANVIX" version >"$tmp/out" 2>"$tmp/err"
st=$?
judge "NANVIX_HOST names the daemon" 1 '^client: ' "cannot reach the daemon at $tmp/none.sock"
XDG_RUNTIME_DIR=$tmp/xdg NANVIX_HOST='' "$NANVIX" ps >"$tmp/out" 2>"$tmp/err"
st=$?
judge "default socket under XDG_RUNTIME_DIR" 1 '' "at $tmp/xdg/nanvix/api.sock: "
"$NANVIX" -H http://127.0.0.1:1 ps >"$tmp/out" 2>"$tmp/err"
st=$?
judge "no daemon on TCP: what to do" 1 '' "cannot reach the daemon at http://127.0.0.1:1: Connection refused"
"$NANVIX" -H ftp://x ps >"$tmp/out" 2>"$tmp/err"
st=$?
judge "a bad --host: said" 1 '' "not unix:PATH, /PATH or http://127.0.0.1:PORT"

echo "== the daemon"
if [ ! -x "$API" ]; then
	skipped "everything with a daemon" "$API is not built"
	finish
fi
mkdir -p "$tmp/state"
"$API" --socket "$sock" --state "$tmp/state" --allow-path "$ROOT/bin" --allow-path "$tmp" \
	--notify-fd 3 3>"$tmp/ready" >"$tmp/daemon.out" 2>"$tmp/daemon.err" </dev/null &
daemon=$!
for _ in $(seq 100); do
	grep -q 'READY=1' "$tmp/ready" 2>/dev/null && break
	kill -0 "$daemon" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q 'READY=1' "$tmp/ready" 2>/dev/null; then
	bad "nanvix-api starts" "not ready: $(head -c 300 "$tmp/daemon.err")"
	finish
fi
grep -q "^nanvix-api: ready unix:$sock" "$tmp/daemon.out" && ok "nanvix-api is ready" ||
	bad "nanvix-api says where it listens" "$(head -c 200 "$tmp/daemon.out")"

nx version
judge "version" 0 '^daemon: .+ \(API v1\)$'
json "version --json parses" version --json
nx ps
judge "ps with no VMs: the header" 0 '^ID +NAME +STATE +STATUS +AGE +PROGRAM$'
json "ps --json parses" ps --json
json "stats --json parses" stats --json
nx inspect nosuchvm
judge "inspect of an unknown VM: the daemon's message, 1" 1 '' '^nanvix: [^ ].*'
if grep -q 'HTTP' "$tmp/err"; then bad "unknown VM: a message, not a status" "$(cat "$tmp/err")"; fi
for c in logs wait stop kill pause resume rm; do
	nx "$c" nosuchvm
	if [ "$st" != 1 ] || ! grep -qE '^nanvix: [^ ]' "$tmp/err"; then
		bad "$c of an unknown VM" "status $st: $(head -c 200 "$tmp/err")"
		continue
	fi
	[ "$c" = rm ] && ok "logs/wait/stop/kill/pause/resume/rm of an unknown VM: a message, 1"
done

kvm=1
if [ ! -c /dev/kvm ] || ! : 2>/dev/null <>/dev/kvm; then
	kvm=0
fi

echo "== functions without VMs"
nx fn ls
judge "fn ls with no functions: the header" 0 '^NAME +PROGRAM +INVOCATIONS +RUNNING +AGE$'
json "fn ls --json parses" fn ls --json
for c in inspect ps invoke rm; do
	nx fn "$c" nosuchfn
	if [ "$st" != 1 ] || ! grep -qE '^nanvix: [^ ]' "$tmp/err" || grep -q HTTP "$tmp/err"; then
		bad "fn $c of an unknown function" "status $st: $(head -c 200 "$tmp/err")"
		continue
	fi
	[ "$c" = rm ] && ok "fn inspect/ps/invoke/rm of an unknown function: a message, 1"
done
nx fn deploy --timeout 99999 f1 "$T/cat.musl.elf"
judge "fn deploy of a spec the daemon refuses (timeout over 3600): its message, 1" 1 '' '^nanvix: .*timeout'
nx fn deploy --update nosuchfn "$T/cat.musl.elf"
judge "fn deploy --update of an unknown function: 1" 1 '' '^nanvix: '
head -c $((2 << 20)) /dev/zero >"$tmp/big"
nx fn invoke nosuchfn --data-file "$tmp/big"
judge "fn invoke over the daemon's --max-body: its message, 1" 1 '' '^nanvix: .*max-body'

echo "== snapshots without VMs"
nx snapshot ls
judge "snapshot ls with none: the header" 0 '^NAME +CREATED$'
json "snapshot ls --json parses" snapshot ls --json
nx snapshot rm nosuchsnap
judge "snapshot rm of an unknown snapshot: the daemon's message, 1" 1 '' '^nanvix: .*nosuchsnap'
nx run --snapshot nosuchsnap
judge "run --snapshot of an unknown snapshot: the daemon's message, 1" 1 '' '^nanvix: .*nosuchsnap'
nx snapshot nosuchvm warm
judge "snapshot of an unknown VM: the daemon's message, 1" 1 '' '^nanvix: [^ ]'

echo "== TCP and API keys (a second daemon with --listen and --keys)"
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
# key NAME SCOPES: a new key in $key, its entry appended to $tmp/entries.
key() {
	"$API" keygen "$1" "$2" >"$tmp/key.out" 2>&1
	key=$(sed -n 's/^key: //p' "$tmp/key.out")
	sed -n 's/^entry: //p' "$tmp/key.out" >>"$tmp/entries"
}
key rw read,invoke,manage
krw=$key
key ro read
kro=$key
port=$(free_port)
if [ -z "$krw" ] || [ -z "$kro" ] || [ -z "$port" ]; then
	skipped "TCP and API keys" "no keys from nanvix-api keygen, or no free port: $(head -c 200 "$tmp/key.out")"
else
	python3 -c 'import json,sys; print(json.dumps({"keys": [json.loads(l) for l in open(sys.argv[1])]}))' \
		"$tmp/entries" >"$tmp/keys.json"
	mkdir -p "$tmp/state2"
	"$API" --socket "$tmp/api2.sock" --state "$tmp/state2" --allow-path "$ROOT/bin" \
		--keys "$tmp/keys.json" --listen "127.0.0.1:$port" --notify-fd 3 3>"$tmp/ready2" \
		>"$tmp/daemon2.out" 2>"$tmp/daemon2.err" </dev/null &
	daemon2=$!
	for _ in $(seq 100); do
		grep -q 'READY=1' "$tmp/ready2" 2>/dev/null && break
		kill -0 "$daemon2" 2>/dev/null || break
		sleep 0.1
	done
	tcp="http://127.0.0.1:$port"
	"$NANVIX" -H "$tcp" ps >"$tmp/out" 2>"$tmp/err" </dev/null
	st=$?
	judge "TCP without a key: the daemon's refusal, 1" 1 '' '^nanvix: .*(key|Bearer)'
	NANVIX_API_KEY=$kro "$NANVIX" --host "$tcp" ps >"$tmp/out" 2>"$tmp/err" </dev/null
	st=$?
	judge "TCP with NANVIX_API_KEY" 0 '^ID +NAME'
	NANVIX_API_KEY=$kro "$NANVIX" --host="$tcp" run "$T/hello.musl.elf" >"$tmp/out" 2>"$tmp/err" </dev/null
	st=$?
	judge "a key without the invoke scope: refused, 1" 1 '' '^nanvix: .*invoke'
	if [ "$kvm" = 1 ]; then
		NANVIX_API_KEY=$krw "$NANVIX" -H "$tcp" run "$T/hello.musl.elf" >"$tmp/out" 2>"$tmp/err" </dev/null
		st=$?
		judge "run over TCP with a key" 0 '^hello, world$'
	fi
	kill -TERM "$daemon2"
	wait "$daemon2" 2>/dev/null
fi

if [ "$kvm" = 0 ]; then
	skipped "VMs" "/dev/kvm is missing or not accessible (the micro-VM needs KVM)"
	finish
fi

echo "== health"
nx health
judge "health: ok" 0 '^status: ok$'
json "health --json parses" health --json

echo "== run in the foreground: output and status as natively"
"$ROOT/bin/hello.elf" >"$tmp/native" </dev/null
nst=$?
nx run bin/hello.elf
same "run bin/hello.elf (a relative path)" "$nst"
A=$T/args.musl.elf
env -i NANVIX_A=alpha "NANVIX_B=two words" "$A" one "two words" "" -d --name x >"$tmp/native" </dev/null
nst=$?
nx run -e NANVIX_A=alpha -e "NANVIX_B=two words" "$A" one "two words" "" -d --name x
same "run with -e and args (options after PROGRAM are its own)" "$nst"
NANVIX_A="from here" "$NANVIX" -H "unix:$sock" run -e NANVIX_A "$A" >"$tmp/out" 2>"$tmp/err" </dev/null
st=$?
judge "run -e KEY takes this shell's value" 0 '^NANVIX_A=from here$'
for code in 0 7 255; do
	nx run "$T/exitcode.musl.elf" "$code"
	judge "run: exit status $code passed through" "$code"
done
nx run --timeout 0.5 "$T/loop.musl.elf"
judge "run --timeout: 124" 124 '^spinning$'

echo "== run -d, ps, logs, wait, inspect, stats"
nx run -d --name hello1 "$T/hello.musl.elf"
id=$(head -1 "$tmp/out")
judge "run -d prints the id" 0 '^[A-Za-z0-9][A-Za-z0-9_.-]*$'
nx wait hello1
judge "wait: prints the exit status, exits with it" 0 '^0$'
nx logs hello1
judge "logs" 0 '^hello, world$'
nx logs "$id"
judge "logs by id" 0 '^hello, world$'
nx ps
if grep -q hello1 "$tmp/out"; then bad "ps leaves out exited VMs" "$(cat "$tmp/out")"; else ok "ps leaves out exited VMs"; fi
nx ps -a
judge "ps -a lists exited VMs with their status" 0 "^$id +hello1 +exited +0 +[0-9]+[smhd] +$T/hello.musl.elf"
json "ps -a --json parses" ps -a --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert any(v["name"]=="hello1" for v in d["vms"])' "$tmp/out" 2>/dev/null &&
	ok "ps -a --json holds the VM" || bad "ps -a --json holds the VM" "$(head -c 200 "$tmp/out")"
json "inspect prints JSON" inspect hello1

nx run -d --name sleepy "$T/sleeper.musl.elf" 30
judge "run -d a sleeper" 0
until_state sleepy running && ok "it runs" || bad "it runs" "state $(field sleepy state)"
nx ps
judge "ps lists it" 0 "^[^ ]+ +sleepy +running +- +[0-9]+s +$T/sleeper.musl.elf 30$"
nx stats
judge "stats lists it" 0 '^[^ ]+ +sleepy +running +[0-9]+\.[0-9]{2} +[0-9.]+(B|KiB|MiB|GiB)$'
for _ in $(seq 50); do
	nx logs sleepy
	grep -q sleeping "$tmp/out" && break
	sleep 0.1
done
judge "logs of a running VM" 0 '^sleeping$'

echo "== pause, resume, stop, kill"
nx pause sleepy
judge "pause" 0 '^sleepy$'
[ "$(field sleepy state)" = paused ] && ok "paused" || bad "paused" "state $(field sleepy state)"
nx pause sleepy
judge "pause of a paused VM: the daemon's message, 1" 1 '' '^nanvix: '
nx resume sleepy
judge "resume" 0 '^sleepy$'
[ "$(field sleepy state)" = running ] && ok "running again" || bad "running again" "state $(field sleepy state)"
nx rm sleepy
judge "rm of a running VM: refused, 1" 1 '' '^nanvix: '
nx stop -t 5 sleepy
judge "stop" 0 '^sleepy$'
nx wait sleepy
judge "stopped: SIGTERM's status (143)" 143 '^143$'
nx rm sleepy
judge "rm of an exited VM" 0 '^sleepy$'
nx inspect sleepy
judge "rm: it is gone" 1 '' '^nanvix: '

nx run -d --name spin "$T/loop.musl.elf"
until_state spin running || bad "spin runs" "state $(field spin state)"
nx kill spin
judge "kill" 0 '^spin$'
nx wait spin
judge "killed: 137" 137 '^137$'

nx run -d --name term "$T/sleeper.musl.elf" 30
until_state term running || bad "term runs" "state $(field term state)"
nx kill -s TERM term
judge "kill -s TERM" 0 '^term$'
nx wait term
judge "SIGTERM reached the program: 143" 143 '^143$'

nx run -d --name forced "$T/sleeper.musl.elf" 30
until_state forced running || bad "forced runs" "state $(field forced state)"
nx rm -f forced
judge "rm -f of a running VM" 0 '^forced$'
nx inspect forced
judge "rm -f: it is gone" 1 '' '^nanvix: '

echo "== logs -f, --rm, signals passed on by run"
nx run -d --name brief "$T/sleeper.musl.elf" 1
nx logs -f brief
judge "logs -f follows until the VM exited" 0 '^woke$'
nx run --rm --name gone "$T/exitcode.musl.elf" 3
judge "run --rm: the status" 3
nx inspect gone
judge "run --rm: forgotten" 1 '' '^nanvix: '
nx run --rm --tmp-size 1M "$T/tmpfill.musl.elf" /tmp df
judge "run --tmp-size 1M: the VM's /tmp is that large" 0 '^empty: 1048576 bytes, 1048576 free;'
nx run --rm --tmp-size 1x "$T/tmpfill.musl.elf" /tmp df
judge "run --tmp-size 1x: usage, 2" 2 '' "--tmp-size '1x'"

"$NANVIX" -H "unix:$sock" run --name fwd "$T/sleeper.musl.elf" 30 >"$tmp/out" 2>"$tmp/err" </dev/null &
pid=$!
if until_state fwd running; then
	kill -TERM "$pid"
	wait "$pid"
	st=$?
	judge "SIGTERM to nanvix run reaches the program: 143" 143 '^sleeping$'
else
	kill -KILL "$pid"
	bad "run in the background" "state $(field fwd state)"
fi

echo "== functions: deploy, invoke, ls, ps, inspect, rm"
nx fn deploy echo "$T/cat.musl.elf"
judge "fn deploy prints the name" 0 '^echo$'
nx fn ls
judge "fn ls lists it" 0 "^echo +$T/cat.musl.elf +0 +0 +[0-9]+s$"
nx fn invoke echo --data 'hello, function'
if [ "$st" = 0 ] && [ "$(cat "$tmp/out")" = 'hello, function' ]; then
	ok "fn invoke --data: the output exactly"
else
	bad "fn invoke --data" "status $st, output '$(head -c 200 "$tmp/out")'"
fi
head -c 100000 /dev/urandom >"$tmp/input"
nx fn invoke echo --data-file "$tmp/input"
[ "$st" = 0 ] && cmp -s "$tmp/input" "$tmp/out" && ok "fn invoke --data-file: binary bytes back as they were" ||
	bad "fn invoke --data-file" "status $st, $(wc -c <"$tmp/out") bytes back"
printf 'line one\nline two\n' | "$NANVIX" -H "unix:$sock" fn invoke echo >"$tmp/out" 2>"$tmp/err"
st=$?
[ "$st" = 0 ] && [ "$(cat "$tmp/out")" = "$(printf 'line one\nline two')" ] &&
	ok "fn invoke: stdin when it is no terminal" || bad "fn invoke from stdin" "status $st: $(head -c 200 "$tmp/out")"
nx fn invoke echo
[ "$st" = 0 ] && [ ! -s "$tmp/out" ] && ok "fn invoke with no input: nothing back" ||
	bad "fn invoke with no input" "status $st: $(head -c 200 "$tmp/out")"
nx fn ls
judge "fn ls counts the invocations" 0 "^echo +$T/cat.musl.elf +4 +0 +[0-9]+s$"
nx fn inspect echo
python3 -c 'import json,sys; f=json.load(open(sys.argv[1])); assert f["name"]=="echo" and f["invocations"]==4 and f["spec"]["program"]==sys.argv[2]' \
	"$tmp/out" "$T/cat.musl.elf" 2>"$tmp/jerr" && ok "fn inspect: the Function as JSON" ||
	bad "fn inspect" "$(head -c 200 "$tmp/jerr") $(head -c 200 "$tmp/out")"

nx fn deploy echo "$T/exitcode.musl.elf" 7
judge "fn deploy of a name taken: the daemon's message, 1" 1 '' '--update or --force'
nx fn invoke echo --data same
judge "a refused deploy changed nothing" 0 '^same$'
nx fn deploy --update echo "$T/exitcode.musl.elf" 7
judge "fn deploy --update" 0 '^echo$'
nx fn invoke echo
judge "the update changed what runs: its exit status passed through" 7
nx fn deploy -m 32M --force echo -e NANVIX_A=alpha "$T/args.musl.elf" one "two words"
judge "fn deploy --force over a taken name (options around NAME)" 0 '^echo$'
nx fn invoke echo
judge "the forced update runs with its args and env" 0 '^argv\[2\]=two words$'
grep -q '^NANVIX_A=alpha$' "$tmp/out" && ok "  ... and -e" || bad "fn deploy -e" "$(head -c 300 "$tmp/out")"
for code in 0 3 255; do
	nx fn deploy --force code "$T/exitcode.musl.elf" "$code"
	nx fn invoke code
	judge "fn invoke: exit status $code passed through" "$code"
done
nx fn deploy spin --timeout 0.5 "$T/loop.musl.elf"
nx fn invoke spin
judge "fn invoke past the function's --timeout: 124" 124 '^spinning$'

nx fn deploy nap "$T/sleeper.musl.elf" 3
"$NANVIX" -H "unix:$sock" fn invoke nap >"$tmp/nap.out" 2>"$tmp/nap.err" </dev/null &
pid=$!
for _ in $(seq 50); do
	nx fn ps nap
	grep -q running "$tmp/out" && break
	sleep 0.1
done
judge "fn ps: the VM running an invocation" 0 "^[^ ]+ +[^ ]+ +running +- +[0-9]+s +$T/sleeper.musl.elf 3$"
json "fn ps --json parses" fn ps --json nap
nx fn ls
judge "fn ls: RUNNING counts it" 0 "^nap +$T/sleeper.musl.elf 3 +1 +1 +[0-9]+s$"
wait "$pid"
st=$?
[ "$st" = 0 ] && [ "$(cat "$tmp/nap.out")" = "$(printf 'sleeping\nwoke')" ] &&
	ok "fn invoke waits for the VM's end" || bad "fn invoke of a sleeper" "status $st: $(head -c 200 "$tmp/nap.out")"
nx fn ps nap
if grep -q sleeper "$tmp/out"; then bad "fn ps after the invocation" "$(cat "$tmp/out")"; else ok "fn ps: none once it ended"; fi

nx fn rm echo code
judge "fn rm of two" 0 '^code$'
nx fn invoke echo --data x
judge "fn invoke after fn rm: the daemon's message (no function), 1" 1 '' '^nanvix: .*echo'
nx fn rm echo
judge "fn rm of a removed function: 1" 1 '' '^nanvix: '
nx fn rm spin nap

echo "== snapshots: snapshot, ls, run --snapshot, rm"
TICKER=$T/snapshot/ticker.musl.elf
if [ ! -x "$TICKER" ]; then
	skipped "snapshots" "$TICKER is not built (./z build)"
	finish
fi
# until_log VM PATTERN: wait up to 10 s for VM's log to hold PATTERN; 0 when it does.
until_log() {
	for _ in $(seq 100); do
		"$NANVIX" -H "unix:$sock" logs "$1" 2>/dev/null | grep -qE -- "$2" && return 0
		sleep 0.1
	done
	return 1
}
nx run -d --name tick --net none --no-tmp "$TICKER" 40 100
judge "run -d --net none --no-tmp a ticker" 0
until_log tick '^tick 2 ' || bad "the ticker ticks" "$(head -c 200 "$tmp/err")"
nx snapshot tick warm
judge "snapshot VM NAME prints the name" 0 '^warm$'
[ "$(field tick state)" = running ] && ok "the VM goes on" || bad "the VM goes on" "state $(field tick state)"
nx snapshot ls
judge "snapshot ls lists it" 0 '^warm +[0-9]+[smhd] ago$'
json "snapshot ls --json parses" snapshot ls --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [s["name"] for s in d["snapshots"]]==["warm"]' \
	"$tmp/out" 2>/dev/null && ok "snapshot ls --json holds it" || bad "snapshot ls --json holds it" "$(head -c 200 "$tmp/out")"
nx snapshot tick warm
judge "snapshot of a name taken: the daemon's message, 1" 1 '' '^nanvix: .*warm exists'
json "snapshot create --json parses" snapshot create tick warm2 --json --timeout 10
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["name"]=="warm2" and d["created_at"]' \
	"$tmp/out" 2>/dev/null && ok "snapshot --json: the Snapshot" || bad "snapshot --json" "$(head -c 200 "$tmp/out")"

nx run --name warm1 --snapshot warm
first=$(head -1 "$tmp/out")
n=$(sed -n 's/^tick \([0-9]*\) generation 1$/\1/p' <<<"$first")
if [ "$st" = 0 ] && [ -n "$n" ] && [ "$n" -gt 2 ] && grep -q '^tick 40 generation 1$' "$tmp/out" &&
	[ "$(tail -1 "$tmp/out")" = done ]; then
	ok "run --snapshot: the copy goes on from tick $n with generation 1, to its end"
else
	bad "run --snapshot" "status $st, first line '$first', last '$(tail -1 "$tmp/out")'"
fi
nx run -d --name warm2vm --snapshot warm
judge "run -d --snapshot prints the id" 0 '^[A-Za-z0-9][A-Za-z0-9_.-]*$'
until_log warm2vm 'generation 1$' && ok "its log: generation 1" || bad "run -d --snapshot's log" "$(head -c 200 "$tmp/err")"
nx snapshot rm warm
judge "snapshot rm while a VM restored from it runs: the daemon's message, 1" 1 '' '^nanvix: .*restored from snapshot warm'
nx rm -f warm2vm

nx run -d --name tmpful --net none "$TICKER" 400 50
until_log tmpful '^tick 2 ' || bad "tmpful ticks" "$(head -c 200 "$tmp/err")"
nx snapshot tmpful cold
judge "snapshot of a VM with the default /tmp: the daemon's message, 1" 1 '' '^nanvix: .*--no-tmp'
nx pause tmpful
nx snapshot tmpful cold
judge "snapshot of a paused VM: the daemon's message, 1" 1 '' '^nanvix: .*resume it first'
nx snapshot ls
if grep -q cold "$tmp/out"; then bad "refused snapshots are not listed" "$(cat "$tmp/out")"; else ok "refused snapshots are not listed"; fi
nx rm -f tick tmpful warm1

nx snapshot rm warm warm2
judge "snapshot rm of two" 0 '^warm2$'
nx snapshot ls
judge "snapshot rm: they are gone" 0 '^NAME +CREATED$'
[ "$(wc -l <"$tmp/out")" = 1 ] && ok "  ... only the header" || bad "snapshot ls after rm" "$(cat "$tmp/out")"
nx snapshot rm warm
judge "snapshot rm of a removed snapshot: 1" 1 '' '^nanvix: '

echo "== functions from snapshots: run --snapshot-out, fn deploy --snapshot"
SNAPCAT=$T/snapshot/snap_cat.musl.elf
if [ ! -x "$SNAPCAT" ]; then
	skipped "functions from snapshots" "$SNAPCAT is not built (./z build)"
	finish
fi
nx run -d --name catinit --net none --snapshot-out catsnap "$SNAPCAT"
judge "run -d --snapshot-out a program that asks for its snapshot" 0
nx wait catinit
judge "  ... it saves itself and exits 0" 0 '^0$'
nx snapshot ls
judge "  ... the snapshot is listed" 0 '^catsnap +[0-9]+[smhd] ago$'
nx fn deploy -m 32M --snapshot catsnap fast
judge "fn deploy -m with --snapshot: the daemon's message, 1" 1 '' '^nanvix: .*memory'
nx fn deploy --snapshot catsnap fast
judge "fn deploy --snapshot prints the name" 0 '^fast$'
nx fn ls
judge "fn ls shows the snapshot where a program would be" 0 '^fast +--snapshot catsnap +0 +0 +[0-9]+s$'
nx fn inspect fast
python3 -c 'import json,sys; f=json.load(open(sys.argv[1])); assert f["spec"]=={"snapshot": "catsnap"}, f["spec"]' \
	"$tmp/out" 2>"$tmp/jerr" && ok "fn inspect: the spec names the snapshot" ||
	bad "fn inspect of a function from a snapshot" "$(head -c 200 "$tmp/jerr") $(head -c 200 "$tmp/out")"
echo hello | "$NANVIX" -H "unix:$sock" fn invoke fast >"$tmp/out" 2>"$tmp/err"
st=$?
printf 'generation 1\nHELLO\n' >"$tmp/want"
[ "$st" = 0 ] && cmp -s "$tmp/want" "$tmp/out" &&
	ok "fn invoke of a function from a snapshot: a restored copy reads its own input" ||
	bad "fn invoke fast" "status $st: $(head -c 200 "$tmp/out" | tr '\n' '|')"
nx fn invoke fast --data second
[ "$st" = 0 ] && [ "$(cat "$tmp/out")" = "$(printf 'generation 1\nSECOND')" ] &&
	ok "  ... and again, from the same point" ||
	bad "fn invoke fast again" "status $st: $(head -c 200 "$tmp/out" | tr '\n' '|')"
nx fn ls
judge "fn ls counts the invocations" 0 '^fast +--snapshot catsnap +2 +0 +[0-9]+s$'
nx snapshot rm catsnap
judge "snapshot rm of a snapshot a function names: the daemon's message, 1" 1 '' '^nanvix: .*fast'
nx snapshot ls
judge "  ... it is still there" 0 '^catsnap '
nx fn rm fast
judge "fn rm of the function" 0 '^fast$'
nx snapshot rm catsnap
judge "then snapshot rm works" 0 '^catsnap$'
nx rm catinit
nx fn deploy --no-tmp notmp "$T/cat.musl.elf"
judge "fn deploy --no-tmp" 0 '^notmp$'
nx fn inspect notmp
python3 -c 'import json,sys; f=json.load(open(sys.argv[1])); assert f["spec"]["tmp"] is False, f["spec"]' \
	"$tmp/out" 2>"$tmp/jerr" && ok "  ... its spec has tmp false" ||
	bad "fn deploy --no-tmp: the spec" "$(head -c 200 "$tmp/jerr") $(head -c 200 "$tmp/out")"
nx fn invoke notmp --data 'no tmp'
judge "  ... and it runs" 0 '^no tmp$'
nx fn rm notmp

finish
