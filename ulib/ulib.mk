# ulib.mk: the user library (crt0, newlib glue, POSIX extras, threads, signals)
# guest system programs linked with it.

ULIB_SRCS := ulib/start.c ulib/newlib_glue.c ulib/posix.c ulib/xlate.c \
	ulib/files.c ulib/thread.c ulib/pthread.c ulib/signal.c
ULIB_ASM_SRCS := ulib/signal_asm.S
ULIB_OBJS := $(patsubst %.c,$(OUT)/%.o,$(ULIB_SRCS)) \
	$(patsubst %.S,$(OUT)/%.o,$(ULIB_ASM_SRCS))

# Guest C objects: anything under $(OUT) compiled with the guest flags.
# ulib's own sources also see its private headers (syscall.h, xlate.h);
# assembly sees only <abi/...> (system-call numbers).
$(OUT)/ulib/%.o: ulib/%.c $(NEWLIB_STAMP)
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -Iulib -c -o $@ $<

$(OUT)/ulib/%.o: ulib/%.S
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_ARCH_CFLAGS) -nostdinc -Iinclude -MMD -MP -c -o $@ $<

$(BIN)/crt0.o: $(OUT)/ulib/crt0.o | $(BIN)
	cp $< $@

$(BIN)/libulib.a: $(ULIB_OBJS) | $(BIN)
	rm -f $@
	ar rcs $@ $^

ALL += $(BIN)/crt0.o $(BIN)/libulib.a

include sysapps/hello/hello.mk
