/* Process identity and lifetime: exit, kill of self, ids, uname, arch_prctl. */
#include <hal/hal.h>
#include <hal/uaccess.h>
#include <mm/frame.h>
#include <mm/vmem.h>
#include <proc/proc.h>
#include <sched/sched.h>
#include <sig/signal.h>
#include <sys/syscall.h>

#define MSR_GS_BASE 0xc0000101
#define NSIG        64

long sys_exit(SYSCALL_ARGS)
{
	struct thread *t = thread_current;

	/* The last thread's exit is the process's. */
	if (sched_live_threads(t->proc) <= 1)
		proc_exit((int)a0);
	/* CLONE_CHILD_CLEARTID: zero the tid word and wake a joiner. */
	if (t->clear_tid) {
		uint32_t zero = 0;

		if (copy_to_user(t->clear_tid, &zero, sizeof(zero)) == 0)
			sched_wake_key(vmem_translate(t->proc->cr3, t->clear_tid), 1);
	}
	sched_exit_thread();
}

long sys_exit_group(SYSCALL_ARGS)
{
	proc_exit((int)a0);
}

long sys_getpid(SYSCALL_ARGS)
{
	return proc_current->pid;
}

long sys_gettid(SYSCALL_ARGS)
{
	return thread_current->tid;
}

long sys_getppid(SYSCALL_ARGS)
{
	return proc_current->parent ? proc_current->parent->pid : 0; /* 1: started by the host */
}

long sys_fork(SYSCALL_ARGS)
{
	return proc_clone((struct trap_frame *)thread_current->kstack_top - 1, LINUX_SIGCHLD, 0, 0,
	                  0);
}

long sys_vfork(SYSCALL_ARGS)
{
	/* The child borrows the address space; we sleep until it execs or exits. */
	long pid = proc_clone((struct trap_frame *)thread_current->kstack_top - 1,
	                      LINUX_CLONE_VM | LINUX_CLONE_VFORK | LINUX_SIGCHLD, 0, 0, 0);

	if (pid > 0)
		proc_vfork_wait(pid);
	return pid;
}

long sys_execve(SYSCALL_ARGS)
{
	return proc_exec((struct trap_frame *)thread_current->kstack_top - 1, a0, a1, a2);
}

long sys_wait4(SYSCALL_ARGS)
{
	static const uint8_t zero_rusage[144];
	int32_t status = 0;
	long pid;

	/* options is an int: a libc may pass __WCLONE sign- or zero-extended. */
	a2 = (uint32_t)a2;
	if (a2 & ~(LINUX_WNOHANG | LINUX_WUNTRACED | LINUX_WCONTINUED | LINUX_WALL | LINUX_WCLONE))
		return -LINUX_EINVAL;
	if ((a1 && !uaccess_ok(a1, sizeof(status))) || (a3 && !uaccess_ok(a3, sizeof(zero_rusage))))
		return -LINUX_EFAULT;
	pid = proc_wait((int)a0, &status, a2);
	if (pid > 0) {
		if (a1 && copy_to_user(a1, &status, sizeof(status)))
			return -LINUX_EFAULT;
		if (a3 && copy_to_user(a3, zero_rusage, sizeof(zero_rusage)))
			return -LINUX_EFAULT;
	}
	return pid;
}

/*
 * waitid(idtype, id, infop, options, rusage): exits only (the VM has no
 * job control yet: WSTOPPED and WCONTINUED are accepted and never
 * reported); WNOHANG, WNOWAIT (the child stays a zombie), __WALL, __WCLONE.
 * The siginfo is Linux's SIGCHLD layout; with WNOHANG and nothing ended it
 * is zeroed where Linux zeroes it.  rusage is zeroed, as wait4's.
 */
long sys_waitid(SYSCALL_ARGS)
{
	static const uint8_t zero_rusage[144];
	uint32_t options = (uint32_t)a3;
	int idtype = (int)a0, id = (int)a1, status = 0;
	struct {
		int32_t signo, err, code, pad;
		int32_t pid;
		uint32_t uid;
		int32_t status;
	} info = { 0 };
	long pid;

	if (options & ~(uint32_t)(LINUX_WNOHANG | LINUX_WSTOPPED | LINUX_WEXITED |
	                          LINUX_WCONTINUED | LINUX_WNOWAIT | LINUX_WALL | LINUX_WCLONE) ||
	    !(options & (LINUX_WSTOPPED | LINUX_WEXITED | LINUX_WCONTINUED)))
		return -LINUX_EINVAL;
	if (idtype == LINUX_P_ALL)
		pid = -1;
	else if (idtype == LINUX_P_PID && id > 0)
		pid = id;
	else if (idtype == LINUX_P_PGID && id >= 0)
		pid = id ? -(long)id : 0;
	else
		return -LINUX_EINVAL;
	if ((a2 && !uaccess_ok(a2, 128)) || (a4 && !uaccess_ok(a4, sizeof(zero_rusage))))
		return -LINUX_EFAULT;
	/* WSTOPPED is wait4's WUNTRACED; without WEXITED no ended child is reported. */
	if (!(options & LINUX_WEXITED))
		options |= PROC_WAIT_NO_EXITS;
	pid = proc_wait(pid, &status, options & ~(uint32_t)LINUX_WEXITED);
	if (pid < 0)
		return pid;
	if (pid > 0) {
		info.signo = LINUX_SIGCHLD;
		info.pid = (int32_t)pid;
		if (status == 0xffff) {
			info.code = LINUX_CLD_CONTINUED;
			info.status = LINUX_SIGCONT;
		} else if ((status & 0xff) == 0x7f) {
			info.code = LINUX_CLD_STOPPED;
			info.status = (status >> 8) & 0xff;
		} else if (status & 0x7f) {
			info.code = status & 0x80 ? LINUX_CLD_DUMPED : LINUX_CLD_KILLED;
			info.status = status & 0x7f;
		} else {
			info.code = LINUX_CLD_EXITED;
			info.status = (status >> 8) & 0xff;
		}
	}
	if (a2 && copy_to_user(a2, &info, sizeof(info)))
		return -LINUX_EFAULT;
	if (a4 && copy_to_user(a4, zero_rusage, sizeof(zero_rusage)))
		return -LINUX_EFAULT;
	return 0;
}

/* `pid` 0 means the caller; otherwise the caller or one of its children. */
static struct proc *self_or_child(int pid)
{
	struct proc *p = pid == 0 ? proc_current : proc_find(pid);

	if (!p || (p != proc_current && p->parent != proc_current) || p->state != PROC_ALIVE)
		return NULL;
	return p;
}

/* Does a live process of session `sid` lead or belong to group `pgid`? */
static bool group_in_session(int pgid, int sid)
{
	struct proc *q;

	for (q = proc_list; q; q = q->next)
		if (q->state == PROC_ALIVE && q->pgid == pgid && q->sid == sid)
			return true;
	return false;
}

long sys_setpgid(SYSCALL_ARGS)
{
	struct proc *p = self_or_child((int)a0);

	a1 = (int)a1;
	if (a1 < 0)
		return -LINUX_EINVAL;
	if (!p)
		return -LINUX_ESRCH;
	if (p->pid == p->sid)
		return -LINUX_EPERM; /* a session leader keeps its group */
	if (a1 && a1 != p->pid && !group_in_session((int)a1, p->sid))
		return -LINUX_EPERM; /* no such group to join in this session */
	p->pgid = a1 ? (int)a1 : p->pid;
	return 0;
}

long sys_getpgid(SYSCALL_ARGS)
{
	struct proc *p = (int)a0 ? proc_find((int)a0) : proc_current;

	return p ? p->pgid : -LINUX_ESRCH;
}

long sys_getpgrp(SYSCALL_ARGS)
{
	return proc_current->pgid;
}

long sys_setsid(SYSCALL_ARGS)
{
	struct proc *p = proc_current, *q;

	for (q = proc_list; q; q = q->next)
		if (q->pgid == p->pid)
			return -LINUX_EPERM; /* already leads a group */
	p->sid = p->pgid = p->pid;
	return p->sid;
}

long sys_getsid(SYSCALL_ARGS)
{
	struct proc *p = (int)a0 ? proc_find((int)a0) : proc_current;

	return p ? p->sid : -LINUX_ESRCH;
}

long sys_getuid(SYSCALL_ARGS)
{
	return 0;
}

long sys_geteuid(SYSCALL_ARGS)
{
	return 0;
}

long sys_getgid(SYSCALL_ARGS)
{
	return 0;
}

long sys_getegid(SYSCALL_ARGS)
{
	return 0;
}

long sys_set_tid_address(SYSCALL_ARGS)
{
	thread_current->clear_tid = a0;
	return thread_current->tid;
}

long sys_uname(SYSCALL_ARGS)
{
	static const struct linux_utsname u = {
		.sysname = "Nanvix",
		.nodename = "nanvix",
		.release = "0.1.0",
		.version = "#1 Nanvix microkernel",
		.machine = "x86_64",
		.domainname = "(none)",
	};

	return copy_to_user(a0, &u, sizeof(u));
}

long sys_arch_prctl(SYSCALL_ARGS)
{
	uint64_t v;

	switch (a0) {
	case LINUX_ARCH_SET_FS:
	case LINUX_ARCH_SET_GS:
		if ((uint64_t)a1 >= NANVIX_USER_TOP)
			return -LINUX_EPERM;
		if (a0 == LINUX_ARCH_SET_FS)
			sched_set_fs(a1);
		else
			hal_wrmsr(MSR_GS_BASE, a1);
		return 0;
	case LINUX_ARCH_GET_FS:
	case LINUX_ARCH_GET_GS:
		v = hal_rdmsr(a0 == LINUX_ARCH_GET_FS ? MSR_FS_BASE : MSR_GS_BASE);
		return copy_to_user(a1, &v, sizeof(v));
	default: return -LINUX_EINVAL;
	}
}

long sys_sched_yield(SYSCALL_ARGS)
{
	/* The next runnable thread runs; we go to the back of the queue. */
	sched_yield();
	return 0;
}

long sys_umask(SYSCALL_ARGS)
{
	long old = proc_current->umask;

	proc_current->umask = a0 & 0777;
	return old;
}

/* Check, then set resource `res` to *lim; old value to *old if given. */
static long rlimit_op(long res, const struct linux_rlimit *lim, struct linux_rlimit *old)
{
	struct linux_rlimit *cur;

	if (res < 0 || res >= LINUX_RLIM_NLIMITS)
		return -LINUX_EINVAL;
	cur = &proc_current->rlimits[res];
	if (lim && lim->rlim_cur > lim->rlim_max)
		return -LINUX_EINVAL;
	/* The stack is fixed at boot: it can be lowered in name only, never raised. */
	if (lim && res == LINUX_RLIMIT_STACK && lim->rlim_max > cur->rlim_max)
		return -LINUX_EPERM;
	/* Nor can a hard limit pass what the host allows (nanvixd --ulimit). */
	if (lim && lim->rlim_max > proc_rlimit_cap((int)res))
		return -LINUX_EPERM;
	if (old)
		*old = *cur;
	if (!lim)
		return 0;
	if (res == LINUX_RLIMIT_CPU) {
		struct linux_rlimit was = *cur;
		long rc;

		*cur = *lim;
		if ((rc = timer_rlimit_cpu(proc_current)) < 0) {
			*cur = was;
			return rc;
		}
		return 0;
	}
	*cur = *lim;
	return 0;
}

long sys_getrlimit(SYSCALL_ARGS)
{
	struct linux_rlimit old;
	long rc = rlimit_op(a0, NULL, &old);

	return rc ? rc : copy_to_user(a1, &old, sizeof(old));
}

long sys_setrlimit(SYSCALL_ARGS)
{
	struct linux_rlimit lim;

	if (copy_from_user(&lim, a1, sizeof(lim)))
		return -LINUX_EFAULT;
	return rlimit_op(a0, &lim, NULL);
}

long sys_prlimit64(SYSCALL_ARGS)
{
	struct linux_rlimit lim, old;
	long rc;

	if ((int)a0 != 0 && (int)a0 != proc_current->pid)
		return -LINUX_ESRCH;
	if (a2 && copy_from_user(&lim, a2, sizeof(lim)))
		return -LINUX_EFAULT;
	rc = rlimit_op(a1, a2 ? &lim : NULL, &old);
	if (!rc && a3)
		rc = copy_to_user(a3, &old, sizeof(old));
	return rc;
}

long sys_sysinfo(SYSCALL_ARGS)
{
	struct linux_sysinfo si = {
		.uptime = (int64_t)(clock_uptime_ns() / 1000000000ull),
		.totalram = mm_frames_total() * PAGE_SIZE,
		.freeram = mm_frames_free() * PAGE_SIZE,
		.procs = 1,
		.mem_unit = 1,
	};

	return copy_to_user(a0, &si, sizeof(si));
}
