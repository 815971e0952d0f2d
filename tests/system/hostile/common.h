/* Shared by the hostile-guest programs: run a probe in a child and report how it ended. */
#ifndef HOSTILE_COMMON_H
#define HOSTILE_COMMON_H

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run fn() in a child; print "NAME: exit N" or "NAME: SIGNAME". */
static inline void probe(const char *name, void (*fn)(void))
{
	int st = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		fn();
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid)
		printf("%s: waitpid failed\n", name);
	else if (WIFSIGNALED(st))
		printf("%s: %s\n", name,
		       WTERMSIG(st) == SIGSEGV  ? "SIGSEGV"
		       : WTERMSIG(st) == SIGILL ? "SIGILL"
		       : WTERMSIG(st) == SIGBUS ? "SIGBUS"
		                                : "other signal");
	else
		printf("%s: exit %d\n", name, WEXITSTATUS(st));
	fflush(stdout);
}

#endif
