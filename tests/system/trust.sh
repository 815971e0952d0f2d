#!/usr/bin/env bash
# Signed images (docs/trust.md): bin/nanvix keygen/sign/verify against
# OpenBSD's signify (Debian's signify-openbsd) both ways, and nanvixd
# --trust: a signed program runs within its key's profile; an unsigned
# one, one signed by another key, a modified one, a damaged signature and
# a bad policy are refused with 126 and the reason.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/system/lib.sh
system_setup trust

NANVIX=${NANVIX:-bin/nanvix}
SIGNIFY=$(command -v signify-openbsd || true)
k=$tmp/keys
mkdir -p "$k"
cp "$T/hello.musl.elf" "$tmp/hello.elf"
cp "$T/hello.musl.elf" "$tmp/other.elf"

# check NAME COMMAND...: ok when the command succeeds.
check() {
	local name=$1
	shift
	if "$@" >"$tmp/cmd.out" 2>&1; then
		ok "$name"
	else
		bad "$name" "$(tr '\n' ' ' <"$tmp/cmd.out" | head -c 300)"
	fi
}

# refused NAME PATTERN -- nanvixd args: status 126 and PATTERN in stderr.
refused() {
	local name=$1 pat=$2
	shift 3
	vm "$@"
	if [ "$st" = 126 ] && grep -qE -- "$pat" "$tmp/err"; then
		ok "$name"
	else
		bad "$name" "status $st, expected 126 and /$pat/: $(tr '\n' ' ' <"$tmp/err" | head -c 300)"
	fi
}

echo "== keys and signatures (signify's format)"
check "keygen" "$NANVIX" keygen "$k/ops.pub" "$k/ops.sec"
check "keygen of a second key" "$NANVIX" keygen "$k/other.pub" "$k/other.sec"
if [ "$(stat -c %a "$k/ops.sec")" = 600 ]; then ok "secret key mode 0600"; else bad "secret key mode" "$(stat -c %a "$k/ops.sec")"; fi
if "$NANVIX" keygen "$k/ops.pub" "$k/ops.sec" 2>/dev/null; then
	bad "keygen over a secret key" "it overwrote ops.sec"
else
	ok "keygen never overwrites a secret key"
fi
check "sign" "$NANVIX" sign "$k/ops.sec" "$tmp/hello.elf"
check "verify" "$NANVIX" verify "$k/ops.pub" "$tmp/hello.elf"
check "sign with the other key" "$NANVIX" sign "$k/other.sec" "$tmp/other.elf"
if "$NANVIX" verify "$k/ops.pub" "$tmp/other.elf" >"$tmp/cmd.out" 2>&1; then
	bad "verify with the wrong key" "accepted"
else
	grep -q "another key" "$tmp/cmd.out" && ok "verify with the wrong key: refused" ||
		bad "verify with the wrong key" "$(cat "$tmp/cmd.out")"
fi
if [ -n "$SIGNIFY" ]; then
	check "signify verifies our signature" "$SIGNIFY" -V -p "$k/ops.pub" -m "$tmp/hello.elf"
	check "signify signs with our secret key" \
		"$SIGNIFY" -S -s "$k/ops.sec" -m "$tmp/hello.elf" -x "$tmp/by-signify.sig"
	check "signify's signature verifies here" \
		"$NANVIX" verify "$k/ops.pub" "$tmp/hello.elf" "$tmp/by-signify.sig"
	check "signify makes a key pair" "$SIGNIFY" -G -n -p "$k/s.pub" -s "$k/s.sec"
	check "its secret key signs here" "$NANVIX" sign "$k/s.sec" "$tmp/hello.elf" "$tmp/s.sig"
	check "and signify checks that" "$SIGNIFY" -V -p "$k/s.pub" -m "$tmp/hello.elf" -x "$tmp/s.sig"
else
	skip=$((skip + 1))
	echo "skip signify compatibility: signify-openbsd missing (./z setup installs it)"
fi

echo "== nanvixd --trust"
cat >"$k/policy.json" <<'EOF'
{"keys": [{"pubkey": "ops.pub", "profile": {"volumes": true, "max_memory": "64M"}}],
 "unsigned": "deny"}
EOF
vm --trust "$k/policy.json" -- "$tmp/hello.elf"
judge "signed program runs" 0 'hello, world'
refused "unsigned program" 'not signed' -- --trust "$k/policy.json" -- "$T/hello.musl.elf"
refused "another key's signature" 'does not list' -- --trust "$k/policy.json" -- "$tmp/other.elf"
refused "more memory than the profile" 'at most 64 MiB' -- --trust "$k/policy.json" -m 128M -- "$tmp/hello.elf"
refused "network the profile does not give" 'no network' -- --trust "$k/policy.json" --net=host -- "$tmp/hello.elf"
refused "a published port" 'no network' -- --trust "$k/policy.json" -p 18080:80 -- "$tmp/hello.elf"
vm --trust "$k/policy.json" -v "$tmp:/data:ro" -- "$tmp/hello.elf"
judge "volumes the profile gives" 0 'hello, world'
cp "$tmp/hello.elf" "$tmp/changed.elf"
cp "$tmp/hello.elf.sig" "$tmp/changed.elf.sig"
printf 'x' >>"$tmp/changed.elf"
refused "modified program" 'does not match' -- --trust "$k/policy.json" -- "$tmp/changed.elf"
cp "$tmp/hello.elf" "$tmp/damaged.elf"
# Bytes 45-47 of the 74 are inside the Ed25519 signature itself.
sed -E '2s/^(.{60}).{4}/\1AAAA/' "$tmp/hello.elf.sig" >"$tmp/damaged.elf.sig"
refused "damaged signature" 'does not match' -- --trust "$k/policy.json" -- "$tmp/damaged.elf"
printf 'untrusted comment: x\nnot base64 at all\n' >"$tmp/damaged.elf.sig"
refused "garbage signature file" 'bad base64' -- --trust "$k/policy.json" -- "$tmp/damaged.elf"
refused "a --program needs a signature too" 'not signed' -- --trust "$k/policy.json" --program exitcode="$T/exitcode.musl.elf" -- "$tmp/hello.elf"
printf '{"keys": [' >"$k/broken.json"
refused "malformed policy" 'broken.json' -- --trust "$k/broken.json" -- "$tmp/hello.elf"
echo '{"keys": [{"pubkey": "missing.pub"}]}' >"$k/nokey.json"
refused "policy naming a missing key" 'missing.pub' -- --trust "$k/nokey.json" -- "$tmp/hello.elf"
echo '{"keys": [{"pubkey": "ops.pub", "profile": {"net": "yes"}}]}' >"$k/badprof.json"
refused "policy with a bad profile" 'bad profile entry' -- --trust "$k/badprof.json" -- "$tmp/hello.elf"

cat >"$k/restricted.json" <<'EOF'
{"keys": [{"pubkey": "ops.pub", "profile": {"net": true, "max_memory": "1G"}}],
 "unsigned": "restricted"}
EOF
vm --trust "$k/restricted.json" -- "$T/hello.musl.elf"
judge "unsigned program runs restricted" 0 'hello, world'
refused "restricted: no network" 'no network' -- --trust "$k/restricted.json" --net=host -- "$T/hello.musl.elf"
refused "restricted: no volumes" 'no host volumes' -- --trust "$k/restricted.json" -v "$tmp:/data" -- "$T/hello.musl.elf"
refused "restricted: default memory at most" 'at most 16 MiB' -- --trust "$k/restricted.json" -m 64M -- "$T/hello.musl.elf"
refused "restricted: the default /tmp at most the memory" 'a /tmp of at most 16 MiB' -- \
	--trust "$k/restricted.json" --tmp-size 64M -- "$T/hello.musl.elf"
refused "restricted: no unlimited /tmp" 'a /tmp of at most 16 MiB' -- \
	--trust "$k/restricted.json" --tmp-size 0 -- "$T/hello.musl.elf"
vm --trust "$k/restricted.json" --tmp-size 8M -- "$T/hello.musl.elf"
judge "restricted: a smaller /tmp is fine" 0 'hello, world'
refused "a signed program with an unsigned image: the narrower profile" 'at most 16 MiB' \
	-- --trust "$k/restricted.json" -m 512M --program exitcode="$T/exitcode.musl.elf" -- "$tmp/hello.elf"
vm --trust "$k/restricted.json" -m 512M --net=host -- "$tmp/hello.elf"
judge "a signed program gets its key's profile" 0 'hello, world'

echo "== limits and egress in a profile"
cp "$T/limits.elf" "$tmp/limits.elf"
"$NANVIX" sign "$k/ops.sec" "$tmp/limits.elf" >/dev/null
cat >"$k/limits.json" <<'EOF'
{"keys": [{"pubkey": "ops.pub", "profile": {"net": true, "max_pids": 3, "max_cpus": 0.5,
           "max_disk_rate": "8M", "max_net_rate": "8M", "max_net_recv_rate": "8M",
           "net_allow": ["127.0.0.1:9"]}}],
 "unsigned": "restricted"}
EOF
vm --trust "$k/limits.json" -- "$tmp/limits.elf" fork
judge "a profile's max_pids is the run's --pids-limit" 0 '^forked 2, then Resource temporarily unavailable$'
refused "more tasks than the profile" 'at most 3 tasks' -- --trust "$k/limits.json" --pids-limit 10 -- "$tmp/limits.elf" fork
refused "more CPU than the profile" 'at most 0.5 of a CPU' -- --trust "$k/limits.json" --cpus 1 -- "$tmp/limits.elf" fork
refused "a faster disk than the profile" 'disk I/O' -- --trust "$k/limits.json" --disk-rate 1G -- "$tmp/limits.elf" fork
refused "a faster network than the profile" 'onto the network' -- --trust "$k/limits.json" --net-rate 1G -- "$tmp/limits.elf" fork
refused "a faster receive than the profile" 'from the network' -- --trust "$k/limits.json" --net-recv-rate 1G -- "$tmp/limits.elf" fork
refused "egress the profile does not list" 'does not allow --net-allow 127.0.0.1:80' \
	-- --trust "$k/limits.json" --net-allow 127.0.0.1:80 -- "$tmp/limits.elf" fork
vm --trust "$k/limits.json" --net-allow 127.0.0.1:9 --pids-limit 2 -- "$tmp/limits.elf" fork
judge "egress the profile lists, and fewer tasks than it allows" 0 '^forked 1, then'
vm --trust "$k/limits.json" -- "$T/limits.elf" threads
judge "restricted: at most 64 tasks" 0 '^threads 63, then Resource temporarily unavailable$'
echo '{"keys": [{"pubkey": "ops.pub", "profile": {"max_pids": 0}}]}' >"$k/badpids.json"
refused "a profile with max_pids 0" 'bad profile entry "max_pids"' -- --trust "$k/badpids.json" -- "$tmp/hello.elf"
echo '{"keys": [{"pubkey": "ops.pub", "profile": {"net_allow": [5]}}]}' >"$k/badallow.json"
refused "a profile with a bad net_allow" 'net_allow\[0\]' -- --trust "$k/badallow.json" -- "$tmp/hello.elf"

echo "trust: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
