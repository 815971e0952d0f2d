/* launch: process 1 that starts the user's program from the VM's file system. */
/*
 * nanvixd boots this instead of the program when the program lives in the
 * VM's file system (an absolute path that is no host file, or --in-vm) or
 * when -w names a working directory:
 *
 *     launch [--vm] [--cd DIR] --exec PATH -- ARGV0 [ARGS...]
 *
 * It changes to DIR and execs PATH with ARGV and its own environment (the
 * user's), so the program keeps process id 1 and its exit status is the
 * VM's.  --vm only words the error: "from the VM's file system".  The
 * kernel's execve does the finding: programs nanvixd registered by name
 * first, then the disk and volumes (docs/syscalls.md).
 */
#include <stdio.h>

#include <launch/launch.h>

static int usage(void)
{
	fputs("usage: launch [--vm] [--cd DIR] --exec PATH -- ARGV0 [ARGS...] "
	      "(started by nanvixd)\n",
	      stderr);
	return LAUNCH_EXIT_WORKDIR;
}

int main(int argc, char **argv)
{
	struct launch_args a;

	if (launch_parse(argc, argv, NULL, &a))
		return usage();
	launch_program(a.workdir, a.path, a.argv, a.origin);
}
