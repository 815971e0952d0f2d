/*
 * sigaltstack: a handler with SA_ONSTACK runs on the alternate stack (and
 * sees SS_ONSTACK there), one without it does not; a stack overflow is
 * caught on the alternate stack; the argument checks (EINVAL, ENOMEM,
 * EPERM on the stack); SS_DISABLE; a forked child keeps the setting.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ALT_SIZE (64 * 1024)

static char alt[ALT_SIZE] __attribute__((aligned(16)));
static volatile int on_alt, flags_in_handler, eperm_in_handler;
static int failures;

static void check(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "ok" : "FAIL");
	failures += !ok;
}

static void handler(int sig)
{
	char here;
	stack_t now, other = { .ss_sp = alt, .ss_size = ALT_SIZE };

	(void)sig;
	on_alt = &here >= alt && &here < alt + ALT_SIZE;
	sigaltstack(NULL, &now);
	flags_in_handler = now.ss_flags;
	eperm_in_handler = sigaltstack(&other, NULL) == -1 && errno == EPERM;
}

static volatile int depth;

static void on_segv(int sig)
{
	char here;

	(void)sig;
	/* On the alternate stack: the main one is exhausted. */
	_exit(&here >= alt && &here < alt + ALT_SIZE ? 42 : 1);
}

/* Deeper until the stack runs out (the depth bound is never reached). */
static int recurse(int n)
{
	volatile char pad[1024];

	pad[0] = (char)n;
	depth++;
	if (depth > 1 << 30)
		return 0;
	return recurse(n + 1) + pad[0];
}

int main(void)
{
	stack_t ss = { .ss_sp = alt, .ss_size = ALT_SIZE, .ss_flags = 0 }, old;
	struct sigaction sa;
	pid_t pid;
	int st;

	check("none at first", sigaltstack(NULL, &old) == 0 && (old.ss_flags & SS_DISABLE));
	check("bad flags EINVAL",
	      sigaltstack(&(stack_t){ .ss_sp = alt, .ss_size = ALT_SIZE, .ss_flags = 77 }, NULL) ==
	                      -1 &&
	              errno == EINVAL);
	check("too small ENOMEM",
	      sigaltstack(&(stack_t){ .ss_sp = alt, .ss_size = 1024 }, NULL) == -1 &&
	              errno == ENOMEM);
	check("set", sigaltstack(&ss, NULL) == 0);
	check("read back", sigaltstack(NULL, &old) == 0 && old.ss_sp == alt &&
	                           old.ss_size == ALT_SIZE && old.ss_flags == 0);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	check("SA_ONSTACK: on the alternate stack", on_alt);
	check("... sigaltstack says SS_ONSTACK", flags_in_handler & SS_ONSTACK);
	check("... and refuses a change (EPERM)", eperm_in_handler);
	sa.sa_flags = 0;
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);
	check("without SA_ONSTACK: not on it", !on_alt);
	check("still set after the handlers",
	      sigaltstack(NULL, &old) == 0 && old.ss_sp == alt && old.ss_flags == 0);

	/* A forked child keeps it; a stack overflow is handled on it. */
	pid = fork();
	if (pid == 0) {
		sa.sa_handler = on_segv;
		sa.sa_flags = SA_ONSTACK;
		sigaction(SIGSEGV, &sa, NULL);
		recurse(0);
		_exit(2);
	}
	check("stack overflow handled on the alternate stack (in a child)",
	      waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 42);

	check("SS_DISABLE", sigaltstack(&(stack_t){ .ss_flags = SS_DISABLE }, NULL) == 0 &&
	                            sigaltstack(NULL, &old) == 0 && (old.ss_flags & SS_DISABLE));
	return failures ? 1 : 0;
}
