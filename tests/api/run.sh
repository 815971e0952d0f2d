#!/usr/bin/env bash
# The control API (nanvix-api), its command-line client and its Python SDK:
#   api_test.py  the daemon against docs/api/openapi.yaml: every documented
#                route answers and nothing else does, bad input and hostile
#                clients (huge bodies, slow clients, floods, path tricks,
#                random bytes), keys with scopes and rates, the audit log,
#                /v1/metrics through promtool, VM lifecycles;
#   cli.sh       bin/nanvix run/ps/logs/stop/... against a daemon;
#   sdk.sh       sdk/python installed with pip and driven against a daemon;
#   sandbox.sh   the daemon's seccomp allowlist, its launcher, VMs under it.
# Each prints "ok"/"FAIL" lines and a summary; this exits 1 if any failed.
# NO_BUILD=1 skips make; KEEP_TMP=1 keeps the scratch folder.
set -u
cd "$(dirname "$0")/../.." || exit 1

if [ -z "${NO_BUILD:-}" ]; then
	make -s bin/nanvix-api bin/nanvix bin/nanvixd bin/kernel.elf bin/hello.elf \
		bin/tests/snapshot/snap_cat.musl.elf \
		bin/tests/sleeper.musl.elf bin/tests/snapshot/ticker.musl.elf bin/tests/hello.musl.elf \
		bin/tests/nanvix-api.sandbox bin/tests/net/resolve.musl.elf bin/tests/net/http_echo.elf \
		>/dev/null || exit 1
fi
for b in bin/nanvix-api bin/nanvix bin/nanvixd; do
	[ -x "$b" ] || { echo "FAIL build: $b is not built (make $b)"; exit 1; }
done
if ! python3 -c 'import yaml' 2>/dev/null; then
	echo "api: FAIL: python3 with yaml is needed (./z setup installs python3-yaml)"
	exit 1
fi
kvm=1
if [ ! -c /dev/kvm ] || ! : 2>/dev/null <>/dev/kvm; then
	kvm=0
	echo "api: /dev/kvm missing or not accessible: VM lifecycle checks skipped"
fi

tmp=$(mktemp -d)
cleanup() { if [ -n "${KEEP_TMP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi; }
trap cleanup EXIT

r=0
python3 tests/api/api_test.py --daemon "$PWD/bin/nanvix-api" --bin "$PWD/bin" --tmp "$tmp" \
	--kvm "$kvm" || r=1
for t in cli sdk sandbox; do
	[ -f "tests/api/$t.sh" ] && { bash "tests/api/$t.sh" || r=1; }
done
exit $r
