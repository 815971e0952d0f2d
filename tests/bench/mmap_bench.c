/* mmap_bench: times mmap + munmap of 128 KiB anonymous memory, natively or in nanvixd (./z bench apps). */

/*
 * usage: mmap_bench [K]
 *
 * One static musl binary, run unchanged natively and as
 * `bin/nanvixd -- mmap_bench.elf`.  After one untimed warm-up pair, it times
 * K (default 10000) iterations of
 *
 *   mmap(NULL, 128 KiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
 *   munmap(p, 128 KiB)
 *
 * with clock_gettime(CLOCK_MONOTONIC) around the whole loop, and prints one
 * line "mmap_munmap_128k iters=K us_per_pair=X".  The memory is never
 * touched: the figure is the cost of the two calls, not of page faults.
 * Exit status 1 when a call fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#define MAP_SIZE (128 * 1024)

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* pair: one mmap + munmap; 0, or -1 after saying which call failed. */
static int pair(void)
{
	void *p = mmap(NULL, MAP_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap_bench: mmap");
		return -1;
	}
	if (munmap(p, MAP_SIZE) != 0) {
		perror("mmap_bench: munmap");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long iters = 10000;
	double start, elapsed;

	if (argc > 2 || (argc == 2 && (iters = strtol(argv[1], NULL, 10)) <= 0)) {
		fprintf(stderr, "usage: mmap_bench [K]  (K > 0 iterations, default 10000)\n");
		return 2;
	}
	if (pair() != 0)
		return 1;
	start = now_us();
	for (long i = 0; i < iters; i++) {
		if (pair() != 0)
			return 1;
	}
	elapsed = now_us() - start;
	printf("mmap_munmap_128k iters=%ld us_per_pair=%.3f\n", iters, elapsed / iters);
	return 0;
}
