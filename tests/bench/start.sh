#!/usr/bin/env bash
# ./z bench start [--quick]: time from a start request to the first full HTTP
# echo answer, side by side in one run: native Linux, gVisor (runsc), a QEMU
# micro-VM (tests/bench/peers/), nanvixd cold (a process booting the VM),
# nanvixd --restore (a process restoring a fresh VM), and, in one process as
# nanvix-serve holds VMs (snapbench), a fresh VM from the snapshot and a VM
# reset in place.  The same echo_http binary everywhere.  Prints p50/p99
# per row and the ratio to native; samples and a CDF plot go to $OUT.
set -u
cd "$(dirname "$0")/../.." || exit 1
quick=0
[ "${1:-}" = --quick ] && quick=1
N=${N:-$([ $quick = 1 ] && echo 20 || echo 100)}
NPEER=${NPEER:-$([ $quick = 1 ] && echo 5 || echo 30)}
OUT=${OUT:-build/out/bench/start}
mkdir -p "$OUT"
P=tests/bench/peers
B=bin/bench
ECHO=$B/peers/echo_http.elf
SNAP=$OUT/echo.snap
PORT=${PEERS_PORT:-18500}
results=()

row() { # LABEL SAMPLEFILE
	local s
	s=$(sort -n "$2" | awk '{a[NR]=$1} END {if (NR) printf "%.2f %.2f %d", a[int((NR+1)/2)]/1000, a[int(NR*0.99+0.999)]/1000, NR}')
	results+=("$1 $s")
}

echo "== native, runsc, qemu (peers.sh)"
for peer in native runsc qemu; do
	n=$N
	[ "$peer" != native ] && n=$NPEER
	"$P/peers.sh" start "$peer" "$n" "$OUT/$peer.txt"
	case $? in 0) row "$peer" "$OUT/$peer.txt" ;; 3) results+=("$peer skipped") ;; *) results+=("$peer failed") ;; esac
done

# nanvixd's rows poll at most every 10 ms (-b): its one-connection-at-a-time
# echo server answers a request in ~12 ms of emulated work, so attempts
# every 50 us-1 ms (the default cap, which the QEMU peer needs) pile up in
# its accept queue faster than it answers and none completes in time.  The
# cap adds at most 10 ms to a sample.
echo "== nanvixd cold (boot per request, --net=guest)"
$B/peers/startlat -n "$N" -b 10000 -o "$OUT/cold.txt" -L nanvixd-cold 127.0.0.1 "$PORT" -- \
	bin/nanvixd --net=guest -p "127.0.0.1:$PORT:8080" -- "$ECHO" && row nanvixd-cold "$OUT/cold.txt"

echo "== nanvixd --restore (a process restoring a fresh VM)"
rm -rf "$SNAP"
bin/nanvixd --net=guest -e NANVIX_SNAPSHOT=1 --snapshot-out "$SNAP" -- $B/echo_snap.elf 2>/dev/null ||
	{ echo "start: cannot take the echo snapshot"; exit 1; }
$B/peers/startlat -n "$N" -b 10000 -o "$OUT/restore-process.txt" -L nanvixd-restore 127.0.0.1 "$PORT" -- \
	bin/nanvixd --restore "$SNAP" -p "127.0.0.1:$PORT:8080" && row nanvixd-restore-process "$OUT/restore-process.txt"

echo "== in one process (snapbench, as nanvix-serve): fresh VM, reset in place"
$B/snapbench start "$SNAP" "$N" "$OUT/restore-fresh.txt" 2>/dev/null | grep -v '^ready' &&
	row nanvixd-snapshot-fresh "$OUT/restore-fresh.txt"
$B/snapbench reset "$SNAP" "$N" "$OUT/reset.txt" 2>/dev/null | grep -v '^ready' &&
	row nanvixd-reset-in-place "$OUT/reset.txt"

native=$(printf '%s\n' "${results[@]}" | awk '$1=="native" {print $2}')
echo
printf '%-26s %10s %10s %6s %12s\n' "start -> first answer" "p50 ms" "p99 ms" "runs" "p50/native"
for r in "${results[@]}"; do
	set -- $r
	if [ $# -lt 4 ]; then printf '%-26s %s\n' "$1" "$2"; continue; fi
	printf '%-26s %10s %10s %6s %12s\n' "$1" "$2" "$3" "$4" \
		"$(awk -v a="$2" -v b="${native:-0}" 'BEGIN {if (b > 0) printf "%.1fx", a / b; else print "-"}')"
done
args=()
for f in native runsc qemu cold restore-process restore-fresh reset; do
	[ -s "$OUT/$f.txt" ] && args+=("$f=$OUT/$f.txt")
done
"$P/plot.sh" cdf docs/bench-start-cdf.png "${args[@]}" >/dev/null 2>&1 && echo "plot: docs/bench-start-cdf.png"
