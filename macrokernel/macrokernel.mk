# macrokernel/: nanvixd, the micro-VM monitor (and later the macro-kernel).

# The storage switch (a library: nanvixd's embedded macro-kernel and bin/macrokernel).
BLKSW_SRCS := macrokernel/blksw/blksw.c macrokernel/blksw/blksw_cow.c

# The file-system component built for the host (embedded in the macro-kernel).
FS_HOST_SRCS := sysapps/fs/service.c sysapps/fs/load.c sysapps/fs/backend_ext2.c sysapps/fs/volume_host.c \
	$(wildcard sysapps/fs/ext2*.c)
# The network switch (tenant L2 switch, egress policy; the uplink is bin/nanvix-uplink).
NETSW_SRCS := macrokernel/netsw/netsw.c macrokernel/netsw/policy.c

# The network component built for the host (lwIP + the socket service).
include sysapps/net/net.mk

# The macro-kernel core and the services it links (each registers itself:
# mk/service.h).  The network service brings the switch and lwIP with it.
MK_SRCS := macrokernel/mk/mk.c macrokernel/mk/hello.c macrokernel/rings/ring.c macrokernel/mk/svc_fs.c \
	macrokernel/mk/svc_blk.c
MK_NET_SRCS := macrokernel/mk/svc_net.c $(NETSW_SRCS) $(NET_HOST_SRCS)

MONITOR_SRCS := macrokernel/monitor/main.c macrokernel/monitor/instance.c macrokernel/monitor/vm_kvm_x86_64.c \
	macrokernel/monitor/boot.c macrokernel/monitor/hypercall.c \
	macrokernel/monitor/guestmem.c macrokernel/monitor/elf.c \
	macrokernel/monitor/strace.c macrokernel/monitor/aspace.c macrokernel/monitor/exec.c \
	macrokernel/monitor/client.c macrokernel/monitor/hostsig.c macrokernel/monitor/tty.c \
	macrokernel/monitor/spawner.c macrokernel/monitor/control.c \
	macrokernel/monitor/tmpvol.c macrokernel/monitor/snapshot.c macrokernel/monitor/fleet.c \
	$(BLKSW_SRCS) $(MK_SRCS) $(MK_NET_SRCS) $(FS_HOST_SRCS)
MONITOR_OBJS := $(MONITOR_SRCS:%.c=$(OUT)/%.o) $(NET_HOST_LIB)
# The VM as a library (monitor/instance.h): everything but nanvixd's command line.
MONITOR_LIB_OBJS := $(filter-out $(OUT)/macrokernel/monitor/main.o,$(MONITOR_OBJS))

# Signed images (docs/trust.md): libsodium and jansson, linked into nanvixd and bin/nanvix only.
TRUST_OBJS := $(OUT)/macrokernel/trust/trust.o
TRUST_LIBS := -lsodium -ljansson
# nanvixd's system-call allowlist (libseccomp); bin/tests/nanvixd.sandbox is
# built with NANVIXD_SANDBOX_TEST, the default build never.
SANDBOX_OBJ := $(OUT)/macrokernel/monitor/sandbox.o
NANVIXD_LIBS := $(TRUST_LIBS) -lseccomp
# Statically linked: no dynamic loader on the start-up path.
$(BIN)/nanvixd: $(MONITOR_OBJS) $(TRUST_OBJS) $(SANDBOX_OBJ) | $(BIN)
	$(HOST_CC) -static -o $@ $^ $(HOST_LDFLAGS) $(NANVIXD_LIBS)
$(OUT)/macrokernel/monitor/sandbox_test.o: macrokernel/monitor/sandbox.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -DNANVIXD_SANDBOX_TEST -c -o $@ $<
$(BIN)/tests/nanvixd.sandbox: $(MONITOR_OBJS) $(TRUST_OBJS) \
		$(OUT)/macrokernel/monitor/sandbox_test.o | $(BIN)
	@mkdir -p $(dir $@)
	$(HOST_CC) -static -o $@ $^ $(HOST_LDFLAGS) $(NANVIXD_LIBS)
ALL += $(BIN)/tests/nanvixd.sandbox
# bin/nanvix: the operator's command: VM lifecycle over nanvix-api's control API, and signing.
NANVIX_CLI_OBJS := $(addprefix $(OUT)/macrokernel/cli/,nanvix.o ctl.o httpc.o)
$(BIN)/nanvix: $(NANVIX_CLI_OBJS) $(TRUST_OBJS) | $(BIN)
	$(HOST_CC) -static -o $@ $^ $(HOST_LDFLAGS) $(TRUST_LIBS)
ALL += $(BIN)/nanvix

$(OUT)/macrokernel/mk/svc_net.o: HOST_CFLAGS += $(NET_INC)

$(OUT)/macrokernel/%.o: macrokernel/%.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

$(OUT)/sysapps/%.o: sysapps/%.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

ALL += $(BIN)/nanvixd

# bin/macrokernel: the shared macro-kernel many nanvixd processes attach to.
SERVER_SRCS := macrokernel/server/main.c macrokernel/server/conn.c macrokernel/server/hello.c \
	macrokernel/monitor/guestmem.c $(BLKSW_SRCS) $(MK_SRCS) $(MK_NET_SRCS) $(FS_HOST_SRCS)
SERVER_OBJS := $(SERVER_SRCS:%.c=$(OUT)/%.o) $(NET_HOST_LIB)

# Confined by nanvixd's allowlist once it listens; its uplink comes from the spawner.
$(BIN)/macrokernel: $(SERVER_OBJS) $(SANDBOX_OBJ) $(OUT)/macrokernel/monitor/spawner.o | $(BIN)
	$(HOST_CC) -static -pthread -o $@ $^ $(HOST_LDFLAGS) -lseccomp

ALL += $(BIN)/macrokernel

# The network switch (a library: nanvixd links it; the lead wires it into main.c).

# bin/nanvix-uplink: libslirp and the DNS responder in a process of its own, dynamically linked
# (Debian ships libslirp only as a shared library; docs/decisions/0004).
# slirp.pc requires glib-2.0's .pc, which libslirp-dev does not pull in:
# its header needs no glib, so fall back to the plain paths.
SLIRP_CFLAGS := $(shell pkg-config --cflags slirp 2>/dev/null || echo -I/usr/include/slirp)
SLIRP_LIBS := $(shell pkg-config --libs slirp 2>/dev/null || echo -lslirp)
UPLINK_SRCS := macrokernel/netsw/uplink_main.c macrokernel/netsw/policy.c macrokernel/netsw/dns.c
UPLINK_OBJS := $(UPLINK_SRCS:%.c=$(OUT)/%.o)

$(OUT)/macrokernel/netsw/uplink_main.o: HOST_CFLAGS += $(SLIRP_CFLAGS)

# Confined by its own allowlist (monitor/sandbox.c) once slirp is up.
$(BIN)/nanvix-uplink: $(UPLINK_OBJS) $(SANDBOX_OBJ) | $(BIN)
	$(HOST_CC) -pthread -o $@ $^ $(HOST_LDFLAGS) $(SLIRP_LIBS) -lseccomp

ALL += $(BIN)/nanvix-uplink

# bin/nanvix-serve, the serverless daemon.
include macrokernel/serve/serve.mk

# bin/nanvix-api, the control daemon.
include macrokernel/api/api.mk
include macrokernel/oci/oci.mk
