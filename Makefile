# Nanvix-C: top-level, non-recursive build.  `make` builds everything into bin/.

.DEFAULT_GOAL := all
include build/config.mk

ALL :=

include kernel/kernel.mk
include macrokernel/macrokernel.mk
include toolchain/toolchain.mk
include ulib/ulib.mk
include sysapps/sysapps.mk
include tests/tests.mk

.PHONY: all clean
all: $(ALL)

clean:
	rm -rf $(BIN) $(OUT)

$(BIN) $(OUT):
	mkdir -p $@

-include $(shell find $(OUT) -name '*.d' 2>/dev/null)
