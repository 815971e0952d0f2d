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

#include <abi/linux.h>
#include <monitor/guestmem.h>
#include <monitor/strace.h>

#define STR_MAX 32 /* bytes of a string or buffer shown, as strace -s 32 */

enum kind {
	K_NONE,
	K_INT,   /* signed decimal */
	K_UINT,  /* unsigned decimal */
	K_HEX,   /* pointer or opaque value */
	K_STR,   /* NUL-terminated user string */
	K_WBUF,  /* user buffer, length in the next argument */
	K_RBUF,  /* user buffer filled by the call, length = result */
	K_PROT,  /* mmap/mprotect PROT_* */
	K_MAPF,  /* mmap MAP_* */
	K_CLOCK, /* clock id */
	K_ARCH,  /* arch_prctl code */
};

struct desc {
	const char *name;
	unsigned char nargs;
	unsigned char kind[6];
	bool hexret; /* result is an address */
};

#define D(nr, nm, n, ...)  [nr] = { nm, n, { __VA_ARGS__ }, false }
#define DH(nr, nm, n, ...) [nr] = { nm, n, { __VA_ARGS__ }, true }

static const struct desc calls[] = {
	D(0, "read", 3, K_INT, K_RBUF, K_UINT),
	D(1, "write", 3, K_INT, K_WBUF, K_UINT),
	D(2, "open", 3, K_STR, K_HEX, K_HEX),
	D(3, "close", 1, K_INT),
	D(4, "stat", 2, K_STR, K_HEX),
	D(5, "fstat", 2, K_INT, K_HEX),
	D(6, "lstat", 2, K_STR, K_HEX),
	D(7, "poll", 3, K_HEX, K_UINT, K_INT),
	D(8, "lseek", 3, K_INT, K_INT, K_INT),
	DH(9, "mmap", 6, K_HEX, K_UINT, K_PROT, K_MAPF, K_INT, K_HEX),
	D(10, "mprotect", 3, K_HEX, K_UINT, K_PROT),
	D(11, "munmap", 2, K_HEX, K_UINT),
	DH(12, "brk", 1, K_HEX),
	D(13, "rt_sigaction", 4, K_INT, K_HEX, K_HEX, K_UINT),
	D(14, "rt_sigprocmask", 4, K_INT, K_HEX, K_HEX, K_UINT),
	D(16, "ioctl", 3, K_INT, K_HEX, K_HEX),
	D(17, "pread64", 4, K_INT, K_HEX, K_UINT, K_INT),
	D(18, "pwrite64", 4, K_INT, K_WBUF, K_UINT, K_INT),
	D(19, "readv", 3, K_INT, K_HEX, K_INT),
	D(20, "writev", 3, K_INT, K_HEX, K_INT),
	D(21, "access", 2, K_STR, K_INT),
	D(22, "pipe", 1, K_HEX),
	D(24, "sched_yield", 0),
	D(32, "dup", 1, K_INT),
	D(33, "dup2", 2, K_INT, K_INT),
	D(35, "nanosleep", 2, K_HEX, K_HEX),
	D(37, "alarm", 1, K_UINT),
	D(39, "getpid", 0),
	D(56, "clone", 5, K_HEX, K_HEX, K_HEX, K_HEX, K_HEX),
	D(57, "fork", 0),
	D(59, "execve", 3, K_STR, K_HEX, K_HEX),
	D(60, "exit", 1, K_INT),
	D(61, "wait4", 4, K_INT, K_HEX, K_HEX, K_HEX),
	D(62, "kill", 2, K_INT, K_INT),
	D(63, "uname", 1, K_HEX),
	D(72, "fcntl", 3, K_INT, K_INT, K_HEX),
	D(79, "getcwd", 2, K_HEX, K_UINT),
	D(80, "chdir", 1, K_STR),
	D(83, "mkdir", 2, K_STR, K_HEX),
	D(84, "rmdir", 1, K_STR),
	D(86, "link", 2, K_STR, K_STR),
	D(87, "unlink", 1, K_STR),
	D(96, "gettimeofday", 2, K_HEX, K_HEX),
	D(97, "getrlimit", 2, K_INT, K_HEX),
	D(99, "sysinfo", 1, K_HEX),
	D(100, "times", 1, K_HEX),
	D(102, "getuid", 0),
	D(104, "getgid", 0),
	D(107, "geteuid", 0),
	D(108, "getegid", 0),
	D(110, "getppid", 0),
	D(158, "arch_prctl", 2, K_ARCH, K_HEX),
	D(186, "gettid", 0),
	D(200, "tkill", 2, K_INT, K_INT),
	D(201, "time", 1, K_HEX),
	D(202, "futex", 6, K_HEX, K_INT, K_INT, K_HEX, K_HEX, K_INT),
	D(218, "set_tid_address", 1, K_HEX),
	D(228, "clock_gettime", 2, K_CLOCK, K_HEX),
	D(229, "clock_getres", 2, K_CLOCK, K_HEX),
	D(230, "clock_nanosleep", 4, K_CLOCK, K_INT, K_HEX, K_HEX),
	D(231, "exit_group", 1, K_INT),
	D(234, "tgkill", 3, K_INT, K_INT, K_INT),
	D(257, "openat", 4, K_INT, K_STR, K_HEX, K_HEX),
	D(262, "newfstatat", 4, K_INT, K_STR, K_HEX, K_HEX),
	D(273, "set_robust_list", 2, K_HEX, K_UINT),
	D(293, "pipe2", 2, K_HEX, K_HEX),
	D(302, "prlimit64", 4, K_INT, K_INT, K_HEX, K_HEX),
	D(318, "getrandom", 3, K_HEX, K_UINT, K_HEX),
	D(332, "statx", 5, K_INT, K_STR, K_HEX, K_HEX, K_HEX),
	D(334, "rseq", 4, K_HEX, K_UINT, K_INT, K_HEX),
};

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
	if (t->nr < sizeof(calls) / sizeof(calls[0]) && calls[t->nr].name)
		d = &calls[t->nr];
	if (d) {
		put(&o, "%s(", d->name);
		nargs = d->nargs;
	} else {
		put(&o, "syscall_%llu(", (unsigned long long)t->nr);
	}
	for (i = 0; i < nargs; i++) {
		if (i)
			put(&o, ", ");
		put_arg(&o, mem, t, i, d ? (enum kind)d->kind[i] : K_HEX);
	}
	if (t->flags & NANVIX_STRACE_NORETURN)
		put(&o, ") = ?\n");
	else if (t->ret < 0 && t->ret >= -4095)
		put(&o, ") = -1 %s (%s)\n", strerrorname_np((int)-t->ret) ?: "E?",
		    strerror((int)-t->ret));
	else if (d && d->hexret)
		put(&o, ") = %#llx\n", (unsigned long long)t->ret);
	else
		put(&o, ") = %lld\n", (long long)t->ret);
	if (n >= 2 && o.len == n - 1)
		buf[n - 2] = '\n'; /* truncated: still one line */
	return o.len;
}
