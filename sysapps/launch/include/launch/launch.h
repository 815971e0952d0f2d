/* Starting the user's program as process 1: launch.elf and fsd share it. */
#ifndef LAUNCH_LAUNCH_H
#define LAUNCH_LAUNCH_H

/* Exit statuses when the program cannot be started (nanvixd's own codes). */
#define LAUNCH_EXIT_WORKDIR  125 /* the working directory is missing or no directory */
#define LAUNCH_EXIT_NOEXEC   126 /* the file is there but cannot be run */
#define LAUNCH_EXIT_NOTFOUND 127 /* no such program */

/* Where the program comes from; only the error message differs. */
enum launch_origin {
	LAUNCH_HOST, /* a host file nanvixd registered (by its name) */
	LAUNCH_VM,   /* a file of the VM's file system (disk or volume) */
};

/*
 * Become the program: chdir(workdir) unless workdir is NULL, then
 * execve(path, argv, environ), keeping this process's id (1), so the VM's
 * exit status is the program's.  Never returns: on failure it prints one
 * line naming the directory or program and the reason to stderr and exits
 * with LAUNCH_EXIT_WORKDIR, LAUNCH_EXIT_NOEXEC (ENOEXEC, EACCES, EISDIR)
 * or LAUNCH_EXIT_NOTFOUND (anything else).
 */
__attribute__((noreturn)) void launch_program(const char *workdir, const char *path, char **argv,
                                              enum launch_origin origin);

#endif /* LAUNCH_LAUNCH_H */
