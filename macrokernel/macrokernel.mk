# macrokernel/: nanvixd, the micro-VM monitor (and later the macro-kernel).

MONITOR_SRCS := macrokernel/monitor/main.c macrokernel/monitor/vm_kvm_x86_64.c \
	macrokernel/monitor/boot.c macrokernel/monitor/hypercall.c \
	macrokernel/monitor/guestmem.c macrokernel/monitor/elf.c \
	macrokernel/monitor/strace.c macrokernel/monitor/aspace.c macrokernel/monitor/exec.c
MONITOR_OBJS := $(MONITOR_SRCS:%.c=$(OUT)/%.o)

# Statically linked: no dynamic loader on the start-up path.
$(BIN)/nanvixd: $(MONITOR_OBJS) | $(BIN)
	$(HOST_CC) -static -o $@ $^ $(HOST_LDFLAGS)

$(OUT)/macrokernel/%.o: macrokernel/%.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

ALL += $(BIN)/nanvixd
