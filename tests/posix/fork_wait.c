/* fork_wait: waitpid reports a child's exit status and a child killed by SIGKILL. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static int fails;

static void check(int ok, const char *what)
{
	if (!ok) {
		fails++;
		printf("FAIL: %s\n", what);
	}
}

int main(void)
{
	pid_t pid, r;
	int st = 0;

	fflush(stdout); /* the child must not inherit buffered output */
	pid = fork();
	if (pid == 0)
		_exit(7);
	if (pid < 0) {
		printf("FAIL: fork\n");
		return 1;
	}
	r = waitpid(pid, &st, 0);
	check(r == pid, "waitpid returns the child");
	printf("exit: WIFEXITED %d WEXITSTATUS %d\n", WIFEXITED(st), WEXITSTATUS(st));
	check(WIFEXITED(st) && WEXITSTATUS(st) == 7, "child exit status 7");

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	if (pid < 0) {
		printf("FAIL: fork\n");
		return 1;
	}
	check(kill(pid, SIGKILL) == 0, "kill SIGKILL");
	st = 0;
	r = waitpid(pid, &st, 0);
	check(r == pid, "waitpid returns the killed child");
	printf("kill: WIFSIGNALED %d WTERMSIG %d\n", WIFSIGNALED(st), WTERMSIG(st));
	check(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child killed by signal 9");

	errno = 0;
	r = waitpid(-1, &st, 0);
	printf("no children left: %d %s\n", (int)r, errno == ECHILD ? "ECHILD" : "?");
	check(r == -1 && errno == ECHILD, "waitpid with no children gives ECHILD");
	return fails;
}
