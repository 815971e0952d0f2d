#!/usr/bin/env bash
# The Python SDK (sdk/python) against a nanvix-api of its own.
#
#   1. Installs the SDK with pip into a scratch directory (from a copy of
#      sdk/python, so the build leaves nothing in the tree).  Without pip,
#      or the setuptools and wheel it builds with, says so and uses the
#      SDK from the tree (PYTHONPATH=sdk/python).
#   2. Starts two bin/nanvix-api daemons on sockets in the scratch
#      directory, programs allowed from bin/: a plain one, and one with API
#      keys (read-only and full) that also listens on TCP.
#   3. Runs tests/api/sdk_test.py against them (VM cases skipped, saying
#      why, without /dev/kvm), then stops each daemon with SIGTERM: each
#      must exit 0.
# Prints ok/FAIL a case and `sdk: N passed, M failed`; exits non-zero on a failure.
set -u
cd "$(dirname "$0")/../.." || exit 1
API=${API:-bin/nanvix-api}
PYTHON=${PYTHON:-python3}
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in the tree
tmp=$(mktemp -d)
declare -A pids=() # daemon name: pid
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null && wait "$p"
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

die() {
	echo "sdk: FAIL: $*"
	echo "sdk: 0 passed, 1 failed"
	exit 1
}

command -v "$PYTHON" >/dev/null || die "$PYTHON not found (apt-get install python3)"
[ -x "$API" ] || die "$API not built (make)"

# What pip needs without build isolation: setuptools, and wheel unless
# setuptools has bdist_wheel itself (70.1 on).
can_build() {
	"$PYTHON" - 2>/dev/null <<-'PY'
		import setuptools
		try:
		    import setuptools.command.bdist_wheel
		except ImportError:
		    import wheel
	PY
}

echo "== install"
if ! "$PYTHON" -m pip --version >/dev/null 2>&1; then
	export PYTHONPATH=$PWD/sdk/python
	echo "sdk: pip is missing (apt-get install python3-pip): using PYTHONPATH=sdk/python, not an install"
elif ! can_build; then
	export PYTHONPATH=$PWD/sdk/python
	echo "sdk: $PYTHON lacks setuptools or wheel, which pip --no-build-isolation needs" \
		"(apt-get install python3-setuptools python3-wheel): using PYTHONPATH=sdk/python, not an install"
else
	cp -r sdk/python "$tmp/src"
	if ! "$PYTHON" -m pip install --quiet --no-deps --no-build-isolation --no-index \
		--disable-pip-version-check --target "$tmp/site" "$tmp/src" >"$tmp/pip.log" 2>&1; then
		sed 's/^/     | /' "$tmp/pip.log" | tail -15
		die "pip install sdk/python failed (python3-setuptools and python3-wheel installed?)"
	fi
	export PYTHONPATH=$tmp/site
	echo "sdk: installed with pip (--target $tmp/site)"
fi
where=$("$PYTHON" -c 'import nanvix; print(nanvix.__file__)' 2>&1) || die "import nanvix: $where"
echo "sdk: nanvix from $where"

# start NAME [nanvix-api options]: a daemon on $tmp/NAME.sock, state in
# $tmp/NAME, programs from bin/; its pid in pids[NAME], its ready line's
# addresses in $ready.  Fails the script if it is not ready within 30 s.
start() {
	local name=$1
	shift
	mkdir -p "$tmp/$name"
	"$API" --socket "$tmp/$name.sock" --state "$tmp/$name" --allow-path "$PWD/bin" \
		--notify-fd 3 "$@" 3>"$tmp/$name.ready" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null &
	pids[$name]=$!
	for _ in $(seq 300); do
		grep -q '^nanvix-api: ready ' "$tmp/$name.out" 2>/dev/null && break
		kill -0 "${pids[$name]}" 2>/dev/null || break
		sleep 0.1
	done
	ready=$(sed -n 's/^nanvix-api: ready //p' "$tmp/$name.out")
	if [ -z "$ready" ]; then
		sed 's/^/     | /' "$tmp/$name.err" | tail -15
		die "$API ($name) did not become ready in 30 s (stdout: '$(head -c 200 "$tmp/$name.out")')"
	fi
	echo "sdk: daemon $name, pid ${pids[$name]}: $ready (notify: '$(tr '\n' ' ' <"$tmp/$name.ready")')"
}

# stop NAME: SIGTERM; the daemon kills what still runs and must exit 0 within 15 s.
stop() {
	local name=$1 pid=${pids[$1]} st=
	unset "pids[$name]"
	kill -TERM "$pid"
	for _ in $(seq 150); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid"; st=$?; break; }
		sleep 0.1
	done
	if [ "$st" = 0 ]; then
		echo "ok   sigterm-$name"
		pass=$((pass + 1))
		return
	fi
	if [ -n "$st" ]; then
		echo "FAIL sigterm-$name: exit status $st"
	else
		echo "FAIL sigterm-$name: still running 15 s after SIGTERM (killed)"
		kill -KILL "$pid" 2>/dev/null
		wait "$pid"
	fi
	fail=$((fail + 1))
}

echo "== daemons"
start plain
host=${ready%% *}
# The second: API keys (one read-only, one with every scope), also on TCP.
read_key=$("$API" keygen sdk-read read) || die "nanvix-api keygen failed"
all_key=$("$API" keygen sdk-all read,invoke,manage) || die "nanvix-api keygen failed"
printf '{"keys": [%s, %s]}\n' "$(sed -n 's/^entry: //p' <<<"$read_key")" \
	"$(sed -n 's/^entry: //p' <<<"$all_key")" >"$tmp/keys.json"
start keyed --keys "$tmp/keys.json" --listen 127.0.0.1:0
keyed_unix=${ready%% *}
keyed_tcp=${ready#* }

echo "== tests/api/sdk_test.py"
NANVIX_TEST_HOST=$host NANVIX_TEST_BIN=$PWD/bin SDK_TEST_COUNTS=$tmp/counts \
	NANVIX_TEST_KEYED_UNIX=$keyed_unix NANVIX_TEST_KEYED_TCP=$keyed_tcp \
	NANVIX_TEST_KEY_READ=$(sed -n 's/^key: //p' <<<"$read_key") \
	NANVIX_TEST_KEY_ALL=$(sed -n 's/^key: //p' <<<"$all_key") \
	"$PYTHON" tests/api/sdk_test.py
read -r pass fail skip <"$tmp/counts" 2>/dev/null || {
	pass=0 fail=1 skip=0
	echo "FAIL sdk_test.py: it wrote no counts"
}
stop plain
stop keyed
if [ "$fail" != 0 ]; then
	for name in plain keyed; do
		echo "     daemon $name's stderr (last lines):"
		sed 's/^/     | /' "$tmp/$name.err" | tail -8
	done
fi

if [ "$skip" != 0 ]; then
	echo "sdk: $pass passed, $fail failed, $skip skipped"
else
	echo "sdk: $pass passed, $fail failed"
fi
[ "$fail" = 0 ]
