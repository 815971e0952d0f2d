/* HAL backend for QEMU -M microvm (PVH boot): 16550 console, isa-debug-exit, self-tests. */
/*
 * Under QEMU the kernel boots alone, builds what nanvixd would have built
 * (W^X page tables, GDT, TSS, IDT, syscall MSRs) in ring 0, runs its
 * self-tests (kernel/test/) and reports a summary on the serial console;
 * the isa-debug-exit device turns the result into QEMU's exit status
 * ((code << 1) | 1: 1 when every test passed).
 */
#include <abi/bootinfo.h>
#include <abi/x86_tables.h>
#include <hal/hal.h>
#include <hal/uaccess.h>
#include <mm/frame.h>
#include <mm/vmem.h>
#include <test/selftest.h>

#define COM1            0x3f8
#define DEBUG_EXIT_PORT 0xf4
#define HVM_START_MAGIC 0x336ec578
#define E820_RAM        1

#define MSR_EFER   0xc0000080
#define MSR_STAR   0xc0000081
#define MSR_LSTAR  0xc0000082
#define MSR_SFMASK 0xc0000084

struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
};

struct hvm_memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

extern char __text_start[], __utext_start[], __utext_end[], __rodata_start[], __data_start[],
        __kernel_end[], syscall_entry[], kstack_top[];
extern const struct nanvix_kernel_header *const kernel_header;

static uint64_t gdt[X86_GDT_ENTRIES];
static uint8_t tss[X86_TSS_SIZE] __attribute__((aligned(16)));
static uint64_t idt[2 * X86_IDT_ENTRIES] __attribute__((aligned(16)));

/* Set while a self-test runs user code: hal->exit returns to the test. */
static uint64_t *exit_catch;
static int exit_status;

static void pvh_log(const char *s, size_t n)
{
	for (; n; n--, s++) {
		while (!(hal_inb(COM1 + 5) & 0x20))
			;
		hal_outb(COM1, *s);
	}
}

__attribute__((noreturn)) static void pvh_exit(int status)
{
	if (exit_catch) {
		uint64_t *buf = exit_catch;

		exit_catch = NULL;
		exit_status = status;
		klong_jmp(buf, 1);
	}
	hal_outl(DEBUG_EXIT_PORT, status);
	for (;;)
		__asm__ volatile("cli; hlt");
}

__attribute__((noreturn)) static void pvh_panic(const char *msg, size_t n)
{
	exit_catch = NULL;
	pvh_log(msg, n);
	pvh_exit(2);
}

static int pvh_frames_scrub(uint32_t *pfns, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		memset(P2V((uint64_t)pfns[i] * PAGE_SIZE), 0, PAGE_SIZE);
	return 0;
}

static long pvh_user_write(int fd, uint64_t buf, uint64_t len)
{
	char tmp[256];
	uint64_t done = 0;

	while (done < len) {
		uint64_t n = len - done < sizeof(tmp) ? len - done : sizeof(tmp);

		if (copy_from_user(tmp, buf + done, n))
			return done ? (long)done : -LINUX_EFAULT;
		pvh_log(tmp, n);
		done += n;
	}
	return done;
}

static long pvh_user_writev(int fd, uint64_t iov, uint32_t iovcnt)
{
	long total = 0;
	uint32_t i;

	for (i = 0; i < iovcnt; i++) {
		struct linux_iovec v;
		long n;

		if (copy_from_user(&v, iov + i * sizeof(v), sizeof(v)))
			return -LINUX_EFAULT;
		n = pvh_user_write(fd, v.iov_base, v.iov_len);
		if (n < 0)
			return total ? total : n;
		total += n;
	}
	return total;
}

static long pvh_user_read(int fd, uint64_t buf, uint64_t len)
{
	return 0; /* no input under QEMU: end of file */
}

/* Copies in ring 0: either side physical (cr3 0) or user in the current space. */
static long pvh_copy(uint64_t dst_cr3, uint64_t dst, uint64_t src_cr3, uint64_t src, uint64_t len)
{
	if (dst_cr3 == 0 && src_cr3 == 0)
		memcpy(P2V(dst), P2V(src), len);
	else if (dst_cr3 == 0)
		return copy_from_user(P2V(dst), src, len) ? -LINUX_EFAULT : (long)len;
	else if (src_cr3 == 0)
		return copy_to_user(dst, P2V(src), len) ? -LINUX_EFAULT : (long)len;
	else
		return -LINUX_EFAULT;
	return len;
}

static const struct hal_ops pvh_ops = {
	.name = "pvh",
	.log = pvh_log,
	.exit = pvh_exit,
	.panic = pvh_panic,
	.frames_scrub = pvh_frames_scrub,
	.user_write = pvh_user_write,
	.user_writev = pvh_user_writev,
	.user_read = pvh_user_read,
	.copy = pvh_copy,
};

int hal_pvh_run_user(unsigned long rip, unsigned long rsp)
{
	uint64_t buf[8];

	if (kset_jmp(buf))
		return exit_status;
	exit_catch = buf;
	user_enter(rip, rsp);
}

static uint64_t kphys(const void *p)
{
	return (uint64_t)p - NANVIX_KERNEL_VBASE;
}

/* Map [lo, hi) of the kernel image with `flags` (4 KiB pages). */
static void map_image(uint64_t pml4, const char *lo, const char *hi, uint64_t flags)
{
	uint64_t va;

	for (va = (uint64_t)lo; va < (uint64_t)hi; va += PAGE_SIZE)
		if (vmem_map(pml4, va, kphys((void *)va), flags) < 0)
			panic("pvh: out of memory for kernel page tables");
}

/* The W^X page tables nanvixd would have built, for this kernel alone. */
static uint64_t build_page_tables(uint64_t ram_top)
{
	uint64_t pml4 = mm_frame_alloc(), pa;

	for (pa = 0; pa < ram_top; pa += 2ull << 20) {
		/* Direct map: 2 MiB pages; vmem_pte gives the PT slot, we need the PD one. */
		uint64_t *pdpt_e, *pd, va = NANVIX_DMAP_BASE + pa;
		uint64_t *pml4_e = (uint64_t *)P2V(pml4) + ((va >> 39) & 511);

		if (!(*pml4_e & PTE_P))
			*pml4_e = mm_frame_alloc() | PTE_P | PTE_W;
		pdpt_e = (uint64_t *)P2V(*pml4_e & PTE_ADDR) + ((va >> 30) & 511);
		if (!(*pdpt_e & PTE_P))
			*pdpt_e = mm_frame_alloc() | PTE_P | PTE_W;
		pd = P2V(*pdpt_e & PTE_ADDR);
		pd[(va >> 21) & 511] = pa | PTE_P | PTE_W | PTE_PS | PTE_G | PTE_NX;
	}
	map_image(pml4, __text_start, __utext_start, PTE_P | PTE_G);
	map_image(pml4, __utext_start, __utext_end, PTE_P | PTE_U);
	map_image(pml4, __rodata_start, __data_start, PTE_P | PTE_G | PTE_NX);
	map_image(pml4, __data_start, __kernel_end, PTE_P | PTE_W | PTE_G | PTE_NX);
	return pml4;
}

static void load_tables(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr = { sizeof(gdt) - 1, (uint64_t)gdt },
	                          idtr = { sizeof(idt) - 1, (uint64_t)idt };

	x86_tables_build(gdt, tss, (uint64_t)tss, idt, kernel_header, (uint64_t)kstack_top);
	hal_tss_rsp0 = (uint64_t *)(tss + 4);
	hal_set_kstack((uint64_t)kstack_top);
	__asm__ volatile("lgdt %0; lidt %1" : : "m"(gdtr), "m"(idtr));
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)NANVIX_SEL_TSS));
	hal_wrmsr(MSR_STAR,
	          ((uint64_t)(NANVIX_SEL_UDATA - 8) << 48) | ((uint64_t)NANVIX_SEL_KCODE << 32));
	hal_wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	hal_wrmsr(MSR_SFMASK, 0x47700);
}

/* Called from pvh.S on its own stack with the physical start info. */
/* UMIP, when the CPU has it: sgdt, sidt, sldt, smsw and str fault in ring 3 (nanvixd does the same). */
static void umip_enable(void)
{
	uint32_t a = 7, b, c = 0, d;
	uint64_t cr4;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	if (!(c & (1u << 2)))
		return;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | (1ull << 11)) : "memory");
	kprintf("nanvix: UMIP on\n");
}

__attribute__((noreturn)) void pvh_main(uint32_t start_info_pa)
{
	const struct hvm_start_info *si = P2V(start_info_pa);
	const struct hvm_memmap_entry *map;
	struct nanvix_memrange ranges[NANVIX_MEMRANGES_MAX];
	uint64_t kend = PAGE_UP(kphys(__kernel_end)), ram_top = 0, npages, stacks_pa;
	unsigned i, n = 0, best = 0;

	hal = &pvh_ops;
	kprintf("nanvix: booting under QEMU (PVH), kernel %lu KiB\n",
	        (unsigned long)((kend - NANVIX_KERNEL_PBASE) >> 10));
	if (si->magic != HVM_START_MAGIC || si->version < 1 || !si->memmap_entries)
		panic("pvh: no usable start info (magic %#x version %u)", si->magic, si->version);

	/* Free RAM: above the kernel image, in at most NANVIX_MEMRANGES_MAX runs. */
	map = P2V(si->memmap_paddr);
	for (i = 0; i < si->memmap_entries; i++) {
		uint64_t lo = PAGE_UP(map[i].addr), hi = PAGE_DOWN(map[i].addr + map[i].size);

		if (map[i].type != E820_RAM)
			continue;
		if (hi > ram_top)
			ram_top = hi;
		if (lo < kend)
			lo = kend;
		if (lo >= hi || n == NANVIX_MEMRANGES_MAX)
			continue;
		ranges[n++] = (struct nanvix_memrange){ lo, hi };
		if (hi - lo > ranges[best].end - ranges[best].start)
			best = n - 1;
	}
	if (n == 0 || ram_top > (1ull << 30))
		panic("pvh: need RAM above the kernel and at most 1 GiB (have top %#lx)", ram_top);
	/* The PFN stacks come off the end of the largest range. */
	npages = ram_top / PAGE_SIZE;
	stacks_pa = PAGE_DOWN(ranges[best].end - NANVIX_PFN_AREA(npages));
	ranges[best].end = stacks_pa;
	memset(P2V(stacks_pa), 0, NANVIX_PFN_AREA(npages));
	mm_frame_init(ranges, n, P2V(stacks_pa), npages);

	hal_write_cr3(build_page_tables(ram_top));
	load_tables();
	umip_enable();
	pvh_exit(selftest_run() == 0 ? 0 : 1);
}
