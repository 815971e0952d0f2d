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

.PHONY: all clean install
all: $(ALL)

# `make install PREFIX=/opt/nanvix [DESTDIR=...]`: nanvixd and the shared
# macro-kernel (as nanvix-macrokernel) in PREFIX/bin, the guest files in
# PREFIX/lib/nanvix, where nanvixd looks for them (../lib/nanvix from itself).
PREFIX ?= /usr/local
INSTALL_GUEST := $(BIN)/kernel.elf $(BIN)/fsd.elf $(BIN)/netd.elf $(BIN)/launch.elf \
	$(BIN)/hello.elf
install: $(BIN)/nanvixd $(BIN)/macrokernel $(BIN)/nanvix $(BIN)/nanvix-api $(BIN)/nanvix-runc \
		$(INSTALL_GUEST)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/nanvix
	install -m 0755 $(BIN)/nanvixd $(DESTDIR)$(PREFIX)/bin/nanvixd
	install -m 0755 $(BIN)/nanvix $(BIN)/nanvix-api $(BIN)/nanvix-runc $(DESTDIR)$(PREFIX)/bin/
	install -m 0755 $(BIN)/macrokernel $(DESTDIR)$(PREFIX)/bin/nanvix-macrokernel
	install -m 0644 $(INSTALL_GUEST) $(DESTDIR)$(PREFIX)/lib/nanvix/

clean:
	rm -rf $(BIN) $(OUT)

$(BIN) $(OUT):
	mkdir -p $@

-include $(shell find $(OUT) -name '*.d' 2>/dev/null)
