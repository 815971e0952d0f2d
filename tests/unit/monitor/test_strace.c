/* Check tests for strace_format: names, argument kinds, errno results, hostile pointers. */
#include <stdlib.h>
#include <string.h>

#include <abi/linux.h>
#include <abi/syscalls.h>
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
	ck_assert_str_eq(
	        fmt(LINUX_SYS_ioctl, -LINUX_ENOTTY, 0, 1, 0x5413, 0x10),
	        "ioctl(1, TIOCGWINSZ, 0x10) = -1 ENOTTY (Inappropriate ioctl for device)\n");
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

/* Every call the kernel serves (the one list) has a name and argument kinds. */
#define CHECK_SERVED(nm, entry)                                                   \
	ck_assert_msg(strace_described(LINUX_SYS_##nm), "%s not described", #nm); \
	ck_assert_str_eq(strace_name(LINUX_SYS_##nm), #nm);

START_TEST(test_every_served_call_named)
{
	NANVIX_SYSCALLS(CHECK_SERVED)
	ck_assert_ptr_null(strace_name(999));
	ck_assert_ptr_null(strace_name(~0ull));
	ck_assert_str_eq(fmt(LINUX_SYS_readlink, 5, 0, 0xdead0000, 0x1000, 64),
	                 "readlink(0xdead0000, 0x1000, 64) = 5\n");
}
END_TEST

/* rt_sigreturn returns to the interrupted code, not to its caller. */
START_TEST(test_sigreturn)
{
	ck_assert_str_eq(fmt(LINUX_SYS_rt_sigreturn, -LINUX_ENOSYS, 0, 0, 0, 0),
	                 "rt_sigreturn() = ?\n");
}
END_TEST

START_TEST(test_decoded_flags)
{
	struct nanvix_hc_strace t = { .cr3 = pt.cr3, .nr = LINUX_SYS_clone, .ret = 2 };

	t.args[0] = LINUX_CLONE_VM | LINUX_CLONE_VFORK | LINUX_SIGCHLD;
	strace_format(&mem, &t, line, sizeof(line));
	ck_assert_str_eq(line, "clone(CLONE_VM|CLONE_VFORK|SIGCHLD, 0, 0, 0, 0) = 2\n");
	t.args[0] = LINUX_CLONE_VM | LINUX_CLONE_THREAD | 0x80000000u;
	strace_format(&mem, &t, line, sizeof(line));
	ck_assert_str_eq(line, "clone(CLONE_VM|CLONE_THREAD|0x80000000, 0, 0, 0, 0) = 2\n");
	t.args[0] = 0;
	strace_format(&mem, &t, line, sizeof(line));
	ck_assert_str_eq(line, "clone(0, 0, 0, 0, 0) = 2\n");

	ck_assert_str_eq(fmt(LINUX_SYS_ioctl, 0, 0, 0, LINUX_TCGETS, 0x10),
	                 "ioctl(0, TCGETS, 0x10) = 0\n");
	ck_assert_str_eq(fmt(LINUX_SYS_ioctl, 0, 0, 3, 0x4e460002, 0),
	                 "ioctl(3, NANVIX_FSD_SERVE, 0) = 0\n");
	ck_assert_str_eq(fmt(LINUX_SYS_ioctl, 0, 0, 3, 0x1234, 0), "ioctl(3, 0x1234, 0) = 0\n");

	memcpy(mem.base + DATA_PA, "/etc\0", 5);
	t = (struct nanvix_hc_strace){ .cr3 = pt.cr3, .nr = LINUX_SYS_newfstatat, .ret = 0 };
	t.args[0] = (uint64_t)(int64_t)LINUX_AT_FDCWD, t.args[1] = DATA_VA, t.args[2] = 0x20;
	t.args[3] = LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_EMPTY_PATH | 0x10000;
	strace_format(&mem, &t, line, sizeof(line));
	ck_assert_str_eq(line, "newfstatat(AT_FDCWD, \"/etc\", 0x20, "
	                       "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH|0x10000) = 0\n");
	t.args[0] = 3, t.args[3] = 0;
	strace_format(&mem, &t, line, sizeof(line));
	ck_assert_str_eq(line, "newfstatat(3, \"/etc\", 0x20, 0) = 0\n");

	t = (struct nanvix_hc_strace){ .cr3 = pt.cr3, .nr = LINUX_SYS_openat, .ret = 3 };
	t.args[0] = (uint64_t)(int64_t)LINUX_AT_FDCWD, t.args[1] = DATA_VA;
	t.args[2] = LINUX_O_WRONLY | LINUX_O_CREAT | LINUX_O_CLOEXEC, t.args[3] = 0644;
	strace_format(&mem, &t, line, sizeof(line));
	ck_assert_str_eq(line,
	                 "openat(AT_FDCWD, \"/etc\", O_WRONLY|O_CREAT|O_CLOEXEC, 0644) = 3\n");
}
END_TEST

/* "[pid N] " once a second process exists: after a fork, or a second pid. */
START_TEST(test_pid_prefix)
{
	struct strace_state st = { 0 };
	struct nanvix_hc_strace t = { .cr3 = pt.cr3, .nr = LINUX_SYS_getpid, .ret = 1, .pid = 1 };

	strace_line(&st, &mem, &t, line, sizeof(line));
	ck_assert_str_eq(line, "getpid() = 1\n");
	/* A thread is not a process. */
	t.nr = LINUX_SYS_clone, t.args[0] = LINUX_CLONE_VM | LINUX_CLONE_THREAD, t.ret = 2;
	strace_line(&st, &mem, &t, line, sizeof(line));
	ck_assert_str_eq(line, "clone(CLONE_VM|CLONE_THREAD, 0, 0, 0, 0) = 2\n");
	t = (struct nanvix_hc_strace){ .cr3 = pt.cr3, .nr = LINUX_SYS_fork, .ret = 2, .pid = 1 };
	strace_line(&st, &mem, &t, line, sizeof(line));
	ck_assert_str_eq(line, "fork() = 2\n");
	t.nr = LINUX_SYS_getpid, t.ret = 1;
	strace_line(&st, &mem, &t, line, sizeof(line));
	ck_assert_str_eq(line, "[pid 1] getpid() = 1\n");
	t.pid = 2, t.ret = 2;
	strace_line(&st, &mem, &t, line, sizeof(line));
	ck_assert_str_eq(line, "[pid 2] getpid() = 2\n");

	/* A second pid alone (a process the trace did not see made) also turns it on. */
	st = (struct strace_state){ 0 };
	t.pid = 7;
	strace_line(&st, &mem, &t, line, sizeof(line));
	ck_assert_str_eq(line, "getpid() = 2\n");
	t.pid = 8;
	strace_line(&st, &mem, &t, line, sizeof(line));
	ck_assert_str_eq(line, "[pid 8] getpid() = 2\n");
	/* A tiny buffer still ends in a newline and a NUL. */
	{
		char small[12];
		size_t n = strace_line(&st, &mem, &t, small, sizeof(small));

		ck_assert_uint_lt(n, sizeof(small));
		ck_assert_int_eq(small[n], '\0');
	}
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
	tcase_add_test(tc, test_every_served_call_named);
	tcase_add_test(tc, test_sigreturn);
	tcase_add_test(tc, test_decoded_flags);
	tcase_add_test(tc, test_pid_prefix);
	suite_add_tcase(s, tc);
	return s;
}
