#!/usr/bin/env bash
# tests/fuzz/mkcorpus.sh: regenerate the committed seed corpora tests/fuzz/corpus/elf/,
# tests/fuzz/corpus/ext2/, fs/, netsw/, dns/, hello/ and frames/.  (tests/fuzz/corpus/net/ is
# hand-written in fuzz_net.c's input format and not regenerated here.)
# Synthetic seeds come from gen_corpus (the unit tests' image builder); three
# real-linker seeds are tiny_static.c linked static, static with one text
# segment, and static-PIE.  Keep the folder small (well under 50 KiB).
set -euo pipefail
cd "$(dirname "$0")/../.."

dir=tests/fuzz/corpus/elf
mkdir -p "$dir"
make -s bin/tests/fuzz/gen_corpus
bin/tests/fuzz/gen_corpus "$dir"

cc=${HOST_CC:-gcc}
flags="-Os -nostdlib -fno-asynchronous-unwind-tables -Wl,--build-id=none \
-Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -s"
# shellcheck disable=SC2086
$cc $flags -static -fno-pie -no-pie -o "$dir/real-static" tests/fuzz/tiny_static.c
# shellcheck disable=SC2086
$cc $flags -static -fno-pie -no-pie -Wl,-z,noseparate-code \
	-o "$dir/real-static-small" tests/fuzz/tiny_static.c
# shellcheck disable=SC2086
$cc $flags -static-pie -fpie -Wl,-z,noseparate-code \
	-o "$dir/real-static-pie" tests/fuzz/tiny_static.c
chmod -x "$dir"/real-*

du -sb "$dir"

# ext2: small mke2fs images (64-128 KiB) of one little tree, in the formats
# the library reads; a fixed time, UUID and hash seed keep them close to stable.
# Byte 0 (the boot block) is the fuzz target's mode byte: 0 = mount and write.
dir=tests/fuzz/corpus/ext2
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$dir" "$tree/d/e"
printf 'hello\n' >"$tree/a.txt"
head -c 14000 /dev/zero | tr '\0' 'x' >"$tree/d/indirect.bin"
ln -s a.txt "$tree/fast"
ln -s "d/e/$(printf '%080d' 0)" "$tree/slow"
find "$tree" -exec touch -h -d @1700000000 {} +
mkfs() { # NAME SIZE OPTIONS...
	local name=$1 size=$2
	shift 2
	rm -f "$dir/$name"
	truncate -s "$size" "$dir/$name" # full size: mke2fs leaves a small file short
	E2FSPROGS_FAKE_TIME=1700000000 PATH=$PATH:/sbin:/usr/sbin mke2fs -q -F -t ext2 \
		-U 00000000-0000-0000-0000-000000000001 \
		-E hash_seed=00000000-0000-0000-0000-000000000002 "$@" -d "$tree" \
		"$dir/$name" >/dev/null
}
mkfs e2-1k 64k -b 1024 -N 32
mkfs e2-1k-i128 64k -b 1024 -N 32 -I 128
mkfs e2-2k-nofiletype 128k -b 2048 -N 32 -O ^filetype,^resize_inode
mkfs e2-4k 256k -b 4096 -N 32 -O ^resize_inode # mke2fs wants 64 blocks
mkfs e2-rev0 64k -b 1024 -N 32 -r 0 -O none
du -sb "$dir"

# fs: request sequences for fuzz_fs (format and world: tests/fuzz/fuzz_fs.h).
dir=tests/fuzz/corpus/fs
mkdir -p "$dir"
bin/tests/fuzz/gen_corpus --fs "$dir"
du -sb "$dir"

# netsw: hand-made frames and specs (tests/fuzz/netsw_seeds.py).
dir=tests/fuzz/corpus/netsw
mkdir -p "$dir"
python3 tests/fuzz/netsw_seeds.py "$dir"
du -sb "$dir"

# dns: hand-made queries and query frames (tests/fuzz/dns_seeds.py).
dir=tests/fuzz/corpus/dns
mkdir -p "$dir"
python3 tests/fuzz/dns_seeds.py "$dir"
du -sb "$dir"

# hello and frames: shared macro-kernel hellos and config programs, frame-record
# buffers (formats: tests/fuzz/fuzz_hello.c, tests/fuzz/fuzz_frames.c).
for t in hello frames; do
	dir=tests/fuzz/corpus/$t
	mkdir -p "$dir"
	bin/tests/fuzz/gen_corpus --$t "$dir"
	du -sb "$dir"
done
