/* Signals: actions, masks, delivery on the way back to ring 3, sigreturn. */
#ifndef SIG_SIGNAL_H
#define SIG_SIGNAL_H

#include <lib/klib.h>

struct proc;
struct thread;
struct trap_frame;

#define SIG_BIT(sig) (1ull << ((sig)-1))

/* Why a signal was sent, for its siginfo. */
struct sig_info {
	int code;      /* LINUX_SI_* or a fault code */
	int pid;       /* sender, for SI_USER / SI_TKILL; the child for SIGCHLD */
	int status;    /* SIGCHLD: exit code or signal */
	uint64_t addr; /* fault address */
	bool child;    /* a child's exit (SIGCHLD or a clone's exit signal): pid and status */
};

/*
 * Make `sig` pending for the whole process of `t` (`thread` false) or for
 * the thread `t` alone, and wake a thread that can take it if it sleeps
 * in an interruptible call (the call returns -EINTR).  Ignored signals are
 * dropped here.  Does not deliver: delivery happens on return to ring 3.
 */
void signal_send(struct thread *t, int sig, bool thread, const struct sig_info *info);

/*
 * Deliver what is pending and unblocked for the current thread, on its way
 * back to ring 3 with registers `tf`: run default actions (which may end
 * the process) or build a handler frame on the user stack.
 */
void signal_deliver(struct trap_frame *tf);

/*
 * rt_sigreturn: restore the registers and mask saved in the frame at the
 * user RSP of `tf`; returns the restored RAX.  A forged frame can only set
 * user registers; a bad one kills the process.
 */
long signal_return(struct trap_frame *tf);

/*
 * The sigmask argument of ppoll, pselect6, epoll_pwait: read the user
 * sigset at `uset` (`size` must be 8) into *mask; 0, -EINVAL or -EFAULT.
 */
long signal_mask_read(uint64_t uset, uint64_t size, uint64_t *mask);

/*
 * Run a sleeping call under `mask` (SIGKILL/SIGSTOP stay unblocked);
 * signal_mask_pop(rc) gives the caller's mask back, except after -EINTR:
 * then it comes back after the handler runs, as for sigsuspend.
 */
void signal_mask_push(uint64_t mask);
void signal_mask_pop(long rc);

/* Recompute whether the current thread has signal work (entry.S checks it). */
void signal_update_work(void);

/* Set by signal_update_work: the fast system-call path must deliver. */
extern uint8_t signal_work;

/*
 * POSIX timers (sig/timer.c): fire the due ones, returning the earliest
 * deadline left (0: none), for the scheduler; drop a process's timers.
 */
uint64_t timer_expire(uint64_t now);

/* p's timers go: all (exit), or those exec ends (POSIX timers, not setitimer's). */
void timer_proc_gone(struct proc *p, bool exec);

/*
 * setitimer/getitimer of ITIMER_VIRTUAL (1) or ITIMER_PROF (2) for the
 * current process, in CPU ns: the old value and interval out, then the
 * new ones in (value 0: disarm; UINT64_MAX: only read).  0 or -EAGAIN.
 */
long timer_itimer(int which, uint64_t value, uint64_t interval, uint64_t *old_value,
                  uint64_t *old_interval);

/*
 * Arm (or drop) p's RLIMIT_CPU timer from p->rlimits: SIGXCPU at the soft
 * limit and each CPU second past it, SIGKILL at the hard one.  0, or
 * -EAGAIN when the VM's timer table is full (timer_slot_free says whether
 * it is beforehand).
 */
long timer_rlimit_cpu(struct proc *p);
bool timer_slot_free(void);

/* CLOCK_REALTIME jumped by `delta` ns: its TIMER_ABSTIME timers fall due accordingly. */
void timer_realtime_moved(int64_t delta);

/* Whether `sig`'s default action is to do nothing (SIGCHLD, SIGCONT, SIGURG, SIGWINCH). */
bool signal_ignored_by_default(int sig);

/*
 * The calling thread's alternate signal stack (sigaltstack), the user's
 * RSP telling whether it runs on it: set (0, -EPERM on it, -EINVAL for bad
 * flags, -ENOMEM under MINSIGSTKSZ) and read.
 */
long signal_altstack_set(uint64_t sp, uint64_t size, uint32_t flags, uint64_t user_sp);
long signal_altstack_get(uint64_t *sp, uint64_t *size, uint32_t *flags, uint64_t user_sp);

/* The siginfo of pending signal `sig` of process `p`, as a handler or sigtimedwait gets it. */
struct linux_siginfo;
struct proc;
void signal_info(const struct proc *p, int sig, struct linux_siginfo *info);

/* Drop the signals of `mask` pending for `p` and every one of its threads. */
void signal_discard(struct proc *p, uint64_t mask);

/* Take pending `sig` off thread `t` (its own first, else its process's). */
void signal_take(struct thread *t, int sig);

#endif /* SIG_SIGNAL_H */
