/* Self-tests of the frame allocator, paging, heap, printf and ring-3 entry. */
#include <abi/linux.h>
#include <abi/vvar.h>
#include <hal/hal.h>
#include <hal/uaccess.h>
#include <mm/frame.h>
#include <mm/heap.h>
#include <mm/vmem.h>
#include <proc/proc.h>
#include <test/selftest.h>

#define USER_STACK_VA 0x10000000ull
#define TEST_VA       0x20000000ull

static int failures, passes;

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			kprintf("selftest:   check failed: %s (%s:%d)\n", #cond, __FILE__, \
			        __LINE__);                                                 \
			return -1;                                                         \
		}                                                                          \
	} while (0)

static bool page_is_zero(uint64_t pa)
{
	const uint64_t *p = P2V(pa);
	unsigned i;

	for (i = 0; i < PAGE_SIZE / 8; i++)
		if (p[i])
			return false;
	return true;
}

static int test_frame_alloc(void)
{
	uint64_t a = mm_frame_alloc(), b = mm_frame_alloc(), before;

	CHECK(a && b && a != b);
	CHECK(!(a & PAGE_MASK) && !(b & PAGE_MASK));
	CHECK(page_is_zero(a) && page_is_zero(b));
	before = mm_frames_free();
	mm_frame_free(a);
	mm_frame_free(b);
	CHECK(mm_frames_free() == before + 2);
	return 0;
}

/* Exhaust memory so freed (dirty) frames come back: they must come back zero. */
static int test_frame_scrub(void)
{
	uint64_t first = 0, prev = 0, pa, n = 0, free0 = mm_frames_free();
	uint64_t *link;

	/* Chain every free frame through its first word, dirtying all of them. */
	while ((pa = mm_frame_alloc())) {
		link = P2V(pa);
		link[0] = prev;
		link[1] = 0xdeadbeefcafef00dull;
		prev = pa;
		n++;
	}
	CHECK(n == free0 && mm_frames_free() == 0);
	first = prev;
	while (prev) {
		uint64_t next = ((uint64_t *)P2V(prev))[0];

		mm_frame_free(prev);
		prev = next;
	}
	CHECK(mm_frames_free() == free0);
	pa = mm_frame_alloc(); /* triggers the scrub */
	CHECK(pa && page_is_zero(pa));
	mm_frame_free(pa);
	(void)first;
	return 0;
}

static int test_paging(void)
{
	uint64_t cr3 = hal_read_cr3() & PTE_ADDR, pa = mm_frame_alloc();
	volatile uint64_t *va = (volatile uint64_t *)TEST_VA;
	extern char __text_start[], __data_start[];
	uint64_t *pte;

	CHECK(pa);
	CHECK(vmem_map(cr3, TEST_VA, pa, PTE_P | PTE_W | PTE_NX) == 0);
	CHECK(vmem_translate(cr3, TEST_VA + 8) == pa + 8);
	*va = 0x1234;
	CHECK(*(uint64_t *)P2V(pa) == 0x1234);
	pte = vmem_pte(cr3, TEST_VA, false);
	*pte = 0;
	vmem_flush(TEST_VA);
	CHECK(vmem_translate(cr3, TEST_VA) == 0);
	mm_frame_free(pa);
	/* W^X in the kernel's own mappings. */
	pte = vmem_pte(cr3, (uint64_t)__text_start, false);
	CHECK(pte && (*pte & PTE_P) && !(*pte & PTE_W) && !(*pte & PTE_NX));
	pte = vmem_pte(cr3, (uint64_t)__data_start, false);
	CHECK(pte && (*pte & PTE_W) && (*pte & PTE_NX));
	CHECK(vmem_user_flags(LINUX_PROT_READ | LINUX_PROT_WRITE) & PTE_NX);
	CHECK(!(vmem_user_flags(LINUX_PROT_READ | LINUX_PROT_EXEC) & PTE_W));
	return 0;
}

static int test_heap(void)
{
	void *p[64];
	unsigned i;
	uint8_t *q;

	for (i = 0; i < ARRAY_SIZE(p); i++) {
		size_t size = 1 + (i * 37) % KMALLOC_MAX;

		p[i] = kmalloc(size);
		CHECK(p[i] && ((uint64_t)p[i] & 7) == 0);
		CHECK(((uint8_t *)p[i])[size - 1] == 0);
		memset(p[i], 0xab, size);
	}
	for (i = 1; i < ARRAY_SIZE(p); i++)
		CHECK(p[i] != p[i - 1]);
	for (i = 0; i < ARRAY_SIZE(p); i++)
		kfree(p[i]);
	q = kmalloc(100); /* reuses a dirty block: must be zero again */
	CHECK(q && q[0] == 0 && q[99] == 0);
	kfree(q);
	CHECK(kmalloc(0) == NULL && kmalloc(KMALLOC_MAX + 1) == NULL);
	return 0;
}

static int test_printf(void)
{
	char buf[64];

	ksnprintf(buf, sizeof(buf), "%d %u %x %#lx %s %c %5d|%s", -42, 7u, 255u, 0x1000ul, "ok",
	          'z', 12, "");
	CHECK(memcmp(buf, "-42 7 ff 0x1000 ok z    12|", 27) == 0);
	CHECK(ksnprintf(buf, 4, "%s", "truncate") == 8 && buf[3] == '\0');
	return 0;
}

/* Fresh user stack page and the boot process record for user tests. */
static int setup_user(void)
{
	static struct nanvix_bootinfo bi;
	uint64_t cr3 = hal_read_cr3() & PTE_ADDR, pa = mm_frame_alloc();

	CHECK(pa);
	CHECK(vmem_map(cr3, USER_STACK_VA, pa,
	               vmem_user_flags(LINUX_PROT_READ | LINUX_PROT_WRITE)) == 0);
	/* The vvar page ring 3's getpid reads on this hypervisor (abi/vvar.h). */
	pa = mm_frame_alloc();
	CHECK(pa && vmem_map(cr3, NANVIX_VVAR_VA, pa, vmem_user_flags(LINUX_PROT_READ)) == 0);
	bi.cr3 = cr3;
	bi.brk = 0x30000000;
	bi.stack_lo = USER_STACK_VA;
	strlcpy(bi.name, "selftest", sizeof(bi.name));
	proc_init_boot(&bi);
	return 0;
}

static int test_uaccess(void)
{
	uint64_t v = 7;

	CHECK(copy_to_user(TEST_VA + 0x100000, &v, sizeof(v)) == -LINUX_EFAULT);
	CHECK(copy_to_user(NANVIX_USER_TOP - 4, &v, sizeof(v)) == -LINUX_EFAULT);
	CHECK(copy_to_user(USER_STACK_VA, &v, sizeof(v)) == 0);
	v = 0;
	CHECK(copy_from_user(&v, USER_STACK_VA, sizeof(v)) == 0 && v == 7);
	return 0;
}

extern char selftest_user_syscall[], selftest_user_write[], selftest_user_ud2[],
        selftest_user_segv[];

static int test_user_syscall(void)
{
	int status = hal_pvh_run_user((uint64_t)selftest_user_syscall, USER_STACK_VA + PAGE_SIZE);

	CHECK(status == 41);
	return 0;
}

static int test_user_write(void)
{
	CHECK(hal_pvh_run_user((uint64_t)selftest_user_write, USER_STACK_VA + PAGE_SIZE) == 5);
	return 0;
}

static int test_user_faults(void)
{
	CHECK(hal_pvh_run_user((uint64_t)selftest_user_ud2, USER_STACK_VA + PAGE_SIZE) ==
	      128 + LINUX_SIGILL);
	CHECK(hal_pvh_run_user((uint64_t)selftest_user_segv, USER_STACK_VA + PAGE_SIZE) ==
	      128 + LINUX_SIGSEGV);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(void);
} tests[] = {
	{ "frame_alloc", test_frame_alloc }, { "frame_scrub", test_frame_scrub },
	{ "paging", test_paging },           { "heap", test_heap },
	{ "printf", test_printf },           { "user_setup", setup_user },
	{ "uaccess", test_uaccess },         { "user_syscall", test_user_syscall },
	{ "user_write", test_user_write },   { "user_faults", test_user_faults },
};

int selftest_run(void)
{
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		int rc = tests[i].fn();

		kprintf("selftest: %s %s\n", tests[i].name, rc ? "FAIL" : "ok");
		if (rc)
			failures++;
		else
			passes++;
	}
	kprintf("selftest: %d passed, %d failed\n", passes, failures);
	return failures;
}
