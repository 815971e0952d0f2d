# bin/nanvix-serve: the serverless daemon (macrokernel/serve/README.md), and the
# test function and load client of tests/serve/run.sh.
#
# The backends linked register themselves (SERVE_BACKEND): add a backend by
# adding its source to SERVE_BACKEND_SRCS.  jansson (libjansson-dev) reads
# the configuration; it is linked statically, glibc dynamically (so that
# valgrind sees the allocator: tests/serve/run.sh runs it under memcheck).
SERVE_BACKEND_SRCS := macrokernel/serve/backend_process.c macrokernel/serve/backend_vm.c
SERVE_SRCS := macrokernel/serve/main.c macrokernel/serve/gateway.c macrokernel/serve/client.c \
	macrokernel/serve/proxy.c \
	macrokernel/serve/pool.c macrokernel/serve/jobs.c macrokernel/serve/timer.c \
	macrokernel/serve/http.c macrokernel/serve/config.c macrokernel/serve/backend.c \
	$(SERVE_BACKEND_SRCS)
SERVE_OBJS := $(SERVE_SRCS:%.c=$(OUT)/%.o)

# The vm backend holds its VMs with the instance API (MONITOR_LIB_OBJS).
$(BIN)/nanvix-serve: $(SERVE_OBJS) $(MONITOR_LIB_OBJS) | $(BIN)
	$(HOST_CC) -pthread -o $@ $^ $(HOST_LDFLAGS) -Wl,-Bstatic -ljansson -Wl,-Bdynamic -lm

ALL += $(BIN)/nanvix-serve

SERVE_TEST_BIN := $(BIN)/tests/serve
SERVE_TEST_PROGS := fn_test loadgen

$(SERVE_TEST_BIN):
	mkdir -p $@

$(OUT)/tests/serve/%.o: tests/serve/%.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -Iinclude -c -o $@ $<

# The same function for the vm backend: a static musl program for a VM.
$(SERVE_TEST_BIN)/fn_test.elf: tests/serve/fn_test.c include/abi/snapshot.h | $(SERVE_TEST_BIN)
	$(MUSL_CC) $(MUSL_CFLAGS) -D_GNU_SOURCE -Iinclude -static -no-pie -o $@ tests/serve/fn_test.c

$(addprefix $(SERVE_TEST_BIN)/,$(SERVE_TEST_PROGS)): $(SERVE_TEST_BIN)/%: $(OUT)/tests/serve/%.o | $(SERVE_TEST_BIN)
	$(HOST_CC) -pthread -o $@ $< $(HOST_LDFLAGS)

# The parser's unit test, with the sanitizers watching its random inputs.
$(SERVE_TEST_BIN)/http_test: tests/serve/http_test.c macrokernel/serve/http.c \
		macrokernel/include/serve/http.h | $(SERVE_TEST_BIN)
	$(HOST_CC) $(filter-out -MMD -MP,$(HOST_CFLAGS)) -fsanitize=address,undefined \
		-fno-sanitize-recover=all -o $@ tests/serve/http_test.c macrokernel/serve/http.c

ALL += $(addprefix $(SERVE_TEST_BIN)/,$(SERVE_TEST_PROGS)) $(SERVE_TEST_BIN)/http_test \
	$(SERVE_TEST_BIN)/fn_test.elf
