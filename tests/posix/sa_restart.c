/* sa_restart: SA_RESTART restarts an interrupted read; without it read fails with EINTR; waitpid sees a child that ends while SIGCHLD is caught. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int fds[2];
static volatile sig_atomic_t handled;

static void on_alarm(int sig)
{
	(void)sig;
	handled++;
	if (write(fds[1], "x", 1) != 1)
		handled = 100;
}

static void on_child(int sig)
{
	(void)sig;
	handled++;
}

static int catch (int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

int main(void)
{
	char c;
	ssize_t n;
	int status;
	pid_t pid, got;

	if (pipe(fds) || catch (SIGALRM, on_alarm, SA_RESTART) || catch (SIGCHLD, on_child, 0)) {
		printf("FAIL: setup\n");
		return 1;
	}
	/* The handler writes the byte the interrupted read then gets. */
	alarm(1);
	n = read(fds[0], &c, 1);
	printf("with SA_RESTART: read %zd '%c', handler ran %d\n", n, n == 1 ? c : '?', handled);

	handled = 0;
	catch (SIGALRM, on_alarm, 0);
	alarm(1);
	errno = 0;
	n = read(fds[0], &c, 1);
	printf("without SA_RESTART: read %zd %s, handler ran %d\n", n,
	       errno == EINTR ? "EINTR" : "?", handled);
	if (n < 0 && read(fds[0], &c, 1) == 1)
		printf("the handler's byte is still there: '%c'\n", c);

	handled = 0;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		usleep(100000);
		_exit(5);
	}
	got = waitpid(pid, &status, 0);
	printf("waitpid while SIGCHLD is caught: %s, status %d, handler ran %d\n",
	       got == pid ? "the child" : "failed", WEXITSTATUS(status), handled);
	return got == pid ? 0 : 1;
}
