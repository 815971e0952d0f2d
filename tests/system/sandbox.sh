#!/usr/bin/env bash
# nanvixd's own confinement (docs/security.md): its seccomp allowlist is on
# for every thread with no_new_privs, and each of its threads (the vCPU's,
# the network watcher, the --control-fd thread) has a narrower list of its
# own on top (two filters); a forbidden call ends it with 119 and a line
# naming the thread's role (the test-only build bin/tests/nanvixd.sandbox
# makes one on request: for the process's list, and on the vCPU's thread
# for its own), --seccomp=auto|on|off chooses when it is on (a network's
# uplink, started lazily, comes from the spawner), inherited fds are closed
# at start; and nanvixd runs as an ordinary user given access to /dev/kvm.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/system/lib.sh
system_setup sandbox

SANDBOX=${SANDBOX:-bin/tests/nanvixd.sandbox}
KERNEL=bin/kernel.elf

# status_of PID FIELD: a field of /proc/PID/status.
status_of() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null; }

# count_tasks PID: of its threads, in $threads all, $filtered those with a
# seccomp filter, $own those that are nanvixd's own (not a kernel worker
# such as KVM's kvm-nx-lpage-recovery) and $narrowed those of them with
# two filters (the process's list and the thread's own).
count_tasks() {
	local t
	threads=0 filtered=0 own=0 narrowed=0
	for t in /proc/$1/task/*; do
		[ -r "$t/status" ] || continue
		threads=$((threads + 1))
		[ "$(status_of "$1/task/${t##*/}" Seccomp)" = 2 ] && filtered=$((filtered + 1))
		[ "$(cat "$t/comm" 2>/dev/null)" = nanvixd ] || continue
		own=$((own + 1))
		[ "$(status_of "$1/task/${t##*/}" Seccomp_filters)" = 2 ] && narrowed=$((narrowed + 1))
	done
}

# A VM that stays up for a moment; its nanvixd's Seccomp and NoNewPrivs fields,
# its threads (count_tasks), once they all have their lists (2.5 s at most; an
# unfiltered one is looked at after 0.5 s).
probe() {
	"$NANVIXD" "$@" --timeout 5 -- "$T/sleeper.musl.elf" >/dev/null 2>&1 &
	local pid=$! i
	for i in $(seq 50); do
		count_tasks $pid
		[ "$(status_of $pid Seccomp)" = 2 ] && [ "$narrowed" = "$own" ] && break
		[ "$i" -ge 10 ] && [ "$(status_of $pid Seccomp)" = 0 ] && break
		sleep 0.05
	done
	seccomp=$(status_of $pid Seccomp)
	nnp=$(status_of $pid NoNewPrivs)
	count_tasks $pid
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
}

echo "== the allowlist"
# expect_filter NAME WANT nanvixd-args: WANT 2 (filtered, every thread, no_new_privs) or 0.
expect_filter() {
	local name=$1 want=$2
	shift 2
	probe "$@"
	if [ "$want" = 2 ] && [ "$seccomp" = 2 ] && [ "$nnp" = 1 ] && [ "$filtered" = "$threads" ] &&
	   [ "$narrowed" = "$own" ] && [ "$own" -ge 1 ]; then
		ok "$name: filtered (Seccomp 2, NoNewPrivs 1, $filtered of $threads threads; $narrowed of $own with their own list)"
	elif [ "$want" = 0 ] && [ "$seccomp" = 0 ]; then
		ok "$name: not filtered"
	else
		bad "$name" "Seccomp '$seccomp' NoNewPrivs '$nnp', $filtered of $threads threads filtered, $narrowed of $own narrowed; wanted $want"
	fi
}
expect_filter "no network (auto)" 2 --net=none
expect_filter "an uplink started at boot by -p (auto)" 2 -p 18431:80
expect_filter "--seccomp=on with the default network" 2 --seccomp=on
expect_filter "the default network, uplink still to start (auto)" 2
expect_filter "--seccomp=off" 0 --net=none --seccomp=off
expect_filter "--no-seccomp" 0 --net=none --no-seccomp
# The threads and their roles: the vCPU's (the main thread here), the network
# watcher (a network), the --control-fd thread (started before the process's
# list: narrowed by a signal once it is on), each with two filters.
python3 - "$NANVIXD" "$T/sleeper.musl.elf" >"$tmp/roles" 2>&1 <<'PY'
import os, socket, subprocess, sys, time
a, b = socket.socketpair()
p = subprocess.Popen([sys.argv[1], "--timeout", "3", f"--control-fd={b.fileno()}", "--",
                      sys.argv[2]], pass_fds=[b.fileno()], stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
b.close()
def filters(tid):
    try:
        for line in open(f"/proc/{p.pid}/task/{tid}/status"):
            if line.startswith("Seccomp_filters:"):
                return int(line.split()[1])
    except OSError:
        pass
    return -1
def own():
    ts = []
    for t in os.listdir(f"/proc/{p.pid}/task"):
        try:
            if open(f"/proc/{p.pid}/task/{t}/comm").read().strip() == "nanvixd":
                ts.append(t)
        except OSError:
            pass
    return ts
for _ in range(50):
    ts = own()
    if len(ts) == 3 and all(filters(t) == 2 for t in ts):
        break
    time.sleep(0.05)
a.sendall(b"stats\n")
a.settimeout(5)
reply = a.recv(4096).decode()
print(len(ts), sum(filters(t) == 2 for t in ts), reply.split()[:2])
p.kill()
p.wait()
PY
if [ "$(cat "$tmp/roles")" = "3 3 ['ok', 'stats']" ]; then
	ok "vCPU, network watcher and --control-fd threads each have their own list; the control thread answers"
else
	bad "thread roles" "$(head -c 300 "$tmp/roles")"
fi
# The uplink confines itself too (libslirp parses the guest's frames).
"$NANVIXD" -p 18432:80 --timeout 3 -- "$T/sleeper.musl.elf" >/dev/null 2>&1 &
vmpid=$!
up=
for _ in $(seq 60); do
	up=$(pgrep -P "$vmpid" -f nanvix-uplink 2>/dev/null | head -1)
	[ -n "$up" ] && [ "$(status_of "$up" Seccomp)" = 2 ] && break
	sleep 0.05
done
if [ -n "$up" ] && [ "$(status_of "$up" Seccomp)" = 2 ] && [ "$(status_of "$up" NoNewPrivs)" = 1 ]; then
	ok "nanvix-uplink is filtered (Seccomp 2, NoNewPrivs 1)"
else
	bad "nanvix-uplink filtered" "pid '$up' Seccomp '$(status_of "$up" Seccomp)'"
fi
kill "$vmpid" 2>/dev/null
wait "$vmpid" 2>/dev/null
# bin/macrokernel confines itself once it listens (its uplink comes from its spawner).
mkroot=$(mktemp -d "$tmp/mkroot.XXXXXX")
bin/macrokernel --socket "$tmp/mk.sock" --root "$mkroot" >/dev/null 2>&1 &
mkpid=$!
for _ in $(seq 100); do
	[ "$(status_of $mkpid Seccomp)" = 2 ] && break
	sleep 0.05
done
if [ "$(status_of $mkpid Seccomp)" = 2 ] && [ "$(status_of $mkpid NoNewPrivs)" = 1 ]; then
	ok "bin/macrokernel is filtered (Seccomp 2, NoNewPrivs 1)"
else
	bad "bin/macrokernel filtered" "Seccomp '$(status_of $mkpid Seccomp)'"
fi
# Its threads with a VM attached: the main one has the process's list, the
# network pump and the VM's thread their own on top (two filters).
"$NANVIXD" --macrokernel "$tmp/mk.sock" --net=host --timeout 10 -- "$T/sleeper.musl.elf" 3 \
	>/dev/null 2>&1 &
mkvm=$!
mkfilters=
for _ in $(seq 100); do
	mkfilters=$(for t in /proc/$mkpid/task/*; do status_of "$mkpid/task/${t##*/}" Seccomp_filters; done |
		sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')
	[ "$mkfilters" = "1:1 2:2 " ] && break
	sleep 0.05
done
if [ "$mkfilters" = "1:1 2:2 " ]; then
	ok "bin/macrokernel: the network pump and the VM's thread have their own lists"
else
	bad "bin/macrokernel's thread lists" "filters:threads '$mkfilters', expected 1:1 2:2"
fi
wait "$mkvm"
st=$?
if [ "$st" = 0 ] && kill -0 "$mkpid" 2>/dev/null; then
	ok "bin/macrokernel: the VM ran to its end under its thread's list"
else
	bad "bin/macrokernel: a VM under its thread's list" "status $st"
fi
kill "$mkpid" 2>/dev/null
wait "$mkpid" 2>/dev/null
# Filtered, the VM still resolves names: its uplink starts at the first
# query, through the spawner forked before the filter (monitor/spawner.c).
for how in "--seccomp=on" "--seccomp=auto" "--net=guest"; do
	vm $how --timeout 60 -- "$T/net/resolve.musl.elf" localhost host.internal no-such-name.invalid
	if [ "$st" = 1 ] && grep -q '^host.internal: 10.0.2.2$' "$tmp/out" &&
	   grep -q '^no-such-name.invalid: no such name$' "$tmp/out"; then
		ok "$how: filtered, DNS through an uplink started lazily"
	else
		bad "$how DNS" "status $st: $(tr '\n' ' ' <"$tmp/out") $(head -c 200 "$tmp/err")"
	fi
done
# The spawner and the uplink go with nanvixd: nothing of this user's is left.
left=$(pgrep -f "nanvix-uplink .*--dns=" 2>/dev/null | while read -r p; do
	[ "$(ps -o ppid= -p "$p" | tr -d ' ')" = 1 ] && echo "$p"; done)
if [ -z "$left" ]; then
	ok "no orphaned uplink after the VMs"
else
	bad "orphaned uplink" "pids $left"
fi
vm --seccomp=maybe -- "$T/hello.musl.elf"
judge "--seccomp=maybe is a usage error" 125 "" "auto, on or off"
if [ -x "$SANDBOX" ]; then
	NANVIXD_TEST_FORBIDDEN=1 "$SANDBOX" --kernel "$KERNEL" --seccomp=on -- "$T/hello.musl.elf" >"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ "$st" = 119 ] && grep -q 'seccomp: forbidden system call 101' "$tmp/err" &&
	   ! grep -q hello "$tmp/out"; then
		ok "a forbidden call (ptrace) ends nanvixd with 119 and a line"
	else
		bad "forbidden call" "status $st: $(cat "$tmp/err")"
	fi
	# A call the process's list allows and the vCPU's does not (clone), on that thread.
	NANVIXD_TEST_FORBIDDEN=vcpu "$SANDBOX" --kernel "$KERNEL" --seccomp=on -- "$T/hello.musl.elf" >"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ "$st" = 119 ] && grep -q '^nanvixd: seccomp: forbidden system call 56 (vcpu thread); stopping (status 119)$' "$tmp/err" &&
	   ! grep -q hello "$tmp/out"; then
		ok "the vCPU's own list: clone on its thread ends nanvixd with 119 and a line naming it"
	else
		bad "forbidden call on the vCPU's thread" "status $st: $(cat "$tmp/err")"
	fi
	NANVIXD_TEST_FORBIDDEN=vcpu "$SANDBOX" --kernel "$KERNEL" --seccomp=off -- "$T/hello.musl.elf" >"$tmp/out" 2>"$tmp/err"
	st=$?
	[ "$st" = 0 ] && grep -q 'hello, world' "$tmp/out" && ok "--seccomp=off: no thread has a list (the same call is allowed)" ||
		bad "--seccomp=off, vcpu request" "status $st: $(cat "$tmp/err")"
	"$SANDBOX" --kernel "$KERNEL" --seccomp=on -- "$T/hello.musl.elf" >"$tmp/out" 2>"$tmp/err"
	st=$?
	[ "$st" = 0 ] && grep -q 'hello, world' "$tmp/out" && ok "the test build runs normally without the request" ||
		bad "test build" "status $st"
	NANVIXD_TEST_FORBIDDEN=1 "$NANVIXD" --seccomp=on -- "$T/hello.musl.elf" >"$tmp/out" 2>"$tmp/err"
	st=$?
	[ "$st" = 0 ] && ok "the default build has no such request" || bad "default build" "status $st"
else
	bad "test build" "$SANDBOX missing"
fi

# Inherited descriptors are closed at start: none of nanvixd's fds is this file.
"$NANVIXD" --timeout 3 -- "$T/sleeper.musl.elf" >/dev/null 2>&1 7>"$tmp/inherited" 9<"$tmp/inherited" &
pid=$!
sleep 0.5
held=$(ls -l "/proc/$pid/fd" 2>/dev/null | grep -c "$tmp/inherited")
nfd=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
kill $pid 2>/dev/null
wait $pid 2>/dev/null
if [ "$nfd" -gt 0 ] && [ "$held" = 0 ]; then
	ok "inherited fds closed at start ($nfd fds of its own)"
else
	bad "inherited fds" "$held still open of $nfd"
fi

echo "== an ordinary user with access to /dev/kvm"
user=nobody
if [ "$(id -u)" != 0 ]; then
	skip=$((skip + 1))
	echo "skip non-root: this test must start as root to grant a user /dev/kvm"
elif ! command -v setfacl >/dev/null || ! id "$user" >/dev/null 2>&1 || ! command -v setpriv >/dev/null; then
	skip=$((skip + 1))
	echo "skip non-root: setfacl (acl), setpriv or the user '$user' missing"
else
	# The kvm group's access (docs/security.md), for one user, for this test only.
	setfacl -m "u:$user:rw" /dev/kvm
	trap 'setfacl -x "u:'"$user"'" /dev/kvm 2>/dev/null; rm -rf "$tmp"' EXIT
	as_user() { (cd / && setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups -- "$@"); }
	abs=$(pwd)
	as_user "$abs/$NANVIXD" -- "$abs/$T/hello.musl.elf" >"$tmp/out" 2>"$tmp/err"
	st=$?
	[ "$st" = 0 ] && grep -q 'hello, world' "$tmp/out" && ok "nanvixd runs as $user" ||
		bad "as $user" "status $st: $(head -c 300 "$tmp/err")"
	as_user "$abs/$NANVIXD" --image "$abs/$T" -- "$abs/$T/hello.musl.elf" >"$tmp/out" 2>"$tmp/err"
	[ $? = 0 ] && ok "as $user with an image directory" || bad "as $user, --image" "$(head -c 300 "$tmp/err")"
	setfacl -x "u:$user" /dev/kvm
	as_user "$abs/$NANVIXD" -- "$abs/$T/hello.musl.elf" >"$tmp/out" 2>"$tmp/err"
	st=$?
	[ "$st" = 120 ] && grep -qi 'kvm' "$tmp/err" && ok "without access: 120 and why" ||
		bad "without access" "status $st: $(head -c 300 "$tmp/err")"
fi

echo "sandbox: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
