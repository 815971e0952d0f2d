# kernel/: the microkernel, one ELF for both HAL backends (nanvixd and QEMU PVH).

KERNEL_DIRS := fd hal ipc lib mm net proc sched sig sys test
KERNEL_SRCS := $(foreach d,$(KERNEL_DIRS),$(wildcard kernel/$(d)/*.c kernel/$(d)/*.S))
KERNEL_OBJS := $(patsubst %,$(OUT)/%.o,$(basename $(KERNEL_SRCS)))

$(BIN)/kernel.elf: $(KERNEL_OBJS) kernel/kernel.ld | $(BIN)
	$(KCC) $(KCFLAGS) $(KLDFLAGS) -T kernel/kernel.ld -o $@ $(KERNEL_OBJS)

$(OUT)/kernel/%.o: kernel/%.c
	@mkdir -p $(dir $@)
	$(KCC) $(KCFLAGS) -c -o $@ $<

$(OUT)/kernel/%.o: kernel/%.S
	@mkdir -p $(dir $@)
	$(KCC) $(KCFLAGS) -c -o $@ $<

ALL += $(BIN)/kernel.elf
