#!/usr/bin/env bash
# plot.sh: PNG plots of the start-up and density results (gnuplot).
#
# usage: tests/bench/peers/plot.sh cdf OUT.png LABEL=FILE...
#          start-latency CDF: one curve a sample file (microseconds, one a
#          line, as peers.sh start and the lead's nanvixd rows write them);
#          log-scale time axis in milliseconds
#        tests/bench/peers/plot.sh mem OUT.png FILE...
#          host memory per instance against the instance count: FILEs hold
#          rows "LABEL N MIB [MIB2]" ('#' lines are ignored), as peers.sh
#          density writes them (MIB: MemAvailable drop per instance, MIB2:
#          private dirty per instance); one solid curve a label for MIB,
#          a dashed one for MIB2 where given; log-scale MiB (values not
#          above 0, which are noise, are left out)
#
# gnuplot comes from the Debian package gnuplot-nox (installed here if
# missing, as peers.sh setup does).
set -euo pipefail

usage() {
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
	exit 2
}

die() {
	printf 'plot.sh: error: %s\n' "$*" >&2
	exit 1
}

need_gnuplot() {
	command -v gnuplot >/dev/null && return 0
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q gnuplot-nox >/dev/null 2>&1 ||
		die "gnuplot missing and 'apt-get install gnuplot-nox' failed"
}

# gp_quote S: S as a gnuplot string (double quotes, backslashes escaped).
gp_quote() {
	local s=${1//\\/\\\\}
	printf '"%s"' "${s//\"/\\\"}"
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

plot_cdf() {
	local out=$1 arg label file n i=0 plots=()
	shift
	[ $# -gt 0 ] || usage
	for arg in "$@"; do
		[[ "$arg" == *=* ]] || die "'$arg' is not LABEL=FILE"
		label=${arg%%=*} file=${arg#*=}
		[ -r "$file" ] || die "cannot read $file"
		n=$(grep -c '^[0-9]' "$file" || true)
		[ "$n" -gt 0 ] || die "$file holds no samples"
		# x: the sample in ms; y: the fraction of samples at most x.
		grep '^[0-9]' "$file" | sort -n | awk -v n="$n" '{print $1 / 1000, NR / n}' >"$TMP/cdf$i"
		plots+=("$(gp_quote "$TMP/cdf$i") using 1:2 with steps linewidth 2 title $(gp_quote "$label (n=$n)")")
		i=$((i + 1))
	done
	{
		echo "set terminal pngcairo size 900,600 noenhanced"
		echo "set output $(gp_quote "$out")"
		echo "set title 'Start to first HTTP response'"
		echo "set xlabel 'milliseconds (log scale)'"
		echo "set ylabel 'fraction of runs'"
		echo "set logscale x"
		echo "set yrange [0:1.02]"
		echo "set grid"
		echo "set key bottom right"
		printf 'plot '
		(
			IFS=,
			echo "${plots[*]}"
		)
	} >"$TMP/cdf.gp"
	gnuplot "$TMP/cdf.gp"
}

plot_mem() {
	local out=$1 label labels ymin i=0 plots=()
	shift
	[ $# -gt 0 ] || usage
	cat "$@" | awk '$1 !~ /^#/ && NF >= 3 {print $1, $2, $3, (NF >= 4 ? $4 : "-")}' >"$TMP/mem"
	[ -s "$TMP/mem" ] || die "no rows 'LABEL N MiB' in $*"
	labels=$(awk '{print $1}' "$TMP/mem" | awk '!seen[$0]++')
	for label in $labels; do
		# Solid: column 3 (MemAvailable); dashed, same colour: column 4 (private dirty).
		awk -v l="$label" '$1 == l && $3 + 0 > 0 {print $2, $3}' "$TMP/mem" | sort -n >"$TMP/mem$i"
		awk -v l="$label" '$1 == l && $4 != "-" && $4 + 0 > 0 {print $2, $4}' "$TMP/mem" |
			sort -n >"$TMP/dirty$i"
		if [ -s "$TMP/mem$i" ]; then
			plots+=("$(gp_quote "$TMP/mem$i") using 1:2 with linespoints linewidth 2 pointtype 7 linecolor $((i + 1)) title $(gp_quote "$label")")
		fi
		if [ -s "$TMP/dirty$i" ]; then
			plots+=("$(gp_quote "$TMP/dirty$i") using 1:2 with linespoints dashtype 2 linewidth 1 pointtype 6 linecolor $((i + 1)) title $(gp_quote "$label: private dirty")")
		fi
		i=$((i + 1))
	done
	[ ${#plots[@]} -gt 0 ] || die "no value above 0 to plot on a log scale in $*"
	# Room below the smallest value, which autoscaling would put on the border.
	ymin=$(awk '$3 + 0 > 0 {print $3} $4 != "-" && $4 + 0 > 0 {print $4}' "$TMP/mem" |
		sort -g | head -n 1 | awk '{print $1 / 3}')
	{
		echo "set terminal pngcairo size 900,600 noenhanced"
		echo "set output $(gp_quote "$out")"
		echo "set title 'Host memory per idle instance'"
		echo "set xlabel 'instances held at once'"
		echo "set ylabel 'MiB per instance (log scale)'"
		echo "set logscale y"
		echo "set yrange [$ymin:*]"
		echo "set offsets graph 0.05, graph 0.05, 0, 0"
		echo "set grid"
		echo "set key top right box opaque"
		printf 'plot '
		(
			IFS=,
			echo "${plots[*]}"
		)
	} >"$TMP/mem.gp"
	gnuplot "$TMP/mem.gp"
}

[ $# -ge 2 ] || usage
kind=$1 out=$2
shift 2
need_gnuplot
case "$kind" in
cdf) plot_cdf "$out" "$@" ;;
mem) plot_mem "$out" "$@" ;;
*) usage ;;
esac
echo "plot.sh: wrote $out"
