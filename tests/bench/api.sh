#!/usr/bin/env bash
# ./z bench api [--quick]: what the control daemon (nanvix-api) costs, in one
# run, against baselines measured in the same run:
#   (a) create + start + wait of bin/hello.elf through the API (three
#       requests, a new connection each as bin/nanvix and the SDK make),
#       against `bin/nanvixd -- bin/hello.elf` run directly and the native
#       bin/hello.elf; also `bin/nanvix run --rm bin/hello.elf`, the CLI's
#       way (create started, follow the log, wait, delete);
#   (b) GET /v1/vms and GET /v1/vms/{id} while the daemon holds 1,000
#       created VMs (created VMs cost no process), against GET /v1/vms
#       with none;
#   (d) a snapshot of a running VM through the API, against nanvixd's
#       --control-fd asked directly, and a VM restored from it;
#   (c) `ctr run` of a hello container, one OCI bundle (bin/hello.elf as
#       /hello) under a private containerd, with bin/nanvix-runc, Debian's
#       runc and gVisor's runsc as the runtime binary.
# Prints p50 and p99 per row and ratios to the baselines; raw samples (µs,
# one a line) go to $OUT.  Timings are for information: this never fails on
# one.  Environment: N_RUN (runs of (a), 50; --quick 10), N_LIST (requests
# of each kind in (b), 200; --quick 50), N_HOLD (VMs held in (b), 1000),
# N_CTR (runs a runtime in (c), 30; --quick 5), OUT (build/out/bench/api).
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/bench/common.sh
. tests/bench/common.sh

quick=0
for a in "$@"; do
	case $a in
	--quick) quick=1 ;;
	*) die "usage: $0 [--quick]" ;;
	esac
done
N_RUN=${N_RUN:-$([ $quick = 1 ] && echo 10 || echo 50)}
N_LIST=${N_LIST:-$([ $quick = 1 ] && echo 50 || echo 200)}
N_HOLD=${N_HOLD:-1000}
N_CTR=${N_CTR:-$([ $quick = 1 ] && echo 5 || echo 30)}
OUT=${OUT:-build/out/bench/api}

need_built bin/nanvix-api bin/nanvix bin/nanvixd bin/kernel.elf bin/hello.elf
need_kvm
command -v python3 >/dev/null || die "python3 is needed (./z setup installs it)"
mkdir -p "$OUT"
rm -f "$OUT"/*.txt
TMP=$(mktemp -d /tmp/nanvix-bench-api.XXXXXX)
# Private copies of the daemon, its client, nanvixd and what nanvixd loads
# from beside it, so that one run measures one build even while the tree
# is being rebuilt.
mkdir "$TMP/bin"
for f in nanvix-api nanvix nanvixd nanvix-runc kernel.elf launch.elf fsd.elf netd.elf nanvix-uplink \
	hello.elf tests/snapshot/ticker.musl.elf; do
	[ ! -e "bin/$f" ] || cp "bin/$f" "$TMP/bin/"
done
BIN=$TMP/bin
API_PID=
CTRD_PID=

# shellcheck disable=SC2317 # called by the trap
cleanup() {
	# Only the processes this script started, by their ids.
	[ -n "$API_PID" ] && kill "$API_PID" 2>/dev/null && wait "$API_PID" 2>/dev/null
	if [ -n "$CTRD_PID" ]; then
		kill "$CTRD_PID" 2>/dev/null && wait "$CTRD_PID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The driver: precise per-request timing over the daemon's Unix socket.
cat >"$TMP/driver.py" <<'EOF'
import http.client, json, os, random, socket, subprocess, sys, time

class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=120)
        self.path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.path)
        self.sock = s

SOCK = os.environ["API_SOCK"]

def call(method, path, body=None):
    """One request on a new connection: (status, parsed body, bytes)."""
    c = UnixConnection(SOCK)
    data = json.dumps(body).encode() if body is not None else None
    hdrs = {"Content-Type": "application/json"} if data is not None else {}
    c.request(method, path, body=data, headers=hdrs)
    r = c.getresponse()
    raw = r.read()
    c.close()
    out = json.loads(raw) if raw and r.getheader("Content-Type", "").startswith("application/json") else raw
    return r.status, out, len(raw)

def expect(want, got, what):
    if got[0] != want:
        sys.exit(f"api bench: {what}: status {got[0]}, not {want}: {got[1]!r}")
    return got[1]

def rss_kib():
    """The daemon's resident memory, KiB."""
    with open(f"/proc/{os.environ['API_PID']}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))

def us(t0, t1):
    return int(round((t1 - t0) * 1e6))

def save(out, name, samples):
    with open(os.path.join(out, name + ".txt"), "w") as f:
        f.write("".join(f"{v}\n" for v in samples))

def lifecycle(program, nanvixd, n, out):
    """(a): API create+start+wait, nanvixd directly, native; interleaved."""
    rows = {k: [] for k in ("api-total", "api-create", "api-start", "api-wait", "api-delete",
                            "nanvixd-direct", "native", "nanvix-run")}
    nanvix = os.path.join(os.path.dirname(nanvixd), "nanvix")
    env = dict(os.environ, NANVIX_HOST="unix:" + SOCK)
    for i in range(n + 3):  # 3 warm-up rounds, not kept
        keep = i >= 3
        t0 = time.monotonic()
        vm = expect(201, call("POST", "/v1/vms", {"program": program, "memory": "16M"}), "create")
        t1 = time.monotonic()
        expect(200, call("POST", f"/v1/vms/{vm['id']}/start"), "start")
        t2 = time.monotonic()
        done = expect(200, call("GET", f"/v1/vms/{vm['id']}/wait?timeout=60"), "wait")
        t3 = time.monotonic()
        expect(204, call("DELETE", f"/v1/vms/{vm['id']}"), "delete")
        t4 = time.monotonic()
        if done["exit_status"] != 0:
            sys.exit(f"api bench: hello exited with {done['exit_status']} through the API")
        t5 = time.monotonic()
        subprocess.run([nanvixd, "--", program], stdout=subprocess.DEVNULL, check=True)
        t6 = time.monotonic()
        subprocess.run([program], stdout=subprocess.DEVNULL, check=True)
        t7 = time.monotonic()
        subprocess.run([nanvix, "run", "--rm", "-m", "16M", program], stdout=subprocess.DEVNULL,
                       env=env, check=True)
        t8 = time.monotonic()
        if keep:
            rows["api-total"].append(us(t0, t3))
            rows["api-create"].append(us(t0, t1))
            rows["api-start"].append(us(t1, t2))
            rows["api-wait"].append(us(t2, t3))
            rows["api-delete"].append(us(t3, t4))
            rows["nanvixd-direct"].append(us(t5, t6))
            rows["native"].append(us(t6, t7))
            rows["nanvix-run"].append(us(t7, t8))
    for k, v in rows.items():
        save(out, k, v)

def hold(program, nhold, n, out):
    """(b): listing and looking up with nhold created VMs held."""
    for _ in range(50):  # nanvix run --rm's VMs may still be going
        if not expect(200, call("GET", "/v1/vms"), "list")["vms"]:
            break
        time.sleep(0.1)
    else:
        sys.exit("api bench: VMs of (a) are still held")
    empty = []
    for _ in range(n):
        t0 = time.monotonic()
        expect(200, call("GET", "/v1/vms"), "list")
        empty.append(us(t0, time.monotonic()))
    save(out, "list-0", empty)
    rss = [rss_kib()]
    ids, creates = [], []
    for _ in range(nhold):
        t0 = time.monotonic()
        vm = expect(201, call("POST", "/v1/vms", {"program": program, "memory": "16M"}), "create")
        creates.append(us(t0, time.monotonic()))
        ids.append(vm["id"])
    save(out, "create-held", creates)
    rss.append(rss_kib())
    lst, one, filt, size = [], [], [], 0
    for _ in range(n):
        t0 = time.monotonic()
        st, body, size = call("GET", "/v1/vms")
        t1 = time.monotonic()
        if st != 200 or len(body["vms"]) != nhold:
            sys.exit(f"api bench: list: status {st}, {len(body.get('vms', []))} VMs, not {nhold}")
        lst.append(us(t0, t1))
        vid = random.choice(ids)
        t0 = time.monotonic()
        expect(200, call("GET", f"/v1/vms/{vid}"), "get")
        one.append(us(t0, time.monotonic()))
        t0 = time.monotonic()
        expect(200, call("GET", "/v1/vms?state=running"), "list running")
        filt.append(us(t0, time.monotonic()))
    save(out, "list-held", lst)
    save(out, "get-held", one)
    save(out, "list-running-held", filt)
    deletes = []
    for vid in ids:
        t0 = time.monotonic()
        expect(204, call("DELETE", f"/v1/vms/{vid}"), "delete")
        deletes.append(us(t0, time.monotonic()))
    save(out, "delete-held", deletes)
    rss.append(rss_kib())
    with open(os.path.join(out, "hold-info"), "w") as f:
        f.write(f"{size} {rss[0]} {rss[1]} {rss[2]}\n")

def snapshots(ticker, nanvixd, n, out):
    """(d): a snapshot of a running VM through the API, and over nanvixd's
    --control-fd directly; a VM restored from it through the API (until
    its nanvixd is started)."""
    rows = {k: [] for k in ("snap-api", "snap-direct", "restore-api")}
    vm = expect(201, call("POST", "/v1/vms", {"program": ticker, "args": ["100000", "50"],
                                              "memory": "16M", "net": "none", "tmp": False,
                                              "start": True}), "create ticker")
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    p = subprocess.Popen([nanvixd, "-m", "16M", "--net=none", "--no-tmp",
                          f"--control-fd={b.fileno()}", "--", ticker, "100000", "50"],
                         pass_fds=[b.fileno()], stdout=subprocess.DEVNULL)
    b.close()
    try:
        time.sleep(0.5)
        snapdir = os.path.join(os.path.dirname(SOCK), "direct-snaps")
        os.makedirs(snapdir, exist_ok=True)
        for i in range(n + 2):  # 2 warm-up rounds, not kept
            t0 = time.monotonic()
            expect(201, call("POST", f"/v1/vms/{vm['id']}/snapshot", {"name": f"s{i}"}), "snapshot")
            t1 = time.monotonic()
            a.sendall(f"snapshot {snapdir}/s{i}\n".encode())
            line = a.recv(4096).decode()
            t2 = time.monotonic()
            if not line.startswith("ok snapshot"):
                sys.exit(f"api bench: nanvixd --control-fd said {line!r}")
            r = expect(201, call("POST", "/v1/vms", {"snapshot": f"s{i}", "start": True}), "restore")
            t3 = time.monotonic()
            expect(202, call("POST", f"/v1/vms/{r['id']}/kill"), "kill restored")
            expect(200, call("GET", f"/v1/vms/{r['id']}/wait?timeout=30"), "wait restored")
            expect(204, call("DELETE", f"/v1/vms/{r['id']}"), "delete restored")
            expect(204, call("DELETE", f"/v1/snapshots/s{i}"), "delete snapshot")
            subprocess.run(["rm", "-rf", f"{snapdir}/s{i}"], check=True)
            if i >= 2:
                rows["snap-api"].append(us(t0, t1))
                rows["snap-direct"].append(us(t1, t2))
                rows["restore-api"].append(us(t2, t3))
    finally:
        p.kill()
        p.wait()
        call("POST", f"/v1/vms/{vm['id']}/kill")
    for k, v in rows.items():
        save(out, k, v)

if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "lifecycle":
        lifecycle(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    elif mode == "hold":
        hold(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    elif mode == "snapshots":
        snapshots(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
EOF

# stats FILE: "p50_ms p99_ms runs" (nearest rank), or nothing for no samples.
stats() {
	[ -s "$1" ] || return 0
	sort -n "$1" | awk '{a[NR]=$1} END {printf "%.2f %.2f %d", a[int((NR+1)/2)]/1000, a[int(NR*0.99+0.999)]/1000, NR}'
}

# ratio A B: A / B as "N.Nx", or "-".
ratio() { awk -v a="$1" -v b="${2:-0}" 'BEGIN {if (b <= 0) print "-"; else if (a / b < 0.95) printf "%.2fx", a / b; else printf "%.1fx", a / b}'; }

# table TITLE BASE1 [BASE2] -- LABEL:FILE...: a row per file, ratios of p50s.
table() {
	local title=$1 b1=$2 b2="" p1 p2 spec label file s
	shift 2
	[ "$1" != -- ] && { b2=$1; shift; }
	shift
	p1=$(stats "$OUT/$b1.txt" | awk '{print $1}')
	[ -n "$b2" ] && p2=$(stats "$OUT/$b2.txt" | awk '{print $1}')
	printf '%-34s %9s %9s %6s %10s' "$title" "p50 ms" "p99 ms" "runs" "/$b1"
	[ -n "$b2" ] && printf ' %10s' "/$b2"
	printf '\n'
	for spec in "$@"; do
		label=${spec%%:*}
		file=${spec#*:}
		s=$(stats "$OUT/$file.txt")
		if [ -z "$s" ]; then
			printf '%-34s %s\n' "$label" "no samples"
			continue
		fi
		# shellcheck disable=SC2086 # three words
		set -- $s
		printf '%-34s %9s %9s %6s %10s' "$label" "$1" "$2" "$3" "$(ratio "$1" "$p1")"
		[ -n "$b2" ] && printf ' %10s' "$(ratio "$1" "${p2:-0}")"
		printf '\n'
	done
}

say "api bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet 2>/dev/null || echo '+dirty'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
say "runs: (a) $N_RUN, (b) $N_LIST with $N_HOLD VMs held, (c) $N_CTR; samples in $OUT"

# ---- the daemon: a private socket and state directory ---------------------
API_SOCK=$TMP/api.sock
export API_SOCK
"$BIN/nanvix-api" --socket "$API_SOCK" --state "$TMP/state" --allow-path "$BIN" \
	--max-vms $((N_HOLD + 64)) >"$TMP/api.out" 2>"$OUT/daemon.log" &
API_PID=$!
export API_PID
for _ in $(seq 100); do
	grep -q '^nanvix-api: ready' "$TMP/api.out" 2>/dev/null && break
	kill -0 "$API_PID" 2>/dev/null || die "nanvix-api did not start: $(tail -n 3 "$OUT/daemon.log")"
	sleep 0.1
done
grep -q '^nanvix-api: ready' "$TMP/api.out" || die "nanvix-api did not say it was ready"

echo
echo "== (a) hello: create + start + wait through the API, nanvixd directly, native"
python3 "$TMP/driver.py" lifecycle "$BIN/hello.elf" "$BIN/nanvixd" "$N_RUN" "$OUT" ||
	die "the lifecycle driver failed (daemon log: $OUT/daemon.log)"
table "hello, start to exit" nanvixd-direct native -- \
	"native bin/hello.elf:native" \
	"bin/nanvixd -- bin/hello.elf:nanvixd-direct" \
	"API create+start+wait:api-total" \
	"  POST /v1/vms:api-create" \
	"  POST /v1/vms/{id}/start:api-start" \
	"  GET /v1/vms/{id}/wait:api-wait" \
	"(untimed above) DELETE /v1/vms/{id}:api-delete" \
	"bin/nanvix run --rm bin/hello.elf:nanvix-run"

echo
echo "== (b) GET /v1/vms with $N_HOLD created VMs held"
python3 "$TMP/driver.py" hold "$BIN/hello.elf" "$N_HOLD" "$N_LIST" "$OUT" ||
	die "the hold driver failed (daemon log: $OUT/daemon.log)"
table "requests" list-0 -- \
	"GET /v1/vms, 0 VMs:list-0" \
	"GET /v1/vms, $N_HOLD VMs:list-held" \
	"GET /v1/vms?state=running, $N_HOLD:list-running-held" \
	"GET /v1/vms/{id}, $N_HOLD VMs:get-held" \
	"POST /v1/vms (filling to $N_HOLD):create-held" \
	"DELETE /v1/vms/{id} (emptying):delete-held"
read -r bytes rss0 rss1 rss2 <"$OUT/hold-info"
say "GET /v1/vms with $N_HOLD VMs: $bytes bytes of JSON"
say "daemon resident: $rss0 KiB before, $rss1 KiB with $N_HOLD VMs held" \
	"($(((rss1 - rss0) / N_HOLD)) KiB a VM), $rss2 KiB once they were deleted"

# ---- (d): snapshots of a running VM -----------------------------------------
echo
echo "== (d) a snapshot of a running 16 MiB VM (ticker, idle between ticks), and a restore"
if [ -x "$BIN/ticker.musl.elf" ]; then
	python3 "$TMP/driver.py" snapshots "$BIN/ticker.musl.elf" "$BIN/nanvixd" "$N_RUN" "$OUT" ||
		die "the snapshot driver failed (daemon log: $OUT/daemon.log)"
	table "snapshot, request to answer" snap-direct -- \
		"nanvixd --control-fd, snapshot DIR:snap-direct" \
		"POST /v1/vms/{id}/snapshot:snap-api" \
		"POST /v1/vms {snapshot, start}:restore-api"
else
	say "skipped: bin/tests/snapshot/ticker.musl.elf not built"
fi

# ---- (c): ctr run under a private containerd -------------------------------
echo
echo "== (c) ctr run of a hello container: nanvix-runc, runc, runsc"
ctr_part() {
	local root=$TMP/ctrd sock i t0 t1 id out runsc_platform
	local -a names=() bins=()

	if ! command -v ctr >/dev/null || ! command -v containerd >/dev/null; then
		say "skipped: bin/nanvix-runc or containerd missing"
		return
	fi
	[ "$(id -u)" = 0 ] || { say "skipped: containerd here needs root"; return; }
	sock=$root/containerd.sock
	mkdir -p "$root/bundle/rootfs"
	cp "$BIN/hello.elf" "$root/bundle/rootfs/hello"
	cat >"$root/config.toml" <<-EOF
		version = 2
		root = "$root/root"
		state = "$root/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri"]
		[grpc]
		  address = "$sock"
		[ttrpc]
		  address = "$sock.ttrpc"
	EOF
	# One bundle for every runtime: /hello, read-only root, no network.
	cat >"$root/bundle/config.json" <<-EOF
		{
		  "ociVersion": "1.0.2",
		  "process": {
		    "terminal": false,
		    "user": {"uid": 0, "gid": 0},
		    "args": ["/hello"],
		    "env": ["PATH=/"],
		    "cwd": "/",
		    "noNewPrivileges": true
		  },
		  "root": {"path": "$root/bundle/rootfs", "readonly": true},
		  "hostname": "hello",
		  "mounts": [
		    {"destination": "/proc", "type": "proc", "source": "proc"},
		    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]}
		  ],
		  "linux": {
		    "namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}]
		  }
		}
	EOF
	containerd --config "$root/config.toml" >"$OUT/containerd.log" 2>&1 &
	CTRD_PID=$!
	for _ in $(seq 100); do
		[ -S "$sock" ] && ctr -a "$sock" version >/dev/null 2>&1 && break
		sleep 0.1
	done
	ctr -a "$sock" version >/dev/null 2>&1 || { say "failed: the private containerd did not start ($OUT/containerd.log)"; return; }
	say "$(containerd --version | cut -d' ' -f1-3); runc $(runc --version 2>/dev/null | sed -n 's/^runc version //p')"

	if [ -x "$BIN/nanvix-runc" ]; then
		names+=(nanvix-runc)
		bins+=("$BIN/nanvix-runc")
	else
		say "nanvix-runc: skipped: bin/nanvix-runc or containerd missing"
	fi
	names+=(runc)
	bins+=("$(command -v runc)")
	if command -v runsc >/dev/null; then
		# The platform peers.sh found working here (systrap is not in
		# Debian's runsc), passed through a wrapper: ctr gives the runc
		# shim one binary and no flags.
		runsc_platform=$(sed -n 2p "$HOME/.cache/nanvix/peers/runsc/platform" 2>/dev/null)
		printf '#!/bin/sh\nexec %s --platform=%s --network=none "$@"\n' "$(command -v runsc)" \
			"${runsc_platform:-ptrace}" >"$root/runsc"
		chmod +x "$root/runsc"
		names+=(runsc)
		bins+=("$root/runsc")
		say "runsc: $(runsc --version | head -n 1), --platform=${runsc_platform:-ptrace} --network=none"
	else
		say "runsc: skipped: not installed (apt-get install runsc)"
	fi

	# Each runtime once, checked: it must print the greeting.
	local -a ok=()
	for i in "${!names[@]}"; do
		out=$(ctr -a "$sock" run --rm --runc-binary "${bins[$i]}" --config "$root/bundle/config.json" \
			"check-${names[$i]}" 2>&1)
		if [ "$out" = "Hello, world!" ]; then
			ok+=("$i")
		else
			say "${names[$i]}: failed: $(printf '%s' "$out" | tail -n 2 | tr '\n' ' ' | cut -c1-300)"
			ctr -a "$sock" task kill -s KILL "check-${names[$i]}" >/dev/null 2>&1
			ctr -a "$sock" container rm "check-${names[$i]}" >/dev/null 2>&1
		fi
	done
	# Interleaved runs, two warm-up rounds not kept.
	for ((n = 0; n < N_CTR + 2; n++)); do
		for i in "${ok[@]}"; do
			id=${names[$i]}-$n
			t0=$EPOCHREALTIME
			ctr -a "$sock" run --rm --runc-binary "${bins[$i]}" --config "$root/bundle/config.json" \
				"$id" >/dev/null 2>>"$OUT/ctr-${names[$i]}.err"
			t1=$EPOCHREALTIME
			[ $n -ge 2 ] && echo $((${t1/./} - ${t0/./})) >>"$OUT/ctr-${names[$i]}.txt"
		done
	done
	local -a rows=()
	for i in "${ok[@]}"; do
		rows+=("ctr run, ${names[$i]}:ctr-${names[$i]}")
	done
	[ ${#rows[@]} -gt 0 ] && table "ctr run --rm, start to exit" ctr-runc -- "${rows[@]}"
}
ctr_part
exit 0
