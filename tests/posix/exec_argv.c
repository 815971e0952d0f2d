/* exec_argv: execve passes argv and the environment, keeps the pid, replaces the program. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char *child_argv[] = { argv[0], "child", "two words", NULL };
	char *child_env[] = { "FOO=bar", "EMPTY=", NULL };
	char *last_argv[] = { argv[0], "child", "last", NULL };
	char *last_env[] = { "FOO=end", NULL };
	char *missing[] = { "nope", NULL };
	int status, r;
	pid_t pid;

	if (argc > 1 && strcmp(argv[1], "child") == 0) {
		printf("child: argc %d, argv[2] '%s', FOO '%s', EMPTY '%s'\n", argc, argv[2],
		       getenv("FOO"), getenv("EMPTY") ? getenv("EMPTY") : "(unset)");
		return strcmp(argv[2], "last") == 0 ? 0 : 3; /* the final exec reports success */
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("FAIL: fork\n");
		return 1;
	}
	if (pid == 0) {
		execve(argv[0], child_argv, child_env);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		printf("FAIL: waitpid\n");
		return 1;
	}
	printf("parent: child exited %d\n", WEXITSTATUS(status));
	errno = 0;
	r = execve("/nonexistent/nope", missing, NULL);
	printf("execve of a missing program: %d %s\n", r, errno == ENOENT ? "ENOENT" : "?");
	fflush(stdout);
	/* Replace ourselves: the exit status comes from the new program. */
	execve(argv[0], last_argv, last_env);
	printf("FAIL: execve returned\n");
	return 1;
}
