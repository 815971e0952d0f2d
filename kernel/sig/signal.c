/* Signals: sending, default actions, handler frames on the user stack, sigreturn. */
/*
 * Pending signals are bits: per process (kill) and per thread (tgkill,
 * faults).  Nothing is delivered where it is sent; delivery happens on the
 * way back to ring 3 (syscall slow path, the fast path when signal_work is
 * set, and every trap from ring 3), one handler at a time.
 *
 * A handler frame is the Linux x86-64 rt_sigframe, so unmodified libcs'
 * restorers (`mov $15, %eax; syscall`) work: the return address (the
 * restorer), a ucontext with every register and the old mask, the siginfo,
 * and a 512-byte fxsave area saved straight to the user stack.
 */
#include <abi/linux.h>
#include <hal/hal.h>
#include <hal/uaccess.h>
#include <proc/proc.h>
#include <sched/sched.h>
#include <sig/signal.h>

/* User-controllable RFLAGS bits (as in entry.S) and the ones always set. */
#define RFLAGS_USER_MASK 0x240cd5ull
#define RFLAGS_USER_SET  0x202ull
#define UNBLOCKABLE      (SIG_BIT(LINUX_SIGKILL) | SIG_BIT(LINUX_SIGSTOP))
#define STOP_SIGNALS                                                                \
	(SIG_BIT(LINUX_SIGSTOP) | SIG_BIT(LINUX_SIGTSTP) | SIG_BIT(LINUX_SIGTTIN) | \
	 SIG_BIT(LINUX_SIGTTOU))
#define RED_ZONE              128
#define SIGNAL_SYSCALL_VECTOR 0x80 /* trap frames of system calls (entry.S) */

uint8_t signal_work;

struct rt_sigframe {
	uint64_t pretcode;
	struct linux_ucontext uc;
	struct linux_siginfo info;
};

_Static_assert(sizeof(struct linux_sigcontext) == 256, "struct sigcontext is Linux's");
_Static_assert(sizeof(struct linux_siginfo) == 128, "siginfo_t is Linux's");

bool signal_ignored_by_default(int sig)
{
	return sig == LINUX_SIGCHLD || sig == LINUX_SIGCONT || sig == LINUX_SIGURG ||
	       sig == LINUX_SIGWINCH;
}

static bool ignored(struct proc *p, int sig)
{
	uint64_t h = p->actions[sig - 1].handler;

	return h == LINUX_SIG_IGN || (h == LINUX_SIG_DFL && signal_ignored_by_default(sig));
}

void signal_update_work(void)
{
	struct thread *t = thread_current;

	signal_work = ((t->sigpending | t->proc->sigpending) & ~t->sigmask) != 0;
}

long signal_mask_read(uint64_t uset, uint64_t size, uint64_t *mask)
{
	if (size != sizeof(*mask))
		return -LINUX_EINVAL;
	return copy_from_user(mask, uset, sizeof(*mask)) ? -LINUX_EFAULT : 0;
}

void signal_mask_push(uint64_t mask)
{
	struct thread *t = thread_current;

	t->saved_mask = t->sigmask;
	t->restore_mask = true;
	t->sigmask = mask & ~UNBLOCKABLE;
	signal_update_work();
}

void signal_mask_pop(long rc)
{
	struct thread *t = thread_current;

	if (rc == -LINUX_EINTR && signal_work)
		return; /* signal_deliver restores it after the handler */
	t->sigmask = t->saved_mask;
	t->restore_mask = false;
	signal_update_work();
}

void signal_discard(struct proc *p, uint64_t mask)
{
	p->sigpending &= ~mask;
	for (struct thread *u = p->threads; u; u = u->pnext)
		u->sigpending &= ~mask;
	signal_update_work();
}

void signal_take(struct thread *t, int sig)
{
	if (t->sigpending & SIG_BIT(sig))
		t->sigpending &= ~SIG_BIT(sig);
	else
		t->proc->sigpending &= ~SIG_BIT(sig);
}

void signal_send(struct thread *t, int sig, bool thread, const struct sig_info *info)
{
	struct proc *p = t->proc;
	struct thread *taker;

	/* SIGCONT continues a stopped process whatever its action or mask, and
	 * drops pending stops; a stop drops a pending SIGCONT (Linux). */
	if (sig == LINUX_SIGCONT) {
		signal_discard(p, STOP_SIGNALS);
		proc_continue(p);
	} else if (SIG_BIT(sig) & STOP_SIGNALS) {
		signal_discard(p, SIG_BIT(LINUX_SIGCONT));
	}
	/* A blocked signal stays pending even when ignored, as on Linux: the
	 * action may change before it is unblocked (delivery drops it then). */
	if (ignored(p, sig) && !(t->sigmask & SIG_BIT(sig)))
		return;
	p->siginfo[sig - 1].code = info->code;
	p->siginfo[sig - 1].pid = info->pid;
	p->siginfo[sig - 1].status = info->status;
	p->siginfo[sig - 1].addr = info->addr;
	p->siginfo[sig - 1].child = info->child;
	if (thread) {
		t->sigpending |= SIG_BIT(sig);
		taker = t->sigmask & SIG_BIT(sig) ? NULL : t;
	} else {
		p->sigpending |= SIG_BIT(sig);
		taker = sched_thread_for_signal(p, sig);
	}
	/* Interrupt a sleeping taker: its call returns -EINTR, then delivery. */
	if (taker)
		sched_wake_thread(taker, -LINUX_EINTR);
	signal_update_work();
}

/*
 * With a handler: a call it interrupted starts again after it when it
 * asked for SA_RESTART, as on Linux for these calls (sleeps, poll,
 * sigsuspend and timed futex waits return EINTR whatever the flag).
 */
static bool restarts_for_handler(const struct trap_frame *tf, const struct linux_sigaction *sa)
{
	if (!(sa->flags & LINUX_SA_RESTART))
		return false;
	switch (tf->error) {
	case LINUX_SYS_futex:
		/* A wait without a timeout only (glibc's sem_wait, as Linux's ERESTARTSYS). */
		return !tf->r10;
	case LINUX_SYS_read:
	case LINUX_SYS_write:
	case LINUX_SYS_readv:
	case LINUX_SYS_writev:
	case LINUX_SYS_wait4:
	case LINUX_SYS_accept:
	case LINUX_SYS_accept4:
	case LINUX_SYS_connect:
	case LINUX_SYS_sendto:
	case LINUX_SYS_recvfrom:
	case LINUX_SYS_sendmsg:
	case LINUX_SYS_recvmsg:
	case LINUX_SYS_fcntl: /* F_SETLKW, F_OFD_SETLKW */
	case LINUX_SYS_flock: return true;
	}
	return false;
}

/*
 * Without a handler (the process was stopped and continued, the signal
 * turned out to be ignored, or a SIGCONT cancelled the stop that woke
 * it): the call starts again, as on Linux, but for the calls Linux lets
 * fail with EINTR after a stop (signal(7)).  A sleep starts again with its
 * whole length (Linux resumes it with what was left).  The syscall paths
 * come here on -EINTR even with no signal due (entry.S, syscall_dispatch).
 */
static bool restarts_without_handler(const struct trap_frame *tf)
{
	switch (tf->error) {
	case LINUX_SYS_rt_sigreturn: /* RAX is the interrupted code's, restored */
	case LINUX_SYS_epoll_wait:
	case LINUX_SYS_epoll_pwait:
	case LINUX_SYS_epoll_pwait2:
	case LINUX_SYS_rt_sigtimedwait: return false;
	}
	return true;
}

/*
 * A system call that ended -EINTR runs again, by the rules above for a
 * handler `sa` or for none (NULL); never a socket call with a timeout
 * (no_restart), as on Linux.
 */
static void restart_call(struct trap_frame *tf, const struct linux_sigaction *sa)
{
	bool no_restart = thread_current->no_restart;

	thread_current->no_restart = false;
	if (tf->vector != SIGNAL_SYSCALL_VECTOR || (int64_t)tf->rax != -LINUX_EINTR || no_restart)
		return;
	if (sa ? restarts_for_handler(tf, sa) : restarts_without_handler(tf)) {
		tf->rax = tf->error; /* the number again */
		tf->rip -= 2;        /* back onto the 2-byte `syscall` */
	}
}

void signal_info(const struct proc *p, int sig, struct linux_siginfo *info)
{
	const int code = p->siginfo[sig - 1].code;

	memset(info, 0, sizeof(*info));
	info->si_signo = sig;
	info->si_code = code;
	if (sig == LINUX_SIGCHLD || p->siginfo[sig - 1].child) {
		/* si_pid, si_uid, si_status */
		int32_t status = p->siginfo[sig - 1].status;

		info->u.kill.pid = p->siginfo[sig - 1].pid;
		memcpy(info->u.raw + 8, &status, sizeof(status));
	} else if (code == LINUX_SI_QUEUE || code == LINUX_SI_MESGQ || code == LINUX_SI_TIMER) {
		/* SI_TIMER: si_timerid where si_pid is, si_overrun 0, then si_value */
		/* si_pid, si_uid, si_value (kept where a fault keeps its address) */
		uint64_t value = p->siginfo[sig - 1].addr;

		info->u.kill.pid = p->siginfo[sig - 1].pid;
		memcpy(info->u.raw + 8, &value, sizeof(value));
	} else if (code == LINUX_SI_USER || code == LINUX_SI_TKILL) {
		info->u.kill.pid = p->siginfo[sig - 1].pid;
	} else {
		info->u.addr = p->siginfo[sig - 1].addr;
	}
}

/* Is `sp` on thread t's alternate signal stack? */
static bool on_altstack(const struct thread *t, uint64_t sp)
{
	return t->ss_size && sp > t->ss_sp && sp - t->ss_sp <= t->ss_size;
}

/* Build the handler frame for `sig` and point `tf` at the handler; false if impossible. */
static bool setup_frame(struct trap_frame *tf, int sig, const struct linux_sigaction *sa)
{
	struct thread *t = thread_current;
	struct rt_sigframe f;
	uint64_t fp, sp, top = tf->rsp - RED_ZONE;
	bool onstack = on_altstack(t, tf->rsp);

	if (!(sa->flags & LINUX_SA_RESTORER))
		return false; /* x86-64 has no kernel-provided return trampoline */
	memset(&f, 0, sizeof(f));
	/* What the handler's ucontext says of the alternate stack (and what
	 * rt_sigreturn puts back): the settings as last set, before any
	 * SS_AUTODISARM (Linux's __save_altstack). */
	f.uc.ss_sp = t->ss_sp;
	f.uc.ss_size = t->ss_size;
	f.uc.ss_flags = (int32_t)(t->ss_size ? t->ss_flags : LINUX_SS_DISABLE);
	if ((sa->flags & LINUX_SA_ONSTACK) && t->ss_size && !onstack) {
		top = t->ss_sp + t->ss_size;
		if (t->ss_flags & LINUX_SS_AUTODISARM)
			t->ss_sp = t->ss_size = 0;
	}
	fp = (top - 512) & ~63ull;
	sp = ((fp - sizeof(f)) & ~15ull) - 8; /* as after a call: (sp + 8) % 16 == 0 */
	if (!uaccess_ok(sp, fp + 512 - sp) || uaccess_fxsave(fp))
		return false;
	f.pretcode = sa->restorer;
	f.uc.mcontext = (struct linux_sigcontext){
		.r8 = tf->r8,
		.r9 = tf->r9,
		.r10 = tf->r10,
		.r11 = tf->r11,
		.r12 = tf->r12,
		.r13 = tf->r13,
		.r14 = tf->r14,
		.r15 = tf->r15,
		.rdi = tf->rdi,
		.rsi = tf->rsi,
		.rbp = tf->rbp,
		.rbx = tf->rbx,
		.rdx = tf->rdx,
		.rax = tf->rax,
		.rcx = tf->rcx,
		.rsp = tf->rsp,
		.rip = tf->rip,
		.eflags = tf->rflags,
		.cs = (uint16_t)tf->cs,
		.ss = (uint16_t)tf->ss,
		.err = tf->error,
		.trapno = tf->vector,
		.oldmask = t->sigmask,
		.cr2 = t->proc->siginfo[sig - 1].addr,
		.fpstate = fp,
	};
	f.uc.sigmask = t->restore_mask ? t->saved_mask : t->sigmask;
	signal_info(t->proc, sig, &f.info);
	if (copy_to_user(sp, &f, sizeof(f)))
		return false;

	t->restore_mask = false;
	t->sigmask |= sa->mask | (sa->flags & LINUX_SA_NODEFER ? 0 : SIG_BIT(sig));
	t->sigmask &= ~UNBLOCKABLE;
	tf->rdi = sig;
	tf->rsi = sp + offsetof(struct rt_sigframe, info);
	tf->rdx = sp + offsetof(struct rt_sigframe, uc);
	tf->rax = 0;
	tf->rsp = sp;
	tf->rip = sa->handler;
	tf->rflags &= ~(0x100ull | 0x400ull); /* TF, DF */
	return true;
}

void signal_deliver(struct trap_frame *tf)
{
	struct thread *t = thread_current;
	struct proc *p = t->proc;
	bool handler = false;

	for (;;) {
		uint64_t ready;
		struct linux_sigaction *sa;
		int sig;

		if (p->stopped) /* another thread stopped the process */
			proc_stop_wait();
		ready = (t->sigpending | p->sigpending) & ~t->sigmask;
		if (!ready)
			break;
		sig = __builtin_ctzll(ready) + 1;
		signal_take(t, sig);
		sa = &p->actions[sig - 1];
		if (sa->handler == LINUX_SIG_IGN ||
		    (sa->handler == LINUX_SIG_DFL && signal_ignored_by_default(sig)))
			continue;
		/* A stop signal's default action (SIGSTOP's always): stop, then look again. */
		if (sig == LINUX_SIGSTOP ||
		    (sa->handler == LINUX_SIG_DFL && (SIG_BIT(sig) & STOP_SIGNALS))) {
			proc_stop(sig);
			continue;
		}
		if (sa->handler == LINUX_SIG_DFL || sig == LINUX_SIGKILL)
			proc_kill(sig, NULL);
		restart_call(tf, sa);
		if (!uaccess_canonical(sa->handler))
			proc_kill(LINUX_SIGSEGV, "signal %d: non-canonical handler %#lx", sig,
			          sa->handler);
		if (!setup_frame(tf, sig, sa))
			proc_kill(LINUX_SIGSEGV, "cannot deliver signal %d: bad user stack %#lx",
			          sig, tf->rsp);
		if (sa->flags & LINUX_SA_RESETHAND)
			sa->handler = LINUX_SIG_DFL;
		handler = true;
		break; /* one handler at a time; the rest after it returns */
	}
	if (!handler)
		restart_call(tf, NULL);
	if (t->restore_mask) {
		t->sigmask = t->saved_mask;
		t->restore_mask = false;
	}
	signal_update_work();
}

/* rt_sigreturn: restore what setup_frame saved; the frame is at the user RSP. */
long signal_return(struct trap_frame *tf)
{
	struct linux_ucontext uc;
	const struct linux_sigcontext *m = &uc.mcontext;

	if (copy_from_user(&uc, tf->rsp, sizeof(uc)))
		proc_kill(LINUX_SIGSEGV, "rt_sigreturn: bad frame at %#lx", tf->rsp);
	if (m->fpstate &&
	    ((m->fpstate & 15) || !uaccess_ok(m->fpstate, 512) || uaccess_fxrstor(m->fpstate)))
		proc_kill(LINUX_SIGSEGV, "rt_sigreturn: bad FPU state at %#lx", m->fpstate);
	if (!uaccess_canonical(m->rip) || !uaccess_canonical(m->rsp))
		proc_kill(LINUX_SIGSEGV, "rt_sigreturn: non-canonical rip %#lx or rsp %#lx", m->rip,
		          m->rsp);
	tf->r8 = m->r8, tf->r9 = m->r9, tf->r10 = m->r10, tf->r11 = m->r11;
	tf->r12 = m->r12, tf->r13 = m->r13, tf->r14 = m->r14, tf->r15 = m->r15;
	tf->rdi = m->rdi, tf->rsi = m->rsi, tf->rbp = m->rbp, tf->rbx = m->rbx;
	tf->rdx = m->rdx, tf->rcx = m->rcx, tf->rsp = m->rsp, tf->rip = m->rip;
	/* Ring, segments and privileged flags stay the kernel's choice. */
	tf->rflags = (m->eflags & RFLAGS_USER_MASK) | RFLAGS_USER_SET;
	thread_current->sigmask = uc.sigmask & ~UNBLOCKABLE;
	/* The alternate stack as the frame says (errors ignored, as Linux's). */
	signal_altstack_set(uc.ss_sp, uc.ss_size, (uint32_t)uc.ss_flags, tf->rsp);
	signal_update_work();
	return (long)m->rax;
}

long signal_altstack_set(uint64_t sp, uint64_t size, uint32_t flags, uint64_t user_sp)
{
	struct thread *t = thread_current;
	uint32_t mode = flags & ~LINUX_SS_AUTODISARM;

	if (on_altstack(t, user_sp))
		return -LINUX_EPERM;
	if (mode != 0 && mode != LINUX_SS_ONSTACK && mode != LINUX_SS_DISABLE)
		return -LINUX_EINVAL;
	if (mode == LINUX_SS_DISABLE) {
		t->ss_sp = t->ss_size = 0;
		t->ss_flags = 0;
		return 0;
	}
	if (size < LINUX_MINSIGSTKSZ)
		return -LINUX_ENOMEM;
	if (sp + size < sp)
		return -LINUX_EINVAL;
	t->ss_sp = sp;
	t->ss_size = size;
	t->ss_flags = flags; /* as given, as Linux keeps them */
	return 0;
}

long signal_altstack_get(uint64_t *sp, uint64_t *size, uint32_t *flags, uint64_t user_sp)
{
	const struct thread *t = thread_current;

	*sp = t->ss_sp;
	*size = t->ss_size;
	*flags = (!t->ss_size               ? LINUX_SS_DISABLE
	          : on_altstack(t, user_sp) ? LINUX_SS_ONSTACK
	                                    : 0) |
	         (t->ss_flags & LINUX_SS_AUTODISARM);
	return 0;
}
