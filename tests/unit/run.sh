#!/usr/bin/env bash
# tests/unit/run.sh: build and run every Check unit test (bin/tests/unit/test_*).
# Prints each suite's Check summary; exits non-zero if any test fails.
# Set NO_BUILD=1 to run what is already built.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

if [ -z "${NO_BUILD:-}" ]; then
	make -s tests-unit || { echo "unit: build failed" >&2; exit 1; }
fi

shopt -s nullglob
tests=(bin/tests/unit/test_*)
[ ${#tests[@]} -gt 0 ] || { echo "unit: no test binaries in bin/tests/unit" >&2; exit 1; }

failed=()
for t in "${tests[@]}"; do
	[ -x "$t" ] || continue
	case "$t" in *.d | *.o) continue ;; esac
	echo "== $t"
	"$t" || failed+=("$t")
done

if [ ${#failed[@]} -gt 0 ]; then
	echo "unit: FAILED: ${failed[*]}" >&2
	exit 1
fi
echo "unit: all ${#tests[@]} test binaries passed"
