/* sysfuzz: a guest program that makes random system calls with hostile arguments. */
/*
 * Built static with musl and run inside nanvixd by tests/fuzz/syscalls.sh.
 * The program may die; the kernel must not.  The parent process only forks
 * batches and waits: each batch runs in its own child (its own process
 * group), which issues up to --calls random calls through a raw `syscall`
 * instruction and then exits.  A batch that faults goes on (a SIGSEGV/SIGBUS
 * handler jumps back to the loop), one killed by a signal is counted, one
 * still running after --deadline milliseconds is killed with its group.
 *
 * Everything a batch does follows from (seed, batch number): its generator
 * is seeded from both, so `sysfuzz -v --batch B SEED` replays batch B alone
 * (without what earlier batches left in the kernel), `sysfuzz -v -n B+1
 * SEED` replays the run up to it and `--first A -n B+1` batches A to B.  With -v every call is printed before it
 * is made (number, name, six arguments) and its result after.
 *
 * Arguments come from pools of values that break careless checks: boundary
 * integers, huge and negative lengths, NULL, unaligned and unmapped user
 * pointers, kernel-half and non-canonical addresses, the vvar page, a
 * string that runs into an unmapped page, pointers into a buffer of random
 * words, valid and invalid fds.  Calls are the Linux x86-64 ones the kernel
 * serves (kernel/include/sys/syscall.h), some it does not serve, and numbers
 * out of range.  Besides single calls a batch may: fork a grandchild that
 * fuzzes a few calls concurrently, forge an rt_sigreturn frame in a
 * grandchild, make a call with RFLAGS.DF set, fault with DF set, load,
 * store or jump to a hostile address itself ([probe]), or start a
 * CLONE_THREAD sibling that makes 30 non-blocking calls alongside.
 *
 * Calls that would only end or stop the fuzzer are left out or contained:
 * exit and exit_group are never drawn; fork, vfork and clone children exit
 * at once (in the same asm block); kill, tkill and tgkill send fatal
 * signals only inside the batch's own process group (and to -1, which
 * Linux never lets reach process 1 or the caller); setpgid never joins
 * the parent's group; prlimit64 changes limits only of the batch; calls
 * that can block run with a 50 ms one-shot ITIMER_REAL (a no-op SIGALRM
 * handler, no SA_RESTART); execve never names this program.
 *
 * So, by Linux's rules, the parent (process 1 of the VM) can only get
 * SIGCHLD and the harmless signals contain_kill lets through.  It catches
 * every other catchable signal, and one that arrives is a kernel bug or a
 * hole in the containment: the parent reports it (signal, si_code, si_pid,
 * the batch running), waits for that batch and stops with status 4.
 *
 * --avoid LIST (comma-separated) leaves out call names (e.g. munmap) and
 * these argument classes, each tied to a kernel bug being fixed:
 *   hugelen    munmap/mprotect lengths above 16 MiB (per-page loops in ring 0)
 *   tinytimer  setitimer intervals below 1 ms (a 1 us period livelocks)
 *   hugetimer  setitimer times of 2^33 s and more (tv_sec * 10^9 overflows)
 *   fastcall   any value in the fast-call page 0xffffff0000000000 (+4 KiB)
 *   df         RFLAGS.DF set at a call or a fault
 *   exitsig    clone exit signals other than SIGCHLD (a CLONE_PARENT child's,
 *              or an orphan's, reaches the parent)
 *   sigreturn  forged rt_sigreturn frames
 *   fork       fork-and-fuzz grandchildren
 * --only LIST restricts the single calls to the names listed.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE           4096ul
#define POOL_PAGES     16ul
#define POOL_SIZE      (POOL_PAGES * PAGE)
#define ARENA_PAGES    64ul
#define REPORT_FD      62 /* the parent's stderr, kept from the batches' fuzzed calls */
#define FASTCALL       0xffffff0000000000ul
#define ARCH_SET_FS_NR 0x1002
#define ARCH_GET_FS_NR 0x1003

/* Argument kinds. */
enum kind {
	K_NONE,
	K_ANY,     /* any pool value */
	K_INT,     /* boundary integers, small numbers */
	K_FD,      /* open fds, bad fds */
	K_BUF,     /* a buffer the kernel reads or writes (mostly in the pool) */
	K_STRUCT,  /* a pointer to random words (structs, arrays, timespecs) */
	K_LEN,     /* sizes */
	K_PATH,    /* strings and bad pointers */
	K_PID,     /* own pid, parent, 0, -1, bogus */
	K_SIG,     /* signal numbers */
	K_ADDR,    /* addresses for mmap/munmap/mprotect/brk */
	K_FLAGS,   /* bit patterns */
	K_ITIMER,  /* struct itimerval */
	K_TIMEOUT, /* small timeouts (poll ms) */
};

/* Call flags. */
#define F_BLOCK 0x1 /* may block: run under a 50 ms timer */
#define F_FORK  0x2 /* creates a process or thread: the child exits at once */
#define F_KILL  0x4 /* sends a signal: contain the target */
#define F_MM    0x8 /* munmap/mprotect: hugelen applies to the length */

struct call {
	long nr;
	const char *name;
	unsigned char arg[6];
	unsigned flags;
};

/* Pseudo numbers for compound operations. */
#define OP_FORK_FUZZ (-100)
#define OP_SIGRETURN (-101)
#define OP_DF_FAULT  (-102)
#define OP_PROBE     (-103)
#define OP_THREAD    (-104)

#define C(n, f, ...)                            \
	{                                       \
		SYS_##n, #n, { __VA_ARGS__ }, f \
	}
#define RAW(nr, nm, f, ...)                \
	{                                  \
		nr, nm, { __VA_ARGS__ }, f \
	}

static const struct call calls[] = {
	C(read, F_BLOCK, K_FD, K_BUF, K_LEN),
	C(write, F_BLOCK, K_FD, K_BUF, K_LEN),
	C(open, 0, K_PATH, K_FLAGS, K_INT),
	C(close, 0, K_FD),
	C(stat, 0, K_PATH, K_BUF),
	C(fstat, 0, K_FD, K_BUF),
	C(lstat, 0, K_PATH, K_BUF),
	C(poll, F_BLOCK, K_STRUCT, K_INT, K_TIMEOUT),
	C(lseek, 0, K_FD, K_INT, K_INT),
	C(mmap, 0, K_ADDR, K_LEN, K_FLAGS, K_FLAGS, K_FD, K_INT),
	C(mprotect, F_MM, K_ADDR, K_LEN, K_FLAGS),
	C(munmap, F_MM, K_ADDR, K_LEN),
	C(brk, 0, K_ADDR),
	C(rt_sigaction, 0, K_SIG, K_STRUCT, K_BUF, K_LEN),
	C(rt_sigprocmask, 0, K_INT, K_STRUCT, K_BUF, K_LEN),
	C(ioctl, 0, K_FD, K_INT, K_BUF),
	C(pread64, F_BLOCK, K_FD, K_BUF, K_LEN, K_INT),
	C(pwrite64, F_BLOCK, K_FD, K_BUF, K_LEN, K_INT),
	C(readv, F_BLOCK, K_FD, K_STRUCT, K_INT),
	C(writev, F_BLOCK, K_FD, K_STRUCT, K_INT),
	C(access, 0, K_PATH, K_INT),
	C(pipe, 0, K_BUF),
	C(sched_yield, 0),
	C(dup, 0, K_FD),
	C(dup2, 0, K_FD, K_FD),
	C(pause, F_BLOCK),
	C(nanosleep, F_BLOCK, K_STRUCT, K_BUF),
	C(getitimer, 0, K_INT, K_BUF),
	C(alarm, 0, K_INT),
	C(setitimer, 0, K_INT, K_ITIMER, K_BUF),
	C(getpid, 0),
	C(clone, F_FORK, K_FLAGS, K_ADDR, K_BUF, K_BUF, K_ANY),
	C(fork, F_FORK),
	C(vfork, F_FORK),
	C(execve, 0, K_PATH, K_STRUCT, K_STRUCT),
	C(wait4, F_BLOCK, K_PID, K_BUF, K_FLAGS, K_BUF),
	C(kill, F_KILL, K_PID, K_SIG),
	C(uname, 0, K_BUF),
	C(fcntl, 0, K_FD, K_INT, K_ANY),
	C(fsync, 0, K_FD),
	C(fdatasync, 0, K_FD),
	C(truncate, 0, K_PATH, K_INT),
	C(ftruncate, 0, K_FD, K_INT),
	C(getcwd, 0, K_BUF, K_LEN),
	C(chdir, 0, K_PATH),
	C(fchdir, 0, K_FD),
	C(rename, 0, K_PATH, K_PATH),
	C(mkdir, 0, K_PATH, K_INT),
	C(rmdir, 0, K_PATH),
	C(creat, 0, K_PATH, K_INT),
	C(link, 0, K_PATH, K_PATH),
	C(unlink, 0, K_PATH),
	C(symlink, 0, K_PATH, K_PATH),
	C(readlink, 0, K_PATH, K_BUF, K_LEN),
	C(chmod, 0, K_PATH, K_INT),
	C(fchmod, 0, K_FD, K_INT),
	C(umask, 0, K_INT),
	C(gettimeofday, 0, K_BUF, K_BUF),
	C(getrlimit, 0, K_INT, K_BUF),
	C(sysinfo, 0, K_BUF),
	C(getuid, 0),
	C(getgid, 0),
	C(geteuid, 0),
	C(getegid, 0),
	C(setpgid, 0, K_PID, K_PID),
	C(getppid, 0),
	C(getpgrp, 0),
	C(setsid, 0),
	C(getpgid, 0, K_PID),
	C(getsid, 0, K_PID),
	C(rt_sigpending, 0, K_BUF, K_LEN),
	C(rt_sigsuspend, F_BLOCK, K_STRUCT, K_LEN),
	C(sigaltstack, 0, K_STRUCT, K_BUF),
	C(statfs, 0, K_PATH, K_BUF),
	C(fstatfs, 0, K_FD, K_BUF),
	C(arch_prctl, 0, K_INT, K_ANY),
	C(setrlimit, 0, K_INT, K_STRUCT),
	C(gettid, 0),
	C(tkill, F_KILL, K_PID, K_SIG),
	C(time, 0, K_BUF),
	C(futex, F_BLOCK, K_BUF, K_INT, K_INT, K_STRUCT, K_BUF, K_INT),
	C(set_tid_address, 0, K_BUF),
	C(getdents64, 0, K_FD, K_BUF, K_LEN),
	C(clock_gettime, 0, K_INT, K_BUF),
	C(clock_getres, 0, K_INT, K_BUF),
	C(clock_nanosleep, F_BLOCK, K_INT, K_FLAGS, K_STRUCT, K_BUF),
	C(tgkill, F_KILL, K_PID, K_PID, K_SIG),
	C(openat, 0, K_FD, K_PATH, K_FLAGS, K_INT),
	C(mkdirat, 0, K_FD, K_PATH, K_INT),
	C(newfstatat, 0, K_FD, K_PATH, K_BUF, K_FLAGS),
	C(unlinkat, 0, K_FD, K_PATH, K_FLAGS),
	C(renameat, 0, K_FD, K_PATH, K_FD, K_PATH),
	C(linkat, 0, K_FD, K_PATH, K_FD, K_PATH, K_FLAGS),
	C(symlinkat, 0, K_PATH, K_FD, K_PATH),
	C(readlinkat, 0, K_FD, K_PATH, K_BUF, K_LEN),
	C(fchmodat, 0, K_FD, K_PATH, K_INT, K_FLAGS),
	C(faccessat, 0, K_FD, K_PATH, K_INT, K_FLAGS),
	C(ppoll, F_BLOCK, K_STRUCT, K_INT, K_STRUCT, K_STRUCT, K_LEN),
	C(set_robust_list, 0, K_BUF, K_LEN),
	C(utimensat, 0, K_FD, K_PATH, K_STRUCT, K_FLAGS),
	C(dup3, 0, K_FD, K_FD, K_FLAGS),
	C(pipe2, 0, K_BUF, K_FLAGS),
	C(prlimit64, F_KILL, K_PID, K_INT, K_STRUCT, K_BUF),
	C(renameat2, 0, K_FD, K_PATH, K_FD, K_PATH, K_FLAGS),
	C(getrandom, 0, K_BUF, K_LEN, K_FLAGS),
	C(statx, 0, K_FD, K_PATH, K_FLAGS, K_FLAGS, K_BUF),
	C(faccessat2, 0, K_FD, K_PATH, K_INT, K_FLAGS),
	C(select, F_BLOCK, K_INT, K_BUF, K_BUF, K_BUF, K_STRUCT),
	C(pselect6, F_BLOCK, K_INT, K_BUF, K_BUF, K_BUF, K_STRUCT, K_STRUCT),
	C(epoll_create, 0, K_INT),
	C(epoll_create1, 0, K_FLAGS),
	C(epoll_ctl, 0, K_FD, K_INT, K_FD, K_STRUCT),
	C(epoll_wait, F_BLOCK, K_FD, K_BUF, K_INT, K_TIMEOUT),
	C(epoll_pwait, F_BLOCK, K_FD, K_BUF, K_INT, K_TIMEOUT, K_STRUCT, K_LEN),
	C(epoll_pwait2, F_BLOCK, K_FD, K_BUF, K_INT, K_STRUCT, K_STRUCT, K_LEN),
	C(eventfd, 0, K_INT),
	C(eventfd2, 0, K_INT, K_FLAGS),
	C(socketpair, 0, K_INT, K_INT, K_INT, K_BUF),
	C(sendto, F_BLOCK, K_FD, K_BUF, K_LEN, K_FLAGS, K_STRUCT, K_LEN),
	C(recvfrom, F_BLOCK, K_FD, K_BUF, K_LEN, K_FLAGS, K_BUF, K_BUF),
	C(sendmsg, F_BLOCK, K_FD, K_STRUCT, K_FLAGS),
	C(recvmsg, F_BLOCK, K_FD, K_STRUCT, K_FLAGS),
	C(shutdown, 0, K_FD, K_INT),
	C(getsockopt, 0, K_FD, K_INT, K_INT, K_BUF, K_BUF),
	C(setsockopt, 0, K_FD, K_INT, K_INT, K_STRUCT, K_LEN),
	C(getsockname, 0, K_FD, K_BUF, K_BUF),
	C(getpeername, 0, K_FD, K_BUF, K_BUF),
	C(socket, 0, K_INT, K_FLAGS, K_INT),
	C(bind, 0, K_FD, K_STRUCT, K_LEN),
	C(listen, 0, K_FD, K_INT),
	C(accept, F_BLOCK, K_FD, K_BUF, K_BUF),
	C(accept4, F_BLOCK, K_FD, K_BUF, K_BUF, K_FLAGS),
	C(connect, F_BLOCK, K_FD, K_STRUCT, K_LEN),
	/* Not served: must fail with ENOSYS and nothing else. */
	C(mremap, 0, K_ADDR, K_LEN, K_LEN, K_FLAGS, K_ADDR),
	C(madvise, 0, K_ADDR, K_LEN, K_INT),
	C(ptrace, 0, K_INT, K_PID, K_ADDR, K_ANY),
	C(mount, 0, K_PATH, K_PATH, K_PATH, K_FLAGS, K_BUF),
	C(reboot, 0, K_INT, K_INT, K_INT, K_BUF),
	C(process_vm_readv, 0, K_PID, K_STRUCT, K_INT, K_STRUCT, K_INT, K_FLAGS),
	C(memfd_create, 0, K_PATH, K_FLAGS),
	C(io_uring_setup, 0, K_INT, K_BUF),
	C(clone3, F_FORK, K_STRUCT, K_LEN),
	/* Numbers out of the table, and served numbers with high bits set. */
	RAW(512, "nr512", 0, K_ANY, K_ANY, K_ANY),
	RAW(1000, "nr1000", 0, K_ANY, K_ANY, K_ANY),
	RAW(0x7fffffff, "nr0x7fffffff", 0, K_ANY),
	RAW(0x80000000l, "nr0x80000000", 0, K_ANY),
	RAW(-1, "nr-1", 0, K_ANY, K_ANY),
	RAW(0x40000000 + SYS_getpid, "x32getpid", 0),
	RAW((1l << 32) + SYS_getpid, "getpid|1<<32", 0),
	RAW((1l << 32) + SYS_read, "read|1<<32", 0, K_FD, K_BUF, K_LEN),
	RAW((long)(1ul << 63) + SYS_write, "write|1<<63", 0, K_FD, K_BUF, K_LEN),
	RAW((1l << 32) + SYS_clock_gettime, "clock_gettime|1<<32", 0, K_INT, K_BUF),
	/* Compound operations. */
	RAW(OP_FORK_FUZZ, "[fork+fuzz]", 0),
	RAW(OP_SIGRETURN, "[sigreturn]", 0),
	RAW(OP_DF_FAULT, "[std+fault]", 0),
	RAW(OP_PROBE, "[probe]", 0, K_ADDR),
	RAW(OP_THREAD, "[thread]", 0),
};
#define NCALLS (sizeof(calls) / sizeof(calls[0]))

/* Options. */
static unsigned long opt_seed;
static long opt_batches = -1, opt_only_batch = -1, opt_first;
static long opt_calls = 200, opt_deadline_ms = 2000;
static double opt_seconds;
static int opt_verbose;
static int opt_progress;
static unsigned char avoided[NCALLS], only_set[NCALLS];
static int have_only;
static int avoid_hugelen, avoid_tinytimer, avoid_fastcall, avoid_df, avoid_hugetimer;
static int avoid_exitsig;

/* Memory the calls point into: the pool (random words, a guard page after
 * it), the arena (for mmap/munmap/mprotect), the long path. */
static unsigned char *pool, *guard, *arena;
static char longpath[5000];
static const char *self_name;

/* Batch state. */
static uint64_t rng;
static int batch_pid, parent_pid, parent_pgid, nested;
static long fds[16];
static int nfds;
static sigjmp_buf fault_jmp;
static volatile int faults;
static unsigned long fsbase;
static volatile int thread_tid[2]; /* [thread] tids, cleared by the kernel at their exit */
static int signals_dirty;          /* a fuzzed call may have blocked or retargeted SIGALRM */
static long ncalls_done, nerrors;

static uint64_t next(void)
{
	/* splitmix64: every seed gives a full-period, well-mixed stream. */
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return n ? next() % n : 0;
}

static int chance(unsigned percent)
{
	return below(100) < percent;
}

#define PICK(a) ((a)[below(sizeof(a) / sizeof((a)[0]))])

/* The raw call: no errno, no libc wrapper, result as the kernel gave it. */
static long sys6(long nr, const long *a, int df)
{
	register long r10 __asm__("r10") = a[3];
	register long r8 __asm__("r8") = a[4];
	register long r9 __asm__("r9") = a[5];
	long ret;

	if (df)
		__asm__ volatile("std\n\tsyscall\n\tcld"
		                 : "=a"(ret)
		                 : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8),
		                   "r"(r9)
		                 : "rcx", "r11", "memory", "cc");
	else
		__asm__ volatile("syscall"
		                 : "=a"(ret)
		                 : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8),
		                   "r"(r9)
		                 : "rcx", "r11", "memory", "cc");
	return ret;
}

/* fork, vfork, clone: the child leaves in the same asm block, before it
 * touches its stack (which vfork and clone may share with the parent). */
static long sys6_fork(long nr, const long *a)
{
	register long r10 __asm__("r10") = a[3];
	register long r8 __asm__("r8") = a[4];
	register long r9 __asm__("r9") = a[5];
	long ret;

	__asm__ volatile("syscall\n\t"
	                 "testq %%rax, %%rax\n\t"
	                 "jnz 1f\n\t"
	                 "movl $60, %%eax\n\t"
	                 "xorl %%edi, %%edi\n\t"
	                 "syscall\n\t"
	                 "ud2\n"
	                 "1:"
	                 : "=a"(ret)
	                 : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8), "r"(r9)
	                 : "rcx", "r11", "memory", "cc");
	return ret;
}

static long sys3(long nr, long a0, long a1, long a2)
{
	const long a[6] = { a0, a1, a2, 0, 0, 0 };

	return sys6(nr, a, 0);
}

/* Report to the kept stderr (fd REPORT_FD): one write, no stdio buffering. */
static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void report(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	sys3(SYS_write, REPORT_FD, (long)buf, n);
}

/* ---- Value pools ---------------------------------------------------------- */

static const uint64_t ints[] = {
	0,
	1,
	2,
	3,
	4,
	7,
	8,
	9,
	15,
	16,
	17,
	31,
	32,
	63,
	64,
	65,
	127,
	128,
	255,
	256,
	511,
	512,
	1023,
	1024,
	4095,
	4096,
	4097,
	65535,
	65536,
	0x7fffffff,
	0x80000000,
	0xffffffff,
	0x100000000,
	0x7fffffffffffffff,
	0x8000000000000000,
	~0ull,
	~1ull,
	-4095ull,
	-4096ull,
	0xffffffff80000000,
	1ull << 62,
	1ull << 47,
	1ull << 46,
};

static const uint64_t lens[] = {
	0,         1,         2,         7,          8,          15,
	16,        24,        64,        100,        128,        512,
	4095,      4096,      4097,      8192,       POOL_SIZE,  POOL_SIZE + 1,
	1ul << 20, 1ul << 30, 1ul << 31, 0x7fffffff, 0xffffffff, 1ul << 32,
	1ul << 46, 1ul << 47, 1ul << 62, 1ul << 63,  ~0ul,       -4096ul,
};

/* Kernel-half, non-canonical and edge-of-user-space addresses. */
static const uint64_t wild[] = {
	0xffff800000000000,                                         /* direct map of RAM */
	0xffff800000001000,                                         /* boot info */
	0xffff8000000ff000, 0xffffffff80000000,                     /* kernel image */
	0xffffffff80100000, 0xffffff0000000000,                     /* fast-call page (fastcall) */
	0xffffff0000000008, 0xffffff0000000ff8, 0x0000800000000000, /* first non-canonical */
	0x00007ffffffff000,                                         /* vvar page */
	0x00007ffffffffff8,                                         /* last word of user space */
	0x00007fffffffe000, 0x8000000000000000, 0xfffffffffffff000,
	0x0000000000010000,                     /* lowest user page */
	0x0000000000000fff, 0x00000000dead0000, /* unmapped */
	0x0000100000000000,
};

static int is_fastcall(uint64_t v)
{
	return v >= FASTCALL && v < FASTCALL + PAGE;
}

static uint64_t wild_addr(void)
{
	uint64_t v;

	do
		v = PICK(wild);
	while (avoid_fastcall && is_fastcall(v));
	return v;
}

static void ret_stub(void)
{
}

/* A pointer a call may use for a buffer: mostly in the pool, some bad. */
static uint64_t buf_ptr(void)
{
	switch (below(12)) {
	case 0: return 0;
	case 1: return wild_addr();
	case 2: return (uint64_t)guard;                 /* unmapped, just after the pool */
	case 3: return (uint64_t)guard - 1 - below(16); /* runs into the guard */
	case 4: return (uint64_t)arena + below(ARENA_PAGES) * PAGE + (chance(20) ? below(PAGE) : 0);
	case 5: return (uint64_t)(uintptr_t)ret_stub;           /* read-only text */
	case 6: return ((uint64_t)pool + below(POOL_SIZE)) | 1; /* odd */
	default: return (uint64_t)pool + (below(POOL_SIZE / 8) * 8);
	}
}

static uint64_t any_value(void);

/* Fill n words at p with a mix of values (iovecs, timespecs, sigactions...). */
static void fill_words(uint64_t *p, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		uint64_t *w = p + i;

		if ((unsigned char *)(w + 1) > guard)
			break;
		switch (below(6)) {
		case 0: *w = buf_ptr(); break;
		case 1: *w = PICK(lens); break;
		case 2: *w = below(1000000000); break;
		case 3: *w = below(4); break;
		default: *w = any_value(); break;
		}
		if (avoid_fastcall && is_fastcall(*w))
			*w = 0;
	}
}

static uint64_t struct_ptr(void)
{
	uint64_t p;

	if (chance(15))
		return buf_ptr();
	p = (uint64_t)pool + below(POOL_SIZE / 8 - 64) * 8;
	fill_words((uint64_t *)p, 16 + below(48));
	return p;
}

static const char *const paths[] = {
	"/tmp/f0",
	"/tmp/f1",
	"/tmp/d0",
	"/tmp/d0/f2",
	"/tmp/d0/..",
	"/tmp/../tmp/f0",
	"/tmp/l0",
	"/tmp/d0/d1",
	"/tmp/f0/",
	"/tmp",
	"/tmp/",
	"",
	"/",
	".",
	"..",
	"/nonexistent",
	"tmp/f0",
	"f0",
	"/dev/null",
	"/proc/self/exe",
	"//tmp//f1",
	"/tmp/\xff\xfe",
	"/tmp/d0/../../../..",
};

static uint64_t path_ptr(void)
{
	switch (below(10)) {
	case 0: return buf_ptr();
	case 1: return (uint64_t)longpath + below(sizeof(longpath) - 300); /* too long */
	case 2: {
		/* "/tmp/f0" ending at the guard page, with no NUL. */
		memcpy(guard - 7, "/tmp/f0", 7);
		return (uint64_t)guard - 7;
	}
	case 3: {
		/* a name of 256+ bytes */
		char *p = (char *)pool + 1024;
		memcpy(p, "/tmp/", 5);
		memset(p + 5, 'a', 250 + below(20));
		p[260 + below(10)] = 0;
		return (uint64_t)p;
	}
	default: return (uint64_t)PICK(paths);
	}
}

static uint64_t fd_value(void)
{
	static const int64_t bad[] = { -1,
		                       -100,
		                       3,
		                       4,
		                       5,
		                       63,
		                       511,
		                       512,
		                       1024,
		                       0x7fffffff,
		                       (int64_t)0x80000000,
		                       (int64_t)(1ull << 32),
		                       INT64_MIN };
	uint64_t v;

	switch (below(8)) {
	case 0: v = below(3); break;
	case 1: v = PICK(bad); break;
	case 2: v = (uint64_t)-100; break; /* AT_FDCWD */
	default: v = nfds ? (uint64_t)fds[below(nfds)] : below(3); break;
	}
	if ((int)v == REPORT_FD)
		v = 61;
	return v;
}

static uint64_t flags_value(void)
{
	switch (below(6)) {
	case 0: return 0;
	case 1: return 1ul << below(64);
	case 2: return next() & 0xffffffff;
	case 3: return ~0ul;
	case 4: return below(16);
	default: return next() & 0x1ff0ff;
	}
}

static uint64_t addr_value(void)
{
	switch (below(10)) {
	case 0: return 0;
	case 1: return wild_addr();
	case 2: return (uint64_t)arena + below(ARENA_PAGES * PAGE); /* unaligned */
	case 3: return (uint64_t)sbrk(0) + below(4) * PAGE;
	case 4: return (uint64_t)pool + below(POOL_PAGES) * PAGE;
	default: return (uint64_t)arena + below(ARENA_PAGES) * PAGE;
	}
}

static uint64_t any_value(void)
{
	switch (below(5)) {
	case 0: return PICK(lens);
	case 1: return buf_ptr();
	case 2: return next();
	default: return PICK(ints);
	}
}

static uint64_t int_value(void)
{
	return chance(70) ? PICK(ints) : below(64);
}

/* ---- The batch ------------------------------------------------------------ */

static void on_fault(int sig)
{
	(void)sig;
	if (sys3(SYS_gettid, 0, 0, 0) != batch_pid)
		sys3(SYS_exit, 0, 0, 0); /* a [thread]: it ends, the batch goes on */
	faults++;
	siglongjmp(fault_jmp, 1);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void set_handler(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigaction(sig, &sa, NULL);
}

/* A one-shot ITIMER_REAL of ms milliseconds (0 disarms). */
static void timer_ms(long ms)
{
	long it[4] = { 0, 0, ms / 1000, (ms % 1000) * 1000 };

	sys3(SYS_setitimer, 0, (long)it, 0);
}

static int in_pool(uint64_t p, uint64_t len)
{
	return p >= (uint64_t)pool && p + len <= (uint64_t)guard;
}

/* Make SIGALRM interrupt blocking calls again: our handler, unblocked. */
static void alarm_repair(void)
{
	uint64_t set = 1ul << (SIGALRM - 1);

	set_handler(SIGALRM, on_alarm, 0);
	sys6(SYS_rt_sigprocmask, (long[6]){ SIG_UNBLOCK, (long)&set, 0, 8, 0, 0 }, 0);
	signals_dirty = 0;
}

static void add_fd(long fd)
{
	if (fd >= 0 && fd != REPORT_FD) {
		if (nfds < (int)(sizeof(fds) / sizeof(fds[0])))
			fds[nfds++] = fd;
		else
			fds[below(nfds)] = fd;
	}
}

/* pid and signal for the kill family: fatal signals only inside the batch. */
static void contain_kill(const struct call *c, long *a)
{
	static const int harmless[] = { 0, SIGCHLD, SIGURG, SIGWINCH, SIGCONT, 65, -1, 1000 };
	static const int any[] = { 0,       SIGCHLD, SIGURG,  SIGWINCH, SIGCONT,
		                   SIGALRM, SIGSEGV, SIGUSR1, SIGTERM,  SIGKILL,
		                   SIGSTOP, SIGTSTP, 63,      64,       65 };
	int self = sys3(SYS_getpid, 0, 0, 0), tid = sys3(SYS_gettid, 0, 0, 0);
	int contained, *sig;

	if (c->nr == SYS_prlimit64) {
		/* Limits of other processes (the parent's) may only be read. */
		if ((int)a[0] != 0 && (int)a[0] != self)
			a[2] = 0;
		return;
	}
	if (c->nr == SYS_tgkill) {
		contained = (int)a[0] == self && (int)a[1] == tid;
		sig = (int *)&a[2];
	} else if (c->nr == SYS_tkill) {
		contained = (int)a[0] == tid;
		sig = (int *)&a[1];
	} else {
		/* kill: the batch's own group, itself, or everyone but process 1
		 * and itself (-1: Linux's rule, which the parent checks by
		 * catching what reaches it); never the parent or its group. */
		contained = ((int)a[0] == 0 && sys3(SYS_getpgrp, 0, 0, 0) == batch_pid) ||
		            (int)a[0] == self || (int)a[0] == -batch_pid || (int)a[0] == -1;
		sig = (int *)&a[1];
	}
	if (contained && chance(5))
		a[c->nr == SYS_tgkill ? 2 : 1] = (long)PICK(any);
	else if (!contained)
		a[c->nr == SYS_tgkill ? 2 : 1] =
		        harmless[below(sizeof(harmless) / sizeof(harmless[0]))];
	else if ((unsigned)*sig > 0 && (unsigned)*sig < 65 && *sig != SIGCHLD && *sig != SIGURG &&
	         *sig != SIGWINCH && *sig != SIGCONT && !chance(5))
		a[c->nr == SYS_tgkill ? 2 : 1] = 0;
}

static uint64_t pid_value(void)
{
	static const int64_t odd[] = { 0,  -1,   1, 2, 0x7fffffff, INT32_MIN, (int64_t)0x100000001,
		                       -2, 99999 };

	switch (below(5)) {
	case 0: return sys3(SYS_getpid, 0, 0, 0);
	case 1: return -(int64_t)batch_pid;
	case 2: return parent_pid;
	default: return PICK(odd);
	}
}

static void itimer_value(long *it)
{
	static const long secs[] = { 0, 0, 0, 1, -1, 0x7fffffff, INT64_MAX };
	static const long usecs[] = { 0, 1, 10, 999, 1000, 10000, 999999, 1000000, -1 };
	int i;

	for (i = 0; i < 4; i++)
		it[i] = (i & 1) ? PICK(usecs) : PICK(secs);
	for (i = 0; avoid_hugetimer && i < 4; i += 2)
		if (it[i] >= 1l << 33)
			it[i] = 1;
	if (avoid_tinytimer && it[0] == 0 && it[1] > 0 && it[1] < 1000)
		it[1] = 0; /* no periodic timer below 1 ms */
	if (it[0] == 0 && it[1] > 0 && it[1] < 1000 && !avoid_tinytimer && chance(80))
		it[1] = 0; /* keep tiny periods rare even when allowed */
}

static uint64_t arg_value(const struct call *c, int kind, int i)
{
	switch (kind) {
	case K_ANY: return any_value();
	case K_INT: return int_value();
	case K_FD: return fd_value();
	case K_BUF: return chance(85) ? (uint64_t)pool + below(POOL_SIZE / 8) * 8 : buf_ptr();
	case K_STRUCT: return struct_ptr();
	case K_LEN:
		if (c->nr == SYS_rt_sigaction || c->nr == SYS_rt_sigprocmask ||
		    c->nr == SYS_rt_sigpending || c->nr == SYS_rt_sigsuspend)
			return chance(80) ? 8 : PICK(lens);
		return chance(60) ? below(256) : PICK(lens);
	case K_PATH: return path_ptr();
	case K_PID: return pid_value();
	case K_SIG: return chance(80) ? 1 + below(64) : PICK(ints);
	case K_ADDR: return addr_value();
	case K_FLAGS: return flags_value();
	case K_ITIMER: {
		long *it = (long *)(pool + 256);

		if (chance(10) && !avoid_hugetimer)
			return buf_ptr(); /* random words: huge seconds too */
		itimer_value(it);
		return (uint64_t)it;
	}
	case K_TIMEOUT: return chance(50) ? below(20) : PICK(ints);
	}
	(void)i;
	return 0;
}

static void sigreturn_forge(void);
static void df_fault(void);
static void probe(uint64_t addr);
static void thread_spawn(void);
static void run_calls(long n);

/* [fork+fuzz]: a grandchild fuzzes concurrently; nobody waits for it. */
static void fork_fuzz(void)
{
	long pid = fork();

	if (pid == 0) {
		nested = 1;
		rng ^= 0x5bd1e995;
		run_calls(20);
		_exit(0);
	}
}

static int call_allowed(size_t i)
{
	const struct call *c = &calls[i];

	if (avoided[i])
		return 0;
	if (have_only && !only_set[i])
		return 0;
	if (nested && (c->nr == SYS_setsid || c->nr == SYS_setpgid || c->nr < 0))
		return 0; /* grandchildren stay in the group and do no compound ops */
	if ((c->nr < 0 && c->nr != OP_PROBE) || (c->flags & F_BLOCK) ||
	    c->nr == SYS_rt_sigprocmask) {
		/* Threads do no compound op, and leave SIGALRM (which they
		 * block) to the batch's thread, whose blocking calls it ends. */
		if (sys3(SYS_gettid, 0, 0, 0) != batch_pid)
			return 0;
	}
	return 1;
}

/* The -v line prefix: "  " for the batch, "  g" for a [fork+fuzz]
 * grandchild, "  tN" for [thread] N. */
static const char *who(void)
{
	static char buf[2][16];
	long tid = sys3(SYS_gettid, 0, 0, 0);
	int k = thread_tid[1] == tid;

	if (nested)
		return "  g";
	if (tid == batch_pid)
		return "  ";
	snprintf(buf[k], sizeof(buf[k]), "  t%d ", k);
	return buf[k];
}

static void run_one(void)
{
	const struct call *c;
	long a[6] = { 0 }, ret;
	size_t i;
	int j, df = 0, tries = 0;

	do {
		i = below(NCALLS);
		if (++tries > 10000)
			return;
	} while (!call_allowed(i));
	c = &calls[i];
	for (j = 0; j < 6; j++)
		a[j] = c->arg[j] ? (long)arg_value(c, c->arg[j], j)
		                 : (long)(chance(10) ? next() : 0);
	if (c->flags & F_KILL)
		contain_kill(c, a);
	if (c->nr == SYS_setpgid && (int)a[1] == parent_pgid)
		a[1] = 0; /* the batch stays out of the parent's group */
	if (c->nr == SYS_clone && avoid_exitsig && (a[0] & 0xff) && (a[0] & 0xff) != SIGCHLD)
		a[0] = (a[0] & ~0xfful) | SIGCHLD;
	if ((c->flags & F_MM) && avoid_hugelen && (unsigned long)a[1] > (16ul << 20))
		a[1] &= (16ul << 20) - 1;
	if (avoid_fastcall)
		for (j = 0; j < 6; j++)
			if (is_fastcall(a[j]))
				a[j] = 0;
	if (c->nr == SYS_execve && (const char *)a[0] == self_name)
		a[0] = 0;
	if (!avoid_df && c->nr >= 0 && !(c->flags & F_FORK) && chance(3))
		df = 1;

	if (opt_verbose)
		report("%s%ld: %s(%ld) %#lx %#lx %#lx %#lx %#lx %#lx%s\n", who(), ncalls_done,
		       c->name, c->nr, a[0], a[1], a[2], a[3], a[4], a[5], df ? " [DF]" : "");
	ncalls_done++;
	switch (c->nr) {
	case OP_FORK_FUZZ: fork_fuzz(); return;
	case OP_SIGRETURN: sigreturn_forge(); return;
	case OP_DF_FAULT: df_fault(); return;
	case OP_PROBE: probe(a[0]); return;
	case OP_THREAD: thread_spawn(); return;
	}
	if (c->flags & F_BLOCK) {
		if (signals_dirty)
			alarm_repair();
		if (c->nr == SYS_rt_sigsuspend && in_pool(a[0], 8))
			*(uint64_t *)a[0] &= ~(1ul << (SIGALRM - 1));
		timer_ms(50);
	}
	if (c->flags & F_FORK)
		ret = sys6_fork(c->nr, a);
	else
		ret = sys6(c->nr, a, df);
	if (c->flags & F_BLOCK)
		timer_ms(0);
	if (c->nr == SYS_rt_sigaction || c->nr == SYS_rt_sigprocmask ||
	    c->nr == SYS_rt_sigsuspend || c->nr == SYS_epoll_pwait || c->nr == SYS_epoll_pwait2 ||
	    c->nr == SYS_pselect6 || c->nr < 0 || c->nr > 1000 || df)
		signals_dirty = 1;
	if (c->nr == SYS_arch_prctl)
		sys3(SYS_arch_prctl, ARCH_SET_FS_NR, (long)fsbase, 0); /* libc's TLS back */
	if (ret < 0 && ret > -4096)
		nerrors++;
	else if (c->nr == SYS_open || c->nr == SYS_openat || c->nr == SYS_dup ||
	         c->nr == SYS_creat || c->nr == SYS_dup2 || c->nr == SYS_dup3 ||
	         c->nr == SYS_fcntl || c->nr == SYS_epoll_create || c->nr == SYS_epoll_create1 ||
	         c->nr == SYS_eventfd || c->nr == SYS_eventfd2 || c->nr == SYS_socket ||
	         c->nr == SYS_accept || c->nr == SYS_accept4)
		add_fd(ret);
	else if ((c->nr == SYS_pipe || c->nr == SYS_pipe2) && ret == 0 && in_pool(a[0], 8)) {
		add_fd(((int *)a[0])[0]);
		add_fd(((int *)a[0])[1]);
	} else if (c->nr == SYS_socketpair && ret == 0 && in_pool(a[3], 8)) {
		add_fd(((int *)a[3])[0]);
		add_fd(((int *)a[3])[1]);
	}
	if (opt_verbose)
		report("%s   = %ld\n", who(), ret);
}

static void run_calls(long n)
{
	volatile long k = 0;

	/* A fault in a call's own code path (a bad pointer the vvar clock
	 * stores through, a freed pool) comes back here. */
	if (sigsetjmp(fault_jmp, 1)) {
		if (faults > 64)
			_exit(3);
		if (opt_verbose)
			report("%s   = fault\n", who());
	}
	for (; k < n;) {
		k++;
		/* Fresh random words at a random place in the pool. */
		fill_words((uint64_t *)(pool + below(POOL_SIZE / 8 - 32) * 8), 32);
		run_one();
	}
}

/* Open some real objects so that fd arguments reach real files. */
static void batch_setup(void)
{
	int p[2];

	nfds = 0;
	add_fd(sys3(SYS_open, (long)"/tmp/f0", 0102 /* O_RDWR|O_CREAT */, 0644));
	add_fd(sys3(SYS_open, (long)"/tmp", 0200000 /* O_DIRECTORY */, 0));
	add_fd(sys3(SYS_open, (long)"/", 0, 0));
	if (sys3(SYS_pipe2, (long)p, 0, 0) == 0) {
		add_fd(p[0]);
		add_fd(p[1]);
	}
	add_fd(1);
}

static void run_batch(long b)
{
	rng = opt_seed;
	rng = next() ^ (uint64_t)b;
	rng = next(); /* far apart streams for neighbouring batches */
	sys3(SYS_setpgid, 0, 0, 0);
	batch_pid = sys3(SYS_getpid, 0, 0, 0);
	if (!opt_verbose)
		sys3(SYS_close, 2, 0, 0); /* fuzzed writes to fd 2 go nowhere */
	fill_words((uint64_t *)pool, POOL_SIZE / 8);
	memset(arena, 0, ARENA_PAGES * PAGE);
	set_handler(SIGSEGV, on_fault, SA_NODEFER);
	set_handler(SIGBUS, on_fault, SA_NODEFER);
	set_handler(SIGILL, on_fault, SA_NODEFER);
	set_handler(SIGFPE, on_fault, SA_NODEFER);
	set_handler(SIGALRM, on_alarm, 0);
	batch_setup();
	run_calls(opt_calls);
	if (opt_verbose)
		report("  batch done: exit_group(0)\n");
	_exit(0);
}

/* ---- Compound operations -------------------------------------------------- */

/* The kernel's x86-64 ucontext as rt_sigreturn reads it at the stack pointer. */
struct frame {
	uint64_t uc_flags, uc_link, ss_sp, ss_flags, ss_size;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint64_t cs_gs_fs_ss, err, trapno, oldmask, cr2, fpstate, reserved[8];
	uint64_t sigmask;
};

__asm__(".text\n"
        "sysfuzz_landing:\n\t"
        "movl $60, %eax\n\t"
        "xorl %edi, %edi\n\t"
        "syscall\n\t"
        "ud2\n");
extern char sysfuzz_landing[];

static void wait_child(long pid)
{
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* [sigreturn]: a grandchild loads a forged frame; it should land and exit, or die. */
static void sigreturn_forge(void)
{
	static const uint64_t sels[] = { 0x23, 0x2b, 0x33, 0x1b, 0x08, 0x10, 0x28, 0, 0xffff };
	static const uint64_t rfl[] = { 0x202,
		                        0x246,
		                        0x3202,
		                        0x200302 /* IOPL 3, TF */,
		                        0x100,
		                        0x40202 /* AC */,
		                        0x20202 /* VM */,
		                        0x4202 /* NT */,
		                        0x602 /* DF */,
		                        ~0ul,
		                        0 };
	struct frame *f = (struct frame *)(pool + 8192);
	uint64_t *w = (uint64_t *)f;
	long pid;
	size_t i;

	fill_words(w, sizeof(*f) / 8);
	if (chance(70)) {
		f->rip = chance(80) ? (uint64_t)sysfuzz_landing : buf_ptr();
		f->rsp = (uint64_t)pool + 4096 + below(64) * 8;
		f->eflags = PICK(rfl);
		f->cs_gs_fs_ss = PICK(sels) | (PICK(sels) << 48);
		if (chance(50))
			f->fpstate = 0;
	}
	if (avoid_df)
		f->eflags &= ~0x400ul;
	for (i = 0; i < sizeof(*f) / 8; i++)
		if (avoid_fastcall && is_fastcall(w[i]))
			w[i] = 0;
	if (opt_verbose)
		report("     frame: rip %#lx rsp %#lx rflags %#lx cs/gs/fs/ss %#lx fpstate %#lx "
		       "uc_flags %#lx sigmask %#lx\n",
		       f->rip, f->rsp, f->eflags, f->cs_gs_fs_ss, f->fpstate, f->uc_flags,
		       f->sigmask);
	pid = fork();
	if (pid == 0) {
		set_handler(SIGSEGV, SIG_DFL, 0);
		set_handler(SIGBUS, SIG_DFL, 0);
		set_handler(SIGILL, SIG_DFL, 0);
		__asm__ volatile("movq %0, %%rsp\n\tmovl $15, %%eax\n\tsyscall\n\tud2"
		                 :
		                 : "r"(f)
		                 : "memory");
	}
	timer_ms(500);
	wait_child(pid);
	timer_ms(0);
}

/* [std+fault]: a grandchild sets DF and faults (a NULL load, or a bad syscall pointer). */
static void df_fault(void)
{
	long pid;

	if (avoid_df)
		return;
	pid = fork();
	if (pid == 0) {
		set_handler(SIGSEGV, SIG_DFL, 0);
		if (chance(50))
			__asm__ volatile("std\n\tmovq 0, %%rax\n\tcld" : : : "rax", "memory");
		else
			__asm__ volatile("std\n\tmovl %0, %%eax\n\tmovq $1, %%rdi\n\t"
			                 "movq $16, %%rsi\n\tmovq $64, %%rdx\n\tsyscall\n\t"
			                 "movq 8, %%rax\n\tcld"
			                 :
			                 : "i"(SYS_write)
			                 : "rax", "rdi", "rsi", "rdx", "rcx", "r11", "memory");
		_exit(0);
	}
	timer_ms(500);
	wait_child(pid);
	timer_ms(0);
}

/* [probe]: ring 3 itself reads, writes or jumps to a hostile address; the
 * fault comes back through on_fault (a fetch returns through the stub). */
static void probe(uint64_t addr)
{
	volatile uint64_t *p;
	int op;

	if (chance(50))
		addr = wild_addr();
	if (avoid_fastcall && is_fastcall(addr))
		return;
	p = (volatile uint64_t *)addr;
	op = below(3);
	if (opt_verbose)
		report("     %s %#lx\n", op == 0 ? "load" : op == 1 ? "store" : "jump", addr);
	switch (op) {
	case 0: (void)*p; break;
	case 1: *p = next(); break;
	default: ((void (*)(void))addr)(); break;
	}
}

/* [thread]: a CLONE_THREAD sibling makes a few calls alongside the batch. */
#define THREAD_STACK 65536
static unsigned char thread_stack[2][THREAD_STACK] __attribute__((aligned(16)));

static void thread_main(void)
{
	uint64_t set = 1ul << (SIGALRM - 1);
	int i;

	sys6(SYS_rt_sigprocmask, (long[6]){ SIG_BLOCK, (long)&set, 0, 8, 0, 0 }, 0);
	for (i = 0; i < 30; i++)
		run_one();
}

static void thread_spawn(void)
{
	const long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
	                   CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
	int k = below(2);
	register long r10 __asm__("r10") = (long)&thread_tid[k]; /* child_tid, cleared at exit */
	register long r8 __asm__("r8") = 0;
	register long r12 __asm__("r12") = (long)thread_main;
	long ret;

	if (thread_tid[k])
		return; /* that stack is still in use */
	__asm__ volatile("syscall\n\t"
	                 "testq %%rax, %%rax\n\t"
	                 "jnz 1f\n\t"
	                 "xorl %%ebp, %%ebp\n\t"
	                 "call *%%r12\n\t"
	                 "movl $60, %%eax\n\t"
	                 "xorl %%edi, %%edi\n\t"
	                 "syscall\n\t"
	                 "ud2\n"
	                 "1:"
	                 : "=a"(ret)
	                 : "a"(SYS_clone), "D"(flags), "S"(thread_stack[k] + THREAD_STACK),
	                   "d"(&thread_tid[k]), "r"(r10), "r"(r8), "r"(r12)
	                 : "rcx", "r11", "memory", "cc");
	(void)ret;
}

/* ---- The parent ----------------------------------------------------------- */

/* Signals that may reach the parent by Linux's rules: its batches' SIGCHLD
 * and what contain_kill lets through to other processes (SIGPIPE stays
 * ignored, as the batches inherit it). */
static int parent_may_get(int sig)
{
	return sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH;
}

/* What reached the parent that should not have; written by its handler. */
#define CAUGHT_MAX 8
static struct {
	int sig, code, pid, status;
} caught[CAUGHT_MAX];
static volatile sig_atomic_t ncaught;

__asm__(".text\n"
        "sysfuzz_restorer:\n\t"
        "movl $15, %eax\n\t"
        "syscall\n\t"
        "ud2\n");
extern char sysfuzz_restorer[];

/* rt_sigaction through the raw call, so that musl's reserved signals
 * (32-34) are covered too; every signal blocked while a handler runs. */
static void raw_sigaction(int sig, void *handler, unsigned long flags)
{
	const unsigned long sa[4] = { (unsigned long)handler, flags | 0x04000000 /* SA_RESTORER */,
		                      (unsigned long)sysfuzz_restorer, ~0ul };

	sys6(SYS_rt_sigaction, (long[6]){ sig, (long)sa, 0, 8, 0, 0 }, 0);
}

static void on_parent_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (parent_may_get(sig))
		return;
	/* Back to the default first: were this a fault of the parent's own,
	 * the faulting instruction runs again and ends it as it should. */
	raw_sigaction(sig, SIG_DFL, 0);
	if (ncaught < CAUGHT_MAX) {
		caught[ncaught].sig = sig;
		caught[ncaught].code = si->si_code;
		caught[ncaught].pid = si->si_pid;
		caught[ncaught].status = si->si_status;
		ncaught++;
	}
}

/* The parent catches every catchable signal but SIGPIPE (on), or gives
 * them back their defaults (off, in a batch). */
static void parent_guard(int on)
{
	int sig;

	for (sig = 1; sig <= 64; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGPIPE)
			raw_sigaction(sig, on ? (void *)on_parent_signal : (void *)SIG_DFL,
			              on ? SA_SIGINFO | SA_RESTART : 0);
}

/* How a signal that reached the parent was sent, from its si_code. */
static const char *parent_how(int code)
{
	switch (code) {
	case SI_USER: return "kill";
	case SI_TKILL: return "tkill/tgkill";
	case SI_KERNEL: return "the kernel";
	case CLD_EXITED:
	case CLD_KILLED:
	case CLD_DUMPED: return "a child's exit signal (CLD_EXITED/KILLED/DUMPED), or a fault";
	default: return "?";
	}
}

/* Report what reached the parent during batch b; the number of signals. */
static int parent_report(long b)
{
	int i, n = ncaught;

	for (i = 0; i < n; i++)
		report("sysfuzz: signal %d reached the parent during batch %ld: si_code %d (%s), "
		       "si_pid %d, si_status %d\n",
		       caught[i].sig, b, caught[i].code, parent_how(caught[i].code), caught[i].pid,
		       caught[i].status);
	return n;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG | __WALL) > 0) /* clone children too */
		;
}

/* Run batch b in a child; 0 clean exit, 1 died by a signal, 2 timed out, 3
 * fork failed, 4 a signal reached the parent. */
static int batch(long b, long *calls_done)
{
	double deadline = now() + opt_deadline_ms / 1000.0;
	struct timespec nap = { 0, 2000000 };
	int status, rc;
	long pid;

	if (opt_progress)
		report("sysfuzz: batch %ld\n", b);
	pid = fork();
	if (pid < 0) {
		report("sysfuzz: fork failed (%ld)\n", pid);
		return 3;
	}
	if (pid == 0) {
		parent_guard(0);
		run_batch(b);
	}
	for (;;) {
		long r = waitpid(pid, &status, WNOHANG);

		if (r == pid) {
			rc = WIFSIGNALED(status) ? 1 : 0;
			break;
		}
		if (now() > deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			rc = 2;
			if (opt_progress || opt_verbose)
				report("sysfuzz: batch %ld still running after %ld ms: killed\n", b,
				       opt_deadline_ms);
			break;
		}
		nanosleep(&nap, NULL);
	}
	kill(-pid, SIGKILL); /* its grandchildren */
	if (parent_pid == 1)
		kill(-1, SIGKILL); /* and any that left the group (never pid 1, by Linux's rule) */
	reap_all();
	*calls_done += opt_calls;
	return parent_report(b) ? 4 : rc;
}

static int parse_list(const char *s, unsigned char *set, int avoid)
{
	char buf[512], *tok, *save = NULL;
	size_t i;

	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int found = 0;

		if (avoid) {
			found = 1;
			if (!strcmp(tok, "hugelen"))
				avoid_hugelen = 1;
			else if (!strcmp(tok, "tinytimer"))
				avoid_tinytimer = 1;
			else if (!strcmp(tok, "hugetimer"))
				avoid_hugetimer = 1;
			else if (!strcmp(tok, "fastcall"))
				avoid_fastcall = 1;
			else if (!strcmp(tok, "df"))
				avoid_df = 1;
			else if (!strcmp(tok, "exitsig"))
				avoid_exitsig = 1;
			else if (!strcmp(tok, "sigreturn"))
				tok = "[sigreturn]", found = 0;
			else if (!strcmp(tok, "fork"))
				tok = "[fork+fuzz]", found = 0;
			else
				found = 0;
			if (found)
				continue;
		}
		for (i = 0; i < NCALLS; i++)
			if (!strcmp(calls[i].name, tok)) {
				set[i] = 1;
				found = 1;
			}
		if (!found) {
			fprintf(stderr, "sysfuzz: unknown call or class '%s'\n", tok);
			return -1;
		}
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
	        "usage: sysfuzz [-v] [-p] [-n BATCHES | -t SECONDS] [--batch B | --first B]\n"
	        "               [-c CALLS] [-d DEADLINE_MS] [--avoid LIST] [--only LIST] SEED\n"
	        "  -v            print every call (before) and its result (after)\n"
	        "  -p            print each batch number as it starts\n"
	        "  -n BATCHES    run this many batches (default 50 without -t)\n"
	        "  -t SECONDS    start batches for this long\n"
	        "  --batch B     run batch B only\n"
	        "  --first B     start at batch B (with -n: up to batch -n - 1)\n"
	        "  -c CALLS      calls per batch (default 200)\n"
	        "  -d MS         kill a batch still running after MS ms (default 2000)\n"
	        "  --avoid LIST  leave out calls by name and the classes hugelen,\n"
	        "                tinytimer, hugetimer, fastcall, df, exitsig, sigreturn,\n"
	        "                fork\n"
	        "  --only LIST   single calls only from this list\n");
	exit(2);
}

int main(int argc, char **argv)
{
	long b, done = 0, died = 0, timeouts = 0, calls_total = 0;
	double start, elapsed;
	int i;

	self_name = argv[0];
	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "-v"))
			opt_verbose = 1;
		else if (!strcmp(o, "-p"))
			opt_progress = 1;
		else if (!strcmp(o, "-n") && v)
			opt_batches = strtol(v, NULL, 0), i++;
		else if (!strcmp(o, "-t") && v)
			opt_seconds = strtod(v, NULL), i++;
		else if (!strcmp(o, "--first") && v)
			opt_first = strtol(v, NULL, 0), i++;
		else if (!strcmp(o, "--batch") && v)
			opt_only_batch = strtol(v, NULL, 0), i++;
		else if (!strcmp(o, "-c") && v)
			opt_calls = strtol(v, NULL, 0), i++;
		else if (!strcmp(o, "-d") && v)
			opt_deadline_ms = strtol(v, NULL, 0), i++;
		else if (!strcmp(o, "--avoid") && v) {
			if (parse_list(v, avoided, 1))
				usage();
			i++;
		} else if (!strcmp(o, "--only") && v) {
			if (parse_list(v, only_set, 0))
				usage();
			have_only = 1, i++;
		} else if (o[0] >= '0' && o[0] <= '9' && i == argc - 1)
			opt_seed = strtoul(o, NULL, 0);
		else
			usage();
	}
	if (i != argc || argc < 2 || !(argv[argc - 1][0] >= '0' && argv[argc - 1][0] <= '9'))
		usage();
	if (opt_batches < 0 && opt_seconds <= 0)
		opt_batches = 50;

	/* Layout: the pool, then one PROT_NONE guard page. */
	pool = mmap(NULL, POOL_SIZE + PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
	            0);
	arena = mmap(NULL, ARENA_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	             -1, 0);
	if (pool == MAP_FAILED || arena == MAP_FAILED) {
		fprintf(stderr, "sysfuzz: mmap failed\n");
		return 1;
	}
	guard = pool + POOL_SIZE;
	if (mprotect(guard, PAGE, PROT_NONE))
		munmap(guard, PAGE);
	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[0] = '/';
	sys3(SYS_arch_prctl, ARCH_GET_FS_NR, (long)&fsbase, 0);
	parent_pid = getpid();
	parent_pgid = getpgrp();
	if (dup2(2, REPORT_FD) != REPORT_FD) {
		fprintf(stderr, "sysfuzz: dup2 failed\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	parent_guard(1);
	report("sysfuzz: seed %lu, %ld calls a batch%s%s\n", opt_seed, opt_calls,
	       opt_seconds > 0 ? ", time-bound" : "", opt_only_batch >= 0 ? ", one batch" : "");

	start = now();
	for (b = opt_only_batch >= 0 ? opt_only_batch : opt_first;; b++) {
		int rc;

		if (opt_only_batch >= 0 && b > opt_only_batch)
			break;
		if (opt_only_batch < 0 && opt_batches >= 0 && b >= opt_batches)
			break;
		if (opt_only_batch < 0 && opt_seconds > 0 && now() - start >= opt_seconds)
			break;
		rc = batch(b, &calls_total);
		if (rc == 3)
			return 1;
		if (rc == 4) {
			report("sysfuzz: stopped: a signal reached the parent (a kernel bug or a "
			       "hole in the containment), seed %lu, batch %ld\n",
			       opt_seed, b);
			return 4;
		}
		done++;
		died += rc == 1;
		timeouts += rc == 2;
	}
	elapsed = now() - start;
	report("sysfuzz: done: seed %lu, %ld batches (%ld died by a signal, %ld killed at the "
	       "deadline), up to %ld calls, %.1f s\n",
	       opt_seed, done, died, timeouts, calls_total, elapsed);
	return 0;
}
