/* Process creation as libcs do it: fork, vfork, posix_spawn, system, popen, exec of scripts. */
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* errno names, the same whatever the libc's strerror says. */
static const char *errname(int e)
{
	switch (e) {
	case 0: return "0";
	case ENOENT: return "ENOENT";
	case ENOEXEC: return "ENOEXEC";
	case EACCES: return "EACCES";
	case E2BIG: return "E2BIG";
	case ELOOP: return "ELOOP";
	default: return "other";
	}
}

static void report(const char *what, int st)
{
	if (WIFEXITED(st))
		printf("%s: exit %d\n", what, WEXITSTATUS(st));
	else
		printf("%s: signal %d\n", what, WTERMSIG(st));
}

/* execve `path` in a child; print the errno it fails with, or the child's status. */
static void try_exec(const char *path)
{
	char *argv[] = { (char *)path, "arg", NULL };
	int fds[2], err = 0, st;
	pid_t pid;

	if (pipe(fds) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		execve(path, argv, environ);
		err = errno;
		if (write(fds[1], &err, sizeof(err)) < 0)
			_exit(99);
		_exit(98);
	}
	close(fds[1]);
	if (read(fds[0], &err, sizeof(err)) == (ssize_t)sizeof(err))
		printf("execve %s: %s\n", path, errname(err));
	close(fds[0]);
	waitpid(pid, &st, 0);
	if (!err)
		report(path, st);
}

int main(void)
{
	char *sh_argv[] = { "sh", "-c", "echo spawned; exit 5", NULL };
	char buf[128];
	volatile int shared = 0;
	pid_t pid;
	FILE *f;
	int st, rc;

	setvbuf(stdout, NULL, _IONBF, 0);
	pid = fork();
	if (pid == 0)
		_exit(7);
	waitpid(pid, &st, 0);
	report("fork", st);

	pid = vfork();
	if (pid == 0) {
		shared = 42;
		_exit(3);
	}
	waitpid(pid, &st, 0);
	report("vfork", st);
	printf("vfork: the parent sees the child's write: %d\n", shared);

	/* The child runs as soon as it execs: report after waiting, so the order is fixed. */
	rc = posix_spawn(&pid, "/bin/sh", NULL, NULL, sh_argv, environ);
	if (rc == 0 && waitpid(pid, &st, 0) == pid)
		report("posix_spawn", st);
	printf("posix_spawn: %d\n", rc);
	rc = posix_spawn(&pid, "/nonexistent", NULL, NULL, sh_argv, environ);
	printf("posix_spawn of a missing file: %s\n", errname(rc));
	if (rc == 0 && waitpid(pid, &st, 0) == pid)
		report("  its child", st);
	rc = posix_spawnp(&pid, "sh", NULL, NULL, sh_argv, environ);
	if (rc == 0 && waitpid(pid, &st, 0) == pid)
		report("posix_spawnp", st);

	report("system", system("echo from system; exit 9"));

	f = popen("echo popen-read; exit 2", "r");
	if (f && fgets(buf, sizeof(buf), f))
		printf("popen r: %s", buf);
	if (f)
		report("pclose r", pclose(f));
	f = popen("tr a-z A-Z; exit 4", "w");
	if (f) {
		fputs("popen-write\n", f);
		fflush(f);
		report("pclose w", pclose(f));
	}

	try_exec("./hello.sh");
	try_exec("./text.sh");
	try_exec("./nointerp.sh");
	try_exec("./noexist.sh");
	return 0;
}
