/* Starting the user's program as process 1: launch.elf, fsd and netd share it. */
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

/* What every process 1 nanvixd boots is told:
 *     NAME [OWN...] [--vm] [--cd DIR] --exec PATH -- ARGV0 [ARGS...] */
struct launch_args {
	enum launch_origin origin; /* --vm: LAUNCH_VM */
	const char *workdir;       /* --cd, or NULL */
	const char *path;          /* --exec */
	char **argv;               /* after --, NULL-terminated */
};

/*
 * Parse argv into *a.  `own` (may be NULL) is offered each other option
 * first (a component's own flags) and returns whether it took it.  0, or
 * -1 on a bad command line.
 */
int launch_parse(int argc, char **argv, int (*own)(const char *opt), struct launch_args *a);

/*
 * Start a server placed in the VM, then become the program: fork; the
 * child runs server(ready_fd), which writes one byte to ready_fd once it
 * serves and never returns; the parent waits for that byte and calls
 * launch_program.  If the fork fails or the server ends before it is
 * ready (it says why on stderr), exits with `setup`.  `who` prefixes
 * errors.
 */
__attribute__((noreturn)) void launch_with_server(const char *who, void (*server)(int ready_fd),
                                                  const struct launch_args *a, int setup);

#endif /* LAUNCH_LAUNCH_H */
