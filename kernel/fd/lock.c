/* Advisory file locks: fcntl record locks (process-owned and OFD) and flock. */
/*
 * One table for the VM, LOCK_MAX records, each a byte range of one file
 * held by one owner: a process (classic POSIX record locks), an open file
 * description (OFD locks and flock).  A file is known by its identity
 * (NANVIX_FS_IDENT for the fs component's files, the kernel object for
 * pipes and devices), fetched once per open file.  POSIX and OFD locks
 * share a namespace and conflict with each other; flock locks are apart
 * (as on Linux, where they never meet fcntl locks).
 *
 * Every walk is bounded by LOCK_MAX or LOCK_WAIT_MAX, never by a number
 * the caller passes.  A full table answers ENOLCK.  F_SETLKW and a
 * blocking flock sleep on one key and look again when any lock goes;
 * a signal ends the sleep (EINTR, restarted under SA_RESTART).  POSIX
 * waits are checked for deadlock (EDEADLK) through the chain of owners
 * each waiter waits for, as Linux does.
 */
#include <abi/linux.h>
#include <fd/file.h>
#include <fd/lock.h>
#include <fd/remote.h>
#include <hal/uaccess.h>
#include <proc/proc.h>
#include <sched/sched.h>

#define LOCK_MAX      256
#define LOCK_WAIT_MAX 64
#define LOCK_EOF      UINT64_MAX /* a range to the end of the file and beyond */

#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2

#define F_GETLK      5
#define F_SETLK      6
#define F_SETLKW     7
#define F_OFD_GETLK  36
#define F_OFD_SETLK  37
#define F_OFD_SETLKW 38

#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8

enum lock_kind { KIND_POSIX, KIND_OFD, KIND_FLOCK };

struct lock {
	bool used;
	uint8_t kind;
	uint8_t type; /* F_RDLCK or F_WRLCK */
	int pid;      /* the process that took it (F_GETLK reports it for POSIX locks) */
	const void *owner;
	uint64_t id;         /* the file */
	uint64_t start, end; /* [start, end), end LOCK_EOF: to the end and beyond */
};

/* A thread asleep for a POSIX lock: its owner and the owner it waits for. */
struct lock_wait {
	const void *owner, *on;
};

/* Linux x86-64 struct flock. */
struct linux_flock {
	int16_t l_type, l_whence;
	int64_t l_start, l_len;
	int32_t l_pid;
};

static struct lock locks[LOCK_MAX];
static struct lock_wait waits[LOCK_WAIT_MAX];
static int nlocks, top; /* records in use; one past the highest in use */

static uint64_t lock_key(void)
{
	return (uint64_t)(uintptr_t)locks;
}

/* Some lock went: every sleeper looks again. */
static void wake_waiters(void)
{
	sched_wake_key(lock_key(), 1 << 20);
}

/* The identity of f's file, fetched once; 0 when the fs component cannot say. */
static uint64_t file_id(struct file *f)
{
	uint64_t h = remote_handle(f), v = 0;

	if (f->lock_id)
		return f->lock_id;
	if (h) {
		uint64_t a[5] = { h };

		if (remote_call(NANVIX_FS_IDENT, a, &v) < 0 || !v)
			return 0;
	} else {
		/* Kernel objects: one pipe's two ends share their priv. */
		v = (uint64_t)(uintptr_t)(f->priv ? f->priv : (void *)f);
	}
	f->lock_id = v;
	return v;
}

static bool shared_ns(uint8_t a, uint8_t b)
{
	return (a == KIND_FLOCK) == (b == KIND_FLOCK);
}

/* The first lock another owner holds that stops `want` (F_RDLCK/F_WRLCK) on [start, end). */
static struct lock *conflict(uint64_t id, uint8_t kind, const void *owner, int want, uint64_t start,
                             uint64_t end)
{
	int i;

	for (i = 0; i < top; i++) {
		struct lock *l = &locks[i];

		if (l->used && l->id == id && l->owner != owner && shared_ns(l->kind, kind) &&
		    l->start < end && start < l->end && (want == F_WRLCK || l->type == F_WRLCK))
			return l;
	}
	return NULL;
}

/* Does the owner of `blocker` wait, through a chain of waiters, for `owner`? */
static bool would_deadlock(const void *owner, const struct lock *blocker)
{
	const void *o = blocker->owner;
	int hops, i;

	if (blocker->kind != KIND_POSIX)
		return false;
	for (hops = 0; hops < LOCK_WAIT_MAX; hops++) {
		const void *next = NULL;

		if (o == owner)
			return true;
		for (i = 0; i < LOCK_WAIT_MAX && !next; i++)
			if (waits[i].owner == o)
				next = waits[i].on;
		if (!next)
			return false;
		o = next;
	}
	return false;
}

static struct lock *lock_alloc(void)
{
	int i;

	for (i = 0; i < LOCK_MAX; i++)
		if (!locks[i].used) {
			locks[i].used = true;
			nlocks++;
			if (i >= top)
				top = i + 1;
			return &locks[i];
		}
	return NULL;
}

static void lock_free(struct lock *l)
{
	l->used = false;
	nlocks--;
	while (top > 0 && !locks[top - 1].used)
		top--;
}

static int free_records(void)
{
	return LOCK_MAX - nlocks;
}

/*
 * Give `owner` exactly `type` (F_UNLCK: nothing) on [start, end) of file
 * `id`: its locks there are cut away, the new one goes in and joins its
 * neighbours of the same type.  Needs at most two free records (a split
 * and the new lock); the caller checked.
 */
static void apply(uint64_t id, uint8_t kind, const void *owner, int pid, int type, uint64_t start,
                  uint64_t end)
{
	struct lock *mine = NULL;
	int i;

	for (i = 0; i < top; i++) {
		struct lock *l = &locks[i];

		if (!l->used || l->id != id || l->owner != owner || l->kind != kind)
			continue;
		/* Same type, overlapping or touching: absorb it into the new range. */
		if (type != F_UNLCK && l->type == type && l->start <= end && start <= l->end) {
			if (l->start < start)
				start = l->start;
			if (l->end > end)
				end = l->end;
			lock_free(l);
			continue;
		}
		if (l->end <= start || end <= l->start)
			continue;
		if (l->start < start && l->end > end) {
			/* The new range is inside: keep the two ends. */
			struct lock *tail = lock_alloc();

			*tail = *l;
			tail->start = end;
			l->end = start;
		} else if (l->start < start) {
			l->end = start;
		} else if (l->end > end) {
			l->start = end;
		} else {
			lock_free(l);
		}
	}
	if (type == F_UNLCK)
		return;
	mine = lock_alloc();
	mine->kind = kind;
	mine->type = (uint8_t)type;
	mine->pid = pid;
	mine->owner = owner;
	mine->id = id;
	mine->start = start;
	mine->end = end;
}

/* Take (or drop) a lock, sleeping while another owner's stops it when `wait`. */
static long acquire(struct file *f, uint64_t id, uint8_t kind, const void *owner, int type,
                    uint64_t start, uint64_t end, bool wait)
{
	for (;;) {
		struct lock *c =
		        type == F_UNLCK ? NULL : conflict(id, kind, owner, type, start, end);
		struct lock_wait *w = NULL;
		long rc;
		int i;

		if (!c) {
			/* A split and the new lock; an unlock only splits. */
			if (free_records() < (type == F_UNLCK ? 1 : 2))
				return -LINUX_ENOLCK;
			apply(id, kind, owner, proc_current->pid, type, start, end);
			wake_waiters();
			return 0;
		}
		if (!wait)
			return -LINUX_EAGAIN;
		if (kind == KIND_POSIX) {
			if (would_deadlock(owner, c))
				return -LINUX_EDEADLK;
			for (i = 0; i < LOCK_WAIT_MAX && !w; i++)
				if (!waits[i].owner)
					w = &waits[i];
			if (!w)
				return -LINUX_ENOLCK;
			w->owner = owner;
			w->on = c->owner;
		}
		/* Holding f: a thread closing it cannot free it under us. */
		rc = file_block(f, lock_key(), 0);
		if (w)
			w->owner = w->on = NULL;
		if (rc < 0)
			return rc; /* a signal: EINTR; or f is gone: EBADF */
	}
}

/* struct flock's range as [start, end) against f's offset and size; 0 or -errno. */
static long flock_range(struct file *f, const struct linux_flock *fl, uint64_t *start,
                        uint64_t *end)
{
	long base = 0;
	int64_t s;

	switch (fl->l_whence) {
	case LINUX_SEEK_SET: break;
	case LINUX_SEEK_CUR:
		base = f->ops->lseek ? f->ops->lseek(f, 0, LINUX_SEEK_CUR) : 0;
		if (base < 0)
			return base;
		break;
	case LINUX_SEEK_END: {
		long cur;

		base = file_size_by_seek(f, &cur);
		if (base < 0)
			return base;
		break;
	}
	default: return -LINUX_EINVAL;
	}
	if (__builtin_add_overflow(base, fl->l_start, &s))
		return -LINUX_EOVERFLOW;
	if (fl->l_len < 0) {
		if (__builtin_add_overflow(s, fl->l_len, &s) || s < 0)
			return -LINUX_EINVAL;
		*start = (uint64_t)s;
		*end = (uint64_t)s - (uint64_t)fl->l_len;
		return 0;
	}
	if (s < 0)
		return -LINUX_EINVAL;
	*start = (uint64_t)s;
	if (fl->l_len == 0) {
		*end = LOCK_EOF;
	} else {
		int64_t e;

		if (__builtin_add_overflow(s, fl->l_len, &e))
			return -LINUX_EOVERFLOW;
		*end = (uint64_t)e;
	}
	return 0;
}

long lock_fcntl(struct file *f, long cmd, uint64_t uflock)
{
	bool ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
	uint8_t kind = ofd ? KIND_OFD : KIND_POSIX;
	const void *owner = ofd ? (const void *)f : (const void *)proc_current;
	struct linux_flock fl;
	uint64_t start, end, id;
	uint32_t mode = f->flags & LINUX_O_ACCMODE;
	long rc;

	if (copy_from_user(&fl, uflock, sizeof(fl)))
		return -LINUX_EFAULT;
	if (fl.l_type != F_RDLCK && fl.l_type != F_WRLCK && fl.l_type != F_UNLCK)
		return -LINUX_EINVAL;
	if (ofd && fl.l_pid != 0)
		return -LINUX_EINVAL;
	rc = flock_range(f, &fl, &start, &end);
	if (rc < 0)
		return rc;
	id = file_id(f);
	if (!id)
		return -LINUX_ENOLCK;
	if (cmd == F_GETLK || cmd == F_OFD_GETLK) {
		struct lock *c;

		if (fl.l_type == F_UNLCK)
			return -LINUX_EINVAL;
		c = conflict(id, kind, owner, fl.l_type, start, end);
		if (!c) {
			fl.l_type = F_UNLCK;
		} else {
			fl.l_type = c->type;
			fl.l_whence = LINUX_SEEK_SET;
			fl.l_start = (int64_t)c->start;
			fl.l_len = c->end == LOCK_EOF ? 0 : (int64_t)(c->end - c->start);
			fl.l_pid = c->kind == KIND_OFD ? -1 : c->pid;
		}
		return copy_to_user(uflock, &fl, sizeof(fl)) ? -LINUX_EFAULT : 0;
	}
	/* A read lock needs the file open for reading, a write lock for writing. */
	if ((fl.l_type == F_RDLCK && mode == LINUX_O_WRONLY) ||
	    (fl.l_type == F_WRLCK && mode == LINUX_O_RDONLY))
		return -LINUX_EBADF;
	return acquire(f, id, kind, owner, fl.l_type, start, end,
	               cmd == F_SETLKW || cmd == F_OFD_SETLKW);
}

long lock_flock(struct file *f, long op)
{
	int how = (int)op & ~LOCK_NB, type;
	uint64_t id;

	if (how == LOCK_UN)
		type = F_UNLCK;
	else if (how == LOCK_SH)
		type = F_RDLCK;
	else if (how == LOCK_EX)
		type = F_WRLCK;
	else
		return -LINUX_EINVAL;
	id = file_id(f);
	if (!id)
		return -LINUX_ENOLCK;
	/* A conversion drops the old lock first, as Linux's does. */
	if (type != F_UNLCK)
		apply(id, KIND_FLOCK, f, proc_current->pid, F_UNLCK, 0, LOCK_EOF);
	return acquire(f, id, KIND_FLOCK, f, type, 0, LOCK_EOF, !(op & LOCK_NB));
}

/* Drop every lock of `owner` (and of file `id` unless 0); wake the waiters. */
static void drop_owner(const void *owner, uint64_t id)
{
	bool any = false;
	int i;

	for (i = top - 1; i >= 0; i--)
		if (locks[i].used && locks[i].owner == owner && (!id || locks[i].id == id)) {
			lock_free(&locks[i]);
			any = true;
		}
	if (any)
		wake_waiters();
}

void lock_close(struct proc *p, struct file *f)
{
	uint64_t id;
	int i;

	for (i = 0; i < top; i++)
		if (locks[i].used && locks[i].owner == p)
			break;
	if (i == top)
		return;
	id = file_id(f);
	if (id)
		drop_owner(p, id);
}

void lock_file_gone(struct file *f)
{
	drop_owner(f, 0);
}

void lock_proc_gone(struct proc *p)
{
	drop_owner(p, 0);
}
