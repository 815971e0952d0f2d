/* pipe_eof_sigpipe: no writer gives EOF; no reader gives SIGPIPE (fatal) or, if ignored, EPIPE. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
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

static void set_sigpipe(void (*disposition)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = disposition;
	sigemptyset(&sa.sa_mask);
	check(sigaction(SIGPIPE, &sa, NULL) == 0, "sigaction SIGPIPE");
}

int main(void)
{
	int fds[2], st = 0;
	sigset_t none;
	ssize_t n;
	char c;
	pid_t pid;

	if (pipe(fds) != 0) {
		printf("FAIL: pipe\n");
		return 1;
	}
	close(fds[1]);
	n = read(fds[0], &c, 1);
	printf("read with no writer: %d\n", (int)n);
	check(n == 0, "read with no writer gives EOF");
	close(fds[0]);

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		/* Whatever the runner left us, SIGPIPE must be default and unblocked. */
		set_sigpipe(SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (pipe(fds) != 0)
			_exit(1);
		close(fds[0]);
		n = write(fds[1], "x", 1);
		_exit(n < 0 ? 3 : 2); /* not reached: SIGPIPE kills */
	}
	if (pid < 0) {
		printf("FAIL: fork\n");
		return 1;
	}
	check(waitpid(pid, &st, 0) == pid, "waitpid");
	printf("default SIGPIPE: WIFSIGNALED %d WTERMSIG %d\n", WIFSIGNALED(st), WTERMSIG(st));
	check(WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE,
	      "write without reader killed by SIGPIPE (13)");

	set_sigpipe(SIG_IGN);
	if (pipe(fds) != 0) {
		printf("FAIL: pipe\n");
		return 1;
	}
	close(fds[0]);
	errno = 0;
	n = write(fds[1], "x", 1);
	printf("ignored SIGPIPE: write %d %s\n", (int)n, errno == EPIPE ? "EPIPE" : "?");
	check(n == -1 && errno == EPIPE, "write without reader gives EPIPE");
	close(fds[1]);
	return fails;
}
