/* clone_parent_sig: a child made with CLONE_PARENT and exit signal SIGUSR2
 * exits; Linux sends the *caller's* exit signal (SIGCHLD) to the shared
 * parent, never the one in clone's low byte.  The top process (pid 1 in a
 * Nanvix VM) must survive and print "parent survived". */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	pid_t mid = fork();

	if (mid == 0) {
		/* The middle process: a sibling (CLONE_PARENT) that exits at once. */
		long r = syscall(SYS_clone, CLONE_PARENT | SIGUSR2, 0, 0, 0, 0);

		if (r == 0)
			_exit(0);
		printf("middle: clone(CLONE_PARENT|SIGUSR2) = %ld\n", r);
		fflush(stdout);
		_exit(0);
	}
	waitpid(mid, NULL, 0);
	sleep(1);
	/* Reap the sibling, whatever its exit signal. */
	while (waitpid(-1, NULL, __WALL | WNOHANG) > 0)
		;
	printf("parent survived\n");
	return 0;
}
