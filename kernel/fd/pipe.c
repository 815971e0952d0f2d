/* Pipes: a one-frame ring buffer between a read end and a write end. */
/*
 * Data moves between the user buffer and the ring with the host's native
 * copy (NANVIX_HC_COPY) for anything but a few bytes: a ring-0 copy costs
 * about 0.4 us per 8 bytes when emulated, an exit about 10 us in all.
 * Writes of at most PIPE_BUF bytes are atomic.  Readers and writers block
 * on keys derived from the pipe's address; every change also goes to the
 * end it concerns through file_changed() (poll, select, epoll).
 */
#include <abi/linux.h>
#include <fd/file.h>
#include <hal/hal.h>
#include <hal/uaccess.h>
#include <mm/frame.h>
#include <mm/heap.h>
#include <proc/proc.h>
#include <sched/sched.h>
#include <sig/signal.h>

#define PIPE_SIZE  PAGE_SIZE
#define PIPE_BUF   PAGE_SIZE
#define SMALL_COPY 64

struct pipe {
	uint64_t buf; /* physical frame */
	uint32_t head, count;
	int readers, writers;
	struct file *rd, *wr; /* the two ends while they exist */
};

/* Wait keys: odd kernel addresses, never a futex key. */
static uint64_t key_readable(struct pipe *p)
{
	return (uint64_t)p + 1;
}

static uint64_t key_writable(struct pipe *p)
{
	return (uint64_t)p + 3;
}

/* Data or room appeared, or an end went: wake `key`'s sleepers and the end `f`'s watchers. */
static void changed(uint64_t key, struct file *f, int bits)
{
	sched_wake_key(key, FD_MAX * 64);
	file_changed(f, bits);
}

/* Move len bytes between user `ubuf` and ring offset `off` (no wrap). */
static long move(uint64_t ubuf, struct pipe *p, uint32_t off, uint64_t len, bool to_user)
{
	uint64_t pa = p->buf + off;

	if (len <= SMALL_COPY)
		return to_user ? copy_to_user(ubuf, P2V(pa), len)
		               : copy_from_user(P2V(pa), ubuf, len);
	if (to_user)
		return hal->copy(proc_current->cr3, ubuf, 0, pa, len) < 0 ? -LINUX_EFAULT : 0;
	return hal->copy(0, pa, proc_current->cr3, ubuf, len) < 0 ? -LINUX_EFAULT : 0;
}

static long pipe_read(struct file *f, uint64_t buf, uint64_t len)
{
	struct pipe *p = f->priv;
	uint64_t n, first;
	long rc;

	if (len == 0)
		return 0;
	while (p->count == 0) {
		if (p->writers == 0)
			return 0; /* end of file */
		if (f->flags & LINUX_O_NONBLOCK)
			return -LINUX_EAGAIN;
		rc = file_block(f, key_readable(p), 0);
		if (rc == -LINUX_EINTR || rc == -LINUX_EBADF)
			return rc;
	}
	n = len < p->count ? len : p->count;
	first = n < PIPE_SIZE - p->head ? n : PIPE_SIZE - p->head;
	if (move(buf, p, p->head, first, true) ||
	    (n > first && move(buf + first, p, 0, n - first, true)))
		return -LINUX_EFAULT;
	p->head = (p->head + n) % PIPE_SIZE;
	p->count -= n;
	changed(key_writable(p), p->wr, LINUX_POLLOUT);
	return n;
}

static long pipe_write(struct file *f, uint64_t buf, uint64_t len)
{
	struct pipe *p = f->priv;
	uint64_t done = 0;
	long rc;

	while (done < len) {
		uint64_t room, n, tail, first;

		if (p->readers == 0) {
			signal_send(thread_current, LINUX_SIGPIPE, true,
			            &(struct sig_info){ .code = LINUX_SI_KERNEL });
			return done ? (long)done : -LINUX_EPIPE;
		}
		room = PIPE_SIZE - p->count;
		/* Up to PIPE_BUF bytes go in one piece or not at all. */
		if (room == 0 || (len - done <= PIPE_BUF && room < len - done)) {
			if (f->flags & LINUX_O_NONBLOCK)
				return done ? (long)done : -LINUX_EAGAIN;
			rc = file_block(f, key_writable(p), 0);
			if (rc == -LINUX_EBADF)
				return rc; /* f and maybe p are gone */
			if (rc == -LINUX_EINTR)
				return done ? (long)done : rc;
			continue;
		}
		n = len - done < room ? len - done : room;
		tail = (p->head + p->count) % PIPE_SIZE;
		first = n < PIPE_SIZE - tail ? n : PIPE_SIZE - tail;
		if (move(buf + done, p, tail, first, false) ||
		    (n > first && move(buf + done + first, p, 0, n - first, false)))
			return done ? (long)done : -LINUX_EFAULT;
		p->count += n;
		done += n;
		changed(key_readable(p), p->rd, LINUX_POLLIN);
	}
	return done;
}

static long pipe_ioctl(struct file *f, uint64_t req, uint64_t arg)
{
	struct pipe *p = f->priv;
	int32_t n = (int32_t)p->count;

	if (req != LINUX_FIONREAD)
		return -LINUX_ENOTTY;
	return copy_to_user(arg, &n, sizeof(n));
}

static int pipe_poll_read(struct file *f)
{
	struct pipe *p = f->priv;

	return (p->count ? LINUX_POLLIN : 0) | (p->writers == 0 ? LINUX_POLLHUP : 0);
}

static int pipe_poll_write(struct file *f)
{
	struct pipe *p = f->priv;

	if (p->readers == 0)
		return LINUX_POLLERR;
	return PIPE_SIZE - p->count >= PIPE_BUF ? LINUX_POLLOUT : 0;
}

static void pipe_free_if_unused(struct pipe *p)
{
	if (p->readers == 0 && p->writers == 0) {
		mm_frame_free(p->buf);
		kfree(p);
	}
}

static void pipe_release_read(struct file *f)
{
	struct pipe *p = f->priv;

	p->readers--;
	p->rd = NULL;
	changed(key_writable(p), p->wr, LINUX_POLLERR | LINUX_POLLOUT);
	pipe_free_if_unused(p);
}

static void pipe_release_write(struct file *f)
{
	struct pipe *p = f->priv;

	p->writers--;
	p->wr = NULL;
	changed(key_readable(p), p->rd, LINUX_POLLHUP | LINUX_POLLIN);
	pipe_free_if_unused(p);
}

static const struct file_ops pipe_read_ops = {
	.read = pipe_read,
	.poll = pipe_poll_read,
	.release = pipe_release_read,
	.ioctl = pipe_ioctl,
	.mode = LINUX_S_IFIFO | 0600,
};

static const struct file_ops pipe_write_ops = {
	.write = pipe_write,
	.poll = pipe_poll_write,
	.release = pipe_release_write,
	.ioctl = pipe_ioctl,
	.mode = LINUX_S_IFIFO | 0600,
};

int pipe_create(uint32_t flags, struct file **rd, struct file **wr)
{
	struct pipe *p = kmalloc(sizeof(*p));

	if (!p)
		return -LINUX_ENOMEM;
	p->buf = mm_frame_alloc();
	*rd = p->buf ? file_new(&pipe_read_ops, LINUX_O_RDONLY | flags, p) : NULL;
	*wr = *rd ? file_new(&pipe_write_ops, LINUX_O_WRONLY | flags, p) : NULL;
	if (!*wr) {
		if (*rd)
			kfree(*rd);
		if (p->buf)
			mm_frame_free(p->buf);
		kfree(p);
		return -LINUX_ENOMEM;
	}
	p->head = p->count = 0;
	p->readers = p->writers = 1;
	p->rd = *rd;
	p->wr = *wr;
	return 0;
}
