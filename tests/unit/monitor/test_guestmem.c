/* Unit tests for guestmem.c: gpa_ptr bounds and the user page-table walk over hostile tables. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <monitor/guestmem.h>

#include "guest_pt.h"
#include "runner.h"

#define MEM_SIZE   (4ull << 20) /* 4 MiB of guest RAM */
#define POOL_START 0x100000ull  /* page tables in [1 MiB, 2 MiB) */
#define POOL_END   0x200000ull
#define DATA       0x10000ull  /* data frames from 64 KiB */
#define VA         0x400000ull /* a user page */

static struct vm_mem mem;
static struct gpt pt;
static uint8_t *before; /* copy of guest RAM, to prove read-only calls wrote nothing */

static void setup(void)
{
	/* Heap, not mmap: AddressSanitizer's redzones catch any access past either end. */
	mem.size = MEM_SIZE;
	mem.base = aligned_alloc(GPT_PAGE, MEM_SIZE);
	before = malloc(MEM_SIZE);
	ck_assert_ptr_nonnull(mem.base);
	ck_assert_ptr_nonnull(before);
	memset(mem.base, 0, MEM_SIZE);
	ck_assert_int_eq(gpt_init(&pt, &mem, POOL_START, POOL_END), 0);
}

static void teardown(void)
{
	free(mem.base);
	free(before);
}

static void snapshot(void)
{
	memcpy(before, mem.base, MEM_SIZE);
}

static void assert_unchanged(void)
{
	ck_assert_msg(memcmp(before, mem.base, MEM_SIZE) == 0, "guest memory was modified");
}

/* Translate and expect -EFAULT, with *gpa left alone and memory untouched. */
#define FAULTS(gva, write)                                                                     \
	do {                                                                                   \
		uint64_t gpa_ = 0x5a5a;                                                        \
		snapshot();                                                                    \
		ck_assert_int_eq(gva_translate(&mem, pt.cr3, (gva), (write), &gpa_), -EFAULT); \
		assert_unchanged();                                                            \
	} while (0)

#define TRANSLATES(gva, write, want)                                                     \
	do {                                                                             \
		uint64_t gpa_ = 0;                                                       \
		ck_assert_int_eq(gva_translate(&mem, pt.cr3, (gva), (write), &gpa_), 0); \
		ck_assert_uint_eq(gpa_, (want));                                         \
	} while (0)

/* ---- gpa_ptr ---- */

START_TEST(test_gpa_ptr_inside)
{
	ck_assert_ptr_eq(gpa_ptr(&mem, 0, MEM_SIZE), mem.base);
	ck_assert_ptr_eq(gpa_ptr(&mem, 0x1234, 8), mem.base + 0x1234);
	ck_assert_ptr_eq(gpa_ptr(&mem, MEM_SIZE - 1, 1), mem.base + MEM_SIZE - 1);
	ck_assert_ptr_eq(gpa_ptr(&mem, MEM_SIZE - 8, 8), mem.base + MEM_SIZE - 8);
	/* An empty range at the very end is inside. */
	ck_assert_ptr_eq(gpa_ptr(&mem, MEM_SIZE, 0), mem.base + MEM_SIZE);
}
END_TEST

START_TEST(test_gpa_ptr_outside)
{
	ck_assert_ptr_null(gpa_ptr(&mem, MEM_SIZE, 1));
	ck_assert_ptr_null(gpa_ptr(&mem, MEM_SIZE + 1, 0));
	ck_assert_ptr_null(gpa_ptr(&mem, MEM_SIZE - 1, 2));
	ck_assert_ptr_null(gpa_ptr(&mem, MEM_SIZE - 8, 9));
	ck_assert_ptr_null(gpa_ptr(&mem, 0, MEM_SIZE + 1));
	ck_assert_ptr_null(gpa_ptr(&mem, 0x1000, MEM_SIZE - 0xfff));
}
END_TEST

START_TEST(test_gpa_ptr_overflow)
{
	/* gpa + len wraps past 2^64 back into RAM: must still be refused. */
	ck_assert_ptr_null(gpa_ptr(&mem, UINT64_MAX, 1));
	ck_assert_ptr_null(gpa_ptr(&mem, UINT64_MAX, 0));
	ck_assert_ptr_null(gpa_ptr(&mem, UINT64_MAX - 7, 16));
	ck_assert_ptr_null(gpa_ptr(&mem, 1, UINT64_MAX));
	ck_assert_ptr_null(gpa_ptr(&mem, 0, UINT64_MAX));
	ck_assert_ptr_null(gpa_ptr(&mem, 0x1000, UINT64_MAX - 0xfff));
	ck_assert_ptr_null(gpa_ptr(&mem, 1ull << 63, 1ull << 63));
	ck_assert_ptr_null(gpa_ptr(&mem, 0xffffffffull, 1)); /* a 32-bit hypercall value */
}
END_TEST

/* ---- gva_translate ---- */

START_TEST(test_translate_4k)
{
	ck_assert_int_eq(gpt_map(&pt, VA, DATA, GPT_URW, 0), 0);
	TRANSLATES(VA, false, DATA);
	TRANSLATES(VA + 0x123, true, DATA + 0x123);
	TRANSLATES(VA + 0xfff, false, DATA + 0xfff);
	FAULTS(VA + 0x1000, false); /* the next page is not mapped */
	FAULTS(VA - 1, false);
}
END_TEST

START_TEST(test_translate_kernel_half)
{
	/*
	 * Map the addresses with every bit a user mapping needs, so that only the
	 * canonical / lower-half check can refuse them.
	 */
	static const uint64_t bad[] = {
		0xffff800000000000ull, /* direct map */
		0xffffffff80000000ull, /* kernel image */
		0xfffffffffffff000ull,
		0x0000800000000000ull, /* non-canonical: bit 47 set, upper bits clear */
		0x0001000000000000ull, /* non-canonical */
		0x8000000000400000ull, /* non-canonical, low bits equal a user page */
	};
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(gpt_map(&pt, bad[i], DATA, GPT_URW, 0), 0);
		FAULTS(bad[i], false);
		FAULTS(bad[i] + 8, true);
	}
	/* The last canonical user page is allowed when mapped. */
	ck_assert_int_eq(gpt_map(&pt, 0x00007ffffffff000ull, DATA, GPT_URW, 0), 0);
	TRANSLATES(0x00007fffffffffffull, false, DATA + 0xfff);
}
END_TEST

START_TEST(test_translate_missing_level)
{
	int level;

	for (level = 3; level >= 0; level--) {
		uint64_t *slot;

		ck_assert_int_eq(gpt_map(&pt, VA, DATA, GPT_URW, 0), 0);
		TRANSLATES(VA, false, DATA);
		slot = gpt_slot(&pt, VA, level);
		*slot &= ~GPT_P;
		FAULTS(VA, false);
		FAULTS(VA, true);
		*slot |= GPT_P;
	}
}
END_TEST

START_TEST(test_translate_no_cr3)
{
	uint64_t gpa;

	ck_assert_int_eq(gpt_map(&pt, VA, DATA, GPT_URW, 0), 0);
	/* CR3 past the end of RAM, or far beyond it. */
	snapshot();
	ck_assert_int_eq(gva_translate(&mem, MEM_SIZE, VA, false, &gpa), -EFAULT);
	ck_assert_int_eq(gva_translate(&mem, 1ull << 51, VA, false, &gpa), -EFAULT);
	ck_assert_int_eq(gva_translate(&mem, UINT64_MAX, VA, false, &gpa), -EFAULT);
	/* A zero CR3 points at page 0, which holds no present entry. */
	ck_assert_int_eq(gva_translate(&mem, 0, VA, false, &gpa), -EFAULT);
	assert_unchanged();
}
END_TEST

START_TEST(test_translate_table_outside_ram)
{
	static const uint64_t outside[] = { MEM_SIZE, MEM_SIZE + GPT_PAGE, 1ull << 40,
		                            0x000ffffffffff000ull };
	int level;
	unsigned i;

	for (level = 3; level >= 1; level--) {
		for (i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
			uint64_t *slot, saved;

			ck_assert_int_eq(gpt_map(&pt, VA, DATA, GPT_URW, 0), 0);
			slot = gpt_slot(&pt, VA, level);
			saved = *slot;
			*slot = outside[i] | GPT_URW;
			FAULTS(VA, false);
			FAULTS(VA + 0x7f8, false); /* the last table index too */
			*slot = saved;
		}
	}
}
END_TEST

START_TEST(test_translate_last_table_in_ram)
{
	/* A table in the very last page of RAM: its last entry is still inside. */
	uint64_t last = MEM_SIZE - GPT_PAGE, va = 0x7fffffe00000ull + 511 * GPT_PAGE;
	uint64_t *pd_slot;

	ck_assert_int_eq(gpt_map(&pt, va, DATA, GPT_URW, 0), 0);
	pd_slot = gpt_slot(&pt, va, 1);
	memset(mem.base + last, 0, GPT_PAGE);
	((uint64_t *)(mem.base + last))[511] = DATA | GPT_URW;
	*pd_slot = last | GPT_URW;
	TRANSLATES(va + 5, false, DATA + 5);
}
END_TEST

START_TEST(test_translate_leaf_outside_ram)
{
	ck_assert_int_eq(gpt_map(&pt, VA, MEM_SIZE, GPT_URW, 0), 0);
	FAULTS(VA, false);
	ck_assert_int_eq(gpt_map(&pt, VA, 1ull << 45, GPT_URW, 0), 0);
	FAULTS(VA + 0xfff, true);
	/* The last page of RAM is fine. */
	ck_assert_int_eq(gpt_map(&pt, VA, MEM_SIZE - GPT_PAGE, GPT_URW, 0), 0);
	TRANSLATES(VA + 0xfff, false, MEM_SIZE - 1);
}
END_TEST

START_TEST(test_translate_no_user_bit)
{
	int level;

	for (level = 3; level >= 0; level--) {
		uint64_t *slot;

		ck_assert_int_eq(gpt_map(&pt, VA, DATA, GPT_URW, 0), 0);
		slot = gpt_slot(&pt, VA, level);
		*slot &= ~GPT_U;
		FAULTS(VA, false);
		FAULTS(VA, true);
		*slot |= GPT_U;
		TRANSLATES(VA, true, DATA);
	}
}
END_TEST

START_TEST(test_translate_read_only)
{
	int level;

	for (level = 3; level >= 0; level--) {
		uint64_t *slot;

		ck_assert_int_eq(gpt_map(&pt, VA, DATA, GPT_URW, 0), 0);
		slot = gpt_slot(&pt, VA, level);
		*slot &= ~GPT_W;
		FAULTS(VA + 16, true);
		TRANSLATES(VA + 16, false, DATA + 16); /* reading is still allowed */
		*slot |= GPT_W;
	}
}
END_TEST

START_TEST(test_translate_2m)
{
	uint64_t va = 0x40200000ull, *slot;

	ck_assert_int_eq(gpt_map(&pt, va, 0x200000, GPT_URW, 1), 0);
	TRANSLATES(va, false, 0x200000);
	TRANSLATES(va + 0x1234, true, 0x201234);
	TRANSLATES(va + 0x1fffff, false, 0x3fffff);
	/* Bit 12 of a large-page entry is PAT, not an address bit. */
	slot = gpt_slot(&pt, va, 1);
	*slot |= 0x1000;
	TRANSLATES(va + 0x1234, false, 0x201234);
	/* Address bits below 2 MiB in the entry are ignored too. */
	*slot |= 0x1fe000;
	TRANSLATES(va + 0x10, false, 0x200010);
	/* No U or no W on the large page itself. */
	*slot = 0x200000 | GPT_P | GPT_U | GPT_PS;
	FAULTS(va, true);
	TRANSLATES(va, false, 0x200000);
	*slot = 0x200000 | GPT_P | GPT_W | GPT_PS;
	FAULTS(va, false);
}
END_TEST

START_TEST(test_translate_2m_outside_ram)
{
	uint64_t va = 0x40200000ull;

	/* Wholly outside. */
	ck_assert_int_eq(gpt_map(&pt, va, MEM_SIZE, GPT_URW, 1), 0);
	FAULTS(va, false);
	ck_assert_int_eq(gpt_map(&pt, va, 1ull << 40, GPT_URW, 1), 0);
	FAULTS(va + 0x1000, false);
	/* Straddling the end of RAM: the part inside translates, the rest does not. */
	ck_assert_int_eq(gpt_map(&pt, va, MEM_SIZE - 0x200000, GPT_URW, 1), 0);
	TRANSLATES(va + 0x1fffff, false, MEM_SIZE - 1);
	mem.size = MEM_SIZE - 0x100000; /* pretend RAM is 3 MiB */
	FAULTS(va + 0x100000, false);
	TRANSLATES(va + 0xfffff, false, MEM_SIZE - 0x200000 + 0xfffff);
	mem.size = MEM_SIZE;
}
END_TEST

START_TEST(test_translate_1g)
{
	uint64_t va = 0x40000000ull * 3, *slot;

	ck_assert_int_eq(gpt_map(&pt, va, 0, GPT_URW, 2), 0);
	TRANSLATES(va, false, 0);
	TRANSLATES(va + 0x123456, true, 0x123456);
	TRANSLATES(va + MEM_SIZE - 1, false, MEM_SIZE - 1);
	FAULTS(va + MEM_SIZE, false); /* the rest of the gigabyte is past RAM */
	FAULTS(va + 0x3fffffff, false);
	/* PAT bit and low address bits of the entry are ignored. */
	slot = gpt_slot(&pt, va, 2);
	*slot |= 0x1000 | 0x3fffe000;
	TRANSLATES(va + 0x42, false, 0x42);
	/* A gigabyte page at 1 GiB: wholly outside 4 MiB of RAM. */
	ck_assert_int_eq(gpt_map(&pt, va, 0x40000000ull, GPT_URW, 2), 0);
	FAULTS(va, false);
	FAULTS(va + 0x10, true);
	/* Read-only and supervisor gigabyte pages. */
	ck_assert_int_eq(gpt_map(&pt, va, 0, GPT_P | GPT_U, 2), 0);
	FAULTS(va, true);
	TRANSLATES(va, false, 0);
	ck_assert_int_eq(gpt_map(&pt, va, 0, GPT_P | GPT_W, 2), 0);
	FAULTS(va, false);
}
END_TEST

/* ---- gva_iovec ---- */

START_TEST(test_iovec_merges_contiguous)
{
	struct iovec iov[8];
	int niov = 0;

	/* Four virtual pages onto four consecutive frames: one host run. */
	ck_assert_int_eq(gpt_map_range(&pt, VA, DATA, 4 * GPT_PAGE, GPT_URW), 0);
	ck_assert_int_eq(
	        gva_iovec(&mem, pt.cr3, VA + 0x10, 4 * GPT_PAGE - 0x20, false, iov, &niov, 8), 0);
	ck_assert_int_eq(niov, 1);
	ck_assert_ptr_eq(iov[0].iov_base, mem.base + DATA + 0x10);
	ck_assert_uint_eq(iov[0].iov_len, 4 * GPT_PAGE - 0x20);
}
END_TEST

START_TEST(test_iovec_splits_discontiguous)
{
	struct iovec iov[8];
	int niov = 0;

	/* Pages 0, 1 -> frames 0, 1; page 2 -> frame 5; page 3 -> frame 6. */
	ck_assert_int_eq(gpt_map_range(&pt, VA, DATA, 2 * GPT_PAGE, GPT_URW), 0);
	ck_assert_int_eq(
	        gpt_map_range(&pt, VA + 2 * GPT_PAGE, DATA + 5 * GPT_PAGE, 2 * GPT_PAGE, GPT_URW),
	        0);
	ck_assert_int_eq(gva_iovec(&mem, pt.cr3, VA + 0xff0, 3 * GPT_PAGE, true, iov, &niov, 8), 0);
	ck_assert_int_eq(niov, 2);
	ck_assert_ptr_eq(iov[0].iov_base, mem.base + DATA + 0xff0);
	ck_assert_uint_eq(iov[0].iov_len, GPT_PAGE + 0x10);
	ck_assert_ptr_eq(iov[1].iov_base, mem.base + DATA + 5 * GPT_PAGE);
	ck_assert_uint_eq(iov[1].iov_len, 2 * GPT_PAGE - 0x10);

	/* A later call appends, merging with the last run when contiguous. */
	ck_assert_int_eq(
	        gva_iovec(&mem, pt.cr3, VA + 3 * GPT_PAGE + 0xff0, 0x10, false, iov, &niov, 8), 0);
	ck_assert_int_eq(niov, 2);
	ck_assert_uint_eq(iov[1].iov_len, 2 * GPT_PAGE);
}
END_TEST

START_TEST(test_iovec_e2big)
{
	struct iovec iov[3];
	int niov = 0, i;

	/* Four pages, each onto a frame two apart: four runs. */
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(
		        gpt_map(&pt, VA + i * GPT_PAGE, DATA + 2 * i * GPT_PAGE, GPT_URW, 0), 0);
	snapshot();
	ck_assert_int_eq(gva_iovec(&mem, pt.cr3, VA, 4 * GPT_PAGE, false, iov, &niov, 3), -E2BIG);
	assert_unchanged();
	ck_assert_int_eq(niov, 3); /* a prefix: the first three pages */
	for (i = 0; i < 3; i++) {
		ck_assert_ptr_eq(iov[i].iov_base, mem.base + DATA + 2 * i * GPT_PAGE);
		ck_assert_uint_eq(iov[i].iov_len, GPT_PAGE);
	}
	/* Exactly max runs fits. */
	niov = 0;
	ck_assert_int_eq(gva_iovec(&mem, pt.cr3, VA, 3 * GPT_PAGE, false, iov, &niov, 3), 0);
	ck_assert_int_eq(niov, 3);
	/* Already full: a contiguous continuation still merges, a new run does not fit. */
	ck_assert_int_eq(gpt_map(&pt, VA + 8 * GPT_PAGE, DATA + 5 * GPT_PAGE, GPT_URW, 0), 0);
	ck_assert_int_eq(gva_iovec(&mem, pt.cr3, VA + 8 * GPT_PAGE, 16, false, iov, &niov, 3), 0);
	ck_assert_int_eq(niov, 3);
	ck_assert_uint_eq(iov[2].iov_len, GPT_PAGE + 16);
	ck_assert_int_eq(gva_iovec(&mem, pt.cr3, VA, 1, false, iov, &niov, 3), -E2BIG);
	ck_assert_int_eq(niov, 3);
	/* max 0 with something to describe. */
	niov = 0;
	ck_assert_int_eq(gva_iovec(&mem, pt.cr3, VA, 1, false, iov, &niov, 0), -E2BIG);
	ck_assert_int_eq(niov, 0);
}
END_TEST

START_TEST(test_iovec_wraparound)
{
	struct iovec iov[4];
	int niov = 0;

	ck_assert_int_eq(gpt_map(&pt, VA, DATA, GPT_URW, 0), 0);
	snapshot();
	ck_assert_int_eq(gva_iovec(&mem, pt.cr3, VA, UINT64_MAX, false, iov, &niov, 4), -EFAULT);
	ck_assert_int_eq(gva_iovec(&mem, pt.cr3, VA, 0 - VA, false, iov, &niov, 4), -EFAULT);
	ck_assert_int_eq(gva_iovec(&mem, pt.cr3, UINT64_MAX - 10, 100, false, iov, &niov, 4),
	                 -EFAULT);
	ck_assert_int_eq(gva_iovec(&mem, pt.cr3, UINT64_MAX, 1, false, iov, &niov, 4), -EFAULT);
	assert_unchanged();
	ck_assert_int_eq(niov, 0);
}
END_TEST

START_TEST(test_iovec_empty)
{
	struct iovec iov[1];
	int niov = 0;

	/* Nothing to describe: success even at an unmapped or kernel address. */
	ck_assert_int_eq(gva_iovec(&mem, pt.cr3, 0xdead0000, 0, false, iov, &niov, 1), 0);
	ck_assert_int_eq(gva_iovec(&mem, pt.cr3, 0xffff800000000000ull, 0, true, iov, &niov, 1), 0);
	ck_assert_int_eq(niov, 0);
}
END_TEST

START_TEST(test_iovec_fault_midway)
{
	struct iovec iov[4];
	int niov = 0;

	ck_assert_int_eq(gpt_map(&pt, VA, DATA, GPT_URW, 0), 0);
	ck_assert_int_eq(gpt_map(&pt, VA + 2 * GPT_PAGE, DATA + 2 * GPT_PAGE, GPT_URW, 0), 0);
	ck_assert_int_eq(gpt_map(&pt, VA + 3 * GPT_PAGE, DATA + 3 * GPT_PAGE, GPT_P | GPT_U, 0), 0);
	snapshot();
	/* Page 1 missing. */
	ck_assert_int_eq(gva_iovec(&mem, pt.cr3, VA, 3 * GPT_PAGE, false, iov, &niov, 4), -EFAULT);
	/* Page 3 read-only: fine for reading, not for writing. */
	niov = 0;
	ck_assert_int_eq(
	        gva_iovec(&mem, pt.cr3, VA + 2 * GPT_PAGE, 2 * GPT_PAGE, false, iov, &niov, 4), 0);
	niov = 0;
	ck_assert_int_eq(
	        gva_iovec(&mem, pt.cr3, VA + 2 * GPT_PAGE, 2 * GPT_PAGE, true, iov, &niov, 4),
	        -EFAULT);
	assert_unchanged();
	/* Into the kernel half through the top of user space. */
	ck_assert_int_eq(gpt_map(&pt, 0x00007ffffffff000ull, DATA, GPT_URW, 0), 0);
	snapshot();
	niov = 0;
	ck_assert_int_eq(
	        gva_iovec(&mem, pt.cr3, 0x00007ffffffff000ull, 2 * GPT_PAGE, false, iov, &niov, 4),
	        -EFAULT);
	assert_unchanged();
}
END_TEST

/* ---- gva_read ---- */

START_TEST(test_read_across_pages)
{
	uint8_t got[32];

	ck_assert_int_eq(gpt_map(&pt, VA, DATA + 7 * GPT_PAGE, GPT_P | GPT_U, 0), 0);
	ck_assert_int_eq(gpt_map(&pt, VA + GPT_PAGE, DATA, GPT_P | GPT_U, 0), 0);
	memcpy(mem.base + DATA + 8 * GPT_PAGE - 16, "0123456789abcdef", 16);
	memcpy(mem.base + DATA, "ghijklmnopqrstuv", 16);
	ck_assert_int_eq(gva_read(&mem, pt.cr3, VA + GPT_PAGE - 16, got, 32), 0);
	ck_assert_int_eq(memcmp(got, "0123456789abcdefghijklmnopqrstuv", 32), 0);
}
END_TEST

START_TEST(test_read_fault_leaves_dst)
{
	uint8_t got[64], want[64];

	ck_assert_int_eq(gpt_map(&pt, VA, DATA, GPT_URW, 0), 0);
	memset(got, 0xa5, sizeof(got));
	memset(want, 0xa5, sizeof(want));
	/* Second page unmapped: nothing is copied, not even the first part. */
	ck_assert_int_eq(gva_read(&mem, pt.cr3, VA + GPT_PAGE - 8, got, 16), -EFAULT);
	ck_assert_int_eq(memcmp(got, want, sizeof(got)), 0);
	ck_assert_int_eq(gva_read(&mem, pt.cr3, 0xffff800000001000ull, got, 8), -EFAULT);
	ck_assert_int_eq(gva_read(&mem, pt.cr3, UINT64_MAX - 3, got, 8), -EFAULT);
	ck_assert_int_eq(memcmp(got, want, sizeof(got)), 0);
}
END_TEST

START_TEST(test_read_too_many_runs)
{
	static uint8_t got[5 * 4096];
	int i;

	/* Five discontiguous pages: more runs than gva_read's small buffer; refused. */
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(
		        gpt_map(&pt, VA + i * GPT_PAGE, DATA + 2 * i * GPT_PAGE, GPT_URW, 0), 0);
	ck_assert_int_eq(gva_read(&mem, pt.cr3, VA, got, sizeof(got)), -EFAULT);
}
END_TEST

START_TEST(test_copy_many_discontiguous_pages)
{
	static uint8_t src[20 * 4096], got[20 * 4096];
	int i;

	/* Twenty discontiguous pages, started mid-page: more runs than one batch. */
	for (i = 0; i < 21; i++)
		ck_assert_int_eq(
		        gpt_map(&pt, VA + i * GPT_PAGE, DATA + 2 * i * GPT_PAGE, GPT_URW, 0), 0);
	for (i = 0; i < (int)sizeof(src); i++)
		src[i] = (uint8_t)(i * 7 + 3);
	ck_assert_int_eq(gva_copy_to(&mem, pt.cr3, VA + 100, src, sizeof(src)), 0);
	ck_assert_int_eq(memcmp(mem.base + DATA + 100, src, GPT_PAGE - 100), 0);
	ck_assert_int_eq(memcmp(mem.base + DATA + 2 * GPT_PAGE, src + GPT_PAGE - 100, GPT_PAGE), 0);
	ck_assert_int_eq(gva_copy_from(&mem, pt.cr3, VA + 100, got, sizeof(got)), 0);
	ck_assert_int_eq(memcmp(got, src, sizeof(got)), 0);
	/* A hole after the first batch: -EFAULT. */
	ck_assert_int_eq(gpt_map(&pt, VA + 17 * GPT_PAGE, 0, 0, 0), 0);
	ck_assert_int_eq(gva_copy_from(&mem, pt.cr3, VA, got, sizeof(got)), -EFAULT);
}
END_TEST

START_TEST(test_copy_to_read_only)
{
	uint8_t b[8] = { 0 };

	ck_assert_int_eq(gpt_map(&pt, VA, DATA, GPT_P | GPT_U, 0), 0);
	ck_assert_int_eq(gva_copy_to(&mem, pt.cr3, VA, b, sizeof(b)), -EFAULT);
	ck_assert_int_eq(gva_copy_from(&mem, pt.cr3, VA, b, sizeof(b)), 0);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("monitor/guestmem");
	TCase *gpa = tcase_create("gpa_ptr");
	TCase *tr = tcase_create("gva_translate");
	TCase *iov = tcase_create("gva_iovec");
	TCase *rd = tcase_create("gva_read");

	tcase_add_checked_fixture(gpa, setup, teardown);
	tcase_add_test(gpa, test_gpa_ptr_inside);
	tcase_add_test(gpa, test_gpa_ptr_outside);
	tcase_add_test(gpa, test_gpa_ptr_overflow);
	suite_add_tcase(s, gpa);

	tcase_add_checked_fixture(tr, setup, teardown);
	tcase_add_test(tr, test_translate_4k);
	tcase_add_test(tr, test_translate_kernel_half);
	tcase_add_test(tr, test_translate_missing_level);
	tcase_add_test(tr, test_translate_no_cr3);
	tcase_add_test(tr, test_translate_table_outside_ram);
	tcase_add_test(tr, test_translate_last_table_in_ram);
	tcase_add_test(tr, test_translate_leaf_outside_ram);
	tcase_add_test(tr, test_translate_no_user_bit);
	tcase_add_test(tr, test_translate_read_only);
	tcase_add_test(tr, test_translate_2m);
	tcase_add_test(tr, test_translate_2m_outside_ram);
	tcase_add_test(tr, test_translate_1g);
	suite_add_tcase(s, tr);

	tcase_add_checked_fixture(iov, setup, teardown);
	tcase_add_test(iov, test_iovec_merges_contiguous);
	tcase_add_test(iov, test_iovec_splits_discontiguous);
	tcase_add_test(iov, test_iovec_e2big);
	tcase_add_test(iov, test_iovec_wraparound);
	tcase_add_test(iov, test_iovec_empty);
	tcase_add_test(iov, test_iovec_fault_midway);
	suite_add_tcase(s, iov);

	tcase_add_checked_fixture(rd, setup, teardown);
	tcase_add_test(rd, test_read_across_pages);
	tcase_add_test(rd, test_read_fault_leaves_dst);
	tcase_add_test(rd, test_read_too_many_runs);
	tcase_add_test(rd, test_copy_many_discontiguous_pages);
	tcase_add_test(rd, test_copy_to_read_only);
	suite_add_tcase(s, rd);
	return s;
}
