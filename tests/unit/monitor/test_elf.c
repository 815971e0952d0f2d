/* Unit tests for elf_parse(): valid images are accepted, every kind of hostile one rejected. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <monitor/elf.h>

#include "elf_builder.h"
#include "runner.h"

#define BASE         0x400000ull
#define USER_LIMIT   0x800000000000ull /* 128 TiB: the top of the lower half */
#define KERNEL_VBASE 0xffffffff80000000ull
#define KERNEL_PBASE 0x100000ull
#define KERNEL_LIMIT 0x4000000ull /* 64 MiB of guest memory */

static struct eb_image im;
static struct elf_info info;
static char err[256];

/*
 * Parse the first `size` bytes of im from a heap copy of exactly that size,
 * so that AddressSanitizer catches any read past the end of the file.
 */
static int parse_n(size_t size, enum elf_kind kind, uint64_t limit)
{
	void *copy = malloc(size ? size : 1);
	int rc;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, im.u.bytes, size);
	memset(err, 0, sizeof(err));
	rc = elf_parse(copy, size, kind, limit, &info, err, sizeof(err));
	free(copy);
	return rc;
}

static int parse(enum elf_kind kind, uint64_t limit)
{
	return parse_n(im.size, kind, limit);
}

/* Expect elf_parse() of im to fail with a message containing `word`. */
#define REJECT(kind, limit, word)                                                                 \
	do {                                                                                      \
		int rc_ = parse(kind, limit);                                                     \
		ck_assert_msg(rc_ == -1, "accepted, expected an error about \"%s\"", word);       \
		ck_assert_msg(strstr(err, word) != NULL, "error \"%s\" lacks \"%s\"", err, word); \
	} while (0)

#define REJECT_PROGRAM(word) REJECT(ELF_KIND_PROGRAM, USER_LIMIT, word)

#define ACCEPT(kind, limit)                                   \
	do {                                                  \
		int rc_ = parse(kind, limit);                 \
		ck_assert_msg(rc_ == 0, "rejected: %s", err); \
	} while (0)

static Elf64_Ehdr *eh(void)
{
	return eb_ehdr(&im);
}

static Elf64_Phdr *ph(unsigned i)
{
	return eb_phdr(&im, i);
}

static void setup_exec(void)
{
	eb_init(&im, ET_EXEC, BASE);
}

/* ---- valid images ---- */

START_TEST(test_valid_exec)
{
	ACCEPT(ELF_KIND_PROGRAM, USER_LIMIT);
	ck_assert_uint_eq(info.type, ET_EXEC);
	ck_assert_uint_eq(info.entry, BASE + EB_TEXT_VOFF);
	ck_assert_uint_eq(info.phdr_vaddr, BASE + sizeof(Elf64_Ehdr));
	ck_assert_uint_eq(info.phnum, 3);
	ck_assert_uint_eq(info.lo, BASE);
	ck_assert_uint_eq(info.hi, BASE + 0x4000);
	ck_assert_uint_eq(info.nsegments, 3);

	ck_assert_uint_eq(info.segments[0].vaddr, BASE);
	ck_assert_uint_eq(info.segments[0].offset, 0);
	ck_assert_uint_eq(info.segments[0].filesz, EB_HEADERS_SIZE);
	ck_assert_uint_eq(info.segments[0].memsz, EB_HEADERS_SIZE);
	ck_assert_uint_eq(info.segments[0].prot, ELF_PROT_R);

	ck_assert_uint_eq(info.segments[1].vaddr, BASE + EB_TEXT_VOFF);
	ck_assert_uint_eq(info.segments[1].offset, EB_TEXT_OFF);
	ck_assert_uint_eq(info.segments[1].filesz, EB_TEXT_SIZE);
	ck_assert_uint_eq(info.segments[1].memsz, EB_TEXT_SIZE);
	ck_assert_uint_eq(info.segments[1].prot, ELF_PROT_R | ELF_PROT_X);

	ck_assert_uint_eq(info.segments[2].vaddr, BASE + EB_DATA_VOFF);
	ck_assert_uint_eq(info.segments[2].paddr, BASE + EB_DATA_VOFF);
	ck_assert_uint_eq(info.segments[2].offset, EB_DATA_OFF);
	ck_assert_uint_eq(info.segments[2].filesz, EB_DATA_FILESZ);
	ck_assert_uint_eq(info.segments[2].memsz, EB_DATA_MEMSZ);
	ck_assert_uint_eq(info.segments[2].prot, ELF_PROT_R | ELF_PROT_W);
}
END_TEST

START_TEST(test_valid_static_pie)
{
	eb_init(&im, ET_DYN, 0);
	ACCEPT(ELF_KIND_PROGRAM, USER_LIMIT);
	ck_assert_uint_eq(info.type, ET_DYN);
	ck_assert_uint_eq(info.lo, 0);
	ck_assert_uint_eq(info.hi, 0x4000);
	ck_assert_uint_eq(info.entry, EB_TEXT_VOFF);
	ck_assert_uint_eq(info.phdr_vaddr, sizeof(Elf64_Ehdr));
	ck_assert_uint_eq(info.nsegments, 3);
}
END_TEST

START_TEST(test_valid_pt_phdr)
{
	eb_add(&im, PT_PHDR, PF_R, BASE + 0x40, 0x100, 0x40, 0x100);
	ACCEPT(ELF_KIND_PROGRAM, USER_LIMIT);
	ck_assert_uint_eq(info.phdr_vaddr, BASE + 0x40);
	ck_assert_uint_eq(info.phnum, 4);
	ck_assert_uint_eq(info.nsegments, 3);
}
END_TEST

START_TEST(test_valid_empty_load_ignored)
{
	/* A PT_LOAD with no memory is skipped, however odd its addresses. */
	eb_add(&im, PT_LOAD, PF_R | PF_W | PF_X, 0, 0, 0, 0);
	ACCEPT(ELF_KIND_PROGRAM, USER_LIMIT);
	ck_assert_uint_eq(info.nsegments, 3);
}
END_TEST

START_TEST(test_valid_eight_segments)
{
	unsigned i;

	for (i = 0; i < 5; i++)
		eb_add(&im, PT_LOAD, PF_R, BASE + 0x10000 + i * 0x1000, 0x100, 0, 0x100);
	ACCEPT(ELF_KIND_PROGRAM, USER_LIMIT);
	ck_assert_uint_eq(info.nsegments, ELF_SEGMENTS_MAX);
	ck_assert_uint_eq(info.hi, BASE + 0x15000);
}
END_TEST

START_TEST(test_valid_shared_page_rx_r)
{
	/* Read-only data on the text's last page, RW data on later pages: fine. */
	ph(2)->p_vaddr = ph(1)->p_vaddr + EB_TEXT_SIZE;
	ph(2)->p_flags = PF_R;
	ph(2)->p_memsz = ph(2)->p_filesz;
	eb_add(&im, PT_LOAD, PF_R | PF_W, BASE + 0x3000, 0x1000, EB_DATA_OFF, 0x10);
	ACCEPT(ELF_KIND_PROGRAM, USER_LIMIT);
	ck_assert_uint_eq(info.nsegments, 4);
	ck_assert_uint_eq(info.hi, BASE + 0x4000);
}
END_TEST

START_TEST(test_valid_tiny_error_buffer)
{
	char small[8];
	int rc;

	eh()->e_machine = EM_AARCH64;
	memset(small, 'x', sizeof(small));
	rc = elf_parse(im.u.bytes, im.size, ELF_KIND_PROGRAM, USER_LIMIT, &info, small,
	               sizeof(small));
	ck_assert_int_eq(rc, -1);
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
	rc = elf_parse(im.u.bytes, im.size, ELF_KIND_PROGRAM, USER_LIMIT, &info, NULL, 0);
	ck_assert_int_eq(rc, -1);
}
END_TEST

/* ---- truncation ---- */

START_TEST(test_truncated_every_length)
{
	size_t n;

	for (n = 0; n < im.size; n++) {
		ck_assert_msg(parse_n(n, ELF_KIND_PROGRAM, USER_LIMIT) == -1,
		              "accepted a file truncated to %zu of %zu bytes", n, im.size);
		ck_assert_msg(err[0] != '\0', "no error message at length %zu", n);
	}
	ck_assert_int_eq(parse_n(im.size, ELF_KIND_PROGRAM, USER_LIMIT), 0);

	ck_assert_int_eq(parse_n(0, ELF_KIND_PROGRAM, USER_LIMIT), -1);
	ck_assert_ptr_nonnull(strstr(err, "too short"));
	ck_assert_int_eq(parse_n(sizeof(Elf64_Ehdr) + 10, ELF_KIND_PROGRAM, USER_LIMIT), -1);
	ck_assert_ptr_nonnull(strstr(err, "truncated"));
	ck_assert_int_eq(parse_n(im.size - 1, ELF_KIND_PROGRAM, USER_LIMIT), -1);
	ck_assert_ptr_nonnull(strstr(err, "past the end"));
}
END_TEST

START_TEST(test_truncated_kernel_every_length)
{
	size_t n;

	eb_init_kernel(&im, KERNEL_VBASE + KERNEL_PBASE, KERNEL_PBASE);
	for (n = 0; n < im.size; n++)
		ck_assert_msg(parse_n(n, ELF_KIND_KERNEL, KERNEL_LIMIT) == -1,
		              "accepted a kernel truncated to %zu bytes", n);
	ck_assert_int_eq(parse_n(im.size, ELF_KIND_KERNEL, KERNEL_LIMIT), 0);
}
END_TEST

/* ---- the ELF header ---- */

START_TEST(test_bad_magic)
{
	eh()->e_ident[EI_MAG1] = 'X';
	REJECT_PROGRAM("magic");
}
END_TEST

START_TEST(test_class32)
{
	eh()->e_ident[EI_CLASS] = ELFCLASS32;
	REJECT_PROGRAM("64-bit");
}
END_TEST

START_TEST(test_big_endian)
{
	eh()->e_ident[EI_DATA] = ELFDATA2MSB;
	REJECT_PROGRAM("little-endian");
}
END_TEST

START_TEST(test_bad_version)
{
	eh()->e_version = 2;
	REJECT_PROGRAM("version");
	setup_exec();
	eh()->e_ident[EI_VERSION] = 0;
	REJECT_PROGRAM("version");
}
END_TEST

START_TEST(test_wrong_machine)
{
	eh()->e_machine = EM_AARCH64;
	REJECT_PROGRAM("machine");
}
END_TEST

START_TEST(test_type_rel_core)
{
	eh()->e_type = ET_REL;
	REJECT_PROGRAM("not an executable");
	eh()->e_type = ET_CORE;
	REJECT_PROGRAM("not an executable");
	eh()->e_type = ET_NONE;
	REJECT_PROGRAM("not an executable");
}
END_TEST

START_TEST(test_phentsize)
{
	eh()->e_phentsize = sizeof(Elf64_Phdr) - 1;
	REJECT_PROGRAM("program header size");
	eh()->e_phentsize = 0;
	REJECT_PROGRAM("program header size");
	eh()->e_phentsize = 32; /* Elf32_Phdr */
	REJECT_PROGRAM("program header size");
}
END_TEST

START_TEST(test_phnum_zero)
{
	eh()->e_phnum = 0;
	REJECT_PROGRAM("program header count");
}
END_TEST

START_TEST(test_phnum_huge)
{
	eh()->e_phnum = 65;
	REJECT_PROGRAM("program header count");
	eh()->e_phnum = PN_XNUM;
	REJECT_PROGRAM("program header count");
	/* In range but the table would run past the end of the file. */
	eh()->e_phnum = 64;
	REJECT_PROGRAM("outside the file");
}
END_TEST

START_TEST(test_phoff_past_end)
{
	eh()->e_phoff = im.size;
	REJECT_PROGRAM("outside the file");
	eh()->e_phoff = im.size - sizeof(Elf64_Phdr);
	REJECT_PROGRAM("outside the file");
	eh()->e_phoff = 0x100000;
	REJECT_PROGRAM("outside the file");
}
END_TEST

START_TEST(test_phoff_overflow)
{
	/* phoff + phnum * phentsize wraps to a small number. */
	eh()->e_phoff = UINT64_MAX - 8;
	REJECT_PROGRAM("outside the file");
	eh()->e_phoff = (uint64_t)INT64_MIN;
	REJECT_PROGRAM("outside the file");
}
END_TEST

START_TEST(test_phoff_misaligned)
{
	memmove(im.u.bytes + 0x41, im.u.bytes + 0x40, 3 * sizeof(Elf64_Phdr));
	eh()->e_phoff = 0x41;
	REJECT_PROGRAM("misaligned");
}
END_TEST

/* ---- one segment's fields ---- */

START_TEST(test_filesz_gt_memsz)
{
	ph(2)->p_filesz = ph(2)->p_memsz + 1;
	REJECT_PROGRAM("file size exceeds memory size");
}
END_TEST

START_TEST(test_segment_past_eof)
{
	ph(2)->p_filesz += 1;
	REJECT_PROGRAM("past the end of the file");
	setup_exec();
	ph(1)->p_offset = im.size + 0x1000;
	REJECT_PROGRAM("past the end of the file");
	setup_exec();
	/* offset + filesz wraps around to inside the file */
	ph(1)->p_offset = UINT64_MAX - 0x10;
	REJECT_PROGRAM("past the end of the file");
}
END_TEST

START_TEST(test_huge_memsz)
{
	ph(2)->p_memsz = 1ull << 63;
	REJECT_PROGRAM("too large");
	ph(2)->p_memsz = UINT64_MAX;
	REJECT(ELF_KIND_PROGRAM, UINT64_MAX, "too large");
}
END_TEST

START_TEST(test_vaddr_wraps)
{
	uint64_t top = 0xfffffffffffff000ull;

	/* Alone at the top: vaddr + memsz wraps past 2^64. */
	eb_init(&im, ET_EXEC, top);
	ph(0)->p_vaddr = ph(0)->p_paddr = top;
	ph(0)->p_memsz = 0x2000;
	REJECT(ELF_KIND_PROGRAM, UINT64_MAX, "out of range");
	/* A kernel's p_paddr is in range, its p_vaddr + p_memsz wraps. */
	eb_init_kernel(&im, top, KERNEL_PBASE);
	ph(0)->p_memsz = 0x2000;
	REJECT(ELF_KIND_KERNEL, KERNEL_LIMIT, "out of range");
}
END_TEST

START_TEST(test_ends_in_last_page)
{
	/* Ends just below 2^64: rounding hi up to a page would wrap to 0. */
	uint64_t base = 0xffffffffffff0000ull;

	eb_init(&im, ET_EXEC, base);
	ph(2)->p_memsz = 0x10000 - EB_DATA_VOFF - 1;
	REJECT(ELF_KIND_PROGRAM, UINT64_MAX, "last page");
	eb_init_kernel(&im, base, KERNEL_PBASE);
	ph(2)->p_memsz = 0x10000 - EB_DATA_VOFF - 1;
	REJECT(ELF_KIND_KERNEL, KERNEL_LIMIT, "last page");
}
END_TEST

/* ---- segments against each other ---- */

START_TEST(test_overlap)
{
	ph(2)->p_vaddr = ph(1)->p_vaddr + EB_TEXT_SIZE - 1;
	REJECT_PROGRAM("overlap");
}
END_TEST

START_TEST(test_unsorted)
{
	Elf64_Phdr tmp = *ph(1);

	*ph(1) = *ph(2);
	*ph(2) = tmp;
	REJECT_PROGRAM("unsorted");
}
END_TEST

START_TEST(test_wx_segment)
{
	ph(1)->p_flags = PF_R | PF_W | PF_X;
	REJECT_PROGRAM("writable and executable");
	ph(1)->p_flags = PF_W | PF_X;
	REJECT_PROGRAM("W^X");
}
END_TEST

START_TEST(test_shared_page_wx)
{
	/* Data starts on the text's last page: that page would be RWX. */
	ph(2)->p_vaddr = ph(1)->p_vaddr + EB_TEXT_SIZE;
	REJECT_PROGRAM("share a page");
}
END_TEST

START_TEST(test_shared_page_wx_through_middle)
{
	/*
	 * RX text, then a small R segment on the same page, then RW data still on
	 * that page: each neighbouring pair is fine, the page is not.
	 */
	ph(2)->p_vaddr = ph(1)->p_vaddr + 0x100;
	ph(2)->p_flags = PF_R;
	ph(2)->p_memsz = ph(2)->p_filesz;
	eb_add(&im, PT_LOAD, PF_R | PF_W, ph(1)->p_vaddr + 0x200, 0x100, EB_DATA_OFF, 0x10);
	REJECT_PROGRAM("share a page");
}
END_TEST

START_TEST(test_interp)
{
	eb_add(&im, PT_INTERP, PF_R, BASE + 0x200, 0x1c, 0x200, 0x1c);
	REJECT_PROGRAM("interpreter");
	/* Even as the very first header. */
	setup_exec();
	eh()->e_phnum = 0;
	eb_add(&im, PT_INTERP, PF_R, BASE + 0x200, 0x1c, 0x200, 0x1c);
	eb_add(&im, PT_LOAD, PF_R | PF_X, BASE, 0x100, 0, 0x100);
	REJECT_PROGRAM("interpreter");
}
END_TEST

START_TEST(test_entry_outside)
{
	eh()->e_entry = BASE + 0x100000;
	REJECT_PROGRAM("entry point");
	eh()->e_entry = ph(1)->p_vaddr + ph(1)->p_memsz;
	REJECT_PROGRAM("entry point");
	eh()->e_entry = 0;
	REJECT_PROGRAM("entry point");
}
END_TEST

START_TEST(test_entry_not_executable)
{
	eh()->e_entry = ph(2)->p_vaddr;
	REJECT_PROGRAM("not in an executable segment");
	eh()->e_entry = BASE;
	REJECT_PROGRAM("not in an executable segment");
}
END_TEST

START_TEST(test_below_user_min)
{
	eb_init(&im, ET_EXEC, 0xf000);
	REJECT_PROGRAM("lowest user address");
	eb_init(&im, ET_EXEC, 0);
	REJECT_PROGRAM("lowest user address");
	eb_init(&im, ET_EXEC, 0x10000);
	ACCEPT(ELF_KIND_PROGRAM, USER_LIMIT);
}
END_TEST

START_TEST(test_above_limit)
{
	/* The data segment ends at BASE + 0x3440, its page at BASE + 0x4000. */
	REJECT(ELF_KIND_PROGRAM, BASE + 0x3000, "out of range");
	REJECT(ELF_KIND_PROGRAM, BASE + 0x3440 - 1, "out of range");
	REJECT(ELF_KIND_PROGRAM, BASE + 0x3440, "user limit");
	ACCEPT(ELF_KIND_PROGRAM, BASE + 0x4000);
	eb_init(&im, ET_EXEC, USER_LIMIT);
	REJECT_PROGRAM("out of range");
	/* A static-PIE's span must fit too. */
	eb_init(&im, ET_DYN, 0);
	REJECT(ELF_KIND_PROGRAM, 0x3000, "out of range");
}
END_TEST

START_TEST(test_too_many_segments)
{
	unsigned i;

	for (i = 0; i < 6; i++)
		eb_add(&im, PT_LOAD, PF_R, BASE + 0x10000 + i * 0x1000, 0x100, 0, 0x100);
	REJECT_PROGRAM("more than 8");
}
END_TEST

START_TEST(test_no_load)
{
	ph(0)->p_type = PT_NOTE;
	ph(1)->p_type = PT_GNU_STACK;
	ph(2)->p_type = PT_NULL;
	REJECT_PROGRAM("no loadable segments");
	setup_exec();
	ph(0)->p_memsz = ph(0)->p_filesz = 0;
	ph(1)->p_memsz = ph(1)->p_filesz = 0;
	ph(2)->p_memsz = ph(2)->p_filesz = 0;
	REJECT_PROGRAM("no loadable segments");
}
END_TEST

/* ---- kernel images ---- */

START_TEST(test_kernel_valid)
{
	eb_init_kernel(&im, KERNEL_VBASE + KERNEL_PBASE, KERNEL_PBASE);
	ACCEPT(ELF_KIND_KERNEL, KERNEL_LIMIT);
	ck_assert_uint_eq(info.type, ET_EXEC);
	ck_assert_uint_eq(info.nsegments, 3);
	ck_assert_uint_eq(info.segments[0].vaddr, KERNEL_VBASE + KERNEL_PBASE);
	ck_assert_uint_eq(info.segments[0].paddr, KERNEL_PBASE);
	ck_assert_uint_eq(info.segments[2].paddr, KERNEL_PBASE + EB_DATA_VOFF);
	ck_assert_uint_eq(info.entry, KERNEL_VBASE + KERNEL_PBASE + EB_TEXT_VOFF);
	ck_assert_uint_eq(info.lo, KERNEL_VBASE + KERNEL_PBASE);
	ck_assert_uint_eq(info.hi, KERNEL_VBASE + KERNEL_PBASE + 0x4000);
	/* The same image is no user program: its addresses are far above the limit. */
	REJECT_PROGRAM("out of range");
}
END_TEST

START_TEST(test_kernel_paddr_limit)
{
	/* p_paddr, not p_vaddr, is held against the limit. */
	eb_init_kernel(&im, KERNEL_VBASE + KERNEL_PBASE, KERNEL_LIMIT - 0x3000);
	REJECT(ELF_KIND_KERNEL, KERNEL_LIMIT, "out of range");
	eb_init_kernel(&im, KERNEL_VBASE + KERNEL_PBASE, KERNEL_LIMIT - 0x3440);
	ACCEPT(ELF_KIND_KERNEL, KERNEL_LIMIT);
	/* Low virtual addresses do not help a physical address above the limit. */
	eb_init_kernel(&im, KERNEL_PBASE, KERNEL_LIMIT);
	REJECT(ELF_KIND_KERNEL, KERNEL_LIMIT, "out of range");
	ph(0)->p_paddr = UINT64_MAX - 0x100;
	REJECT(ELF_KIND_KERNEL, UINT64_MAX, "out of range");
}
END_TEST

START_TEST(test_kernel_not_pie)
{
	eb_init_kernel(&im, KERNEL_VBASE + KERNEL_PBASE, KERNEL_PBASE);
	eh()->e_type = ET_DYN;
	REJECT(ELF_KIND_KERNEL, KERNEL_LIMIT, "not an executable");
}
END_TEST

START_TEST(test_kernel_paddr_overlap)
{
	/* Sorted and disjoint virtually, but loaded over each other. */
	eb_init_kernel(&im, KERNEL_VBASE + KERNEL_PBASE, KERNEL_PBASE);
	ph(2)->p_paddr = ph(1)->p_paddr;
	REJECT(ELF_KIND_KERNEL, KERNEL_LIMIT, "overlap");
	/* Sharing a physical page with the text makes that page RWX. */
	eb_init_kernel(&im, KERNEL_VBASE + KERNEL_PBASE, KERNEL_PBASE);
	ph(2)->p_paddr = ph(1)->p_paddr + EB_TEXT_SIZE;
	REJECT(ELF_KIND_KERNEL, KERNEL_LIMIT, "share a page");
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("monitor/elf");
	TCase *valid = tcase_create("valid");
	TCase *header = tcase_create("header");
	TCase *segments = tcase_create("segments");
	TCase *kernel = tcase_create("kernel");

	tcase_add_checked_fixture(valid, setup_exec, NULL);
	tcase_add_test(valid, test_valid_exec);
	tcase_add_test(valid, test_valid_static_pie);
	tcase_add_test(valid, test_valid_pt_phdr);
	tcase_add_test(valid, test_valid_empty_load_ignored);
	tcase_add_test(valid, test_valid_eight_segments);
	tcase_add_test(valid, test_valid_shared_page_rx_r);
	tcase_add_test(valid, test_valid_tiny_error_buffer);
	suite_add_tcase(s, valid);

	tcase_add_checked_fixture(header, setup_exec, NULL);
	tcase_add_test(header, test_truncated_every_length);
	tcase_add_test(header, test_truncated_kernel_every_length);
	tcase_add_test(header, test_bad_magic);
	tcase_add_test(header, test_class32);
	tcase_add_test(header, test_big_endian);
	tcase_add_test(header, test_bad_version);
	tcase_add_test(header, test_wrong_machine);
	tcase_add_test(header, test_type_rel_core);
	tcase_add_test(header, test_phentsize);
	tcase_add_test(header, test_phnum_zero);
	tcase_add_test(header, test_phnum_huge);
	tcase_add_test(header, test_phoff_past_end);
	tcase_add_test(header, test_phoff_overflow);
	tcase_add_test(header, test_phoff_misaligned);
	suite_add_tcase(s, header);

	tcase_add_checked_fixture(segments, setup_exec, NULL);
	tcase_add_test(segments, test_filesz_gt_memsz);
	tcase_add_test(segments, test_segment_past_eof);
	tcase_add_test(segments, test_huge_memsz);
	tcase_add_test(segments, test_vaddr_wraps);
	tcase_add_test(segments, test_ends_in_last_page);
	tcase_add_test(segments, test_overlap);
	tcase_add_test(segments, test_unsorted);
	tcase_add_test(segments, test_wx_segment);
	tcase_add_test(segments, test_shared_page_wx);
	tcase_add_test(segments, test_shared_page_wx_through_middle);
	tcase_add_test(segments, test_interp);
	tcase_add_test(segments, test_entry_outside);
	tcase_add_test(segments, test_entry_not_executable);
	tcase_add_test(segments, test_below_user_min);
	tcase_add_test(segments, test_above_limit);
	tcase_add_test(segments, test_too_many_segments);
	tcase_add_test(segments, test_no_load);
	suite_add_tcase(s, segments);

	tcase_add_checked_fixture(kernel, setup_exec, NULL);
	tcase_add_test(kernel, test_kernel_valid);
	tcase_add_test(kernel, test_kernel_paddr_limit);
	tcase_add_test(kernel, test_kernel_not_pie);
	tcase_add_test(kernel, test_kernel_paddr_overlap);
	suite_add_tcase(s, kernel);
	return s;
}
