/* Check tests for strace_format: names, argument kinds, errno results, hostile pointers. */
#include <stdlib.h>
#include <string.h>

#include <abi/linux.h>
#include <monitor/strace.h>

#include "guest_pt.h"
#include "runner.h"

#define MEM_SIZE (1u << 20)
#define DATA_PA  0x80000ull
#define DATA_VA  0x400000ull

static struct vm_mem mem;
static struct gpt pt;
static char line[512];

static void setup(void)
{
	mem.size = MEM_SIZE;
	mem.base = calloc(1, MEM_SIZE);
	ck_assert_ptr_nonnull(mem.base);
	ck_assert_int_eq(gpt_init(&pt, &mem, 0x1000, 0x40000), 0);
	ck_assert_int_eq(gpt_map_range(&pt, DATA_VA, DATA_PA, 2 * GPT_PAGE, GPT_URW), 0);
}

static void teardown(void)
{
	free(mem.base);
}

static const char *fmt(uint64_t nr, int64_t ret, uint32_t flags, uint64_t a0, uint64_t a1,
                       uint64_t a2)
{
	struct nanvix_hc_strace t = { .cr3 = pt.cr3, .nr = nr, .ret = ret, .flags = flags };

	t.args[0] = a0, t.args[1] = a1, t.args[2] = a2;
	strace_format(&mem, &t, line, sizeof(line));
	return line;
}

START_TEST(test_write_buffer)
{
	memcpy(mem.base + DATA_PA, "hi\n\"\\\x01", 6);
	ck_assert_str_eq(fmt(LINUX_SYS_write, 6, 0, 1, DATA_VA, 6),
	                 "write(1, \"hi\\n\\\"\\\\\\x01\", 6) = 6\n");
}
END_TEST

START_TEST(test_long_buffer_truncated)
{
	memset(mem.base + DATA_PA, 'a', 100);
	fmt(LINUX_SYS_write, 100, 0, 1, DATA_VA, 100);
	ck_assert_ptr_nonnull(strstr(line, "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"..., 100) = 100"));
}
END_TEST

START_TEST(test_errno_result)
{
	ck_assert_str_eq(fmt(LINUX_SYS_ioctl, -LINUX_ENOTTY, 0, 1, 0x5413, 0x10),
	                 "ioctl(1, 0x5413, 0x10) = -1 ENOTTY (Inappropriate ioctl for device)\n");
}
END_TEST

START_TEST(test_noreturn)
{
	ck_assert_str_eq(fmt(LINUX_SYS_exit_group, 0, NANVIX_STRACE_NORETURN, 3, 0, 0),
	                 "exit_group(3) = ?\n");
}
END_TEST

START_TEST(test_unknown_number)
{
	fmt(999, -LINUX_ENOSYS, 0, 1, 2, 3);
	ck_assert_str_eq(
	        line,
	        "syscall_999(0x1, 0x2, 0x3, 0, 0, 0) = -1 ENOSYS (Function not implemented)\n");
}
END_TEST

START_TEST(test_flags)
{
	struct nanvix_hc_strace t = { .cr3 = pt.cr3, .nr = LINUX_SYS_mmap, .ret = 0x7000 };

	t.args[1] = 4096, t.args[2] = 3, t.args[3] = 0x22 | 0x800000, t.args[4] = (uint64_t)-1;
	strace_format(&mem, &t, line, sizeof(line));
	ck_assert_str_eq(line, "mmap(0, 4096, PROT_READ|PROT_WRITE, "
	                       "MAP_PRIVATE|MAP_ANONYMOUS|0x800000, -1, 0) = 0x7000\n");
}
END_TEST

/* Hostile pointers: unmapped, kernel-half, straddling the end of the mapping. */
START_TEST(test_bad_pointers)
{
	ck_assert_str_eq(fmt(LINUX_SYS_write, 5, 0, 1, 0xdead0000, 5),
	                 "write(1, 0xdead0000, 5) = 5\n");
	ck_assert_str_eq(fmt(LINUX_SYS_write, 5, 0, 1, 0xffffffff80000000ull, 5),
	                 "write(1, 0xffffffff80000000, 5) = 5\n");
	/* A string running off the last mapped page prints as an address. */
	memset(mem.base + DATA_PA, 'x', 2 * GPT_PAGE);
	fmt(LINUX_SYS_open, 3, 0, DATA_VA + 2 * GPT_PAGE - 4, 0, 0);
	ck_assert_ptr_nonnull(strstr(line, "open(0x401ffc, "));
	/* An unterminated string within the mapping is cut at 32 bytes. */
	fmt(LINUX_SYS_open, 3, 0, DATA_VA, 0, 0);
	ck_assert_ptr_nonnull(strstr(line, "xxxxxxxx\"..., "));
}
END_TEST

START_TEST(test_small_buffer)
{
	struct nanvix_hc_strace t = { .cr3 = pt.cr3, .nr = LINUX_SYS_getpid, .ret = 1 };
	char small[8];
	size_t n = strace_format(&mem, &t, small, sizeof(small));

	ck_assert_uint_lt(n, sizeof(small));
	ck_assert_int_eq(small[n], '\0');
	ck_assert_int_eq(small[n - 1], '\n');
	ck_assert_uint_eq(strace_format(&mem, &t, small, 0), 0);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("strace");
	TCase *tc = tcase_create("format");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_write_buffer);
	tcase_add_test(tc, test_long_buffer_truncated);
	tcase_add_test(tc, test_errno_result);
	tcase_add_test(tc, test_noreturn);
	tcase_add_test(tc, test_unknown_number);
	tcase_add_test(tc, test_flags);
	tcase_add_test(tc, test_bad_pointers);
	tcase_add_test(tc, test_small_buffer);
	suite_add_tcase(s, tc);
	return s;
}
