/* clone (threads and processes), futex, robust lists. */
#include <hal/hal.h>
#include <hal/uaccess.h>
#include <mm/vmem.h>
#include <proc/proc.h>
#include <sched/sched.h>
#include <sys/syscall.h>

/* Flags with no effect here (no tracer, no System V semaphores, one I/O context). */
#define IGNORED_FLAGS                                                                       \
	(LINUX_CLONE_PTRACE | LINUX_CLONE_UNTRACED | LINUX_CLONE_SYSVSEM | LINUX_CLONE_IO | \
	 LINUX_CLONE_DETACHED)
#define KNOWN_FLAGS                                                                          \
	(LINUX_CSIGNAL | LINUX_CLONE_VM | LINUX_CLONE_FS | LINUX_CLONE_FILES |               \
	 LINUX_CLONE_SIGHAND | LINUX_CLONE_VFORK | LINUX_CLONE_PARENT | LINUX_CLONE_THREAD | \
	 LINUX_CLONE_SETTLS | LINUX_CLONE_PARENT_SETTID | LINUX_CLONE_CHILD_CLEARTID |       \
	 LINUX_CLONE_CHILD_SETTID | IGNORED_FLAGS)
/* What sharing a process (not a thread) cannot have here: its own fd table, fs info and handlers. */
#define PROCESS_SHARED (LINUX_CLONE_FS | LINUX_CLONE_FILES | LINUX_CLONE_SIGHAND)

/* A user word for a tid: 4-byte aligned (within one page) and user memory. */
static bool tid_word_ok(uint64_t va)
{
	return !(va & 3) && uaccess_ok(va, 4);
}

/*
 * clone(flags, newsp, parent_tid, child_tid, tls) on x86-64.  Linux's
 * rules: CLONE_THREAD needs CLONE_SIGHAND, which needs CLONE_VM; the
 * process 1 and the system processes cannot make siblings (CLONE_PARENT);
 * namespaces and pidfds are refused (EINVAL: not supported).  Without
 * CLONE_THREAD the child is a process (proc_clone), else a thread.
 */
long sys_clone(SYSCALL_ARGS)
{
	uint64_t flags = (uint64_t)a0, sp = a1, ptid = a2, ctid = a3, tls = a4;
	struct trap_frame *tf = (struct trap_frame *)(thread_current->kstack_top) - 1;
	struct thread *t;
	uint32_t tid;
	long rc;

	/* Check everything before anything exists. */
	if (flags & ~KNOWN_FLAGS)
		return -LINUX_EINVAL; /* namespaces, CLONE_PIDFD, CLONE_CLEAR_SIGHAND... */
	if ((flags & LINUX_CLONE_THREAD) && !(flags & LINUX_CLONE_SIGHAND))
		return -LINUX_EINVAL;
	if ((flags & LINUX_CLONE_SIGHAND) && !(flags & LINUX_CLONE_VM))
		return -LINUX_EINVAL;
	if ((flags & LINUX_CLONE_PARENT) && !proc_current->parent)
		return -LINUX_EINVAL; /* init (or a system process) makes no siblings */
	if ((flags & LINUX_CSIGNAL) > LINUX_NSIG - 1)
		return -LINUX_EINVAL;
	if (!(flags & LINUX_CLONE_THREAD) && (flags & PROCESS_SHARED))
		return -LINUX_EINVAL; /* not supported: see docs/syscalls.md */
	if ((flags & LINUX_CLONE_PARENT_SETTID) && !tid_word_ok(ptid))
		return -LINUX_EFAULT;
	if ((flags & (LINUX_CLONE_CHILD_CLEARTID | LINUX_CLONE_CHILD_SETTID)) && !tid_word_ok(ctid))
		return -LINUX_EFAULT;
	if ((flags & LINUX_CLONE_SETTLS) && tls >= NANVIX_USER_TOP)
		return -LINUX_EPERM;
	if (!uaccess_canonical(sp))
		return -LINUX_EINVAL; /* Linux's child would die of SIGSEGV at once; ours would fault iretq */

	if (!(flags & LINUX_CLONE_THREAD)) {
		/* The parent's word is written once the child exists, before a vfork sleep. */
		rc = proc_clone(tf, flags, sp, tls, ctid);
		if (rc < 0)
			return rc;
		tid = (uint32_t)rc;
		if (flags & LINUX_CLONE_PARENT_SETTID)
			copy_to_user(ptid, &tid, sizeof(tid));
		if (flags & LINUX_CLONE_VFORK)
			proc_vfork_wait(rc);
		return rc;
	}
	if (!sched_task_room())
		return -LINUX_EAGAIN; /* the VM's --pids-limit */
	t = sched_spawn(proc_current, tf, sp, tls, flags & LINUX_CLONE_SETTLS);
	if (!t)
		return -LINUX_EAGAIN;
	tid = (uint32_t)t->tid;
	if (flags & LINUX_CLONE_CHILD_CLEARTID)
		t->clear_tid = ctid;
	/* Same address space: the child's tid word is ours too. */
	if (flags & LINUX_CLONE_PARENT_SETTID)
		copy_to_user(ptid, &tid, sizeof(tid));
	if (flags & LINUX_CLONE_CHILD_SETTID)
		copy_to_user(ctid, &tid, sizeof(tid));
	return tid;
}

/* The wait key of a futex word: its physical address (shared by any mapping). */
static long futex_key(uint64_t uaddr, uint64_t *key)
{
	if ((uaddr & 3) || !uaccess_ok(uaddr, 4))
		return -LINUX_EINVAL;
	*key = vmem_translate(proc_current->cr3, uaddr);
	return *key ? 0 : -LINUX_EFAULT;
}

/* Deadline on the scheduler clock for a futex timeout, 0 for none. */
static long futex_deadline(int cmd, int op, uint64_t uts, uint64_t *deadline)
{
	/* FUTEX_WAIT_BITSET: absolute, on CLOCK_REALTIME or CLOCK_MONOTONIC. */
	return clock_timeout(uts,
	                     cmd != LINUX_FUTEX_WAIT_BITSET    ? -1
	                     : op & LINUX_FUTEX_CLOCK_REALTIME ? LINUX_CLOCK_REALTIME
	                                                       : LINUX_CLOCK_MONOTONIC,
	                     deadline);
}

long sys_futex(SYSCALL_ARGS)
{
	int op = (int)a1, cmd = op & ~(LINUX_FUTEX_PRIVATE_FLAG | LINUX_FUTEX_CLOCK_REALTIME);
	uint32_t val = (uint32_t)a2, cur;
	uint64_t key, key2, deadline;
	long rc;

	switch (cmd) {
	case LINUX_FUTEX_WAIT:
	case LINUX_FUTEX_WAIT_BITSET:
		if (cmd == LINUX_FUTEX_WAIT_BITSET && (uint32_t)a5 == 0)
			return -LINUX_EINVAL;
		rc = futex_key(a0, &key);
		if (rc)
			return rc;
		rc = futex_deadline(cmd, op, a3, &deadline);
		if (rc)
			return rc;
		if (copy_from_user(&cur, a0, sizeof(cur)))
			return -LINUX_EFAULT;
		/* One vCPU and no preemption inside the kernel: check and sleep are atomic. */
		if (cur != val)
			return -LINUX_EAGAIN;
		return sched_block(key, deadline);
	case LINUX_FUTEX_WAKE:
	case LINUX_FUTEX_WAKE_BITSET:
		rc = futex_key(a0, &key);
		if (rc)
			return rc;
		return sched_wake_key(key, (int)(val > 0x7fffffff ? 0x7fffffff : val));
	case LINUX_FUTEX_REQUEUE:
	case LINUX_FUTEX_CMP_REQUEUE:
		rc = futex_key(a0, &key);
		if (!rc)
			rc = futex_key(a4, &key2);
		if (rc)
			return rc;
		if (cmd == LINUX_FUTEX_CMP_REQUEUE) {
			if (copy_from_user(&cur, a0, sizeof(cur)))
				return -LINUX_EFAULT;
			if (cur != (uint32_t)a5)
				return -LINUX_EAGAIN;
		}
		rc = sched_wake_key(key, (int)(val > 0x7fffffff ? 0x7fffffff : val));
		return rc +
		       sched_requeue(key, key2, (int)((uint64_t)a3 > 0x7fffffff ? 0x7fffffff : a3));
	default: return -LINUX_ENOSYS;
	}
}

long sys_set_robust_list(SYSCALL_ARGS)
{
	if (a1 != 24) /* sizeof(struct robust_list_head) */
		return -LINUX_EINVAL;
	thread_current->robust_list = a0;
	return 0;
}
