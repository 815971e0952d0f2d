# tests/unit: Check unit tests, one binary per tests/unit/<subsys>/test_<name>.c.
# Built with ASan and UBSan (no recovery), so a memory error fails the test;
# the code under test is compiled again here with the same flags.
# tests/unit/run.sh runs them all.

UNIT_BIN := $(BIN)/tests/unit
UNIT_OUT := $(OUT)/tests/unit
UNIT_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
UNIT_CFLAGS := $(HOST_CFLAGS) -O1 $(UNIT_SAN) -Itests/unit $(shell pkg-config --cflags check)
UNIT_LIBS := $(shell pkg-config --libs check)
UNIT_RUNNER := $(UNIT_OUT)/runner.o

UNIT_TESTS := $(UNIT_BIN)/test_elf $(UNIT_BIN)/test_guestmem $(UNIT_BIN)/test_hypercall \
	$(UNIT_BIN)/test_boot $(UNIT_BIN)/test_strace $(UNIT_BIN)/test_aspace \
	$(UNIT_BIN)/test_ring $(UNIT_BIN)/test_blksw $(UNIT_BIN)/test_ext2 \
	$(UNIT_BIN)/test_service $(UNIT_BIN)/test_client $(UNIT_BIN)/test_netsw \
	$(UNIT_BIN)/test_uplink $(UNIT_BIN)/test_net_service $(UNIT_BIN)/test_dns

ALL += $(UNIT_TESTS)

.PHONY: tests-unit
tests-unit: $(UNIT_TESTS)

$(UNIT_OUT)/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(UNIT_CFLAGS) -c -o $@ $<

# Code under test, rebuilt with the sanitizers.
$(UNIT_OUT)/src/%.o: %.c
	@mkdir -p $(@D)
	$(HOST_CC) $(UNIT_CFLAGS) -c -o $@ $<

$(UNIT_TESTS): $(UNIT_RUNNER)
	@mkdir -p $(@D)
	$(HOST_CC) $(UNIT_SAN) $(HOST_LDFLAGS) -o $@ $(filter %.o %.a,$^) $(UNIT_LIBS)

$(UNIT_BIN)/test_elf: $(UNIT_OUT)/monitor/test_elf.o $(UNIT_OUT)/monitor/elf_builder.o \
	$(UNIT_OUT)/src/macrokernel/monitor/elf.o

$(UNIT_BIN)/test_guestmem: $(UNIT_OUT)/monitor/test_guestmem.o $(UNIT_OUT)/monitor/guest_pt.o \
	$(UNIT_OUT)/src/macrokernel/monitor/guestmem.o

$(UNIT_BIN)/test_hypercall: $(UNIT_OUT)/monitor/test_hypercall.o $(UNIT_OUT)/monitor/guest_pt.o \
	$(UNIT_OUT)/src/macrokernel/monitor/hypercall.o $(UNIT_OUT)/src/macrokernel/monitor/guestmem.o \
	$(UNIT_OUT)/src/macrokernel/monitor/strace.o $(UNIT_OUT)/src/macrokernel/monitor/aspace.o \
	$(UNIT_OUT)/src/macrokernel/monitor/exec.o $(UNIT_OUT)/src/macrokernel/monitor/boot.o \
	$(UNIT_OUT)/src/macrokernel/monitor/elf.o $(UNIT_OUT)/src/macrokernel/monitor/tty.o

$(UNIT_BIN)/test_strace: $(UNIT_OUT)/monitor/test_strace.o $(UNIT_OUT)/monitor/guest_pt.o \
	$(UNIT_OUT)/src/macrokernel/monitor/strace.o $(UNIT_OUT)/src/macrokernel/monitor/guestmem.o

$(UNIT_BIN)/test_boot: $(UNIT_OUT)/monitor/test_boot.o $(UNIT_OUT)/monitor/guest_pt.o \
	$(UNIT_OUT)/src/macrokernel/monitor/boot.o $(UNIT_OUT)/src/macrokernel/monitor/elf.o \
	$(UNIT_OUT)/src/macrokernel/monitor/guestmem.o $(UNIT_OUT)/src/macrokernel/monitor/aspace.o

$(UNIT_BIN)/test_aspace: $(UNIT_OUT)/monitor/test_aspace.o $(UNIT_OUT)/monitor/guest_pt.o \
	$(UNIT_OUT)/src/macrokernel/monitor/aspace.o $(UNIT_OUT)/src/macrokernel/monitor/guestmem.o

$(UNIT_BIN)/test_client: $(UNIT_OUT)/monitor/test_client.o \
	$(UNIT_OUT)/src/macrokernel/monitor/client.o $(UNIT_OUT)/src/macrokernel/mk/hello.o

$(UNIT_BIN)/test_ring: $(UNIT_OUT)/rings/test_ring.o $(UNIT_OUT)/src/macrokernel/rings/ring.o

$(UNIT_BIN)/test_blksw: $(UNIT_OUT)/blksw/test_blksw.o $(UNIT_OUT)/src/macrokernel/blksw/blksw.o \
	$(UNIT_OUT)/src/macrokernel/blksw/blksw_cow.o

$(UNIT_BIN)/test_ext2: $(UNIT_OUT)/fs/test_ext2.o $(UNIT_OUT)/fs/file_blkdev.o \
	$(UNIT_OUT)/src/sysapps/fs/ext2.o $(UNIT_OUT)/src/sysapps/fs/ext2_alloc.o \
	$(UNIT_OUT)/src/sysapps/fs/ext2_dir.o $(UNIT_OUT)/src/sysapps/fs/ext2_file.o

# The fs service (namespace, handles, the path walk) over ext2 and host volumes.
$(UNIT_BIN)/test_service: $(UNIT_OUT)/fs/test_service.o $(UNIT_OUT)/fs/file_blkdev.o \
	$(UNIT_OUT)/src/sysapps/fs/service.o $(UNIT_OUT)/src/sysapps/fs/backend_ext2.o \
	$(UNIT_OUT)/src/sysapps/fs/volume_host.o $(UNIT_OUT)/src/sysapps/fs/ext2.o \
	$(UNIT_OUT)/src/sysapps/fs/ext2_alloc.o $(UNIT_OUT)/src/sysapps/fs/ext2_dir.o \
	$(UNIT_OUT)/src/sysapps/fs/ext2_file.o

# The network switch and its policy (frames, spoofing, rate, RSTs, specs).
NETSW_UNIT_OBJS := $(UNIT_OUT)/src/macrokernel/netsw/netsw.o $(UNIT_OUT)/src/macrokernel/netsw/policy.o

$(UNIT_BIN)/test_netsw: $(UNIT_OUT)/netsw/test_netsw.o $(NETSW_UNIT_OBJS)

# The DNS responder's codec (queries, answers, frames).
$(UNIT_BIN)/test_dns: $(UNIT_OUT)/netsw/test_dns.o $(UNIT_OUT)/src/macrokernel/netsw/dns.o

# The switch with the real bin/nanvix-uplink: published ports, egress, EADDRINUSE.
$(UNIT_BIN)/test_uplink: $(UNIT_OUT)/netsw/test_uplink.o $(NETSW_UNIT_OBJS) | $(BIN)/nanvix-uplink

# The network service (two VMs on one lwIP stack, a fake switch); lwIP itself
# is the sanitized archive from sysapps/net/net.mk.
$(UNIT_OUT)/net/test_net_service.o $(UNIT_OUT)/src/sysapps/net/%.o: UNIT_CFLAGS += $(NET_INC)
$(UNIT_OUT)/src/sysapps/net/%.o: | $(LWIP_DIR)/src/core/init.c
$(UNIT_BIN)/test_net_service: $(UNIT_OUT)/net/test_net_service.o \
	$(UNIT_OUT)/src/sysapps/net/service.o $(UNIT_OUT)/src/sysapps/net/port.o $(NET_UNIT_LIB)
