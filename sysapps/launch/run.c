/* launch_program: chdir, then execve in place, or one clear line and a status. */
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
