/* spawn: fork, execve argv[1] with the rest as its arguments, report how the child ended. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	int status;
	pid_t pid;

	if (argc < 2) {
		printf("usage: spawn PROGRAM [ARGS...]\n");
		return 2;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("fork failed: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		execve(argv[1], argv + 1, environ);
		printf("exec failed: %s\n", errno == ENOENT    ? "ENOENT"
		                            : errno == ENOEXEC ? "ENOEXEC"
		                                               : "other");
		fflush(stdout);
		_exit(127);
	}
	if (wait(&status) != pid) {
		printf("wait failed\n");
		return 1;
	}
	if (WIFEXITED(status))
		printf("child exited %d\n", WEXITSTATUS(status));
	else
		printf("child killed by signal %d\n", WTERMSIG(status));
	return 0;
}
