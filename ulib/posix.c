/* POSIX calls a bare newlib lacks (mmap, clocks, uname, ioctl, ...), for guests. */
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "syscall.h"
#include "xlate.h"

_Static_assert(sizeof(struct utsname) == sizeof(struct linux_utsname), "struct utsname is Linux's");
_Static_assert(sizeof(struct timespec) == sizeof(struct linux_timespec),
               "struct timespec is Linux's");
_Static_assert(sizeof(struct rlimit) == sizeof(struct linux_rlimit), "struct rlimit is Linux's");

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	long r = ulib_syscall6(LINUX_SYS_mmap, (long)addr, (long)len, prot, flags, fd, off);

	return ulib_ret(r) == -1 ? MAP_FAILED : (void *)r;
}

int munmap(void *addr, size_t len)
{
	return ulib_ret(ulib_syscall2(LINUX_SYS_munmap, (long)addr, (long)len));
}

int mprotect(void *addr, size_t len, int prot)
{
	return ulib_ret(ulib_syscall3(LINUX_SYS_mprotect, (long)addr, (long)len, prot));
}

int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	long arg;

	va_start(ap, request);
	arg = va_arg(ap, long);
	va_end(ap);
	return ulib_ret(ulib_syscall3(LINUX_SYS_ioctl, fd, (long)request, arg));
}

int uname(struct utsname *buf)
{
	return ulib_ret(ulib_syscall1(LINUX_SYS_uname, (long)buf));
}

/* Linux clock id for newlib's (id); -1 if unknown. */
static long clock_to_linux(clockid_t id)
{
	switch (id) {
	case CLOCK_REALTIME: return LINUX_CLOCK_REALTIME;
	case CLOCK_MONOTONIC: return LINUX_CLOCK_MONOTONIC;
	case CLOCK_PROCESS_CPUTIME_ID: return LINUX_CLOCK_PROCESS_CPUTIME_ID;
	case CLOCK_THREAD_CPUTIME_ID: return LINUX_CLOCK_THREAD_CPUTIME_ID;
#ifdef CLOCK_MONOTONIC_RAW
	case CLOCK_MONOTONIC_RAW: return LINUX_CLOCK_MONOTONIC_RAW;
	case CLOCK_REALTIME_COARSE: return LINUX_CLOCK_REALTIME_COARSE;
	case CLOCK_MONOTONIC_COARSE: return LINUX_CLOCK_MONOTONIC_COARSE;
	case CLOCK_BOOTTIME: return LINUX_CLOCK_BOOTTIME;
#endif
	default: return -1;
	}
}

int clock_gettime(clockid_t id, struct timespec *tp)
{
	long lid = clock_to_linux(id);

	if (lid < 0) {
		errno = EINVAL;
		return -1;
	}
	return ulib_ret(ulib_syscall2(LINUX_SYS_clock_gettime, lid, (long)tp));
}

int clock_getres(clockid_t id, struct timespec *res)
{
	long lid = clock_to_linux(id);

	if (lid < 0) {
		errno = EINVAL;
		return -1;
	}
	return ulib_ret(ulib_syscall2(LINUX_SYS_clock_getres, lid, (long)res));
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	return ulib_ret(ulib_syscall2(LINUX_SYS_nanosleep, (long)req, (long)rem));
}

unsigned sleep(unsigned seconds)
{
	struct timespec ts = { seconds, 0 };

	if (nanosleep(&ts, &ts) < 0)
		return (unsigned)ts.tv_sec;
	return 0;
}

int usleep(useconds_t usec)
{
	struct timespec ts = { usec / 1000000, (long)(usec % 1000000) * 1000 };

	return nanosleep(&ts, NULL);
}

uid_t getuid(void)
{
	return ulib_syscall0(LINUX_SYS_getuid);
}

uid_t geteuid(void)
{
	return ulib_syscall0(LINUX_SYS_geteuid);
}

gid_t getgid(void)
{
	return ulib_syscall0(LINUX_SYS_getgid);
}

gid_t getegid(void)
{
	return ulib_syscall0(LINUX_SYS_getegid);
}

int access(const char *path, int mode)
{
	/* F_OK, R_OK, W_OK and X_OK are 0, 4, 2 and 1 in both. */
	return ulib_ret(ulib_syscall2(LINUX_SYS_access, (long)path, mode));
}

int pipe(int fds[2])
{
	return ulib_ret(ulib_syscall1(LINUX_SYS_pipe, (long)fds));
}

int dup(int fd)
{
	return ulib_ret(ulib_syscall1(LINUX_SYS_dup, fd));
}

int dup2(int fd, int to)
{
	return ulib_ret(ulib_syscall2(LINUX_SYS_dup2, fd, to));
}

char *getcwd(char *buf, size_t size)
{
	/* The system call returns the length; the libc call returns buf. */
	if (ulib_ret(ulib_syscall2(LINUX_SYS_getcwd, (long)buf, (long)size)) < 0)
		return NULL;
	return buf;
}

int chdir(const char *path)
{
	return ulib_ret(ulib_syscall1(LINUX_SYS_chdir, (long)path));
}

int rmdir(const char *path)
{
	return ulib_ret(ulib_syscall1(LINUX_SYS_rmdir, (long)path));
}

pid_t getppid(void)
{
	return ulib_syscall0(LINUX_SYS_getppid);
}

/* newlib declares posix_memalign but builds it only for some systems. */
int posix_memalign(void **out, size_t align, size_t size)
{
	void *p;

	if (align < sizeof(void *) || (align & (align - 1)) != 0)
		return EINVAL;
	p = memalign(align, size);
	if (p == NULL)
		return ENOMEM;
	*out = p;
	return 0;
}

ssize_t getrandom(void *buf, size_t len, unsigned int flags)
{
	return ulib_ret(ulib_syscall3(LINUX_SYS_getrandom, (long)buf, (long)len, flags));
}

int getrlimit(int resource, struct rlimit *rlim)
{
	return ulib_ret(ulib_syscall2(LINUX_SYS_getrlimit, resource, (long)rlim));
}

int setrlimit(int resource, const struct rlimit *rlim)
{
	return ulib_ret(ulib_syscall2(LINUX_SYS_setrlimit, resource, (long)rlim));
}

int sched_yield(void)
{
	return ulib_ret(ulib_syscall0(LINUX_SYS_sched_yield));
}

mode_t umask(mode_t mask)
{
	return (mode_t)ulib_syscall1(LINUX_SYS_umask, mask); /* cannot fail */
}
