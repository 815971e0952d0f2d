/*
 * Job control: SIGSTOP and SIGTSTP stop a process instead of killing it,
 * SIGCONT continues it; the parent sees WIFSTOPPED/WIFCONTINUED with
 * WUNTRACED/WCONTINUED, CLD_STOPPED/CLD_CONTINUED in waitid and in its
 * SIGCHLD siginfo (not with SA_NOCLDSTOP); a caught SIGTSTP does not stop;
 * SIGKILL ends a stopped process.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
static volatile int chld_codes[8], nchld, tstp_caught;

static void check(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "ok" : "FAIL");
	failures += !ok;
}

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	if (nchld < 8)
		chld_codes[nchld++] = si->si_code;
}

static void on_tstp(int sig)
{
	(void)sig;
	tstp_caught = 1;
}

static int gate[2]; /* a stopper exits 5 once continued and this pipe is closed */

/* A child that stops itself with `sig`; continued, it waits for the gate. */
static pid_t stopper(int sig)
{
	pid_t pid;
	char c;

	if (pipe(gate) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(gate[1]);
		/* A group of its own, whose parent is in another group of the
		 * session: not orphaned, so SIGTSTP stops it on Linux whatever
		 * group and session the test harness runs in (the kernel drops
		 * SIGTSTP to an orphaned group). */
		setpgid(0, 0);
		raise(sig);
		while (read(gate[0], &c, 1) > 0)
			;
		_exit(5);
	}
	close(gate[0]);
	return pid;
}

int main(void)
{
	struct sigaction sa;
	siginfo_t si;
	pid_t pid;
	int st;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);

	pid = stopper(SIGSTOP);
	check("WUNTRACED: stopped by SIGSTOP",
	      waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	check("reported once", waitpid(pid, &st, WUNTRACED | WNOHANG) == 0);
	/* Only the first is certain: Linux may send CLD_CONTINUED once the child
	 * runs, and a SIGCHLD still pending absorbs the next one. */
	check("SIGCHLD with CLD_STOPPED", nchld >= 1 && chld_codes[0] == CLD_STOPPED);
	kill(pid, SIGCONT);
	check("WCONTINUED: continued", waitpid(pid, &st, WCONTINUED) == pid && WIFCONTINUED(st));
	close(gate[1]);
	check("then it exits",
	      waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 5);

	pid = stopper(SIGTSTP);
	memset(&si, 0, sizeof(si));
	check("waitid WSTOPPED: SIGTSTP", waitid(P_PID, (id_t)pid, &si, WSTOPPED) == 0 &&
	                                          si.si_code == CLD_STOPPED &&
	                                          si.si_status == SIGTSTP);
	kill(pid, SIGCONT);
	memset(&si, 0, sizeof(si));
	check("waitid WCONTINUED", waitid(P_PID, (id_t)pid, &si, WCONTINUED) == 0 &&
	                                   si.si_code == CLD_CONTINUED && si.si_status == SIGCONT);
	close(gate[1]);
	check("waitid WEXITED", waitid(P_PID, (id_t)pid, &si, WEXITED) == 0 && si.si_status == 5);

	/* SA_NOCLDSTOP: no SIGCHLD for the stop, one for the exit. */
	nchld = 0;
	sa.sa_flags |= SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	pid = stopper(SIGSTOP);
	waitpid(pid, &st, WUNTRACED);
	kill(pid, SIGKILL);
	close(gate[1]);
	check("SIGKILL ends a stopped child",
	      waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	check("SA_NOCLDSTOP: only the end was signalled",
	      nchld == 1 && chld_codes[0] == CLD_KILLED);

	/* A caught SIGTSTP runs its handler and does not stop. */
	signal(SIGTSTP, on_tstp);
	raise(SIGTSTP);
	check("a caught SIGTSTP does not stop", tstp_caught);
	return failures ? 1 : 0;
}
