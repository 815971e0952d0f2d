/* Per-thread control blocks, futexes and ulib's internal locks (private to ulib). */
#ifndef ULIB_THREAD_H
#define ULIB_THREAD_H

/*
 * Every thread of a newlib+ulib program, the main one included, has a
 * struct ulib_thread, and its FS base points at it: the first word is the
 * block's own address, so `mov %fs:0` finds it in one instruction.  The
 * main thread's block is static (thread.c) and FS is set by
 * ulib_thread_init() before anything else runs; pthread_create() gives each
 * new thread a block at the top of its stack mapping and sets FS with
 * CLONE_SETTLS.
 *
 * Locking: fields marked "own" are touched only by the thread itself;
 * "const" fields are written before the thread starts and then only read;
 * the others say who writes them.
 */

#include <stddef.h>
#include <stdint.h>

#include <abi/linux.h>

#include "syscall.h"

/* Thread-specific data keys (pthread_key_create). */
#define ULIB_KEYS_MAX 128

/* The life of a thread: joinable or detached, then exited. */
enum ulib_thread_state {
	ULIB_JOINABLE, /* running; pthread_join() will reap it */
	ULIB_DETACHED, /* running; nobody will join it */
	ULIB_EXITED,   /* joinable and finished: waits for pthread_join() */
	ULIB_DEAD,     /* detached and finished: freed once tid reads 0 */
};

struct ulib_thread {
	struct ulib_thread *self; /* const: %fs:0 (keep first) */
	int *errnop;              /* const: where errno lives (see thread.c) */
	int errno_val;            /* own: errno of a created thread */
	/*
	 * The kernel's thread id: stored by clone (CLONE_PARENT_SETTID), zeroed
	 * by the kernel when the thread has left user space for good, which
	 * also wakes a futex waiter (CLONE_CHILD_CLEARTID).  0 means its stack
	 * may be unmapped.
	 */
	volatile int tid;
	int state;   /* enum ulib_thread_state, atomic */
	uint32_t id; /* const: the pthread_t (pthread.c) */
	void *(*start)(void *);
	void *arg;      /* const: start(arg) */
	void *result;   /* own until exit: what pthread_join() returns */
	void *map;      /* const: the stack mapping, NULL for the main thread */
	size_t map_len; /* const */
	/* own, but pthread_key_create() clears a new key's entry in every thread */
	void *specific[ULIB_KEYS_MAX];
};

/* The calling thread's control block. */
static inline struct ulib_thread *ulib_thread_self(void)
{
	struct ulib_thread *t;

	__asm__("mov %%fs:0, %0" : "=r"(t));
	return t;
}

/*
 * Set up the main thread's control block and FS base; ulib_start() calls it
 * first.  ulib_thread_after_fork() makes the calling thread the only one
 * again in a fork child.
 */
void ulib_thread_init(void);
void ulib_thread_after_fork(void);

/*
 * A pthread_t is (generation << ULIB_SLOT_BITS) | slot: the slot indexes
 * pthread.c's table of threads, and the generation, never 0, changes each
 * time a slot is reused, so that a stale pthread_t is not taken for a new
 * thread.  The main thread has slot 0, generation 1.
 */
#define ULIB_SLOT_BITS   10
#define ULIB_THREADS_MAX (1 << ULIB_SLOT_BITS)
#define ULIB_MAIN_ID     ((uint32_t)1 << ULIB_SLOT_BITS)

/*
 * The main thread's control block (the one thread without a mapping),
 * written by ulib_thread_init() and ulib_thread_after_fork().
 */
extern struct ulib_thread ulib_main_thread;

/*
 * Threads that have not finished pthread_exit() (or returned from their
 * start function), the main thread included; atomic.  The one that brings it
 * to 0 calls exit(0), as POSIX asks of the last thread.
 */
extern int ulib_threads_live;

/*
 * futex(2) wait while *addr == val, at most timeout (relative, NULL for
 * none); wake up to n waiters.  `private` selects FUTEX_PRIVATE_FLAG (words
 * only this process waits on).  Both return the raw result (negative Linux
 * errno on failure).
 */
static inline long ulib_futex_wait(volatile void *addr, uint32_t val,
                                   const struct linux_timespec *timeout, int private)
{
	return ulib_syscall4(LINUX_SYS_futex, (long)addr,
	                     LINUX_FUTEX_WAIT | (private ? LINUX_FUTEX_PRIVATE_FLAG : 0), val,
	                     (long)timeout);
}

static inline long ulib_futex_wake(volatile void *addr, int n, int private)
{
	return ulib_syscall3(LINUX_SYS_futex, (long)addr,
	                     LINUX_FUTEX_WAKE | (private ? LINUX_FUTEX_PRIVATE_FLAG : 0), n);
}

/*
 * A futex lock in one 32-bit word (pthread_mutex_t and ulib's own locks):
 * 0 free, 1 held, 2 held and a thread may be sleeping on it.  Not recursive,
 * no owner check.  ulib_lock_wait() takes it as if contended (leaving 2
 * behind), for a thread that has just slept elsewhere (a condition variable)
 * and may be one of many woken together.
 */
void ulib_lock(uint32_t *w);
void ulib_lock_wait(uint32_t *w);
int ulib_trylock(uint32_t *w); /* 1 if taken */
void ulib_unlock(uint32_t *w);

#endif /* ULIB_THREAD_H */
