/* Process 1's start: its command line, a server placed first, then execve in place. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <launch/launch.h>

extern char **environ;

void launch_program(const char *workdir, const char *path, char **argv, enum launch_origin origin)
{
	int err;

	if (workdir && chdir(workdir) < 0) {
		fprintf(stderr, "nanvixd: cannot use %s as the working directory in the VM: %s\n",
		        workdir, strerror(errno));
		exit(LAUNCH_EXIT_WORKDIR);
	}
	execve(path, argv, environ);
	err = errno;
	fprintf(stderr, "nanvixd: cannot run %s%s: %s\n", path,
	        origin == LAUNCH_VM ? " from the VM's file system" : "", strerror(err));
	exit(err == ENOEXEC || err == EACCES || err == EISDIR ? LAUNCH_EXIT_NOEXEC
	                                                      : LAUNCH_EXIT_NOTFOUND);
}

int launch_parse(int argc, char **argv, int (*own)(const char *opt), struct launch_args *a)
{
	int i;

	*a = (struct launch_args){ .origin = LAUNCH_HOST };
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (own && own(argv[i]))
			continue;
		if (!strcmp(argv[i], "--vm"))
			a->origin = LAUNCH_VM;
		else if (!strcmp(argv[i], "--cd") && i + 1 < argc)
			a->workdir = argv[++i];
		else if (!strcmp(argv[i], "--exec") && i + 1 < argc)
			a->path = argv[++i];
		else
			return -1;
	}
	if (!a->path || i + 1 >= argc)
		return -1;
	a->argv = argv + i + 1;
	return 0;
}

void launch_with_server(const char *who, void (*server)(int ready_fd), const struct launch_args *a,
                        int setup)
{
	int p[2];
	char c;
	pid_t pid;

	if (pipe(p) < 0) {
		fprintf(stderr, "%s: pipe: %s\n", who, strerror(errno));
		exit(setup);
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "%s: fork: %s\n", who, strerror(errno));
		exit(setup);
	}
	if (pid == 0) {
		close(p[0]);
		server(p[1]);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		exit(setup); /* the server said why */
	close(p[0]);
	launch_program(a->workdir, a->path, a->argv, a->origin);
}
