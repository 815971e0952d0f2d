/* kill(-1, sig) signals every process but process 1 and the caller. */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
	(void)sig;
	got = 1;
}

int main(void)
{
	int fds[2], st;
	pid_t child, mid;
	char c;

	signal(SIGUSR1, on_usr1);
	if (pipe(fds) < 0)
		return 1;
	child = fork();
	if (child == 0) {
		/* Wait for the signal, then report it through the exit status. */
		close(fds[0]);
		if (write(fds[1], "r", 1) != 1)
			_exit(2);
		while (!got)
			pause();
		_exit(7);
	}
	if (read(fds[0], &c, 1) != 1)
		return 1;
	/* A second process (not process 1) calls kill(-1): process 1 is spared too. */
	mid = fork();
	if (mid == 0) {
		int rc = kill(-1, SIGUSR1);

		_exit(rc == 0 && !got ? 0 : 1);
	}
	waitpid(mid, &st, 0);
	printf("kill(-1) from a child: %s, caller spared: %s\n",
	       WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "ok" : "failed",
	       WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "yes" : "no");
	waitpid(child, &st, 0);
	printf("sibling got the signal: %s\n",
	       WIFEXITED(st) && WEXITSTATUS(st) == 7 ? "yes" : "no");
	printf("process 1 got it: %s\n", got ? "yes" : "no");
	/* From process 1 itself: there is no one else left, so ESRCH. */
	printf("kill(-1) alone: %s\n", kill(-1, SIGUSR1) < 0 ? "ESRCH" : "sent");
	printf("process 1 got it: %s\n", got ? "yes" : "no");
	return 0;
}
