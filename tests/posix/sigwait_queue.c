/*
 * sigqueue with a value, taken by sigwaitinfo and by an SA_SIGINFO
 * handler; sigtimedwait's timeouts (zero and 100 ms: EAGAIN); a signal
 * from a child while waiting; sigwait; errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;
static volatile int got_value = -1, got_code;

static void check(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "ok" : "FAIL");
	failures += !ok;
}

static void on_rt(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	got_value = si->si_value.sival_int;
	got_code = si->si_code;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	sigset_t set;
	siginfo_t si;
	struct sigaction sa;
	struct timespec zero = { 0, 0 }, tenth = { 0, 100000000 };
	double t0;
	pid_t pid;
	int sig, st;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);

	check("sigqueue to ourselves",
	      sigqueue(getpid(), SIGUSR1, (union sigval){ .sival_int = 42 }) == 0);
	memset(&si, 0, sizeof(si));
	check("sigwaitinfo takes it", sigwaitinfo(&set, &si) == SIGUSR1);
	check("... SI_QUEUE, its value and our pid",
	      si.si_code == SI_QUEUE && si.si_value.sival_int == 42 && si.si_pid == getpid());
	check("nothing pending, zero timeout: EAGAIN",
	      sigtimedwait(&set, &si, &zero) == -1 && errno == EAGAIN);
	t0 = mono();
	check("100 ms timeout: EAGAIN", sigtimedwait(&set, &si, &tenth) == -1 && errno == EAGAIN);
	check("... after 100 ms", mono() - t0 >= 0.09);

	pid = fork();
	if (pid == 0) {
		struct timespec d = { 0, 50000000 };

		nanosleep(&d, NULL);
		kill(getppid(), SIGUSR2);
		_exit(0);
	}
	memset(&si, 0, sizeof(si));
	check("a child's signal ends the wait", sigwaitinfo(&set, &si) == SIGUSR2);
	check("... SI_USER from the child", si.si_code == SI_USER && si.si_pid == pid);
	waitpid(pid, &st, 0);

	raise(SIGUSR2);
	check("sigwait", sigwait(&set, &sig) == 0 && sig == SIGUSR2);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_rt;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGRTMIN, &sa, NULL);
	sigqueue(getpid(), SIGRTMIN, (union sigval){ .sival_int = 7 });
	check("an SA_SIGINFO handler gets the value", got_value == 7 && got_code == SI_QUEUE);
	check("sigqueue to no process: ESRCH",
	      sigqueue(999999, SIGUSR1, (union sigval){ .sival_int = 1 }) == -1 && errno == ESRCH);
	check("sigqueue of signal 0: a check", sigqueue(getpid(), 0, (union sigval){ 0 }) == 0);
	return failures ? 1 : 0;
}
