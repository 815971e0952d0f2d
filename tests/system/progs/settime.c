/*
 * settime: the VM's CLOCK_REALTIME can be set (clock_settime,
 * settimeofday) without touching the host's.  VM-only (natively, as root,
 * it would set the machine's clock): tests/system/run.sh.  Prints "ok"
 * lines, or "FAIL" and exits 1.
 */
#include <stdio.h>
#ifdef __NEWLIB__
/* newlib + ulib have no clock_settime or settimeofday: the musl build tests them. */
int main(void)
{
	puts("newlib: no clock_settime here (the musl build is the test)");
	return 0;
}
#else
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define YEAR_2001 978307200L /* 2001-01-01T00:00:00Z */

static int failures;

static void check(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "ok" : "FAIL");
	failures += !ok;
}

int main(void)
{
	struct timespec ts = { YEAR_2001, 0 }, now, mono0, mono1;
	struct timeval tv;
	pid_t pid;
	int st;

	clock_gettime(CLOCK_MONOTONIC, &mono0);
	check("clock_settime(REALTIME)", clock_settime(CLOCK_REALTIME, &ts) == 0);
	clock_gettime(CLOCK_REALTIME, &now);
	check("clock_gettime reads it", now.tv_sec >= YEAR_2001 && now.tv_sec < YEAR_2001 + 60);
	check("time() too", time(NULL) >= YEAR_2001 && time(NULL) < YEAR_2001 + 60);
	clock_gettime(CLOCK_MONOTONIC, &mono1);
	check("MONOTONIC did not jump", mono1.tv_sec - mono0.tv_sec < 60);
	check("MONOTONIC is not settable", clock_settime(CLOCK_MONOTONIC, &ts) == -1);
	pid = fork();
	if (pid == 0)
		_exit(time(NULL) < YEAR_2001 + 60 ? 0 : 1);
	check("a child sees it", waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st));
	tv.tv_sec = YEAR_2001 + 86400;
	tv.tv_usec = 0;
	check("settimeofday", settimeofday(&tv, NULL) == 0 && time(NULL) >= YEAR_2001 + 86400 &&
	                              time(NULL) < YEAR_2001 + 86400 + 60);
	return failures ? 1 : 0;
}
#endif
