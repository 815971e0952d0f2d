# macrokernel/: nanvixd, the micro-VM monitor (and later the macro-kernel).

# The storage switch (a library: nanvixd's embedded macro-kernel and bin/macrokernel).
BLKSW_SRCS := macrokernel/blksw/blksw.c macrokernel/blksw/blksw_cow.c

MONITOR_SRCS := macrokernel/monitor/main.c macrokernel/monitor/vm_kvm_x86_64.c \
	macrokernel/monitor/boot.c macrokernel/monitor/hypercall.c \
	macrokernel/monitor/guestmem.c macrokernel/monitor/elf.c \
	macrokernel/monitor/strace.c macrokernel/monitor/aspace.c macrokernel/monitor/exec.c \
	$(BLKSW_SRCS)
MONITOR_OBJS := $(MONITOR_SRCS:%.c=$(OUT)/%.o)

# Statically linked: no dynamic loader on the start-up path.
$(BIN)/nanvixd: $(MONITOR_OBJS) | $(BIN)
	$(HOST_CC) -static -o $@ $^ $(HOST_LDFLAGS)

$(OUT)/macrokernel/%.o: macrokernel/%.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

ALL += $(BIN)/nanvixd
