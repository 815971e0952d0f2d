# toolchain.mk: how guest programs (newlib + ulib, static ET_EXEC) are built.
#
# Compile:  $(GUEST_CC) $(GUEST_CFLAGS) -c -o x.o x.c
#           with $(NEWLIB_STAMP) as a prerequisite (headers exist; a new
#           newlib build recompiles)
# Link:     $(GUEST_CC) $(GUEST_LDFLAGS) -o x.elf x.o ... $(GUEST_LIBS)
#           with $(GUEST_LINK_DEPS) as prerequisites.
#
# The flags come from toolchain/nanvix-cc, the one definition of the recipe
# (users call it directly), which takes the code-generation flags from
# toolchain/newlib.sh, which builds newlib with them.

# The cached newlib sysroot: toolchain/newlib.sh builds it once (about a
# minute), from ./z setup or from the rule below.
NEWLIB_SYSROOT := $(shell toolchain/newlib.sh --print-sysroot)
NEWLIB_STAMP := $(NEWLIB_SYSROOT)/lib/libc.a

# The host gcc: x86-64 ELF is its native format; only headers and libraries
# change, and nanvix-cc's flags see to that.
GUEST_CC := gcc
GUEST_ARCH_CFLAGS := $(shell toolchain/newlib.sh --print-cflags)
GUEST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -MMD -MP \
	$(shell toolchain/nanvix-cc --print-cflags)
GUEST_LDFLAGS := $(shell toolchain/nanvix-cc --print-ldflags)
GUEST_LIBS := $(shell toolchain/nanvix-cc --print-libs)
GUEST_LINK_DEPS := $(BIN)/crt0.o $(BIN)/libulib.a toolchain/guest.ld \
	$(NEWLIB_STAMP)

$(NEWLIB_STAMP):
	toolchain/newlib.sh
