# tests/fuzz: libFuzzer targets (clang), one binary per tests/fuzz/fuzz_<name>.c,
# each with its seed corpus in tests/fuzz/corpus/<name>/.  The code under test
# is compiled again here with coverage and sanitizers.  tests/fuzz/run.sh runs
# them; tests/fuzz/mkcorpus.sh regenerates the seeds.

FUZZ_CC ?= clang
FUZZ_BIN := $(BIN)/tests/fuzz
FUZZ_OUT := $(OUT)/tests/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := $(HOST_CFLAGS) -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) \
	-fsanitize=fuzzer-no-link

FUZZ_TARGETS := $(FUZZ_BIN)/fuzz_elf $(FUZZ_BIN)/fuzz_hypercall $(FUZZ_BIN)/fuzz_rings \
	$(FUZZ_BIN)/fuzz_ext2 $(FUZZ_BIN)/fuzz_fs $(FUZZ_BIN)/fuzz_netsw \
	$(FUZZ_BIN)/fuzz_net $(FUZZ_BIN)/fuzz_dns $(FUZZ_BIN)/fuzz_hello $(FUZZ_BIN)/fuzz_frames \
	$(FUZZ_BIN)/fuzz_trust $(FUZZ_BIN)/fuzz_api $(FUZZ_BIN)/fuzz_oci

# The guest-side system-call fuzzer (tests/fuzz/sysfuzz.c, run by
# tests/fuzz/syscalls.sh): a static musl program, built whatever the host's
# clang.  No stack protector: fuzzed arch_prctl calls move the TLS it reads.
SYSFUZZ := $(FUZZ_BIN)/sysfuzz.elf
ALL += $(SYSFUZZ)

$(SYSFUZZ): tests/fuzz/sysfuzz.c
	@mkdir -p $(@D)
	$(MUSL_CC) $(MUSL_CFLAGS) -fno-stack-protector -static -no-pie -o $@ $<

# Only part of `make` where clang and its libFuzzer runtime are installed.
FUZZ_OK := $(shell command -v $(FUZZ_CC) >/dev/null 2>&1 && \
	test -f "$$($(FUZZ_CC) -print-file-name=libclang_rt.fuzzer-x86_64.a)" && echo yes)
ifeq ($(FUZZ_OK),yes)
ALL += $(FUZZ_TARGETS)
endif

.PHONY: tests-fuzz
tests-fuzz: $(FUZZ_TARGETS)

$(FUZZ_OUT)/%.o: tests/fuzz/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

# Code under test, instrumented for coverage.
$(FUZZ_OUT)/src/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_TARGETS):
	@mkdir -p $(@D)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) $(HOST_LDFLAGS) -o $@ $(filter %.o %.a,$^) $(FUZZ_LIBS)

$(FUZZ_BIN)/fuzz_elf: $(FUZZ_OUT)/fuzz_elf.o $(FUZZ_OUT)/src/macrokernel/monitor/elf.o

$(FUZZ_BIN)/fuzz_trust: $(FUZZ_OUT)/fuzz_trust.o $(FUZZ_OUT)/src/macrokernel/trust/trust.o
$(FUZZ_BIN)/fuzz_trust: FUZZ_LIBS := -lsodium -ljansson

$(FUZZ_BIN)/fuzz_api: $(FUZZ_OUT)/fuzz_api.o $(FUZZ_OUT)/src/macrokernel/api/routes.o \
	$(FUZZ_OUT)/src/macrokernel/api/vm.o $(FUZZ_OUT)/src/macrokernel/api/fn.o \
	$(FUZZ_OUT)/src/macrokernel/api/auth.o $(FUZZ_OUT)/src/macrokernel/api/snap.o \
	$(FUZZ_OUT)/src/macrokernel/api/metrics.o $(FUZZ_OUT)/src/macrokernel/api/conn.o \
	$(FUZZ_OUT)/src/macrokernel/api/sandbox.o $(FUZZ_OUT)/src/macrokernel/monitor/sandbox.o \
	$(FUZZ_OUT)/src/macrokernel/serve/http.o
$(FUZZ_BIN)/fuzz_api: FUZZ_LIBS := -lsodium -ljansson -lseccomp

$(FUZZ_BIN)/fuzz_oci: $(FUZZ_OUT)/fuzz_oci.o $(FUZZ_OUT)/src/macrokernel/oci/spec.o \
	$(FUZZ_OUT)/src/macrokernel/oci/log.o
$(FUZZ_BIN)/fuzz_oci: FUZZ_LIBS := -ljansson

$(FUZZ_BIN)/fuzz_hypercall: $(FUZZ_OUT)/fuzz_hypercall.o \
	$(FUZZ_OUT)/src/macrokernel/monitor/hypercall.o \
	$(FUZZ_OUT)/src/macrokernel/monitor/guestmem.o \
	$(FUZZ_OUT)/src/macrokernel/monitor/strace.o \
	$(FUZZ_OUT)/src/macrokernel/monitor/aspace.o \
	$(FUZZ_OUT)/src/macrokernel/monitor/exec.o \
	$(FUZZ_OUT)/src/macrokernel/monitor/boot.o \
	$(FUZZ_OUT)/src/macrokernel/monitor/elf.o \
	$(FUZZ_OUT)/src/macrokernel/monitor/tty.o \
	$(FUZZ_OUT)/src/tests/unit/monitor/guest_pt.o

# Seed generator (host gcc, no instrumentation), used by mkcorpus.sh.
$(FUZZ_BIN)/gen_corpus: tests/fuzz/gen_corpus.c tests/unit/monitor/elf_builder.c \
	tests/unit/monitor/elf_builder.h tests/fuzz/fuzz_fs.h macrokernel/include/server/proto.h \
	include/abi/net.h
	@mkdir -p $(@D)
	$(HOST_CC) $(filter-out -MMD -MP,$(HOST_CFLAGS)) -Itests/unit -o $@ $(filter %.c,$^)

$(FUZZ_BIN)/fuzz_rings: $(FUZZ_OUT)/fuzz_rings.o $(FUZZ_OUT)/src/macrokernel/rings/ring.o

$(FUZZ_BIN)/fuzz_ext2: $(FUZZ_OUT)/fuzz_ext2.o $(FUZZ_OUT)/src/sysapps/fs/ext2.o \
	$(FUZZ_OUT)/src/sysapps/fs/ext2_alloc.o $(FUZZ_OUT)/src/sysapps/fs/ext2_dir.o \
	$(FUZZ_OUT)/src/sysapps/fs/ext2_file.o

# The fs service over an in-memory ext2 image and host volumes (tests/fuzz/fuzz_fs.h).
$(FUZZ_BIN)/fuzz_fs: $(FUZZ_OUT)/fuzz_fs.o $(FUZZ_OUT)/src/tests/unit/fs/file_blkdev.o \
	$(FUZZ_OUT)/src/sysapps/fs/service.o $(FUZZ_OUT)/src/sysapps/fs/backend_ext2.o \
	$(FUZZ_OUT)/src/sysapps/fs/volume_host.o $(FUZZ_OUT)/src/sysapps/fs/ext2.o \
	$(FUZZ_OUT)/src/sysapps/fs/ext2_alloc.o $(FUZZ_OUT)/src/sysapps/fs/ext2_dir.o \
	$(FUZZ_OUT)/src/sysapps/fs/ext2_file.o

# The network switch: hostile frames into its ports, and policy specs.
$(FUZZ_BIN)/fuzz_netsw: $(FUZZ_OUT)/fuzz_netsw.o $(FUZZ_OUT)/src/macrokernel/netsw/netsw.o \
	$(FUZZ_OUT)/src/macrokernel/netsw/policy.o

# The network service: two VMs on one lwIP stack (lwIP itself instrumented too).
$(FUZZ_OUT)/fuzz_net.o $(FUZZ_OUT)/src/sysapps/net/%.o: FUZZ_CFLAGS += $(NET_INC)
$(FUZZ_OUT)/src/sysapps/net/%.o: | $(LWIP_DIR)/src/core/init.c
$(FUZZ_BIN)/fuzz_net: $(FUZZ_OUT)/fuzz_net.o $(FUZZ_OUT)/src/sysapps/net/service.o \
	$(FUZZ_OUT)/src/sysapps/net/port.o $(NET_FUZZ_LIB)

# The tenant network's DNS responder: queries, bare and in frames.
$(FUZZ_BIN)/fuzz_dns: $(FUZZ_OUT)/fuzz_dns.o $(FUZZ_OUT)/src/macrokernel/netsw/dns.o

# The shared macro-kernel's hello, checked by the services bin/macrokernel links (each
# registers its section: mk/service.h), so every server source but its main and
# connection threads, lwIP included.
FUZZ_HELLO_SRCS := $(filter-out macrokernel/server/main.c macrokernel/server/conn.c,$(SERVER_SRCS))
$(FUZZ_OUT)/src/macrokernel/mk/svc_net.o: FUZZ_CFLAGS += $(NET_INC)
$(FUZZ_OUT)/src/macrokernel/mk/svc_net.o: | $(LWIP_DIR)/src/core/init.c
$(FUZZ_BIN)/fuzz_hello: HOST_LDFLAGS += -pthread
$(FUZZ_BIN)/fuzz_hello: $(FUZZ_OUT)/fuzz_hello.o $(FUZZ_HELLO_SRCS:%.c=$(FUZZ_OUT)/src/%.o) \
	$(NET_FUZZ_LIB)

# The frame-record parser of abi/net.h (header only).
$(FUZZ_BIN)/fuzz_frames: $(FUZZ_OUT)/fuzz_frames.o
