#!/usr/bin/env bash
# OCI runtime tests: bin/nanvix-runc alone (runc's commands on hand-made
# bundles), then driven by a private containerd through its
# io.containerd.runc.v2 shim, as `ctr run --runc-binary` and the CRI do.
#
# The containerd part needs containerd and ctr (Debian's containerd
# package; ./z setup installs it) and root; without them it is skipped with
# the reason.  Everything it starts (containerd, shims, tasks) and the
# scratch directory are removed at exit.
set -u
cd "$(dirname "$0")/../.." || exit 1
TOP=$PWD
RUNC=$TOP/bin/nanvix-runc
T=$TOP/bin/tests

pass=0
fail=0
ok() {
	pass=$((pass + 1))
	printf 'ok   %s\n' "$1"
}
bad() {
	fail=$((fail + 1))
	printf 'FAIL %s: %s\n' "$1" "$2"
	return 0
}
finish() {
	echo "oci: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

for f in "$RUNC" "$TOP/bin/nanvixd" "$T/hello.musl.elf" "$T/exitcode.musl.elf" \
	"$T/sleeper.musl.elf" "$T/args.musl.elf" "$T/limits.elf"; do
	if [ ! -x "$f" ]; then
		echo "oci: FAIL: $f is not built (make bin/nanvix-runc and the system tests)"
		exit 1
	fi
done
if [ ! -c /dev/kvm ] || ! : 2>/dev/null <>/dev/kvm; then
	echo "oci: SKIPPED: /dev/kvm is missing or not accessible (the micro-VM needs KVM)"
	echo "oci: 0 passed, 0 failed"
	exit 0
fi

tmp=$(mktemp -d /tmp/nanvix-oci.XXXXXX)
ROOT=$tmp/state
CTD_PID=
NS=nanvix-oci-$$
cleanup() {
	if [ -n "$CTD_PID" ]; then
		local id shim
		for id in $(ctr_ task ls -q 2>/dev/null); do
			ctr_ task kill -s SIGKILL "$id" >/dev/null 2>&1
			ctr_ task delete -f "$id" >/dev/null 2>&1
		done
		for id in $(ctr_ containers ls -q 2>/dev/null); do
			ctr_ containers rm "$id" >/dev/null 2>&1
		done
		for id in $(ctr_ images ls -q 2>/dev/null); do
			ctr_ images rm "$id" >/dev/null 2>&1
		done
		# Shims outlive containerd: end ours (by pid; they name our namespace).
		for shim in $(pgrep -f "containerd-shim-runc-v2 -namespace $NS " 2>/dev/null); do
			kill -9 "$shim" 2>/dev/null
		done
		kill "$CTD_PID" 2>/dev/null
		wait "$CTD_PID" 2>/dev/null
	fi
	# Containers the standalone part left behind (a failed check).
	for d in "$ROOT"/*/; do
		[ -d "$d" ] && "$RUNC" --root "$ROOT" delete --force "$(basename "$d")" 2>/dev/null
	done
	grep -o " $tmp/[^ ]*" /proc/mounts 2>/dev/null | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The rootfs: static programs only (nanvix-runc runs nothing else).
rootfs=$tmp/rootfs
mkdir -p "$rootfs/bin" "$rootfs/work" "$tmp/mnt"
cp "$T/hello.musl.elf" "$rootfs/bin/hello"
cp "$T/exitcode.musl.elf" "$rootfs/bin/exitcode"
cp "$T/sleeper.musl.elf" "$rootfs/bin/sleeper"
cp "$T/args.musl.elf" "$rootfs/bin/args"
cp "$T/limits.elf" "$rootfs/bin/limits"
cp "$TOP/bin/hello.elf" "$rootfs/bin/hello-sysapp"
[ -x "$T/ioctl_tty.musl.elf" ] && cp "$T/ioctl_tty.musl.elf" "$rootfs/bin/ioctl_tty"
cp "$T/hello.musl.elf" "$tmp/mnt/hello-from-mount"
"$T/hello.musl.elf" >"$tmp/hello.native"
env -i NANVIX_A=alpha "NANVIX_B=two words" bash -c 'exec -a /bin/args "$0" one "two words"' \
	"$T/args.musl.elf" >"$tmp/args.native"

R() { "$RUNC" --root "$ROOT" --log "$tmp/log.json" --log-format json "$@"; }

# bundle NAME ARGS-JSON [MORE-TOP-LEVEL-JSON]: $tmp/NAME/config.json on the rootfs.
bundle() {
	mkdir -p "$tmp/$1"
	printf '{"ociVersion":"1.0.2","process":{"args":%s,"env":["PATH=/bin","A=b"],"cwd":"/"},"root":{"path":"%s"}%s}\n' \
		"$2" "$rootfs" "${3:-}" >"$tmp/$1/config.json"
}

# status ID: the container's status from `state`.
status() {
	R state "$1" 2>/dev/null | sed -n 's/.*"status": "\([a-z]*\)".*/\1/p'
}

# wait_status ID STATUS: up to 10 s.
wait_status() {
	for _ in $(seq 100); do
		[ "$(status "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

echo "== nanvix-runc alone"
if "$RUNC" --version | head -3 | tr '\n' '|' |
	grep -qE '^nanvix-runc version [0-9]+\.[0-9]+\.[0-9]+\|commit: [^|]+\|spec: 1\.0\.2-dev\|$'; then
	ok "version"
else
	bad "version" "$("$RUNC" --version | tr '\n' '|')"
fi

# create, then start: output on create's stdout, status created -> running -> stopped.
bundle hello '["hello"]'
R create --bundle "$tmp/hello" --pid-file "$tmp/hello.pid" c-hello >"$tmp/hello.out" 2>"$tmp/hello.err"
st=$?
pid=$(cat "$tmp/hello.pid" 2>/dev/null)
if [ "$st" != 0 ] || ! [[ "$pid" =~ ^[0-9]+$ ]]; then
	bad "create" "status $st, pid file '$pid': $(cat "$tmp/hello.err")"
elif [ "$(status c-hello)" != created ]; then
	bad "create" "status $(status c-hello), expected created"
elif [ -s "$tmp/hello.out" ]; then
	bad "create" "the program ran before start: $(cat "$tmp/hello.out")"
else
	ok "create (pid $pid waits, status created)"
fi
if ! R state c-hello | grep -q "\"bundle\": \"$tmp/hello\""; then
	bad "state" "$(R state c-hello 2>&1 | tr '\n' ' ')"
elif [ ! -f "$ROOT/c-hello/state.json" ] || [ -e "$ROOT/c-hello/state.json.tmp" ]; then
	bad "state" "no state.json (or a temporary left) in $ROOT/c-hello"
else
	ok "state"
fi
if R start c-hello && wait_status c-hello stopped && cmp -s "$tmp/hello.native" "$tmp/hello.out"; then
	ok "start: output as native"
else
	bad "start" "status $(status c-hello), output '$(cat "$tmp/hello.out")'"
fi
R start c-hello 2>/dev/null && bad "start twice" "a stopped container started" || ok "start twice refused"
R delete c-hello && [ ! -e "$ROOT/c-hello" ] && ok "delete stopped" || bad "delete stopped" "$ROOT/c-hello remains"
R delete c-hello 2>/dev/null && bad "delete unknown" "succeeded" || ok "delete unknown fails"
R delete --force c-hello && ok "delete --force unknown succeeds" || bad "delete --force unknown" "failed"

# Arguments and environment, a bind mount, a tmpfs.
bundle args '["/bin/args","one","two words"]'
sed -i 's/"env":\[[^]]*\]/"env":["NANVIX_A=alpha","NANVIX_B=two words"]/' "$tmp/args/config.json"
R create --bundle "$tmp/args" c-args >"$tmp/args.out" 2>&1 && R start c-args
if wait_status c-args stopped && cmp -s "$tmp/args.native" "$tmp/args.out"; then
	ok "process.args and process.env pass through"
else
	bad "process.args" "$(cat "$tmp/args.out")"
fi
R delete --force c-args
bundle mnt '["/mnt/hello-from-mount"]' ',"mounts":[{"destination":"/mnt","type":"bind","source":"'"$tmp/mnt"'","options":["rbind","ro"]},{"destination":"/tmp","type":"tmpfs","source":"tmpfs"},{"destination":"/proc","type":"proc","source":"proc"}]'
R --debug create --bundle "$tmp/mnt" c-mnt >"$tmp/mnt.out" 2>&1 && R start c-mnt
if wait_status c-mnt stopped && cmp -s "$tmp/hello.native" "$tmp/mnt.out"; then
	ok "bind mount (the program comes from it)"
else
	bad "bind mount" "$(cat "$tmp/mnt.out")"
fi
grep -q "c-mnt/tmpfs/1:/tmp" "$tmp/log.json" && ok "tmpfs as a private directory" ||
	bad "tmpfs" "no tmpfs volume in nanvixd's argv (--debug)"
R delete c-mnt
[ ! -e "$ROOT/c-mnt" ] && ok "delete removes the tmpfs directories" || bad "delete tmpfs" "left"

# The memory limit, rounded up to MiB (100000000 bytes = 95.4 MiB).
bundle mem '["/bin/hello"]' ',"linux":{"resources":{"memory":{"limit":100000000},"pids":{"limit":10}}}'
: >"$tmp/log.json"
R --debug create --bundle "$tmp/mem" c-mem >/dev/null 2>&1
grep -q '"msg":"nanvixd argv\[2\] = 96M"' "$tmp/log.json" && ok "memory limit -> -m 96M" ||
	bad "memory limit" "$(grep -o 'argv\[[0-9]*\] = [^"]*' "$tmp/log.json" | head -4 | tr '\n' ' ')"
R delete c-mem && ok "delete a created container" || bad "delete created" "failed"

# The pids and CPU limits, as nanvixd enforces them (tests/system/limits.sh).
bundle pids '["/bin/limits","fork"]' ',"linux":{"resources":{"pids":{"limit":3},"cpu":{"quota":50000,"period":100000}}}'
: >"$tmp/log.json"
R --debug create --bundle "$tmp/pids" c-pids >"$tmp/pids.out" 2>&1 && R start c-pids
if wait_status c-pids stopped && grep -qx 'forked 2, then Resource temporarily unavailable' "$tmp/pids.out"; then
	ok "linux.resources.pids.limit 3: the third fork fails with EAGAIN"
else
	bad "pids limit" "$(cat "$tmp/pids.out")"
fi
grep -q '"msg":"nanvixd argv\[[0-9]*\] = --cpus=0.500"' "$tmp/log.json" && ok "cpu quota/period -> --cpus=0.500" ||
	bad "cpu quota" "$(grep -o 'argv\[[0-9]*\] = [^"]*' "$tmp/log.json" | tr '\n' ' ' | head -c 400)"
R delete --force c-pids

# A long-running program: ps, kill, delete --force.
bundle sleeper '["/bin/sleeper","100"]'
R create --bundle "$tmp/sleeper" --pid-file "$tmp/sleeper.pid" c-sleep >"$tmp/sleep.out" 2>&1
R start c-sleep
pid=$(cat "$tmp/sleeper.pid" 2>/dev/null)
if [ "$(status c-sleep)" = running ] && R ps --format json c-sleep | grep -qE "^\[$pid(,[0-9]+)*\]$"; then
	ok "running, ps --format json lists $pid"
else
	bad "ps" "status $(status c-sleep), ps: $(R ps --format json c-sleep 2>&1)"
fi
if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = nanvixd ]; then
	ok "the container's pid is nanvixd"
else
	bad "pid is nanvixd" "/proc/$pid/comm is $(cat "/proc/$pid/comm" 2>/dev/null)"
fi
R delete c-sleep 2>/dev/null && bad "delete running" "succeeded" || ok "delete running refused"
R kill c-sleep BOGUS 2>/dev/null && bad "kill BOGUS" "accepted" || ok "kill: unknown signal refused"
if R kill c-sleep SIGTERM && wait_status c-sleep stopped; then
	ok "kill SIGTERM stops it"
else
	bad "kill" "status $(status c-sleep)"
fi
: >"$tmp/log.json"
R kill c-sleep 9 2>/dev/null && bad "kill stopped" "succeeded" ||
	{ grep -q '"msg":"container not running"' "$tmp/log.json" && ok "kill stopped: container not running" ||
		bad "kill stopped" "$(cat "$tmp/log.json")"; }
R delete c-sleep
R create --bundle "$tmp/sleeper" --pid-file "$tmp/sleeper.pid" c-sleep2 >/dev/null 2>&1
R start c-sleep2
pid=$(cat "$tmp/sleeper.pid")
if R delete --force c-sleep2 && ! kill -0 "$pid" 2>/dev/null; then
	ok "delete --force kills a running one"
elif [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ]; then
	ok "delete --force kills a running one (a zombie until reaped)"
else
	bad "delete --force" "process $pid still alive"
fi
R create --bundle "$tmp/sleeper" c-dup >/dev/null 2>&1
R create --bundle "$tmp/sleeper" c-dup 2>/dev/null && bad "duplicate id" "accepted" || ok "duplicate id refused"
R list -q | grep -qx c-dup && ok "list" || bad "list" "$(R list 2>&1)"
R delete --force c-dup

# A pod sandbox: a placeholder process, no VM.
bundle sandbox '["/pause"]' ',"annotations":{"io.kubernetes.cri.container-type":"sandbox"}'
R create --bundle "$tmp/sandbox" --pid-file "$tmp/sandbox.pid" c-sandbox && R start c-sandbox
pid=$(cat "$tmp/sandbox.pid" 2>/dev/null)
if [ "$(status c-sandbox)" = running ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = nanvix-sandbox ]; then
	ok "sandbox: a placeholder process"
else
	bad "sandbox" "status $(status c-sandbox), comm $(cat "/proc/$pid/comm" 2>/dev/null)"
fi
R kill c-sandbox TERM && wait_status c-sandbox stopped && ok "sandbox: SIGTERM ends it" ||
	bad "sandbox SIGTERM" "status $(status c-sandbox)"
R delete c-sandbox

# A network namespace path: nanvixd runs inside it.
if command -v unshare >/dev/null && unshare -n true 2>/dev/null; then
	unshare -n sleep 60 &
	holder=$!
	sleep 0.3
	nsp=$(pgrep -P "$holder" sleep || echo "$holder")
	bundle netns '["/bin/sleeper","100"]' ',"linux":{"namespaces":[{"type":"pid"},{"type":"network","path":"/proc/'"$nsp"'/ns/net"}]}'
	R create --bundle "$tmp/netns" --pid-file "$tmp/netns.pid" c-netns >/dev/null 2>&1 && R start c-netns
	pid=$(cat "$tmp/netns.pid" 2>/dev/null)
	if [ -n "$pid" ] && [ "$(readlink "/proc/$pid/ns/net")" = "$(readlink "/proc/$nsp/ns/net")" ] &&
		[ "$(readlink "/proc/$pid/ns/net")" != "$(readlink /proc/self/ns/net)" ]; then
		ok "network namespace joined"
	else
		bad "network namespace" "pid '$pid' is in $(readlink "/proc/$pid/ns/net" 2>&1)"
	fi
	R delete --force c-netns
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
else
	echo "skip network namespace: unshare -n is not possible here"
fi

# Bad bundles: exit 1, a JSON error line in the log, nothing left behind.
# refuse NAME PATTERN CONFIG-JSON
refuse() {
	local name=$1 pat=$2
	mkdir -p "$tmp/bad-$name"
	printf '%s\n' "$3" >"$tmp/bad-$name/config.json"
	: >"$tmp/log.json"
	R create --bundle "$tmp/bad-$name" "c-bad-$name" >/dev/null 2>&1
	local st=$?
	if [ "$st" != 1 ]; then
		bad "refuse $name" "exit status $st"
	elif ! grep -qE '^\{"level":"error","msg":".*","time":"[0-9T:.-]+Z"\}$' "$tmp/log.json" ||
		! grep -qE -- "$pat" "$tmp/log.json"; then
		bad "refuse $name" "log: $(cat "$tmp/log.json")"
	elif [ -e "$ROOT/c-bad-$name" ]; then
		bad "refuse $name" "$ROOT/c-bad-$name left behind"
	else
		ok "refuse $name"
	fi
}
P='"process":{"args":["/bin/hello"],"cwd":"/"}'
RT='"root":{"path":"'"$rootfs"'"}'
refuse not-json "config.json: " '{"ociVersion": '
refuse array "not a JSON object" '[1,2]'
refuse no-version "no ociVersion" "{$P,$RT}"
refuse version-2 "ociVersion .* is not supported" "{\"ociVersion\":\"2.0.0\",$P,$RT}"
refuse no-args "process.args must name" "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[]},$RT}"
refuse no-root "no root" "{\"ociVersion\":\"1.0.2\",$P}"
refuse missing-prog "no such executable file" "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/bin/nope\"]},$RT}"
refuse path-prog 'not found in \$PATH' "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"nope\"]},$RT}"
refuse terminal "no --console-socket" "{\"ociVersion\":\"1.0.2\",\"process\":{\"terminal\":true,\"args\":[\"/bin/hello\"]},$RT}"
refuse env "KEY=VALUE" "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/bin/hello\"],\"env\":[\"HOME\"]},$RT}"
refuse cwd "process.cwd /nowhere is not a directory" "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/bin/hello\"],\"cwd\":\"/nowhere\"},$RT}"
refuse uidmap "ID mappings" "{\"ociVersion\":\"1.0.2\",$P,$RT,\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}}"
refuse devices "device nodes" "{\"ociVersion\":\"1.0.2\",$P,$RT,\"linux\":{\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229}]}}"
refuse hooks 'hooks \(prestart\)' "{\"ociVersion\":\"1.0.2\",$P,$RT,\"hooks\":{\"prestart\":[{\"path\":\"/bin/true\"}]}}"
refuse nfs "mount type .*nfs" "{\"ociVersion\":\"1.0.2\",$P,$RT,\"mounts\":[{\"destination\":\"/data\",\"type\":\"nfs\",\"source\":\"srv:/x\"}]}"
refuse colon "contains ':'" "{\"ociVersion\":\"1.0.2\",$P,$RT,\"mounts\":[{\"destination\":\"/a:b\",\"type\":\"bind\",\"source\":\"/tmp\",\"options\":[\"rbind\"]}]}"
refuse memory "below the 2 MiB" "{\"ociVersion\":\"1.0.2\",$P,$RT,\"linux\":{\"resources\":{\"memory\":{\"limit\":1000}}}}"
refuse duplicate "duplicate object key" "{\"ociVersion\":\"1.0.2\",\"ociVersion\":\"1.0.2\",$P,$RT}"
refuse netns-type "unknown namespace type" "{\"ociVersion\":\"1.0.2\",$P,$RT,\"linux\":{\"namespaces\":[{\"type\":\"bogus\"}]}}"
if [ -x /bin/ls ] && ! grep -q 'statically linked' <(file /bin/ls 2>/dev/null); then
	cp /bin/ls "$rootfs/bin/dynamic"
	refuse dynamic "dynamically linked" "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/bin/dynamic\"]},$RT}"
fi
many=$(printf '"x",%.0s' $(seq 5000))
refuse many-args "more than nanvix-runc accepts" "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[$many\"x\"]},$RT}"
mkdir -p "$tmp/bad-huge"
head -c $((5 << 20)) /dev/zero | tr '\0' ' ' >"$tmp/bad-huge/config.json"
: >"$tmp/log.json"
R create --bundle "$tmp/bad-huge" c-huge 2>/dev/null && bad "refuse huge" "accepted" ||
	{ grep -q "more than nanvix-runc reads" "$tmp/log.json" && ok "refuse huge config.json" ||
		bad "refuse huge" "$(cat "$tmp/log.json")"; }
: >"$tmp/log.json"
R create --bundle "$tmp/hello" '../escape' 2>/dev/null && bad "bad id" "accepted" || ok "refuse a bad id"
R exec --process /dev/null c-x 2>/dev/null && bad "exec" "accepted" ||
	{ grep -q "exec is not supported" "$tmp/log.json" && ok "exec refused" || bad "exec" "$(cat "$tmp/log.json")"; }
"$RUNC" --root "$ROOT" --log "$tmp/log.txt" state nothere 2>/dev/null
grep -qE '^time="[^"]+" level=error msg="container nothere does not exist"$' "$tmp/log.txt" &&
	ok "text log format" || bad "text log" "$(cat "$tmp/log.txt")"

# ---------------------------------------------------------------------------
echo "== containerd (io.containerd.runc.v2 with --runc-binary nanvix-runc)"
if ! command -v containerd >/dev/null || ! command -v ctr >/dev/null; then
	echo "oci: SKIPPED containerd tests: containerd not installed"
	finish
fi
if [ "$(id -u)" != 0 ]; then
	echo "oci: SKIPPED containerd tests: containerd needs root"
	finish
fi
CTD=$tmp/ctd
SOCK=$CTD/containerd.sock
mkdir -p "$CTD"
cat >"$CTD/config.toml" <<EOF
version = 2
root = "$CTD/root"
state = "$CTD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "$SOCK"

[ttrpc]
  address = "$SOCK.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "$CTD/opt"
EOF
containerd --config "$CTD/config.toml" >"$CTD/containerd.log" 2>&1 &
CTD_PID=$!
# The native snapshotter works everywhere (overlayfs needs the kernel's, and
# not inside another overlay).
export CONTAINERD_SNAPSHOTTER=native
ctr_() { ctr -a "$SOCK" -n "$NS" "$@"; }
CTR=(ctr -a "$SOCK" -n "$NS")
for _ in $(seq 100); do
	ctr_ version >/dev/null 2>&1 && break
	kill -0 "$CTD_PID" 2>/dev/null || break
	sleep 0.1
done
if ! ctr_ version >/dev/null 2>&1; then
	echo "oci: SKIPPED containerd tests: containerd did not start: $(tail -3 "$CTD/containerd.log" | tr '\n' ' ')"
	finish
fi
ok "private containerd up ($(containerd --version | awk '{print $3}'))"
RUNOPTS=(--runc-binary "$RUNC" --runc-root "$tmp/runc-root")

# crun NAME ARGS...: ctr run --rm with nanvix-runc; stdout, stderr, status.
crun() {
	timeout 60 "${CTR[@]}" run --rm "${RUNOPTS[@]}" "$@" >"$tmp/ctr.out" 2>"$tmp/ctr.err" </dev/null
	st=$?
}
crun --rootfs "$rootfs" k-hello /bin/hello
if [ "$st" = 0 ] && cmp -s "$tmp/hello.native" "$tmp/ctr.out"; then
	ok "ctr run: output reaches ctr, as native"
else
	bad "ctr run" "status $st, out '$(cat "$tmp/ctr.out")', err $(head -c 300 "$tmp/ctr.err")"
fi
crun --rootfs "$rootfs" k-sysapp /bin/hello-sysapp
[ "$st" = 0 ] && grep -q "Hello, world!" "$tmp/ctr.out" && ok "ctr run: bin/hello.elf" ||
	bad "ctr run hello.elf" "status $st: $(cat "$tmp/ctr.out" "$tmp/ctr.err" | head -c 300)"
for code in 0 7 255; do
	crun --rootfs "$rootfs" "k-exit$code" /bin/exitcode "$code"
	[ "$st" = "$code" ] && ok "ctr run: exit status $code passes through" || bad "exit $code" "ctr exited $st"
done
crun --mount "type=bind,src=$tmp/mnt,dst=/mnt,options=rbind:ro" --rootfs "$rootfs" k-mount /mnt/hello-from-mount
[ "$st" = 0 ] && cmp -s "$tmp/hello.native" "$tmp/ctr.out" && ok "ctr run --mount: a bind mount" ||
	bad "ctr run --mount" "status $st: $(cat "$tmp/ctr.out" "$tmp/ctr.err" | head -c 300)"

# Failing creates: our reason in ctr's error.
crun --rootfs "$rootfs" k-missing /bin/nothere
[ "$st" != 0 ] && grep -q 'no such executable file' "$tmp/ctr.err" && ok "ctr run: a missing program's error shown" ||
	bad "missing program" "status $st: $(head -c 300 "$tmp/ctr.err")"
crun --device /dev/null --rootfs "$rootfs" k-device /bin/hello
[ "$st" != 0 ] && grep -q 'device nodes (linux.devices) cannot be passed' "$tmp/ctr.err" &&
	ok "ctr run: an unsupported feature's error shown" || bad "unsupported feature" "status $st: $(head -c 300 "$tmp/ctr.err")"
crun --memory-limit 1000 --rootfs "$rootfs" k-mem /bin/hello
[ "$st" != 0 ] && grep -q 'below the 2 MiB' "$tmp/ctr.err" && ok "ctr run: a too small memory limit refused" ||
	bad "memory limit" "status $st: $(head -c 300 "$tmp/ctr.err")"
crun --memory-limit 33554432 --rootfs "$rootfs" k-mem32 /bin/hello
[ "$st" = 0 ] && ok "ctr run --memory-limit 32M" || bad "memory 32M" "status $st: $(head -c 300 "$tmp/ctr.err")"

# A detached task: ps, exec (refused), kill.
timeout 60 "${CTR[@]}" run -d "${RUNOPTS[@]}" --rootfs "$rootfs" k-sleep /bin/sleeper 100 >"$tmp/ctr.out" 2>"$tmp/ctr.err" </dev/null
ctr_ task ps k-sleep >"$tmp/ps.out" 2>&1
pid=$(awk 'NR == 2 {print $1}' "$tmp/ps.out")
if [[ "$pid" =~ ^[0-9]+$ ]] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = nanvixd ]; then
	ok "ctr task ps: nanvixd's pid $pid"
else
	bad "ctr task ps" "$(tr '\n' ' ' <"$tmp/ps.out") $(head -c 300 "$tmp/ctr.err")"
fi
if ctr_ task exec --exec-id x1 k-sleep /bin/hello >"$tmp/exec.out" 2>&1; then
	bad "ctr task exec" "succeeded"
else
	grep -q "exec is not supported" "$tmp/exec.out" && ok "ctr task exec: refused with a reason" ||
		bad "ctr task exec" "$(head -c 300 "$tmp/exec.out")"
fi
ctr_ task kill k-sleep
for _ in $(seq 100); do
	ctr_ task ls | grep -q "^k-sleep .*STOPPED" && break
	sleep 0.1
done
if ctr_ task ls | grep -q "^k-sleep .*STOPPED"; then
	ok "ctr task kill: the task stops"
else
	bad "ctr task kill" "$(ctr_ task ls | tr '\n' ' ')"
fi
ctr_ task delete k-sleep >/dev/null 2>&1
ctr_ containers rm k-sleep >/dev/null 2>&1
ctr_ containers ls -q | grep -q k-sleep && bad "cleanup" "k-sleep remains" || ok "task and container deleted"
# The shim's --root is --runc-root/NAMESPACE.
[ -z "$(ls -A "$tmp/runc-root/$NS" 2>/dev/null)" ] && ok "no state left in --root" ||
	bad "state left" "$(ls "$tmp/runc-root/$NS")"

# A terminal (--console-socket): the guest sees a tty.
if [ -x "$rootfs/bin/ioctl_tty" ] && command -v script >/dev/null; then
	timeout 60 script -qec "ctr -a $SOCK -n $NS run -t --rm --runc-binary $RUNC --runc-root $tmp/runc-root --rootfs $rootfs k-tty /bin/ioctl_tty" /dev/null >"$tmp/tty.out" 2>&1 </dev/null
	grep -q "TIOCGWINSZ: tty" "$tmp/tty.out" && ok "ctr run -t: a terminal through the console socket" ||
		bad "ctr run -t" "$(head -c 300 "$tmp/tty.out")"
fi

# An image: an OCI layout written by hand, imported, run by its Cmd.
img=$tmp/image
mkdir -p "$img/blobs/sha256"
blob() { # FILE: moved to blobs/sha256/DIGEST; prints "DIGEST SIZE"
	local d s
	d=$(sha256sum "$1" | cut -d' ' -f1)
	s=$(stat -c %s "$1")
	mv "$1" "$img/blobs/sha256/$d"
	echo "$d $s"
}
tar -C "$rootfs" --owner=0 --group=0 -cf "$tmp/layer.tar" bin work
diff_id=$(sha256sum "$tmp/layer.tar" | cut -d' ' -f1)
gzip -n "$tmp/layer.tar"
read -r layer layer_size < <(blob "$tmp/layer.tar.gz")
printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":["/bin/hello"],"WorkingDir":"/work"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
	"$diff_id" >"$tmp/config.json"
read -r config config_size < <(blob "$tmp/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
	"$config" "$config_size" "$layer" "$layer_size" >"$tmp/manifest.json"
read -r manifest manifest_size < <(blob "$tmp/manifest.json")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"docker.io/nanvix/hello:oci-test","org.opencontainers.image.ref.name":"oci-test"}}]}' \
	"$manifest" "$manifest_size" >"$img/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' >"$img/oci-layout"
tar -C "$img" -cf "$tmp/image.tar" oci-layout index.json blobs
if ctr_ images import "$tmp/image.tar" >"$tmp/import.out" 2>&1 &&
	ctr_ images ls -q | grep -qx docker.io/nanvix/hello:oci-test; then
	ok "ctr images import: a hand-made OCI image"
	crun docker.io/nanvix/hello:oci-test k-image
	[ "$st" = 0 ] && cmp -s "$tmp/hello.native" "$tmp/ctr.out" && ok "ctr run IMAGE: its Cmd in a micro-VM" ||
		bad "ctr run IMAGE" "status $st: $(cat "$tmp/ctr.out" "$tmp/ctr.err" | head -c 300)"
else
	bad "ctr images import" "$(head -c 300 "$tmp/import.out")"
fi

finish
