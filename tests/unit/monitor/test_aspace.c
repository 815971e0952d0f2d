/* Check tests for the host-side address-space copy (fork), teardown (exit) and mmap work, hostile trees included. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <abi/bootinfo.h>
#include <abi/kernel_header.h>
#include <abi/linux.h>
#include <abi/vvar.h>
#include <abi/x86_paging.h>
#include <monitor/aspace.h>

#include "guest_pt.h"
#include "runner.h"

#define MEM_SIZE   (4u << 20)
#define SRC_POOL   0x10000ull /* source tables */
#define DST_ROOT   0x80000ull
#define DATA_PA    0x90000ull /* the source's user pages */
#define FREE_FIRST 0x100u     /* frames lent from here */
#define NFREE      64u

static struct vm_mem mem;
static struct gpt pt;
static uint32_t list[NFREE];

static void setup(void)
{
	mem.size = MEM_SIZE;
	mem.base = calloc(1, MEM_SIZE);
	ck_assert_ptr_nonnull(mem.base);
	ck_assert_int_eq(gpt_init(&pt, &mem, SRC_POOL, DST_ROOT), 0);
	/* Two user pages with content, one PROT_NONE page (software bit, not present). */
	ck_assert_int_eq(gpt_map(&pt, 0x400000, DATA_PA, GPT_URW, 0), 0);
	ck_assert_int_eq(gpt_map(&pt, 0x401000, DATA_PA + 0x1000, GPT_P | GPT_U, 0), 0);
	ck_assert_int_eq(gpt_map(&pt, 0x7ffff000, DATA_PA + 0x2000, PTE_NONE, 0), 0);
	memcpy(mem.base + DATA_PA, "page one", 8);
	memcpy(mem.base + DATA_PA + 0x1000, "page two", 8);
	memcpy(mem.base + DATA_PA + 0x2000, "page none", 9);
	for (unsigned i = 0; i < NFREE; i++)
		list[i] = FREE_FIRST + i;
}

static void teardown(void)
{
	free(mem.base);
}

static struct aspace_frames lend(uint32_t n)
{
	struct aspace_frames f = { .list = list, .nlist = n };

	return f;
}

START_TEST(test_fork_copies)
{
	struct aspace_frames f = lend(NFREE);
	uint32_t used;
	uint64_t pa;

	ck_assert_int_eq(aspace_fork(&mem, pt.cr3, DST_ROOT, &f, &used), 0);
	/* 3 pages + PDPT + 2 PDs + 2 PTs (0x7ffff000 is in the second GiB). */
	ck_assert_uint_eq(used, 3 + 1 + 2 + 2);
	ck_assert(gpt_rights(&mem, DST_ROOT, 0x400000, &pa) & GPT_W);
	ck_assert_uint_ne(pa, DATA_PA);
	ck_assert_int_eq(memcmp(mem.base + pa, "page one", 8), 0);
	ck_assert(!(gpt_rights(&mem, DST_ROOT, 0x401000, &pa) & GPT_W));
	ck_assert_int_eq(memcmp(mem.base + pa, "page two", 8), 0);
	/* Copies are private: the source page is untouched by writes to the copy. */
	memcpy(mem.base + pa, "changed!", 8);
	ck_assert_int_eq(memcmp(mem.base + DATA_PA + 0x1000, "page two", 8), 0);
	/* Frames come from the end of the list backwards. */
	ck_assert_uint_eq(mem.base[DST_ROOT] & 1, 1);
	ck_assert_uint_eq((*(uint64_t *)(mem.base + DST_ROOT) & PTE_ADDR) / 4096,
	                  FREE_FIRST + NFREE - 1);
}
END_TEST

START_TEST(test_fork_runs_out)
{
	struct aspace_frames f = lend(4);
	uint32_t used;

	ck_assert_int_eq(aspace_fork(&mem, pt.cr3, DST_ROOT, &f, &used), -ENOMEM);
	ck_assert_uint_eq(used, 4);
}
END_TEST

START_TEST(test_fork_hostile)
{
	struct aspace_frames f = lend(NFREE);
	uint64_t *slot;
	uint32_t used;

	/* A PT entry pointing back at the PDPT: a cycle ends when the frames do. */
	slot = gpt_slot(&pt, 0x402000, 0);
	ck_assert_ptr_nonnull(slot);
	*slot = (*(uint64_t *)(mem.base + pt.cr3) & PTE_ADDR) | GPT_URW;
	ck_assert_int_eq(aspace_fork(&mem, pt.cr3, DST_ROOT, &f, &used), 0); /* a leaf: copied */
	memset(mem.base + DST_ROOT, 0, 4096);
	/* A large page in the user half is refused. */
	*gpt_slot(&pt, 0x40000000, 1) = 0x200000 | GPT_URW | GPT_PS;
	ck_assert_int_eq(aspace_fork(&mem, pt.cr3, DST_ROOT, &f, &used), -EINVAL);
	memset(mem.base + DST_ROOT, 0, 4096);
	*gpt_slot(&pt, 0x40000000, 1) = 0;
	/* A page outside RAM, and a lent frame outside RAM. */
	*gpt_slot(&pt, 0x403000, 0) = (MEM_SIZE + 0x1000ull) | GPT_URW;
	ck_assert_int_eq(aspace_fork(&mem, pt.cr3, DST_ROOT, &f, &used), -EINVAL);
	*gpt_slot(&pt, 0x403000, 0) = 0;
	memset(mem.base + DST_ROOT, 0, 4096);
	list[NFREE - 1] = MEM_SIZE / 4096 + 5;
	ck_assert_int_eq(aspace_fork(&mem, pt.cr3, DST_ROOT, &f, &used), -EINVAL);
	/* A destination whose user half is not empty; roots outside RAM. */
	*(uint64_t *)(mem.base + DST_ROOT) = 1;
	ck_assert_int_eq(aspace_fork(&mem, pt.cr3, DST_ROOT, &f, &used), -EINVAL);
	ck_assert_int_eq(aspace_fork(&mem, MEM_SIZE, DST_ROOT, &f, &used), -EINVAL);
	ck_assert_int_eq(aspace_fork(&mem, pt.cr3, MEM_SIZE + 4096, &f, &used), -EINVAL);
}
END_TEST

START_TEST(test_release)
{
	uint32_t out[64], count;
	uint64_t pa;

	memset(out, 0xff, sizeof(out));
	/* Too little room: an error, and nothing changes. */
	ck_assert_int_eq(aspace_release(&mem, pt.cr3, out, 3, &count), -E2BIG);
	ck_assert_int_eq(memcmp(mem.base + DATA_PA, "page one", 8), 0);
	ck_assert(gpt_rights(&mem, pt.cr3, 0x400000, &pa) & GPT_P);
	/* Enough: 3 pages + PDPT + 2 PDs + 2 PTs, all zeroed, the user half cleared. */
	ck_assert_int_eq(aspace_release(&mem, pt.cr3, out, 64, &count), 0);
	ck_assert_uint_eq(count, 8);
	ck_assert_int_eq(mem.base[DATA_PA], 0);
	ck_assert_int_eq(mem.base[DATA_PA + 0x2000], 0);
	ck_assert_uint_eq(*(uint64_t *)(mem.base + pt.cr3), 0);
	for (unsigned i = 0; i < count; i++)
		ck_assert_uint_lt(out[i], MEM_SIZE / 4096);
}
END_TEST

START_TEST(test_release_hostile)
{
	uint32_t out[64], count;
	uint64_t *pte = gpt_slot(&pt, 0x400000, 0);
	unsigned i;

	/* Every entry of a table naming the same frame: bounded by the room, unchanged. */
	for (i = 0; i < 512; i++)
		pte[i] = DATA_PA | GPT_URW;
	ck_assert_int_eq(aspace_release(&mem, pt.cr3, out, 64, &count), -E2BIG);
	ck_assert_int_eq(memcmp(mem.base + DATA_PA, "page one", 8), 0);
	for (i = 2; i < 512; i++)
		pte[i] = 0;
	*gpt_slot(&pt, 0x40000000, 1) = 0x200000 | GPT_URW | GPT_PS;
	ck_assert_int_eq(aspace_release(&mem, pt.cr3, out, 64, &count), -EINVAL);
	*gpt_slot(&pt, 0x40000000, 1) = 0;
	*gpt_slot(&pt, 0x403000, 0) = (MEM_SIZE + 0x1000ull) | GPT_URW;
	ck_assert_int_eq(aspace_release(&mem, pt.cr3, out, 64, &count), -EINVAL);
	ck_assert_int_eq(aspace_release(&mem, MEM_SIZE, out, 64, &count), -EINVAL);
	ck_assert_int_eq(memcmp(mem.base + DATA_PA, "page one", 8), 0);
}
END_TEST

/* The guest's reference count of the frame at `pa` (NANVIX_PFN_REFS at the top of RAM). */
static uint16_t *refs_of(uint64_t pa)
{
	uint64_t npages = MEM_SIZE / 4096;
	uint16_t *refs = (uint16_t *)(mem.base + MEM_SIZE - NANVIX_PFN_AREA(npages) +
	                              NANVIX_PFN_REFS(npages));

	return &refs[pa / 4096];
}

START_TEST(test_fork_shared)
{
	struct aspace_frames f = lend(NFREE);
	uint32_t used, out[64], count;
	uint64_t pa;

	/* A MAP_SHARED page: the child maps the same frame, one more reference. */
	*gpt_slot(&pt, 0x400000, 0) |= PTE_SHARED;
	ck_assert_int_eq(aspace_fork(&mem, pt.cr3, DST_ROOT, &f, &used), 0);
	ck_assert_uint_eq(used, 2 + 1 + 2 + 2); /* one page fewer to copy */
	gpt_rights(&mem, DST_ROOT, 0x400000, &pa);
	ck_assert_uint_eq(pa, DATA_PA);
	ck_assert_uint_eq(*refs_of(DATA_PA), 1);
	/* The child goes: the frame stays (not listed, not zeroed), one reference less. */
	ck_assert_int_eq(aspace_release(&mem, DST_ROOT, out, 64, &count), 0);
	ck_assert_uint_eq(count, 7);
	for (unsigned i = 0; i < count; i++)
		ck_assert_uint_ne(out[i], DATA_PA / 4096);
	ck_assert_uint_eq(*refs_of(DATA_PA), 0);
	ck_assert_int_eq(memcmp(mem.base + DATA_PA, "page one", 8), 0);
	/* The parent goes last: the frame is freed with it. */
	ck_assert_int_eq(aspace_release(&mem, pt.cr3, out, 64, &count), 0);
	ck_assert_uint_eq(count, 8);
	ck_assert_int_eq(mem.base[DATA_PA], 0);
}
END_TEST

START_TEST(test_fork_shared_hostile)
{
	struct aspace_frames f = lend(NFREE);
	uint32_t used;

	/* A full reference count: ENOMEM, the count unchanged. */
	*gpt_slot(&pt, 0x400000, 0) |= PTE_SHARED;
	*refs_of(DATA_PA) = UINT16_MAX;
	ck_assert_int_eq(aspace_fork(&mem, pt.cr3, DST_ROOT, &f, &used), -ENOMEM);
	ck_assert_uint_eq(*refs_of(DATA_PA), UINT16_MAX);
	memset(mem.base + DST_ROOT, 0, 2048);
	/* A shared page outside RAM is refused. */
	*refs_of(DATA_PA) = 0;
	*gpt_slot(&pt, 0x403000, 0) = (MEM_SIZE + 0x1000ull) | GPT_URW | PTE_SHARED;
	ck_assert_int_eq(aspace_fork(&mem, pt.cr3, DST_ROOT, &f, &used), -EINVAL);
}
END_TEST

/* One NANVIX_HC_MM request on the test's tree. */
static struct nanvix_hc_mm mm_req(uint32_t op, uint64_t va, uint64_t len, uint64_t pte)
{
	struct nanvix_hc_mm a = { .cr3 = pt.cr3, .va = va, .len = len, .pte = pte, .op = op };

	return a;
}

#define URW_NX (GPT_URW | PTE_NX)

START_TEST(test_mm_map)
{
	uint32_t dirty[2] = { FREE_FIRST + 100, FREE_FIRST + 101 };
	struct aspace_frames f = lend(NFREE);
	struct nanvix_hc_mm a = mm_req(NANVIX_MM_MAP, 0x5fe000, 0x3000, URW_NX);
	uint64_t pa, before = *gpt_slot(&pt, 0x401000, 0);

	f.dirty = dirty;
	f.ndirty = 2;
	memset(mem.base + dirty[0] * 4096ull, 0xaa, 4096);
	memset(mem.base + dirty[1] * 4096ull, 0xbb, 4096);
	/* Over a mapped page: EEXIST, nothing taken or changed. */
	a.va = 0x401000;
	aspace_mm(&mem, &a, &f, NULL);
	ck_assert_int_eq(a.ret, -EEXIST);
	ck_assert_uint_eq(a.count, 0);
	ck_assert_uint_eq(*gpt_slot(&pt, 0x401000, 0), before);
	ck_assert_uint_eq(mem.base[dirty[1] * 4096ull], 0xbb);
	/* Across two page tables, the second one missing: 3 pages + 1 table. */
	a.va = 0x5fe000;
	aspace_mm(&mem, &a, &f, NULL);
	ck_assert_int_eq(a.ret, 0);
	ck_assert_uint_eq(a.count, 4);
	/* Dirty frames first, from the top of their list, zeroed. */
	ck_assert_uint_eq(gpt_rights(&mem, pt.cr3, 0x5fe000, &pa), GPT_URW | GPT_NX);
	ck_assert_uint_eq(pa, dirty[1] * 4096ull);
	ck_assert_uint_eq(mem.base[pa + 4095], 0);
	gpt_rights(&mem, pt.cr3, 0x5ff000, &pa);
	ck_assert_uint_eq(pa, dirty[0] * 4096ull);
	ck_assert_uint_eq(mem.base[pa], 0);
	ck_assert_uint_eq(gpt_rights(&mem, pt.cr3, 0x600000, &pa), GPT_URW | GPT_NX);
	ck_assert_uint_ge(pa / 4096, FREE_FIRST);
	ck_assert_uint_lt(pa / 4096, FREE_FIRST + NFREE);
	/* PROT_NONE and shared pages keep their software bits. */
	a = mm_req(NANVIX_MM_MAP, 0x700000, 0x1000, PTE_NONE | PTE_SHARED);
	aspace_mm(&mem, &a, &f, NULL);
	ck_assert_int_eq(a.ret, 0);
	ck_assert_uint_eq(*gpt_slot(&pt, 0x700000, 0) & ~PTE_ADDR, PTE_NONE | PTE_SHARED);
}
END_TEST

START_TEST(test_mm_map_refused)
{
	struct aspace_frames f = lend(3);
	struct nanvix_hc_mm a = mm_req(NANVIX_MM_MAP, 0x600000, 0x3000, URW_NX);
	uint64_t pa, flags[] = { GPT_URW,         GPT_P | GPT_W,   PTE_NONE | GPT_P | GPT_U, GPT_U,
		                 URW_NX | 0x1000, URW_NX | GPT_PS, PTE_NONE | GPT_W };
	unsigned i;

	/* 3 pages need a table too: ENOMEM before anything changes. */
	aspace_mm(&mem, &a, &f, NULL);
	ck_assert_int_eq(a.ret, -ENOMEM);
	ck_assert_uint_eq(a.count, 0);
	ck_assert_uint_eq(gpt_rights(&mem, pt.cr3, 0x600000, &pa), 0);
	/* Flags the guest may not ask for: W and X together, kernel or odd bits. */
	f = lend(NFREE);
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		a = mm_req(NANVIX_MM_MAP, 0x600000, 0x1000, flags[i]);
		aspace_mm(&mem, &a, &f, NULL);
		ck_assert_int_eq(a.ret, -EINVAL);
	}
	/* Ranges: unaligned, empty, kernel half, wrapping; unknown ops. */
	a = mm_req(NANVIX_MM_MAP, 0x600800, 0x1000, URW_NX);
	aspace_mm(&mem, &a, &f, NULL);
	ck_assert_int_eq(a.ret, -EINVAL);
	a = mm_req(NANVIX_MM_UNMAP, 0x600000, 0, 0);
	aspace_mm(&mem, &a, &f, NULL);
	ck_assert_int_eq(a.ret, -EINVAL);
	a = mm_req(NANVIX_MM_UNMAP, 1ull << 47, 0x1000, 0);
	aspace_mm(&mem, &a, &f, NULL);
	ck_assert_int_eq(a.ret, -EINVAL);
	a = mm_req(NANVIX_MM_ZERO, 0x400000, ~0xfffull, 0);
	aspace_mm(&mem, &a, &f, NULL);
	ck_assert_int_eq(a.ret, -EINVAL);
	a = mm_req(9, 0x400000, 0x1000, 0);
	aspace_mm(&mem, &a, &f, NULL);
	ck_assert_int_eq(a.ret, -EINVAL);
	a = mm_req(0, 0x400000, 0x1000, 0);
	aspace_mm(&mem, &a, &f, NULL);
	ck_assert_int_eq(a.ret, -EINVAL);
	a = mm_req(NANVIX_MM_ZERO, 0x400000, 0x1000, 0);
	a.cr3 = MEM_SIZE;
	aspace_mm(&mem, &a, &f, NULL);
	ck_assert_int_eq(a.ret, -EINVAL);
}
END_TEST

START_TEST(test_mm_unmap)
{
	struct aspace_frames f = lend(0);
	uint32_t freed[8];
	struct nanvix_hc_mm a = mm_req(NANVIX_MM_UNMAP, 0x3ff000, 0x4000, 0);
	uint64_t pa;

	/* Too little room: E2BIG, nothing changed. */
	a.freed_max = 1;
	aspace_mm(&mem, &a, &f, freed);
	ck_assert_int_eq(a.ret, -E2BIG);
	ck_assert(gpt_rights(&mem, pt.cr3, 0x400000, &pa) & GPT_P);
	/* Unmapped pages in the range are skipped; frames listed and zeroed. */
	a.freed_max = 8;
	aspace_mm(&mem, &a, &f, freed);
	ck_assert_int_eq(a.ret, 0);
	ck_assert_uint_eq(a.count, 2);
	ck_assert_uint_eq(freed[0], DATA_PA / 4096);
	ck_assert_uint_eq(freed[1], DATA_PA / 4096 + 1);
	ck_assert_uint_eq(*gpt_slot(&pt, 0x400000, 0), 0);
	ck_assert_uint_eq(*gpt_slot(&pt, 0x401000, 0), 0);
	ck_assert_int_eq(mem.base[DATA_PA], 0);
	ck_assert_int_eq(mem.base[DATA_PA + 0x1000], 0);
	/* A shared frame another mapping holds: EBUSY, left to the kernel. */
	*gpt_slot(&pt, 0x7ffff000, 0) |= PTE_SHARED;
	*refs_of(DATA_PA + 0x2000) = 1;
	a = mm_req(NANVIX_MM_UNMAP, 0x7ffff000, 0x1000, 0);
	a.freed_max = 8;
	aspace_mm(&mem, &a, &f, freed);
	ck_assert_int_eq(a.ret, -EBUSY);
	ck_assert_uint_eq(*refs_of(DATA_PA + 0x2000), 1);
	ck_assert(*gpt_slot(&pt, 0x7ffff000, 0) & PTE_NONE);
	/* Its last mapping: freed like any other. */
	*refs_of(DATA_PA + 0x2000) = 0;
	aspace_mm(&mem, &a, &f, freed);
	ck_assert_int_eq(a.ret, 0);
	ck_assert_uint_eq(a.count, 1);
	ck_assert_uint_eq(freed[0], (DATA_PA + 0x2000) / 4096);
	ck_assert_uint_eq(*gpt_slot(&pt, 0x7ffff000, 0), 0);
	/* Nothing mapped over a huge range: skipped a table at a time. */
	a = mm_req(NANVIX_MM_UNMAP, 0x1000, (1ull << 47) - 0x1000, 0);
	a.freed_max = 8;
	aspace_mm(&mem, &a, &f, freed);
	ck_assert_int_eq(a.ret, 0);
	ck_assert_uint_eq(a.count, 0);
}
END_TEST

START_TEST(test_mm_zero)
{
	struct aspace_frames f = lend(0);
	struct nanvix_hc_mm a = mm_req(NANVIX_MM_ZERO, 0x400000, 0x3000, 0);
	uint64_t pa;

	/* A hole in the range: ENOMEM, nothing changed. */
	aspace_mm(&mem, &a, &f, NULL);
	ck_assert_int_eq(a.ret, -ENOMEM);
	ck_assert_int_eq(memcmp(mem.base + DATA_PA, "page one", 8), 0);
	/* Private pages zeroed in place, mappings unchanged. */
	a.len = 0x2000;
	aspace_mm(&mem, &a, &f, NULL);
	ck_assert_int_eq(a.ret, 0);
	ck_assert_uint_eq(a.count, 2);
	ck_assert_int_eq(mem.base[DATA_PA], 0);
	ck_assert_int_eq(mem.base[DATA_PA + 0x1000], 0);
	ck_assert_uint_eq(gpt_rights(&mem, pt.cr3, 0x401000, &pa), GPT_P | GPT_U);
	ck_assert_uint_eq(pa, DATA_PA + 0x1000);
	/* Shared pages keep their contents. */
	*gpt_slot(&pt, 0x7ffff000, 0) |= PTE_SHARED;
	a = mm_req(NANVIX_MM_ZERO, 0x7ffff000, 0x1000, 0);
	aspace_mm(&mem, &a, &f, NULL);
	ck_assert_int_eq(a.ret, 0);
	ck_assert_uint_eq(a.count, 0);
	ck_assert_int_eq(memcmp(mem.base + DATA_PA + 0x2000, "page none", 9), 0);
}
END_TEST

START_TEST(test_mm_hostile)
{
	struct aspace_frames f = lend(NFREE);
	uint32_t freed[8];
	struct nanvix_hc_mm a;
	uint64_t *pd = gpt_slot(&pt, 0x400000, 1) - 2, *pdpt = gpt_slot(&pt, 0x400000, 2);
	uint64_t pd_e = pd[2], pdpt_e = pdpt[0], pa;
	unsigned i;

	/* Every PDPT entry names the same PD, whose entries all name the same
	 * PT: 262,144 visits of one table, cut off at the size of RAM. */
	for (i = 0; i < 512; i++)
		pd[i] = pd_e;
	for (i = 0; i < 512; i++)
		pdpt[i] = pdpt_e;
	a = mm_req(NANVIX_MM_UNMAP, 0, 1ull << 39, 0);
	a.freed_max = 8;
	aspace_mm(&mem, &a, &f, freed);
	ck_assert_int_eq(a.ret, -EINVAL);
	a = mm_req(NANVIX_MM_ZERO, 0, 1ull << 39, 0);
	aspace_mm(&mem, &a, &f, NULL);
	ck_assert_int_ne(a.ret, 0);
	ck_assert_int_eq(memcmp(mem.base + DATA_PA, "page one", 8), 0);
	for (i = 0; i < 512; i++)
		pdpt[i] = pd[i] = 0;
	pdpt[0] = pdpt_e;
	pd[2] = pd_e;
	/* A large page, and a page outside RAM, in the range. */
	*gpt_slot(&pt, 0x40000000, 1) = 0x200000 | GPT_URW | GPT_PS;
	a = mm_req(NANVIX_MM_UNMAP, 0x3ff00000, 0x200000, 0);
	a.freed_max = 8;
	aspace_mm(&mem, &a, &f, freed);
	ck_assert_int_eq(a.ret, -EINVAL);
	a = mm_req(NANVIX_MM_ZERO, 0x40000000, 0x1000, 0);
	aspace_mm(&mem, &a, &f, NULL);
	ck_assert_int_eq(a.ret, -EINVAL);
	a = mm_req(NANVIX_MM_MAP, 0x40000000, 0x1000, URW_NX);
	aspace_mm(&mem, &a, &f, NULL);
	ck_assert_int_eq(a.ret, -EINVAL);
	*gpt_slot(&pt, 0x40000000, 1) = 0;
	*gpt_slot(&pt, 0x402000, 0) = (MEM_SIZE + 0x1000ull) | GPT_URW;
	a = mm_req(NANVIX_MM_UNMAP, 0x400000, 0x3000, 0);
	a.freed_max = 8;
	aspace_mm(&mem, &a, &f, freed);
	ck_assert_int_eq(a.ret, -EINVAL);
	ck_assert_int_eq(memcmp(mem.base + DATA_PA, "page one", 8), 0);
	ck_assert(gpt_rights(&mem, pt.cr3, 0x400000, &pa) & GPT_P);
	/* A lent frame outside RAM. */
	list[NFREE - 1] = MEM_SIZE / 4096 + 5;
	a = mm_req(NANVIX_MM_MAP, 0x600000, 0x1000, URW_NX);
	aspace_mm(&mem, &a, &f, NULL);
	ck_assert_int_eq(a.ret, -EINVAL);
}
END_TEST

/* The fast mm path's guest side: a read-only vvar page and the kernel's frame state. */
#define VVAR_PA  0xa0000ull
#define STATE_PA 0xa1000ull

static struct nanvix_vvar *vvar_of(void)
{
	return (struct nanvix_vvar *)(mem.base + VVAR_PA);
}

static struct nanvix_frame_state *state_of(void)
{
	return (struct nanvix_frame_state *)(mem.base + STATE_PA);
}

/* The clean PFN stack (the first of the two at the top of RAM). */
static uint32_t *clean_stack(void)
{
	return (uint32_t *)(mem.base + MEM_SIZE - NANVIX_PFN_AREA(MEM_SIZE / 4096));
}

static void fast_setup(void)
{
	struct nanvix_frame_state *fs = state_of();

	ck_assert_int_eq(gpt_map(&pt, NANVIX_VVAR_VA, VVAR_PA, GPT_P | GPT_U | GPT_NX, 0), 0);
	vvar_of()->flags = NANVIX_VVAR_FASTMM;
	vvar_of()->mmap_next = 0x10000000;
	vvar_of()->brk_top = 0x1000000;
	fs->ntotal = MEM_SIZE / 4096;
	fs->nfree = 64;
	fs->nranges = 1;
	fs->ranges[0].start = FREE_FIRST * 4096ull;
	fs->ranges[0].end = (FREE_FIRST + 64) * 4096ull;
}

static int fast(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, int64_t *ret)
{
	const uint64_t a[6] = { a0, a1, a2, a3, ~0ull, 0 };

	return aspace_fastmm(&mem, STATE_PA, pt.cr3, nr, a, ret);
}

#define ANON (LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS)
#define RW   (LINUX_PROT_READ | LINUX_PROT_WRITE)

START_TEST(test_fastmm_mmap)
{
	struct nanvix_frame_state *fs = state_of();
	int64_t ret = 0;
	uint64_t pa;

	fast_setup();
	/* Below mmap_next, from the bump range: 3 pages and a page table. */
	ck_assert_int_eq(fast(LINUX_SYS_mmap, 0, 0x2001, RW, ANON, &ret), 0);
	ck_assert_uint_eq((uint64_t)ret, 0x10000000 - 0x3000);
	ck_assert_uint_eq(vvar_of()->mmap_next, 0x10000000 - 0x3000);
	ck_assert_uint_eq(fs->nfree, 64 - 4);
	ck_assert_uint_eq(fs->ranges[0].start, (FREE_FIRST + 4) * 4096ull);
	ck_assert_uint_eq(gpt_rights(&mem, pt.cr3, (uint64_t)ret, &pa), GPT_URW | GPT_NX);
	/* What the kernel decides: a hint, MAP_FIXED, a file, exec rights, too much. */
	ck_assert_int_eq(fast(LINUX_SYS_mmap, 0x20000000, 0x1000, RW, ANON, &ret), 1);
	ck_assert_int_eq(fast(LINUX_SYS_mmap, 0, 0x1000, RW, ANON | LINUX_MAP_FIXED, &ret), 1);
	ck_assert_int_eq(fast(LINUX_SYS_mmap, 0, 0x1000, RW, LINUX_MAP_PRIVATE, &ret), 1);
	ck_assert_int_eq(fast(LINUX_SYS_mmap, 0, 0x1000, LINUX_PROT_EXEC, ANON, &ret), 1);
	ck_assert_int_eq(fast(LINUX_SYS_mmap, 0, 0x100000, RW, ANON, &ret), 1);
	ck_assert_int_eq(fast(LINUX_SYS_mmap, 0, 0, RW, ANON, &ret), 1);
	/* Above the break only. */
	vvar_of()->brk_top = vvar_of()->mmap_next - 0x1000;
	ck_assert_int_eq(fast(LINUX_SYS_mmap, 0, 0x2000, RW, ANON, &ret), 1);
	ck_assert_uint_eq(fs->nfree, 64 - 4);
}
END_TEST

START_TEST(test_fastmm_closed)
{
	int64_t ret = 0;

	fast_setup();
	/* Flags that close the path; a vvar page the process could write. */
	vvar_of()->flags = NANVIX_VVAR_FASTMM | NANVIX_VVAR_SHARED;
	ck_assert_int_eq(fast(LINUX_SYS_mmap, 0, 0x1000, RW, ANON, &ret), 1);
	vvar_of()->flags = 0;
	ck_assert_int_eq(fast(LINUX_SYS_madvise, 0x400000, 0x1000, 4, 0, &ret), 1);
	vvar_of()->flags = NANVIX_VVAR_FASTMM;
	*gpt_slot(&pt, NANVIX_VVAR_VA, 0) |= GPT_W;
	ck_assert_int_eq(fast(LINUX_SYS_madvise, 0x400000, 0x1000, 4, 0, &ret), 1);
	*gpt_slot(&pt, NANVIX_VVAR_VA, 0) &= ~GPT_W;
	/* A frame state that cannot be right; another call. */
	state_of()->nclean = MEM_SIZE;
	ck_assert_int_eq(fast(LINUX_SYS_munmap, 0x400000, 0x1000, 0, 0, &ret), 1);
	state_of()->nclean = 0;
	ck_assert_int_eq(fast(LINUX_SYS_getpid, 0, 0, 0, 0, &ret), 1);
	ck_assert_int_eq(memcmp(mem.base + DATA_PA, "page one", 8), 0);
}
END_TEST

START_TEST(test_fastmm_unmap_zero)
{
	struct nanvix_frame_state *fs = state_of();
	int64_t ret = 1;

	fast_setup();
	/* madvise: zeroed in place; a hole is ENOMEM, served; other advice is the kernel's. */
	ck_assert_int_eq(fast(LINUX_SYS_madvise, 0x400000, 0x1000, 4, 0, &ret), 0);
	ck_assert_int_eq(ret, 0);
	ck_assert_int_eq(mem.base[DATA_PA], 0);
	ck_assert_int_eq(fast(LINUX_SYS_madvise, 0x400000, 0x3000, 8, 0, &ret), 0);
	ck_assert_int_eq(ret, -ENOMEM);
	ck_assert_int_eq(fast(LINUX_SYS_madvise, 0x400000, 0x1000, 3, 0, &ret), 1);
	/* munmap: frames onto the clean stack. */
	ret = 1;
	ck_assert_int_eq(fast(LINUX_SYS_munmap, 0x400000, 0x2000, 0, 0, &ret), 0);
	ck_assert_int_eq(ret, 0);
	ck_assert_uint_eq(fs->nclean, 2);
	ck_assert_uint_eq(fs->nfree, 66);
	ck_assert_uint_eq(clean_stack()[0], DATA_PA / 4096);
	ck_assert_uint_eq(clean_stack()[1], DATA_PA / 4096 + 1);
	ck_assert_uint_eq(*gpt_slot(&pt, 0x401000, 0), 0);
	/* Shared file mappings, or a shared frame held elsewhere: the kernel's. */
	vvar_of()->flags |= NANVIX_VVAR_FMAPS;
	ck_assert_int_eq(fast(LINUX_SYS_munmap, 0x7ffff000, 0x1000, 0, 0, &ret), 1);
	vvar_of()->flags &= ~NANVIX_VVAR_FMAPS;
	*gpt_slot(&pt, 0x7ffff000, 0) |= PTE_SHARED;
	*refs_of(DATA_PA + 0x2000) = 1;
	ck_assert_int_eq(fast(LINUX_SYS_munmap, 0x7ffff000, 0x1000, 0, 0, &ret), 1);
	ck_assert(*gpt_slot(&pt, 0x7ffff000, 0) & PTE_NONE);
	/* Unaligned, empty or negative: the kernel answers. */
	ck_assert_int_eq(fast(LINUX_SYS_munmap, 0x400800, 0x1000, 0, 0, &ret), 1);
	ck_assert_int_eq(fast(LINUX_SYS_munmap, 0x400000, 0, 0, 0, &ret), 1);
	ck_assert_int_eq(fast(LINUX_SYS_munmap, 0x400000, ~0ull, 0, 0, &ret), 1);
	ck_assert_uint_eq(fs->nclean, 2);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("monitor/aspace");
	TCase *tc = tcase_create("aspace");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_fork_copies);
	tcase_add_test(tc, test_fork_runs_out);
	tcase_add_test(tc, test_fork_hostile);
	tcase_add_test(tc, test_release);
	tcase_add_test(tc, test_release_hostile);
	tcase_add_test(tc, test_fork_shared);
	tcase_add_test(tc, test_fork_shared_hostile);
	tcase_add_test(tc, test_mm_map);
	tcase_add_test(tc, test_mm_map_refused);
	tcase_add_test(tc, test_mm_unmap);
	tcase_add_test(tc, test_mm_zero);
	tcase_add_test(tc, test_mm_hostile);
	tcase_add_test(tc, test_fastmm_mmap);
	tcase_add_test(tc, test_fastmm_closed);
	tcase_add_test(tc, test_fastmm_unmap_zero);
	suite_add_tcase(s, tc);
	return s;
}
