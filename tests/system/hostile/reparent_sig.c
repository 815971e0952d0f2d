/* reparent_sig: a clone child with exit signal SIGUSR2 outlives its parent
 * and is reparented to the top process (pid 1 in a Nanvix VM); Linux
 * resets the exit signal of a reparented child to SIGCHLD ("we don't want
 * people slaying init"), so the top process must survive and print
 * "parent survived". */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	pid_t mid;

	/* Natively, make this process the reaper of orphans, as pid 1 is in
	 * the VM (Nanvix: ENOSYS or EINVAL, no matter). */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	mid = fork();

	if (mid == 0) {
		/* The middle process: a child with exit signal SIGUSR2 that
		 * outlives it by 200 ms. */
		long r = syscall(SYS_clone, SIGUSR2, 0, 0, 0, 0);

		if (r == 0) {
			struct timespec ts = { 0, 200000000 };

			nanosleep(&ts, NULL);
			_exit(0);
		}
		_exit(0);
	}
	waitpid(mid, NULL, 0);
	sleep(1);
	while (waitpid(-1, NULL, __WALL | WNOHANG) > 0)
		;
	printf("parent survived\n");
	return 0;
}
