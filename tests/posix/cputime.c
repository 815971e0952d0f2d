/*
 * CPU-time clocks: the process and thread clocks, clock(), times() and
 * getrusage() grow while the program computes and not while it sleeps; a
 * child's time shows in the parent's children totals once waited for; the
 * clock of another process (clock_getcpuclockid).  Prints only what does
 * not depend on the machine's speed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void check(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "ok" : "FAIL");
	failures += !ok;
}

static double now(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Compute for about `secs` of CPU time. */
static void spin(double secs)
{
	volatile unsigned long n = 0;
	double end = now(CLOCK_PROCESS_CPUTIME_ID) + secs;

	while (now(CLOCK_PROCESS_CPUTIME_ID) < end)
		for (int i = 0; i < 100000; i++)
			n++;
}

int main(void)
{
	struct timespec nap = { 0, 300000000 };
	struct rusage ru;
	struct tms t0, t1;
	double p0, p1, w0, w1, th0;
	clockid_t cid;
	pid_t pid;
	int st;

	check("getres of the process clock",
	      clock_getres(CLOCK_PROCESS_CPUTIME_ID, &(struct timespec){ 0 }) == 0);
	p0 = now(CLOCK_PROCESS_CPUTIME_ID);
	th0 = now(CLOCK_THREAD_CPUTIME_ID);
	w0 = now(CLOCK_MONOTONIC);
	nanosleep(&nap, NULL);
	p1 = now(CLOCK_PROCESS_CPUTIME_ID);
	w1 = now(CLOCK_MONOTONIC);
	check("sleeping 300 ms costs under 150 ms of CPU", p1 - p0 < 0.15 && w1 - w0 >= 0.29);
	times(&t0);
	spin(0.3);
	times(&t1);
	check("computing 300 ms shows in the process clock",
	      now(CLOCK_PROCESS_CPUTIME_ID) - p1 >= 0.29);
	check("... and the thread clock", now(CLOCK_THREAD_CPUTIME_ID) - th0 >= 0.29);
	check("... and times()",
	      (t1.tms_utime + t1.tms_stime) - (t0.tms_utime + t0.tms_stime) >= 20);
	check("... and clock()", clock() >= (clock_t)(0.29 * CLOCKS_PER_SEC));
	check("getrusage(SELF)",
	      getrusage(RUSAGE_SELF, &ru) == 0 &&
	              ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	                              (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6 >=
	                      0.29);
	check("getrusage(42) EINVAL", getrusage(42, &ru) == -1 && errno == EINVAL);

	/* A child computes; its time is the parent's children's once waited for. */
	pid = fork();
	if (pid == 0) {
		spin(0.3);
		_exit(0);
	}
	check("another process's clock", clock_getcpuclockid(pid, &cid) == 0 &&
	                                         clock_gettime(cid, &(struct timespec){ 0 }) == 0);
	check("child waited for", waitpid(pid, &st, 0) == pid);
	times(&t1);
	check("its time in times()'s children", t1.tms_cutime + t1.tms_cstime >= 20);
	check("and in getrusage(CHILDREN)",
	      getrusage(RUSAGE_CHILDREN, &ru) == 0 &&
	              ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	                              (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6 >=
	                      0.29);
	return failures ? 1 : 0;
}
