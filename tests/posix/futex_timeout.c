/* futex_timeout: FUTEX_WAIT on a word that never changes times out after its relative timeout. */
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* From the Linux ABI; musl ships no <linux/futex.h>. */
#ifndef FUTEX_WAIT
#define FUTEX_WAIT 0
#endif

static int fails;

static void check(int ok, const char *what)
{
	if (!ok) {
		fails++;
		printf("FAIL: %s\n", what);
	}
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

int main(void)
{
	static int word; /* nobody ever writes it or wakes it */
	struct timespec timeout = { 0, 50 * 1000 * 1000 };
	long long t0, us;
	long r;

	t0 = now_us();
	errno = 0;
	r = syscall(SYS_futex, &word, FUTEX_WAIT, 0, &timeout, NULL, 0);
	us = now_us() - t0;
	printf("FUTEX_WAIT 50 ms: %ld %s\n", r, errno == ETIMEDOUT ? "ETIMEDOUT" : "?");
	printf("waited 50 ms to 2 s: %s\n", us >= 50000 && us < 2000000 ? "yes" : "no");
	check(r == -1 && errno == ETIMEDOUT, "times out with ETIMEDOUT");
	check(us >= 50000 && us < 2000000, "waits at least the timeout, at most 2 s");

	/* The word is not the expected value: no sleep at all. */
	errno = 0;
	r = syscall(SYS_futex, &word, FUTEX_WAIT, 1, &timeout, NULL, 0);
	printf("FUTEX_WAIT on a changed word: %ld %s\n", r, errno == EAGAIN ? "EAGAIN" : "?");
	check(r == -1 && errno == EAGAIN, "a mismatched value gives EAGAIN");
	return fails;
}
