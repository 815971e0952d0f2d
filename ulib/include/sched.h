/* <sched.h> for newlib guests: newlib's, plus sched_yield, which ulib implements. */
#ifndef ULIB_SCHED_H
#define ULIB_SCHED_H

#include_next <sched.h>

#if !defined(_POSIX_THREADS) && !defined(_POSIX_PRIORITY_SCHEDULING)
#ifdef __cplusplus
extern "C" {
#endif
int sched_yield(void);
#ifdef __cplusplus
}
#endif
#endif

#endif /* ULIB_SCHED_H */
