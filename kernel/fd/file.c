/* File objects and per-process descriptor tables. */
/*
 * A process's table is one frame of `struct file *` (FD_MAX entries) plus a
 * close-on-exec bitmap in struct proc.  Files are reference counted:
 * dup and fork share them, the last close releases them (a pipe end then
 * wakes the other side).
 */
#include <abi/linux.h>
#include <abi/vvar.h>
#include <fd/file.h>
#include <fd/lock.h>
#include <fd/remote.h>
#include <mm/frame.h>
#include <mm/heap.h>
#include <hal/uaccess.h>
#include <proc/proc.h>
#include <sched/sched.h>

struct file *file_new(const struct file_ops *ops, uint32_t flags, void *priv)
{
	struct file *f = kmalloc(sizeof(*f));

	if (!f)
		return NULL;
	f->ops = ops;
	f->refs = 1;
	f->flags = flags;
	f->priv = priv;
	return f;
}

void file_get(struct file *f)
{
	f->refs++;
}

void file_put(struct file *f)
{
	if (--f->refs > 0)
		return;
	if (f->watchers)
		epoll_file_gone(f);
	lock_file_gone(f);
	if (f->ops->release)
		f->ops->release(f);
	kfree(f);
}

int file_poll(struct file *f)
{
	int m = f->ops->poll ? f->ops->poll(f) : LINUX_POLLIN | LINUX_POLLOUT;

	if (m & LINUX_POLLIN)
		m |= LINUX_POLLRDNORM;
	if (m & LINUX_POLLOUT)
		m |= LINUX_POLLWRNORM;
	return m;
}

void file_changed(struct file *f, int bits)
{
	sched_wake_key(FD_POLL_KEY, FD_MAX * 64);
	if (f && f->watchers)
		epoll_notify(f, bits);
}

long file_block(struct file *f, uint64_t key, uint64_t deadline)
{
	struct thread *t = thread_current;
	long rc;

	f->refs++;
	t->held = f;
	rc = sched_block(key, deadline);
	t->held = NULL;
	if (f->refs == 1) {
		/* Every fd of it was closed while we slept: it goes now. */
		file_put(f);
		return -LINUX_EBADF;
	}
	f->refs--;
	return rc;
}

long sock_iov(const struct sock_msg *m, uint32_t i, uint64_t *base, uint64_t *len)
{
	struct linux_iovec v;

	if (!m->iov) {
		*base = m->one.base;
		*len = m->one.len;
		return 0;
	}
	if (copy_from_user(&v, m->iov + (uint64_t)i * sizeof(v), sizeof(v)))
		return -LINUX_EFAULT;
	*base = v.iov_base;
	*len = v.iov_len;
	return 0;
}

int fd_init(struct proc *p)
{
	uint64_t pa = mm_frame_alloc();
	long i;

	if (!pa)
		return -LINUX_ENOMEM;
	p->fds = P2V(pa);
	p->max_fd = 3;
	for (i = 0; i < 3; i++) {
		p->fds[i] = console_file(i);
		if (!p->fds[i])
			return -LINUX_ENOMEM;
	}
	return 0;
}

void fd_publish(struct proc *p, long fd)
{
	if (p->fdmap && fd >= 0 && fd < NANVIX_VVAR_FDMAP_COUNT)
		p->fdmap[fd] = p->fds[fd] ? remote_fdmap_entry(p->fds[fd]) : 0;
}

struct file *fd_get(long fd)
{
	if (fd < 0 || fd >= FD_MAX)
		return NULL;
	return proc_current->fds[fd];
}

bool fd_cloexec(long fd)
{
	return (proc_current->cloexec[fd / 64] >> (fd % 64)) & 1;
}

void fd_set_cloexec(long fd, bool on)
{
	if (on)
		proc_current->cloexec[fd / 64] |= 1ull << (fd % 64);
	else
		proc_current->cloexec[fd / 64] &= ~(1ull << (fd % 64));
}

long file_size_by_seek(struct file *f, long *cur)
{
	long size;

	*cur = 0;
	if (!f->ops->lseek)
		return 0;
	*cur = f->ops->lseek(f, 0, LINUX_SEEK_CUR);
	if (*cur < 0)
		return *cur;
	size = f->ops->lseek(f, 0, LINUX_SEEK_END);
	f->ops->lseek(f, *cur, LINUX_SEEK_SET);
	return size;
}

/* The current process lets go of one descriptor of `f`. */
static void fd_drop(struct file *f)
{
	lock_close(proc_current, f);
	if (f->ops->flush)
		f->ops->flush(f);
	file_put(f);
}

long fd_install(struct file *f, long min, long at, bool cloexec)
{
	struct file **fds = proc_current->fds;
	long fd = at, limit = proc_fd_limit(); /* RLIMIT_NOFILE */

	if (at >= 0) {
		if (at >= limit) {
			file_put(f);
			return -LINUX_EBADF;
		}
		if (fds[at])
			fd_drop(fds[at]);
	} else {
		for (fd = min < 0 ? 0 : min; fd < limit && fds[fd]; fd++)
			;
		if (fd >= limit) {
			file_put(f);
			return -LINUX_EMFILE;
		}
	}
	fds[fd] = f;
	fd_publish(proc_current, fd);
	fd_set_cloexec(fd, cloexec);
	if (fd >= proc_current->max_fd)
		proc_current->max_fd = (int)fd + 1;
	return fd;
}

long fd_close(long fd)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -LINUX_EBADF;
	proc_current->fds[fd] = NULL;
	fd_publish(proc_current, fd);
	fd_set_cloexec(fd, false);
	fd_drop(f);
	return 0;
}
