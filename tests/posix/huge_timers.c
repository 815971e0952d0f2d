/*
 * Interval timers with times too large to count in nanoseconds (2^63 s):
 * they mean "never" and must neither fire nor wrap into a deadline already
 * past (which once livelocked the VM with ticks).  Every ITIMER_* and a
 * POSIX timer whose first expiry is now but whose period is huge.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got[65];

static void on_sig(int sig)
{
	got[sig]++;
}

static void pass_time(void)
{
	struct timespec ts = { 0, 30000000 };
	volatile unsigned long spin;

	for (int i = 0; i < 50; i++)
		getppid();
	for (spin = 0; spin < 20000000; spin++)
		;
	nanosleep(&ts, NULL);
}

int main(void)
{
	static const int which[] = { ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF };
	static const int sig[] = { SIGALRM, SIGVTALRM, SIGPROF };
	static const char *name[] = { "ITIMER_REAL", "ITIMER_VIRTUAL", "ITIMER_PROF" };
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	struct itimerspec its = { { INT64_MAX, 0 }, { 0, 1 } }, left;
	timer_t id;

	for (int i = 0; i < 3; i++) {
		struct itimerval it = { { INT64_MAX, 0 }, { INT64_MAX, 999999 } }, now;

		signal(sig[i], on_sig);
		printf("%s huge: %d\n", name[i], setitimer(which[i], &it, NULL));
		pass_time();
		getitimer(which[i], &now);
		/* What Linux reads back for a CPU-time timer this far out varies from run
		 * to run (its expiry is kept as CPU time plus the value, at the edge of
		 * 64 bits): only the wall-clock timer's is compared. */
		if (which[i] == ITIMER_REAL)
			printf("%s: fired %d, still armed far away %d\n", name[i],
			       (int)got[sig[i]], now.it_value.tv_sec > 1000000000);
		else
			printf("%s: fired %d\n", name[i], (int)got[sig[i]]);
		it.it_value.tv_sec = it.it_value.tv_usec = 0;
		setitimer(which[i], &it, NULL);
	}

	signal(SIGUSR1, on_sig);
	if (timer_create(CLOCK_MONOTONIC, &ev, &id)) {
		perror("timer_create");
		return 1;
	}
	printf("timer_settime now, huge period: %d\n", timer_settime(id, 0, &its, NULL));
	pass_time();
	timer_gettime(id, &left);
	printf("fired once: %d, next far away %d, overruns %d\n", (int)got[SIGUSR1],
	       left.it_value.tv_sec > 1000000000, timer_getoverrun(id));
	timer_delete(id);
	return 0;
}
