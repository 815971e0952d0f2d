/* <sys/signal.h> for newlib guests: newlib's, with the sigaction and siginfo_t ulib implements. */
#ifndef ULIB_SYS_SIGNAL_H
#define ULIB_SYS_SIGNAL_H

/*
 * newlib for a bare target declares sigaction() but gives struct sigaction
 * only sa_handler, sa_mask and sa_flags, defines SA_NOCLDSTOP and nothing
 * else, and has a three-field siginfo_t.  ulib's signals (ulib/signal.c) are
 * the kernel's, so this header renames newlib's two types out of the way
 * while its header is read and defines them again as POSIX has them.
 *
 * Numbering.  Signal numbers, sigset_t (unsigned long, bit n for signal n)
 * and NSIG (32) stay newlib's; ulib converts them to the kernel's.  The
 * SA_* flags are ulib's own small values, also converted.  si_code values
 * are Linux's (SI_USER is 0, not newlib's 1; CLD_EXITED is 1, ...): ulib
 * passes them through unchanged.  siginfo_t has Linux's layout (128 bytes)
 * but si_signo, si_errno and a SIGCHLD's si_status (when it is a signal)
 * come in newlib's numbers.
 *
 * newlib's sigaddset() & co. are macros that shift an int (signal 31 sets
 * the top 33 bits); they are undefined here, so the checked functions ulib
 * provides are called instead.
 *
 * Not declared (the kernel does not serve what they need): sigwaitinfo(),
 * sigtimedwait(), sigqueue(); sigaltstack() and SA_ONSTACK; real-time
 * signals.
 */

#include <sys/features.h>

#if __POSIX_VISIBLE >= 199309

#define sigaction    __newlib_sigaction
#define siginfo_t    __newlib_siginfo_t
#define sigwaitinfo  __newlib_sigwaitinfo
#define sigtimedwait __newlib_sigtimedwait
#define sigqueue     __newlib_sigqueue
#include_next <sys/signal.h>
#undef sigaction
#undef siginfo_t
#undef sigwaitinfo
#undef sigtimedwait
#undef sigqueue

#undef sigaddset
#undef sigdelset
#undef sigemptyset
#undef sigfillset
#undef sigismember

/* si_code: Linux's values (newlib's SI_* numbers are replaced). */
#undef SI_USER
#undef SI_QUEUE
#undef SI_TIMER
#undef SI_ASYNCIO
#undef SI_MESGQ
#define SI_USER    0    /* kill() */
#define SI_KERNEL  0x80 /* the kernel (SIGALRM of alarm(), ...) */
#define SI_QUEUE   (-1)
#define SI_TIMER   (-2)
#define SI_MESGQ   (-3)
#define SI_ASYNCIO (-4)
#define SI_TKILL   (-6) /* tgkill(): raise(), pthread_kill() */

#define ILL_ILLOPC 1
#define ILL_ILLOPN 2
#define ILL_ILLADR 3
#define ILL_ILLTRP 4
#define ILL_PRVOPC 5
#define ILL_PRVREG 6
#define ILL_COPROC 7
#define ILL_BADSTK 8

#define FPE_INTDIV 1
#define FPE_INTOVF 2
#define FPE_FLTDIV 3
#define FPE_FLTOVF 4
#define FPE_FLTUND 5
#define FPE_FLTRES 6
#define FPE_FLTINV 7
#define FPE_FLTSUB 8

#define SEGV_MAPERR 1
#define SEGV_ACCERR 2

#define BUS_ADRALN 1
#define BUS_ADRERR 2
#define BUS_OBJERR 3

#define TRAP_BRKPT 1
#define TRAP_TRACE 2

#define CLD_EXITED    1
#define CLD_KILLED    2
#define CLD_DUMPED    3
#define CLD_TRAPPED   4
#define CLD_STOPPED   5
#define CLD_CONTINUED 6

#define POLL_IN  1
#define POLL_OUT 2
#define POLL_MSG 3
#define POLL_ERR 4
#define POLL_PRI 5
#define POLL_HUP 6

/*
 * What a handler learns about a signal.  The layout is Linux's: the fields
 * after si_code overlap, and which are meaningful depends on the signal
 * and si_code (si_pid and si_uid for kill(), raise() and SIGCHLD; also
 * si_status for SIGCHLD: the exit code, or the signal for CLD_KILLED;
 * si_addr for SIGSEGV, SIGBUS, SIGILL, SIGFPE).
 */
typedef struct {
	int si_signo;
	int si_errno;
	int si_code;
	union {
		long __pad[14]; /* 128 bytes in all */
		struct {
			pid_t __pid;
			uid_t __uid;
			union {
				int __status;
				union sigval __value;
			} __u;
		} __proc;
		struct {
			void *__addr;
		} __fault;
		struct {
			long __band;
		} __poll;
	} __si;
} siginfo_t;

#define si_pid    __si.__proc.__pid
#define si_uid    __si.__proc.__uid
#define si_status __si.__proc.__u.__status
#define si_value  __si.__proc.__u.__value
#define si_addr   __si.__fault.__addr
#define si_band   __si.__poll.__band

/* sa_flags: ulib's values; SA_NOCLDSTOP is newlib's 1. */
#define SA_SIGINFO   0x02 /* call sa_sigaction(sig, info, context) */
#define SA_NODEFER   0x08 /* do not block the signal in its own handler */
#define SA_RESETHAND 0x10 /* back to SIG_DFL once delivered */
#define SA_RESTART   0x20 /* restart interrupted calls (Linux does; nanvix gives EINTR) */

/*
 * A handler is sa_handler(sig), or with SA_SIGINFO sa_sigaction(sig, info,
 * context), where context points at the kernel's (Linux's) struct
 * ucontext: newlib has no ucontext_t.
 */
struct sigaction {
	__extension__ union {
		void (*sa_handler)(int);
		void (*sa_sigaction)(int, siginfo_t *, void *);
	};
	sigset_t sa_mask;
	int sa_flags;
};

#ifdef __cplusplus
extern "C" {
#endif

int sigaction(int sig, const struct sigaction *__restrict act, struct sigaction *__restrict old);

#ifdef __cplusplus
}
#endif

#else /* !(__POSIX_VISIBLE >= 199309): plain ISO C, no POSIX signals */
#include_next <sys/signal.h>
#endif

#endif /* ULIB_SYS_SIGNAL_H */
