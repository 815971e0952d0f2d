/* select_pipe: select and pselect on pipes: timeouts (and the time left written back), readiness, EBADF, EINVAL, signal masks. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int fails;
static volatile int got_alarm;

static void check(int ok, const char *what)
{
	if (!ok) {
		fails++;
		printf("FAIL: %s\n", what);
	}
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void on_alarm(int sig)
{
	(void)sig;
	got_alarm = 1;
}

int main(void)
{
	int p[2], q[2], rc, n;
	fd_set r, w;
	struct timeval tv;
	struct timespec ts;
	long long t0, ms;
	sigset_t block, none;

	setvbuf(stdout, NULL, _IONBF, 0);
	check(pipe(p) == 0 && pipe(q) == 0, "pipes");
	n = (p[0] > q[1] ? p[0] : q[1]) + 1;

	/* Nothing readable: times out; the time left is written back. */
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	tv.tv_sec = 0;
	tv.tv_usec = 50000;
	t0 = now_ms();
	rc = select(n, &r, NULL, NULL, &tv);
	ms = now_ms() - t0;
	printf("empty: %d, set cleared %d, waited 50 ms to 2 s %s, time left 0 %s\n", rc,
	       !FD_ISSET(p[0], &r), ms >= 49 && ms < 2000 ? "yes" : "no",
	       tv.tv_sec == 0 && tv.tv_usec == 0 ? "yes" : "no");

	/* Readable and writable. */
	check(write(p[1], "x", 1) == 1, "write");
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(q[0], &r);
	FD_SET(q[1], &w); /* an empty pipe: writable everywhere (a pipe here holds one page) */
	tv.tv_sec = 5;
	tv.tv_usec = 0;
	rc = select(n, &r, &w, NULL, &tv);
	printf("ready: %d, p read %d, q read %d, q write %d, time left under 5 s %s\n", rc,
	       FD_ISSET(p[0], &r), FD_ISSET(q[0], &r), FD_ISSET(q[1], &w),
	       tv.tv_sec <= 5 && (tv.tv_sec > 0 || tv.tv_usec > 0) ? "yes" : "no");

	/* Zero timeout polls. */
	FD_ZERO(&r);
	FD_SET(q[0], &r);
	tv.tv_sec = tv.tv_usec = 0;
	rc = select(n, &r, NULL, NULL, &tv);
	printf("poll: %d\n", rc);

	/* Errors. */
	FD_ZERO(&r);
	FD_SET(n + 5, &r);
	tv.tv_sec = tv.tv_usec = 0;
	rc = select(n + 6, &r, NULL, NULL, &tv);
	printf("closed fd: %d %s\n", rc, rc < 0 ? strerror(errno) : "");
	FD_ZERO(&r);
	rc = select(-1, &r, NULL, NULL, &tv);
	printf("negative nfds: %d %s\n", rc, rc < 0 ? strerror(errno) : "");
	tv.tv_sec = -1;
	rc = select(n, &r, NULL, NULL, &tv);
	printf("negative timeout: %d %s\n", rc, rc < 0 ? strerror(errno) : "");

	/* Writer gone: readable (EOF). */
	close(q[1]);
	FD_ZERO(&r);
	FD_SET(q[0], &r);
	rc = select(n, &r, NULL, NULL, NULL);
	printf("EOF readable: %d %d\n", rc, FD_ISSET(q[0], &r));

	/* pselect: timeout, and a signal blocked outside but let in by its mask. */
	FD_ZERO(&r);
	FD_SET(q[0], &r);
	ts.tv_sec = 0;
	ts.tv_nsec = 1000000;
	rc = pselect(n, &r, NULL, NULL, &ts, NULL);
	printf("pselect ready: %d\n", rc);
	check(read(p[0], (char[1]){ 0 }, 1) == 1, "drain");
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	ts.tv_sec = 0;
	ts.tv_nsec = 30000000;
	rc = pselect(n, &r, NULL, NULL, &ts, NULL);
	printf("pselect timeout: %d\n", rc);

	signal(SIGALRM, on_alarm);
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&none);
	alarm(1);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	ts.tv_sec = 10;
	ts.tv_nsec = 0;
	rc = pselect(n, &r, NULL, NULL, &ts, &none);
	printf("pselect with SIGALRM let in: %d %s, handler ran %d\n", rc,
	       rc < 0 ? strerror(errno) : "", got_alarm);
	sigprocmask(SIG_BLOCK, NULL, &none);
	printf("SIGALRM blocked again after pselect: %d\n", sigismember(&none, SIGALRM));
	printf("done\n");
	return fails;
}
