/*
 * Signals ignored by default (SIGCHLD, SIGCONT, SIGURG, SIGWINCH) stay
 * pending while blocked; unblocked with the default action they vanish;
 * caught, they reach the handler; setting SIG_IGN or SIG_DFL discards a
 * pending one.  A signal explicitly ignored and not blocked is dropped.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t caught;
static int failures;

static void check(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "ok" : "FAIL");
	failures += !ok;
}

static void on_sig(int sig)
{
	caught = sig;
}

static int pending(int sig)
{
	sigset_t p;

	sigpending(&p);
	return sigismember(&p, sig);
}

static void block(int sig, int how)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(how, &s, NULL);
}

int main(void)
{
	const int sigs[] = { SIGCHLD, SIGCONT, SIGURG, SIGWINCH };
	struct sigaction sa;
	pid_t pid;

	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		int sig = sigs[i];
		char what[64];

		block(sig, SIG_BLOCK);
		kill(getpid(), sig);
		snprintf(what, sizeof(what), "%d blocked: pending", sig);
		check(what, pending(sig));
		block(sig, SIG_UNBLOCK);
		snprintf(what, sizeof(what), "%d unblocked, default action: gone", sig);
		check(what, !pending(sig));
	}

	/* Blocked, then caught when unblocked. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sigaction(SIGWINCH, &sa, NULL);
	block(SIGWINCH, SIG_BLOCK);
	kill(getpid(), SIGWINCH);
	caught = 0;
	block(SIGWINCH, SIG_UNBLOCK);
	check("caught after unblocking", caught == SIGWINCH);

	/* A child's exit while SIGCHLD is blocked: pending until unblocked. */
	block(SIGCHLD, SIG_BLOCK);
	pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	check("SIGCHLD of a child pending while blocked", pending(SIGCHLD));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	check("setting SIG_DFL discards it", !pending(SIGCHLD));
	kill(getpid(), SIGCHLD);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGCHLD, &sa, NULL);
	check("setting SIG_IGN discards it", !pending(SIGCHLD));
	block(SIGCHLD, SIG_UNBLOCK);
	kill(getpid(), SIGCHLD);
	check("ignored and unblocked: dropped", !pending(SIGCHLD));
	return failures ? 1 : 0;
}
