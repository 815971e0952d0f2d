/* A thread that last made a call answered without a trap (getpid, clock_gettime) stays preemptible. */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void on_alarm(int sig)
{
	(void)sig;
	_exit(0); /* the timer's signal got through */
}

/* In a child: arm SIGALRM, make one kind of call, then spin until the signal ends it. */
static void spin_after(const char *what, int loop_clock)
{
	struct timespec ts;
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		signal(SIGALRM, on_alarm);
		alarm(1);
		if (loop_clock)
			for (;;)
				clock_gettime(CLOCK_MONOTONIC, &ts);
		getpid();
		for (;;)
			__asm__ volatile("" ::: "memory");
	}
	waitpid(pid, &st, 0);
	printf("%s: %s\n", what, WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "preempted" : "?");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	spin_after("getpid then a busy loop", 0);
	spin_after("a clock_gettime loop", 1);
	return 0;
}
