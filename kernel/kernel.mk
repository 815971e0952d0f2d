# kernel/: the microkernel, one ELF for both HAL backends (nanvixd and QEMU PVH).

KERNEL_SRCS := $(wildcard kernel/hal/*.c kernel/hal/*.S kernel/lib/*.c kernel/mm/*.c \
	kernel/proc/*.c kernel/sys/*.c kernel/test/*.c)
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
