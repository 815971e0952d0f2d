/* Unit tests for vm_hypercall(): every port against hostile argument structs, on a guest RAM buffer. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <abi/hypercall.h>
#include <abi/linux.h>
#include <monitor/tty.h>
#include <monitor/vm.h>

#include "guest_pt.h"
#include "runner.h"

#define PAGE       GPT_PAGE
#define MEM_SIZE   (1ull << 20) /* 256 frames */
#define NPAGES     (MEM_SIZE / PAGE)
#define ARG        0x1000u    /* where tests put the argument struct */
#define PFNS       0x2000u    /* FRAMES_SCRUB's pfn array */
#define POOL_START 0x10000ull /* page tables */
#define POOL_END   0x30000ull

/* Guest-physical frames behind the user mappings. */
#define UBUF_PA     0x40000ull /* 4 pages, user RW */
#define URO_PA      0x50000ull /* user read-only */
#define UKERN_PA    0x60000ull /* supervisor only */
#define UDISC_PA0   0x70000ull
#define UDISC_PA1   0x72000ull
#define SCRUB_FIRST 0x80u /* frames 0x80..0x8f hold a pattern */
#define SCRUB_N     16u

/* User virtual addresses. */
#define UBUF     0x400000ull /* 4 pages RW, then nothing */
#define URO      0x500000ull /* read-only page */
#define UKERN    0x600000ull /* present, writable, not user */
#define UNMAPPED 0x700000ull
#define UDISC    0x800000ull /* two pages on discontiguous frames */

static uint8_t *region; /* guard page, RAM, guard page */
static struct vm vm;
static struct gpt pt;
static int out_rd, err_rd, log_rd, in_wr;
static uint8_t *before;

/* ---- vm_error: recorded, not printed ---- */

static char last_error[512];
static int nerrors;

void vm_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	nerrors++;
}

/* ---- vm_timer_arm: recorded, no real timer ---- */

static uint64_t armed_ns;
static int narmed, arm_error;

int vm_timer_arm(struct vm *v, uint64_t ns)
{
	(void)v;
	armed_ns = ns;
	narmed++;
	return arm_error;
}

/* ---- fixture ---- */

static void pipe_pair(int *rd, int *wr)
{
	int p[2];

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_ne(fcntl(p[0], F_SETFL, O_NONBLOCK), -1);
	*rd = p[0];
	*wr = p[1];
}

static void setup(void)
{
	unsigned i;

	/*
	 * RAM between two PROT_NONE pages: a stray host access just outside
	 * guest memory faults.  Anonymous, so MADV_DONTNEED zeroes as in nanvixd.
	 */
	region = mmap(NULL, MEM_SIZE + 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(region, MAP_FAILED);
	ck_assert_int_eq(mprotect(region + PAGE, MEM_SIZE, PROT_READ | PROT_WRITE), 0);
	before = malloc(MEM_SIZE);
	ck_assert_ptr_nonnull(before);

	memset(&vm, 0, sizeof(vm));
	vm.mem.base = region + PAGE;
	vm.mem.size = MEM_SIZE;
	vm.kvm_fd = vm.vm_fd = vm.vcpu_fd = -1;
	pipe_pair(&out_rd, &vm.out_fd);
	pipe_pair(&err_rd, &vm.err_fd);
	pipe_pair(&log_rd, &vm.log_fd);
	pipe_pair(&vm.in_fd, &in_wr);
	signal(SIGPIPE, SIG_IGN); /* as nanvixd does */
	nerrors = 0;
	last_error[0] = 0;

	ck_assert_int_eq(gpt_init(&pt, &vm.mem, POOL_START, POOL_END), 0);
	ck_assert_int_eq(gpt_map_range(&pt, UBUF, UBUF_PA, 4 * PAGE, GPT_URW), 0);
	ck_assert_int_eq(gpt_map(&pt, URO, URO_PA, GPT_P | GPT_U, 0), 0);
	ck_assert_int_eq(gpt_map(&pt, UKERN, UKERN_PA, GPT_P | GPT_W, 0), 0);
	ck_assert_int_eq(gpt_map(&pt, UDISC, UDISC_PA0, GPT_URW, 0), 0);
	ck_assert_int_eq(gpt_map(&pt, UDISC + PAGE, UDISC_PA1, GPT_URW, 0), 0);
	for (i = 0; i < SCRUB_N; i++)
		memset(vm.mem.base + (SCRUB_FIRST + i) * PAGE, 0xc0 + i, PAGE);
}

static void teardown(void)
{
	close(out_rd);
	close(err_rd);
	close(log_rd);
	close(in_wr);
	close(vm.out_fd);
	close(vm.err_fd);
	close(vm.log_fd);
	close(vm.in_fd);
	munmap(region, MEM_SIZE + 2 * PAGE);
	free(before);
}

/* ---- helpers ---- */

static void *gpa(uint64_t pa)
{
	return vm.mem.base + pa;
}

static void put(uint64_t pa, const void *src, size_t len)
{
	memcpy(gpa(pa), src, len);
}

/* Bytes waiting in a pipe (read end non-blocking), up to max; NUL-terminated. */
static size_t drain(int fd, char *buf, size_t max)
{
	size_t got = 0;
	ssize_t n;

	while (got + 1 < max && (n = read(fd, buf + got, max - 1 - got)) > 0)
		got += n;
	buf[got] = 0;
	return got;
}

static void assert_empty(int fd, const char *what)
{
	char buf[64];

	ck_assert_msg(drain(fd, buf, sizeof(buf)) == 0, "%s received \"%s\"", what, buf);
}

/* Nothing reached any console pipe. */
static void assert_quiet(void)
{
	assert_empty(out_rd, "stdout");
	assert_empty(err_rd, "stderr");
	assert_empty(log_rd, "the log");
}

/*
 * NANVIX_HC_STRACE prints to nanvixd's own stderr: tests point fd 2 at a
 * pipe while a hypercall runs, then put it back.
 */
static int saved_stderr = -1, stderr_rd = -1;

static void capture_stderr(void)
{
	int wr;

	pipe_pair(&stderr_rd, &wr);
	saved_stderr = dup(STDERR_FILENO);
	ck_assert_int_ge(saved_stderr, 0);
	ck_assert_int_eq(dup2(wr, STDERR_FILENO), STDERR_FILENO);
	close(wr);
}

/* Restore fd 2; returns what was written to it (NUL-terminated in buf). */
static size_t release_stderr(char *buf, size_t max)
{
	size_t n;

	ck_assert_int_eq(dup2(saved_stderr, STDERR_FILENO), STDERR_FILENO);
	close(saved_stderr);
	n = drain(stderr_rd, buf, max);
	close(stderr_rd);
	return n;
}

static void snapshot(void)
{
	memcpy(before, vm.mem.base, MEM_SIZE);
}

/* Guest memory equals the snapshot except [skip, skip + len). */
static void assert_unchanged_but(uint64_t skip, uint64_t len)
{
	uint64_t i;

	if (memcmp(vm.mem.base, before, MEM_SIZE) == 0)
		return;
	for (i = 0; i < MEM_SIZE; i++)
		if (vm.mem.base[i] != before[i] && !(i >= skip && i - skip < len))
			ck_abort_msg("guest memory changed at %#llx", (unsigned long long)i);
}

static void assert_unchanged(void)
{
	assert_unchanged_but(0, 0);
}

/* Serve a hypercall that must resume the guest. */
static void resume(uint16_t port, uint32_t arg)
{
	ck_assert_int_eq(vm_hypercall(&vm, port, arg), 0);
	ck_assert(!vm.done);
	ck_assert_int_eq(nerrors, 0);
}

/* Serve a hypercall that must stop the VM with `status`. */
static void stops(uint16_t port, uint32_t arg, int status)
{
	vm.done = false;
	vm.status = 0;
	ck_assert_int_eq(vm_hypercall(&vm, port, arg), 1);
	ck_assert(vm.done);
	ck_assert_int_eq(vm.status, status);
}

/* ---- WRITE ---- */

static int64_t do_write(uint32_t fd, uint64_t buf, uint64_t len)
{
	struct nanvix_hc_write a = { .cr3 = pt.cr3, .buf = buf, .len = len, .fd = fd, .ret = 77 };
	struct nanvix_hc_write *g = gpa(ARG);

	put(ARG, &a, sizeof(a));
	snapshot();
	resume(NANVIX_HC_WRITE, ARG);
	/* Only `ret` may change. */
	assert_unchanged_but(ARG + offsetof(struct nanvix_hc_write, ret), 8);
	return g->ret;
}

START_TEST(test_write_valid)
{
	char buf[64];

	put(UBUF_PA + 100, "hello, world", 12);
	ck_assert_int_eq(do_write(1, UBUF + 100, 12), 12);
	ck_assert_uint_eq(drain(out_rd, buf, sizeof(buf)), 12);
	ck_assert_str_eq(buf, "hello, world");
	assert_quiet();
	ck_assert_int_eq(do_write(2, UBUF + 100, 5), 5);
	ck_assert_uint_eq(drain(err_rd, buf, sizeof(buf)), 5);
	ck_assert_str_eq(buf, "hello");
	assert_quiet();
	/* Read-only user pages may be written out. */
	put(URO_PA, "ro", 2);
	ck_assert_int_eq(do_write(1, URO, 2), 2);
	ck_assert_uint_eq(drain(out_rd, buf, sizeof(buf)), 2);
}
END_TEST

START_TEST(test_write_discontiguous)
{
	char buf[64];

	put(UDISC_PA0 + PAGE - 6, "abcdef", 6);
	put(UDISC_PA1, "ghijkl", 6);
	ck_assert_int_eq(do_write(1, UDISC + PAGE - 6, 12), 12);
	drain(out_rd, buf, sizeof(buf));
	ck_assert_str_eq(buf, "abcdefghijkl");
}
END_TEST

START_TEST(test_write_bad_fd)
{
	static const uint32_t fds[] = { 0, 3, 4, 0x80000001u, UINT32_MAX };
	unsigned i;

	put(UBUF_PA, "data", 4);
	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		ck_assert_int_eq(do_write(fds[i], UBUF, 4), -EBADF);
	assert_quiet();
	assert_empty(vm.in_fd, "stdin");
}
END_TEST

START_TEST(test_write_efault)
{
	memset(gpa(UBUF_PA), 'x', 4 * PAGE);
	ck_assert_int_eq(do_write(1, UNMAPPED, 4), -EFAULT);
	ck_assert_int_eq(do_write(1, UKERN, 4), -EFAULT);
	ck_assert_int_eq(do_write(1, 0, 1), -EFAULT);
	/* Mapped start, unmapped tail: no partial write. */
	ck_assert_int_eq(do_write(1, UBUF + 4 * PAGE - 8, 16), -EFAULT);
	ck_assert_int_eq(do_write(1, UBUF, 5 * PAGE), -EFAULT);
	/* Kernel half and non-canonical. */
	ck_assert_int_eq(do_write(1, 0xffff800000000000ull + UBUF_PA, 4), -EFAULT);
	ck_assert_int_eq(do_write(2, 0xffffffff80100000ull, 4), -EFAULT);
	ck_assert_int_eq(do_write(1, 0x0000800000000000ull, 4), -EFAULT);
	/* buf + len wraps (from user space it takes a length beyond SSIZE_MAX). */
	ck_assert_int_eq(do_write(1, UBUF, UINT64_MAX - UBUF + 2), -EINVAL);
	ck_assert_int_eq(do_write(1, UINT64_MAX, 2), -EFAULT);
	ck_assert_int_eq(do_write(1, UINT64_MAX - PAGE + 1, 2 * PAGE), -EFAULT);
	assert_quiet();
}
END_TEST

START_TEST(test_write_bad_cr3)
{
	struct nanvix_hc_write a = { .cr3 = MEM_SIZE, .buf = UBUF, .len = 4, .fd = 1 };
	struct nanvix_hc_write *g = gpa(ARG);

	put(ARG, &a, sizeof(a));
	resume(NANVIX_HC_WRITE, ARG);
	ck_assert_int_eq(g->ret, -EFAULT);
	a.cr3 = UINT64_MAX;
	put(ARG, &a, sizeof(a));
	resume(NANVIX_HC_WRITE, ARG);
	ck_assert_int_eq(g->ret, -EFAULT);
	assert_quiet();
}
END_TEST

START_TEST(test_write_lengths)
{
	ck_assert_int_eq(do_write(1, UBUF, 0), 0);
	ck_assert_int_eq(do_write(1, UNMAPPED, 0), 0);
	ck_assert_int_eq(do_write(1, UBUF, (uint64_t)SSIZE_MAX + 1), -EINVAL);
	ck_assert_int_eq(do_write(1, UBUF, UINT64_MAX), -EINVAL);
	assert_quiet();
}
END_TEST

START_TEST(test_write_epipe)
{
	close(out_rd);
	out_rd = open("/dev/null", O_RDONLY | O_NONBLOCK); /* for teardown and assert_quiet */
	ck_assert_int_eq(do_write(1, UBUF, 4), -EPIPE);
}
END_TEST

/* Map n user pages at va alternating between two frames: n physical runs. */
static void map_alternating(uint64_t va, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		ck_assert_int_eq(gpt_map(&pt, va + i * PAGE, i & 1 ? UDISC_PA1 : UDISC_PA0,
		                         GPT_P | GPT_U, 0),
		                 0);
}

START_TEST(test_write_too_many_runs)
{
	uint64_t va = 0x10000000ull;

	/* More runs than the host's iovec array: a short write of the first 1024. */
	map_alternating(va, 1100);
	close(vm.out_fd);
	vm.out_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	ck_assert_int_ge(vm.out_fd, 0);
	ck_assert_int_eq(do_write(1, va, 1100 * PAGE), 1024 * PAGE);
}
END_TEST

START_TEST(test_write_arg_at_end_of_ram)
{
	uint32_t at = MEM_SIZE - sizeof(struct nanvix_hc_write);
	struct nanvix_hc_write a = { .cr3 = pt.cr3, .buf = UBUF, .len = 3, .fd = 1 };
	struct nanvix_hc_write *g = gpa(at);
	char buf[8];

	put(UBUF_PA, "end", 3);
	put(at, &a, sizeof(a));
	resume(NANVIX_HC_WRITE, at);
	ck_assert_int_eq(g->ret, 3);
	drain(out_rd, buf, sizeof(buf));
	ck_assert_str_eq(buf, "end");
}
END_TEST

/* ---- WRITEV ---- */

static int64_t do_writev(uint32_t fd, uint64_t iov, uint32_t iovcnt)
{
	struct nanvix_hc_writev a = {
		.cr3 = pt.cr3, .iov = iov, .iovcnt = iovcnt, .fd = fd, .ret = 77
	};
	struct nanvix_hc_writev *g = gpa(ARG);

	put(ARG, &a, sizeof(a));
	snapshot();
	resume(NANVIX_HC_WRITEV, ARG);
	assert_unchanged_but(ARG + offsetof(struct nanvix_hc_writev, ret), 8);
	return g->ret;
}

/* Write a user iovec element at guest-physical pa. */
static void put_iov(uint64_t pa, uint64_t base, uint64_t len)
{
	struct nanvix_iovec v = { base, len };

	put(pa, &v, sizeof(v));
}

START_TEST(test_writev_valid)
{
	char buf[64];

	put(UBUF_PA + 0x800, "ab", 2);
	put(UDISC_PA0 + PAGE - 1, "c", 1);
	put(UDISC_PA1, "de", 2);
	put_iov(UBUF_PA, UBUF + 0x800, 2);
	put_iov(UBUF_PA + 16, UNMAPPED, 0); /* empty elements are skipped */
	put_iov(UBUF_PA + 32, UDISC + PAGE - 1, 3);
	ck_assert_int_eq(do_writev(1, UBUF, 3), 5);
	drain(out_rd, buf, sizeof(buf));
	ck_assert_str_eq(buf, "abcde");
	ck_assert_int_eq(do_writev(2, UBUF, 1), 2);
	drain(err_rd, buf, sizeof(buf));
	ck_assert_str_eq(buf, "ab");
	ck_assert_int_eq(do_writev(1, UNMAPPED, 0), 0);
	assert_quiet();
}
END_TEST

START_TEST(test_writev_iov_across_pages)
{
	char buf[64];

	/* The element array itself straddles two discontiguous frames. */
	put(UBUF_PA, "xyz", 3);
	put_iov(UDISC_PA0 + PAGE - 16, UBUF, 1);
	put_iov(UDISC_PA1, UBUF + 1, 2); /* element 1 starts on the next page */
	ck_assert_int_eq(do_writev(1, UDISC + PAGE - 16, 2), 3);
	drain(out_rd, buf, sizeof(buf));
	ck_assert_str_eq(buf, "xyz");
	/* An element split in the middle by the page boundary. */
	memset(gpa(UDISC_PA0 + PAGE - 24), 0, 24);
	memset(gpa(UDISC_PA1), 0, 16);
	put_iov(UDISC_PA0 + PAGE - 8 - 16, UBUF, 1);
	{
		struct nanvix_iovec v = { UBUF + 1, 2 };

		put(UDISC_PA0 + PAGE - 8, &v, 8);
		put(UDISC_PA1, (char *)&v + 8, 8);
	}
	ck_assert_int_eq(do_writev(1, UDISC + PAGE - 24, 2), 3);
	drain(out_rd, buf, sizeof(buf));
	ck_assert_str_eq(buf, "xyz");
}
END_TEST

START_TEST(test_writev_bad_fd)
{
	put_iov(UBUF_PA, UBUF + 64, 4);
	ck_assert_int_eq(do_writev(0, UBUF, 1), -EBADF);
	ck_assert_int_eq(do_writev(3, UBUF, 1), -EBADF);
	ck_assert_int_eq(do_writev(UINT32_MAX, UBUF, 1), -EBADF);
	assert_quiet();
}
END_TEST

START_TEST(test_writev_iovcnt)
{
	/* 1024 empty elements fill the four mapped pages exactly. */
	memset(gpa(UBUF_PA), 0, 4 * PAGE);
	ck_assert_int_eq(do_writev(1, UBUF, NANVIX_HC_IOV_MAX), 0);
	ck_assert_int_eq(do_writev(1, UBUF, NANVIX_HC_IOV_MAX + 1), -EINVAL);
	ck_assert_int_eq(do_writev(1, UBUF, UINT32_MAX), -EINVAL);
	ck_assert_int_eq(do_writev(1, UNMAPPED, UINT32_MAX), -EINVAL);
	assert_quiet();
}
END_TEST

START_TEST(test_writev_iov_efault)
{
	put(UBUF_PA + 0x100, "leak", 4);
	/* The array: unmapped, supervisor-only, kernel half, wrapping. */
	ck_assert_int_eq(do_writev(1, UNMAPPED, 1), -EFAULT);
	put_iov(UKERN_PA, UBUF + 0x100, 4);
	ck_assert_int_eq(do_writev(1, UKERN, 1), -EFAULT);
	ck_assert_int_eq(do_writev(1, 0xffff800000000000ull + UKERN_PA, 1), -EFAULT);
	ck_assert_int_eq(do_writev(1, UINT64_MAX - 7, 1), -EFAULT);
	ck_assert_int_eq(do_writev(1, UINT64_MAX - 15, 2), -EFAULT);
	/* Element 0 is fine, element 1 lies past the mapped pages: nothing is written. */
	put_iov(UBUF_PA + 4 * PAGE - 16, UBUF + 0x100, 4);
	ck_assert_int_eq(do_writev(1, UBUF + 4 * PAGE - 16, 2), -EFAULT);
	/* Element 1 straddles the end of the mapping. */
	ck_assert_int_eq(do_writev(1, UBUF + 4 * PAGE - 24, 2), -EFAULT);
	assert_quiet();
}
END_TEST

START_TEST(test_writev_buf_efault)
{
	put(UBUF_PA + 0x100, "leak", 4);
	put_iov(UBUF_PA, UBUF + 0x100, 4);
	put_iov(UBUF_PA + 16, UNMAPPED, 4);
	ck_assert_int_eq(do_writev(1, UBUF, 2), -EFAULT);
	put_iov(UBUF_PA + 16, UKERN, 4);
	ck_assert_int_eq(do_writev(1, UBUF, 2), -EFAULT);
	put_iov(UBUF_PA + 16, UBUF + 4 * PAGE - 2, 4); /* tail unmapped */
	ck_assert_int_eq(do_writev(1, UBUF, 2), -EFAULT);
	put_iov(UBUF_PA + 16, 0xffffffff80000000ull, 4);
	ck_assert_int_eq(do_writev(1, UBUF, 2), -EFAULT);
	put_iov(UBUF_PA + 16, UINT64_MAX - 1, 4); /* wraps */
	ck_assert_int_eq(do_writev(1, UBUF, 2), -EFAULT);
	put_iov(UBUF_PA + 16, UBUF, (uint64_t)SSIZE_MAX + 1);
	ck_assert_int_eq(do_writev(1, UBUF, 2), -EINVAL);
	assert_quiet();
}
END_TEST

START_TEST(test_writev_too_many_runs)
{
	uint64_t va = 0x10000000ull;

	map_alternating(va, 1100);
	close(vm.out_fd);
	vm.out_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	put_iov(UBUF_PA, va, 1000 * PAGE);
	put_iov(UBUF_PA + 16, va, 100 * PAGE);
	ck_assert_int_eq(do_writev(1, UBUF, 2), 1024 * PAGE);
}
END_TEST

/* ---- READ ---- */

/* Serve a READ; with `snap`, snapshot guest memory just before. */
static int64_t do_read(uint64_t buf, uint64_t len, bool snap)
{
	struct nanvix_hc_read a = { .cr3 = pt.cr3, .buf = buf, .len = len, .ret = 77 };
	struct nanvix_hc_read *g = gpa(ARG);

	put(ARG, &a, sizeof(a));
	if (snap)
		snapshot();
	resume(NANVIX_HC_READ, ARG);
	return g->ret;
}

/* A READ that must fail: only `ret` changes and stdin keeps its bytes. */
static void read_fails(uint64_t buf, uint64_t len, int64_t err)
{
	char rest[16];

	ck_assert_int_eq(write(in_wr, "xyz", 3), 3);
	ck_assert_int_eq(do_read(buf, len, true), err);
	assert_unchanged_but(ARG + offsetof(struct nanvix_hc_read, ret), 8);
	ck_assert_uint_eq(drain(vm.in_fd, rest, sizeof(rest)), 3);
	ck_assert_str_eq(rest, "xyz");
}

START_TEST(test_read_valid)
{
	ck_assert_int_eq(write(in_wr, "xyz", 3), 3);
	ck_assert_int_eq(do_read(UBUF + 10, 100, true), 3);
	ck_assert_int_eq(memcmp(gpa(UBUF_PA + 10), "xyz", 3), 0);
	before[ARG + offsetof(struct nanvix_hc_read, ret)] = 3; /* little-endian low byte */
	memset(before + ARG + offsetof(struct nanvix_hc_read, ret) + 1, 0, 7);
	assert_unchanged_but(UBUF_PA + 10, 3);
	/* Across discontiguous frames. */
	ck_assert_int_eq(write(in_wr, "123456", 6), 6);
	ck_assert_int_eq(do_read(UDISC + PAGE - 3, 6, false), 6);
	ck_assert_int_eq(memcmp(gpa(UDISC_PA0 + PAGE - 3), "123", 3), 0);
	ck_assert_int_eq(memcmp(gpa(UDISC_PA1), "456", 3), 0);
	/* Length 0 reads nothing. */
	ck_assert_int_eq(write(in_wr, "q", 1), 1);
	ck_assert_int_eq(do_read(UBUF, 0, false), 0);
	ck_assert_int_eq(do_read(UNMAPPED, 0, false), 0);
	/* End of file. */
	ck_assert_int_eq(do_read(UBUF, 10, false), 1);
	close(in_wr);
	in_wr = open("/dev/null", O_WRONLY);
	ck_assert_int_eq(do_read(UBUF, 10, false), 0);
}
END_TEST

START_TEST(test_read_efault)
{
	uint64_t *slot;

	read_fails(URO, 3, -EFAULT);
	read_fails(UKERN, 3, -EFAULT);
	read_fails(UNMAPPED, 3, -EFAULT);
	read_fails(UBUF + 4 * PAGE - 1, 3, -EFAULT); /* tail unmapped */
	read_fails(0xffff800000000000ull + UBUF_PA, 3, -EFAULT);
	read_fails(UINT64_MAX - 1, 3, -EFAULT);
	read_fails(UBUF, UINT64_MAX, -EFAULT); /* clamped, then runs off the mapping */
	/* Writable leaf under a read-only directory entry. */
	slot = gpt_slot(&pt, UBUF, 1);
	*slot &= ~GPT_W;
	read_fails(UBUF, 3, -EFAULT);
	*slot |= GPT_W;
	/* A writable page followed by a read-only one: nothing lands in the first. */
	ck_assert_int_eq(gpt_map(&pt, URO - PAGE, UBUF_PA + 3 * PAGE, GPT_URW, 0), 0);
	read_fails(URO - 2, 4, -EFAULT);
}
END_TEST

/* ---- FRAMES_SCRUB ---- */

/* Serve a FRAMES_SCRUB; with `snap`, snapshot guest memory just before. */
static int64_t do_scrub(uint64_t pfns, uint32_t count, bool snap)
{
	struct nanvix_hc_frames_scrub a = { .pfns = pfns, .count = count, .ret = 77 };
	struct nanvix_hc_frames_scrub *g = gpa(ARG);

	put(ARG, &a, sizeof(a));
	if (snap)
		snapshot();
	resume(NANVIX_HC_FRAMES_SCRUB, ARG);
	return g->ret;
}

static void put_pfns(const uint32_t *pfns, unsigned n)
{
	put(PFNS, pfns, n * sizeof(uint32_t));
}

/* Frame pfn (of the scrub set) still holds its pattern, or is all zero. */
static int frame_is(unsigned pfn, int byte)
{
	const uint8_t *p = gpa((uint64_t)pfn * PAGE);
	unsigned i;

	for (i = 0; i < PAGE; i++)
		if (p[i] != byte)
			return 0;
	return 1;
}

static void assert_scrubbed_exactly(const uint32_t *pfns, unsigned n)
{
	unsigned f, i;

	for (f = SCRUB_FIRST; f < SCRUB_FIRST + SCRUB_N; f++) {
		int listed = 0;

		for (i = 0; i < n; i++)
			listed |= pfns[i] == f;
		ck_assert_msg(frame_is(f, listed ? 0 : 0xc0 + f - SCRUB_FIRST), "frame %#x is %s",
		              f, listed ? "not zero" : "changed");
	}
}

START_TEST(test_scrub_valid)
{
	static const uint32_t pfns[] = { 0x80, 0x81, 0x82, 0x85, 0x8f, 0x84, 0x85 };

	put_pfns(pfns, 7);
	ck_assert_int_eq(do_scrub(PFNS, 7, true), 0);
	assert_scrubbed_exactly(pfns, 7);
	ck_assert_int_eq(memcmp(gpa(PFNS), pfns, sizeof(pfns)), 0);
	/* Nothing else moved: every byte outside the listed frames and ret is as before. */
	for (unsigned i = 0; i < 7; i++)
		memset(before + (uint64_t)pfns[i] * PAGE, 0, PAGE);
	assert_unchanged_but(ARG + offsetof(struct nanvix_hc_frames_scrub, ret), 8);
	/* Count 0 is a no-op, wherever the array is. */
	ck_assert_int_eq(do_scrub(PFNS, 0, false), 0);
	ck_assert_int_eq(do_scrub(MEM_SIZE, 0, false), 0);
}
END_TEST

START_TEST(test_scrub_last_frame)
{
	uint32_t pfn = NPAGES - 1;

	memset(gpa(MEM_SIZE - PAGE), 0x77, PAGE);
	put_pfns(&pfn, 1);
	ck_assert_int_eq(do_scrub(PFNS, 1, false), 0);
	ck_assert(frame_is(pfn, 0));
	/* The array may end exactly at the end of RAM. */
	memset(gpa(MEM_SIZE - PAGE), 0x77, PAGE);
	put(MEM_SIZE - 8, (uint32_t[]){ SCRUB_FIRST, SCRUB_FIRST + 1 }, 8);
	ck_assert_int_eq(do_scrub(MEM_SIZE - 8, 2, false), 0);
	ck_assert(frame_is(SCRUB_FIRST, 0) && frame_is(SCRUB_FIRST + 1, 0));
}
END_TEST

/* A bad request: -EINVAL and no frame touched. */
static void scrub_refused(uint64_t pfns, uint32_t count)
{
	ck_assert_int_eq(do_scrub(pfns, count, true), -EINVAL);
	assert_unchanged_but(ARG + offsetof(struct nanvix_hc_frames_scrub, ret), 8);
	assert_scrubbed_exactly(NULL, 0);
}

START_TEST(test_scrub_pfn_outside)
{
	uint32_t pfns[] = { 0x80, 0x81, 0x86, NPAGES, 0x87 };

	put_pfns(pfns, 5);
	scrub_refused(PFNS, 5);
	pfns[3] = UINT32_MAX;
	put_pfns(pfns, 5);
	scrub_refused(PFNS, 5);
	pfns[3] = 0x80000000u;
	put_pfns(pfns, 5);
	scrub_refused(PFNS, 5);
	/* The bad one last. */
	pfns[3] = 0x88, pfns[4] = NPAGES + 1;
	put_pfns(pfns, 5);
	scrub_refused(PFNS, 5);
}
END_TEST

START_TEST(test_scrub_bad_array)
{
	static const uint32_t pfns[] = { 0x80, 0x81 };

	put_pfns(pfns, 2);
	put(MEM_SIZE - 4, pfns, 4);
	scrub_refused(MEM_SIZE, 1);       /* past the end */
	scrub_refused(MEM_SIZE - 4, 2);   /* straddles the end */
	scrub_refused(UINT64_MAX - 3, 2); /* wraps */
	scrub_refused(1ull << 40, 1);
	scrub_refused(PFNS + 1, 1); /* misaligned */
	scrub_refused(PFNS + 2, 1);
	scrub_refused(PFNS, UINT32_MAX); /* count far past RAM */
	scrub_refused(PFNS, MEM_SIZE / 4);
}
END_TEST

START_TEST(test_scrub_array_in_listed_frame)
{
	/*
	 * The array lies in a frame it lists: scrubbing that frame first would
	 * change the rest of the array under the host.  Refused before acting.
	 */
	uint32_t pfns[] = { 0x90, 0x80, 0x81 };

	put(0x90 * PAGE + 16, pfns, sizeof(pfns));
	scrub_refused(0x90 * PAGE + 16, 3);
	pfns[0] = 0x80, pfns[2] = 0x90; /* listed last */
	put(0x90 * PAGE + 16, pfns, sizeof(pfns));
	scrub_refused(0x90 * PAGE + 16, 3);
	/* An array crossing into the next frame, which is listed. */
	pfns[2] = 0x91;
	put(0x91 * PAGE - 8, pfns, sizeof(pfns));
	scrub_refused(0x91 * PAGE - 8, 3);
	/* The frames either side of the array are fine. */
	pfns[0] = 0x8f, pfns[2] = 0x91;
	put(0x90 * PAGE, pfns, sizeof(pfns));
	ck_assert_int_eq(do_scrub(0x90 * PAGE, 3, false), 0);
	ck_assert(frame_is(0x8f, 0) && frame_is(0x80, 0) && frame_is(0x91, 0));
	ck_assert_int_eq(memcmp(gpa(0x90 * PAGE), pfns, sizeof(pfns)), 0);
}
END_TEST

START_TEST(test_scrub_zero_fallback)
{
	/*
	 * RAM whose frames are not host-page aligned: madvise refuses, the host
	 * zeroes by hand.  Heap memory, so AddressSanitizer checks the bounds.
	 */
	uint8_t *heap = malloc(15 * PAGE + 16);
	struct vm_mem saved = vm.mem;
	struct nanvix_hc_frames_scrub a = { .pfns = 0x100, .count = 2 };
	struct nanvix_hc_frames_scrub *g;
	uint32_t pfns[] = { 14, 3 };
	unsigned f, i;

	ck_assert_ptr_nonnull(heap);
	vm.mem.base = (uintptr_t)(heap + 8) % PAGE ? heap + 8 : heap + 16;
	vm.mem.size = 15 * PAGE;
	g = (struct nanvix_hc_frames_scrub *)(vm.mem.base + 0x200);
	for (f = 0; f < 15; f++)
		memset(vm.mem.base + f * PAGE, 0x10 + f, PAGE);
	memcpy(vm.mem.base + 0x100, pfns, sizeof(pfns));
	memcpy(g, &a, sizeof(a));
	ck_assert_int_eq(vm_hypercall(&vm, NANVIX_HC_FRAMES_SCRUB, 0x200), 0);
	ck_assert_int_eq(g->ret, 0);
	for (f = 1; f < 15; f++) {
		const uint8_t *p = vm.mem.base + f * PAGE;
		int want = f == 14 || f == 3 ? 0 : 0x10 + f;

		for (i = 0; i < PAGE; i++)
			ck_assert_msg(p[i] == want, "frame %u byte %u is %#x", f, i, p[i]);
	}
	/* Frame 15 does not exist in 15 pages of RAM. */
	pfns[1] = 15;
	memcpy(vm.mem.base + 0x100, pfns, sizeof(pfns));
	memset(vm.mem.base + 14 * PAGE, 0x5, PAGE);
	ck_assert_int_eq(vm_hypercall(&vm, NANVIX_HC_FRAMES_SCRUB, 0x200), 0);
	ck_assert_int_eq(g->ret, -EINVAL);
	ck_assert_int_eq(vm.mem.base[14 * PAGE], 0x5);
	vm.mem = saved;
	free(heap);
}
END_TEST

/* ---- LOG, PANIC, EXIT ---- */

static void put_log(uint64_t buf, uint64_t len)
{
	struct nanvix_hc_log a = { buf, len };

	put(ARG, &a, sizeof(a));
}

START_TEST(test_log_valid)
{
	char buf[8192];

	put(0x3000, "kernel says hi\n", 15);
	put_log(0x3000, 15);
	resume(NANVIX_HC_LOG, ARG);
	drain(log_rd, buf, sizeof(buf));
	ck_assert_str_eq(buf, "kernel says hi\n");
	/* Exactly the maximum, ending at the end of RAM. */
	memset(gpa(MEM_SIZE - NANVIX_HC_LOG_MAX), 'L', NANVIX_HC_LOG_MAX);
	put_log(MEM_SIZE - NANVIX_HC_LOG_MAX, NANVIX_HC_LOG_MAX);
	resume(NANVIX_HC_LOG, ARG);
	ck_assert_uint_eq(drain(log_rd, buf, sizeof(buf)), NANVIX_HC_LOG_MAX);
	put_log(MEM_SIZE, 0);
	resume(NANVIX_HC_LOG, ARG);
	assert_quiet();
}
END_TEST

/* A LOG or PANIC with a bad buffer: status 122, nothing printed, memory untouched. */
static void log_refused(uint16_t port, uint64_t buf, uint64_t len)
{
	put_log(buf, len);
	snapshot();
	nerrors = 0;
	stops(port, ARG, NANVIXD_EXIT_GUEST);
	ck_assert_int_eq(nerrors, 1);
	ck_assert_msg(strstr(last_error, "bad kernel log buffer"), "error: %s", last_error);
	assert_unchanged();
	assert_quiet();
	ck_assert(!vm.have_stats);
}

START_TEST(test_log_bad)
{
	static const uint16_t ports[] = { NANVIX_HC_LOG, NANVIX_HC_PANIC };
	unsigned i;

	memset(gpa(0x3000), 'x', 2 * NANVIX_HC_LOG_MAX);
	for (i = 0; i < 2; i++) {
		log_refused(ports[i], 0x3000, NANVIX_HC_LOG_MAX + 1);
		log_refused(ports[i], 0x3000, UINT64_MAX);
		log_refused(ports[i], MEM_SIZE, 1);
		log_refused(ports[i], MEM_SIZE + 1, 0);
		log_refused(ports[i], MEM_SIZE - 4, 8);
		log_refused(ports[i], UINT64_MAX - 1, 4);
		log_refused(ports[i], 0xffff800000003000ull, 4); /* a kernel virtual address */
	}
}
END_TEST

START_TEST(test_panic)
{
	char buf[64];

	put(0x3000, "oops", 4);
	put_log(0x3000, 4);
	stops(NANVIX_HC_PANIC, ARG, NANVIXD_EXIT_GUEST);
	drain(log_rd, buf, sizeof(buf));
	ck_assert_str_eq(buf, "oops");
	ck_assert_int_eq(nerrors, 1);
	ck_assert_msg(strstr(last_error, "panic"), "error: %s", last_error);
}
END_TEST

START_TEST(test_exit)
{
	static const struct {
		int32_t status;
		int want;
	} cases[] = {
		{ 0, 0 }, { 42, 42 }, { 139, 139 }, { 255, 255 }, { 256 + 3, 3 }, { -1, 255 }
	};
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nanvix_hc_exit a = { .status = cases[i].status,
			                    .stats = { 1, 2, 3, 4, 5, 6 } };

		put(ARG, &a, sizeof(a));
		snapshot();
		vm.have_stats = false;
		stops(NANVIX_HC_EXIT, ARG, cases[i].want);
		ck_assert(vm.have_stats);
		ck_assert_int_eq(memcmp(&vm.stats, &a.stats, sizeof(a.stats)), 0);
		assert_unchanged();
	}
	ck_assert_int_eq(nerrors, 0);
	assert_quiet();
}
END_TEST

/* ---- MM: W^X refusals are counted ---- */

static int64_t do_mm_map(uint64_t va, uint64_t pte)
{
	struct nanvix_hc_mm a = {
		.cr3 = pt.cr3, .va = va, .len = PAGE, .pte = pte, .op = NANVIX_MM_MAP, .ret = 77
	};

	put(ARG, &a, sizeof(a));
	ck_assert_int_eq(vm_hypercall(&vm, NANVIX_HC_MM, ARG), 0);
	ck_assert(!vm.done);
	memcpy(&a, gpa(ARG), sizeof(a));
	return a.ret;
}

START_TEST(test_mm_wx)
{
	/* Writable without NX: refused, counted each time, said once. */
	ck_assert_int_eq(do_mm_map(UNMAPPED, GPT_URW), -EINVAL);
	ck_assert_int_eq(do_mm_map(UNMAPPED, GPT_URW), -EINVAL);
	ck_assert_uint_eq(vm.wx_hypercall, 2);
	ck_assert_int_eq(nerrors, 1);
	ck_assert_msg(strstr(last_error, "W^X") != NULL, "%s", last_error);
	/* Writable and NX, or executable and read-only: no W^X refusal. */
	ck_assert_int_ne(do_mm_map(UNMAPPED, GPT_URW | GPT_NX), 0);
	ck_assert_int_ne(do_mm_map(UNMAPPED, GPT_P | GPT_U), 0); /* no frames lent */
	ck_assert_uint_eq(vm.wx_hypercall, 2);
	ck_assert_int_eq(nerrors, 1);
	assert_quiet();
}
END_TEST

/* ---- COPY ---- */

static int64_t do_copy(uint64_t dcr3, uint64_t dst, uint64_t scr3, uint64_t src, uint64_t len)
{
	struct nanvix_hc_copy a = { dcr3, dst, scr3, src, len, 0 };

	put(ARG, &a, sizeof(a));
	resume(NANVIX_HC_COPY, ARG);
	memcpy(&a, gpa(ARG), sizeof(a));
	return a.ret;
}

/* A COPY that must fail: only `ret` changes. */
static void copy_fails(uint64_t dcr3, uint64_t dst, uint64_t scr3, uint64_t src, uint64_t len)
{
	struct nanvix_hc_copy a = { dcr3, dst, scr3, src, len, 0 };

	put(ARG, &a, sizeof(a));
	snapshot();
	resume(NANVIX_HC_COPY, ARG);
	memcpy(&a, gpa(ARG), sizeof(a));
	ck_assert_int_eq(a.ret, -EFAULT);
	assert_unchanged_but(ARG + offsetof(struct nanvix_hc_copy, ret), 8);
}

START_TEST(test_copy_valid)
{
	memcpy(gpa(0x90000), "physical", 8);
	/* Physical to user, across discontiguous frames. */
	ck_assert_int_eq(do_copy(pt.cr3, UDISC + PAGE - 4, 0, 0x90000, 8), 8);
	ck_assert_int_eq(memcmp(gpa(UDISC_PA0 + PAGE - 4), "phys", 4), 0);
	ck_assert_int_eq(memcmp(gpa(UDISC_PA1), "ical", 4), 0);
	/* User to physical, and physical to physical. */
	ck_assert_int_eq(do_copy(0, 0x91000, pt.cr3, UDISC + PAGE - 4, 8), 8);
	ck_assert_int_eq(memcmp(gpa(0x91000), "physical", 8), 0);
	ck_assert_int_eq(do_copy(0, 0x92000, 0, 0x91000, 8), 8);
	ck_assert_int_eq(memcmp(gpa(0x92000), "physical", 8), 0);
	/* Reading a read-only user page is fine. */
	ck_assert_int_eq(do_copy(0, 0x93000, pt.cr3, URO, 16), 16);
	ck_assert_int_eq(do_copy(0, 0x93000, pt.cr3, URO, 0), 0);
}
END_TEST

START_TEST(test_copy_bad)
{
	copy_fails(pt.cr3, URO, 0, 0x90000, 8);                     /* destination read-only */
	copy_fails(pt.cr3, UKERN, 0, 0x90000, 8);                   /* destination not user */
	copy_fails(pt.cr3, UBUF, pt.cr3, UNMAPPED, 8);              /* source unmapped */
	copy_fails(pt.cr3, UBUF + 4 * PAGE - 4, 0, 0x90000, 8);     /* runs off the mapping */
	copy_fails(0, MEM_SIZE - 4, 0, 0x90000, 8);                 /* physical past RAM */
	copy_fails(0, 0x90000, 0, UINT64_MAX - 2, 8);               /* wrapping */
	copy_fails(0, 0x90000, 0, 0x91000, NANVIX_HC_COPY_MAX + 1); /* too long */
	copy_fails(pt.cr3, 0xffff800000000000ull, 0, 0x90000, 8);   /* kernel half */
}
END_TEST

/* ---- TIMER ---- */

START_TEST(test_timer)
{
	struct nanvix_hc_timer a = { .ns = 5000000 };

	narmed = 0;
	arm_error = 0;
	put(ARG, &a, sizeof(a));
	resume(NANVIX_HC_TIMER, ARG);
	ck_assert_int_eq(narmed, 1);
	ck_assert_uint_eq(armed_ns, 5000000);
	/* A hostile deadline is clamped to a minute, never passed through. */
	a.ns = UINT64_MAX;
	put(ARG, &a, sizeof(a));
	resume(NANVIX_HC_TIMER, ARG);
	ck_assert_uint_eq(armed_ns, 60000000000ull);
	/* A host failure stops the VM with a host error. */
	arm_error = -EINVAL;
	stops(NANVIX_HC_TIMER, ARG, NANVIXD_EXIT_HOST);
	arm_error = 0;
	nerrors = 0;
}
END_TEST

/* ---- STRACE ---- */

/* Serve a STRACE with tracing on or off; returns what reached nanvixd's stderr. */
static size_t do_strace(const struct nanvix_hc_strace *t, bool on, char *buf, size_t max)
{
	put(ARG, t, sizeof(*t));
	snapshot();
	vm.strace = on;
	vm.strace_fd = STDERR_FILENO;
	capture_stderr();
	resume(NANVIX_HC_STRACE, ARG);
	assert_unchanged(); /* no result field: nothing is written back */
	assert_quiet();
	return release_stderr(buf, max);
}

START_TEST(test_strace_off)
{
	struct nanvix_hc_strace t = { .cr3 = pt.cr3, .nr = 1, .args = { 1, UBUF, 4 }, .ret = 4 };
	char buf[600];

	put(UBUF_PA, "data", 4);
	ck_assert_uint_eq(do_strace(&t, false, buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(test_strace_on)
{
	struct nanvix_hc_strace t = { .cr3 = pt.cr3, .nr = 1, .args = { 1, UBUF, 4 }, .ret = 4 };
	char buf[600];

	put(UBUF_PA, "data", 4);
	ck_assert_uint_gt(do_strace(&t, true, buf, sizeof(buf)), 0);
	ck_assert_msg(strstr(buf, "write(1, \"data\", 4) = 4\n"), "traced: %s", buf);
}
END_TEST

START_TEST(test_strace_hostile)
{
	struct nanvix_hc_strace t;
	char buf[2048];
	size_t n;
	unsigned nr;

	/* Every field hostile: at most one line of at most 511 bytes, nothing else. */
	memset(&t, 0xff, sizeof(t));
	n = do_strace(&t, true, buf, sizeof(buf));
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_lt(n, 512);
	ck_assert_int_eq(buf[n - 1], '\n');
	ck_assert_ptr_eq(strchr(buf, '\n'), buf + n - 1);
	/* Known calls with pointers into unmapped, supervisor and kernel memory. */
	for (nr = 0; nr < 340; nr++) {
		static const uint64_t bad[] = { UKERN, 0xffff800000000000ull + UBUF_PA,
			                        UBUF + 4 * PAGE - 1 };
		unsigned k;

		for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			memset(&t, 0, sizeof(t));
			t.cr3 = pt.cr3;
			t.nr = nr;
			for (unsigned a = 0; a < 6; a++)
				t.args[a] = a % 2 ? UINT64_MAX : bad[k];
			t.ret = nr % 3 ? 1 << 20 : -14;
			n = do_strace(&t, true, buf, sizeof(buf));
			ck_assert_uint_lt(n, 512);
			ck_assert_int_eq(buf[n - 1], '\n');
		}
	}
}
END_TEST

/* ---- RANDOM, SLEEP ---- */

static int64_t do_random(uint64_t buf, uint64_t len)
{
	struct nanvix_hc_random a = { .cr3 = pt.cr3, .buf = buf, .len = len, .ret = 77 };
	struct nanvix_hc_random *g = gpa(ARG);

	put(ARG, &a, sizeof(a));
	snapshot();
	resume(NANVIX_HC_RANDOM, ARG);
	return g->ret;
}

START_TEST(test_random_valid)
{
	uint8_t *p = gpa(UBUF_PA + 8);
	unsigned i, zero = 0;

	ck_assert_int_eq(do_random(UBUF + 8, 64), 64);
	/* Only the buffer and ret changed; the buffer is not left zero. */
	memcpy(before + UBUF_PA + 8, p, 64);
	assert_unchanged_but(ARG + offsetof(struct nanvix_hc_random, ret), 8);
	for (i = 0; i < 64; i++)
		zero += p[i] == 0;
	ck_assert_uint_lt(zero, 64);
	/* Across discontiguous frames, and nothing for length 0. */
	ck_assert_int_eq(do_random(UDISC + PAGE - 4, 8), 8);
	ck_assert_int_eq(do_random(UNMAPPED, 0), 0);
	assert_unchanged_but(ARG + offsetof(struct nanvix_hc_random, ret), 8);
	assert_quiet();
}
END_TEST

START_TEST(test_random_efault)
{
	static const uint64_t bad[] = { URO,
		                        UKERN,
		                        UNMAPPED,
		                        UBUF + 4 * PAGE - 4,
		                        0xffff800000000000ull + UBUF_PA,
		                        UINT64_MAX - 3 };
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(do_random(bad[i], 8), -EFAULT);
		assert_unchanged_but(ARG + offsetof(struct nanvix_hc_random, ret), 8);
	}
}
END_TEST

START_TEST(test_random_clamped)
{
	uint64_t va = 0x10000000ull;
	unsigned i;

	/* 300 writable pages on two frames: a huge request fills 1 MiB, no more. */
	for (i = 0; i < 300; i++)
		ck_assert_int_eq(
		        gpt_map(&pt, va + i * PAGE, i & 1 ? UDISC_PA1 : UDISC_PA0, GPT_URW, 0), 0);
	ck_assert_int_eq(do_random(va, UINT64_MAX), NANVIX_HC_RANDOM_MAX);
}
END_TEST

static int64_t do_sleep(uint64_t ns)
{
	struct nanvix_hc_sleep a = { .ns = ns, .ret = 77 };
	struct nanvix_hc_sleep *g = gpa(ARG);

	put(ARG, &a, sizeof(a));
	snapshot();
	resume(NANVIX_HC_SLEEP, ARG);
	assert_unchanged_but(ARG + offsetof(struct nanvix_hc_sleep, ret), 8);
	return g->ret;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

START_TEST(test_sleep)
{
	double t0;

	ck_assert_int_eq(do_sleep(0), 0);
	t0 = now();
	ck_assert_int_eq(do_sleep(20000000), 0); /* 20 ms */
	ck_assert(now() - t0 >= 0.019);
	/* A guest asking for ever gets at most NANVIX_HC_SLEEP_MAX_NS per call. */
	t0 = now();
	ck_assert_int_eq(do_sleep(UINT64_MAX), 0);
	ck_assert_msg(now() - t0 < NANVIX_HC_SLEEP_MAX_NS / 1e9 + 0.5, "slept %.3f s", now() - t0);
	assert_quiet();
}
END_TEST

/* A forwarded signal is posted: READ and SLEEP return -EINTR at once, once. */
START_TEST(test_signal_posted)
{
	double t0;

	ck_assert_int_eq(write(in_wr, "in", 2), 2);
	vm.sig_posted = true;
	ck_assert_int_eq(do_read(UBUF, 2, true), -EINTR);
	ck_assert(!vm.sig_posted);
	ck_assert_int_eq(do_read(UBUF, 2, true), 2); /* stdin was left alone */
	vm.sig_posted = true;
	t0 = now();
	ck_assert_int_eq(do_sleep(NANVIX_HC_SLEEP_MAX_NS), -EINTR);
	ck_assert(now() - t0 < 0.5);
	ck_assert(!vm.sig_posted);
	assert_quiet();
}
END_TEST

/* ---- TTY: terminal ioctls on console streams ---- */

static int64_t do_tty(uint32_t fd, uint32_t req, uint64_t arg)
{
	struct nanvix_hc_tty a = { .cr3 = pt.cr3, .arg = arg, .fd = fd, .req = req, .ret = 77 };
	struct nanvix_hc_tty *g = gpa(ARG);

	put(ARG, &a, sizeof(a));
	snapshot();
	resume(NANVIX_HC_TTY, ARG);
	return g->ret;
}

/* No terminal: every stream and request is ENOTTY, and nothing else changes. */
START_TEST(test_tty_none)
{
	static const uint32_t reqs[] = { LINUX_TCGETS,  LINUX_TCSETS,     LINUX_TCSETSW,
		                         LINUX_TCSETSF, LINUX_TIOCGWINSZ, 0,
		                         0x5414,        UINT32_MAX };
	unsigned i, fd;

	for (fd = 0; fd < 5; fd++)
		for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
			ck_assert_int_eq(do_tty(fd, reqs[i], UBUF), -ENOTTY);
			assert_unchanged_but(ARG + offsetof(struct nanvix_hc_tty, ret), 8);
		}
	assert_quiet();
}
END_TEST

/* Stream 1 on a pseudo-terminal: the requests act on it, arguments are checked. */
START_TEST(test_tty_pty)
{
	struct linux_winsize ws = { .ws_row = 24, .ws_col = 80 }, *got = gpa(UBUF_PA);
	struct linux_termios t, *gt = gpa(UBUF_PA);
	static const uint64_t bad[] = { URO, UKERN, UNMAPPED, UBUF + 4 * PAGE - 4, UINT64_MAX - 3 };
	int master = posix_openpt(O_RDWR | O_NOCTTY), slave;
	unsigned i;

	ck_assert_int_ge(master, 0);
	ck_assert_int_eq(grantpt(master), 0);
	ck_assert_int_eq(unlockpt(master), 0);
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	ck_assert_int_ge(slave, 0);
	ck_assert_int_eq(ioctl(master, TIOCSWINSZ, &ws), 0);
	vm.tty.fd[1] = slave;
	vm.tty.mask = 1u << 1;
	ck_assert_int_eq(ioctl(slave, TCGETS, &vm.tty.orig[1]), 0);
	ck_assert(vm.tty.orig[1].c_lflag & 010); /* ECHO */

	ck_assert_int_eq(do_tty(0, LINUX_TCGETS, UBUF), -ENOTTY);
	ck_assert_int_eq(do_tty(2, LINUX_TIOCGWINSZ, UBUF), -ENOTTY);
	ck_assert_int_eq(do_tty(1, 0x5414, UBUF), -ENOTTY); /* TIOCSWINSZ: not served */
	ck_assert_int_eq(do_tty(1, LINUX_TIOCGWINSZ, UBUF), 0);
	ck_assert_uint_eq(got->ws_row, 24);
	ck_assert_uint_eq(got->ws_col, 80);
	ck_assert_int_eq(do_tty(1, LINUX_TCGETS, UBUF), 0);
	ck_assert(gt->c_lflag & 010);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(do_tty(1, LINUX_TCGETS, bad[i]), -EFAULT);
		ck_assert_int_eq(do_tty(1, LINUX_TIOCGWINSZ, bad[i]), -EFAULT);
	}
	ck_assert_int_eq(do_tty(1, LINUX_TCSETS, UKERN), -EFAULT);
	ck_assert_int_eq(do_tty(1, LINUX_TCSETS, UNMAPPED), -EFAULT);
	ck_assert(!vm.tty.changed);

	/* Echo off from user memory (a read-only page will do), then restored. */
	t = vm.tty.orig[1];
	t.c_lflag &= ~010u;
	put(URO_PA, &t, sizeof(t));
	ck_assert_int_eq(do_tty(1, LINUX_TCSETSW, URO), 0);
	ck_assert_int_eq(ioctl(slave, TCGETS, &t), 0);
	ck_assert(!(t.c_lflag & 010));
	ck_assert_uint_eq(vm.tty.changed, 1u << 1);
	tty_restore(&vm);
	ck_assert_int_eq(ioctl(slave, TCGETS, &t), 0);
	ck_assert(t.c_lflag & 010);
	ck_assert_int_eq(do_tty(1, LINUX_TCGETS, UBUF), -ENOTTY); /* gone with the VM */
	close(slave);
	close(master);
	assert_quiet();
}
END_TEST

/* ---- the argument address and the port ---- */

static const uint16_t ports[] = { NANVIX_HC_EXIT,   NANVIX_HC_LOG,    NANVIX_HC_WRITE,
	                          NANVIX_HC_WRITEV, NANVIX_HC_READ,   NANVIX_HC_FRAMES_SCRUB,
	                          NANVIX_HC_PANIC,  NANVIX_HC_STRACE, NANVIX_HC_RANDOM,
	                          NANVIX_HC_SLEEP,  NANVIX_HC_TTY };
static const size_t sizes[] = {
	sizeof(struct nanvix_hc_exit),   sizeof(struct nanvix_hc_log),
	sizeof(struct nanvix_hc_write),  sizeof(struct nanvix_hc_writev),
	sizeof(struct nanvix_hc_read),   sizeof(struct nanvix_hc_frames_scrub),
	sizeof(struct nanvix_hc_log),    sizeof(struct nanvix_hc_strace),
	sizeof(struct nanvix_hc_random), sizeof(struct nanvix_hc_sleep),
	sizeof(struct nanvix_hc_tty),
};

/* Fill guest RAM with a struct that would be valid (and act) if served at `at`. */
static void plant(uint16_t port, uint64_t at)
{
	union nanvix_hc_args u;
	uint64_t room = MEM_SIZE - at < sizeof(u) ? MEM_SIZE - at : sizeof(u);

	memset(&u, 0, sizeof(u));
	switch (port) {
	case NANVIX_HC_EXIT: u.exit.status = 7; break;
	case NANVIX_HC_LOG:
	case NANVIX_HC_PANIC: u.log.buf = UBUF_PA, u.log.len = 4; break;
	case NANVIX_HC_WRITE: u.write = (struct nanvix_hc_write){ pt.cr3, UBUF, 4, 1, 0, 0 }; break;
	case NANVIX_HC_WRITEV: u.writev = (struct nanvix_hc_writev){ pt.cr3, UBUF, 1, 1, 0 }; break;
	case NANVIX_HC_READ: u.read = (struct nanvix_hc_read){ pt.cr3, UBUF + 64, 4, 0 }; break;
	case NANVIX_HC_FRAMES_SCRUB: u.scrub.pfns = PFNS, u.scrub.count = 1; break;
	case NANVIX_HC_RANDOM:
		u.random = (struct nanvix_hc_random){ pt.cr3, UBUF + 64, 4, 0 };
		break;
	case NANVIX_HC_SLEEP: u.sleep.ns = 1; break;
	case NANVIX_HC_TTY:
		u.tty = (struct nanvix_hc_tty){ pt.cr3, UBUF + 64, 1, LINUX_TCGETS, 0 };
		break;
	case NANVIX_HC_STRACE:
		u.strace =
		        (struct nanvix_hc_strace){ .cr3 = pt.cr3, .nr = 1, .args = { 1, UBUF, 4 } };
		break;
	}
	if (at < MEM_SIZE)
		memcpy(gpa(at), &u, room);
}

START_TEST(test_bad_arg_address)
{
	uint16_t port = ports[_i];
	size_t size = sizes[_i];
	const uint64_t bad[] = {
		MEM_SIZE, /* just past RAM */
		MEM_SIZE + 8,
		MEM_SIZE - 8,        /* straddles the end */
		MEM_SIZE - size + 8, /* straddles by 8 bytes */
		0xfffffff8u,
		0xffffffffu,
		ARG + 1, /* misaligned */
		ARG + 4,
		ARG + 6,
		MEM_SIZE - size - 4, /* inside but misaligned */
	};
	uint32_t pfn = SCRUB_FIRST;
	unsigned i;

	/* Stdin, a user buffer and a pfn list that a served call would consume. */
	put(UBUF_PA, "data", 4);
	put_iov(UBUF_PA, UBUF + 64, 4);
	put_pfns(&pfn, 1);
	ck_assert_int_eq(write(in_wr, "in", 2), 2);
	vm.strace = true; /* a served STRACE would print */
	vm.strace_fd = STDERR_FILENO;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char traced[64];

		plant(port, bad[i] & ~7ull);
		plant(port, bad[i]);
		snapshot();
		nerrors = 0;
		capture_stderr();
		stops(port, bad[i], NANVIXD_EXIT_GUEST);
		ck_assert_msg(release_stderr(traced, sizeof(traced)) == 0, "traced: %s", traced);
		ck_assert_int_eq(nerrors, 1);
		ck_assert_msg(strstr(last_error, "bad argument address"), "error: %s", last_error);
		ck_assert(!vm.have_stats);
		assert_unchanged();
		assert_quiet();
	}
	{
		char rest[8];

		ck_assert_uint_eq(drain(vm.in_fd, rest, sizeof(rest)), 2);
	}
}
END_TEST

START_TEST(test_unknown_port)
{
	/*
	 * Outside the hypercall range.  Free slots inside it (0x500 + n) are
	 * left to their future owners.
	 */
	static const uint16_t bad[] = { 0,     0x80,  0x3f8, 0x4fe, 0x4ff, 0x513,
		                        0x51f, 0x520, 0x5ff, 0x600, 0xffff };
	unsigned i;

	plant(NANVIX_HC_EXIT, ARG);
	snapshot();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(vm_hypercall(&vm, bad[i], ARG), -1);
		ck_assert_int_eq(vm_hypercall(&vm, bad[i], 0xffffffffu), -1);
		ck_assert(!vm.done);
	}
	/* Not reported here: the run loop names the port. */
	ck_assert_int_eq(nerrors, 0);
	assert_unchanged();
	assert_quiet();
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("monitor/hypercall");
	TCase *dispatch = tcase_create("dispatch");
	TCase *write_ = tcase_create("write");
	TCase *read_ = tcase_create("read");
	TCase *scrub = tcase_create("frames_scrub");
	TCase *log = tcase_create("log_exit");

	tcase_add_checked_fixture(dispatch, setup, teardown);
	tcase_add_loop_test(dispatch, test_bad_arg_address, 0, sizeof(ports) / sizeof(ports[0]));
	tcase_add_test(dispatch, test_unknown_port);
	suite_add_tcase(s, dispatch);

	tcase_add_checked_fixture(write_, setup, teardown);
	tcase_add_test(write_, test_write_valid);
	tcase_add_test(write_, test_write_discontiguous);
	tcase_add_test(write_, test_write_bad_fd);
	tcase_add_test(write_, test_write_efault);
	tcase_add_test(write_, test_write_bad_cr3);
	tcase_add_test(write_, test_write_lengths);
	tcase_add_test(write_, test_write_epipe);
	tcase_add_test(write_, test_write_too_many_runs);
	tcase_add_test(write_, test_write_arg_at_end_of_ram);
	tcase_add_test(write_, test_writev_valid);
	tcase_add_test(write_, test_writev_iov_across_pages);
	tcase_add_test(write_, test_writev_bad_fd);
	tcase_add_test(write_, test_writev_iovcnt);
	tcase_add_test(write_, test_writev_iov_efault);
	tcase_add_test(write_, test_writev_buf_efault);
	tcase_add_test(write_, test_writev_too_many_runs);
	suite_add_tcase(s, write_);

	tcase_add_checked_fixture(read_, setup, teardown);
	tcase_add_test(read_, test_read_valid);
	tcase_add_test(read_, test_read_efault);
	suite_add_tcase(s, read_);

	tcase_add_checked_fixture(scrub, setup, teardown);
	tcase_add_test(scrub, test_scrub_valid);
	tcase_add_test(scrub, test_scrub_last_frame);
	tcase_add_test(scrub, test_scrub_pfn_outside);
	tcase_add_test(scrub, test_scrub_bad_array);
	tcase_add_test(scrub, test_scrub_array_in_listed_frame);
	tcase_add_test(scrub, test_scrub_zero_fallback);
	suite_add_tcase(s, scrub);

	tcase_add_checked_fixture(log, setup, teardown);
	tcase_add_test(log, test_log_valid);
	tcase_add_test(log, test_log_bad);
	tcase_add_test(log, test_panic);
	tcase_add_test(log, test_exit);
	tcase_add_test(log, test_mm_wx);
	tcase_add_test(log, test_timer);
	tcase_add_test(log, test_copy_valid);
	tcase_add_test(log, test_copy_bad);
	tcase_add_test(log, test_strace_off);
	tcase_add_test(log, test_strace_on);
	tcase_add_test(log, test_strace_hostile);
	tcase_add_test(log, test_random_valid);
	tcase_add_test(log, test_random_efault);
	tcase_add_test(log, test_random_clamped);
	tcase_add_test(log, test_sleep);
	tcase_add_test(log, test_signal_posted);
	tcase_add_test(log, test_tty_none);
	tcase_add_test(log, test_tty_pty);
	suite_add_tcase(s, log);
	return s;
}
