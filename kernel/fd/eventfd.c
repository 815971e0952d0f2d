/* eventfd: a 64-bit counter file; reads take it (or 1 in semaphore mode), writes add to it. */
#include <abi/linux.h>
#include <fd/file.h>
#include <hal/uaccess.h>
#include <mm/heap.h>
#include <sched/sched.h>

#define COUNT_MAX 0xfffffffffffffffeull /* the counter never reaches ULLONG_MAX */

struct eventfd {
	uint64_t count;
	bool semaphore;
};

/* Wait keys: odd kernel addresses, never a futex key. */
static uint64_t key_read(struct eventfd *e)
{
	return (uint64_t)e + 1;
}

static uint64_t key_write(struct eventfd *e)
{
	return (uint64_t)e + 3;
}

static long efd_read(struct file *f, uint64_t buf, uint64_t len)
{
	struct eventfd *e = f->priv;
	uint64_t v;
	long rc;

	if (len < sizeof(v))
		return -LINUX_EINVAL;
	while (e->count == 0) {
		if (f->flags & LINUX_O_NONBLOCK)
			return -LINUX_EAGAIN;
		rc = file_block(f, key_read(e), 0);
		if (rc == -LINUX_EINTR || rc == -LINUX_EBADF)
			return rc;
	}
	v = e->semaphore ? 1 : e->count;
	if (copy_to_user(buf, &v, sizeof(v)))
		return -LINUX_EFAULT;
	e->count -= v;
	sched_wake_key(key_write(e), FD_MAX * 64);
	file_changed(f, LINUX_POLLOUT);
	return sizeof(v);
}

static long efd_write(struct file *f, uint64_t buf, uint64_t len)
{
	struct eventfd *e = f->priv;
	uint64_t v;
	long rc;

	if (len < sizeof(v))
		return -LINUX_EINVAL;
	if (copy_from_user(&v, buf, sizeof(v)))
		return -LINUX_EFAULT;
	if (v == UINT64_MAX)
		return -LINUX_EINVAL;
	while (COUNT_MAX - e->count < v) {
		if (f->flags & LINUX_O_NONBLOCK)
			return -LINUX_EAGAIN;
		rc = file_block(f, key_write(e), 0);
		if (rc == -LINUX_EINTR || rc == -LINUX_EBADF)
			return rc;
	}
	e->count += v;
	if (v) {
		sched_wake_key(key_read(e), FD_MAX * 64);
		file_changed(f, LINUX_POLLIN);
	}
	return sizeof(v);
}

static int efd_poll(struct file *f)
{
	struct eventfd *e = f->priv;

	return (e->count ? LINUX_POLLIN : 0) | (e->count < COUNT_MAX ? LINUX_POLLOUT : 0);
}

static void efd_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops eventfd_ops = {
	.read = efd_read,
	.write = efd_write,
	.poll = efd_poll,
	.release = efd_release,
	.mode = 0600, /* an anonymous inode, as Linux's */
};

struct file *eventfd_create(uint64_t count, uint32_t flags)
{
	struct eventfd *e = kmalloc(sizeof(*e));
	struct file *f =
	        e ? file_new(&eventfd_ops, LINUX_O_RDWR | (flags & LINUX_O_NONBLOCK), e) : NULL;

	if (!f) {
		kfree(e);
		return NULL;
	}
	e->count = count;
	e->semaphore = flags & LINUX_EFD_SEMAPHORE;
	return f;
}
