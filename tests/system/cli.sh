#!/usr/bin/env bash
# A new user's first minutes: nanvixd's command line, errors that say what to do, installing.
#
# Sizes with suffixes (and a bare -m as MiB), -e KEY, --env-file, -v, a
# --help that lists every option of the parser; the fix named by each common
# mistake (a dynamic program, too little memory, an ext4 image, no access to
# /dev/kvm, a nanvixd moved away from kernel.elf); `make install`; and
# --stats on every exit path.
set -u
cd "$(dirname "$0")/../.." || exit 1

# shellcheck source=tests/system/lib.sh
. tests/system/lib.sh
system_setup cli


H=$T/hello.musl.elf
A=$T/args.musl.elf

echo "== sizes: K, M, G (powers of 1024, any case, i/B optional); a bare -m is MiB"
# frames_total is guest RAM in 4 KiB pages: 64 MiB = 16384.
for m in 64 64M 64m 64Mi 64MiB 64mb 65536K 65536k 67108864B; do
	expect "memory-$m" 0 '' 'frames_total=16384( |$)' -- -m "$m" --stats -- "$H"
done
expect "memory-1g" 0 '' 'frames_total=262144( |$)' -- -m 1g --stats -- "$H"
expect "memory-zero" 125 '' "invalid memory size '0': must be more than zero" -- -m 0 -- "$H"
expect "memory-garbage" 125 '' "invalid memory size 'lots': not a number" -- -m lots -- "$H"
expect "memory-suffix" 125 '' "invalid memory size '16X': unknown suffix" -- -m 16X -- "$H"
expect "memory-fraction" 125 '' "not a whole number" -- -m 1.5G -- "$H"
expect "memory-negative" 125 '' "invalid memory size" -- -m -16 -- "$H"
expect "memory-overflow" 125 '' "too large" -- -m 99999999999999999999999 -- "$H"
expect "memory-overflow-suffix" 125 '' "too large" -- -m 18446744073709551615G -- "$H"
expect "memory-above-max" 125 '' "too large.*at most 64G" -- -m 65G -- "$H"
expect "stack-suffix" 0 '^hello, world$' '' -- --stack 64k -- "$H"
expect "stack-bytes" 0 '^hello, world$' '' -- --stack 65536 -- "$H"
expect "stack-too-small" 125 '' "invalid stack size '1K': outside 16K..1G" -- --stack 1K -- "$H"

echo "== environment: -e KEY=VALUE, -e KEY (copied from nanvixd's), --env-file"
NANVIX_A="from host" vm -e NANVIX_A -e NANVIX_B=given -- "$A"
if [ "$st" = 0 ] && grep -qx 'NANVIX_A=from host' "$tmp/out" && grep -qx 'NANVIX_B=given' "$tmp/out"
then ok "env-copy-set"; else bad "env-copy-set" "status $st: $(head -c 200 "$tmp/out")"; fi
# Unset in nanvixd's environment: skipped, as docker does.
(unset NANVIX_A; "$NANVIXD" -e NANVIX_A -- "$A" >"$tmp/out" 2>"$tmp/err" </dev/null)
if grep -qx 'NANVIX_A unset' "$tmp/out"; then ok "env-copy-unset"; else
	bad "env-copy-unset" "$(head -c 200 "$tmp/out")"; fi
expect "env-bad" 125 '' 'need KEY=VALUE' -- -e =value -- "$A"
printf '# a comment\n\n   \nNANVIX_A=one=1\r\n  # indented comment\nNANVIX_B=two words  \n' \
	>"$tmp/ok.env"
expect "env-file" 0 '^NANVIX_B=two words  $' '' -- --env-file "$tmp/ok.env" -- "$A"
if grep -qx 'NANVIX_A=one=1' "$tmp/out"; then ok "env-file-crlf"; else
	bad "env-file-crlf" "$(head -c 200 "$tmp/out")"; fi
printf 'NANVIX_A\n' >"$tmp/copy.env"
NANVIX_A=copied vm --env-file "$tmp/copy.env" -- "$A"
if grep -qx 'NANVIX_A=copied' "$tmp/out"; then ok "env-file-copy"; else
	bad "env-file-copy" "$(head -c 200 "$tmp/out")"; fi
printf 'NANVIX_A=1\n# fine\nnot a valid line\n' >"$tmp/bad.env"
expect "env-file-bad-line" 125 '' "bad.env:3: invalid environment entry 'not a valid line'" -- \
	--env-file "$tmp/bad.env" -- "$A"
expect "env-file-missing" 127 '' "cannot open env file '$tmp/nope.env'" -- \
	--env-file "$tmp/nope.env" -- "$A"

echo "== -v is --volume"
mkdir -p "$tmp/vol"
expect "volume-short" 0 '^hello, world$' '' -- -v "$tmp/vol:/data" -- "$H"
expect "volume-short-bad" 125 '' 'HOSTDIR:/PATH' -- -v nonsense -- "$H"

echo "== --help lists every option of the parser, after examples"
vm --help
if [ "$st" != 0 ]; then bad "help-status" "exit status $st"; else ok "help-status"; fi
if sed -n '1,12p' "$tmp/out" | grep -q '^examples:'; then ok "help-examples-first"; else
	bad "help-examples-first" "no 'examples:' near the top"; fi
missing=""
for opt in $(sed -n '/longopts\[\] = {/,/{ NULL, 0/p' macrokernel/monitor/main.c |
	grep -o '{ "[a-z-]*"' | tr -d '{ "'); do
	grep -qE -- "--$opt([ =,]|$)" "$tmp/out" || missing="$missing --$opt"
done
for short in $(grep -o 'getopt_long(argc, argv, "[^"]*"' macrokernel/monitor/main.c |
	sed 's/.*"+\{0,1\}\([^"]*\)"/\1/' | tr -d ':' | fold -w1); do
	grep -qE -- "(^| )-$short," "$tmp/out" || missing="$missing -$short"
done
if [ -z "$missing" ]; then ok "help-every-option"; else
	bad "help-every-option" "not in --help:$missing"; fi

echo "== errors that say what to do"
# Too little memory: the message names the least -m that starts, and that -m starts.
for stack in 256K 64M; do
	expect "memory-needed-$stack" 121 '' 'too small.*it needs -m [0-9]+ \(MiB\) at least' -- \
		-m 1 --stack "$stack" -- "$H"
	need=$(grep -oE 'needs -m [0-9]+' "$tmp/err" | grep -oE '[0-9]+$')
	if [ -n "$need" ]; then
		expect "memory-needed-$stack-enough" 0 '^hello, world$' '' -- -m "$need" --stack "$stack" -- "$H"
		expect "memory-needed-$stack-exact" 121 '' 'too small' -- -m "$((need - 1))" --stack "$stack" -- "$H"
	fi
done
# A dynamic program: any dynamically linked host binary will do.
dyn=""
for f in /bin/true /usr/bin/true /bin/ls; do
	if [ -f "$f" ] && [ "$(od -An -tx1 -j4 -N1 "$f" | tr -d ' ')" = 02 ] &&
		grep -qa 'ld-linux\|ld-musl' "$f"; then dyn=$f; break; fi
done
if [ -n "$dyn" ]; then
	expect "dynamic-program" 126 '' "dynamically linked \(needs /.*\).*'musl-gcc -static' or 'gcc -static'" \
		-- -- "$dyn"
else
	skip=$((skip + 1)); echo "skip dynamic-program: no dynamic host binary found"
fi
# No access to /dev/kvm: as an unprivileged user (root only; skipped otherwise).
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && [ "$(stat -c %a /dev/kvm)" != 666 ]; then
	cp "$NANVIXD" bin/kernel.elf "$tmp/" && cp "$H" "$tmp/prog.elf" && chmod -R a+rX "$tmp"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$tmp/nanvixd" -- "$tmp/prog.elf" \
		>"$tmp/out" 2>"$tmp/err" </dev/null
	st=$?
	if [ "$st" = 120 ] && grep -q "usermod -aG kvm" "$tmp/err"; then ok "kvm-permission"; else
		bad "kvm-permission" "exit status $st"; fi
	rm -f "$tmp/nanvixd" "$tmp/kernel.elf" "$tmp/prog.elf"
else
	skip=$((skip + 1)); echo "skip kvm-permission: needs root, setpriv and a /dev/kvm not open to all"
fi
if command -v mke2fs >/dev/null; then
	mke2fs -q -F -t ext4 "$tmp/ext4.img" 8M >/dev/null 2>&1
	expect "ext4-image" 125 '' "unsupported ext2 features: .*extent.*mke2fs -t ext2" -- \
		--disk "$tmp/ext4.img" -- "$H"
	expect "ext4-image-guest" 125 '' "unsupported ext2 features: .*extent.*mke2fs -t ext2" -- \
		--fs=guest --disk "$tmp/ext4.img" -- "$H"
	mke2fs -q -F -t ext2 -O meta_bg,^resize_inode "$tmp/metabg.img" 8M >/dev/null 2>&1
	expect "ext2-unsupported-feature" 125 '' "unsupported ext2 features: meta_bg \(.*mke2fs -t ext2" -- \
		--disk "$tmp/metabg.img" -- "$H"
	rm -f "$tmp"/*.img
else
	skip=$((skip + 3)); echo "skip ext4-image*: mke2fs missing"
fi

echo "== make install: nanvixd finds its guest files; a lone nanvixd names --kernel"
if make -s --no-print-directory install PREFIX="$tmp/prefix" >"$tmp/out" 2>"$tmp/err"; then
	ok "install"
	NANVIXD=$tmp/prefix/bin/nanvixd
	expect "installed-hello" 0 '^hello, world$' '' -- -- "$H"
	expect "installed-sysapp" 0 '^Hello, world!$' '' -- -- "$tmp/prefix/lib/nanvix/hello.elf"
	expect "installed-launcher" 0 '^hello, world$' '' -- -w /tmp -- "$H"
	if command -v mke2fs >/dev/null; then
		mke2fs -q -F -t ext2 "$tmp/root.img" 8M >/dev/null 2>&1
		expect "installed-fs-guest" 0 '^hello, world$' '' -- --fs=guest --disk "$tmp/root.img" -- "$H"
	fi
	mkdir -p "$tmp/alone"
	cp "$tmp/prefix/bin/nanvixd" "$tmp/alone/"
	NANVIXD=$tmp/alone/nanvixd
	expect "moved-nanvixd" 127 '' "cannot find the microkernel: no .*/kernel.elf.*--kernel PATH" -- -- "$H"
	expect "moved-nanvixd-kernel" 0 '^hello, world$' '' -- --kernel bin/kernel.elf -- "$H"
	expect "moved-nanvixd-launcher" 0 '^hello, world$' '' -- --kernel bin/kernel.elf -w /tmp -- "$H"
	NANVIXD=bin/nanvixd
else
	bad "install" "make install failed: $(head -c 300 "$tmp/err")"
fi

echo "== --stats on every exit path (the kernel's counters, not zeros, after --timeout)"
for libc in musl newlib; do
	expect "stats-timeout-spin.$libc" 124 'spinning' \
		'stats: exits=[1-9][0-9]* traps=[1-9][0-9]* syscalls=[1-9][0-9]* enosys=[0-9]+ frames_free=[1-9][0-9]* frames_total=4096 ' -- \
		--stats --timeout 0.5 -- "$T/loop.$libc.elf"
	expect "stats-timeout-asleep.$libc" 124 'sleeping' \
		'stats: exits=[1-9][0-9]* traps=[1-9][0-9]* syscalls=[1-9][0-9]* enosys=[0-9]+ frames_free=[1-9][0-9]* frames_total=4096 ' -- \
		--stats --timeout 0.5 -- "$T/sleeper.$libc.elf"
done
expect "stats-segv" 139 '' 'stats: exits=[1-9][0-9]* traps=[1-9][0-9]* syscalls=[1-9][0-9]* .*frames_total=4096 ' -- \
	--stats -- "$T/nullderef.musl.elf"

echo "cli: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
