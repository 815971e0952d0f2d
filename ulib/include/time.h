/* <time.h> for newlib guests: newlib's, plus the POSIX clocks ulib provides. */
#ifndef ULIB_TIME_H
#define ULIB_TIME_H

#include_next <time.h>

/*
 * newlib declares clock_gettime() and friends only for systems that define
 * _POSIX_TIMERS, which a bare target does not; ulib implements these few
 * (but no timer_* functions), so it declares them itself.  Clock ids keep
 * newlib's numbers (CLOCK_REALTIME is 1, CLOCK_MONOTONIC 4); ulib converts
 * them to Linux's.
 */

#ifndef CLOCK_MONOTONIC
#define CLOCK_MONOTONIC ((clockid_t)4)
#endif
#ifndef CLOCK_PROCESS_CPUTIME_ID
#define CLOCK_PROCESS_CPUTIME_ID ((clockid_t)2)
#endif
#ifndef CLOCK_THREAD_CPUTIME_ID
#define CLOCK_THREAD_CPUTIME_ID ((clockid_t)3)
#endif

#ifdef __cplusplus
extern "C" {
#endif

#ifndef _POSIX_TIMERS
int clock_gettime(clockid_t clock_id, struct timespec *tp);
int clock_getres(clockid_t clock_id, struct timespec *res);
int nanosleep(const struct timespec *req, struct timespec *rem);
#endif

#ifdef __cplusplus
}
#endif

#endif /* ULIB_TIME_H */
