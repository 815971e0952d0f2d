/* <setjmp.h> for newlib guests: newlib's, plus sigsetjmp and siglongjmp (ulib/signal.c). */
#ifndef ULIB_SETJMP_H
#define ULIB_SETJMP_H

#include_next <setjmp.h>

#include <sys/features.h>

/*
 * newlib defines sigjmp_buf and its sigsetjmp()/siglongjmp() macros only
 * for Cygwin and RTEMS.  ulib's are functions: sigsetjmp(env, savemask)
 * records the thread's signal mask when savemask is not 0, then is
 * setjmp(); siglongjmp() puts that mask back (if it was recorded) and
 * longjmps.  Leaving a signal handler with siglongjmp() is the way to
 * unblock the signal the handler was running for.
 */
#if __POSIX_VISIBLE
#include <signal.h>

typedef struct {
	jmp_buf __env; /* first: sigsetjmp ends in setjmp(env) */
	int __saved;
	sigset_t __mask;
} sigjmp_buf[1];

#ifdef __cplusplus
extern "C" {
#endif

int sigsetjmp(sigjmp_buf env, int savemask) __attribute__((__returns_twice__));
void siglongjmp(sigjmp_buf env, int val) __attribute__((__noreturn__));

#ifdef __cplusplus
}
#endif
#endif /* __POSIX_VISIBLE */

#endif /* ULIB_SETJMP_H */
