# guest.mk: guest test programs (tests/system/progs/*.c), each built twice:
#   bin/tests/<name>.musl.elf    musl-gcc -static (non-PIE ET_EXEC), the
#                                "unmodified Linux binary" case
#   bin/tests/<name>.newlib.elf  newlib + ulib (toolchain/nanvix-cc recipe)
# plus bin/tests/hello.pie.elf, a musl static-PIE (ET_DYN, self-relocating).
# Each program prints the same thing natively and in a VM (some only make
# sense in a VM: mprotect_rwx, enomem).

GUEST_TEST_NAMES := $(basename $(notdir $(wildcard tests/system/progs/*.c)))

MUSL_CC := musl-gcc
MUSL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror

GUEST_TEST_MUSL := $(GUEST_TEST_NAMES:%=$(BIN)/tests/%.musl.elf)
GUEST_TEST_NEWLIB := $(GUEST_TEST_NAMES:%=$(BIN)/tests/%.newlib.elf)

$(BIN)/tests/%.musl.elf: tests/system/progs/%.c
	@mkdir -p $(@D)
	$(MUSL_CC) $(MUSL_CFLAGS) -static -no-pie -o $@ $<

# Debian's musl-gcc.specs knows nothing of -static-pie (it would link
# Scrt1.o and libc.so with an interpreter), so name musl's self-relocating
# start file rcrt1.o and ask ld for a static PIE without interpreter.
MUSL_LIBDIR := /usr/lib/x86_64-linux-musl
MUSL_STATIC_PIE := -static-pie -fPIE -nostartfiles -Wl,-static \
	-Wl,--no-dynamic-linker -Wl,-z,text
MUSL_PIE_START := $(MUSL_LIBDIR)/rcrt1.o $(MUSL_LIBDIR)/crti.o \
	$(shell gcc -print-file-name=crtbeginS.o)
MUSL_PIE_END := $(shell gcc -print-file-name=crtendS.o) $(MUSL_LIBDIR)/crtn.o

$(BIN)/tests/hello.pie.elf: tests/system/progs/hello.c
	@mkdir -p $(@D)
	$(MUSL_CC) $(MUSL_CFLAGS) $(MUSL_STATIC_PIE) -o $@ $(MUSL_PIE_START) $< \
		$(MUSL_PIE_END)

$(OUT)/tests/progs/%.newlib.o: tests/system/progs/%.c $(NEWLIB_STAMP)
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

# Keep the objects (make would delete them as intermediates).
.SECONDARY: $(GUEST_TEST_NAMES:%=$(OUT)/tests/progs/%.newlib.o)

$(BIN)/tests/%.newlib.elf: $(OUT)/tests/progs/%.newlib.o $(GUEST_LINK_DEPS)
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_LDFLAGS) -o $@ $< $(GUEST_LIBS)

.PHONY: guest-tests
guest-tests: $(GUEST_TEST_MUSL) $(GUEST_TEST_NEWLIB) $(BIN)/tests/hello.pie.elf

ALL += guest-tests
