/*
 * A parent that ignores SIGCHLD, or sets SA_NOCLDWAIT, leaves no zombies:
 * wait blocks until its children have ended, then fails with ECHILD.  With
 * SA_NOCLDWAIT and a handler the signal still comes.  Back to the default,
 * children are waited for as usual.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t chld;
static int failures;

static void check(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "ok" : "FAIL");
	failures += !ok;
}

static void on_chld(int sig)
{
	(void)sig;
	chld++;
}

static pid_t child(int ms)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct timespec ts = { 0, ms * 1000000L };

		nanosleep(&ts, NULL);
		_exit(3);
	}
	return pid;
}

int main(void)
{
	struct sigaction sa;
	int st;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGCHLD, &sa, NULL);
	child(50);
	child(100);
	check("SIG_IGN: wait waits for both, then ECHILD", wait(&st) == -1 && errno == ECHILD);

	sa.sa_handler = on_chld;
	sa.sa_flags = SA_NOCLDWAIT;
	sigaction(SIGCHLD, &sa, NULL);
	child(50);
	check("SA_NOCLDWAIT: ECHILD", waitpid(-1, &st, 0) == -1 && errno == ECHILD);
	check("... and the handler ran", chld == 1);

	sa.sa_handler = SIG_DFL;
	sa.sa_flags = 0;
	sigaction(SIGCHLD, &sa, NULL);
	child(10);
	check("default again: the child is waited for",
	      wait(&st) > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 3);
	return failures ? 1 : 0;
}
