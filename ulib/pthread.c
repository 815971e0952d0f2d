/* POSIX threads for newlib guests, on clone, futex and exit (see <pthread.h>). */

/*
 * A thread is a clone() sharing everything (CLONE_VM, files, signal
 * handlers, thread group) with its own stack and FS base.  pthread_create()
 * maps, in one anonymous mapping, a guard page, the stack and above it the
 * thread's control block (struct ulib_thread, thread.h), and starts the
 * thread with FS pointing at the block (CLONE_SETTLS), so pthread_self(),
 * errno and thread-specific data are one %fs-relative load away.
 *
 * The kernel does the rest of the bookkeeping: it stores the new thread's
 * id in t->tid (CLONE_PARENT_SETTID), and when the thread has left user
 * space for good it zeroes t->tid and wakes a futex waiter on it
 * (CLONE_CHILD_CLEARTID).  pthread_join() sleeps on that word; once it reads
 * 0 nothing runs on the stack any more and the mapping can go.  A detached
 * thread cannot unmap the stack it runs on, so it marks itself ULIB_DEAD and
 * the next pthread_create() unmaps every dead thread whose tid reads 0.
 *
 * Threads are named by pthread_t values that index a table (see
 * ULIB_SLOT_BITS); `threads_lock` guards the table, the generations and the
 * key table.  A thread's state word changes by compare-and-swap between
 * the thread (at exit) and pthread_detach().
 *
 * Mutexes are thread.c's futex locks.  A condition variable is a sequence
 * counter: a waiter reads it while holding the mutex, unlocks, and sleeps
 * only while it is unchanged; signal and broadcast bump it and wake one or
 * all sleepers.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "thread.h"
#include "xlate.h"

#define PAGE          4096UL
#define DEFAULT_STACK (128 * 1024UL)
#define SLOT_MASK     (ULIB_THREADS_MAX - 1)

#define CLONE_FLAGS                                                                  \
	(LINUX_CLONE_VM | LINUX_CLONE_FS | LINUX_CLONE_FILES | LINUX_CLONE_SIGHAND | \
	 LINUX_CLONE_THREAD | LINUX_CLONE_SYSVSEM | LINUX_CLONE_SETTLS |             \
	 LINUX_CLONE_PARENT_SETTID | LINUX_CLONE_CHILD_CLEARTID)

_Static_assert(sizeof(pthread_t) == sizeof(uint32_t), "pthread_t holds a thread id");
_Static_assert(sizeof(pthread_mutex_t) == sizeof(uint32_t), "a mutex is a futex word");
_Static_assert(sizeof(pthread_cond_t) == sizeof(uint32_t), "a condvar is a futex word");
_Static_assert(sizeof(struct timespec) == sizeof(struct linux_timespec), "Linux timespec");

static uint32_t threads_lock;
static struct ulib_thread *threads[ULIB_THREADS_MAX] = { [0] = &ulib_main_thread };
static uint32_t generation[ULIB_THREADS_MAX] = { [0] = 1 };
static int ndead; /* detached threads that exited and are not yet unmapped; atomic */

static struct {
	int used;
	void (*destructor)(void *);
} keys[ULIB_KEYS_MAX];

/* The thread named id, or NULL; threads_lock held. */
static struct ulib_thread *lookup(pthread_t id)
{
	struct ulib_thread *t = threads[id & SLOT_MASK];

	return t && t->id == id ? t : NULL;
}

/* Forget t (its slot is free again); threads_lock held.  The caller unmaps. */
static void forget(struct ulib_thread *t)
{
	threads[t->id & SLOT_MASK] = NULL;
}

/* Unmap t's stack and block once the kernel has zeroed t->tid. */
static void unmap(struct ulib_thread *t)
{
	if (t->map)
		ulib_syscall2(LINUX_SYS_munmap, (long)t->map, (long)t->map_len);
}

/* Unmap the detached threads that are gone; threads_lock held. */
static void reap(void)
{
	int i;

	if (__atomic_load_n(&ndead, __ATOMIC_ACQUIRE) == 0)
		return;
	for (i = 0; i < ULIB_THREADS_MAX; i++) {
		struct ulib_thread *t = threads[i];

		if (!t || __atomic_load_n(&t->state, __ATOMIC_ACQUIRE) != ULIB_DEAD ||
		    __atomic_load_n(&t->tid, __ATOMIC_ACQUIRE) != 0)
			continue;
		forget(t);
		unmap(t);
		__atomic_sub_fetch(&ndead, 1, __ATOMIC_RELAXED);
	}
}

/* Sleep until the kernel says t has left user space (t->tid is 0). */
static void wait_gone(struct ulib_thread *t)
{
	int tid;

	/* Not FUTEX_PRIVATE_FLAG: Linux wakes this word with a shared wake. */
	while ((tid = __atomic_load_n(&t->tid, __ATOMIC_ACQUIRE)) != 0)
		ulib_futex_wait(&t->tid, (uint32_t)tid, NULL, 0);
}

/* Run the thread-specific data destructors of the calling thread (self). */
static void run_destructors(struct ulib_thread *self)
{
	int round, k, again = 1;

	for (round = 0; again && round < PTHREAD_DESTRUCTOR_ITERATIONS; round++) {
		again = 0;
		for (k = 0; k < ULIB_KEYS_MAX; k++) {
			void *value = self->specific[k];
			void (*destructor)(void *);

			if (!value)
				continue;
			ulib_lock(&threads_lock);
			destructor = keys[k].used ? keys[k].destructor : NULL;
			ulib_unlock(&threads_lock);
			if (!destructor)
				continue;
			self->specific[k] = NULL;
			destructor(value);
			again = 1;
		}
	}
}

void pthread_exit(void *result)
{
	struct ulib_thread *self = ulib_thread_self();
	int state = ULIB_JOINABLE;

	self->result = result;
	run_destructors(self);
	if (__atomic_sub_fetch(&ulib_threads_live, 1, __ATOMIC_ACQ_REL) == 0)
		exit(0); /* the last thread: flush stdio, run atexit handlers */
	if (!__atomic_compare_exchange_n(&self->state, &state, ULIB_EXITED, 0, __ATOMIC_ACQ_REL,
	                                 __ATOMIC_ACQUIRE)) {
		/* Detached: the next pthread_create() unmaps us once tid is 0. */
		__atomic_store_n(&self->state, ULIB_DEAD, __ATOMIC_RELEASE);
		__atomic_add_fetch(&ndead, 1, __ATOMIC_RELEASE);
	}
	for (;;)
		ulib_syscall1(LINUX_SYS_exit, 0); /* this thread only */
}

/* A new thread's first C code, on its own stack with FS at its block (t). */
static void __attribute__((noreturn)) thread_entry(struct ulib_thread *t)
{
	pthread_exit(t->start(t->arg));
}

/*
 * clone() the calling thread into t, running on stack top sp (16-byte
 * aligned).  The child comes back from the system call on the new stack
 * with rax 0 and its FS base at t: it finds t at %fs:0 and calls
 * thread_entry(t), never returning into this function's frame.  Returns the
 * raw result (the new thread's id or a negative Linux errno).
 */
static long clone_thread(struct ulib_thread *t, void *sp)
{
	register long ctid __asm__("r10") = (long)&t->tid;
	register long tls __asm__("r8") = (long)t;
	long ret;

	__asm__ volatile("syscall\n\t"
	                 "test %%rax, %%rax\n\t"
	                 "jnz 1f\n\t"
	                 "mov %[entry], %%rax\n\t"
	                 "xor %%ebp, %%ebp\n\t" /* backtraces end here */
	                 "mov %%fs:0, %%rdi\n\t"
	                 "call *%%rax\n\t"
	                 "ud2\n"
	                 "1:"
	                 : "=a"(ret)
	                 : "a"(LINUX_SYS_clone), "D"(CLONE_FLAGS), "S"(sp), "d"(&t->tid), "r"(ctid),
	                   "r"(tls), [entry] "r"(thread_entry)
	                 : "rcx", "r11", "memory");
	return ret;
}

int pthread_create(pthread_t *out, const pthread_attr_t *attr, void *(*start)(void *), void *arg)
{
	size_t stack = DEFAULT_STACK, block = (sizeof(struct ulib_thread) + PAGE - 1) & ~(PAGE - 1);
	struct ulib_thread *t;
	char *map;
	size_t len;
	int slot;
	long r;

	if (attr) {
		if (!attr->is_initialized)
			return EINVAL;
		if (attr->stacksize > 0)
			stack = ((size_t)attr->stacksize + PAGE - 1) & ~(PAGE - 1);
	}
	len = PAGE + stack + block;
	map = (char *)ulib_syscall6(LINUX_SYS_mmap, 0, (long)len,
	                            LINUX_PROT_READ | LINUX_PROT_WRITE,
	                            LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS, -1, 0);
	if ((unsigned long)map >= -(unsigned long)LINUX_ERRNO_MAX)
		return EAGAIN;
	/* A guard page below the stack; without it the thread still runs. */
	ulib_syscall3(LINUX_SYS_mprotect, (long)map, PAGE, 0);

	t = (struct ulib_thread *)(map + PAGE + stack); /* zeroed by mmap */
	t->self = t;
	t->errnop = &t->errno_val;
	t->tid = -1; /* not 0 (gone) until the kernel has stored the real one */
	t->state = attr && attr->detachstate == PTHREAD_CREATE_DETACHED ? ULIB_DETACHED
	                                                                : ULIB_JOINABLE;
	t->start = start;
	t->arg = arg;
	t->map = map;
	t->map_len = len;

	ulib_lock(&threads_lock);
	reap();
	for (slot = 1; slot < ULIB_THREADS_MAX && threads[slot]; slot++)
		;
	if (slot == ULIB_THREADS_MAX) {
		ulib_unlock(&threads_lock);
		unmap(t);
		return EAGAIN;
	}
	if (++generation[slot] >= (1u << (32 - ULIB_SLOT_BITS)))
		generation[slot] = 1;
	t->id = generation[slot] << ULIB_SLOT_BITS | (uint32_t)slot;
	threads[slot] = t;
	__atomic_add_fetch(&ulib_threads_live, 1, __ATOMIC_ACQ_REL);
	ulib_unlock(&threads_lock);

	/* Now: a detached thread may be gone and unmapped when clone returns. */
	*out = t->id;
	r = clone_thread(t, t);
	if (r < 0) {
		__atomic_sub_fetch(&ulib_threads_live, 1, __ATOMIC_ACQ_REL);
		ulib_lock(&threads_lock);
		forget(t);
		ulib_unlock(&threads_lock);
		unmap(t);
		return r == -LINUX_EAGAIN || r == -LINUX_ENOMEM ? EAGAIN
		                                                : ulib_errno_from_linux(-r);
	}
	return 0;
}

int pthread_join(pthread_t id, void **result)
{
	struct ulib_thread *t;
	int state;

	ulib_lock(&threads_lock);
	t = lookup(id);
	state = t ? __atomic_load_n(&t->state, __ATOMIC_ACQUIRE) : 0;
	ulib_unlock(&threads_lock);
	if (!t)
		return ESRCH;
	if (state == ULIB_DETACHED || state == ULIB_DEAD)
		return EINVAL;
	if (t == ulib_thread_self())
		return EDEADLK;
	wait_gone(t);
	if (result)
		*result = t->result;
	ulib_lock(&threads_lock);
	forget(t);
	ulib_unlock(&threads_lock);
	unmap(t);
	return 0;
}

int pthread_detach(pthread_t id)
{
	struct ulib_thread *t;
	int state = ULIB_JOINABLE, detached = 0;

	ulib_lock(&threads_lock);
	t = lookup(id);
	if (t)
		detached = __atomic_compare_exchange_n(&t->state, &state, ULIB_DETACHED, 0,
		                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	ulib_unlock(&threads_lock);
	if (!t)
		return ESRCH;
	if (detached)
		return 0; /* still running: it will mark itself dead for reap() */
	if (state != ULIB_EXITED)
		return EINVAL; /* already detached */
	/* It has finished and waits for a join: do that join's cleanup. */
	return pthread_join(id, NULL);
}

pthread_t pthread_self(void)
{
	return ulib_thread_self()->id;
}

int pthread_equal(pthread_t a, pthread_t b)
{
	return a == b;
}

int pthread_kill(pthread_t id, int sig)
{
	struct ulib_thread *t;
	int tid, lsig = sig == 0 ? 0 : ulib_sig_to_linux(sig);
	long r;

	if (lsig < 0)
		return EINVAL;
	ulib_lock(&threads_lock);
	t = lookup(id);
	tid = t ? __atomic_load_n(&t->tid, __ATOMIC_ACQUIRE) : 0;
	ulib_unlock(&threads_lock);
	if (tid <= 0)
		return ESRCH;
	r = ulib_syscall3(LINUX_SYS_tgkill, ulib_syscall0(LINUX_SYS_getpid), tid, lsig);
	return r < 0 ? ulib_errno_from_linux(-r) : 0;
}

int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	int saved = errno, rc = 0;

	/* The kernel's signal mask is per thread: sigprocmask() is this. */
	if (sigprocmask(how, set, old) < 0)
		rc = errno;
	errno = saved;
	return rc;
}

int pthread_attr_init(pthread_attr_t *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->is_initialized = 1;
	attr->contentionscope = PTHREAD_SCOPE_SYSTEM;
	attr->inheritsched = PTHREAD_INHERIT_SCHED;
	attr->schedpolicy = SCHED_OTHER;
	attr->detachstate = PTHREAD_CREATE_JOINABLE;
	return 0;
}

int pthread_attr_destroy(pthread_attr_t *attr)
{
	attr->is_initialized = 0;
	return 0;
}

int pthread_attr_setstacksize(pthread_attr_t *attr, size_t size)
{
	if (size < PTHREAD_STACK_MIN || size > INT_MAX - PAGE)
		return EINVAL;
	attr->stacksize = (int)size;
	return 0;
}

int pthread_attr_getstacksize(const pthread_attr_t *attr, size_t *size)
{
	*size = attr->stacksize > 0 ? (size_t)attr->stacksize : DEFAULT_STACK;
	return 0;
}

int pthread_attr_setdetachstate(pthread_attr_t *attr, int state)
{
	if (state != PTHREAD_CREATE_JOINABLE && state != PTHREAD_CREATE_DETACHED)
		return EINVAL;
	attr->detachstate = state;
	return 0;
}

int pthread_attr_getdetachstate(const pthread_attr_t *attr, int *state)
{
	*state = attr->detachstate;
	return 0;
}

int pthread_mutex_init(pthread_mutex_t *mutex, const pthread_mutexattr_t *attr)
{
	(void)attr; /* every mutex is a normal one */
	*mutex = 0;
	return 0;
}

int pthread_mutex_destroy(pthread_mutex_t *mutex)
{
	return __atomic_load_n(mutex, __ATOMIC_RELAXED) ? EBUSY : 0;
}

int pthread_mutex_lock(pthread_mutex_t *mutex)
{
	ulib_lock(mutex);
	return 0;
}

int pthread_mutex_trylock(pthread_mutex_t *mutex)
{
	return ulib_trylock(mutex) ? 0 : EBUSY;
}

int pthread_mutex_unlock(pthread_mutex_t *mutex)
{
	ulib_unlock(mutex);
	return 0;
}

int pthread_mutexattr_init(pthread_mutexattr_t *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->is_initialized = 1;
	return 0;
}

int pthread_mutexattr_destroy(pthread_mutexattr_t *attr)
{
	attr->is_initialized = 0;
	return 0;
}

int pthread_mutexattr_settype(pthread_mutexattr_t *attr, int type)
{
	(void)attr;
	return type == PTHREAD_MUTEX_NORMAL || type == PTHREAD_MUTEX_DEFAULT ? 0 : EINVAL;
}

int pthread_mutexattr_gettype(const pthread_mutexattr_t *attr, int *type)
{
	(void)attr;
	*type = PTHREAD_MUTEX_NORMAL;
	return 0;
}

int pthread_cond_init(pthread_cond_t *cond, const pthread_condattr_t *attr)
{
	(void)attr;
	*cond = 0;
	return 0;
}

int pthread_cond_destroy(pthread_cond_t *cond)
{
	(void)cond;
	return 0;
}

/* Wait on cond at most rel (NULL: no limit), mutex held on entry and return. */
static int cond_wait(pthread_cond_t *cond, pthread_mutex_t *mutex, const struct linux_timespec *rel)
{
	uint32_t seq = __atomic_load_n(cond, __ATOMIC_ACQUIRE);
	long r;

	ulib_unlock(mutex);
	r = ulib_futex_wait(cond, seq, rel, 1); /* returns at once if it moved */
	ulib_lock_wait(mutex);
	return r == -LINUX_ETIMEDOUT ? ETIMEDOUT : 0;
}

int pthread_cond_wait(pthread_cond_t *cond, pthread_mutex_t *mutex)
{
	return cond_wait(cond, mutex, NULL);
}

int pthread_cond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mutex,
                           const struct timespec *abstime)
{
	struct linux_timespec now, rel;

	if (abstime->tv_nsec < 0 || abstime->tv_nsec >= 1000000000)
		return EINVAL;
	ulib_syscall2(LINUX_SYS_clock_gettime, LINUX_CLOCK_REALTIME, (long)&now);
	rel.tv_sec = abstime->tv_sec - now.tv_sec;
	rel.tv_nsec = abstime->tv_nsec - now.tv_nsec;
	if (rel.tv_nsec < 0) {
		rel.tv_nsec += 1000000000;
		rel.tv_sec--;
	}
	if (rel.tv_sec < 0)
		return ETIMEDOUT;
	return cond_wait(cond, mutex, &rel);
}

int pthread_cond_signal(pthread_cond_t *cond)
{
	__atomic_add_fetch(cond, 1, __ATOMIC_RELEASE);
	ulib_futex_wake(cond, 1, 1);
	return 0;
}

int pthread_cond_broadcast(pthread_cond_t *cond)
{
	__atomic_add_fetch(cond, 1, __ATOMIC_RELEASE);
	ulib_futex_wake(cond, INT_MAX, 1);
	return 0;
}

int pthread_condattr_init(pthread_condattr_t *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->is_initialized = 1;
	return 0;
}

int pthread_condattr_destroy(pthread_condattr_t *attr)
{
	attr->is_initialized = 0;
	return 0;
}

/* pthread_once_t.init_executed: not run, running, running with waiters, done. */
enum { ONCE_NEW, ONCE_RUNNING, ONCE_WAITED, ONCE_DONE };

int pthread_once(pthread_once_t *once, void (*init)(void))
{
	int *w = &once->init_executed;
	int c = ONCE_NEW;

	if (__atomic_load_n(w, __ATOMIC_ACQUIRE) == ONCE_DONE)
		return 0;
	if (__atomic_compare_exchange_n(w, &c, ONCE_RUNNING, 0, __ATOMIC_ACQUIRE,
	                                __ATOMIC_ACQUIRE)) {
		init();
		if (__atomic_exchange_n(w, ONCE_DONE, __ATOMIC_RELEASE) == ONCE_WAITED)
			ulib_futex_wake(w, INT_MAX, 1);
		return 0;
	}
	/* Another thread runs init: sleep until it is done. */
	while (c != ONCE_DONE) {
		if (c == ONCE_WAITED ||
		    __atomic_compare_exchange_n(w, &c, ONCE_WAITED, 0, __ATOMIC_ACQUIRE,
		                                __ATOMIC_ACQUIRE)) {
			ulib_futex_wait(w, ONCE_WAITED, NULL, 1);
			c = __atomic_load_n(w, __ATOMIC_ACQUIRE);
		}
	}
	return 0;
}

int pthread_key_create(pthread_key_t *key, void (*destructor)(void *))
{
	int k, i;

	ulib_lock(&threads_lock);
	for (k = 0; k < ULIB_KEYS_MAX && keys[k].used; k++)
		;
	if (k == ULIB_KEYS_MAX) {
		ulib_unlock(&threads_lock);
		return EAGAIN;
	}
	keys[k].used = 1;
	keys[k].destructor = destructor;
	/* A new key reads NULL in every thread, whatever a deleted one left. */
	for (i = 0; i < ULIB_THREADS_MAX; i++)
		if (threads[i])
			threads[i]->specific[k] = NULL;
	ulib_unlock(&threads_lock);
	*key = (pthread_key_t)k;
	return 0;
}

int pthread_key_delete(pthread_key_t key)
{
	int rc = EINVAL;

	ulib_lock(&threads_lock);
	if (key < ULIB_KEYS_MAX && keys[key].used) {
		keys[key].used = 0;
		rc = 0;
	}
	ulib_unlock(&threads_lock);
	return rc;
}

void *pthread_getspecific(pthread_key_t key)
{
	return key < ULIB_KEYS_MAX ? ulib_thread_self()->specific[key] : NULL;
}

int pthread_setspecific(pthread_key_t key, const void *value)
{
	if (key >= ULIB_KEYS_MAX || !__atomic_load_n(&keys[key].used, __ATOMIC_RELAXED))
		return EINVAL;
	ulib_thread_self()->specific[key] = (void *)value;
	return 0;
}
