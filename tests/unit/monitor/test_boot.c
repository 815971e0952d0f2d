/* Unit tests for boot_prepare(): the guest it builds from the real kernel.elf and a program. */
#include <check.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <abi/bootinfo.h>
#include <abi/hypercall.h>
#include <abi/kernel_header.h>
#include <abi/linux.h>
#include <monitor/boot.h>
#include <monitor/elf.h>
#include <monitor/guestmem.h>

#include "guest_pt.h"
#include "runner.h"

#define PAGE         GPT_PAGE
#define MEM_SIZE     (16ull << 20)
#define KERNEL_PATH  "bin/kernel.elf"
#define PROGRAM_PATH "bin/tests/hello.musl.elf"
#define PIE_PATH     "bin/tests/hello.pie.elf"

struct file {
	void *data;
	size_t size;
};

/* Loaded once by unit_suite(), before Check forks each test. */
static struct file kernel, program, pie;

/* Guest RAM between two PROT_NONE pages: any write outside it faults. */
static uint8_t *region;
static size_t region_size;
static struct vm_mem mem;

static char *argv_default[] = { "hello", "a1", "arg two", NULL };
static char *envp_default[] = { "K=V", "EMPTY=", NULL };
static struct boot_config cfg;
static struct boot_entry entry;
static char err[256];

static int load(const char *path, struct file *f)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || st.st_size <= 0 || !(f->data = malloc(st.st_size))) {
		close(fd);
		return -1;
	}
	n = read(fd, f->data, st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(f->data);
		f->data = NULL;
		return -1;
	}
	f->size = st.st_size;
	return 0;
}

static void map_mem(uint64_t size)
{
	uint64_t rounded = (size + PAGE - 1) & ~(PAGE - 1);

	if (region)
		munmap(region, region_size);
	region_size = rounded + 2 * PAGE;
	region = mmap(NULL, region_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(region, MAP_FAILED);
	if (rounded)
		ck_assert_int_eq(mprotect(region + PAGE, rounded, PROT_READ | PROT_WRITE), 0);
	/* A size that is not a page multiple ends right at the guard page. */
	mem.base = region + PAGE + (rounded - size);
	mem.size = size;
}

static void setup(void)
{
	unsigned i;

	map_mem(MEM_SIZE);
	memset(&cfg, 0, sizeof(cfg));
	cfg.kernel = kernel.data;
	cfg.kernel_size = kernel.size;
	cfg.program = program.data;
	cfg.program_size = program.size;
	cfg.name = "hello";
	cfg.argc = 3;
	cfg.argv = argv_default;
	cfg.envc = 2;
	cfg.envp = envp_default;
	cfg.stack_size = BOOT_STACK_SIZE_DEFAULT;
	for (i = 0; i < 16; i++)
		cfg.random[i] = 0xa0 + i;
	memset(&entry, 0, sizeof(entry));
	memset(err, 0, sizeof(err));
}

static char **many_argv;

static void teardown(void)
{
	free(many_argv);
	many_argv = NULL;
	if (region)
		munmap(region, region_size);
	region = NULL;
}

/* boot_prepare() wants zeroed RAM: every attempt gets a fresh mapping. */
static int boot(void)
{
	map_mem(mem.size);
	return boot_prepare(&mem, &cfg, &entry, err, sizeof(err));
}

static void boot_ok(void)
{
	int rc = boot();

	ck_assert_msg(rc == 0, "boot_prepare failed with %d: %s", rc, err);
}

#define BOOT_FAILS(status, word)                                                             \
	do {                                                                                 \
		int rc_ = boot();                                                            \
		ck_assert_msg(rc_ == (status), "boot_prepare returned %d, not %d (%s)", rc_, \
		              (status), err);                                                \
		ck_assert_msg(strstr(err, (word)) != NULL, "error \"%s\" lacks \"%s\"", err, \
		              (word));                                                       \
	} while (0)

static struct nanvix_bootinfo *bootinfo(void)
{
	return (struct nanvix_bootinfo *)(mem.base + NANVIX_BOOTINFO_PADDR);
}

static const Elf64_Ehdr *ehdr(const struct file *f)
{
	return f->data;
}

/* Read a user word or string through the guest's own page tables. */
static uint64_t user_word(uint64_t va)
{
	uint64_t w;

	ck_assert_msg(gva_read(&mem, bootinfo()->cr3, va, &w, 8) == 0,
	              "user word at %#llx not readable", (unsigned long long)va);
	return w;
}

static void user_string(uint64_t va, char *buf, size_t max)
{
	size_t i;

	for (i = 0; i + 1 < max; i++) {
		ck_assert_msg(gva_read(&mem, bootinfo()->cr3, va + i, &buf[i], 1) == 0,
		              "user string at %#llx not readable", (unsigned long long)va);
		if (!buf[i])
			return;
	}
	buf[i] = 0;
}

/* ---- a valid guest ---- */

START_TEST(test_boot_info)
{
	const struct nanvix_bootinfo *bi;
	const struct nanvix_kernel_header *kh;
	/* Two uint32_t PFN stacks and a uint16_t reference count a frame. */
	uint64_t npages = MEM_SIZE / PAGE, pfn_bytes = 2 * npages * 4 + 2 * npages;
	uint32_t i;

	boot_ok();
	bi = bootinfo();
	kh = (const void *)(mem.base + NANVIX_KERNEL_PBASE);
	ck_assert_ptr_eq(entry.bi, bi);
	ck_assert_uint_eq(bi->magic, NANVIX_BOOTINFO_MAGIC);
	ck_assert_uint_eq(bi->abi_version, NANVIX_ABI_VERSION);
	ck_assert_uint_eq(bi->mem_size, MEM_SIZE);
	ck_assert_uint_eq(kh->magic, NANVIX_KHDR_MAGIC);
	ck_assert_uint_eq(entry.rip, kh->entry);
	ck_assert_uint_eq(entry.rip, ehdr(&kernel)->e_entry);
	ck_assert_uint_eq(entry.rsp, kh->stack_top);
	ck_assert_uint_eq(entry.lstar, kh->syscall_entry);
	ck_assert_uint_eq(entry.bootinfo, NANVIX_DMAP_BASE + NANVIX_BOOTINFO_PADDR);
	ck_assert_uint_eq(entry.cr3, bi->cr3);
	ck_assert_uint_eq(bi->cr3 % PAGE, 0);
	ck_assert_uint_lt(bi->cr3, MEM_SIZE);
	ck_assert_str_eq(bi->name, "hello");
	ck_assert_uint_eq(bi->argc, 3);
	ck_assert_uint_eq(bi->entry, ehdr(&program)->e_entry);
	ck_assert_uint_eq(bi->stack_hi, NANVIX_USER_TOP);
	ck_assert_uint_eq(bi->stack_lo, NANVIX_USER_TOP - BOOT_STACK_SIZE_DEFAULT);
	ck_assert_uint_eq(bi->brk % PAGE, 0);
	ck_assert_uint_ge(bi->nsegments, 1);
	ck_assert_uint_le(bi->nsegments, NANVIX_SEGMENTS_MAX);
	for (i = 0; i < bi->nsegments; i++) {
		const struct nanvix_segment *s = &bi->segments[i];

		ck_assert_uint_eq(s->vaddr % PAGE, 0);
		ck_assert_uint_eq(s->size % PAGE, 0);
		ck_assert_uint_le(s->vaddr + s->size, bi->brk);
		ck_assert_msg((s->prot & 6) != 6, "segment %u is W+X", i);
	}
	/* Free ranges: page-aligned, inside RAM, clear of the PFN area and each other. */
	ck_assert_uint_eq(bi->pfn_stacks, MEM_SIZE - ((pfn_bytes + PAGE - 1) & ~(PAGE - 1)));
	ck_assert_uint_ge(bi->nranges, 1);
	ck_assert_uint_le(bi->nranges, NANVIX_MEMRANGES_MAX);
	for (i = 0; i < bi->nranges; i++) {
		const struct nanvix_memrange *r = &bi->free[i];

		ck_assert_uint_eq(r->start % PAGE, 0);
		ck_assert_uint_eq(r->end % PAGE, 0);
		ck_assert_uint_lt(r->start, r->end);
		ck_assert_uint_le(r->end, bi->pfn_stacks);
		if (i > 0)
			ck_assert_uint_ge(r->start, bi->free[i - 1].end);
	}
}
END_TEST

/* Free frames are zero, as the kernel's allocator assumes. */
START_TEST(test_boot_free_frames_zero)
{
	const struct nanvix_bootinfo *bi;
	uint32_t i;

	boot_ok();
	bi = bootinfo();
	for (i = 0; i < bi->nranges; i++) {
		uint64_t pa;

		for (pa = bi->free[i].start; pa < bi->free[i].end; pa += 8)
			if (*(uint64_t *)(mem.base + pa))
				ck_abort_msg("free frame byte at %#llx is not zero",
				             (unsigned long long)pa);
	}
	for (i = 0; i < (MEM_SIZE - bi->pfn_stacks) / 8; i++)
		ck_assert(((uint64_t *)(mem.base + bi->pfn_stacks))[i] == 0);
}
END_TEST

START_TEST(test_boot_entry_executable)
{
	uint64_t pa, gpa, rights;

	boot_ok();
	rights = gpt_rights(&mem, bootinfo()->cr3, bootinfo()->entry, &pa);
	ck_assert_msg(rights & GPT_P, "program entry not mapped");
	ck_assert_msg(rights & GPT_U, "program entry not user-accessible");
	ck_assert_msg(!(rights & GPT_NX), "program entry not executable");
	ck_assert_msg(!(rights & GPT_W), "program entry writable");
	ck_assert_int_eq(gva_translate(&mem, bootinfo()->cr3, bootinfo()->entry, false, &gpa), 0);
	ck_assert_uint_eq(gpa, pa);
	/* The text there is the program's own bytes. */
	{
		const Elf64_Ehdr *eh = ehdr(&program);
		const Elf64_Phdr *ph = (const void *)((const char *)program.data + eh->e_phoff);
		int i;

		for (i = 0; i < eh->e_phnum; i++)
			if (ph[i].p_type == PT_LOAD && eh->e_entry >= ph[i].p_vaddr &&
			    eh->e_entry < ph[i].p_vaddr + ph[i].p_filesz)
				break;
		ck_assert_int_lt(i, eh->e_phnum);
		ck_assert_int_eq(memcmp(mem.base + gpa,
		                        (const char *)program.data + ph[i].p_offset +
		                                (eh->e_entry - ph[i].p_vaddr),
		                        16),
		                 0);
	}
	/* The syscall entry page is user-executable too, and read-only. */
	rights = gpt_rights(&mem, bootinfo()->cr3, entry.lstar, &pa);
	ck_assert((rights & (GPT_P | GPT_U)) == (GPT_P | GPT_U));
	ck_assert(!(rights & (GPT_W | GPT_NX)));
}
END_TEST

/* ---- walking every mapping ---- */

struct walk {
	uint8_t *table_frame; /* one byte a frame: holds a page table */
	uint64_t leaves, user_leaves, user_x_leaves;
	uint64_t kernel_end; /* physical end of the kernel image */
};

static void check_leaf(struct walk *w, uint64_t va, uint64_t pa, uint64_t span, uint64_t rights)
{
	w->leaves++;
	ck_assert_msg(!((rights & GPT_W) && !(rights & GPT_NX)), "%#llx is writable and executable",
	              (unsigned long long)va);
	ck_assert_msg(pa + span <= MEM_SIZE, "%#llx maps %#llx, outside RAM",
	              (unsigned long long)va, (unsigned long long)pa);
	if (!(rights & GPT_U))
		return;
	w->user_leaves++;
	ck_assert_msg(va < NANVIX_USER_TOP || !(rights & GPT_W),
	              "user-writable page %#llx in the kernel half", (unsigned long long)va);
	if (!(rights & GPT_NX))
		w->user_x_leaves++;
	if (rights & GPT_W) {
		/* Ring 3 must not be able to write the machine's own structures. */
		ck_assert_msg(pa >= 0x4000, "user-writable %#llx maps boot info/GDT/IDT at %#llx",
		              (unsigned long long)va, (unsigned long long)pa);
		ck_assert_msg(pa + span <= NANVIX_KERNEL_PBASE || pa >= w->kernel_end,
		              "user-writable %#llx maps the kernel image at %#llx",
		              (unsigned long long)va, (unsigned long long)pa);
		ck_assert_msg(pa + span <= bootinfo()->pfn_stacks,
		              "user-writable %#llx maps the PFN stacks at %#llx",
		              (unsigned long long)va, (unsigned long long)pa);
		ck_assert_msg(!w->table_frame[pa / PAGE],
		              "user-writable %#llx maps the page table at %#llx",
		              (unsigned long long)va, (unsigned long long)pa);
	}
}

static void walk_table(struct walk *w, uint64_t table, int level, uint64_t va, uint64_t rights)
{
	unsigned i;

	ck_assert_msg(table + PAGE <= MEM_SIZE, "table %#llx outside RAM",
	              (unsigned long long)table);
	w->table_frame[table / PAGE] = 1;
	for (i = 0; i < 512; i++) {
		uint64_t e = ((const uint64_t *)(mem.base + table))[i];
		uint64_t v = va | ((uint64_t)i << (12 + 9 * level)), r;

		if (level == 3 && i >= 256)
			v |= 0xffff000000000000ull; /* canonical upper half */
		if (!(e & GPT_P))
			continue;
		r = (rights & (e | ~(GPT_P | GPT_W | GPT_U))) | (e & GPT_NX);
		if (level == 0 || (e & GPT_PS)) {
			uint64_t span = 1ull << (12 + 9 * level);

			ck_assert_msg(level < 3, "PS bit in a PML4 entry");
			check_leaf(w, v, e & GPT_ADDR & ~(span - 1), span, r);
		} else {
			walk_table(w, e & GPT_ADDR, level - 1, v, r);
		}
	}
}

static void walk_all(struct walk *w)
{
	const Elf64_Ehdr *eh = ehdr(&kernel);
	const Elf64_Phdr *ph = (const void *)((const char *)kernel.data + eh->e_phoff);
	int i;

	memset(w, 0, sizeof(*w));
	w->table_frame = calloc(MEM_SIZE / PAGE, 1);
	ck_assert_ptr_nonnull(w->table_frame);
	for (i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_paddr + ph[i].p_memsz > w->kernel_end)
			w->kernel_end = ph[i].p_paddr + ph[i].p_memsz;
	/* First pass: find every table; second: check leaves against that set. */
	walk_table(w, bootinfo()->cr3, 3, 0, GPT_P | GPT_W | GPT_U);
	w->leaves = w->user_leaves = w->user_x_leaves = 0;
	walk_table(w, bootinfo()->cr3, 3, 0, GPT_P | GPT_W | GPT_U);
}

START_TEST(test_boot_wx)
{
	struct walk w;

	boot_ok();
	walk_all(&w);
	ck_assert_uint_gt(w.leaves, 0);
	/* Program pages, stack pages and the syscall entry page. */
	ck_assert_uint_ge(w.user_leaves, BOOT_STACK_SIZE_DEFAULT / PAGE + 2);
	ck_assert_uint_ge(w.user_x_leaves, 2);
	free(w.table_frame);
}
END_TEST

START_TEST(test_boot_segments_mapped)
{
	const struct nanvix_bootinfo *bi;
	uint32_t i;

	boot_ok();
	bi = bootinfo();
	for (i = 0; i < bi->nsegments; i++) {
		const struct nanvix_segment *s = &bi->segments[i];
		uint64_t va;

		for (va = s->vaddr; va < s->vaddr + s->size; va += PAGE) {
			uint64_t pa, r = gpt_rights(&mem, bi->cr3, va, &pa);

			ck_assert_msg(r & GPT_U, "segment page %#llx not user-mapped",
			              (unsigned long long)va);
			if (!(s->prot & ELF_PROT_W))
				ck_assert_msg(!(r & GPT_W), "read-only page %#llx is writable",
				              (unsigned long long)va);
		}
	}
	/* The stack: every page user-writable, never executable. */
	for (uint64_t va = bi->stack_lo; va < bi->stack_hi; va += PAGE) {
		uint64_t pa, r = gpt_rights(&mem, bi->cr3, va, &pa);

		ck_assert((r & GPT_URW) == GPT_URW && (r & GPT_NX));
	}
	/* The guard page below the stack is not mapped. */
	{
		uint64_t pa;

		ck_assert_uint_eq(gpt_rights(&mem, bi->cr3, bi->stack_lo - PAGE, &pa), 0);
	}
}
END_TEST

/* ---- the initial stack ---- */

/* Check the SysV stack at bi->sp against cfg; returns the AT_RANDOM address. */
static void check_stack(uint64_t want_entry)
{
	const struct nanvix_bootinfo *bi = bootinfo();
	uint64_t sp = bi->sp, p, key, val, gpa;
	uint64_t seen_pagesz = 0, seen_entry = 0, seen_random = 0, seen_phnum = 0, seen_execfn = 0;
	char s[256];
	int i;

	ck_assert_uint_eq(sp % 16, 0);
	ck_assert_uint_ge(sp, bi->stack_lo);
	ck_assert_uint_lt(sp, bi->stack_hi);
	ck_assert_int_eq(gva_translate(&mem, bi->cr3, sp, true, &gpa), 0);
	ck_assert_uint_eq(user_word(sp), (uint64_t)cfg.argc);
	p = sp + 8;
	for (i = 0; i < cfg.argc; i++, p += 8) {
		user_string(user_word(p), s, sizeof(s));
		ck_assert_str_eq(s, cfg.argv[i]);
	}
	ck_assert_uint_eq(user_word(p), 0);
	p += 8;
	for (i = 0; i < cfg.envc; i++, p += 8) {
		user_string(user_word(p), s, sizeof(s));
		ck_assert_str_eq(s, cfg.envp[i]);
	}
	ck_assert_uint_eq(user_word(p), 0);
	p += 8;
	for (i = 0; i < 64; i++, p += 16) {
		key = user_word(p);
		val = user_word(p + 8);
		if (key == LINUX_AT_NULL)
			break;
		switch (key) {
		case LINUX_AT_PAGESZ: seen_pagesz = val; break;
		case LINUX_AT_ENTRY: seen_entry = val; break;
		case LINUX_AT_RANDOM: seen_random = val; break;
		case LINUX_AT_PHNUM: seen_phnum = val; break;
		case LINUX_AT_EXECFN: seen_execfn = val; break;
		case LINUX_AT_PHENT: ck_assert_uint_eq(val, sizeof(Elf64_Phdr)); break;
		case LINUX_AT_PLATFORM:
			user_string(val, s, sizeof(s));
			ck_assert_str_eq(s, "x86_64");
			break;
		case LINUX_AT_SECURE:
		case LINUX_AT_BASE: ck_assert_uint_eq(val, 0); break;
		}
	}
	ck_assert_msg(key == LINUX_AT_NULL, "auxv has no AT_NULL");
	ck_assert_uint_eq(seen_pagesz, 4096);
	ck_assert_uint_eq(seen_entry, want_entry);
	ck_assert_uint_eq(seen_entry, bi->entry);
	ck_assert_uint_eq(seen_phnum, ehdr(&program)->e_phnum);
	ck_assert_msg(seen_random, "no AT_RANDOM");
	{
		uint8_t rnd[16];

		ck_assert_int_eq(gva_read(&mem, bi->cr3, seen_random, rnd, 16), 0);
		ck_assert_int_eq(memcmp(rnd, cfg.random, 16), 0);
		ck_assert_uint_ge(seen_random, bi->stack_lo);
		ck_assert_uint_le(seen_random + 16, bi->stack_hi);
	}
	if (cfg.argc > 0) {
		user_string(seen_execfn, s, sizeof(s));
		ck_assert_str_eq(s, cfg.argv[0]);
	}
}

START_TEST(test_boot_stack)
{
	boot_ok();
	check_stack(ehdr(&program)->e_entry);
}
END_TEST

START_TEST(test_boot_stack_no_args)
{
	cfg.argc = 0;
	cfg.envc = 0;
	boot_ok();
	check_stack(ehdr(&program)->e_entry);
}
END_TEST

START_TEST(test_boot_stack_small)
{
	cfg.stack_size = 16384;
	boot_ok();
	ck_assert_uint_eq(bootinfo()->stack_lo, NANVIX_USER_TOP - 16384);
	check_stack(ehdr(&program)->e_entry);
}
END_TEST

START_TEST(test_boot_static_pie)
{
	if (!pie.data) {
		fprintf(stderr, "test_boot: %s missing, static-PIE case skipped\n", PIE_PATH);
		return;
	}
	struct file saved = program;

	cfg.program = pie.data;
	cfg.program_size = pie.size;
	program = pie; /* check_stack compares with this file's headers */
	boot_ok();
	ck_assert_uint_eq(ehdr(&pie)->e_type, ET_DYN);
	check_stack(NANVIX_PIE_BASE + ehdr(&pie)->e_entry);
	{
		uint64_t pa, r = gpt_rights(&mem, bootinfo()->cr3, bootinfo()->entry, &pa);

		ck_assert((r & (GPT_P | GPT_U)) == (GPT_P | GPT_U) && !(r & (GPT_NX | GPT_W)));
	}
	program = saved;
}
END_TEST

/* ---- errors ---- */

START_TEST(test_boot_too_small)
{
	static const uint64_t sizes[] = { 0, PAGE, 1ull << 20, (1ull << 20) + 63 * PAGE };
	unsigned i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		map_mem(sizes[i]);
		BOOT_FAILS(NANVIXD_EXIT_NOMEM, "too small");
	}
}
END_TEST

START_TEST(test_boot_not_page_multiple)
{
	map_mem(MEM_SIZE - 100);
	BOOT_FAILS(NANVIXD_EXIT_NOMEM, "too small");
}
END_TEST

START_TEST(test_boot_no_room_for_stack)
{
	/* 2 MiB holds the kernel and the program, but not a 2 MiB stack. */
	map_mem(2ull << 20);
	cfg.stack_size = 2ull << 20;
	BOOT_FAILS(NANVIXD_EXIT_NOMEM, "too small");
}
END_TEST

START_TEST(test_boot_smallest_sizes)
{
	/*
	 * Sizes from 1 MiB to 3 MiB: a clean failure or a sound guest.  With
	 * a 1 MiB stack the program no longer fits below the kernel, so the
	 * sizes step through the edge where the kernel would be left too few
	 * frames.
	 */
	uint64_t size;

	cfg.stack_size = 1ull << 20;
	for (size = 1ull << 20; size <= 3ull << 20;
	     size += (size & (1ull << 20)) ? PAGE : 16 * PAGE) {
		int rc;

		map_mem(size);
		memset(err, 0, sizeof(err));
		rc = boot();
		if (rc) {
			ck_assert_msg(rc == NANVIXD_EXIT_NOMEM, "%llu bytes: %d (%s)",
			              (unsigned long long)size, rc, err);
			ck_assert_ptr_nonnull(strstr(err, "too small"));
		} else {
			const struct nanvix_bootinfo *bi = bootinfo();
			uint64_t frames = 0;

			ck_assert_uint_eq(bi->magic, NANVIX_BOOTINFO_MAGIC);
			/* Success leaves the kernel room to run (boot.c: MIN_FREE_FRAMES). */
			for (uint32_t i = 0; i < bi->nranges; i++)
				frames += (bi->free[i].end - bi->free[i].start) / PAGE;
			ck_assert_msg(frames >= 64, "%llu bytes: only %llu free frames",
			              (unsigned long long)size, (unsigned long long)frames);
		}
	}
}
END_TEST

START_TEST(test_boot_garbage_kernel)
{
	static uint8_t junk[4096];
	unsigned i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 131 + 7);
	cfg.kernel = junk;
	cfg.kernel_size = sizeof(junk);
	BOOT_FAILS(NANVIXD_EXIT_BADELF, "kernel");
	cfg.kernel_size = 0;
	BOOT_FAILS(NANVIXD_EXIT_BADELF, "kernel");
	/* A truncated kernel.elf. */
	cfg.kernel = kernel.data;
	cfg.kernel_size = 200;
	BOOT_FAILS(NANVIXD_EXIT_BADELF, "kernel");
	/* A program is not a kernel. */
	cfg.kernel = program.data;
	cfg.kernel_size = program.size;
	BOOT_FAILS(NANVIXD_EXIT_BADELF, "kernel");
}
END_TEST

START_TEST(test_boot_kernel_without_header)
{
	const Elf64_Ehdr *eh = ehdr(&kernel);
	const Elf64_Phdr *ph = (const void *)((const char *)kernel.data + eh->e_phoff);
	uint8_t *copy = malloc(kernel.size);
	int i;

	/* kernel.elf with the header's magic broken at the start of its image. */
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, kernel.data, kernel.size);
	for (i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_paddr == NANVIX_KERNEL_PBASE)
			break;
	ck_assert_int_lt(i, eh->e_phnum);
	copy[ph[i].p_offset] ^= 0xff;
	cfg.kernel = copy;
	BOOT_FAILS(NANVIXD_EXIT_BADELF, "kernel header");
	/* The right magic, the wrong ABI version. */
	copy[ph[i].p_offset] ^= 0xff;
	copy[ph[i].p_offset + 4] ^= 0x40;
	BOOT_FAILS(NANVIXD_EXIT_BADELF, "kernel header");
	free(copy);
}
END_TEST

START_TEST(test_boot_garbage_program)
{
	static uint8_t junk[512];

	memset(junk, 0x7f, sizeof(junk));
	cfg.program = junk;
	cfg.program_size = sizeof(junk);
	BOOT_FAILS(NANVIXD_EXIT_BADELF, "hello");
	cfg.program = program.data;
	cfg.program_size = 64;
	BOOT_FAILS(NANVIXD_EXIT_BADELF, "hello");
	/* The kernel is not a program. */
	cfg.program = kernel.data;
	cfg.program_size = kernel.size;
	BOOT_FAILS(NANVIXD_EXIT_BADELF, "hello");
}
END_TEST

START_TEST(test_boot_args_too_long)
{
	size_t len = 70 * 1024;
	char *big = malloc(len + 1);
	char *argv[] = { "hello", big, NULL };

	ck_assert_ptr_nonnull(big);
	memset(big, 'a', len);
	big[len] = 0;
	cfg.argc = 2;
	cfg.argv = argv;
	BOOT_FAILS(NANVIXD_EXIT_USAGE, "too long");
	/* The environment counts as well. */
	cfg.argc = 1;
	cfg.envc = 1;
	cfg.envp = argv + 1;
	BOOT_FAILS(NANVIXD_EXIT_USAGE, "too long");
	/* A quarter of a small stack is the limit too. */
	big[5000] = 0;
	cfg.envc = 0;
	cfg.argc = 2;
	cfg.stack_size = 16384;
	BOOT_FAILS(NANVIXD_EXIT_USAGE, "too long");
	free(big);
}
END_TEST

/* Many empty strings: tiny string bytes, but a pointer each on the stack. */
static void many_args(int n)
{
	static char empty[] = "";
	char **argv = realloc(many_argv, (n + 1) * sizeof(*argv));
	int i;

	ck_assert_ptr_nonnull(argv);
	many_argv = argv;
	argv[0] = "hello";
	for (i = 1; i < n; i++)
		argv[i] = empty;
	argv[n] = NULL;
	cfg.argc = n;
	cfg.argv = argv;
}

START_TEST(test_boot_many_args_fit)
{
	cfg.stack_size = 16384;
	many_args(200);
	boot_ok();
	check_stack(ehdr(&program)->e_entry);
}
END_TEST

START_TEST(test_boot_many_args_overflow_stack)
{
	/*
	 * 3000 empty arguments are only 3 KiB of strings, but 24 KiB of argv
	 * pointers: more than a 16 KiB stack.  Refused, not laid out past the
	 * bottom of the stack.
	 */
	cfg.stack_size = 16384;
	many_args(3000);
	BOOT_FAILS(NANVIXD_EXIT_USAGE, "too long");
	/* The same with the default stack and 64 Ki empty arguments. */
	cfg.stack_size = BOOT_STACK_SIZE_DEFAULT;
	many_args(60000);
	BOOT_FAILS(NANVIXD_EXIT_USAGE, "too long");
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("monitor/boot");
	TCase *valid, *errors;

	if (load(KERNEL_PATH, &kernel) < 0 || load(PROGRAM_PATH, &program) < 0) {
		/* An empty suite: reported, not failed. */
		fprintf(stderr,
		        "test_boot: SKIPPED: cannot read %s or %s (build them: make %s %s)\n",
		        KERNEL_PATH, PROGRAM_PATH, KERNEL_PATH, PROGRAM_PATH);
		return s;
	}
	if (load(PIE_PATH, &pie) < 0)
		pie.data = NULL;
	valid = tcase_create("valid");
	errors = tcase_create("errors");

	tcase_add_checked_fixture(valid, setup, teardown);
	tcase_add_test(valid, test_boot_info);
	tcase_add_test(valid, test_boot_free_frames_zero);
	tcase_add_test(valid, test_boot_entry_executable);
	tcase_add_test(valid, test_boot_wx);
	tcase_add_test(valid, test_boot_segments_mapped);
	tcase_add_test(valid, test_boot_stack);
	tcase_add_test(valid, test_boot_stack_no_args);
	tcase_add_test(valid, test_boot_stack_small);
	tcase_add_test(valid, test_boot_static_pie);
	tcase_add_test(valid, test_boot_many_args_fit);
	suite_add_tcase(s, valid);

	tcase_add_checked_fixture(errors, setup, teardown);
	tcase_add_test(errors, test_boot_too_small);
	tcase_add_test(errors, test_boot_not_page_multiple);
	tcase_add_test(errors, test_boot_no_room_for_stack);
	tcase_add_test(errors, test_boot_smallest_sizes);
	tcase_add_test(errors, test_boot_garbage_kernel);
	tcase_add_test(errors, test_boot_kernel_without_header);
	tcase_add_test(errors, test_boot_garbage_program);
	tcase_add_test(errors, test_boot_args_too_long);
	tcase_add_test(errors, test_boot_many_args_overflow_stack);
	suite_add_tcase(s, errors);
	return s;
}
