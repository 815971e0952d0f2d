/* Character devices: the console (nanvixd's stdin/stdout/stderr), null, zero, urandom, snapshot. */
#include <abi/linux.h>
#include <abi/snapshot.h>
#include <fd/file.h>
#include <hal/hal.h>
#include <hal/uaccess.h>
#include <ipc/server.h>
#include <mm/frame.h>
#include <proc/proc.h>
#include <sched/sched.h>
#include <sig/signal.h>

/*
 * A console call the host cut short (-EINTR, nothing moved) may be for a
 * signal it forwarded: take it.  The call fails with EINTR only if this
 * thread now has a signal to handle (SA_RESTART then restarts it), else
 * it goes on, as an ignored signal interrupts nothing on Linux.
 */
static bool interrupted(long n)
{
	if (n != -LINUX_EINTR)
		return false;
	proc_host_signals();
	return !signal_work;
}

static long console_read(struct file *f, uint64_t buf, uint64_t len)
{
	long n;

	while (interrupted(n = hal->user_read(0, buf, len)))
		;
	return n;
}

/* Output to a closed pipe or socket: SIGPIPE to the writer, as Linux does. */
static long console_wrote(long n)
{
	if (n == -LINUX_EPIPE)
		signal_send(thread_current, LINUX_SIGPIPE, true,
		            &(struct sig_info){ .code = LINUX_SI_KERNEL });
	return n;
}

static long console_write(struct file *f, uint64_t buf, uint64_t len)
{
	long n;

	while (interrupted(n = hal->user_write(f->stream == 2 ? 2 : 1, buf, len)))
		;
	return console_wrote(n);
}

static long console_writev(struct file *f, uint64_t iov, uint32_t iovcnt)
{
	long n;

	if (f->stream == 0)
		return -LINUX_EBADF;
	while (interrupted(n = hal->user_writev((int)f->stream, iov, iovcnt)))
		;
	return console_wrote(n);
}

/* Terminal ioctls go to the host's terminal when the stream is one. */
static long console_ioctl(struct file *f, uint64_t req, uint64_t arg)
{
	switch (req) {
	case LINUX_TCGETS:
	case LINUX_TCSETS:
	case LINUX_TCSETSW:
	case LINUX_TCSETSF:
	case LINUX_TIOCGWINSZ:
		return hal->tty ? hal->tty((int)f->stream, (uint32_t)req, arg) : -LINUX_ENOTTY;
	default: return -LINUX_ENOTTY;
	}
}

static int console_poll(struct file *f)
{
	/* Output never blocks; input is assumed ready (a read waits in the host). */
	return f->stream == 0 ? LINUX_POLLIN : LINUX_POLLOUT;
}

static const struct file_ops console_ops = {
	.read = console_read,
	.write = console_write,
	.poll = console_poll,
	.writev = console_writev,
	.ioctl = console_ioctl,
	.mode = LINUX_S_IFCHR | 0620,
};

struct file *console_file(long stream)
{
	struct file *f =
	        file_new(&console_ops, stream == 0 ? LINUX_O_RDONLY : LINUX_O_WRONLY, NULL);

	if (f)
		f->stream = stream;
	return f;
}

static long null_read(struct file *f, uint64_t buf, uint64_t len)
{
	return 0;
}

static long null_write(struct file *f, uint64_t buf, uint64_t len)
{
	return len;
}

static int always_ready(struct file *f)
{
	return LINUX_POLLIN | LINUX_POLLOUT;
}

/* Zeroes come from a frame that is never written: the host copies them. */
static long zero_read(struct file *f, uint64_t buf, uint64_t len)
{
	static uint64_t zero_frame;
	uint64_t done = 0;

	if (!zero_frame && !(zero_frame = mm_frame_alloc()))
		return -LINUX_ENOMEM;
	while (done < len) {
		uint64_t n = len - done < PAGE_SIZE ? len - done : PAGE_SIZE;

		if (hal->copy(proc_current->cr3, buf + done, 0, zero_frame, n) < 0)
			return done ? (long)done : -LINUX_EFAULT;
		done += n;
	}
	return done;
}

static long random_read(struct file *f, uint64_t buf, uint64_t len)
{
	uint64_t done = 0;

	if (!hal->random)
		return -LINUX_EIO;
	while (done < len) {
		long n = hal->random(buf + done, len - done);

		if (n <= 0)
			return done ? (long)done : (n ? n : -LINUX_EIO);
		done += n;
	}
	return done;
}

/* null and zero have no poll, as on Linux: always ready, and epoll says EPERM. */
static const struct file_ops null_ops = {
	.read = null_read,
	.write = null_write,
	.mode = LINUX_S_IFCHR | 0666,
	.seekable = true,
};
static const struct file_ops zero_ops = {
	.read = zero_read,
	.write = null_write,
	.mode = LINUX_S_IFCHR | 0666,
	.seekable = true,
};
static const struct file_ops random_ops = {
	.read = random_read,
	.write = null_write,
	.poll = always_ready,
	.mode = LINUX_S_IFCHR | 0666,
	.seekable = true,
};

/*
 * /dev/nanvix-snapshot (abi/snapshot.h): the program's snapshot point and
 * the state of its restores.  Only ioctls; reads and writes fail.
 */
static long snapshot_ioctl(struct file *f, uint64_t req, uint64_t arg)
{
	struct nanvix_snapshot_info info;
	long rc;

	(void)f;
	req = (uint32_t)req; /* an int in ioctl(2): libcs may sign-extend it */
	if (req != NANVIX_SNAPSHOT_TAKE && req != NANVIX_SNAPSHOT_INFO)
		return -LINUX_ENOTTY;
	if (!hal->snapshot)
		return -LINUX_ENOTTY;
	memset(&info, 0, sizeof(info));
	rc = hal->snapshot(req == NANVIX_SNAPSHOT_TAKE, &info);
	if (rc < 0)
		return rc;
	if (info.taken)
		server_restored(); /* netd takes the VM's (new) address */
	return copy_to_user(arg, &info, sizeof(info));
}

static const struct file_ops snapshot_ops = {
	.ioctl = snapshot_ioctl,
	.mode = LINUX_S_IFCHR | 0444,
};

static const struct {
	const char *path;
	const struct file_ops *ops;
} devices[] = {
	{ "/dev/null", &null_ops },
	{ "/dev/zero", &zero_ops },
	{ "/dev/urandom", &random_ops },
	{ "/dev/random", &random_ops },
	{ NANVIX_SNAPSHOT_PATH, &snapshot_ops },
};

struct file *dev_open(const char *path, uint32_t flags)
{
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(devices); i++)
		if (strlen(path) == strlen(devices[i].path) &&
		    memcmp(path, devices[i].path, strlen(path)) == 0)
			return file_new(devices[i].ops, flags, NULL);
	return NULL;
}
