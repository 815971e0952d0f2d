# tests/bench: boot benchmark helpers (KVM floor, native hello, benchrun).
# All three are linked statically, as nanvixd is, so that start-up costs
# compare like with like.  tests/bench/boot.sh drives them (./z bench boot).

BENCH_BIN := $(BIN)/bench
BENCH_OUT := $(OUT)/bench
BENCH_PROGS := kvm_floor native_hello benchrun

ALL += $(addprefix $(BENCH_BIN)/,$(BENCH_PROGS))

$(BENCH_BIN) $(BENCH_OUT):
	mkdir -p $@

$(BENCH_OUT)/%.o: tests/bench/%.c | $(BENCH_OUT)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

$(addprefix $(BENCH_BIN)/,$(BENCH_PROGS)): $(BENCH_BIN)/%: $(BENCH_OUT)/%.o | $(BENCH_BIN)
	$(HOST_CC) -static $(HOST_LDFLAGS) -o $@ $<
