/* execve of programs stored on the disk, by absolute and relative path. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void run(const char *path)
{
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		char *argv[] = { (char *)path, "from", "disk", NULL };

		execv(path, argv);
		perror("execv");
		_exit(127);
	}
	waitpid(pid, &st, 0);
	printf("%s: status %d\n", path, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

int main(void)
{
	fflush(stdout);
	run("/bin/args");
	if (chdir("/bin") == 0)
		run("./args");
	run("/bin/missing");
	run("/etc");
	return 0;
}
