#!/usr/bin/env bash
# Run every test group (or the ones named): unit, fuzz, system, fs, posix, apps, net, serve, api, oci, qemu;
# posix-suite (the whole Open POSIX Test Suite) only when named.
#
# Each group's script prints its own detail; this prints one line a group
# and the closing "N passed, N failed" over the groups.  Exits non-zero if
# any group failed.  `./z test` calls this after building.
set -u
cd "$(dirname "$0")/.." || exit 1

groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(unit fuzz system fs posix apps net serve api oci qemu)
passed=0
failed=0
summary=()

for g in "${groups[@]}"; do
	case "$g" in
	unit) cmd=(tests/unit/run.sh) ;;
	fuzz) cmd=(tests/fuzz/run.sh) ;;
	system) cmd=(bash -c "r=0; for t in run cli macrokernel signals shell hostile rootfs snapshot trust sandbox limits; do tests/system/\$t.sh || r=1; done; exit \$r") ;;
	fs) cmd=(tests/system/fs.sh) ;;
	posix) cmd=(bash -c "r=0; for t in run files; do tests/posix/\$t.sh || r=1; done; tests/posix/suite.sh --quick || r=1; exit \$r") ;;
	# Not in the default set: the whole Open POSIX Test Suite (about an hour).
	posix-suite) cmd=(tests/posix/suite.sh) ;;
	apps) cmd=(tests/apps/run.sh) ;;
	net) cmd=(bash -c "r=0; tests/posix/net.sh || r=1; tests/system/net.sh || r=1; exit \$r") ;;
	serve) cmd=(bash -c "r=0; tests/serve/run.sh || r=1; tests/serve/vm.sh || r=1; exit \$r") ;;
	api) cmd=(tests/api/run.sh) ;;
	oci) cmd=(tests/oci/run.sh) ;;
	qemu) cmd=(tests/qemu/run.sh) ;;
	*) echo "tests: unknown group '$g' (have: unit fuzz system fs posix apps net serve api oci qemu posix-suite)" >&2; exit 2 ;;
	esac
	echo "=================== $g ==================="
	if NO_BUILD=1 "${cmd[@]}"; then
		passed=$((passed + 1))
		summary+=("ok   $g")
	else
		failed=$((failed + 1))
		summary+=("FAIL $g")
	fi
done

echo "=================== summary ==================="
printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
