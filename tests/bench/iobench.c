/* iobench: times file-system calls with rdtsc, natively on Linux or in nanvixd (./z bench io). */

/*
 * usage: iobench [--quick] [--iters N] [--no-calibrate] [--dir DIR] [OP...]
 *
 * One static musl binary, run unchanged on both sides: natively in a
 * directory of the host's file system (--dir), and as
 * `bin/nanvixd --disk IMG -- iobench.elf`, where its working directory is
 * the root of the ext2 image and every file call is forwarded to the fs
 * component.  Operations (default: all, in this order), all on files under
 * DIR (default "."):
 *
 *   fstat     fstat() of an open 4 KiB file: one forwarded call round
 *             trip, nothing else
 *   fstatpipe fstat() of a pipe: the same system call, which a nanvixd
 *             guest's kernel answers itself (not forwarded); the part of
 *             fstat that is not forwarding
 *   pread     pread() of 4 KiB at a random 4 KiB-aligned offset of a 64 MiB
 *             file (fixed-seed xorshift, so both sides read the same blocks)
 *   seqread   the whole 64 MiB file with 1 MiB read()s, after one untimed
 *             pass; one sample = one pass
 *   seqwrite  the 64 MiB file rewritten with 1 MiB write()s and one fsync()
 *             at the end (created with O_TRUNC before the timer starts); one
 *             sample = one pass
 *   create    in a fresh subdirectory: open(O_CREAT|O_EXCL) + write of 4 KiB
 *             + close, one sample per file; then every file unlink()ed,
 *             reported as its own line "unlink"
 *
 * pread and seqread create the 64 MiB file first when it is missing or has
 * the wrong size (untimed).  The buffers are static, so that no operation
 * pays for mapping them.
 *
 * Every sample is timed on its own with rdtsc in ring 3 (native in a nanvixd
 * guest too).  The TSC rate is measured at start against
 * clock_gettime(CLOCK_MONOTONIC) over a ~50 ms window, as in kernel_ops.c.
 * fstat, fstatpipe and pread run a tenth as many untimed iterations first.
 *
 * Output on stdout, machine-readable:
 *   env=native|nanvix tsc_mhz=X calib_ms=Y
 *   op=fstat|fstatpipe|pread|create|unlink n=N median_ns=X p99_ns=Y min_ns=Z total_ms=T
 *   op=seqread|seqwrite n=N bytes=B median_mbs=X min_mbs=Y max_mbs=Z
 * median is the middle sample (mean of the two middle ones for even N), p99
 * the nearest-rank 99th percentile (the ceil(0.99 N)-th smallest sample),
 * total_ms the time from the first sample's start to the last one's end
 * (so n / total_ms is the rate).  MB/s are 10^6 bytes per second; for a
 * throughput the median of the passes is the median of their rates.
 *
 * --quick runs few iterations (smoke test).  --iters N sets the number of
 * samples of every selected operation and skips warm-up; with
 * --no-calibrate the 50 ms calibration is skipped too (the ns figures are
 * then cycles): io.sh uses both to count guest traps and host exits per
 * call.  Exit status 0, or 1 when a call fails.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define CALIB_NS  50000000LL  /* TSC calibration window */
#define BIG_SIZE  (64L << 20) /* the file of pread, seqread and seqwrite */
#define CHUNK     (1L << 20)  /* one sequential read or write */
#define BLOCK     4096L       /* one random pread, one created file */
#define BIG_NAME  "iobench.big"
#define STAT_NAME "iobench.stat"
#define DIR_NAME  "iobench.d"

struct op {
	const char *name;
	long n_full, n_quick;
	void (*run)(long n, long warm);
};

static double tsc_hz = 1e9; /* cycles per second; 1e9 when not calibrated */
static char chunk[CHUNK] __attribute__((aligned(4096)));
static char block[BLOCK] __attribute__((aligned(4096)));

static void die(const char *what)
{
	fprintf(stderr, "iobench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return (uint64_t)hi << 32 | lo;
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		die("clock_gettime");
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One (TSC, CLOCK_MONOTONIC) pair: the tightest TSC-clock-TSC bracket of 8. */
static void clock_pair(uint64_t *tsc, int64_t *ns)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 8; i++) {
		uint64_t a = rdtsc();
		int64_t t = mono_ns();
		uint64_t b = rdtsc();

		if (b - a < best) {
			best = b - a;
			*tsc = a + (b - a) / 2;
			*ns = t;
		}
	}
}

/* Sets tsc_hz from two pairs about CALIB_NS apart; returns the window in ns. */
static int64_t calibrate(void)
{
	uint64_t c0, c1;
	int64_t t0, t1;

	clock_pair(&c0, &t0);
	while (mono_ns() - t0 < CALIB_NS)
		;
	clock_pair(&c1, &t1);
	tsc_hz = (double)(c1 - c0) * 1e9 / (double)(t1 - t0);
	return t1 - t0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double to_ns(double cycles)
{
	return cycles * 1e9 / tsc_hz;
}

static uint64_t *samples(long n)
{
	uint64_t *s = calloc((size_t)n, sizeof(*s));

	if (!s)
		die("calloc");
	return s;
}

/* The latency line of s[0..n), which it sorts; total = cycles of the whole loop. */
static void report(const char *name, uint64_t *s, long n, uint64_t total)
{
	double median;
	long p99_rank = (99 * n + 99) / 100; /* ceil(0.99 n) */

	qsort(s, (size_t)n, sizeof(*s), cmp_u64);
	median = n % 2 ? (double)s[n / 2] : ((double)s[n / 2 - 1] + (double)s[n / 2]) / 2;
	printf("op=%s n=%ld median_ns=%.0f p99_ns=%.0f min_ns=%.0f total_ms=%.3f\n", name, n,
	       to_ns(median), to_ns((double)s[p99_rank - 1]), to_ns((double)s[0]),
	       to_ns((double)total) / 1e6);
	fflush(stdout);
}

/* The throughput line of n passes of `bytes` each, s[] in cycles. */
static void report_rate(const char *name, uint64_t *s, long n, long bytes)
{
	double *r = calloc((size_t)n, sizeof(*r)), median;

	if (!r)
		die("calloc");
	for (long i = 0; i < n; i++)
		r[i] = (double)bytes / (to_ns((double)s[i]) / 1e9) / 1e6;
	qsort(r, (size_t)n, sizeof(*r), cmp_double);
	median = n % 2 ? r[n / 2] : (r[n / 2 - 1] + r[n / 2]) / 2;
	printf("op=%s n=%ld bytes=%ld median_mbs=%.1f min_mbs=%.1f max_mbs=%.1f\n", name, n, bytes,
	       median, r[0], r[n - 1]);
	fflush(stdout);
	free(r);
}

static void fill(char *buf, long len, unsigned seed)
{
	for (long i = 0; i < len; i++)
		buf[i] = (char)(seed + i * 131 + (i >> 12));
}

/* write() all of buf, or die. */
static void write_all(int fd, const char *buf, long len, const char *what)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, (size_t)len);

		if (w <= 0)
			die(what);
		buf += w;
		len -= w;
	}
}

/* read() exactly len bytes, or die (a short file is an error here). */
static void read_all(int fd, char *buf, long len, const char *what)
{
	while (len > 0) {
		ssize_t r = read(fd, buf, (size_t)len);

		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			die(what);
		}
		buf += r;
		len -= r;
	}
}

/* Writes BIG_NAME afresh: 64 x 1 MiB from chunk, without fsync. */
static void write_big(void)
{
	int fd = open(BIG_NAME, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		die("open " BIG_NAME " for writing");
	fill(chunk, CHUNK, 1);
	for (long off = 0; off < BIG_SIZE; off += CHUNK)
		write_all(fd, chunk, CHUNK, "write " BIG_NAME);
	if (close(fd) < 0)
		die("close " BIG_NAME);
}

/* Opens BIG_NAME for reading, writing it first unless it has the right size. */
static int open_big(void)
{
	struct stat st;

	if (stat(BIG_NAME, &st) < 0 || st.st_size != BIG_SIZE)
		write_big();
	int fd = open(BIG_NAME, O_RDONLY);

	if (fd < 0)
		die("open " BIG_NAME);
	return fd;
}

static void op_fstat(long n, long warm)
{
	uint64_t *s = samples(n), start = 0;
	struct stat st;
	int fd = open(STAT_NAME, O_RDWR | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		die("open " STAT_NAME);
	fill(block, BLOCK, 2);
	write_all(fd, block, BLOCK, "write " STAT_NAME);
	for (long i = -warm; i < n; i++) {
		uint64_t t0 = rdtsc();

		if (i == 0)
			start = t0;
		if (fstat(fd, &st) < 0)
			die("fstat");
		if (i >= 0)
			s[i] = rdtsc() - t0;
	}
	uint64_t total = rdtsc() - start;

	if (st.st_size != BLOCK) {
		fprintf(stderr, "iobench: fstat: size %lld, expected %ld\n", (long long)st.st_size,
		        BLOCK);
		exit(1);
	}
	close(fd);
	unlink(STAT_NAME);
	report("fstat", s, n, total);
	free(s);
}

/* fstat of a pipe: in a guest the kernel answers it without the fs component. */
static void op_fstatpipe(long n, long warm)
{
	uint64_t *s = samples(n), start = 0;
	struct stat st;
	int p[2];

	if (pipe(p) < 0)
		die("pipe");
	for (long i = -warm; i < n; i++) {
		uint64_t t0 = rdtsc();

		if (i == 0)
			start = t0;
		if (fstat(p[0], &st) < 0)
			die("fstat of a pipe");
		if (i >= 0)
			s[i] = rdtsc() - t0;
	}
	uint64_t total = rdtsc() - start;

	close(p[0]);
	close(p[1]);
	report("fstatpipe", s, n, total);
	free(s);
}

static void op_pread(long n, long warm)
{
	uint64_t *s = samples(n), start = 0, x = 0x9e3779b97f4a7c15ull;
	int fd = open_big();

	for (long i = -warm; i < n; i++) {
		off_t off;

		x ^= x << 13; /* xorshift64 */
		x ^= x >> 7;
		x ^= x << 17;
		off = (off_t)(x % (BIG_SIZE / BLOCK)) * BLOCK;
		uint64_t t0 = rdtsc();

		if (i == 0)
			start = t0;
		if (pread(fd, block, BLOCK, off) != BLOCK)
			die("pread");
		if (i >= 0)
			s[i] = rdtsc() - t0;
	}
	uint64_t total = rdtsc() - start;

	close(fd);
	report("pread", s, n, total);
	free(s);
}

static void op_seqread(long n, long warm)
{
	uint64_t *s = samples(n);
	int fd = open_big();

	(void)warm;
	for (long i = -1; i < n; i++) { /* pass -1: untimed */
		if (lseek(fd, 0, SEEK_SET) != 0)
			die("lseek");
		uint64_t t0 = rdtsc();

		for (long off = 0; off < BIG_SIZE; off += CHUNK)
			read_all(fd, chunk, CHUNK, "read " BIG_NAME);
		if (i >= 0)
			s[i] = rdtsc() - t0;
	}
	close(fd);
	report_rate("seqread", s, n, BIG_SIZE);
	free(s);
}

static void op_seqwrite(long n, long warm)
{
	uint64_t *s = samples(n);

	(void)warm;
	for (long i = 0; i < n; i++) {
		int fd = open(BIG_NAME, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0)
			die("open " BIG_NAME " for writing");
		fill(chunk, CHUNK, (unsigned)i + 3);
		uint64_t t0 = rdtsc();

		for (long off = 0; off < BIG_SIZE; off += CHUNK)
			write_all(fd, chunk, CHUNK, "write " BIG_NAME);
		if (fsync(fd) < 0)
			die("fsync " BIG_NAME);
		s[i] = rdtsc() - t0;
		if (close(fd) < 0)
			die("close " BIG_NAME);
	}
	report_rate("seqwrite", s, n, BIG_SIZE);
	free(s);
}

static void op_create(long n, long warm)
{
	uint64_t *s = samples(n), start, total;
	char name[64];

	(void)warm;
	if (mkdir(DIR_NAME, 0755) < 0 && errno != EEXIST)
		die("mkdir " DIR_NAME);
	fill(block, BLOCK, 4);
	start = rdtsc();
	for (long i = 0; i < n; i++) {
		snprintf(name, sizeof(name), DIR_NAME "/f%05ld", i);
		uint64_t t0 = rdtsc();
		int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);

		if (fd < 0)
			die("create");
		write_all(fd, block, BLOCK, "write");
		if (close(fd) < 0)
			die("close");
		s[i] = rdtsc() - t0;
	}
	total = rdtsc() - start;
	report("create", s, n, total);

	start = rdtsc();
	for (long i = 0; i < n; i++) {
		snprintf(name, sizeof(name), DIR_NAME "/f%05ld", i);
		uint64_t t0 = rdtsc();

		if (unlink(name) < 0)
			die("unlink");
		s[i] = rdtsc() - t0;
	}
	total = rdtsc() - start;
	if (rmdir(DIR_NAME) < 0)
		die("rmdir " DIR_NAME);
	report("unlink", s, n, total);
	free(s);
}

static const struct op ops[] = {
	{ "fstat", 5000, 100, op_fstat },  { "fstatpipe", 5000, 100, op_fstatpipe },
	{ "pread", 5000, 100, op_pread },  { "seqread", 9, 2, op_seqread },
	{ "seqwrite", 7, 2, op_seqwrite }, { "create", 500, 50, op_create },
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: iobench [--quick] [--iters N] [--no-calibrate] [--dir DIR] [OP...]\n"
	           "  OP: fstat fstatpipe pread seqread seqwrite create (default: all)\n");
}

int main(int argc, char **argv)
{
	int quick = 0, calib = 1, selected[NOPS] = { 0 }, any = 0;
	long iters = 0;
	const char *dir = ".";
	struct utsname u;
	int64_t window = 0;
	size_t k;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			quick = 1;
		} else if (!strcmp(argv[i], "--no-calibrate")) {
			calib = 0;
		} else if (!strcmp(argv[i], "--iters") && i + 1 < argc) {
			iters = strtol(argv[++i], NULL, 10);
			if (iters < 1) {
				usage(stderr);
				return 2;
			}
		} else if (!strcmp(argv[i], "--dir") && i + 1 < argc) {
			dir = argv[++i];
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			for (k = 0; k < NOPS && strcmp(argv[i], ops[k].name); k++)
				;
			if (k == NOPS) {
				fprintf(stderr, "iobench: unknown operation '%s'\n", argv[i]);
				usage(stderr);
				return 2;
			}
			selected[k] = any = 1;
		}
	}
	if (chdir(dir) < 0)
		die(dir);

	if (calib)
		window = calibrate();
	printf("env=%s tsc_mhz=%.3f calib_ms=%.1f\n",
	       uname(&u) == 0 && !strcmp(u.sysname, "Nanvix") ? "nanvix" : "native", tsc_hz / 1e6,
	       (double)window / 1e6);
	fflush(stdout);

	for (k = 0; k < NOPS; k++) {
		long n = iters ? iters : quick ? ops[k].n_quick : ops[k].n_full;
		long warm = iters ? 0 : n / 10 > 2 ? n / 10 : 2;

		if (any && !selected[k])
			continue;
		ops[k].run(n, warm);
	}
	return 0;
}
