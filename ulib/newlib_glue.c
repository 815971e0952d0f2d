/* The system calls newlib expects from its host, made of Linux x86-64 ones. */

/*
 * newlib built with --disable-newlib-supplied-syscalls for x86_64-elf calls
 * the POSIX names (read, write, sbrk, ...) from its reentrant wrappers
 * (_read_r, ...).  Each is defined here over the raw system call, with the
 * conversions of xlate.c, and is also exported under the traditional
 * underscore name (_read, ...) that other newlib ports use.  Errors set
 * errno (newlib's, i.e. _REENT->_errno) and return -1.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "syscall.h"
#include "thread.h"
#include "xlate.h"

#define ALIAS(name) __attribute__((alias(#name), copy(name)))

_Static_assert(S_IFMT == 0170000 && S_IFDIR == 0040000 && S_IFREG == 0100000,
               "newlib file-type bits are Linux's");

void _exit(int status)
{
	for (;;)
		ulib_syscall1(LINUX_SYS_exit_group, status);
}

_READ_WRITE_RETURN_TYPE read(int fd, void *buf, size_t n)
{
	return ulib_ret(ulib_syscall3(LINUX_SYS_read, fd, (long)buf, (long)n));
}

_READ_WRITE_RETURN_TYPE write(int fd, const void *buf, size_t n)
{
	return ulib_ret(ulib_syscall3(LINUX_SYS_write, fd, (long)buf, (long)n));
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	int mode = 0;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, int);
		va_end(ap);
	}
	return ulib_ret(
	        ulib_syscall3(LINUX_SYS_open, (long)path, ulib_oflags_to_linux(flags), mode));
}

int close(int fd)
{
	return ulib_ret(ulib_syscall1(LINUX_SYS_close, fd));
}

off_t lseek(int fd, off_t off, int whence)
{
	/* SEEK_SET, SEEK_CUR and SEEK_END are 0, 1 and 2 in both. */
	return ulib_ret(ulib_syscall3(LINUX_SYS_lseek, fd, off, whence));
}

int fstat(int fd, struct stat *st)
{
	struct linux_stat ls;
	long r = ulib_syscall2(LINUX_SYS_fstat, fd, (long)&ls);

	if (r == 0)
		ulib_stat_from_linux(st, &ls);
	return ulib_ret(r);
}

int stat(const char *path, struct stat *st)
{
	struct linux_stat ls;
	long r = ulib_syscall2(LINUX_SYS_stat, (long)path, (long)&ls);

	if (r == 0)
		ulib_stat_from_linux(st, &ls);
	return ulib_ret(r);
}

/*
 * A descriptor is a terminal if the terminal ioctls work on it.  TCGETS is
 * the usual probe; a kernel that only knows TIOCGWINSZ answers that one.
 * ENOTTY (or any other error) means no.
 */
int isatty(int fd)
{
	uint8_t buf[64]; /* struct termios is 36 bytes, winsize 8 */
	long r = ulib_syscall3(LINUX_SYS_ioctl, fd, LINUX_TCGETS, (long)buf);

	if (r == -LINUX_ENOSYS || r == -LINUX_EINVAL)
		r = ulib_syscall3(LINUX_SYS_ioctl, fd, LINUX_TIOCGWINSZ, (long)buf);
	if (r == 0)
		return 1;
	ulib_ret(r);
	return 0;
}

/*
 * Linux brk(addr) moves the break to addr and returns the new break, or
 * returns the unchanged break when it cannot; brk(0) asks where it is.
 */
void *sbrk(ptrdiff_t incr)
{
	static uintptr_t cur;
	uintptr_t old, want;

	if (cur == 0)
		cur = (uintptr_t)ulib_syscall1(LINUX_SYS_brk, 0);
	old = cur;
	want = old + (uintptr_t)incr;
	if ((incr > 0 && want < old) || (incr < 0 && want > old) ||
	    (incr != 0 && (uintptr_t)ulib_syscall1(LINUX_SYS_brk, (long)want) != want)) {
		errno = ENOMEM;
		return (void *)-1;
	}
	cur = want;
	return (void *)old;
}

pid_t getpid(void)
{
	return ulib_syscall0(LINUX_SYS_getpid);
}

int gettimeofday(struct timeval *tv, void *tz)
{
	/* struct timeval and struct timezone have Linux's layout. */
	return ulib_ret(ulib_syscall2(LINUX_SYS_gettimeofday, (long)tv, (long)tz));
}

/*
 * Linux counts times(2) in USER_HZ ticks; newlib's clock() and CLK_TCK
 * expect CLOCKS_PER_SEC units.
 */
_Static_assert(CLOCKS_PER_SEC % LINUX_USER_HZ == 0, "tick scale");
#define TICK_SCALE (CLOCKS_PER_SEC / LINUX_USER_HZ)

clock_t times(struct tms *buf)
{
	struct tms t;
	long r = ulib_syscall1(LINUX_SYS_times, (long)&t);

	if (r < 0 && r >= -LINUX_ERRNO_MAX)
		return (clock_t)ulib_ret(r);
	if (buf) {
		buf->tms_utime = t.tms_utime * TICK_SCALE;
		buf->tms_stime = t.tms_stime * TICK_SCALE;
		buf->tms_cutime = t.tms_cutime * TICK_SCALE;
		buf->tms_cstime = t.tms_cstime * TICK_SCALE;
	}
	return (clock_t)r * TICK_SCALE;
}

int unlink(const char *path)
{
	return ulib_ret(ulib_syscall1(LINUX_SYS_unlink, (long)path));
}

int link(const char *old, const char *new)
{
	return ulib_ret(ulib_syscall2(LINUX_SYS_link, (long)old, (long)new));
}

pid_t fork(void)
{
	long r = ulib_syscall0(LINUX_SYS_fork);

	if (r == 0)
		ulib_thread_after_fork();
	return ulib_ret(r);
}

pid_t waitpid(pid_t pid, int *status, int options)
{
	int st = 0;
	/* WNOHANG and WUNTRACED have Linux's values in newlib too. */
	long r = ulib_syscall4(LINUX_SYS_wait4, pid, (long)&st, options, 0);

	if (r > 0 && status)
		*status = ulib_wstatus_from_linux(st);
	return ulib_ret(r);
}

pid_t wait(int *status)
{
	return waitpid(-1, status, 0);
}

int pause(void)
{
	return ulib_ret(ulib_syscall0(LINUX_SYS_pause));
}

int setpgid(pid_t pid, pid_t pgid)
{
	return ulib_ret(ulib_syscall2(LINUX_SYS_setpgid, pid, pgid));
}

pid_t getpgrp(void)
{
	return ulib_syscall0(LINUX_SYS_getpgrp); /* cannot fail */
}

pid_t setsid(void)
{
	return ulib_ret(ulib_syscall0(LINUX_SYS_setsid));
}

int execve(const char *path, char *const argv[], char *const envp[])
{
	return ulib_ret(ulib_syscall3(LINUX_SYS_execve, (long)path, (long)argv, (long)envp));
}

int mkdir(const char *path, mode_t mode)
{
	return ulib_ret(ulib_syscall2(LINUX_SYS_mkdir, (long)path, mode));
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg;
	long r;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	switch (cmd) {
	case F_DUPFD: return ulib_ret(ulib_syscall3(LINUX_SYS_fcntl, fd, LINUX_F_DUPFD, arg));
	case F_DUPFD_CLOEXEC:
		return ulib_ret(ulib_syscall3(LINUX_SYS_fcntl, fd, LINUX_F_DUPFD_CLOEXEC, arg));
	case F_GETFD: return ulib_ret(ulib_syscall2(LINUX_SYS_fcntl, fd, LINUX_F_GETFD));
	case F_SETFD: /* FD_CLOEXEC is 1 in both */
		return ulib_ret(ulib_syscall3(LINUX_SYS_fcntl, fd, LINUX_F_SETFD, arg));
	case F_GETFL:
		r = ulib_syscall2(LINUX_SYS_fcntl, fd, LINUX_F_GETFL);
		return r < 0 ? ulib_ret(r) : ulib_oflags_from_linux((int)r);
	case F_SETFL:
		return ulib_ret(ulib_syscall3(LINUX_SYS_fcntl, fd, LINUX_F_SETFL,
		                              ulib_oflags_to_linux((int)arg)));
	default: errno = EINVAL; return -1;
	}
}

int getentropy(void *buf, size_t n)
{
	uint8_t *p = buf;

	if (n > 256) {
		errno = EIO;
		return -1;
	}
	while (n > 0) {
		long r = ulib_syscall3(LINUX_SYS_getrandom, (long)p, (long)n, 0);

		if (r == -LINUX_EINTR)
			continue;
		if (r < 0)
			return ulib_ret(r);
		p += r;
		n -= r;
	}
	return 0;
}

/* The underscore names some newlib ports and programs use. */
_READ_WRITE_RETURN_TYPE _read(int, void *, size_t) ALIAS(read);
_READ_WRITE_RETURN_TYPE _write(int, const void *, size_t) ALIAS(write);
int _open(const char *, int, ...) ALIAS(open);
int _close(int) ALIAS(close);
off_t _lseek(int, off_t, int) ALIAS(lseek);
int _fstat(int, struct stat *) ALIAS(fstat);
int _stat(const char *, struct stat *) ALIAS(stat);
int _isatty(int) ALIAS(isatty);
void *_sbrk(ptrdiff_t) ALIAS(sbrk);
pid_t _getpid(void) ALIAS(getpid);
int _gettimeofday(struct timeval *, void *) ALIAS(gettimeofday);
clock_t _times(struct tms *) ALIAS(times);
int _unlink(const char *) ALIAS(unlink);
int _link(const char *, const char *) ALIAS(link);
pid_t _fork(void) ALIAS(fork);
pid_t _wait(int *) ALIAS(wait);
int _execve(const char *, char *const[], char *const[]) ALIAS(execve);
int _fcntl(int, int, ...) ALIAS(fcntl);
int _mkdir(const char *, mode_t) ALIAS(mkdir);
