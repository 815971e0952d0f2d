# macrokernel/: nanvixd, the micro-VM monitor (and later the macro-kernel).

# The storage switch (a library: nanvixd's embedded macro-kernel and bin/macrokernel).
BLKSW_SRCS := macrokernel/blksw/blksw.c macrokernel/blksw/blksw_cow.c

# The file-system component built for the host (embedded in the macro-kernel).
FS_HOST_SRCS := sysapps/fs/service.c sysapps/fs/load.c sysapps/fs/backend_ext2.c sysapps/fs/volume_host.c \
	$(wildcard sysapps/fs/ext2*.c)
# The network component built for the host: NET_HOST_SRCS and NET_HOST_LIB (lwIP).
include sysapps/net/net.mk

MK_SRCS := macrokernel/mk/mk.c macrokernel/rings/ring.c

MONITOR_SRCS := macrokernel/monitor/main.c macrokernel/monitor/vm_kvm_x86_64.c \
	macrokernel/monitor/boot.c macrokernel/monitor/hypercall.c \
	macrokernel/monitor/guestmem.c macrokernel/monitor/elf.c \
	macrokernel/monitor/strace.c macrokernel/monitor/aspace.c macrokernel/monitor/exec.c \
	macrokernel/monitor/client.c macrokernel/monitor/hostsig.c macrokernel/monitor/tty.c \
	macrokernel/monitor/tmpvol.c \
	$(BLKSW_SRCS) $(MK_SRCS) $(FS_HOST_SRCS)
MONITOR_OBJS := $(MONITOR_SRCS:%.c=$(OUT)/%.o)

# Statically linked: no dynamic loader on the start-up path.
$(BIN)/nanvixd: $(MONITOR_OBJS) | $(BIN)
	$(HOST_CC) -static -o $@ $^ $(HOST_LDFLAGS)

$(OUT)/macrokernel/%.o: macrokernel/%.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

$(OUT)/sysapps/%.o: sysapps/%.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

ALL += $(BIN)/nanvixd

# bin/macrokernel: the shared macro-kernel many nanvixd processes attach to.
SERVER_SRCS := macrokernel/server/main.c macrokernel/server/conn.c macrokernel/server/hello.c \
	macrokernel/monitor/guestmem.c $(BLKSW_SRCS) $(MK_SRCS) $(FS_HOST_SRCS)
SERVER_OBJS := $(SERVER_SRCS:%.c=$(OUT)/%.o)

$(BIN)/macrokernel: $(SERVER_OBJS) | $(BIN)
	$(HOST_CC) -static -pthread -o $@ $^ $(HOST_LDFLAGS)

ALL += $(BIN)/macrokernel
