/* Console file descriptors 0, 1, 2: read, write, writev, ioctl. */
#include <hal/hal.h>
#include <sys/syscall.h>

#define IOV_MAX 1024

long sys_read(SYSCALL_ARGS)
{
	if (a0 != 0)
		return -LINUX_EBADF; /* 1 and 2 are write-only */
	if (a2 < 0)
		return -LINUX_EINVAL;
	return hal->user_read((int)a0, a1, a2);
}

long sys_write(SYSCALL_ARGS)
{
	if (a0 != 1 && a0 != 2)
		return -LINUX_EBADF;
	if (a2 < 0)
		return -LINUX_EINVAL;
	return hal->user_write((int)a0, a1, a2);
}

long sys_writev(SYSCALL_ARGS)
{
	if (a0 != 1 && a0 != 2)
		return -LINUX_EBADF;
	if (a2 < 0 || a2 > IOV_MAX)
		return -LINUX_EINVAL;
	return hal->user_writev((int)a0, a1, (uint32_t)a2);
}

long sys_ioctl(SYSCALL_ARGS)
{
	if (a0 < 0 || a0 > 2)
		return -LINUX_EBADF;
	/* The console is a byte stream, not a terminal: no termios, no size. */
	return -LINUX_ENOTTY;
}
