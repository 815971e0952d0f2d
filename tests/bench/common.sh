# shellcheck shell=bash
# Helpers shared by the benchmark scripts (sourced, not run).

say() { printf '%s\n' "$*"; }

die() {
	printf '%s: error: %s\n' "$(basename "$0")" "$*" >&2
	exit 1
}

# need_built FILE...: build whatever is missing (./z bench builds everything
# first; this is for running a script by hand in a half-built tree).
need_built() {
	local f missing=()

	for f in "$@"; do
		[ -e "$f" ] || missing+=("$f")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		make --no-print-directory -s "${missing[@]}" ||
			die "could not build ${missing[*]}"
	fi
}

# need_kvm: stop with a clear message when /dev/kvm cannot be used.
need_kvm() {
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		die "/dev/kvm is missing or not accessible"
	fi
}

# field LINE KEY: the value of KEY=... in a line of KEY=VALUE words.
field() {
	local kv

	for kv in $1; do
		if [ "${kv%%=*}" = "$2" ]; then
			printf '%s\n' "${kv#*=}"
			return
		fi
	done
}
