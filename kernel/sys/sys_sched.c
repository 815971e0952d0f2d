/* Scheduling policy and affinity, memory locking, prctl: what a one-vCPU VM can honestly answer. */
/*
 * The VM has one vCPU and one run queue (sched.c), so a policy changes
 * nothing in how threads run: the kernel keeps what a process asked for
 * (per process, inherited by fork, as a new thread's policy is its
 * creator's on Linux) and reports it back, with Linux's argument checks
 * and priority ranges.  The affinity mask is CPU 0, the only one.  Guest
 * memory is the host's and never paged out by the guest, so the mlock
 * family checks its arguments and succeeds.  prctl serves the name of the
 * process (PR_SET_NAME, PR_GET_NAME); anything else is EINVAL.
 */
#include <hal/uaccess.h>
#include <mm/vmem.h>
#include <proc/proc.h>
#include <sched/sched.h>
#include <sys/syscall.h>

#define SCHED_OTHER         0
#define SCHED_FIFO          1
#define SCHED_RR            2
#define SCHED_BATCH         3
#define SCHED_IDLE          5
#define SCHED_RESET_ON_FORK 0x40000000
#define RR_INTERVAL_NS      100000000ull /* Linux's default SCHED_RR slice */
#define CPUMASK_BYTES       8            /* one long: the kernel's cpumask size */
#define PR_SET_NAME         15
#define PR_GET_NAME         16
#define NAME_MAX_BYTES      16 /* TASK_COMM_LEN, with the NUL */
#define MCL_CURRENT         1
#define MCL_FUTURE          2
#define MCL_ONFAULT         4
#define MLOCK_ONFAULT       1

/*
 * The process `pid` names (0: the caller; a thread id of the caller's
 * process names that process: the policy is kept a process, and the libcs'
 * pthread_setschedparam pass a thread id), or NULL; pid < 0 is the
 * caller's EINVAL.
 */
static struct proc *target(int pid)
{
	struct proc *p = pid == 0 ? proc_current : proc_find(pid);

	if (!p && sched_find_thread(proc_current, pid))
		p = proc_current;

	return p && p->state == PROC_ALIVE ? p : NULL;
}

static bool realtime(int policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR;
}

static long priority_max(int policy)
{
	if (realtime(policy))
		return 99;
	if (policy == SCHED_OTHER || policy == SCHED_BATCH || policy == SCHED_IDLE)
		return 0;
	return -LINUX_EINVAL;
}

long sys_sched_get_priority_max(SYSCALL_ARGS)
{
	return priority_max((int)a0);
}

long sys_sched_get_priority_min(SYSCALL_ARGS)
{
	long max = priority_max((int)a0);

	return max < 0 ? max : realtime((int)a0) ? 1 : 0;
}

long sys_sched_getscheduler(SYSCALL_ARGS)
{
	int pid = (int)a0;
	struct proc *p;

	if (pid < 0)
		return -LINUX_EINVAL;
	p = target(pid);
	return p ? p->sched_policy : -LINUX_ESRCH;
}

long sys_sched_getparam(SYSCALL_ARGS)
{
	int pid = (int)a0, prio;
	struct proc *p;

	if (pid < 0 || !a1)
		return -LINUX_EINVAL;
	p = target(pid);
	if (!p)
		return -LINUX_ESRCH;
	prio = p->sched_priority;
	return copy_to_user((uint64_t)a1, &prio, sizeof(prio));
}

/* Set `pid`'s policy (-1: keep it) and priority from the user's param at `uparam`. */
static long set_scheduler(int pid, int policy, uint64_t uparam)
{
	struct proc *p;
	int prio;
	long max;

	if (pid < 0 || !uparam)
		return -LINUX_EINVAL;
	if (copy_from_user(&prio, uparam, sizeof(prio)))
		return -LINUX_EFAULT;
	p = target(pid);
	if (!p)
		return -LINUX_ESRCH;
	if (policy < 0)
		policy = p->sched_policy;
	max = priority_max(policy);
	if (max < 0)
		return max;
	if (prio < (realtime(policy) ? 1 : 0) || prio > max)
		return -LINUX_EINVAL;
	p->sched_policy = policy;
	p->sched_priority = prio;
	return 0;
}

long sys_sched_setscheduler(SYSCALL_ARGS)
{
	int policy = (int)a1;

	if (policy < 0)
		return -LINUX_EINVAL;
	/* SCHED_RESET_ON_FORK: accepted; the VM's fork keeps nothing to reset. */
	return set_scheduler((int)a0, policy & ~SCHED_RESET_ON_FORK, (uint64_t)a2);
}

long sys_sched_setparam(SYSCALL_ARGS)
{
	return set_scheduler((int)a0, -1, (uint64_t)a1);
}

long sys_sched_rr_get_interval(SYSCALL_ARGS)
{
	int pid = (int)a0;
	struct proc *p;
	struct linux_timespec ts = { 0, 0 };

	if (pid < 0)
		return -LINUX_EINVAL;
	p = target(pid);
	if (!p)
		return -LINUX_ESRCH;
	if (p->sched_policy == SCHED_RR)
		ts.tv_nsec = (long)RR_INTERVAL_NS;
	return copy_to_user((uint64_t)a1, &ts, sizeof(ts));
}

long sys_sched_getaffinity(SYSCALL_ARGS)
{
	int pid = (int)a0;
	uint64_t len = (uint64_t)a1, mask[CPUMASK_BYTES / 8] = { 1 };

	if (pid < 0 || len < CPUMASK_BYTES || len % 8)
		return -LINUX_EINVAL;
	if (!target(pid))
		return -LINUX_ESRCH;
	if (copy_to_user((uint64_t)a2, mask, sizeof(mask)))
		return -LINUX_EFAULT;
	return CPUMASK_BYTES; /* bytes written, as the system call returns it */
}

long sys_sched_setaffinity(SYSCALL_ARGS)
{
	int pid = (int)a0;
	uint64_t len = (uint64_t)a1;
	uint8_t first;

	if (pid < 0)
		return -LINUX_EINVAL;
	if (!target(pid))
		return -LINUX_ESRCH;
	if (len == 0)
		return -LINUX_EINVAL;
	if (copy_from_user(&first, (uint64_t)a2, 1))
		return -LINUX_EFAULT;
	/* A mask without CPU 0 names no CPU that exists here. */
	return first & 1 ? 0 : -LINUX_EINVAL;
}

/* A locking range: page-aligned start after rounding, inside user space. */
static long lock_range(uint64_t addr, uint64_t len)
{
	uint64_t start = addr & ~(uint64_t)(PAGE_SIZE - 1), end = addr + len;

	if (end < addr)
		return -LINUX_EINVAL;
	if (len && !uaccess_ok(start, end - start))
		return -LINUX_ENOMEM;
	return 0;
}

long sys_mlock(SYSCALL_ARGS)
{
	return lock_range((uint64_t)a0, (uint64_t)a1);
}

long sys_mlock2(SYSCALL_ARGS)
{
	if ((uint64_t)a2 & ~(uint64_t)MLOCK_ONFAULT)
		return -LINUX_EINVAL;
	return lock_range((uint64_t)a0, (uint64_t)a1);
}

long sys_munlock(SYSCALL_ARGS)
{
	return lock_range((uint64_t)a0, (uint64_t)a1);
}

long sys_mlockall(SYSCALL_ARGS)
{
	uint64_t flags = (uint64_t)a0;

	if (!flags || (flags & ~(uint64_t)(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) ||
	    flags == MCL_ONFAULT)
		return -LINUX_EINVAL;
	return 0;
}

long sys_munlockall(SYSCALL_ARGS)
{
	return 0;
}

long sys_prctl(SYSCALL_ARGS)
{
	char name[NAME_MAX_BYTES];

	switch ((int)a0) {
	case PR_SET_NAME: {
		int n = 0;

		/* Up to 15 bytes, up to a NUL: the rest is cut, as Linux cuts it. */
		while (n < NAME_MAX_BYTES - 1) {
			if (copy_from_user(&name[n], (uint64_t)a1 + (uint64_t)n, 1))
				return -LINUX_EFAULT;
			if (!name[n])
				break;
			n++;
		}
		name[n] = '\0';
		for (int i = 0; i <= n; i++)
			proc_current->name[i] = name[i];
		return 0;
	}
	case PR_GET_NAME:
		for (int i = 0; i < NAME_MAX_BYTES - 1; i++)
			name[i] = proc_current->name[i];
		name[NAME_MAX_BYTES - 1] = '\0';
		return copy_to_user((uint64_t)a1, name, NAME_MAX_BYTES);
	default: return -LINUX_EINVAL;
	}
}
