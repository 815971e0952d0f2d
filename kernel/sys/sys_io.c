/* File-descriptor calls: read/write and vectors, pipes, dup, fcntl, open of devices, poll. */
#include <abi/hypercall.h>
#include <fd/file.h>
#include <fd/lock.h>
#include <fd/remote.h>
#include <fd/shm.h>
#include <hal/hal.h>
#include <hal/uaccess.h>
#include <ipc/server.h>
#include <proc/proc.h>
#include <sched/sched.h>
#include <sig/signal.h>
#include <sys/syscall.h>

#define IOV_MAX  1024
#define PATH_MAX 256
#define POLL_MAX FD_MAX

static long do_read(struct file *f, uint64_t buf, uint64_t len)
{
	if ((f->flags & LINUX_O_ACCMODE) == LINUX_O_WRONLY || !f->ops->read)
		return -LINUX_EBADF;
	if ((int64_t)len < 0)
		return -LINUX_EINVAL;
	return f->ops->read(f, buf, len);
}

static long do_write(struct file *f, uint64_t buf, uint64_t len)
{
	if ((f->flags & LINUX_O_ACCMODE) == LINUX_O_RDONLY || !f->ops->write)
		return -LINUX_EBADF;
	if ((int64_t)len < 0)
		return -LINUX_EINVAL;
	return f->ops->write(f, buf, len);
}

long sys_read(SYSCALL_ARGS)
{
	struct file *f = fd_get(a0);

	return f ? do_read(f, a1, a2) : -LINUX_EBADF;
}

long sys_write(SYSCALL_ARGS)
{
	struct file *f = fd_get(a0);

	return f ? do_write(f, a1, a2) : -LINUX_EBADF;
}

/* readv/writev: element by element; a short transfer ends the call. */
static long vector_io(long fd, uint64_t iov, long cnt, bool writing)
{
	struct file *f = fd_get(fd);
	long total = 0, i;

	if (!f)
		return -LINUX_EBADF;
	if (cnt < 0 || cnt > IOV_MAX)
		return -LINUX_EINVAL;
	for (i = 0; i < cnt; i++) {
		struct linux_iovec v;
		long n;

		if (copy_from_user(&v, iov + i * sizeof(v), sizeof(v)))
			return total ? total : -LINUX_EFAULT;
		n = writing ? do_write(f, v.iov_base, v.iov_len)
		            : do_read(f, v.iov_base, v.iov_len);
		if (n < 0)
			return total ? total : n;
		total += n;
		if ((uint64_t)n < v.iov_len)
			break;
	}
	return total;
}

long sys_readv(SYSCALL_ARGS)
{
	struct file *f = fd_get(a0);

	/* A file that takes a whole vector at once (a socket: one message,
	 * datagram boundaries kept). */
	if (f && f->ops->readv && (f->flags & LINUX_O_ACCMODE) != LINUX_O_WRONLY) {
		if (a2 < 0 || a2 > IOV_MAX)
			return -LINUX_EINVAL;
		return f->ops->readv(f, a1, (uint32_t)a2);
	}
	return vector_io(a0, a1, a2, false);
}

long sys_writev(SYSCALL_ARGS)
{
	struct file *f = fd_get(a0);

	/* A file that takes a whole vector at once (the console: one
	 * hypercall; a socket: one message). */
	if (f && f->ops->writev && (f->flags & LINUX_O_ACCMODE) != LINUX_O_RDONLY) {
		if (a2 < 0 || a2 > IOV_MAX)
			return -LINUX_EINVAL;
		return f->ops->writev(f, a1, (uint32_t)a2);
	}
	return vector_io(a0, a1, a2, true);
}

long sys_ioctl(SYSCALL_ARGS)
{
	struct file *f = fd_get(a0);

	if (!f)
		return -LINUX_EBADF;
	if (a1 == LINUX_FIONBIO) {
		int32_t on;

		if (copy_from_user(&on, a2, sizeof(on)))
			return -LINUX_EFAULT;
		f->flags = on ? f->flags | LINUX_O_NONBLOCK : f->flags & ~LINUX_O_NONBLOCK;
		return 0;
	}
	if (f->ops->ioctl)
		return f->ops->ioctl(f, a1, a2);
	/* No terminals here: consoles, pipes and devices are byte streams. */
	return -LINUX_ENOTTY;
}

long sys_fstat(SYSCALL_ARGS)
{
	struct file *f = fd_get(a0);
	struct linux_stat st = {
		.st_dev = 5,
		.st_ino = (uint64_t)a0 + 1,
		.st_nlink = 1,
		.st_blksize = 4096,
	};

	if (!f)
		return -LINUX_EBADF;
	if (f->ops->fstat)
		return f->ops->fstat(f, a1);
	st.st_mode = f->ops->mode;
	return copy_to_user(a1, &st, sizeof(st));
}

long sys_lseek(SYSCALL_ARGS)
{
	struct file *f = fd_get(a0);

	if (!f)
		return -LINUX_EBADF;
	if (f->ops->lseek)
		return f->ops->lseek(f, a1, a2);
	return f->ops->seekable ? 0 : -LINUX_ESPIPE;
}

long sys_close(SYSCALL_ARGS)
{
	return fd_close(a0);
}

static long make_pipe(uint64_t ufds, long flags)
{
	struct file *rd, *wr;
	int32_t fds[2];
	long rc;

	if (flags & ~(LINUX_O_NONBLOCK | LINUX_O_CLOEXEC))
		return -LINUX_EINVAL;
	if (!uaccess_ok(ufds, sizeof(fds)))
		return -LINUX_EFAULT;
	rc = pipe_create(flags & LINUX_O_NONBLOCK, &rd, &wr);
	if (rc)
		return rc;
	fds[0] = (int32_t)fd_install(rd, 0, -1, flags & LINUX_O_CLOEXEC);
	if (fds[0] < 0) {
		file_put(wr);
		return fds[0];
	}
	fds[1] = (int32_t)fd_install(wr, 0, -1, flags & LINUX_O_CLOEXEC);
	if (fds[1] < 0) {
		fd_close(fds[0]);
		return fds[1];
	}
	if (copy_to_user(ufds, fds, sizeof(fds))) {
		fd_close(fds[0]);
		fd_close(fds[1]);
		return -LINUX_EFAULT;
	}
	return 0;
}

long sys_pipe(SYSCALL_ARGS)
{
	return make_pipe(a0, 0);
}

long sys_pipe2(SYSCALL_ARGS)
{
	return make_pipe(a0, a1);
}

static long dup_to(long old, long min, long at, bool cloexec)
{
	struct file *f = fd_get(old);

	if (!f)
		return -LINUX_EBADF;
	file_get(f);
	return fd_install(f, min, at, cloexec);
}

long sys_dup(SYSCALL_ARGS)
{
	return dup_to(a0, 0, -1, false);
}

long sys_dup2(SYSCALL_ARGS)
{
	if (a0 == a1)
		return fd_get(a0) ? a1 : -LINUX_EBADF;
	if (a1 < 0 || a1 >= proc_fd_limit())
		return -LINUX_EBADF;
	return dup_to(a0, 0, a1, false);
}

long sys_dup3(SYSCALL_ARGS)
{
	if (a0 == a1 || (a2 & ~LINUX_O_CLOEXEC))
		return -LINUX_EINVAL;
	if (a1 < 0 || a1 >= proc_fd_limit())
		return -LINUX_EBADF;
	return dup_to(a0, 0, a1, a2 & LINUX_O_CLOEXEC);
}

long sys_flock(SYSCALL_ARGS)
{
	struct file *f = fd_get(a0);

	return f ? lock_flock(f, a1) : -LINUX_EBADF;
}

long sys_fcntl(SYSCALL_ARGS)
{
	struct file *f = fd_get(a0);

	if (!f)
		return -LINUX_EBADF;
	switch (a1) {
	case LINUX_F_DUPFD:
	case LINUX_F_DUPFD_CLOEXEC:
		if (a2 < 0 || a2 >= proc_fd_limit())
			return -LINUX_EINVAL;
		return dup_to(a0, a2, -1, a1 == LINUX_F_DUPFD_CLOEXEC);
	case LINUX_F_GETFD: return fd_cloexec(a0) ? LINUX_FD_CLOEXEC : 0;
	case LINUX_F_SETFD: fd_set_cloexec(a0, a2 & LINUX_FD_CLOEXEC); return 0;
	case LINUX_F_GETFL: return f->flags;
	case LINUX_F_SETFL:
		/* Only these status flags can change after open. */
		f->flags = (f->flags & ~(LINUX_O_NONBLOCK | LINUX_O_APPEND)) |
		           (a2 & (LINUX_O_NONBLOCK | LINUX_O_APPEND));
		return 0;
	case LINUX_F_GETLK:
	case LINUX_F_SETLK:
	case LINUX_F_SETLKW:
	case LINUX_F_OFD_GETLK:
	case LINUX_F_OFD_SETLK:
	case LINUX_F_OFD_SETLKW: return lock_fcntl(f, a1, (uint64_t)a2);
	default: return -LINUX_EINVAL;
	}
}

/* A NUL-terminated user path into buf; 0, -EFAULT or -ENAMETOOLONG. */
static long path_from_user(char *buf, uint64_t upath)
{
	size_t i;

	for (i = 0; i < PATH_MAX; i++) {
		if (copy_from_user(&buf[i], upath + i, 1))
			return -LINUX_EFAULT;
		if (buf[i] == '\0')
			return 0;
	}
	return -LINUX_ENAMETOOLONG;
}

/*
 * Devices are named by absolute paths under /dev (the dirfd does not
 * matter); everything else goes to the fs component.  Only a path that
 * starts with "/dev/" is copied into ring 0 (byte copies cost ~1 us each).
 */
static long do_open(long dirfd, uint64_t upath, long flags, long mode)
{
	char path[PATH_MAX];
	struct server *s;
	struct file *f;
	long rc;

	if (remote_active() && (copy_from_user(path, upath, 5) || memcmp(path, "/dev/", 5) != 0))
		return fs_open(dirfd, upath, flags, mode);
	rc = path_from_user(path, upath);
	if (rc)
		return rc;
	if (!memcmp(path, SHM_DIR, SHM_DIR_LEN))
		return shm_open(path + SHM_DIR_LEN, flags, mode);
	s = server_find(path);
	if (s) {
		rc = server_open(s, (uint32_t)flags & LINUX_O_ACCMODE, &f);
		return rc ? rc : fd_install(f, 0, -1, flags & LINUX_O_CLOEXEC);
	}
	f = dev_open(path, flags & (LINUX_O_ACCMODE | LINUX_O_NONBLOCK | LINUX_O_APPEND));
	if (!f)
		return remote_active() ? fs_open(dirfd, upath, flags, mode) : -LINUX_ENOENT;
	return fd_install(f, 0, -1, flags & LINUX_O_CLOEXEC);
}

long sys_open(SYSCALL_ARGS)
{
	return do_open(LINUX_AT_FDCWD, a0, a1, a2);
}

long sys_openat(SYSCALL_ARGS)
{
	return do_open(a0, a1, a2, a3);
}

struct linux_pollfd {
	int32_t fd;
	int16_t events;
	int16_t revents;
};

/* poll and ppoll: deadline 0 waits forever, UINT64_MAX does not wait. */
static long do_poll(uint64_t ufds, long nfds, uint64_t deadline)
{
	struct linux_pollfd pfd;
	long i, ready;

	if (nfds < 0 || nfds > POLL_MAX)
		return -LINUX_EINVAL;
	for (;;) {
		ready = 0;
		for (i = 0; i < nfds; i++) {
			struct file *f;

			if (copy_from_user(&pfd, ufds + i * sizeof(pfd), sizeof(pfd)))
				return -LINUX_EFAULT;
			f = pfd.fd < 0 ? NULL : fd_get(pfd.fd);
			if (pfd.fd < 0)
				pfd.revents = 0;
			else if (!f)
				pfd.revents = LINUX_POLLNVAL;
			else
				pfd.revents = (int16_t)(file_poll(f) & (pfd.events | LINUX_POLLERR |
				                                        LINUX_POLLHUP));
			if (pfd.revents)
				ready++;
			if (copy_to_user(ufds + i * sizeof(pfd) + 6, &pfd.revents, 2))
				return -LINUX_EFAULT;
		}
		if (ready)
			return ready;
		/* A pending signal ppoll's mask unblocks: EINTR, even without waiting. */
		if (signal_work)
			return -LINUX_EINTR;
		if (deadline == UINT64_MAX)
			return 0;
		switch (sched_block(FD_POLL_KEY, deadline)) {
		case -LINUX_ETIMEDOUT: return 0;
		case -LINUX_EINTR: return -LINUX_EINTR;
		}
	}
}

long sys_poll(SYSCALL_ARGS)
{
	int timeout = (int)a2;
	uint64_t deadline = timeout < 0    ? 0
	                    : timeout == 0 ? UINT64_MAX
	                                   : clock_uptime_ns() + (uint64_t)timeout * 1000000ull;

	return do_poll(a0, a1, deadline);
}

long sys_ppoll(SYSCALL_ARGS)
{
	uint64_t deadline = 0, ns, mask;
	long rc;

	if (a2) {
		rc = clock_timespec_ns(a2, &ns);
		if (rc)
			return rc;
		deadline = ns == 0 ? UINT64_MAX : clock_deadline(ns);
	}
	if (a3) {
		rc = signal_mask_read(a3, a4, &mask);
		if (rc)
			return rc;
		/* As sigsuspend: the caller's mask comes back after delivery. */
		signal_mask_push(mask);
	}
	rc = do_poll(a0, a1, deadline);
	if (a3)
		signal_mask_pop(rc);
	return rc;
}

long sys_getrandom(SYSCALL_ARGS)
{
	uint64_t done = 0, len = (uint64_t)a1;

	if (a2 & ~(LINUX_GRND_NONBLOCK | LINUX_GRND_RANDOM | LINUX_GRND_INSECURE))
		return -LINUX_EINVAL;
	if (!hal->random)
		return -LINUX_ENOSYS;
	if (len > 0x1ffffff) /* Linux caps one call at 32 MiB - 1 */
		len = 0x1ffffff;
	while (done < len) {
		uint64_t chunk =
		        len - done < NANVIX_HC_RANDOM_MAX ? len - done : NANVIX_HC_RANDOM_MAX;
		long n = hal->random(a0 + done, chunk);

		if (n < 0)
			return done ? (long)done : n;
		done += n;
	}
	return done;
}
