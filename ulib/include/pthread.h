/* <pthread.h> for newlib guests: the POSIX threads subset ulib implements (ulib/pthread.c). */
#ifndef ULIB_PTHREAD_H
#define ULIB_PTHREAD_H

/*
 * newlib's <sys/types.h> defines the pthread types for this target
 * (pthread_t, pthread_mutex_t and pthread_cond_t are 32-bit words,
 * pthread_attr_t, pthread_once_t, ... are structures), but its <pthread.h>
 * declares nothing unless the system defines _POSIX_THREADS, which the bare
 * x86_64-elf configuration does not.  ulib keeps newlib's types and
 * constants (PTHREAD_CREATE_JOINABLE is 1, PTHREAD_CREATE_DETACHED 0) and
 * declares here what it implements.  It does not define _POSIX_THREADS,
 * which would change what newlib's other headers declare.
 *
 * Functions return 0 or an error number (<errno.h>) and leave errno alone.
 * Mutexes are of the normal kind only: no recursive or error-checking ones,
 * no priority protocols, nothing process-shared.  There is no cancellation,
 * no rwlocks, barriers or spinlocks, no pthread_atfork.
 */

#include_next <pthread.h>

#include <sched.h>
#include <sys/types.h>
#include <time.h>

#define PTHREAD_MUTEX_INITIALIZER ((pthread_mutex_t)0)
#define PTHREAD_COND_INITIALIZER  ((pthread_cond_t)0)
/* clang-format off */
#define PTHREAD_ONCE_INIT         { 1, 0 }
/* clang-format on */

/* Mutex kinds: newlib's numbers, but only the normal one exists. */
#ifndef PTHREAD_MUTEX_NORMAL
#define PTHREAD_MUTEX_NORMAL  0
#define PTHREAD_MUTEX_DEFAULT 3
#endif

/* The smallest stack pthread_attr_setstacksize() takes; the default is 128 KiB. */
#define PTHREAD_STACK_MIN             16384
#define PTHREAD_KEYS_MAX              128
#define PTHREAD_DESTRUCTOR_ITERATIONS 4

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Threads.  A thread's stack (default 128 KiB, with a guard page below it)
 * is an anonymous mapping; it is unmapped when the thread is joined or,
 * for a detached thread, by a later pthread_create() once the kernel says
 * the thread is gone.  When the last thread ends (pthread_exit() or a
 * return from its start function, the main thread's pthread_exit()
 * included), the process calls exit(0).
 */
int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *),
                   void *arg);
int pthread_join(pthread_t thread, void **result);
int pthread_detach(pthread_t thread);
void pthread_exit(void *result) __attribute__((__noreturn__));
pthread_t pthread_self(void);
int pthread_equal(pthread_t a, pthread_t b);
/* pthread_kill() and pthread_sigmask() are declared by newlib's <signal.h>. */

/* Thread attributes: stack size and detach state; the others are ignored. */
int pthread_attr_init(pthread_attr_t *attr);
int pthread_attr_destroy(pthread_attr_t *attr);
int pthread_attr_setstacksize(pthread_attr_t *attr, size_t size);
int pthread_attr_getstacksize(const pthread_attr_t *attr, size_t *size);
int pthread_attr_setdetachstate(pthread_attr_t *attr, int state);
int pthread_attr_getdetachstate(const pthread_attr_t *attr, int *state);

/* Mutexes: one futex word; lock sleeps in the kernel when it is held. */
int pthread_mutex_init(pthread_mutex_t *mutex, const pthread_mutexattr_t *attr);
int pthread_mutex_destroy(pthread_mutex_t *mutex);
int pthread_mutex_lock(pthread_mutex_t *mutex);
int pthread_mutex_trylock(pthread_mutex_t *mutex);
int pthread_mutex_unlock(pthread_mutex_t *mutex);
int pthread_mutexattr_init(pthread_mutexattr_t *attr);
int pthread_mutexattr_destroy(pthread_mutexattr_t *attr);
int pthread_mutexattr_settype(pthread_mutexattr_t *attr, int type);
int pthread_mutexattr_gettype(const pthread_mutexattr_t *attr, int *type);

/*
 * Condition variables: a futex sequence counter.  Timeouts are absolute
 * CLOCK_REALTIME times (no pthread_condattr_setclock); waits may wake
 * spuriously, as POSIX allows.
 */
int pthread_cond_init(pthread_cond_t *cond, const pthread_condattr_t *attr);
int pthread_cond_destroy(pthread_cond_t *cond);
int pthread_cond_wait(pthread_cond_t *cond, pthread_mutex_t *mutex);
int pthread_cond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mutex,
                           const struct timespec *abstime);
int pthread_cond_signal(pthread_cond_t *cond);
int pthread_cond_broadcast(pthread_cond_t *cond);
int pthread_condattr_init(pthread_condattr_t *attr);
int pthread_condattr_destroy(pthread_condattr_t *attr);

/* One-time initialisation. */
int pthread_once(pthread_once_t *once, void (*init)(void));

/* Thread-specific data: PTHREAD_KEYS_MAX keys, destructors run at pthread_exit(). */
int pthread_key_create(pthread_key_t *key, void (*destructor)(void *));
int pthread_key_delete(pthread_key_t key);
void *pthread_getspecific(pthread_key_t key);
int pthread_setspecific(pthread_key_t key, const void *value);

#ifdef __cplusplus
}
#endif

#endif /* ULIB_PTHREAD_H */
