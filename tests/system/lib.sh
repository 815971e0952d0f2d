# Shared by the system test scripts: pass/fail bookkeeping.
# The caller sets pass=0 fail=0 and tmp (a scratch dir; $tmp/err is shown on failure).

ok() { pass=$((pass + 1)); printf 'ok   %s\n' "$1"; }
bad() {
	fail=$((fail + 1))
	printf 'FAIL %s: %s\n' "$1" "$2"
	[ -s "$tmp/err" ] && sed 's/^/     | /' "$tmp/err" | head -5
	return 0
}
