/* waitid: exits and kills reported in a siginfo, WNOHANG, WNOWAIT, P_PGID, errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

static void check(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "ok" : "FAIL");
	failures += !ok;
}

static void show(const char *what, const siginfo_t *si)
{
	printf("%s: signo %d code %d status %d\n", what, si->si_signo, si->si_code, si->si_status);
}

int main(void)
{
	siginfo_t si;
	int pipefd[2];
	pid_t a, b;
	char c;

	/* An exit code. */
	a = fork();
	if (a == 0)
		_exit(7);
	memset(&si, 0, sizeof(si));
	check("P_PID exited", waitid(P_PID, (id_t)a, &si, WEXITED) == 0 && si.si_pid == a);
	show("exited", &si);

	/* Killed by a signal; looked at with WNOWAIT first, then reaped. */
	a = fork();
	if (a == 0) {
		pause();
		_exit(0);
	}
	kill(a, SIGTERM);
	memset(&si, 0, sizeof(si));
	check("WNOWAIT sees it", waitid(P_ALL, 0, &si, WEXITED | WNOWAIT) == 0 && si.si_pid == a);
	show("killed", &si);
	memset(&si, 0, sizeof(si));
	check("still there to reap", waitid(P_PID, (id_t)a, &si, WEXITED) == 0 && si.si_pid == a);
	check("gone after", waitid(P_PID, (id_t)a, &si, WEXITED) == -1 && errno == ECHILD);

	/* WNOHANG with a child still running: 0, si_pid and si_signo zeroed. */
	if (pipe(pipefd) != 0)
		return 2;
	b = fork();
	if (b == 0) {
		close(pipefd[1]);
		if (read(pipefd[0], &c, 1) < 0)
			_exit(3);
		_exit(4);
	}
	close(pipefd[0]);
	memset(&si, 0x55, sizeof(si));
	check("WNOHANG, nothing ended",
	      waitid(P_ALL, 0, &si, WEXITED | WNOHANG) == 0 && si.si_pid == 0 && si.si_signo == 0);
	check("WSTOPPED only, nothing stops", waitid(P_PID, (id_t)b, &si, WSTOPPED | WNOHANG) == 0);
	close(pipefd[1]);
	memset(&si, 0, sizeof(si));
	check("P_PGID of ours", waitid(P_PGID, (id_t)getpgrp(), &si, WEXITED) == 0 &&
	                                si.si_pid == b && si.si_status == 4);
	show("by group", &si);

	/* Errors. */
	check("no children ECHILD", waitid(P_ALL, 0, &si, WEXITED) == -1 && errno == ECHILD);
	check("options 0 EINVAL", waitid(P_ALL, 0, &si, 0) == -1 && errno == EINVAL);
	check("idtype 42 EINVAL", waitid((idtype_t)42, 0, &si, WEXITED) == -1 && errno == EINVAL);
	check("P_PID 0 EINVAL", waitid(P_PID, 0, &si, WEXITED) == -1 && errno == EINVAL);
	return failures ? 1 : 0;
}
