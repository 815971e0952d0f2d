/*
 * ITIMER_VIRTUAL and ITIMER_PROF: periodic signals as the process runs,
 * getitimer's interval, and a disarmed timer staying quiet.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>

static volatile sig_atomic_t vt, prof;

static void on_vt(int sig)
{
	(void)sig;
	vt++;
}

static void on_prof(int sig)
{
	(void)sig;
	prof++;
}

int main(void)
{
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } }, off = { { 0, 0 }, { 0, 0 } }, got;

	signal(SIGVTALRM, on_vt);
	signal(SIGPROF, on_prof);
	setitimer(ITIMER_VIRTUAL, &it, NULL);
	while (vt < 5)
		; /* spin: CPU time passes */
	printf("ITIMER_VIRTUAL fired 5 times\n");
	setitimer(ITIMER_VIRTUAL, &off, NULL);
	getitimer(ITIMER_VIRTUAL, &got);
	printf("disarmed: %ld %ld\n", (long)got.it_value.tv_sec, (long)got.it_value.tv_usec);
	setitimer(ITIMER_PROF, &it, NULL);
	while (prof < 5)
		;
	getitimer(ITIMER_PROF, &got);
	printf("ITIMER_PROF fired 5 times, interval %ld us\n", (long)got.it_interval.tv_usec);
	setitimer(ITIMER_PROF, &off, NULL);
	printf("no SIGVTALRM after disarming: %d\n", vt == 5);
	return 0;
}
