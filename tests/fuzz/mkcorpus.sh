#!/usr/bin/env bash
# tests/fuzz/mkcorpus.sh: regenerate the committed seed corpus tests/fuzz/corpus/elf/.
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
