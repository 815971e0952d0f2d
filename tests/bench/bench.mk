# tests/bench: benchmark helpers for ./z bench boot, kernel, io and net.
# Boot (tests/bench/boot.sh): kvm_floor, native_hello and benchrun, all
# linked statically, as nanvixd is, so that start-up costs compare like
# with like.

BENCH_BIN := $(BIN)/bench
BENCH_OUT := $(OUT)/bench
BENCH_PROGS := kvm_floor native_hello benchrun netfirst

ALL += $(addprefix $(BENCH_BIN)/,$(BENCH_PROGS))

$(BENCH_BIN) $(BENCH_OUT):
	mkdir -p $@

$(BENCH_OUT)/%.o: tests/bench/%.c | $(BENCH_OUT)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

$(addprefix $(BENCH_BIN)/,$(BENCH_PROGS)): $(BENCH_BIN)/%: $(BENCH_OUT)/%.o | $(BENCH_BIN)
	$(HOST_CC) -static $(HOST_LDFLAGS) -o $@ $<

# Kernel benchmark (tests/bench/kernel.sh, ./z bench kernel): kernel_ops is
# one static musl binary run both natively and in nanvixd; trap.kernel.elf
# is a minimal guest kernel timing a bare trap and a bare exit.
ALL += $(BENCH_BIN)/kernel_ops.elf $(BENCH_BIN)/trap.kernel.elf

$(BENCH_BIN)/kernel_ops.elf: tests/bench/kernel_ops.c | $(BENCH_BIN)
	$(MUSL_CC) $(MUSL_CFLAGS) -static -no-pie -o $@ $<

$(BENCH_BIN)/trap.kernel.elf: tests/bench/trapkernel/trapkernel.S kernel/kernel.ld include/abi/version.h | $(BENCH_BIN) $(BENCH_OUT)
	$(KCC) $(KCFLAGS) $(KLDFLAGS) -MF $(BENCH_OUT)/trap.kernel.d -T kernel/kernel.ld -o $@ $<

# I/O benchmark (tests/bench/io.sh, ./z bench io): iobench is one static
# musl binary run natively on host files and in nanvixd on an ext2 disk; the
# bare exit it is compared with comes from trap.kernel.elf.
ALL += $(BENCH_BIN)/iobench.elf

$(BENCH_BIN)/iobench.elf: tests/bench/iobench.c | $(BENCH_BIN)
	$(MUSL_CC) $(MUSL_CFLAGS) -static -no-pie -o $@ $<

# Network benchmark (tests/bench/net.sh, ./z bench net): netfirst (host,
# static like the others) times a server's start to its first HTTP answer;
# netbulk is one static musl binary, the bulk TCP server run natively and
# in nanvixd, and its timing client run natively.
ALL += $(BENCH_BIN)/netbulk.elf

$(BENCH_BIN)/netbulk.elf: tests/bench/netbulk.c | $(BENCH_BIN)
	$(MUSL_CC) $(MUSL_CFLAGS) -static -no-pie -o $@ $<
include tests/bench/peers/peers.mk

# Snapshots (./z bench start and density): the echo server with nanvix's
# snapshot point (it overrides echo_http's weak no-op), and snapbench, which
# restores and resets VMs with the instance API as nanvix-serve does.
ALL += $(BENCH_BIN)/echo_snap.elf $(BENCH_BIN)/snapbench

$(BENCH_BIN)/echo_snap.elf: tests/bench/peers/echo_http.c tests/bench/snapshot_point_nanvix.c \
		tests/bench/peers/snapshot_point.h include/abi/snapshot.h | $(BENCH_BIN)
	$(MUSL_CC) $(MUSL_CFLAGS) -Iinclude -Itests/bench/peers -static -no-pie -o $@ \
		tests/bench/peers/echo_http.c tests/bench/snapshot_point_nanvix.c

$(BENCH_OUT)/snapbench.o: tests/bench/snapbench.c | $(BENCH_OUT)
	$(HOST_CC) $(HOST_CFLAGS) -Itests/bench -c -o $@ $<

$(BENCH_BIN)/snapbench: $(BENCH_OUT)/snapbench.o $(OUT)/bench/peers/httpclient.o \
		$(MONITOR_LIB_OBJS) | $(BENCH_BIN)
	$(HOST_CC) -pthread -o $@ $^ $(HOST_LDFLAGS)
