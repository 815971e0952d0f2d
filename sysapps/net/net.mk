# sysapps/net: the network component (the socket service on lwIP's raw API).
#
# lwIP comes from Debian's source package, unpacked once into the cache by
# toolchain/lwip.sh; its core is compiled here with our lwipopts.h and port
# headers (sysapps/net/port/) into static archives, one per flavour:
#   $(NET_HOST_LIB)    host, for nanvixd and bin/macrokernel
#   liblwip_unit.a     host with ASan/UBSan, for tests/unit/net
#   liblwip_fuzz.a     clang with coverage and sanitizers, for tests/fuzz
# lwIP's own files build with warnings on but not fatal; ours keep -Werror.
#
# NET_HOST_SRCS (the service and the port) and NET_HOST_LIB are what the
# macro-kernel links: $(NET_HOST_SRCS:%.c=$(OUT)/%.o) $(NET_HOST_LIB).

LWIP_DIR := $(shell toolchain/lwip.sh --print-dir)
LWIP_SRC_FILES := core/init.c core/def.c core/inet_chksum.c core/ip.c core/mem.c core/memp.c \
	core/netif.c core/pbuf.c core/stats.c core/sys.c core/tcp.c core/tcp_in.c core/tcp_out.c \
	core/timeouts.c core/udp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/ip4.c \
	core/ipv4/ip4_addr.c core/ipv4/ip4_frag.c netif/ethernet.c
NET_LWIP_INC := -Isysapps/net/port -I$(LWIP_DIR)/src/include
NET_INC := -Isysapps/include -Isysapps/net/include -Isysapps/net $(NET_LWIP_INC)
LWIP_CFLAGS := -std=gnu11 -g -Wall -Wno-address -D_GNU_SOURCE $(NET_LWIP_INC)

NET_HOST_SRCS := sysapps/net/service.c sysapps/net/port.c
NET_HOST_LIB := $(OUT)/lib/liblwip_host.a
NET_UNIT_LIB := $(OUT)/lib/liblwip_unit.a
NET_FUZZ_LIB := $(OUT)/lib/liblwip_fuzz.a

# Any lwIP source: fetch the tree (idempotent, locked, fast when cached).
$(LWIP_DIR)/src/%.c:
	toolchain/lwip.sh

# lwip_flavour(NAME, CC, CFLAGS): $(OUT)/lib/liblwip_NAME.a from $(OUT)/lwip/NAME/.
define lwip_flavour
$(OUT)/lib/liblwip_$(1).a: $(LWIP_SRC_FILES:%.c=$(OUT)/lwip/$(1)/%.o)
	@mkdir -p $$(@D)
	rm -f $$@
	ar rcs $$@ $$^

$(OUT)/lwip/$(1)/%.o: $(LWIP_DIR)/src/%.c sysapps/net/port/lwipopts.h sysapps/net/port/arch/cc.h \
	sysapps/net/port/net_hooks.h
	@mkdir -p $$(@D)
	$(2) $(3) $(LWIP_CFLAGS) -c -o $$@ $$<
endef

NET_LWIP_UNIT_CFLAGS = -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
NET_LWIP_FUZZ_CFLAGS = -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fsanitize=fuzzer-no-link
$(eval $(call lwip_flavour,host,$$(HOST_CC),-O2))
$(eval $(call lwip_flavour,unit,$$(HOST_CC),$$(NET_LWIP_UNIT_CFLAGS)))
$(eval $(call lwip_flavour,fuzz,$$(FUZZ_CC),$$(NET_LWIP_FUZZ_CFLAGS)))

# Our sources see lwIP's headers (every flavour: host, unit, fuzz).
$(NET_HOST_SRCS:%.c=$(OUT)/%.o): HOST_CFLAGS += $(NET_INC)
$(OUT)/sysapps/net/%.o: | $(LWIP_DIR)/src/core/init.c

.PHONY: net-host
net-host: $(NET_HOST_SRCS:%.c=$(OUT)/%.o) $(NET_HOST_LIB)

# bin/netd.elf: the component placed in the VM (--net=guest).  The same
# service and port, linked with musl (static, like any Linux program: the
# service speaks Linux constants, which newlib's headers lack) and lwIP
# built by musl-gcc; the server's main and the shared launcher around it.
NETD_SRCS := sysapps/net/netd.c $(NET_HOST_SRCS) sysapps/launch/run.c sysapps/svc/server.c
NETD_OBJS := $(NETD_SRCS:%.c=$(OUT)/netd/%.o)
NET_GUEST_LIB := $(OUT)/lib/liblwip_guest.a
NETD_CC := musl-gcc
NETD_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
	-D_GNU_SOURCE -Iinclude $(NET_INC) \
	-Isysapps/launch/include

$(eval $(call lwip_flavour,guest,$$(NETD_CC),-O2))

$(OUT)/netd/%.o: %.c | $(LWIP_DIR)/src/core/init.c
	@mkdir -p $(@D)
	$(NETD_CC) $(NETD_CFLAGS) -MMD -MP -c -o $@ $<

$(BIN)/netd.elf: $(NETD_OBJS) $(NET_GUEST_LIB) | $(BIN)
	$(NETD_CC) -static -no-pie -o $@ $(NETD_OBJS) $(NET_GUEST_LIB)

ALL += $(BIN)/netd.elf
