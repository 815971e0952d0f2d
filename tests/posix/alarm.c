/* alarm: alarm(1) and a one-shot 50 ms ITIMER_REAL each deliver SIGALRM once, not early. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int fails;
static volatile sig_atomic_t alarms; /* written by the handler */

static void check(int ok, const char *what)
{
	if (!ok) {
		fails++;
		printf("FAIL: %s\n", what);
	}
}

static void on_alrm(int sig)
{
	(void)sig;
	alarms++;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Sleep in sigsuspend, SIGALRM unblocked only there, until the handler has run; 0 if it did. */
static int wait_alarm(const sigset_t *unblocked)
{
	while (alarms == 0)
		if (sigsuspend(unblocked) != -1 || errno != EINTR)
			return -1; /* sigsuspend returns only when a handler ran */
	return 0;
}

int main(void)
{
	struct itimerval it, left;
	struct sigaction sa;
	struct timespec extra = { 0, 150 * 1000 * 1000 };
	sigset_t block, unblocked;
	long long t0, ms;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alrm;
	sigemptyset(&sa.sa_mask);
	check(sigaction(SIGALRM, &sa, NULL) == 0, "sigaction SIGALRM");
	/* SIGALRM blocked outside sigsuspend, so it cannot slip in before we sleep. */
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_SETMASK, &block, NULL);
	sigemptyset(&unblocked);

	t0 = now_ms();
	printf("alarm(1): previous %u\n", alarm(1));
	if (wait_alarm(&unblocked) != 0) {
		printf("FAIL: sigsuspend\n");
		return 1;
	}
	ms = now_ms() - t0;
	printf("alarm(1): handler ran %d times, after 1 s: %s\n", (int)alarms,
	       ms >= 990 && ms < 5000 ? "yes" : "no");
	check(alarms == 1, "alarm handler ran once");
	check(ms >= 990 && ms < 5000, "alarm(1) fired after about 1 s");
	printf("alarm(0) after firing: %u\n", alarm(0));

	alarms = 0;
	memset(&it, 0, sizeof(it));
	it.it_value.tv_usec = 50 * 1000;
	t0 = now_ms();
	check(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer");
	if (wait_alarm(&unblocked) != 0) {
		printf("FAIL: sigsuspend\n");
		return 1;
	}
	ms = now_ms() - t0;
	printf("setitimer 50 ms: handler ran %d times, in range: %s\n", (int)alarms,
	       ms >= 50 && ms < 2000 ? "yes" : "no");
	check(ms >= 50 && ms < 2000, "one-shot timer fired after 50 ms, within 2 s");

	/* One-shot: nothing further comes, and the timer reads as disarmed. */
	sigprocmask(SIG_SETMASK, &unblocked, NULL);
	while (nanosleep(&extra, &extra) != 0)
		;
	check(getitimer(ITIMER_REAL, &left) == 0, "getitimer");
	printf("150 ms later: handler ran %d times, timer disarmed: %s\n", (int)alarms,
	       left.it_value.tv_sec == 0 && left.it_value.tv_usec == 0 ? "yes" : "no");
	check(alarms == 1, "one-shot timer fired once");
	check(left.it_value.tv_sec == 0 && left.it_value.tv_usec == 0, "timer disarmed");
	return fails;
}
