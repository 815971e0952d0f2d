# Shared build configuration: directories, host and guest flags.

BIN := bin
OUT := build/out

# Host-side C (nanvixd, macro-kernel, tests, tools).
HOST_CC ?= gcc
HOST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow \
	-Wno-unused-parameter -D_GNU_SOURCE -MMD -MP \
	-Iinclude -Imacrokernel/include -Isysapps/include -Isysapps/fs/include \
	-Isysapps/net/include
HOST_LDFLAGS :=

# Guest kernel: freestanding, no SSE, no red zone, top 2 GiB.
KCC ?= gcc
KCFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow \
	-Wno-unused-parameter -ffreestanding -fno-builtin -nostdinc \
	-fno-stack-protector -fno-pic -fno-pie -fno-asynchronous-unwind-tables \
	-mgeneral-regs-only -mno-red-zone -mcmodel=kernel -MMD -MP \
	-fno-tree-loop-distribute-patterns \
	-isystem $(shell $(KCC) -print-file-name=include) \
	-Ikernel/include -Iinclude
KLDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=4096 \
	-Wl,-z,noexecstack

# Guest user programs: see toolchain/toolchain.mk.
