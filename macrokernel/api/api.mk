# bin/nanvix-api: the control daemon (docs/api.md, docs/api/openapi.yaml).
# It runs each VM as a nanvixd process, so it links no monitor code: only
# serve/http.c's parser, jansson and libsodium (statically; glibc
# dynamically, so that valgrind sees the allocator).
API_SRCS := macrokernel/api/main.c macrokernel/api/conn.c macrokernel/api/routes.c \
	macrokernel/api/vm.c macrokernel/api/fn.c macrokernel/api/auth.c macrokernel/api/metrics.c \
	macrokernel/api/snap.c macrokernel/serve/http.c
API_OBJS := $(API_SRCS:%.c=$(OUT)/%.o)

$(BIN)/nanvix-api: $(API_OBJS) | $(BIN)
	$(HOST_CC) -o $@ $^ $(HOST_LDFLAGS) -Wl,-Bstatic -ljansson -lsodium -Wl,-Bdynamic

ALL += $(BIN)/nanvix-api
