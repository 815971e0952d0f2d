# tests/system/: deliberately broken guest kernels for nanvixd's error paths.

BADKERNELS := port triple halt sse ring wx
BADKERNEL_ELFS := $(BADKERNELS:%=$(BIN)/tests/bad-%.kernel.elf)

$(BIN)/tests/bad-%.kernel.elf: tests/system/badkernel/badkernel.S kernel/kernel.ld $(wildcard include/abi/*.h)
	@mkdir -p $(dir $@)
	$(KCC) $(filter-out -mgeneral-regs-only,$(KCFLAGS)) $(KLDFLAGS) -DBAD_$(shell echo $* | tr a-z A-Z) \
		-T kernel/kernel.ld -o $@ $<

ALL += $(BADKERNEL_ELFS)

# W^X (tests/system/run.sh, tests/api/api_test.py): mprotect_rwx with glibc
# too, and a program with a writable and executable segment, which nanvixd
# refuses to load or exec (ld -N puts everything in one RWX segment).
$(BIN)/tests/mprotect_rwx.glibc.elf: tests/system/progs/mprotect_rwx.c
	@mkdir -p $(dir $@)
	gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $<
$(BIN)/tests/wx_segment.elf: tests/system/progs/hello.c
	@mkdir -p $(dir $@)
	musl-gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -no-pie -Wl,-N \
		-Wl,--no-warn-rwx-segments -o $@ $<

ALL += $(BIN)/tests/mprotect_rwx.glibc.elf $(BIN)/tests/wx_segment.elf

# nanvixd linked dynamically, for valgrind (which cannot follow static glibc).
$(BIN)/tests/nanvixd.dyn: $(MONITOR_OBJS) $(TRUST_OBJS) $(SANDBOX_OBJ)
	@mkdir -p $(dir $@)
	$(HOST_CC) -o $@ $^ $(NANVIXD_LIBS)

ALL += $(BIN)/tests/nanvixd.dyn

# The stress test (tests/stress/): musl with pthreads.
$(BIN)/tests/stress.elf: tests/stress/stress.c
	@mkdir -p $(dir $@)
	musl-gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $< -lpthread

ALL += $(BIN)/tests/stress.elf

# File-system system tests (tests/system/fs.sh): musl programs.
FS_TEST_ELFS := $(patsubst tests/system/fsprogs/%.c,$(BIN)/tests/fs/%.elf,$(wildcard tests/system/fsprogs/*.c))
$(BIN)/tests/fs/%.elf: tests/system/fsprogs/%.c
	@mkdir -p $(dir $@)
	musl-gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $<
# A stand-in for fsd.elf speaks the kernel's side of the ABI.
$(BIN)/tests/fs/fake_fsd.elf: tests/system/fsprogs/fake_fsd.c sysapps/svc/server.c \
	include/abi/server.h include/abi/fsd.h sysapps/include/svc/server.h
	@mkdir -p $(dir $@)
	musl-gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -Iinclude -Isysapps/include -o $@ \
		$(filter %.c,$^)

ALL += $(FS_TEST_ELFS)

# Shell tests (tests/system/shell.sh): the process-creation program, musl and glibc.
$(BIN)/tests/shell/spawn.musl.elf: tests/system/shell/spawn.c
	@mkdir -p $(dir $@)
	musl-gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $<
$(BIN)/tests/shell/spawn.glibc.elf: tests/system/shell/spawn.c
	@mkdir -p $(dir $@)
	gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $<

ALL += $(BIN)/tests/shell/spawn.musl.elf $(BIN)/tests/shell/spawn.glibc.elf

# Hostile-guest regressions (tests/system/hostile.sh): musl programs.
HOSTILE_ELFS := $(patsubst tests/system/hostile/%.c,$(BIN)/tests/hostile/%.elf,$(wildcard tests/system/hostile/*.c))
$(BIN)/tests/hostile/%.elf: tests/system/hostile/%.c tests/system/hostile/common.h
	@mkdir -p $(dir $@)
	musl-gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $<

# netd_forge plays the VM's network server (bin/netd.elf): it speaks the ABI headers.
$(BIN)/tests/hostile/netd_forge.elf: tests/system/hostile/netd_forge.c $(wildcard include/abi/*.h)
	@mkdir -p $(dir $@)
	musl-gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -Iinclude -o $@ $<

ALL += $(HOSTILE_ELFS)

# Network system test (tests/system/net.sh): an unmodified Linux HTTP server, musl.
$(BIN)/tests/net/http_echo.elf: tests/system/net/http_echo.c
	@mkdir -p $(dir $@)
	musl-gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $<

$(BIN)/tests/net/http_get.elf: tests/system/net/http_get.c
	@mkdir -p $(dir $@)
	musl-gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $<

# Name resolution with both libcs (their resolvers differ: glibc sets IP_RECVERR...).
$(BIN)/tests/net/resolve.musl.elf: tests/system/net/resolve.c
	@mkdir -p $(dir $@)
	musl-gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $<

$(BIN)/tests/net/resolve.glibc.elf: tests/system/net/resolve.c
	@mkdir -p $(dir $@)
	gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $< 2>&1 | { grep -v 'statically linked applications' || true; }

$(BIN)/tests/net/busy_server.elf: tests/system/net/busy_server.c
	@mkdir -p $(dir $@)
	musl-gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -pthread -o $@ $<

ALL += $(BIN)/tests/net/http_echo.elf $(BIN)/tests/net/http_get.elf $(BIN)/tests/net/busy_server.elf \
	$(BIN)/tests/net/resolve.musl.elf $(BIN)/tests/net/resolve.glibc.elf

# Snapshot tests (tests/system/snapshot.sh): the same program with musl and glibc.
SNAP_TEST_ELFS := $(BIN)/tests/snapshot/snap_state.musl.elf $(BIN)/tests/snapshot/snap_state.glibc.elf \
	$(BIN)/tests/snapshot/snap_server.musl.elf $(BIN)/tests/snapshot/snap_server.glibc.elf \
	$(BIN)/tests/snapshot/ticker.musl.elf $(BIN)/tests/snapshot/ticker.glibc.elf \
	$(BIN)/tests/snapshot/snap_cat.musl.elf
$(BIN)/tests/snapshot/%.musl.elf: tests/system/snapshot/%.c include/abi/snapshot.h
	@mkdir -p $(dir $@)
	musl-gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -Iinclude -o $@ $< -lpthread
$(BIN)/tests/snapshot/%.glibc.elf: tests/system/snapshot/%.c include/abi/snapshot.h
	@mkdir -p $(dir $@)
	gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -Iinclude -o $@ $< -lpthread

ALL += $(SNAP_TEST_ELFS)
# A host tool that bends one field of a snapshot's state (with a valid hash).
$(BIN)/tests/snapshot/snap_forge: tests/system/snapshot/snap_forge.c macrokernel/monitor/snapshot.c \
	macrokernel/include/monitor/snapshot.h macrokernel/include/monitor/vm.h
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $<

ALL += $(BIN)/tests/snapshot/snap_forge
# A host program that snapshots an idle VM with the instance API (instance_snapshot).
$(OUT)/tests/snapshot/snap_host.o: tests/system/snapshot/snap_host.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<
$(BIN)/tests/snapshot/snap_host: $(OUT)/tests/snapshot/snap_host.o $(MONITOR_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(HOST_CC) -pthread -o $@ $^ $(HOST_LDFLAGS)
ALL += $(BIN)/tests/snapshot/snap_host

# The limits test (tests/system/limits.sh): musl with pthreads.
$(BIN)/tests/limits.elf: tests/system/limits/limits.c
	@mkdir -p $(dir $@)
	musl-gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $< -lpthread

# /tmp's size limit against a native tmpfs (tests/system/limits.sh): musl and glibc.
$(BIN)/tests/tmpfill.musl.elf: tests/system/limits/tmpfill.c
	@mkdir -p $(dir $@)
	musl-gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $<
$(BIN)/tests/tmpfill.glibc.elf: tests/system/limits/tmpfill.c
	@mkdir -p $(dir $@)
	gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $<

ALL += $(BIN)/tests/limits.elf $(BIN)/tests/tmpfill.musl.elf $(BIN)/tests/tmpfill.glibc.elf
