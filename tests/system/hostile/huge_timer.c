/* Interval timers with spans near 2^63 s saturate ("never") instead of wrapping into the past. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t ticks;

static void on_alarm(int sig)
{
	(void)sig;
	ticks++;
}

static void nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0)
		;
}

int main(void)
{
	struct itimerval once_then_never = { { INT64_MAX, 0 }, { 0, 1 } };
	struct itimerval never = { { 0, 0 }, { INT64_MAX, 0 } };
	struct itimerval off = { { 0, 0 }, { 0, 0 } }, cur;

	signal(SIGALRM, on_alarm);
	nap(1200); /* the bug showed once the VM had been up for over a second */
	setitimer(ITIMER_REAL, &once_then_never, NULL);
	nap(300);
	setitimer(ITIMER_REAL, &off, NULL);
	printf("huge interval: %d signal(s)\n", (int)ticks);
	ticks = 0;
	setitimer(ITIMER_REAL, &never, NULL);
	nap(300);
	getitimer(ITIMER_REAL, &cur);
	printf("huge first expiry: %d signal(s), still armed: %s\n", (int)ticks,
	       cur.it_value.tv_sec > 1000000 ? "yes" : "no");
	setitimer(ITIMER_REAL, &off, NULL);
	return 0;
}
