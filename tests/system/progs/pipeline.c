/* pipeline: run `argv[1] | argv[2]` as a shell would: a pipe, two children in one group, exec, wait. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static pid_t start(char *prog, int in, int out, pid_t group, int fds[2])
{
	pid_t pid = fork();

	if (pid == 0) {
		char *argv[] = { prog, NULL };

		setpgid(0, group);
		if (in >= 0)
			dup2(in, 0);
		if (out >= 0)
			dup2(out, 1);
		close(fds[0]);
		close(fds[1]);
		execve(prog, argv, environ);
		_exit(127);
	}
	return pid;
}

int main(int argc, char **argv)
{
	int fds[2], status, bad = 0;
	pid_t first, second;

	if (argc != 3 || pipe(fds) < 0) {
		printf("usage: pipeline PROGRAM1 PROGRAM2\n");
		return 2;
	}
	first = start(argv[1], -1, fds[1], 0, fds);
	second = start(argv[2], fds[0], -1, first, fds);
	close(fds[0]);
	close(fds[1]);
	if (first < 0 || second < 0)
		return 1;
	while (wait(&status) > 0)
		bad += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	fprintf(stderr, "pipeline: %s\n", bad ? "a stage failed" : "both stages exited 0");
	return bad ? 1 : 0;
}
