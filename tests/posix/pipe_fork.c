/* pipe_fork: a child writes three messages to a pipe; the parent reads them in order, then EOF. */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MSG_LEN 16

static int fails;

static void check(int ok, const char *what)
{
	if (!ok) {
		fails++;
		printf("FAIL: %s\n", what);
	}
}

/* Read exactly (n) bytes unless EOF or an error comes first; returns the count read. */
static size_t read_full(int fd, char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

int main(void)
{
	char buf[MSG_LEN + 1], want[MSG_LEN + 1];
	int fds[2], st = 0, i;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) != 0) {
		printf("FAIL: pipe\n");
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		for (i = 1; i <= 3; i++) {
			/* Fixed-size records so the reader can split the byte stream. */
			memset(buf, 0, sizeof(buf));
			snprintf(buf, sizeof(buf), "message %d", i);
			if (write(fds[1], buf, MSG_LEN) != MSG_LEN)
				_exit(1);
		}
		close(fds[1]);
		_exit(0);
	}
	if (pid < 0) {
		printf("FAIL: fork\n");
		return 1;
	}
	close(fds[1]); /* else the parent's own write end keeps EOF from coming */
	for (i = 1; i <= 3; i++) {
		memset(buf, 0, sizeof(buf));
		check(read_full(fds[0], buf, MSG_LEN) == MSG_LEN, "read a whole message");
		printf("read: %s\n", buf);
		snprintf(want, sizeof(want), "message %d", i);
		check(strcmp(buf, want) == 0, "messages arrive in order");
	}
	n = read(fds[0], buf, sizeof(buf));
	printf("then read: %d\n", (int)n);
	check(n == 0, "EOF after the writer closes");
	check(wait(&st) == pid, "wait returns the child");
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child exits 0");
	close(fds[0]);
	return fails;
}
