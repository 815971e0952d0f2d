/* Thread basics every program links: the main thread's block, errno, futex locks, newlib's locks. */

/*
 * errno.  newlib for x86_64-elf is built without __DYNAMIC_REENT__, so its
 * reentrancy structure is one global (_impure_ptr) that every thread
 * shares, and newlib's own code reaches errno through it in many places
 * (ptr->_errno = ...).  What ulib can make per thread is the errno that
 * programs read: newlib's <errno.h> defines errno as *__errno(), and the
 * __errno() below, which replaces newlib's, returns the calling thread's
 * slot.  For the main thread that slot is the shared structure's _errno,
 * so a program that never creates a thread behaves exactly as before.  A
 * created thread has its own errno, which ulib's system calls and all code
 * assigning `errno` (libm's, the program's) set; the errors that newlib's
 * libc code stores through the structure itself (strtol's ERANGE,
 * malloc's ENOMEM, fopen's EINVAL, ...) land in the main thread's.
 *
 * Locks.  newlib calls __malloc_lock()/__malloc_unlock() around its heap,
 * __env_lock() around the environment and __tz_lock() around time-zone
 * state, and its defaults do nothing.  ulib replaces them with recursive
 * futex locks.  (stdio's per-stream locks are compiled into newlib as
 * no-ops and cannot be replaced.)
 *
 * Everything here lives in an object that ulib_start() pulls in, so the
 * linker meets these definitions before it searches libc.a, and newlib's
 * errno.o, mlock.o, envlock.o and tzlock.o are never linked.
 */
#include <errno.h>
#include <malloc.h>
#include <reent.h>

#include "thread.h"

struct ulib_thread ulib_main_thread;
int ulib_threads_live = 1;

void ulib_thread_init(void)
{
	struct ulib_thread *t = &ulib_main_thread;

	t->self = t;
	t->errnop = &_REENT->_errno;
	t->state = ULIB_JOINABLE;
	t->id = ULIB_MAIN_ID;
	/* Cannot fail: the address is below the user top. */
	ulib_syscall2(LINUX_SYS_arch_prctl, LINUX_ARCH_SET_FS, (long)t);
	/* The kernel zeroes tid when the main thread exits: it can be joined. */
	t->tid = (int)ulib_syscall1(LINUX_SYS_set_tid_address, (long)&t->tid);
}

void ulib_thread_after_fork(void)
{
	struct ulib_thread *t = ulib_thread_self();

	t->tid = (int)ulib_syscall1(LINUX_SYS_set_tid_address, (long)&t->tid);
	__atomic_store_n(&ulib_threads_live, 1, __ATOMIC_RELAXED);
}

int *__errno(void)
{
	return ulib_thread_self()->errnop;
}

void ulib_lock(uint32_t *w)
{
	uint32_t c = 0;

	if (__atomic_compare_exchange_n(w, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	/* Held: say there is a waiter (2) and sleep until it is free. */
	if (c != 2)
		c = __atomic_exchange_n(w, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		ulib_futex_wait(w, 2, NULL, 1);
		c = __atomic_exchange_n(w, 2, __ATOMIC_ACQUIRE);
	}
}

void ulib_lock_wait(uint32_t *w)
{
	while (__atomic_exchange_n(w, 2, __ATOMIC_ACQUIRE) != 0)
		ulib_futex_wait(w, 2, NULL, 1);
}

int ulib_trylock(uint32_t *w)
{
	uint32_t c = 0;

	return __atomic_compare_exchange_n(w, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void ulib_unlock(uint32_t *w)
{
	if (__atomic_exchange_n(w, 0, __ATOMIC_RELEASE) == 2)
		ulib_futex_wake(w, 1, 1);
}

/* A recursive lock: only its owner changes depth, and owner while holding word. */
struct rlock {
	uint32_t word;
	struct ulib_thread *owner;
	unsigned depth;
};

static struct rlock malloc_lock, env_lock, tz_lock;

static void rlock_acquire(struct rlock *l)
{
	struct ulib_thread *self = ulib_thread_self();

	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) == self) {
		l->depth++;
		return;
	}
	ulib_lock(&l->word);
	__atomic_store_n(&l->owner, self, __ATOMIC_RELAXED);
	l->depth = 1;
}

static void rlock_release(struct rlock *l)
{
	if (--l->depth > 0)
		return;
	__atomic_store_n(&l->owner, NULL, __ATOMIC_RELAXED);
	ulib_unlock(&l->word);
}

void __malloc_lock(struct _reent *r)
{
	(void)r;
	rlock_acquire(&malloc_lock);
}

void __malloc_unlock(struct _reent *r)
{
	(void)r;
	rlock_release(&malloc_lock);
}

void __env_lock(struct _reent *r);
void __env_unlock(struct _reent *r);

void __env_lock(struct _reent *r)
{
	(void)r;
	rlock_acquire(&env_lock);
}

void __env_unlock(struct _reent *r)
{
	(void)r;
	rlock_release(&env_lock);
}

void __tz_lock(void);
void __tz_unlock(void);

void __tz_lock(void)
{
	rlock_acquire(&tz_lock);
}

void __tz_unlock(void)
{
	rlock_release(&tz_lock);
}
