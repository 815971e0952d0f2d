#!/usr/bin/env bash
# ./z bench density [--quick]: host memory per idle echo instance and the
# creation rate, side by side in one run: native processes, gVisor, QEMU
# micro-VMs (tests/bench/peers/peers.sh density) and nanvixd VMs restored
# from one snapshot (snapbench density: processes of 1000 VMs, each run by
# a fleet as nanvix-serve holds them).  For nanvixd the counts go up to
# 10,000 (about 20 minutes here) unless one fails, and the reason is
# printed.  Rows "LABEL N MIB MIB2" go to $OUT/density.txt and a
# plot to docs/bench-density.png.
set -u
cd "$(dirname "$0")/../.." || exit 1
quick=0
[ "${1:-}" = --quick ] && quick=1
OUT=${OUT:-build/out/bench/density}
mkdir -p "$OUT"
P=tests/bench/peers
B=bin/bench
SNAP=$OUT/echo.snap
rows=$OUT/density.txt
: >"$rows"

echo "== peers"
"$P/peers.sh" density native "$([ $quick = 1 ] && echo 100 || echo 100..1000)" "$OUT/native.txt"
"$P/peers.sh" density runsc "$([ $quick = 1 ] && echo 10 || echo 20..100)" "$OUT/runsc.txt"
"$P/peers.sh" density qemu "$([ $quick = 1 ] && echo 5 || echo 10..20)" "$OUT/qemu.txt"
cat "$OUT"/native.txt "$OUT"/runsc.txt "$OUT"/qemu.txt 2>/dev/null >>"$rows"

echo "== nanvixd (snapbench density: VMs restored from one snapshot, held at once, 1000 a process)"
rm -rf "$SNAP"
bin/nanvixd --net=guest -e NANVIX_SNAPSHOT=1 --snapshot-out "$SNAP" -- $B/echo_snap.elf 2>/dev/null ||
	{ echo "density: cannot take the echo snapshot"; exit 1; }
echo "snapshot: $(du -k "$SNAP/mem" | cut -f1) KiB of memory data (shared by every instance, counted once)"
for n in $([ $quick = 1 ] && echo 50 || echo 100 1000 10000); do
	out=$($B/snapbench density "$SNAP" "$n" 2>"$OUT/snapbench.$n.err" | grep -v '^ready')
	echo "$out" | sed "s/^/  N=$n /"
	made=$(echo "$out" | sed -n 's/.*instances=\([0-9]*\).*/\1/p')
	avail=$(echo "$out" | sed -n 's/.*memavailable_drop_kib_per_instance=\([-0-9]*\).*/\1/p')
	dirty=$(echo "$out" | sed -n 's/.*private_dirty_kib_per_instance=\([-0-9]*\).*/\1/p')
	[ -n "$made" ] && [ "$made" -gt 0 ] &&
		echo "nanvixd $made $(awk -v a="$avail" 'BEGIN {printf "%.2f", a/1024}') $(awk -v a="$dirty" 'BEGIN {printf "%.2f", a/1024}')" >>"$rows"
	if [ "${made:-0}" != "$n" ]; then
		echo "  stopped at $made of $n: $(grep -v '^ready' "$OUT/snapbench.$n.err" | head -2 | tr '\n' ' ')"
		break
	fi
done
echo
echo "rows (label N MemAvailable-MiB/instance private-dirty-MiB/instance):"
grep -v '^#' "$rows"
"$P/plot.sh" mem docs/bench-density.png "$rows" >/dev/null 2>&1 && echo "plot: docs/bench-density.png"
