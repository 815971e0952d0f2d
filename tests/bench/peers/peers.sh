#!/usr/bin/env bash
# peers.sh: the peers of the start-up and density benchmarks: one static echo_http as a native process, in gVisor (runsc) and in a QEMU micro-VM.
#
# usage: tests/bench/peers/peers.sh COMMAND ...
#
#   setup [PEER...]             install and prepare the peers (idempotent;
#                               start and density call it)
#   versions [PEER...]          one line a peer: versions and how it runs,
#                               or why it is skipped
#   start PEER N OUTFILE        N samples of the time from spawning the
#                               peer's start command to the first complete
#                               HTTP answer (microseconds, one a line)
#   density PEER N|LO..HI OUTFILE
#                               N idle instances at once: memory per
#                               instance, creation rate; LO..HI doubles N
#                               from LO up to HI and stops at the first
#                               failure.  OUTFILE gets rows "label N
#                               MemAvailable-MiB private-dirty-MiB" (per
#                               instance; plot.sh mem) and the full
#                               results as comments
#
#   PEER: native, runsc or qemu.
#   Exit status: 0 done, 3 peer skipped (the last line says why),
#   1 failure, 2 bad usage.
#
# Environment:
#   NANVIX_CACHE      cache root (default ~/.cache/nanvix); downloads, the
#                     guest kernel, initramfs and logs go to its peers/
#   PEERS_PORT        first TCP port used (default 18400; density uses
#                     PEERS_PORT+600 and up)
#   PEERS_QEMU_MEM    guest memory (default 96M; 80M does not boot)
#   PEERS_FLOOR_MIB   density stops before MemAvailable would fall below
#                     this (default 8192: the host is shared)
#   PEERS_REPROBE=1   probe runsc platforms and QEMU accelerators again
#   PEERS_KVM_PROBE_S how long QEMU with -accel kvm may take to answer
#                     before TCG is used instead (default 20)
#
# Method and results: tests/bench/peers/README.md.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
cd "$ROOT"

CACHE=${NANVIX_CACHE:-$HOME/.cache/nanvix}/peers
PORT=${PEERS_PORT:-18400}
DPORT=$((PORT + 600))
QEMU_MEM=${PEERS_QEMU_MEM:-96M}
FLOOR_MIB=${PEERS_FLOOR_MIB:-8192}
KVM_PROBE_S=${PEERS_KVM_PROBE_S:-20}
GUEST_PORT=8080 # guest_init.c runs echo_http on this port

BINDIR=$ROOT/bin/bench/peers
ECHO=$BINDIR/echo_http.elf
GINIT=$BINDIR/guest_init.elf
FIRST=$BINDIR/httpfirst
STARTLAT=$BINDIR/startlat
DENSITY=$BINDIR/density

SKIP=3

say() { printf '%s\n' "$*"; }
note() { printf 'peers: %s\n' "$*" >&2; }
die() {
	printf 'peers.sh: error: %s\n' "$*" >&2
	exit 1
}

# skip PEER REASON: the one line a peer that cannot run here prints.
skip() {
	say "peer=$1 skipped=\"$2\""
	say "$1: skipped: $2"
	exit $SKIP
}

usage() {
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
	exit 2
}

# Temporary files of this run (and runsc containers), removed on exit.
TMP=$(mktemp -d)
cleanup() {
	local id
	if [ -d "$TMP/runsc-state" ]; then
		for id in $(runsc --root="$TMP/runsc-state" list -quiet 2>/dev/null); do
			runsc --root="$TMP/runsc-state" delete --force "$id" >/dev/null 2>&1 || true
		done
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

build_tools() {
	local f missing=()
	for f in "$ECHO" "$GINIT" "$FIRST" "$STARTLAT" "$DENSITY"; do
		[ -x "$f" ] || missing+=("${f#"$ROOT"/}")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		note "building ${missing[*]}"
		make --no-print-directory -s "${missing[@]}" || die "could not build ${missing[*]}"
	fi
}

# apt_install PKG...: install the Debian packages not yet installed (quietly;
# the log goes to the cache).  Returns 1 if apt cannot.
apt_install() {
	local p want=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || want+=("$p")
	done
	if [ ${#want[@]} -eq 0 ]; then return 0; fi
	note "installing ${want[*]} (apt-get; log: $CACHE/apt.log)"
	mkdir -p "$CACHE"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${want[@]}" >>"$CACHE/apt.log" 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$CACHE/apt.log" 2>&1 || true
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${want[@]}" >>"$CACHE/apt.log" 2>&1 ||
			return 1
	fi
}

# last_line FILE: its last non-empty line, quotes made single, for a reason.
last_line() {
	[ -s "$1" ] || return 0
	grep -v '^[[:space:]]*$' "$1" | tail -n 1 | tr '"\r' "' " | cut -c1-200
}

# port_busy PORT: is something listening on 127.0.0.1:PORT?
port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# free_port START: the first port from START on that nobody listens on.
free_port() {
	local p=$1
	while port_busy "$p"; do
		p=$((p + 1))
	done
	say "$p"
}

# ---------------------------------------------------------------- native

native_setup() { build_tools; }

native_version() {
	say "native: Linux $(uname -r), echo_http.elf (static, musl) run as a plain process"
}

# native_cmd PORT: the command that starts one instance.
native_cmd() { CMD=("$ECHO" "$1"); }

# ----------------------------------------------------------------- runsc

RUNSC_DIR=$CACHE/runsc
RUNSC_STATE=$RUNSC_DIR/state
RUNSC_PLATFORM=
RUNSC_TRIED=

# runsc_bundle DIR PORT: an OCI bundle whose process is /echo_http PORT, the
# root file system the shared, read-only $RUNSC_DIR/rootfs (echo_http alone).
# No network namespace: with --network=host the sandbox uses the host's
# network stack, so the port is reachable at 127.0.0.1 like the others'.
runsc_bundle() {
	mkdir -p "$1"
	cat >"$1/config.json" <<EOF
{
  "ociVersion": "1.0.0",
  "process": {
    "terminal": false,
    "user": {"uid": 0, "gid": 0},
    "args": ["/echo_http", "$2"],
    "env": ["PATH=/"],
    "cwd": "/",
    "noNewPrivileges": true
  },
  "root": {"path": "$RUNSC_DIR/rootfs", "readonly": true},
  "hostname": "peer",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]}
  ],
  "linux": {
    "namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}]
  }
}
EOF
}

# runsc_try PLATFORM: can runsc start echo_http on PLATFORM here?  Sets
# REASON when it cannot.
runsc_try() {
	local p=$1 port id log
	port=$(free_port $((PORT + 500)))
	id=probe-$$-$p
	log=$RUNSC_DIR/probe-$p.log
	: >"$log"
	runsc_bundle "$TMP/probe-$p" "$port"
	if "$STARTLAT" -n 1 -w 0 -t 15000 -l "$log" -L "probe-$p" \
		-a "runsc --root='$RUNSC_STATE' delete --force '$id' >/dev/null 2>&1" 127.0.0.1 "$port" \
		-- runsc --root="$RUNSC_STATE" --platform="$p" --network=host run --bundle "$TMP/probe-$p" "$id" \
		>/dev/null 2>"$TMP/probe.err"; then
		REASON=
		return 0
	fi
	REASON=$(grep -v '^startlat: warning' "$log" | grep -m1 -v '^[WID][0-9]' | tr '"' "'" | cut -c1-200 || true)
	[ -n "$REASON" ] || REASON=$(sed 's/^startlat: probe-[a-z]*: //; s/ (log: .*//' "$TMP/probe.err" | tr '"' "'")
	return 1
}

runsc_setup() {
	local cache p ver
	build_tools
	if ! command -v runsc >/dev/null; then
		apt_install runsc || skip runsc "apt-get install runsc failed (see $CACHE/apt.log)"
	fi
	mkdir -p "$RUNSC_DIR/rootfs" "$RUNSC_STATE"
	cmp -s "$ECHO" "$RUNSC_DIR/rootfs/echo_http" || cp "$ECHO" "$RUNSC_DIR/rootfs/echo_http"
	ver=$(runsc --version 2>/dev/null | head -n 1)
	cache=$RUNSC_DIR/platform
	if [ "${PEERS_REPROBE:-0}" = 1 ] || [ ! -s "$cache" ] || [ "$(sed -n 1p "$cache")" != "$ver" ]; then
		note "runsc: probing platforms (systrap, ptrace, kvm)"
		RUNSC_PLATFORM=
		RUNSC_TRIED=
		for p in systrap ptrace kvm; do
			if runsc_try "$p"; then
				RUNSC_PLATFORM=$p
				RUNSC_TRIED+="$p: works"
				break
			fi
			RUNSC_TRIED+="$p: $REASON; "
		done
		printf '%s\n%s\n%s\n' "$ver" "$RUNSC_PLATFORM" "${RUNSC_TRIED%; }" >"$cache"
	fi
	RUNSC_PLATFORM=$(sed -n 2p "$cache")
	RUNSC_TRIED=$(sed -n 3p "$cache")
	[ -n "$RUNSC_PLATFORM" ] || skip runsc "no platform works: $RUNSC_TRIED"
	RUNSC_STATE=$TMP/runsc-state # this run's containers only (cleanup deletes any left)
	mkdir -p "$RUNSC_STATE"
}

# runsc_none_left: true when runsc lists no container in $RUNSC_STATE (the
# processes are density's to check); else LEFT names them.
runsc_none_left() {
	LEFT=$(runsc --root="$RUNSC_STATE" list -quiet 2>&1 | tr '\n' ' ' | sed 's/ *$//')
	[ -z "$LEFT" ]
}

runsc_version() {
	say "runsc: $(runsc --version 2>/dev/null | head -n 1), --platform=$RUNSC_PLATFORM" \
		"--network=host, OCI bundle (rootfs: echo_http.elf alone) run with 'runsc run'" \
		"(platforms tried: $RUNSC_TRIED)"
}

# runsc_cmd PORT ID: the command that starts one instance (and writes its bundle).
runsc_cmd() {
	runsc_bundle "$TMP/bundle-$2" "$1"
	CMD=(runsc --root="$RUNSC_STATE" --platform="$RUNSC_PLATFORM" --network=host run
		--bundle "$TMP/bundle-$2" "$2")
	AFTER="runsc --root='$RUNSC_STATE' delete --force '$2' >/dev/null 2>&1 || true"
}

# ------------------------------------------------------------------ qemu

QEMU_DIR=$CACHE/qemu
KERNEL_DIR=$CACHE/kernel
QEMU_ACCEL=
QEMU_KVM_REASON=
KERNEL=
INITRD=
KVER=

# unpack_vmlinux BZIMAGE OUT: the uncompressed ELF kernel inside a bzImage,
# which QEMU boots through its PVH entry point: decompressing the bzImage in
# the guest takes about 3 s under TCG.
unpack_vmlinux() {
	local magic tool off
	for magic in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08'; do
		tool=${magic%%:*}
		# shellcheck disable=SC2013 # offsets, one a word
		for off in $(LC_ALL=C grep -obUaP "${magic#*:}" "$1" 2>/dev/null | cut -d: -f1); do
			tail -c +$((off + 1)) "$1" | "$tool" -dc 2>/dev/null >"$2.tmp" || true
			if [ "$(head -c 4 "$2.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
				mv "$2.tmp" "$2"
				return 0
			fi
		done
	done
	rm -f "$2.tmp"
	return 1
}

# modinfo_depends KO: the modules KO needs (from its .modinfo strings).
modinfo_depends() {
	tr '\0' '\n' <"$1" | sed -n 's/^depends=//p' | tr ',' ' '
}

# add_module NAME: copy NAME.ko and its dependencies (first) into the
# initramfs tree $TREE/modules and list them in $TREE/modules.list.
add_module() {
	local name=$1 ko dep
	if grep -qx "$name.ko" "$TREE/modules.list"; then return 0; fi
	ko=$(find "$KX/lib/modules" -name "$name.ko*" | head -n 1)
	[ -n "$ko" ] || {
		ko=$(find "$KX/lib/modules" -name "$(tr _ - <<<"$name").ko*" | head -n 1)
		[ -n "$ko" ] || return 1
	}
	case "$ko" in
	*.ko.xz) xz -dc "$ko" >"$TREE/modules/$name.ko" ;;
	*.ko.zst) zstd -qdc "$ko" >"$TREE/modules/$name.ko" ;;
	*) cp "$ko" "$TREE/modules/$name.ko" ;;
	esac
	for dep in $(modinfo_depends "$TREE/modules/$name.ko"); do
		add_module "$dep" || return 1
	done
	echo "$name.ko" >>"$TREE/modules.list"
}

# kernel_fetch: the Debian kernel (apt package linux-image-amd64's image),
# unpacked into the cache without installing it: vmlinux, the virtio-mmio
# and virtio-net modules the initramfs needs, config.  Sets KERNEL, KVER.
kernel_fetch() {
	local pkg deb have
	have=$(printf '%s\n' "$KERNEL_DIR"/*/vmlinux | grep -v '/\*/' | sort -V | tail -n 1 || true)
	if [ -z "$have" ]; then
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
			awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
		if [ -z "$pkg" ]; then
			apt-get update -q >>"$CACHE/apt.log" 2>&1 || true
			pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
				awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
		fi
		[ -n "$pkg" ] || skip qemu "apt-cache knows no linux-image-amd64 kernel"
		note "qemu: downloading $pkg (apt-get download, about 70 MB) into $KERNEL_DIR"
		mkdir -p "$KERNEL_DIR/$pkg"
		(cd "$KERNEL_DIR/$pkg" && apt-get download "$pkg" >>"$CACHE/apt.log" 2>&1) ||
			skip qemu "apt-get download $pkg failed (see $CACHE/apt.log)"
		deb=$(printf '%s\n' "$KERNEL_DIR/$pkg"/*.deb | head -n 1)
		note "qemu: unpacking $pkg"
		KX=$KERNEL_DIR/$pkg/x
		rm -rf "$KX"
		dpkg-deb -x "$deb" "$KX"
		cp "$KX"/boot/config-* "$KERNEL_DIR/$pkg/config"
		dpkg-deb -f "$deb" Version >"$KERNEL_DIR/$pkg/version"
		unpack_vmlinux "$(printf '%s\n' "$KX"/boot/vmlinuz-* | head -n 1)" "$KERNEL_DIR/$pkg/vmlinux.new" ||
			skip qemu "no ELF kernel found inside $pkg's vmlinuz"
		TREE=$KERNEL_DIR/$pkg/modtree
		rm -rf "$TREE"
		mkdir -p "$TREE/modules"
		: >"$TREE/modules.list"
		if ! grep -q '^CONFIG_VIRTIO_MMIO=y' "$KERNEL_DIR/$pkg/config"; then
			add_module virtio_mmio || skip qemu "$pkg has no virtio_mmio driver"
		fi
		if ! grep -q '^CONFIG_VIRTIO_NET=y' "$KERNEL_DIR/$pkg/config"; then
			add_module virtio_net || skip qemu "$pkg has no virtio_net driver"
		fi
		rm -rf "$KX" "$deb" # about 400 MB of modules we do not need
		mv "$KERNEL_DIR/$pkg/vmlinux.new" "$KERNEL_DIR/$pkg/vmlinux"
		have=$KERNEL_DIR/$pkg/vmlinux
	fi
	KERNEL=$have
	KVER="$(basename "$(dirname "$have")") (Debian $(cat "$(dirname "$have")/version"))"
}

# initrd_build: /init (guest_init.elf), /echo_http, the modules; rebuilt
# when a part is newer.  Sets INITRD.
initrd_build() {
	local kd tree f stale=0
	kd=$(dirname "$KERNEL")
	INITRD=$QEMU_DIR/initrd-$(basename "$kd").cpio
	for f in "$ECHO" "$GINIT" "$kd/modtree/modules.list"; do
		if [ "$f" -nt "$INITRD" ]; then stale=1; fi
	done
	if [ -s "$INITRD" ] && [ $stale = 0 ]; then return 0; fi
	apt_install cpio || skip qemu "apt-get install cpio failed"
	note "qemu: building the initramfs $INITRD"
	tree=$TMP/initrd
	rm -rf "$tree"
	mkdir -p "$tree/dev" "$tree/modules"
	cp "$GINIT" "$tree/init"
	cp "$ECHO" "$tree/echo_http"
	cp "$kd/modtree/modules.list" "$tree/modules.list"
	cp "$kd"/modtree/modules/*.ko "$tree/modules/" 2>/dev/null || true
	mknod "$tree/dev/console" c 5 1 2>/dev/null || true # guest_init mounts devtmpfs otherwise
	mkdir -p "$QEMU_DIR"
	(cd "$tree" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$INITRD.tmp"
	mv "$INITRD.tmp" "$INITRD"
}

# The guest's command line.  tsc_early_khz and lpj give the guest the
# host's TSC rate (TCG's TSC runs at it) instead of calibrating it against
# the emulated PIT, which fails now and then on a busy host and then hangs
# the boot.  quiet: every console byte is an emulated UART write.
qemu_append() {
	local khz hz
	khz=$(awk -F': *' '/^cpu MHz/ {printf "%d", $2 * 1000; exit}' /proc/cpuinfo)
	hz=$(sed -n 's/^CONFIG_HZ=//p' "$(dirname "$KERNEL")/config")
	APPEND="console=ttyS0 quiet panic=-1 reboot=t"
	if [ -n "$khz" ] && [ -n "$hz" ]; then
		APPEND+=" tsc_early_khz=$khz lpj=$((khz * 1000 / hz)) tsc=reliable no_timer_check"
	fi
}

# qemu_cmd PORT [ACCEL]: the command that starts one micro-VM whose port 8080
# is forwarded to 127.0.0.1:PORT.
qemu_cmd() {
	local accel=${2:-$QEMU_ACCEL}
	qemu_append
	if [ "$accel" = tcg ]; then accel="tcg,tb-size=64"; fi # MiB of translated code, not 1 GiB
	# shellcheck disable=SC2054 # QEMU's own comma-separated options
	CMD=(qemu-system-x86_64 -M microvm -accel "$accel" -m "$QEMU_MEM" -smp 1
		-nodefaults -no-user-config -display none -serial stdio -no-reboot
		-kernel "$KERNEL" -initrd "$INITRD" -append "$APPEND"
		-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$1-:$GUEST_PORT"
		-device virtio-net-device,netdev=n0)
}

# qemu_try ACCEL SECONDS: does a micro-VM answer within SECONDS?  Sets REASON.
qemu_try() {
	local port log
	port=$(free_port $((PORT + 500)))
	log=$QEMU_DIR/probe-$1.log
	: >"$log"
	qemu_cmd "$port" "$1"
	if "$STARTLAT" -n 1 -w 0 -b 5000 -t $(($2 * 1000)) -l "$log" -L "probe-$1" 127.0.0.1 "$port" \
		-- "${CMD[@]}" >/dev/null 2>"$TMP/probe.err"; then
		REASON=
		return 0
	fi
	REASON=$(grep -m1 -i 'error\|fail\|panic' "$log" | tr '"' "'" | cut -c1-160 || true)
	[ -n "$REASON" ] || REASON="no HTTP answer within $2 s"
	return 1
}

qemu_setup() {
	local cache ver
	build_tools
	if ! command -v qemu-system-x86_64 >/dev/null; then
		apt_install qemu-system-x86 || skip qemu "apt-get install qemu-system-x86 failed"
	fi
	mkdir -p "$QEMU_DIR" "$KERNEL_DIR"
	kernel_fetch
	initrd_build
	ver=$(qemu-system-x86_64 --version | head -n 1)
	cache=$QEMU_DIR/accel
	if [ "${PEERS_REPROBE:-0}" = 1 ] || [ ! -s "$cache" ] || [ "$(sed -n 1p "$cache")" != "$ver $KERNEL" ]; then
		QEMU_KVM_REASON=
		if [ ! -w /dev/kvm ]; then
			QEMU_KVM_REASON="/dev/kvm is not usable"
		else
			note "qemu: trying -accel kvm (up to $KVM_PROBE_S s)"
			qemu_try kvm "$KVM_PROBE_S" || QEMU_KVM_REASON=$REASON
		fi
		if [ -z "$QEMU_KVM_REASON" ]; then
			QEMU_ACCEL=kvm
		else
			note "qemu: -accel kvm: $QEMU_KVM_REASON; trying -accel tcg"
			if qemu_try tcg 60; then
				QEMU_ACCEL=tcg
			else
				QEMU_ACCEL=
				QEMU_KVM_REASON+="; tcg: $REASON"
			fi
		fi
		printf '%s\n%s\n%s\n' "$ver $KERNEL" "$QEMU_ACCEL" "$QEMU_KVM_REASON" >"$cache"
	fi
	QEMU_ACCEL=$(sed -n 2p "$cache")
	QEMU_KVM_REASON=$(sed -n 3p "$cache")
	[ -n "$QEMU_ACCEL" ] || skip qemu "no accelerator boots the guest: kvm: $QEMU_KVM_REASON"
}

qemu_version() {
	local why=
	if [ "$QEMU_ACCEL" = tcg ]; then why=" (kvm not used: $QEMU_KVM_REASON)"; fi
	say "qemu: $(qemu-system-x86_64 --version | head -n 1), -M microvm -accel $QEMU_ACCEL$why," \
		"-m $QEMU_MEM, 1 vCPU, guest kernel $KVER booted as an uncompressed ELF (PVH)," \
		"initramfs /init = guest_init.elf then echo_http.elf, virtio-net-device over" \
		"virtio-mmio, -netdev user with hostfwd"
}

# ---------------------------------------------------------------- commands

check_peer() {
	case "$1" in
	native | runsc | qemu) ;;
	*) die "unknown peer '$1' (native, runsc or qemu)" ;;
	esac
}

cmd_setup() {
	local p
	[ $# -gt 0 ] || set -- native runsc qemu
	apt_install gnuplot-nox || note "could not install gnuplot-nox: plot.sh will not work"
	for p in "$@"; do
		check_peer "$p"
		("${p}_setup" && "${p}_version") || true
	done
}

cmd_versions() {
	local p
	[ $# -gt 0 ] || set -- native runsc qemu
	for p in "$@"; do
		check_peer "$p"
		("${p}_setup" && "${p}_version") || true
	done
}

cmd_start() {
	local peer=$1 n=$2 out=$3 port timeout backoff logdir line
	check_peer "$peer"
	[[ "$n" =~ ^[1-9][0-9]*$ ]] || die "N must be a positive number"
	"${peer}_setup"
	"${peer}_version"
	port=$(free_port "$PORT")
	AFTER=
	case "$peer" in
	native)
		native_cmd "$port"
		timeout=10000 backoff=1000
		;;
	runsc)
		runsc_cmd "$port" "peer-$$"
		timeout=30000 backoff=1000
		;;
	qemu)
		# QEMU's user network accepts a connection before the guest can:
		# attempts overlap (httpclient.h) and come every 5 ms at most, which
		# loads slirp less than every 1 ms and still resolves 0.3 % of a boot.
		qemu_cmd "$port"
		timeout=60000 backoff=5000
		if [ "$QEMU_ACCEL" = kvm ]; then timeout=300000; fi
		;;
	esac
	logdir=$CACHE/logs
	mkdir -p "$logdir"
	: >"$logdir/start-$peer.log"
	note "start $peer: $n runs (+1 warm-up); log: $logdir/start-$peer.log"
	line=$("$STARTLAT" -n "$n" -w 1 -t "$timeout" -b "$backoff" -o "$out" -l "$logdir/start-$peer.log" \
		${AFTER:+-a "$AFTER"} -L "$peer" 127.0.0.1 "$port" -- "${CMD[@]}") ||
		die "start $peer failed (log: $logdir/start-$peer.log)"
	say "start peer=$peer ${line#label="$peer" }"
	awk -v p="$peer" '{for (i = 1; i <= NF; i++) {split($i, kv, "="); v[kv[1]] = kv[2]}}
		END {printf "%s: start to first HTTP answer: p50 %.2f ms, p99 %.2f ms (min %.2f, max %.2f) over %d runs\n",
			p, v["p50_us"] / 1000, v["p99_us"] / 1000, v["min_us"] / 1000, v["max_us"] / 1000, v["runs"]}' <<<"$line"
}

# density_steps SPEC: N, or LO..HI as LO, 2 LO, 4 LO, ..., HI.
density_steps() {
	local lo hi n
	if [[ "$1" =~ ^([1-9][0-9]*)\.\.([1-9][0-9]*)$ ]]; then
		lo=${BASH_REMATCH[1]} hi=${BASH_REMATCH[2]}
		[ "$lo" -le "$hi" ] || die "density: LO must not exceed HI"
		for ((n = lo; n < hi; n *= 2)); do
			printf '%s ' "$n"
		done
		say "$hi"
	elif [[ "$1" =~ ^[1-9][0-9]*$ ]]; then
		say "$1"
	else
		die "density: N must be a number or LO..HI"
	fi
}

meminfo_kb() { awk -v k="$1:" '$1 == k {print $2}' /proc/meminfo; }

cmd_density() {
	local peer=$1 spec=$2 out=$3 n steps max=0 stopped="" per="" avail need timeout
	local logdir line human rc
	check_peer "$peer"
	steps=$(density_steps "$spec")
	"${peer}_setup"
	"${peer}_version"
	: >"$out"
	logdir=$CACHE/logs/density-$peer
	for n in $steps; do
		avail=$(($(meminfo_kb MemAvailable) / 1024))
		if [ -n "$per" ]; then
			need=$(awk -v p="$per" -v n="$n" 'BEGIN {printf "%d", p * n * 1.25 + 0.5}')
			if [ $((avail - need)) -lt "$FLOOR_MIB" ]; then
				stopped="memory guard: $n instances would take about $need MiB of the $avail MiB available (floor $FLOOR_MIB MiB)"
				break
			fi
		fi
		rm -rf "$logdir"
		mkdir -p "$logdir"
		AFTER=
		case "$peer" in
		native)
			native_cmd @PORT@
			timeout=$((10000 + 100 * n)) backoff=1000
			;;
		runsc)
			# runsc finds containers by ID prefix: no ID may begin another ("c-1" and
			# "c-11"), hence the closing "-c".
			CMD=(runsc --root="$RUNSC_STATE" --platform="$RUNSC_PLATFORM" --network=host run
				--bundle "$TMP/bundle-d@I@" "peer-$$-$n-@I@-c")
			local i
			for ((i = 0; i < n; i++)); do
				runsc_bundle "$TMP/bundle-d$i" $((DPORT + i))
			done
			# shellcheck disable=SC2089 # a shell command line, run by density
			AFTER="runsc --root='$RUNSC_STATE' delete --force 'peer-$$-$n-@I@-c' >'$logdir/delete-@I@.log' 2>&1"
			timeout=$((30000 + 2000 * n)) backoff=1000
			;;
		qemu)
			qemu_cmd @PORT@
			timeout=$((60000 + 5000 * n)) backoff=5000
			;;
		esac
		note "density $peer: $n instances (logs: $logdir)"
		rc=0
		# shellcheck disable=SC2090
		"$DENSITY" -n "$n" -p "$DPORT" -t "$timeout" -b "$backoff" -m "$FLOOR_MIB" -d "$logdir" \
			${AFTER:+-a "$AFTER"} -L "$peer" -- "${CMD[@]}" >"$TMP/density.out" || rc=$?
		line=$(sed -n 1p "$TMP/density.out")
		human=$(sed -n 2p "$TMP/density.out")
		[ -n "$line" ] || die "density $peer $n: no result (exit $rc)"
		if [ "$peer" = runsc ] && ! runsc_none_left; then
			rc=1
			line+=" failed=\"runsc containers left after teardown: $LEFT\""
		fi
		say "$line"
		say "$human"
		echo "# $line" >>"$out"
		if [ $rc -ne 0 ]; then
			stopped=$(sed -n 's/.*failed="\([^"]*\)".*/\1/p' <<<"$line")
			[ -n "$stopped" ] || stopped="processes left alive after teardown"
			break
		fi
		per=$(sed -n 's/.* memavail_mib_per=\([-0-9.]*\).*/\1/p' <<<"$line")
		printf '%s %s %s %s\n' "$peer" "$n" "$per" \
			"$(sed -n 's/.* private_dirty_mib_per=\([-0-9.]*\).*/\1/p' <<<"$line")" >>"$out"
		max=$n
	done
	[ -n "$stopped" ] || stopped="reached the requested $n"
	say "density peer=$peer max=$max stopped=\"$stopped\""
	say "$peer: most instances held at once: $max ($stopped)"
	[ "$max" -gt 0 ]
}

[ $# -ge 1 ] || usage
command=$1
shift
case "$command" in
setup) cmd_setup "$@" ;;
versions) cmd_versions "$@" ;;
start)
	[ $# -eq 3 ] || usage
	cmd_start "$@"
	;;
density)
	[ $# -eq 3 ] || usage
	cmd_density "$@"
	;;
-h | --help | help) usage ;;
*) usage ;;
esac
