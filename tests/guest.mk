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

# $(call guest_progs,SRC,BIN,OBJ): rules building every SRC/<name>.c into
# BIN/<name>.musl.elf and BIN/<name>.newlib.elf (objects in OBJ).
define guest_progs
$(2)/%.musl.elf: $(1)/%.c
	@mkdir -p $$(@D)
	$$(MUSL_CC) $$(MUSL_CFLAGS) -static -no-pie -o $$@ $$<

$(3)/%.newlib.o: $(1)/%.c $$(NEWLIB_STAMP)
	@mkdir -p $$(@D)
	$$(GUEST_CC) $$(GUEST_CFLAGS) -c -o $$@ $$<

$(2)/%.newlib.elf: $(3)/%.newlib.o $$(GUEST_LINK_DEPS)
	@mkdir -p $$(@D)
	$$(GUEST_CC) $$(GUEST_LDFLAGS) -o $$@ $$< $$(GUEST_LIBS)
endef

# $(call glibc_progs,SRC,BIN): BIN/<name>.glibc.elf from SRC/<name>.c with
# Debian's glibc (gcc -static): the other libc Linux programs come with,
# whose fork, posix_spawn and system use clone flags musl does not.
GLIBC_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror
define glibc_progs
$(2)/%.glibc.elf: $(1)/%.c
	@mkdir -p $$(@D)
	gcc $$(GLIBC_CFLAGS) -static -o $$@ $$< -lpthread
endef

GUEST_TEST_MUSL := $(GUEST_TEST_NAMES:%=$(BIN)/tests/%.musl.elf)
GUEST_TEST_NEWLIB := $(GUEST_TEST_NAMES:%=$(BIN)/tests/%.newlib.elf)
$(eval $(call guest_progs,tests/system/progs,$(BIN)/tests,$(OUT)/tests/progs))

# The POSIX suite (tests/posix/run.sh), built the same two ways, except the
# programs named in tests/posix/MUSL_ONLY (they need what newlib+ulib lack),
# and a third way with glibc.
POSIX_TEST_NAMES := $(basename $(notdir $(wildcard tests/posix/*.c)))
POSIX_MUSL_ONLY := $(shell grep -o '^[A-Za-z0-9_-]*' tests/posix/MUSL_ONLY)
POSIX_NEWLIB_NAMES := $(filter-out $(POSIX_MUSL_ONLY),$(POSIX_TEST_NAMES))
POSIX_TESTS := $(POSIX_TEST_NAMES:%=$(BIN)/tests/posix/%.musl.elf) \
	$(POSIX_NEWLIB_NAMES:%=$(BIN)/tests/posix/%.newlib.elf) \
	$(POSIX_TEST_NAMES:%=$(BIN)/tests/posix/%.glibc.elf)
$(eval $(call guest_progs,tests/posix,$(BIN)/tests/posix,$(OUT)/tests/posix))
$(eval $(call glibc_progs,tests/posix,$(BIN)/tests/posix))

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

# Keep the objects (make would delete them as intermediates).
.SECONDARY: $(GUEST_TEST_NAMES:%=$(OUT)/tests/progs/%.newlib.o) \
	$(POSIX_TEST_NAMES:%=$(OUT)/tests/posix/%.newlib.o)

.PHONY: guest-tests
guest-tests: $(GUEST_TEST_MUSL) $(GUEST_TEST_NEWLIB) $(BIN)/tests/hello.pie.elf $(POSIX_TESTS)

ALL += guest-tests

# The file-system suite (tests/posix/files.sh): tests/posix/files/<name>.c,
# built the same two ways, except the programs named in
# tests/posix/files/MUSL_ONLY.
FILES_TEST_NAMES := $(basename $(notdir $(wildcard tests/posix/files/*.c)))
FILES_MUSL_ONLY := $(shell grep -o '^[A-Za-z0-9_-]*' tests/posix/files/MUSL_ONLY)
FILES_NEWLIB_NAMES := $(filter-out $(FILES_MUSL_ONLY),$(FILES_TEST_NAMES))
FILES_TESTS := $(FILES_TEST_NAMES:%=$(BIN)/tests/posix/files/%.musl.elf) \
	$(FILES_NEWLIB_NAMES:%=$(BIN)/tests/posix/files/%.newlib.elf)
$(eval $(call guest_progs,tests/posix/files,$(BIN)/tests/posix/files,$(OUT)/tests/posix/files))

.SECONDARY: $(FILES_TEST_NAMES:%=$(OUT)/tests/posix/files/%.newlib.o)
guest-tests: $(FILES_TESTS)

# The network suite (tests/posix/net.sh): tests/posix/net/<name>.c, built
# with musl and with glibc (newlib has no socket headers).
NET_TEST_NAMES := $(basename $(notdir $(wildcard tests/posix/net/*.c)))
NET_TESTS := $(NET_TEST_NAMES:%=$(BIN)/tests/posix/net/%.musl.elf) \
	$(NET_TEST_NAMES:%=$(BIN)/tests/posix/net/%.glibc.elf)

$(BIN)/tests/posix/net/%.musl.elf: tests/posix/net/%.c tests/posix/net/common.h
	@mkdir -p $(@D)
	$(MUSL_CC) $(MUSL_CFLAGS) -static -no-pie -o $@ $<

$(BIN)/tests/posix/net/%.glibc.elf: tests/posix/net/%.c tests/posix/net/common.h
	@mkdir -p $(@D)
	gcc $(GLIBC_CFLAGS) -static -o $@ $< -lpthread

.PHONY: net-tests
net-tests: $(NET_TESTS) $(BIN)/tests/net/http_echo.elf
guest-tests: net-tests
