/* Decoding of traced guest system calls: names, argument kinds, results. */
/*
 * The kernel only reports raw numbers (NANVIX_HC_STRACE); all formatting
 * happens here, natively, so tracing costs the guest one exit per call and
 * no ring-0 formatting.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <abi/fsd.h>
#include <abi/linux.h>
#include <abi/syscalls.h>
#include <monitor/guestmem.h>
#include <monitor/strace.h>

#define STR_MAX 32 /* bytes of a string or buffer shown, as strace -s 32 */

enum kind {
	K_NONE,
	K_INT,    /* signed decimal */
	K_UINT,   /* unsigned decimal */
	K_HEX,    /* pointer or opaque value */
	K_OCT,    /* a mode: octal */
	K_STR,    /* NUL-terminated user string */
	K_WBUF,   /* user buffer, length in the next argument */
	K_RBUF,   /* user buffer filled by the call, length = result */
	K_PROT,   /* mmap/mprotect PROT_* */
	K_MAPF,   /* mmap MAP_* */
	K_CLOCK,  /* clock id */
	K_ARCH,   /* arch_prctl code */
	K_DIRFD,  /* a directory fd or AT_FDCWD */
	K_OPENF,  /* open flags O_* */
	K_ATF,    /* AT_* flags of the *at calls */
	K_CLONEF, /* clone flags CLONE_* and the exit signal */
	K_IOCTL,  /* an ioctl request */
};

enum ret_kind {
	R_ERRNO, /* a count or -errno */
	R_HEX,   /* an address */
	R_NONE,  /* does not return to the caller (rt_sigreturn): "?" */
};

struct desc {
	const char *name;
	unsigned char nargs;
	unsigned char kind[6];
	unsigned char ret; /* enum ret_kind */
};

/*
 * How to show each call's arguments, by Linux name.  The names of served
 * calls come from the one list in abi/syscalls.h (the unit test checks each
 * has an entry here); a few calls the kernel does not serve are described
 * too, since programs make them.
 */
#define D(nm, n, ...)  [LINUX_SYS_##nm] = { #nm, n, { __VA_ARGS__ }, R_ERRNO }
#define DH(nm, n, ...) [LINUX_SYS_##nm] = { #nm, n, { __VA_ARGS__ }, R_HEX }
#define DN(nm, n, ...) [LINUX_SYS_##nm] = { #nm, n, { __VA_ARGS__ }, R_NONE }

#define LINUX_SYS_rseq 334 /* not served: ENOSYS */

static const struct desc calls[] = {
	D(read, 3, K_INT, K_RBUF, K_UINT),
	D(write, 3, K_INT, K_WBUF, K_UINT),
	D(open, 3, K_STR, K_OPENF, K_OCT),
	D(close, 1, K_INT),
	D(stat, 2, K_STR, K_HEX),
	D(fstat, 2, K_INT, K_HEX),
	D(lstat, 2, K_STR, K_HEX),
	D(poll, 3, K_HEX, K_UINT, K_INT),
	D(lseek, 3, K_INT, K_INT, K_INT),
	DH(mmap, 6, K_HEX, K_UINT, K_PROT, K_MAPF, K_INT, K_HEX),
	D(mprotect, 3, K_HEX, K_UINT, K_PROT),
	D(munmap, 2, K_HEX, K_UINT),
	DH(brk, 1, K_HEX),
	D(rt_sigaction, 4, K_INT, K_HEX, K_HEX, K_UINT),
	D(rt_sigprocmask, 4, K_INT, K_HEX, K_HEX, K_UINT),
	DN(rt_sigreturn, 0),
	D(ioctl, 3, K_INT, K_IOCTL, K_HEX),
	D(pread64, 4, K_INT, K_HEX, K_UINT, K_INT),
	D(pwrite64, 4, K_INT, K_WBUF, K_UINT, K_INT),
	D(readv, 3, K_INT, K_HEX, K_INT),
	D(writev, 3, K_INT, K_HEX, K_INT),
	D(access, 2, K_STR, K_INT),
	D(pipe, 1, K_HEX),
	D(sched_yield, 0),
	D(dup, 1, K_INT),
	D(dup2, 2, K_INT, K_INT),
	D(pause, 0),
	D(nanosleep, 2, K_HEX, K_HEX),
	D(getitimer, 2, K_INT, K_HEX),
	D(alarm, 1, K_UINT),
	D(setitimer, 3, K_INT, K_HEX, K_HEX),
	D(getpid, 0),
	D(clone, 5, K_CLONEF, K_HEX, K_HEX, K_HEX, K_HEX),
	D(fork, 0),
	D(vfork, 0),
	D(execve, 3, K_STR, K_HEX, K_HEX),
	D(exit, 1, K_INT),
	D(wait4, 4, K_INT, K_HEX, K_HEX, K_HEX),
	D(kill, 2, K_INT, K_INT),
	D(uname, 1, K_HEX),
	D(fcntl, 3, K_INT, K_INT, K_HEX),
	D(fsync, 1, K_INT),
	D(fdatasync, 1, K_INT),
	D(truncate, 2, K_STR, K_INT),
	D(ftruncate, 2, K_INT, K_INT),
	D(getcwd, 2, K_HEX, K_UINT),
	D(chdir, 1, K_STR),
	D(fchdir, 1, K_INT),
	D(rename, 2, K_STR, K_STR),
	D(mkdir, 2, K_STR, K_OCT),
	D(rmdir, 1, K_STR),
	D(creat, 2, K_STR, K_OCT),
	D(link, 2, K_STR, K_STR),
	D(unlink, 1, K_STR),
	D(symlink, 2, K_STR, K_STR),
	D(readlink, 3, K_STR, K_HEX, K_UINT),
	D(chmod, 2, K_STR, K_OCT),
	D(fchmod, 2, K_INT, K_OCT),
	D(umask, 1, K_OCT),
	D(gettimeofday, 2, K_HEX, K_HEX),
	D(getrlimit, 2, K_INT, K_HEX),
	D(sysinfo, 1, K_HEX),
	D(times, 1, K_HEX),
	D(getuid, 0),
	D(getgid, 0),
	D(geteuid, 0),
	D(getegid, 0),
	D(setpgid, 2, K_INT, K_INT),
	D(getppid, 0),
	D(getpgrp, 0),
	D(setsid, 0),
	D(getpgid, 1, K_INT),
	D(sched_setparam, 2, K_INT, K_HEX),
	D(sched_getparam, 2, K_INT, K_HEX),
	D(sched_setscheduler, 3, K_INT, K_INT, K_HEX),
	D(sched_getscheduler, 1, K_INT),
	D(sched_get_priority_max, 1, K_INT),
	D(sched_get_priority_min, 1, K_INT),
	D(sched_rr_get_interval, 2, K_INT, K_HEX),
	D(sched_setaffinity, 3, K_INT, K_UINT, K_HEX),
	D(sched_getaffinity, 3, K_INT, K_UINT, K_HEX),
	D(mlock, 2, K_HEX, K_UINT),
	D(mlock2, 3, K_HEX, K_UINT, K_HEX),
	D(munlock, 2, K_HEX, K_UINT),
	D(mlockall, 1, K_HEX),
	D(munlockall, 0),
	D(prctl, 5, K_INT, K_HEX, K_HEX, K_HEX, K_HEX),
	D(waitid, 5, K_INT, K_INT, K_HEX, K_HEX, K_HEX),
	D(getrusage, 2, K_INT, K_HEX),
	D(sigaltstack, 2, K_HEX, K_HEX),
	D(clock_settime, 2, K_INT, K_HEX),
	D(settimeofday, 2, K_HEX, K_HEX),
	D(rt_sigtimedwait, 4, K_HEX, K_HEX, K_HEX, K_UINT),
	D(rt_sigqueueinfo, 3, K_INT, K_INT, K_HEX),
	D(madvise, 3, K_HEX, K_UINT, K_INT),
	D(flock, 2, K_INT, K_HEX),
	D(mq_open, 4, K_STR, K_HEX, K_OCT, K_HEX),
	D(mq_unlink, 1, K_STR),
	D(mq_timedsend, 5, K_INT, K_HEX, K_UINT, K_UINT, K_HEX),
	D(mq_timedreceive, 5, K_INT, K_HEX, K_UINT, K_HEX, K_HEX),
	D(mq_notify, 2, K_INT, K_HEX),
	D(mq_getsetattr, 3, K_INT, K_HEX, K_HEX),
	D(timer_create, 3, K_INT, K_HEX, K_HEX),
	D(timer_settime, 4, K_INT, K_INT, K_HEX, K_HEX),
	D(timer_gettime, 2, K_INT, K_HEX),
	D(timer_getoverrun, 1, K_INT),
	D(timer_delete, 1, K_INT),
	D(msync, 3, K_HEX, K_UINT, K_HEX),
	D(mremap, 5, K_HEX, K_UINT, K_UINT, K_HEX, K_HEX),
	D(memfd_create, 2, K_STR, K_HEX),
	D(getsid, 1, K_INT),
	D(rt_sigpending, 2, K_HEX, K_UINT),
	D(rt_sigsuspend, 2, K_HEX, K_UINT),
	D(statfs, 2, K_STR, K_HEX),
	D(fstatfs, 2, K_INT, K_HEX),
	D(arch_prctl, 2, K_ARCH, K_HEX),
	D(setrlimit, 2, K_INT, K_HEX),
	D(gettid, 0),
	D(tkill, 2, K_INT, K_INT),
	D(time, 1, K_HEX),
	D(futex, 6, K_HEX, K_INT, K_INT, K_HEX, K_HEX, K_INT),
	D(getdents64, 3, K_INT, K_HEX, K_UINT),
	D(set_tid_address, 1, K_HEX),
	D(clock_gettime, 2, K_CLOCK, K_HEX),
	D(clock_getres, 2, K_CLOCK, K_HEX),
	D(clock_nanosleep, 4, K_CLOCK, K_INT, K_HEX, K_HEX),
	D(exit_group, 1, K_INT),
	D(tgkill, 3, K_INT, K_INT, K_INT),
	D(openat, 4, K_DIRFD, K_STR, K_OPENF, K_OCT),
	D(mkdirat, 3, K_DIRFD, K_STR, K_OCT),
	D(newfstatat, 4, K_DIRFD, K_STR, K_HEX, K_ATF),
	D(unlinkat, 3, K_DIRFD, K_STR, K_ATF),
	D(renameat, 4, K_DIRFD, K_STR, K_DIRFD, K_STR),
	D(linkat, 5, K_DIRFD, K_STR, K_DIRFD, K_STR, K_ATF),
	D(symlinkat, 3, K_STR, K_DIRFD, K_STR),
	D(readlinkat, 4, K_DIRFD, K_STR, K_HEX, K_UINT),
	D(fchmodat, 4, K_DIRFD, K_STR, K_OCT, K_ATF),
	D(faccessat, 3, K_DIRFD, K_STR, K_INT),
	D(ppoll, 5, K_HEX, K_UINT, K_HEX, K_HEX, K_UINT),
	D(utimensat, 4, K_DIRFD, K_STR, K_HEX, K_ATF),
	D(set_robust_list, 2, K_HEX, K_UINT),
	D(dup3, 3, K_INT, K_INT, K_OPENF),
	D(pipe2, 2, K_HEX, K_OPENF),
	D(select, 5, K_INT, K_HEX, K_HEX, K_HEX, K_HEX),
	D(pselect6, 6, K_INT, K_HEX, K_HEX, K_HEX, K_HEX, K_HEX),
	D(epoll_create, 1, K_INT),
	D(epoll_create1, 1, K_HEX),
	D(epoll_ctl, 4, K_INT, K_INT, K_INT, K_HEX),
	D(epoll_wait, 4, K_INT, K_HEX, K_INT, K_INT),
	D(epoll_pwait, 6, K_INT, K_HEX, K_INT, K_INT, K_HEX, K_UINT),
	D(epoll_pwait2, 6, K_INT, K_HEX, K_INT, K_HEX, K_HEX, K_UINT),
	D(eventfd, 1, K_UINT),
	D(eventfd2, 2, K_UINT, K_HEX),
	D(socketpair, 4, K_INT, K_HEX, K_INT, K_HEX),
	D(socket, 3, K_INT, K_HEX, K_INT),
	D(bind, 3, K_INT, K_HEX, K_UINT),
	D(listen, 2, K_INT, K_INT),
	D(accept, 3, K_INT, K_HEX, K_HEX),
	D(accept4, 4, K_INT, K_HEX, K_HEX, K_HEX),
	D(connect, 3, K_INT, K_HEX, K_UINT),
	D(sendto, 6, K_INT, K_WBUF, K_UINT, K_HEX, K_HEX, K_UINT),
	D(recvfrom, 6, K_INT, K_RBUF, K_UINT, K_HEX, K_HEX, K_HEX),
	D(sendmsg, 3, K_INT, K_HEX, K_HEX),
	D(recvmsg, 3, K_INT, K_HEX, K_HEX),
	D(shutdown, 2, K_INT, K_INT),
	D(getsockname, 3, K_INT, K_HEX, K_HEX),
	D(getpeername, 3, K_INT, K_HEX, K_HEX),
	D(setsockopt, 5, K_INT, K_INT, K_INT, K_HEX, K_UINT),
	D(getsockopt, 5, K_INT, K_INT, K_INT, K_HEX, K_HEX),
	D(prlimit64, 4, K_INT, K_INT, K_HEX, K_HEX),
	D(renameat2, 5, K_DIRFD, K_STR, K_DIRFD, K_STR, K_HEX),
	D(getrandom, 3, K_HEX, K_UINT, K_HEX),
	D(statx, 5, K_DIRFD, K_STR, K_ATF, K_HEX, K_HEX),
	D(rseq, 4, K_HEX, K_UINT, K_INT, K_HEX),
	D(faccessat2, 4, K_DIRFD, K_STR, K_INT, K_ATF),
};

/* The served calls by number, from the one list (abi/syscalls.h). */
#define SERVED_NAME(nm, entry) [LINUX_SYS_##nm] = #nm,
static const char *const served[LINUX_SYS_NR] = { NANVIX_SYSCALLS(SERVED_NAME) };

const char *strace_name(uint64_t nr)
{
	if (nr < sizeof(calls) / sizeof(calls[0]) && calls[nr].name)
		return calls[nr].name;
	return nr < LINUX_SYS_NR ? served[nr] : NULL;
}

bool strace_described(uint64_t nr)
{
	return nr < sizeof(calls) / sizeof(calls[0]) && calls[nr].name;
}

struct out {
	char *buf;
	size_t n, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (o->len >= o->n)
		return;
	va_start(ap, fmt);
	r = vsnprintf(o->buf + o->len, o->n - o->len, fmt, ap);
	va_end(ap);
	if (r > 0)
		o->len += (size_t)r < o->n - o->len ? (size_t)r : o->n - o->len - 1;
}

/* Quoted, escaped bytes; `more` adds "..." for a truncated buffer. */
static void put_bytes(struct out *o, const unsigned char *b, size_t len, bool more)
{
	size_t i;

	put(o, "\"");
	for (i = 0; i < len; i++) {
		unsigned char c = b[i];

		if (c == '\n')
			put(o, "\\n");
		else if (c == '\t')
			put(o, "\\t");
		else if (c == '\r')
			put(o, "\\r");
		else if (c == '"' || c == '\\')
			put(o, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			put(o, "%c", c);
		else
			put(o, "\\x%02x", c);
	}
	put(o, more ? "\"..." : "\"");
}

/* A user buffer of `len` bytes (shown up to STR_MAX), or its address. */
static void put_buf(struct out *o, const struct vm_mem *mem, uint64_t cr3, uint64_t va,
                    uint64_t len)
{
	unsigned char tmp[STR_MAX];
	size_t show = len < STR_MAX ? len : STR_MAX;

	if (gva_read(mem, cr3, va, tmp, show) < 0)
		put(o, "%#llx", (unsigned long long)va);
	else
		put_bytes(o, tmp, show, len > STR_MAX);
}

static void put_str(struct out *o, const struct vm_mem *mem, uint64_t cr3, uint64_t va)
{
	unsigned char tmp[STR_MAX + 1];
	size_t i;

	for (i = 0; i <= STR_MAX; i++)
		if (gva_read(mem, cr3, va + i, &tmp[i], 1) < 0) {
			put(o, "%#llx", (unsigned long long)va);
			return;
		} else if (tmp[i] == '\0') {
			break;
		}
	put_bytes(o, tmp, i > STR_MAX ? STR_MAX : i, i > STR_MAX);
}

/* Flag words: known names joined by |, the rest in hex. */
static void put_flags(struct out *o, uint64_t v, const char *const *names, const uint64_t *bits,
                      size_t count, const char *zero)
{
	bool first = true;
	size_t i;

	if (v == 0) {
		put(o, "%s", zero);
		return;
	}
	for (i = 0; i < count; i++)
		if (v & bits[i]) {
			put(o, "%s%s", first ? "" : "|", names[i]);
			v &= ~bits[i];
			first = false;
		}
	if (v)
		put(o, "%s%#llx", first ? "" : "|", (unsigned long long)v);
}

static const char *const at_names[] = { "AT_SYMLINK_NOFOLLOW", "AT_REMOVEDIR", "AT_SYMLINK_FOLLOW",
	                                "AT_NO_AUTOMOUNT", "AT_EMPTY_PATH" };
static const uint64_t at_bits[] = { LINUX_AT_SYMLINK_NOFOLLOW, LINUX_AT_REMOVEDIR,
	                            LINUX_AT_SYMLINK_FOLLOW, 0x800, LINUX_AT_EMPTY_PATH };

/* O_RDONLY/O_WRONLY/O_RDWR, then the other flags. */
static void put_open_flags(struct out *o, uint64_t v)
{
	static const char *const names[] = { "O_CREAT",   "O_EXCL",     "O_NOCTTY",    "O_TRUNC",
		                             "O_APPEND",  "O_NONBLOCK", "O_DIRECTORY", "O_NOFOLLOW",
		                             "O_CLOEXEC", "O_PATH" };
	static const uint64_t bits[] = { LINUX_O_CREAT,     LINUX_O_EXCL,     LINUX_O_NOCTTY,
		                         LINUX_O_TRUNC,     LINUX_O_APPEND,   LINUX_O_NONBLOCK,
		                         LINUX_O_DIRECTORY, LINUX_O_NOFOLLOW, LINUX_O_CLOEXEC,
		                         LINUX_O_PATH };
	static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };

	put(o, "%s", acc[v & LINUX_O_ACCMODE]);
	v &= ~(uint64_t)LINUX_O_ACCMODE;
	if (v) {
		put(o, "|");
		put_flags(o, v, names, bits, sizeof(bits) / sizeof(bits[0]), "0");
	}
}

/* CLONE_* flags, and the exit signal in the low byte as strace shows it. */
static void put_clone_flags(struct out *o, uint64_t v)
{
	static const char *const names[] = {
		"CLONE_VM",
		"CLONE_FS",
		"CLONE_FILES",
		"CLONE_SIGHAND",
		"CLONE_PIDFD",
		"CLONE_PTRACE",
		"CLONE_VFORK",
		"CLONE_PARENT",
		"CLONE_THREAD",
		"CLONE_NEWNS",
		"CLONE_SYSVSEM",
		"CLONE_SETTLS",
		"CLONE_PARENT_SETTID",
		"CLONE_CHILD_CLEARTID",
		"CLONE_DETACHED",
		"CLONE_UNTRACED",
		"CLONE_CHILD_SETTID",
	};
	static const uint64_t bits[] = {
		LINUX_CLONE_VM,
		LINUX_CLONE_FS,
		LINUX_CLONE_FILES,
		LINUX_CLONE_SIGHAND,
		0x1000,
		0x2000,
		LINUX_CLONE_VFORK,
		0x8000,
		LINUX_CLONE_THREAD,
		0x20000,
		LINUX_CLONE_SYSVSEM,
		LINUX_CLONE_SETTLS,
		LINUX_CLONE_PARENT_SETTID,
		LINUX_CLONE_CHILD_CLEARTID,
		LINUX_CLONE_DETACHED,
		0x800000,
		LINUX_CLONE_CHILD_SETTID,
	};
	uint64_t sig = v & 0xff;

	v &= ~(uint64_t)0xff;
	if (v || !sig)
		put_flags(o, v, names, bits, sizeof(bits) / sizeof(bits[0]), "0");
	if (sig == LINUX_SIGCHLD)
		put(o, "%sSIGCHLD", v ? "|" : "");
	else if (sig)
		put(o, "%s%llu", v ? "|" : "", (unsigned long long)sig);
}

/* The requests the kernel's devices know (kernel/fd/dev.c, abi/fsd.h), else hex. */
static void put_ioctl(struct out *o, uint64_t v)
{
	static const struct {
		uint32_t req;
		const char *name;
	} reqs[] = {
		{ 0x5401, "TCGETS" },
		{ 0x5402, "TCSETS" },
		{ 0x5403, "TCSETSW" },
		{ 0x5404, "TCSETSF" },
		{ 0x540e, "TIOCSCTTY" },
		{ 0x540f, "TIOCGPGRP" },
		{ 0x5410, "TIOCSPGRP" },
		{ 0x5413, "TIOCGWINSZ" },
		{ 0x5414, "TIOCSWINSZ" },
		{ 0x541b, "FIONREAD" },
		{ 0x5421, "FIONBIO" },
		{ 0x5422, "TIOCNOTTY" },
		{ 0x5450, "FIONCLEX" },
		{ 0x5451, "FIOCLEX" },
		{ NANVIX_FSD_REGISTER, "NANVIX_FSD_REGISTER" },
		{ NANVIX_FSD_SERVE, "NANVIX_FSD_SERVE" },
		{ NANVIX_FSD_COPY, "NANVIX_FSD_COPY" },
		{ NANVIX_FSD_BLK, "NANVIX_FSD_BLK" },
	};

	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++)
		if (v == reqs[i].req) {
			put(o, "%s", reqs[i].name);
			return;
		}
	put(o, "%#llx", (unsigned long long)v);
}

static void put_arg(struct out *o, const struct vm_mem *mem, const struct nanvix_hc_strace *t,
                    int i, enum kind k)
{
	static const char *const prot_names[] = { "PROT_READ", "PROT_WRITE", "PROT_EXEC" };
	static const uint64_t prot_bits[] = { 1, 2, 4 };
	static const char *const map_names[] = { "MAP_SHARED",    "MAP_PRIVATE",
		                                 "MAP_FIXED",     "MAP_ANONYMOUS",
		                                 "MAP_NORESERVE", "MAP_FIXED_NOREPLACE" };
	static const uint64_t map_bits[] = { 0x1, 0x2, 0x10, 0x20, 0x4000, 0x100000 };
	static const char *const clocks[] = { "CLOCK_REALTIME",           "CLOCK_MONOTONIC",
		                              "CLOCK_PROCESS_CPUTIME_ID", "CLOCK_THREAD_CPUTIME_ID",
		                              "CLOCK_MONOTONIC_RAW",      "CLOCK_REALTIME_COARSE",
		                              "CLOCK_MONOTONIC_COARSE",   "CLOCK_BOOTTIME" };
	uint64_t v = t->args[i];

	switch (k) {
	case K_INT: put(o, "%lld", (long long)v); break;
	case K_UINT: put(o, "%llu", (unsigned long long)v); break;
	case K_STR: put_str(o, mem, t->cr3, v); break;
	case K_WBUF: put_buf(o, mem, t->cr3, v, i < 5 ? t->args[i + 1] : 0); break;
	case K_RBUF:
		if (t->ret > 0 && !(t->flags & NANVIX_STRACE_NORETURN))
			put_buf(o, mem, t->cr3, v, (uint64_t)t->ret);
		else
			put(o, "%#llx", (unsigned long long)v);
		break;
	case K_PROT: put_flags(o, v, prot_names, prot_bits, 3, "PROT_NONE"); break;
	case K_MAPF: put_flags(o, v, map_names, map_bits, 6, "0"); break;
	case K_CLOCK:
		if (v < sizeof(clocks) / sizeof(clocks[0]))
			put(o, "%s", clocks[v]);
		else
			put(o, "%lld", (long long)v);
		break;
	case K_ARCH:
		switch (v) {
		case LINUX_ARCH_SET_FS: put(o, "ARCH_SET_FS"); break;
		case LINUX_ARCH_GET_FS: put(o, "ARCH_GET_FS"); break;
		case LINUX_ARCH_SET_GS: put(o, "ARCH_SET_GS"); break;
		case LINUX_ARCH_GET_GS: put(o, "ARCH_GET_GS"); break;
		default: put(o, "%#llx", (unsigned long long)v); break;
		}
		break;
	case K_OCT: put(o, "%#llo", (unsigned long long)v); break;
	case K_DIRFD:
		if ((int)v == LINUX_AT_FDCWD)
			put(o, "AT_FDCWD");
		else
			put(o, "%d", (int)v);
		break;
	case K_OPENF: put_open_flags(o, v); break;
	case K_ATF: put_flags(o, v, at_names, at_bits, 5, "0"); break;
	case K_CLONEF: put_clone_flags(o, v); break;
	case K_IOCTL: put_ioctl(o, v); break;
	default: put(o, "%#llx", (unsigned long long)v); break;
	}
}

size_t strace_format(const struct vm_mem *mem, const struct nanvix_hc_strace *t, char *buf,
                     size_t n)
{
	struct out o = { buf, n, 0 };
	const struct desc *d = NULL;
	int i, nargs = 6;

	if (n == 0)
		return 0;
	buf[0] = '\0';
	if (strace_described(t->nr))
		d = &calls[t->nr];
	if (d) {
		put(&o, "%s(", d->name);
		nargs = d->nargs;
	} else if (strace_name(t->nr)) {
		put(&o, "%s(", strace_name(t->nr)); /* served, no argument kinds: 6 in hex */
	} else {
		put(&o, "syscall_%llu(", (unsigned long long)t->nr);
	}
	for (i = 0; i < nargs; i++) {
		if (i)
			put(&o, ", ");
		put_arg(&o, mem, t, i, d ? (enum kind)d->kind[i] : K_HEX);
	}
	if ((t->flags & NANVIX_STRACE_NORETURN) || (d && d->ret == R_NONE))
		put(&o, ") = ?\n");
	else if (t->ret < 0 && t->ret >= -4095)
		put(&o, ") = -1 %s (%s)\n", strerrorname_np((int)-t->ret) ?: "E?",
		    strerror((int)-t->ret));
	else if (d && d->ret == R_HEX)
		put(&o, ") = %#llx\n", (unsigned long long)t->ret);
	else
		put(&o, ") = %lld\n", (long long)t->ret);
	if (n >= 2 && o.len == n - 1)
		buf[n - 2] = '\n'; /* truncated: still one line */
	return o.len;
}

size_t strace_line(struct strace_state *st, const struct vm_mem *mem,
                   const struct nanvix_hc_strace *t, char *buf, size_t n)
{
	size_t len = 0;

	if (!st->started) {
		st->started = true;
		st->first_pid = t->pid;
	} else if (t->pid != st->first_pid) {
		st->multi = true;
	}
	if (st->multi && n > 0) {
		int r = snprintf(buf, n, "[pid %u] ", (unsigned)t->pid);

		len = r < 0 ? 0 : (size_t)r < n ? (size_t)r : n - 1;
	}
	len += strace_format(mem, t, buf + len, n - len);
	/* A new process (not a thread): its calls and ours interleave from now on. */
	if (!(t->flags & NANVIX_STRACE_NORETURN) && t->ret > 0 &&
	    (t->nr == LINUX_SYS_fork || t->nr == LINUX_SYS_vfork ||
	     (t->nr == LINUX_SYS_clone && !(t->args[0] & LINUX_CLONE_THREAD))))
		st->multi = true;
	return len;
}
