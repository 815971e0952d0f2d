# bin/nanvix-api: the control daemon (docs/api.md, docs/api/openapi.yaml).
# It runs each VM as a nanvixd process, so it links no monitor code: only
# serve/http.c's parser, jansson and libsodium (statically; glibc and
# libseccomp dynamically, so that valgrind sees the allocator).
API_SRCS := macrokernel/api/main.c macrokernel/api/conn.c macrokernel/api/routes.c \
	macrokernel/api/vm.c macrokernel/api/fn.c macrokernel/api/auth.c macrokernel/api/metrics.c \
	macrokernel/api/sandbox.c \
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
