/* Console file descriptors 0, 1, 2: read, write, writev, ioctl, fstat, close. */
#include <abi/hypercall.h>
#include <hal/hal.h>
#include <hal/uaccess.h>
#include <proc/proc.h>
#include <sys/syscall.h>

#define IOV_MAX 1024

/* fd is one of the console fds 0..2 and still open. */
static bool console_open(long fd)
{
	return fd >= 0 && fd <= 2 && (proc_current->console_fds >> fd) & 1;
}

long sys_read(SYSCALL_ARGS)
{
	if (a0 != 0 || !console_open(a0))
		return -LINUX_EBADF; /* 1 and 2 are write-only */
	if (a2 < 0)
		return -LINUX_EINVAL;
	return hal->user_read((int)a0, a1, a2);
}

long sys_write(SYSCALL_ARGS)
{
	if ((a0 != 1 && a0 != 2) || !console_open(a0))
		return -LINUX_EBADF;
	if (a2 < 0)
		return -LINUX_EINVAL;
	return hal->user_write((int)a0, a1, a2);
}

long sys_writev(SYSCALL_ARGS)
{
	if ((a0 != 1 && a0 != 2) || !console_open(a0))
		return -LINUX_EBADF;
	if (a2 < 0 || a2 > IOV_MAX)
		return -LINUX_EINVAL;
	return hal->user_writev((int)a0, a1, (uint32_t)a2);
}

long sys_ioctl(SYSCALL_ARGS)
{
	if (!console_open(a0))
		return -LINUX_EBADF;
	/* The console is a byte stream, not a terminal: no termios, no size. */
	return -LINUX_ENOTTY;
}

long sys_fstat(SYSCALL_ARGS)
{
	struct linux_stat st = {
		.st_dev = 5,
		.st_ino = (uint64_t)a0 + 1,
		.st_nlink = 1,
		.st_mode = LINUX_S_IFCHR | 0620,
		.st_blksize = 4096,
	};

	if (!console_open(a0))
		return -LINUX_EBADF;
	return copy_to_user(a1, &st, sizeof(st));
}

long sys_close(SYSCALL_ARGS)
{
	if (!console_open(a0))
		return -LINUX_EBADF;
	proc_current->console_fds &= ~(1u << a0);
	return 0;
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
