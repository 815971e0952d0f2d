/*
 * Scheduling policy and parameters, affinity, memory locking and the
 * process name: what Linux answers to a root process, printed the same
 * way natively and in the VM (nothing that depends on the host's CPU
 * count or timing is printed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void check(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "ok" : "FAIL");
	failures += !ok;
}

/* A raw call: musl's wrappers for sched_setscheduler and co. answer ENOSYS
 * themselves (it leaves policy to pthreads), so go to the kernel. */
static long sys(long nr, long a, long b, long c)
{
	long r = syscall(nr, a, b, c);

	return r < 0 ? -errno : r;
}

int main(void)
{
	struct sched_param sp = { .sched_priority = 0 };
	struct timespec ts;
	char name[32];
	unsigned long mask[16];
	static char page[8192] __attribute__((aligned(4096)));
	pid_t pid;
	int st;

	check("max OTHER 0", sys(SYS_sched_get_priority_max, SCHED_OTHER, 0, 0) == 0);
	check("min OTHER 0", sys(SYS_sched_get_priority_min, SCHED_OTHER, 0, 0) == 0);
	check("max FIFO 99", sys(SYS_sched_get_priority_max, SCHED_FIFO, 0, 0) == 99);
	check("min RR 1", sys(SYS_sched_get_priority_min, SCHED_RR, 0, 0) == 1);
	check("max of policy 42 EINVAL", sys(SYS_sched_get_priority_max, 42, 0, 0) == -EINVAL);
	check("getscheduler self OTHER", sys(SYS_sched_getscheduler, 0, 0, 0) == SCHED_OTHER);
	check("getscheduler -1 EINVAL", sys(SYS_sched_getscheduler, -1, 0, 0) == -EINVAL);
	check("getscheduler of no process ESRCH",
	      sys(SYS_sched_getscheduler, 999999, 0, 0) == -ESRCH);
	check("getparam self 0",
	      sys(SYS_sched_getparam, 0, (long)&sp, 0) == 0 && sp.sched_priority == 0);
	check("getparam NULL EINVAL", sys(SYS_sched_getparam, 0, 0, 0) == -EINVAL);
	sp.sched_priority = 5;
	check("OTHER with priority 5 EINVAL",
	      sys(SYS_sched_setscheduler, 0, SCHED_OTHER, (long)&sp) == -EINVAL);
	sp.sched_priority = 0;
	check("FIFO with priority 0 EINVAL",
	      sys(SYS_sched_setscheduler, 0, SCHED_FIFO, (long)&sp) == -EINVAL);
	check("BATCH", sys(SYS_sched_setscheduler, 0, SCHED_BATCH, (long)&sp) == 0 &&
	                       sys(SYS_sched_getscheduler, 0, 0, 0) == SCHED_BATCH);
	/* A child inherits the policy. */
	pid = fork();
	if (pid == 0)
		_exit(sys(SYS_sched_getscheduler, 0, 0, 0) == SCHED_BATCH ? 0 : 1);
	check("child inherits BATCH",
	      waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	check("back to OTHER", sys(SYS_sched_setscheduler, 0, SCHED_OTHER, (long)&sp) == 0 &&
	                               sys(SYS_sched_getscheduler, 0, 0, 0) == SCHED_OTHER);
	check("rr_get_interval self", sys(SYS_sched_rr_get_interval, 0, (long)&ts, 0) == 0);

	memset(mask, 0, sizeof(mask));
	check("getaffinity: CPU 0 in the mask",
	      sys(SYS_sched_getaffinity, 0, sizeof(mask), (long)mask) > 0 && (mask[0] & 1));
	check("getaffinity of 1 byte EINVAL",
	      sys(SYS_sched_getaffinity, 0, 1, (long)mask) == -EINVAL);
	mask[0] = 1;
	check("setaffinity CPU 0", sys(SYS_sched_setaffinity, 0, sizeof(mask), (long)mask) == 0);

	check("mlock", mlock(page, sizeof(page)) == 0);
	check("munlock", munlock(page, sizeof(page)) == 0);
	check("mlockall(0) EINVAL", sys(SYS_mlockall, 0, 0, 0) == -EINVAL);
	check("mlockall current", mlockall(MCL_CURRENT) == 0);
	check("munlockall", munlockall() == 0);

	check("PR_SET_NAME", prctl(PR_SET_NAME, "a-much-longer-name-than-fits", 0, 0, 0) == 0);
	memset(name, 'x', sizeof(name));
	check("PR_GET_NAME cut to 15",
	      prctl(PR_GET_NAME, name, 0, 0, 0) == 0 && strcmp(name, "a-much-longer-n") == 0);
	printf("name: %s\n", name);
	check("prctl option 12345 EINVAL", sys(SYS_prctl, 12345, 0, 0) == -EINVAL);
	return failures ? 1 : 0;
}
