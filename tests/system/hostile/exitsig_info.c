/* exitsig_info: a clone child with exit signal SIGUSR2 exits with status 7;
 * Linux fills the parent's siginfo as for SIGCHLD: si_code CLD_EXITED (1),
 * si_pid the child, si_status 7. */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int got, code, pid, status;

static void on_usr2(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	code = si->si_code, pid = si->si_pid, status = si->si_status, got = 1;
}

int main(void)
{
	struct sigaction sa;
	long child;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr2;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR2, &sa, NULL);
	child = syscall(SYS_clone, SIGUSR2, 0, 0, 0, 0);
	if (child == 0)
		_exit(7);
	while (!got)
		pause();
	waitpid(child, NULL, __WCLONE);
	printf("child %ld: si_code %d si_pid %d si_status %d\n", child, code, pid, status);
	return 0;
}
