# Peers of the start-up and density benchmarks (tests/bench/peers/peers.sh):
# echo_http.elf, one static musl binary run natively, in gVisor, in a QEMU
# micro-VM (with guest_init.elf as its /init) and in nanvixd; httpfirst and
# startlat, static host tools that wait for and time its first answer;
# density, which starts many instances at once and measures their memory.
PEERS_SRC := tests/bench/peers
PEERS_BIN := $(BIN)/bench/peers
PEERS_OUT := $(OUT)/bench/peers

ALL += $(addprefix $(PEERS_BIN)/,echo_http.elf guest_init.elf httpfirst startlat density)

$(PEERS_BIN) $(PEERS_OUT):
	mkdir -p $@

$(PEERS_BIN)/echo_http.elf: $(PEERS_SRC)/echo_http.c $(PEERS_SRC)/snapshot_point.c \
		$(PEERS_SRC)/snapshot_point.h | $(PEERS_BIN)
	$(MUSL_CC) $(MUSL_CFLAGS) -static -no-pie -o $@ $(PEERS_SRC)/echo_http.c \
		$(PEERS_SRC)/snapshot_point.c

$(PEERS_BIN)/guest_init.elf: $(PEERS_SRC)/guest_init.c | $(PEERS_BIN)
	$(MUSL_CC) $(MUSL_CFLAGS) -static -no-pie -o $@ $<

$(PEERS_OUT)/%.o: $(PEERS_SRC)/%.c | $(PEERS_OUT)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

$(PEERS_BIN)/httpfirst $(PEERS_BIN)/startlat $(PEERS_BIN)/density: $(PEERS_BIN)/%: $(PEERS_OUT)/%.o \
		$(PEERS_OUT)/httpclient.o | $(PEERS_BIN)
	$(HOST_CC) -static $(HOST_LDFLAGS) -o $@ $^
