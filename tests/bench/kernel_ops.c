/* kernel_ops: times kernel operations with rdtsc, natively on Linux or in nanvixd (./z bench kernel). */

/*
 * usage: kernel_ops [--quick] [--iters N] [--no-calibrate] [OP...]
 *
 * One static musl binary, run unchanged on both sides: natively as a Linux
 * process and as `bin/nanvixd -- kernel_ops.elf`.  Operations (default: all,
 * in this order):
 *
 *   getpid   one getpid() round trip
 *   pipe     ping-pong between two processes over two pipes: the parent
 *            writes one byte, the child reads it and writes it back, the
 *            parent reads it (one sample = the whole round trip)
 *   fork     fork + _exit(0) in the child + waitpid in the parent, with a
 *            1 MiB malloc'd buffer written page by page beforehand
 *   thread   pthread_create (default attributes) + pthread_join of a thread
 *            that returns at once
 *   futex    two threads hand a futex word to each other (store, FUTEX_WAKE,
 *            FUTEX_WAIT until it comes back); one sample is HALF of a round
 *            trip, i.e. the mean of the two wake-to-running legs
 *
 * Every sample is timed on its own with rdtsc in ring 3 (native in a
 * nanvixd guest too).  The TSC rate is measured at start against
 * clock_gettime(CLOCK_MONOTONIC) over a ~50 ms window, which works the same
 * natively and in the VM (there the clock is itself the TSC scaled by the
 * factors nanvixd computed from the host's clock).  Warm-up iterations (a tenth, at least 2) run
 * first and are not counted.
 *
 * Output on stdout, machine-readable:
 *   env=native|nanvix tsc_mhz=X calib_ms=Y
 *   op=NAME n=N median_ns=X p99_ns=Y min_ns=Z
 * median is the middle sample (mean of the two middle ones for even N), p99
 * the nearest-rank 99th percentile (the ceil(0.99 N)-th smallest sample).
 *
 * --quick runs few iterations (smoke test).  --iters N runs exactly N
 * iterations of each selected operation with no warm-up, and with
 * --no-calibrate skips the 50 ms calibration (the ns figures are then
 * cycles): kernel.sh uses both to count guest traps per operation.
 * Exit status 0, or 1 when an operation fails.
 */

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* From <linux/futex.h>, which musl's headers do not carry. */
#define FUTEX_WAIT         0
#define FUTEX_WAKE         1
#define FUTEX_PRIVATE_FLAG 128

#define CALIB_NS  50000000LL /* TSC calibration window */
#define HEAP_SIZE (1 << 20)  /* touched heap of the forking process */
#define PAGE_SIZE 4096

struct op {
	const char *name;
	long n_full, n_quick;
	/* Fill s[0..n) with cycles per sample after `warm` uncounted ones. */
	void (*run)(uint64_t *s, long n, long warm);
};

static double tsc_hz = 1e9; /* cycles per second; 1e9 when not calibrated */

static void die(const char *what)
{
	fprintf(stderr, "kernel_ops: %s: %s\n", what, strerror(errno));
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

/*
 * One (TSC, CLOCK_MONOTONIC) pair: the clock read bracketed by two TSC
 * reads and paired with their midpoint, the tightest bracket of a few
 * tries, so that neither a slow clock_gettime (a trap in the guest) nor a
 * preemption inside the bracket shifts it.
 */
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

static void op_getpid(uint64_t *s, long n, long warm)
{
	for (long i = -warm; i < n; i++) {
		uint64_t t0 = rdtsc();
		volatile pid_t pid = getpid();
		uint64_t t1 = rdtsc();

		(void)pid;
		if (i >= 0)
			s[i] = t1 - t0;
	}
}

static void op_pipe(uint64_t *s, long n, long warm)
{
	int down[2], up[2], status;
	char c = 'x';
	pid_t pid;

	if (pipe(down) < 0 || pipe(up) < 0)
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		/* Echo until the parent closes its end. */
		ssize_t r;

		close(down[1]);
		close(up[0]);
		while ((r = read(down[0], &c, 1)) == 1)
			if (write(up[1], &c, 1) != 1)
				_exit(1);
		_exit(r == 0 ? 0 : 1);
	}
	close(down[0]);
	close(up[1]);
	for (long i = -warm; i < n; i++) {
		uint64_t t0 = rdtsc();

		if (write(down[1], &c, 1) != 1 || read(up[0], &c, 1) != 1)
			die("pipe round trip");
		if (i >= 0)
			s[i] = rdtsc() - t0;
	}
	close(down[1]);
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
	if (status != 0) {
		fprintf(stderr, "kernel_ops: pipe: echo child ended with status %#x\n", status);
		exit(1);
	}
	close(up[0]);
}

static void op_fork(uint64_t *s, long n, long warm)
{
	char *heap = malloc(HEAP_SIZE);

	if (!heap)
		die("malloc");
	for (long off = 0; off < HEAP_SIZE; off += PAGE_SIZE)
		heap[off] = (char)(off / PAGE_SIZE + 1);
	for (long i = -warm; i < n; i++) {
		uint64_t t0 = rdtsc();
		int status;
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0)
			_exit(0);
		if (waitpid(pid, &status, 0) != pid)
			die("waitpid");
		if (i >= 0)
			s[i] = rdtsc() - t0;
		if (status != 0) {
			fprintf(stderr, "kernel_ops: fork: child ended with status %#x\n", status);
			exit(1);
		}
	}
	free(heap);
}

static void *thread_nop(void *arg)
{
	return arg;
}

static void op_thread(uint64_t *s, long n, long warm)
{
	for (long i = -warm; i < n; i++) {
		uint64_t t0 = rdtsc();
		pthread_t t;
		int err = pthread_create(&t, NULL, thread_nop, NULL);

		if (err == 0)
			err = pthread_join(t, NULL);
		if (err != 0) {
			errno = err;
			die("pthread_create/join");
		}
		if (i >= 0)
			s[i] = rdtsc() - t0;
	}
}

/* 0: the partner waits; 1: the partner's turn; 2: the partner must quit. */
static atomic_int futex_word;

static long futex(atomic_int *word, int op, int val)
{
	return syscall(SYS_futex, word, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

static void *futex_partner(void *arg)
{
	for (;;) {
		int v;

		while ((v = atomic_load(&futex_word)) == 0)
			futex(&futex_word, FUTEX_WAIT, 0);
		if (v == 2)
			return arg;
		atomic_store(&futex_word, 0);
		futex(&futex_word, FUTEX_WAKE, 1);
	}
}

static void op_futex(uint64_t *s, long n, long warm)
{
	pthread_t t;
	int err;

	atomic_store(&futex_word, 0);
	err = pthread_create(&t, NULL, futex_partner, NULL);
	if (err != 0) {
		errno = err;
		die("pthread_create");
	}
	for (long i = -warm; i < n; i++) {
		uint64_t t0 = rdtsc();

		atomic_store(&futex_word, 1);
		futex(&futex_word, FUTEX_WAKE, 1);
		while (atomic_load(&futex_word) == 1)
			futex(&futex_word, FUTEX_WAIT, 1);
		if (i >= 0)
			s[i] = (rdtsc() - t0) / 2; /* one leg of the round trip */
	}
	atomic_store(&futex_word, 2);
	futex(&futex_word, FUTEX_WAKE, 1);
	err = pthread_join(t, NULL);
	if (err != 0) {
		errno = err;
		die("pthread_join");
	}
}

static const struct op ops[] = {
	{ "getpid", 2000, 50, op_getpid }, { "pipe", 1000, 20, op_pipe },
	{ "fork", 200, 10, op_fork },      { "thread", 500, 10, op_thread },
	{ "futex", 1000, 20, op_futex },
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static double to_ns(double cycles)
{
	return cycles * 1e9 / tsc_hz;
}

static void report(const char *name, uint64_t *s, long n)
{
	double median;
	long p99_rank = (99 * n + 99) / 100; /* ceil(0.99 n) */

	qsort(s, (size_t)n, sizeof(*s), cmp_u64);
	median = n % 2 ? (double)s[n / 2] : ((double)s[n / 2 - 1] + (double)s[n / 2]) / 2;
	printf("op=%s n=%ld median_ns=%.0f p99_ns=%.0f min_ns=%.0f\n", name, n, to_ns(median),
	       to_ns((double)s[p99_rank - 1]), to_ns((double)s[0]));
	fflush(stdout);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: kernel_ops [--quick] [--iters N] [--no-calibrate] [OP...]\n"
	           "  OP: getpid pipe fork thread futex (default: all)\n");
}

int main(int argc, char **argv)
{
	int quick = 0, calib = 1, selected[NOPS] = { 0 }, any = 0;
	long iters = 0;
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
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			for (k = 0; k < NOPS && strcmp(argv[i], ops[k].name); k++)
				;
			if (k == NOPS) {
				fprintf(stderr, "kernel_ops: unknown operation '%s'\n", argv[i]);
				usage(stderr);
				return 2;
			}
			selected[k] = any = 1;
		}
	}

	if (calib)
		window = calibrate();
	printf("env=%s tsc_mhz=%.3f calib_ms=%.1f\n",
	       uname(&u) == 0 && !strcmp(u.sysname, "Nanvix") ? "nanvix" : "native", tsc_hz / 1e6,
	       (double)window / 1e6);
	fflush(stdout);

	for (k = 0; k < NOPS; k++) {
		long n = iters ? iters : quick ? ops[k].n_quick : ops[k].n_full;
		long warm = iters ? 0 : n / 10 > 2 ? n / 10 : 2;
		uint64_t *s;

		if (any && !selected[k])
			continue;
		s = calloc((size_t)n, sizeof(*s));
		if (!s)
			die("calloc");
		ops[k].run(s, n, warm);
		report(ops[k].name, s, n);
		free(s);
	}
	return 0;
}
