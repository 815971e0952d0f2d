/* Signals for newlib programs: sigaction through a dispatcher, masks, kill and raise, alarms. */

/*
 * The kernel delivers signals as Linux does: a handler runs on the user
 * stack with a Linux rt_sigframe, gets (Linux signal number, Linux
 * siginfo, ucontext), and returns through the restorer named in
 * SA_RESTORER, which calls rt_sigreturn.  A newlib program numbers signals
 * its own way (SIGUSR1 is 30, Linux's 10) and knows another sigset_t and
 * siginfo_t, so its handlers cannot be given to the kernel as they are.
 *
 * ulib gives the kernel one handler instead, dispatch(), for every signal
 * the program catches, always with SA_SIGINFO and with ulib_sigreturn
 * (signal_asm.S) as the restorer; the program's other flags and its mask
 * go to the kernel translated, so the kernel still does the masking,
 * SA_NODEFER and SA_RESETHAND.  The program's handler waits in `caught`,
 * indexed by newlib number; dispatch() turns the Linux number and siginfo
 * into newlib's and calls it.  Every handler is called with three
 * arguments (sig, info, context), as the Linux kernel itself calls
 * handlers: with the x86-64 calling convention a one-argument handler
 * ignores the other two, so a handler changing kind under a racing signal
 * is still called correctly.
 *
 * The kernel keeps the truth about dispositions: sigaction() reports what
 * the kernel returns, and reads `caught` only when the kernel's handler is
 * dispatch().  SIG_DFL and SIG_IGN go to the kernel as they are (both 0
 * and 1 in Linux too) and leave `caught` alone; fork copies it with the
 * address space, execve resets the kernel's side.
 *
 * newlib's libc.a has its own raise() and signal() (libc/signal/signal.c,
 * a software emulation that only calls handlers raise() itself runs).
 * ulib's are the only ones linked: start.c refers to raise(), so this
 * object is taken from libulib.a before the linker searches libc.a, and
 * newlib's abort() and others then find ulib's raise().
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/time.h>
#include <unistd.h>

#include "syscall.h"
#include "xlate.h"

#define ALIAS(name)  __attribute__((alias(#name), copy(name)))
#define SIGSET_BYTES 8 /* the kernel's sigset_t */

_Static_assert(sizeof(struct itimerval) == sizeof(struct linux_itimerval) &&
                       offsetof(struct itimerval, it_value) ==
                               offsetof(struct linux_itimerval, value) &&
                       sizeof(struct timeval) == sizeof(struct linux_timeval),
               "struct itimerval is Linux's");
_Static_assert(SIG_DFL == (_sig_func_ptr)LINUX_SIG_DFL && SIG_IGN == (_sig_func_ptr)LINUX_SIG_IGN,
               "SIG_DFL and SIG_IGN are Linux's");

typedef void (*handler_fn)(int, siginfo_t *, void *);

/* The restorer (signal_asm.S). */
void ulib_sigreturn(void);

/*
 * The program's handlers by newlib signal number.  fn is written before the
 * kernel is told to call dispatch() and read by dispatch() (atomic);
 * siginfo (the program's SA_SIGINFO) is only reported back by sigaction().
 */
static struct {
	handler_fn fn;
	int siginfo;
} caught[NSIG];

/* The kernel-level handler of every caught signal; the kernel returns to ulib_sigreturn. */
static void dispatch(int lsig, struct linux_siginfo *lsi, void *context)
{
	int sig = ulib_sig_from_linux(lsig);
	handler_fn fn;
	siginfo_t si;
	int saved;

	if (sig <= 0)
		return; /* sigaction() never installs us for those */
	fn = __atomic_load_n(&caught[sig].fn, __ATOMIC_ACQUIRE);
	if ((uintptr_t)fn <= (uintptr_t)SIG_IGN)
		return;
	ulib_siginfo_from_linux(&si, lsi);
	/* The interrupted code may be between a call and its errno test. */
	saved = errno;
	fn(sig, &si, context);
	errno = saved;
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	int lsig = sig > 0 ? ulib_sig_to_linux(sig) : -1;
	struct linux_sigaction lact, lold;
	handler_fn prev_fn;
	int prev_siginfo;
	long r;

	if (lsig <= 0) {
		errno = EINVAL;
		return -1;
	}
	prev_fn = __atomic_load_n(&caught[sig].fn, __ATOMIC_ACQUIRE);
	prev_siginfo = caught[sig].siginfo;
	if (act) {
		lact.mask = ulib_sigset_to_linux(&act->sa_mask);
		lact.flags = ulib_saflags_to_linux(act->sa_flags) | LINUX_SA_RESTORER;
		lact.restorer = (uint64_t)ulib_sigreturn;
		if (act->sa_handler == SIG_DFL || act->sa_handler == SIG_IGN) {
			lact.handler = (uint64_t)act->sa_handler;
		} else {
			/* The handler first: a signal may reach dispatch() once the kernel knows. */
			caught[sig].siginfo = act->sa_flags & SA_SIGINFO;
			__atomic_store_n(&caught[sig].fn, act->sa_sigaction, __ATOMIC_RELEASE);
			lact.handler = (uint64_t)dispatch;
			lact.flags |= LINUX_SA_SIGINFO;
		}
	}
	r = ulib_syscall4(LINUX_SYS_rt_sigaction, lsig, act ? (long)&lact : 0,
	                  old ? (long)&lold : 0, SIGSET_BYTES);
	if (r < 0) {
		if (act) { /* SIGKILL or SIGSTOP: leave things as they were */
			caught[sig].siginfo = prev_siginfo;
			__atomic_store_n(&caught[sig].fn, prev_fn, __ATOMIC_RELEASE);
		}
		return ulib_ret(r);
	}
	if (old) {
		ulib_sigset_from_linux(&old->sa_mask, lold.mask);
		old->sa_flags = ulib_saflags_from_linux(lold.flags);
		if (lold.handler == (uint64_t)dispatch) {
			old->sa_sigaction = prev_fn;
			old->sa_flags = (old->sa_flags & ~SA_SIGINFO) | prev_siginfo;
		} else {
			old->sa_handler = (_sig_func_ptr)lold.handler;
		}
	}
	return 0;
}

/* BSD semantics, as Linux libcs have it: the handler stays, calls restart. */
_sig_func_ptr signal(int sig, _sig_func_ptr fn)
{
	struct sigaction sa = { .sa_handler = fn, .sa_flags = SA_RESTART }, old;

	if (sigaction(sig, &sa, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

_sig_func_ptr _signal_r(struct _reent *r, int sig, _sig_func_ptr fn)
{
	(void)r;
	return signal(sig, fn);
}

/* To the calling thread; an unblocked signal's handler has run when tgkill returns. */
int raise(int sig)
{
	int lsig = ulib_sig_to_linux(sig);

	if (lsig < 0) {
		errno = EINVAL;
		return -1;
	}
	return ulib_ret(ulib_syscall3(LINUX_SYS_tgkill, ulib_syscall0(LINUX_SYS_getpid),
	                              ulib_syscall0(LINUX_SYS_gettid), lsig));
}

int _raise_r(struct _reent *r, int sig)
{
	(void)r;
	return raise(sig);
}

/*
 * Replaces newlib's, which gives up with _exit(1) when SIGABRT is blocked,
 * ignored or caught by a handler that returns: POSIX wants the process
 * killed by SIGABRT in all of those cases.
 */
void abort(void)
{
	sigset_t set = 1UL << SIGABRT;
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(SIGABRT); /* a handler runs here, and may not return */
	sigaction(SIGABRT, &dfl, NULL);
	raise(SIGABRT);
	for (;;)
		ulib_syscall1(LINUX_SYS_exit_group, 127);
}

int kill(pid_t pid, int sig)
{
	int lsig = ulib_sig_to_linux(sig);

	if (lsig < 0) {
		errno = EINVAL;
		return -1;
	}
	return ulib_ret(ulib_syscall2(LINUX_SYS_kill, pid, lsig));
}

int killpg(pid_t pgrp, int sig)
{
	if (pgrp < 0) {
		errno = EINVAL;
		return -1;
	}
	return kill(-pgrp, sig);
}

int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	uint64_t lset = set ? ulib_sigset_to_linux(set) : 0, lold = 0;
	long lhow, r;

	switch (how) {
	case SIG_BLOCK: lhow = LINUX_SIG_BLOCK; break;
	case SIG_UNBLOCK: lhow = LINUX_SIG_UNBLOCK; break;
	case SIG_SETMASK: lhow = LINUX_SIG_SETMASK; break;
	default: errno = EINVAL; return -1;
	}
	r = ulib_syscall4(LINUX_SYS_rt_sigprocmask, lhow, set ? (long)&lset : 0,
	                  old ? (long)&lold : 0, SIGSET_BYTES);
	if (r == 0 && old)
		ulib_sigset_from_linux(old, lold);
	return ulib_ret(r);
}

int sigpending(sigset_t *set)
{
	uint64_t lset = 0;
	long r = ulib_syscall2(LINUX_SYS_rt_sigpending, (long)&lset, SIGSET_BYTES);

	if (r == 0)
		ulib_sigset_from_linux(set, lset);
	return ulib_ret(r);
}

int sigsuspend(const sigset_t *mask)
{
	uint64_t lmask = ulib_sigset_to_linux(mask);

	return ulib_ret(ulib_syscall2(LINUX_SYS_rt_sigsuspend, (long)&lmask, SIGSET_BYTES));
}

unsigned alarm(unsigned seconds)
{
	return (unsigned)ulib_syscall1(LINUX_SYS_alarm, seconds); /* cannot fail */
}

/* ITIMER_REAL, ITIMER_VIRTUAL and ITIMER_PROF are 0, 1 and 2 in both. */
int getitimer(int which, struct itimerval *value)
{
	return ulib_ret(ulib_syscall2(LINUX_SYS_getitimer, which, (long)value));
}

int setitimer(int which, const struct itimerval *value, struct itimerval *old)
{
	return ulib_ret(ulib_syscall3(LINUX_SYS_setitimer, which, (long)value, (long)old));
}

/* sigset_t is newlib's: bit n for signal n, 1 <= n < NSIG. */
static int bad_signal(int sig)
{
	if (sig > 0 && sig < NSIG)
		return 0;
	errno = EINVAL;
	return 1;
}

int sigemptyset(sigset_t *set)
{
	*set = 0;
	return 0;
}

int sigfillset(sigset_t *set)
{
	*set = ~1UL; /* every signal; bit 0 is no signal */
	return 0;
}

int sigaddset(sigset_t *set, int sig)
{
	if (bad_signal(sig))
		return -1;
	*set |= 1UL << sig;
	return 0;
}

int sigdelset(sigset_t *set, int sig)
{
	if (bad_signal(sig))
		return -1;
	*set &= ~(1UL << sig);
	return 0;
}

int sigismember(const sigset_t *set, int sig)
{
	if (bad_signal(sig))
		return -1;
	return (*set >> sig) & 1;
}

/* The C half of sigsetjmp (signal_asm.S): record the mask if asked to. */
void ulib_sigjmp_save(sigjmp_buf env, int savemask);

void ulib_sigjmp_save(sigjmp_buf env, int savemask)
{
	env->__saved = savemask != 0 && sigprocmask(SIG_BLOCK, NULL, &env->__mask) == 0;
}

void siglongjmp(sigjmp_buf env, int val)
{
	if (env->__saved)
		sigprocmask(SIG_SETMASK, &env->__mask, NULL);
	longjmp(env->__env, val);
}

int _kill(pid_t, int) ALIAS(kill);
