# bin/nanvix-api: the control daemon (docs/api.md, docs/api/openapi.yaml).
# It runs each VM as a nanvixd process, so it links no monitor code but
# monitor/sandbox.c's allowlist installer: serve/http.c's parser, jansson
# and libsodium (statically; glibc and libseccomp dynamically, so that
# valgrind sees the allocator).
API_SRCS := macrokernel/api/main.c macrokernel/api/conn.c macrokernel/api/routes.c \
	macrokernel/api/vm.c macrokernel/api/fn.c macrokernel/api/auth.c macrokernel/api/metrics.c \
	macrokernel/api/sandbox.c macrokernel/monitor/sandbox.c \
	macrokernel/api/snap.c macrokernel/serve/http.c
API_OBJS := $(API_SRCS:%.c=$(OUT)/%.o)

$(BIN)/nanvix-api: $(API_OBJS) | $(BIN)
	$(HOST_CC) -o $@ $^ $(HOST_LDFLAGS) -Wl,-Bstatic -ljansson -lsodium -Wl,-Bdynamic -lseccomp

ALL += $(BIN)/nanvix-api

# bin/tests/nanvix-api.sandbox (tests/api/sandbox.sh) is built with API_SANDBOX_TEST:
# it makes a forbidden call when NANVIX_API_TEST_FORBIDDEN is set; the default build never.
$(OUT)/macrokernel/api/sandbox_test.o: macrokernel/api/sandbox.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -DAPI_SANDBOX_TEST -c -o $@ $<
$(BIN)/tests/nanvix-api.sandbox: $(filter-out $(OUT)/macrokernel/api/sandbox.o,$(API_OBJS)) \
		$(OUT)/macrokernel/api/sandbox_test.o | $(BIN)
	@mkdir -p $(dir $@)
	$(HOST_CC) -o $@ $^ $(HOST_LDFLAGS) -Wl,-Bstatic -ljansson -lsodium -Wl,-Bdynamic -lseccomp
ALL += $(BIN)/tests/nanvix-api.sandbox

# bin/tests/nanvix-api.san (tests/api/run.sh): the daemon again with ASan and
# UBSan (leaks too), run unfiltered (--no-seccomp: the leak check uses ptrace).
API_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
$(OUT)/api_san/%.o: %.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -O1 $(API_SAN) -c -o $@ $<
$(BIN)/tests/nanvix-api.san: $(API_SRCS:%.c=$(OUT)/api_san/%.o) | $(BIN)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(API_SAN) -o $@ $^ -ljansson -lsodium -lseccomp
ALL += $(BIN)/tests/nanvix-api.san
