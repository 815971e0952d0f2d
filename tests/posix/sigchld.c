/* sigchld: a SIGCHLD handler runs when a child exits; waitpid then reaps it. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int fails;
static volatile sig_atomic_t chld_count; /* written by the handler */
static volatile pid_t chld_from;         /* si_pid of the last SIGCHLD */
static volatile sig_atomic_t chld_code;  /* si_code of the last SIGCHLD */

static void check(int ok, const char *what)
{
	if (!ok) {
		fails++;
		printf("FAIL: %s\n", what);
	}
}

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (sig == SIGCHLD) {
		chld_count++;
		chld_from = si->si_pid;
		chld_code = si->si_code;
	}
}

int main(void)
{
	struct sigaction sa;
	sigset_t block, unblocked;
	int st = 0;
	pid_t pid, r;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	check(sigaction(SIGCHLD, &sa, NULL) == 0, "sigaction SIGCHLD");
	/* Held until sigsuspend, so the child's exit cannot be missed before we sleep. */
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_SETMASK, &block, NULL);
	sigemptyset(&unblocked);

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(5);
	if (pid < 0) {
		printf("FAIL: fork\n");
		return 1;
	}
	while (chld_count == 0)
		if (sigsuspend(&unblocked) != -1 || errno != EINTR) {
			printf("FAIL: sigsuspend\n"); /* it returns only when a handler ran */
			return 1;
		}
	printf("SIGCHLD handler ran: %d, from the child %s, CLD_EXITED %s\n", (int)chld_count,
	       chld_from == pid ? "yes" : "no", chld_code == CLD_EXITED ? "yes" : "no");
	check(chld_count == 1 && chld_from == pid && chld_code == CLD_EXITED,
	      "SIGCHLD describes the child");

	r = waitpid(pid, &st, 0);
	printf("waitpid reaps it: %s, exit status %d\n", r == pid ? "yes" : "no", WEXITSTATUS(st));
	check(r == pid && WIFEXITED(st) && WEXITSTATUS(st) == 5, "waitpid after SIGCHLD");
	errno = 0;
	r = waitpid(-1, &st, WNOHANG);
	printf("nothing left: %d %s\n", (int)r, errno == ECHILD ? "ECHILD" : "?");
	check(r == -1 && errno == ECHILD, "the child was reaped once");
	return fails;
}
