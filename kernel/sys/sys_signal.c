/* Signal system calls: actions, masks, kill, sigreturn, suspend, alarms. */
#include <hal/hal.h>
#include <hal/uaccess.h>
#include <proc/proc.h>
#include <sched/sched.h>
#include <sig/signal.h>
#include <sys/syscall.h>

#define UNBLOCKABLE (SIG_BIT(LINUX_SIGKILL) | SIG_BIT(LINUX_SIGSTOP))
#define SIGSET_SIZE 8
#define SIGWAIT_KEY 1 /* never a futex key: those are 4-byte aligned */
#define NSEC        1000000000ull
#define USEC        1000ull

static bool valid_sig(long sig)
{
	return sig >= 1 && sig <= LINUX_NSIG;
}

long sys_rt_sigaction(SYSCALL_ARGS)
{
	struct linux_sigaction act, *cur;

	if (!valid_sig(a0) || a3 != SIGSET_SIZE)
		return -LINUX_EINVAL;
	if (a1 && (a0 == LINUX_SIGKILL || a0 == LINUX_SIGSTOP))
		return -LINUX_EINVAL;
	if (a1 && copy_from_user(&act, a1, sizeof(act)))
		return -LINUX_EFAULT;
	cur = &proc_current->actions[a0 - 1];
	if (a2 && copy_to_user(a2, cur, sizeof(*cur)))
		return -LINUX_EFAULT;
	if (a1) {
		act.mask &= ~UNBLOCKABLE;
		*cur = act;
		/* Ignoring a signal discards it if pending (POSIX), as does the
		 * default action of one ignored by default (Linux). */
		if (act.handler == LINUX_SIG_IGN ||
		    (act.handler == LINUX_SIG_DFL && signal_ignored_by_default((int)a0)))
			signal_discard(proc_current, SIG_BIT(a0));
	}
	return 0;
}

long sys_rt_sigprocmask(SYSCALL_ARGS)
{
	struct thread *t = thread_current;
	uint64_t set, old = t->sigmask;

	if (a3 != SIGSET_SIZE)
		return -LINUX_EINVAL;
	if (a1) {
		if (copy_from_user(&set, a1, sizeof(set)))
			return -LINUX_EFAULT;
		switch (a0) {
		case LINUX_SIG_BLOCK: set |= old; break;
		case LINUX_SIG_UNBLOCK: set = old & ~set; break;
		case LINUX_SIG_SETMASK: break;
		default: return -LINUX_EINVAL;
		}
	}
	if (a2 && copy_to_user(a2, &old, sizeof(old)))
		return -LINUX_EFAULT;
	if (a1) {
		t->sigmask = set & ~UNBLOCKABLE;
		signal_update_work();
	}
	return 0;
}

long sys_rt_sigpending(SYSCALL_ARGS)
{
	uint64_t set =
	        (thread_current->sigpending | proc_current->sigpending) & thread_current->sigmask;

	if (a1 != SIGSET_SIZE)
		return -LINUX_EINVAL;
	return copy_to_user(a0, &set, sizeof(set));
}

long sys_rt_sigreturn(SYSCALL_ARGS)
{
	return signal_return((struct trap_frame *)thread_current->kstack_top - 1);
}

/* Sleep until a signal can be delivered; -EINTR. */
static long wait_for_signal(void)
{
	for (;;) {
		signal_update_work();
		if (signal_work)
			return -LINUX_EINTR;
		sched_block(SIGWAIT_KEY, 0);
	}
}

long sys_rt_sigsuspend(SYSCALL_ARGS)
{
	struct thread *t = thread_current;
	uint64_t mask;

	if (a1 != SIGSET_SIZE)
		return -LINUX_EINVAL;
	if (copy_from_user(&mask, a0, sizeof(mask)))
		return -LINUX_EFAULT;
	/* The old mask comes back after the handler (signal_deliver). */
	t->saved_mask = t->sigmask;
	t->restore_mask = true;
	t->sigmask = mask & ~UNBLOCKABLE;
	return wait_for_signal();
}

long sys_pause(SYSCALL_ARGS)
{
	return wait_for_signal();
}

/* kill, tkill and tgkill to ourselves or our threads. */
static long send(struct thread *t, long sig, bool thread, int code)
{
	if (sig == 0)
		return 0; /* existence check */
	if (!valid_sig(sig))
		return -LINUX_EINVAL;
	signal_send(t, (int)sig, thread,
	            &(struct sig_info){ .code = code, .pid = proc_current->pid });
	return 0;
}

long sys_kill(SYSCALL_ARGS)
{
	int pid = (int)a0, sig = (int)a1; /* ints: the upper halves are garbage */
	struct proc *p;
	long found = 0;

	if (sig < 0 || sig > LINUX_NSIG)
		return -LINUX_EINVAL;
	if (pid == proc_current->pid)
		return send(thread_current, sig, false, LINUX_SI_USER);
	/*
	 * A pid, our group (0), everyone but process 1 and ourselves (-1), or
	 * group -pid.  System processes (the in-VM fs server) take no signals
	 * from programs: they answer as if they did not exist.
	 */
	for (p = proc_list; p; p = p->next) {
		if (proc_is_system(p))
			continue;
		if (pid > 0     ? p->pid != pid
		    : pid == 0  ? p->pgid != proc_current->pgid
		    : pid == -1 ? p->pid == 1 || p == proc_current
		                : p->pgid != -pid)
			continue;
		found++;
		if (sig && p->state == PROC_ALIVE)
			proc_signal(p, sig, LINUX_SI_USER);
	}
	return found ? 0 : -LINUX_ESRCH;
}

long sys_tkill(SYSCALL_ARGS)
{
	struct thread *t = sched_find_thread(proc_current, (int)a0);

	return t ? send(t, (int)a1, true, LINUX_SI_TKILL) : -LINUX_ESRCH;
}

long sys_tgkill(SYSCALL_ARGS)
{
	struct thread *t = sched_find_thread(proc_current, (int)a1);

	if ((int)a0 != proc_current->pid || !t)
		return -LINUX_ESRCH;
	return send(t, (int)a2, true, LINUX_SI_TKILL);
}

/* The process's ITIMER_REAL as an itimerval. */
static struct linux_itimerval itimer_get(void)
{
	struct proc *p = proc_current;
	uint64_t now = clock_uptime_ns(), left = p->alarm_at > now ? p->alarm_at - now : 0;
	struct linux_itimerval v = {
		.interval = { p->alarm_interval / NSEC, (p->alarm_interval % NSEC) / USEC },
		.value = { left / NSEC, (left % NSEC + USEC - 1) / USEC },
	};

	if (p->alarm_at && left == 0)
		v.value.tv_usec = 1; /* due but not yet fired */
	return v;
}

/*
 * The shortest period an interval timer gets: one scheduler quantum.
 * Each expiration costs the VM an interrupt, a signal frame and a
 * sigreturn, up to about a millisecond of emulated ring 0 on the software
 * hypervisor (measured: with a 1 ms period a program got 3 loop
 * iterations in a second), so a 1 us timer would leave no time for
 * anything else; Linux bounds the same thing by its timer resolution.
 * Expirations missed meanwhile coalesce (the next one is a period after
 * the last, and a pending SIGALRM is not queued twice).
 */
#define ITIMER_MIN_NS 10000000ull

static void itimer_set(uint64_t value_ns, uint64_t interval_ns)
{
	struct proc *p = proc_current;

	if (interval_ns && interval_ns < ITIMER_MIN_NS)
		interval_ns = ITIMER_MIN_NS;
	p->alarm_at = value_ns ? clock_deadline(value_ns) : 0;
	if (value_ns)
		sched_alarms_used = true;
	p->alarm_interval = interval_ns;
	sched_timer_update();
}

static bool timeval_ns(const struct linux_timeval *tv, uint64_t *ns)
{
	if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
		return false;
	/* Saturate, as Linux does: a span past 2^64 ns is "never". */
	*ns = (uint64_t)tv->tv_sec > UINT64_MAX / NSEC - 1
	              ? UINT64_MAX
	              : (uint64_t)tv->tv_sec * NSEC + (uint64_t)tv->tv_usec * USEC;
	return true;
}

long sys_alarm(SYSCALL_ARGS)
{
	struct linux_itimerval old = itimer_get();

	itimer_set((uint64_t)(uint32_t)a0 * NSEC, 0);
	/* Seconds left, rounded up, as alarm(2) returns them. */
	return old.value.tv_sec + (old.value.tv_usec ? 1 : 0);
}

/* ns as a timeval, rounded up to a microsecond as Linux reports timers. */
static struct linux_timeval ns_timeval(uint64_t ns)
{
	return (struct linux_timeval){ ns / NSEC, (ns % NSEC + USEC - 1) / USEC };
}

/* ITIMER_VIRTUAL and ITIMER_PROF (CPU time, sig/timer.c): old value out, new in. */
static long cpu_itimer(int which, uint64_t value, uint64_t interval, struct linux_itimerval *old)
{
	uint64_t ov, oi;
	long rc;

	if (value != UINT64_MAX && interval && interval < ITIMER_MIN_NS)
		interval = ITIMER_MIN_NS;
	rc = timer_itimer(which, value, interval, &ov, &oi);
	old->value = ns_timeval(ov);
	old->interval = ns_timeval(oi);
	return rc;
}

long sys_getitimer(SYSCALL_ARGS)
{
	struct linux_itimerval v;
	int which = (int)a0;

	if (which == LINUX_ITIMER_VIRTUAL || which == LINUX_ITIMER_PROF)
		cpu_itimer(which, UINT64_MAX, 0, &v);
	else if (which == LINUX_ITIMER_REAL)
		v = itimer_get();
	else
		return -LINUX_EINVAL;
	return copy_to_user(a1, &v, sizeof(v));
}

long sys_setitimer(SYSCALL_ARGS)
{
	struct linux_itimerval nv, old;
	uint64_t value, interval;
	int which = (int)a0;
	long rc;

	if (which != LINUX_ITIMER_REAL && which != LINUX_ITIMER_VIRTUAL &&
	    which != LINUX_ITIMER_PROF)
		return -LINUX_EINVAL;
	if (copy_from_user(&nv, a1, sizeof(nv)))
		return -LINUX_EFAULT;
	if (!timeval_ns(&nv.value, &value) || !timeval_ns(&nv.interval, &interval))
		return -LINUX_EINVAL;
	if (value == UINT64_MAX)
		value--; /* UINT64_MAX asks cpu_itimer only to read */
	if (which != LINUX_ITIMER_REAL) {
		rc = cpu_itimer(which, value, interval, &old);
		if (rc)
			return rc;
	} else {
		old = itimer_get();
		itimer_set(value, interval);
	}
	if (a2 && copy_to_user(a2, &old, sizeof(old)))
		return -LINUX_EFAULT;
	return 0;
}

/* stack_t: ss_sp, ss_flags (an int, then padding), ss_size. */
long sys_sigaltstack(SYSCALL_ARGS)
{
	struct trap_frame *tf = (struct trap_frame *)thread_current->kstack_top - 1;
	struct {
		uint64_t sp;
		int32_t flags, pad;
		uint64_t size;
	} ss, old = { 0 };
	uint64_t osp, osize;
	uint32_t oflags;
	long rc = 0;

	signal_altstack_get(&osp, &osize, &oflags, tf->rsp);
	if (a0) {
		if (copy_from_user(&ss, (uint64_t)a0, sizeof(ss)))
			return -LINUX_EFAULT;
		rc = signal_altstack_set(ss.sp, ss.size, (uint32_t)ss.flags, tf->rsp);
		if (rc)
			return rc;
	}
	if (a1) {
		old.sp = osp;
		old.flags = (int32_t)oflags;
		old.size = osize;
		if (copy_to_user((uint64_t)a1, &old, sizeof(old)))
			return -LINUX_EFAULT;
	}
	return 0;
}

/*
 * rt_sigtimedwait(set, info, timeout, size): take a pending signal of
 * `set`, or wait for one (the set unblocked meanwhile, as on Linux) until
 * the timeout (EAGAIN); another signal that comes is EINTR and is
 * delivered.  One instance a signal is kept (real-time ones are not queued).
 */
long sys_rt_sigtimedwait(SYSCALL_ARGS)
{
	struct thread *t = thread_current;
	uint64_t set, deadline = 0, ns, saved;
	struct linux_siginfo info;
	long rc = 0;

	if (a3 != SIGSET_SIZE)
		return -LINUX_EINVAL;
	if (copy_from_user(&set, (uint64_t)a0, sizeof(set)))
		return -LINUX_EFAULT;
	set &= ~UNBLOCKABLE;
	if (a2) {
		rc = clock_timespec_ns((uint64_t)a2, &ns);
		if (rc)
			return rc;
		deadline = ns ? clock_deadline(ns) : 0;
	}
	saved = t->sigmask;
	for (;;) {
		uint64_t ready = (t->sigpending | t->proc->sigpending) & set;

		if (ready) {
			int sig = __builtin_ctzll(ready) + 1;

			signal_take(t, sig);
			t->sigmask = saved;
			signal_update_work();
			signal_info(t->proc, sig, &info);
			if (a1 && copy_to_user((uint64_t)a1, &info, sizeof(info)))
				return -LINUX_EFAULT;
			return sig;
		}
		if (rc || (a2 && !deadline))
			break; /* woken by another signal, the deadline, or no wait asked */
		t->sigmask = saved & ~set;
		signal_update_work();
		rc = signal_work ? -LINUX_EINTR : sched_block(SIGWAIT_KEY, deadline);
		t->sigmask = saved;
		if (rc == -LINUX_ETIMEDOUT)
			rc = -LINUX_EAGAIN;
	}
	signal_update_work();
	return rc == -LINUX_EAGAIN || (a2 && !deadline) ? -LINUX_EAGAIN : -LINUX_EINTR;
}

/* rt_sigqueueinfo(pid, sig, info): a signal with a value to a process. */
long sys_rt_sigqueueinfo(SYSCALL_ARGS)
{
	int pid = (int)a0, sig = (int)a1;
	struct linux_siginfo info;
	struct proc *p;
	uint64_t value;

	if (!valid_sig(sig) && sig != 0)
		return -LINUX_EINVAL;
	if (copy_from_user(&info, (uint64_t)a2, sizeof(info)))
		return -LINUX_EFAULT;
	/* Not a kernel's or kill's code, unless to oneself (Linux's rule). */
	if ((info.si_code >= 0 || info.si_code == LINUX_SI_TKILL) && pid != proc_current->pid)
		return -LINUX_EPERM;
	p = proc_find(pid);
	if (!p || p->state != PROC_ALIVE || proc_is_system(p))
		return -LINUX_ESRCH;
	if (!sig)
		return 0;
	memcpy(&value, info.u.raw + 8, sizeof(value));
	proc_signal_value(p, sig, info.si_code, value);
	return 0;
}
