/* File-system calls a bare newlib lacks (*at(), links, truncate, directories, ...), for guests. */

/*
 * Each call is the Linux x86-64 system call of the same name, with newlib's
 * numbering converted on the way in and out (xlate.c): open flags, AT_FDCWD
 * and the AT_* flags, struct stat, errno.  Mode bits, SEEK_*, access(2)'s
 * R_OK..., UTIME_NOW/UTIME_OMIT and the layouts of struct timespec, struct
 * iovec, struct statfs and struct dirent (<sys/dirent.h>: linux_dirent64)
 * are Linux's in ulib's headers, so they pass through unchanged.
 *
 * Directory streams read getdents64 records into a buffer in the DIR and
 * hand them out one by one: readdir() returns a pointer into that buffer,
 * valid until the next readdir() or closedir() on the same stream.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "syscall.h"
#include "xlate.h"

/*
 * Linux x86-64 system-call numbers not (yet) in <abi/linux.h>; each is
 * guarded so that the header may gain them (same name, same value).
 */
#ifndef LINUX_SYS_lstat
#define LINUX_SYS_lstat 6
#endif
#ifndef LINUX_SYS_pread64
#define LINUX_SYS_pread64 17
#endif
#ifndef LINUX_SYS_pwrite64
#define LINUX_SYS_pwrite64 18
#endif
#ifndef LINUX_SYS_fsync
#define LINUX_SYS_fsync 74
#endif
#ifndef LINUX_SYS_fdatasync
#define LINUX_SYS_fdatasync 75
#endif
#ifndef LINUX_SYS_truncate
#define LINUX_SYS_truncate 76
#endif
#ifndef LINUX_SYS_ftruncate
#define LINUX_SYS_ftruncate 77
#endif
#ifndef LINUX_SYS_fchdir
#define LINUX_SYS_fchdir 81
#endif
#ifndef LINUX_SYS_rename
#define LINUX_SYS_rename 82
#endif
#ifndef LINUX_SYS_symlink
#define LINUX_SYS_symlink 88
#endif
#ifndef LINUX_SYS_readlink
#define LINUX_SYS_readlink 89
#endif
#ifndef LINUX_SYS_chmod
#define LINUX_SYS_chmod 90
#endif
#ifndef LINUX_SYS_fchmod
#define LINUX_SYS_fchmod 91
#endif
#ifndef LINUX_SYS_statfs
#define LINUX_SYS_statfs 137
#endif
#ifndef LINUX_SYS_fstatfs
#define LINUX_SYS_fstatfs 138
#endif
#ifndef LINUX_SYS_getdents64
#define LINUX_SYS_getdents64 217
#endif
#ifndef LINUX_SYS_mkdirat
#define LINUX_SYS_mkdirat 258
#endif
#ifndef LINUX_SYS_newfstatat
#define LINUX_SYS_newfstatat 262
#endif
#ifndef LINUX_SYS_unlinkat
#define LINUX_SYS_unlinkat 263
#endif
#ifndef LINUX_SYS_renameat
#define LINUX_SYS_renameat 264
#endif
#ifndef LINUX_SYS_linkat
#define LINUX_SYS_linkat 265
#endif
#ifndef LINUX_SYS_symlinkat
#define LINUX_SYS_symlinkat 266
#endif
#ifndef LINUX_SYS_readlinkat
#define LINUX_SYS_readlinkat 267
#endif
#ifndef LINUX_SYS_fchmodat
#define LINUX_SYS_fchmodat 268
#endif
#ifndef LINUX_SYS_faccessat
#define LINUX_SYS_faccessat 269
#endif
#ifndef LINUX_SYS_utimensat
#define LINUX_SYS_utimensat 280
#endif

_Static_assert(S_IRWXU == 0700 && S_IRWXG == 070 && S_IRWXO == 07 && S_ISUID == 04000 &&
                       S_ISGID == 02000 && S_ISVTX == 01000 && S_IFLNK == 0120000,
               "newlib mode bits are Linux's");
_Static_assert(sizeof(struct iovec) == 16, "struct iovec is Linux's");
_Static_assert(sizeof(struct statfs) == 120, "struct statfs is Linux's");
_Static_assert(offsetof(struct dirent, d_reclen) == 16 && offsetof(struct dirent, d_type) == 18 &&
                       offsetof(struct dirent, d_name) == 19,
               "struct dirent is Linux's dirent64");

/* A *at() call's flags for Linux in (lflags); 0, or -1 with errno EINVAL. */
static int atflags(int flags, long *lflags)
{
	*lflags = ulib_atflags_to_linux(flags);
	if (*lflags < 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* The libc result of a stat-family system call (r) that filled (ls) on success. */
static int stat_ret(long r, struct stat *st, const struct linux_stat *ls)
{
	if (r == 0)
		ulib_stat_from_linux(st, ls);
	return ulib_ret(r);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	int mode = 0;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, int);
		va_end(ap);
	}
	return ulib_ret(ulib_syscall4(LINUX_SYS_openat, ulib_dirfd_to_linux(dirfd), (long)path,
	                              ulib_oflags_to_linux(flags), mode));
}

int lstat(const char *restrict path, struct stat *restrict st)
{
	struct linux_stat ls;

	return stat_ret(ulib_syscall2(LINUX_SYS_lstat, (long)path, (long)&ls), st, &ls);
}

int fstatat(int dirfd, const char *restrict path, struct stat *restrict st, int flags)
{
	struct linux_stat ls;
	long lflags;

	if (atflags(flags, &lflags) < 0)
		return -1;
	return stat_ret(ulib_syscall4(LINUX_SYS_newfstatat, ulib_dirfd_to_linux(dirfd), (long)path,
	                              (long)&ls, lflags),
	                st, &ls);
}

int mkdirat(int dirfd, const char *path, mode_t mode)
{
	return ulib_ret(
	        ulib_syscall3(LINUX_SYS_mkdirat, ulib_dirfd_to_linux(dirfd), (long)path, mode));
}

int unlinkat(int dirfd, const char *path, int flags)
{
	long lflags;

	if (atflags(flags, &lflags) < 0)
		return -1;
	return ulib_ret(
	        ulib_syscall3(LINUX_SYS_unlinkat, ulib_dirfd_to_linux(dirfd), (long)path, lflags));
}

/* newlib's own rename() is link() + unlink(): it cannot replace a file or move a directory. */
int rename(const char *old, const char *new)
{
	return ulib_ret(ulib_syscall2(LINUX_SYS_rename, (long)old, (long)new));
}

int renameat(int olddirfd, const char *old, int newdirfd, const char *new)
{
	return ulib_ret(ulib_syscall4(LINUX_SYS_renameat, ulib_dirfd_to_linux(olddirfd), (long)old,
	                              ulib_dirfd_to_linux(newdirfd), (long)new));
}

int linkat(int olddirfd, const char *old, int newdirfd, const char *new, int flags)
{
	long lflags;

	if (atflags(flags, &lflags) < 0)
		return -1;
	return ulib_ret(ulib_syscall5(LINUX_SYS_linkat, ulib_dirfd_to_linux(olddirfd), (long)old,
	                              ulib_dirfd_to_linux(newdirfd), (long)new, lflags));
}

int symlink(const char *target, const char *path)
{
	return ulib_ret(ulib_syscall2(LINUX_SYS_symlink, (long)target, (long)path));
}

int symlinkat(const char *target, int dirfd, const char *path)
{
	return ulib_ret(ulib_syscall3(LINUX_SYS_symlinkat, (long)target, ulib_dirfd_to_linux(dirfd),
	                              (long)path));
}

ssize_t readlink(const char *restrict path, char *restrict buf, size_t size)
{
	return ulib_ret(ulib_syscall3(LINUX_SYS_readlink, (long)path, (long)buf, (long)size));
}

ssize_t readlinkat(int dirfd, const char *restrict path, char *restrict buf, size_t size)
{
	return ulib_ret(ulib_syscall4(LINUX_SYS_readlinkat, ulib_dirfd_to_linux(dirfd), (long)path,
	                              (long)buf, (long)size));
}

int truncate(const char *path, off_t len)
{
	return ulib_ret(ulib_syscall2(LINUX_SYS_truncate, (long)path, len));
}

int ftruncate(int fd, off_t len)
{
	return ulib_ret(ulib_syscall2(LINUX_SYS_ftruncate, fd, len));
}

int fsync(int fd)
{
	return ulib_ret(ulib_syscall1(LINUX_SYS_fsync, fd));
}

int fdatasync(int fd)
{
	return ulib_ret(ulib_syscall1(LINUX_SYS_fdatasync, fd));
}

int fchdir(int fd)
{
	return ulib_ret(ulib_syscall1(LINUX_SYS_fchdir, fd));
}

/*
 * F_OK, R_OK, W_OK and X_OK are 0, 4, 2 and 1 in both.  The faccessat system
 * call takes no flags (faccessat2 does); AT_EACCESS matters only to set-uid
 * programs, which guests are not, so it is accepted and has no effect.
 */
int faccessat(int dirfd, const char *path, int mode, int flags)
{
	if (flags & ~AT_EACCESS) {
		errno = EINVAL;
		return -1;
	}
	return ulib_ret(
	        ulib_syscall3(LINUX_SYS_faccessat, ulib_dirfd_to_linux(dirfd), (long)path, mode));
}

int chmod(const char *path, mode_t mode)
{
	return ulib_ret(ulib_syscall2(LINUX_SYS_chmod, (long)path, mode));
}

int fchmod(int fd, mode_t mode)
{
	return ulib_ret(ulib_syscall2(LINUX_SYS_fchmod, fd, mode));
}

int fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{
	/* Linux cannot change a symbolic link's mode: only flags 0 is served. */
	if (flags != 0) {
		errno = flags == AT_SYMLINK_NOFOLLOW ? ENOTSUP : EINVAL;
		return -1;
	}
	return ulib_ret(
	        ulib_syscall3(LINUX_SYS_fchmodat, ulib_dirfd_to_linux(dirfd), (long)path, mode));
}

int utimensat(int dirfd, const char *path, const struct timespec *times, int flags)
{
	long lflags;

	if (atflags(flags, &lflags) < 0)
		return -1;
	return ulib_ret(ulib_syscall4(LINUX_SYS_utimensat, ulib_dirfd_to_linux(dirfd), (long)path,
	                              (long)times, lflags));
}

/* Linux's utimensat with a null path changes the file (fd) itself. */
int futimens(int fd, const struct timespec *times)
{
	return ulib_ret(ulib_syscall4(LINUX_SYS_utimensat, fd, 0, (long)times, 0));
}

int statfs(const char *path, struct statfs *buf)
{
	return ulib_ret(ulib_syscall2(LINUX_SYS_statfs, (long)path, (long)buf));
}

int fstatfs(int fd, struct statfs *buf)
{
	return ulib_ret(ulib_syscall2(LINUX_SYS_fstatfs, fd, (long)buf));
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	return ulib_ret(ulib_syscall4(LINUX_SYS_pread64, fd, (long)buf, (long)n, off));
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	return ulib_ret(ulib_syscall4(LINUX_SYS_pwrite64, fd, (long)buf, (long)n, off));
}

ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	return ulib_ret(ulib_syscall3(LINUX_SYS_readv, fd, (long)iov, iovcnt));
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	return ulib_ret(ulib_syscall3(LINUX_SYS_writev, fd, (long)iov, iovcnt));
}

/* A directory stream: the descriptor and the getdents64 records not yet handed out. */
struct __dirstream {
	int fd;
	size_t pos; /* next record in buf */
	size_t len; /* bytes of records in buf */
	_Alignas(8) char buf[4096];
};

DIR *fdopendir(int fd)
{
	struct linux_stat ls;
	long r = ulib_syscall2(LINUX_SYS_fstat, fd, (long)&ls);
	DIR *dir;

	if (r < 0) {
		ulib_ret(r);
		return NULL;
	}
	if ((ls.st_mode & S_IFMT) != S_IFDIR) {
		errno = ENOTDIR;
		return NULL;
	}
	dir = malloc(sizeof(*dir));
	if (dir == NULL)
		return NULL; /* errno ENOMEM */
	dir->fd = fd;
	dir->pos = 0;
	dir->len = 0;
	return dir;
}

DIR *opendir(const char *path)
{
	long fd = ulib_syscall3(LINUX_SYS_open, (long)path,
	                        LINUX_O_RDONLY | LINUX_O_DIRECTORY | LINUX_O_CLOEXEC, 0);
	DIR *dir;

	if (fd < 0) {
		ulib_ret(fd);
		return NULL;
	}
	dir = fdopendir((int)fd);
	if (dir == NULL)
		ulib_syscall1(LINUX_SYS_close, fd);
	return dir;
}

struct dirent *readdir(DIR *dir)
{
	struct dirent *de;
	long r;

	if (dir->pos >= dir->len) {
		r = ulib_syscall3(LINUX_SYS_getdents64, dir->fd, (long)dir->buf, sizeof(dir->buf));
		if (r <= 0) {
			ulib_ret(r); /* 0 is the end: errno unchanged */
			return NULL;
		}
		dir->pos = 0;
		dir->len = (size_t)r;
	}
	de = (struct dirent *)(dir->buf + dir->pos);
	if (de->d_reclen <= offsetof(struct dirent, d_name) || de->d_reclen > dir->len - dir->pos) {
		dir->pos = dir->len; /* a malformed record: drop the rest of the buffer */
		errno = EIO;
		return NULL;
	}
	dir->pos += de->d_reclen;
	return de;
}

void rewinddir(DIR *dir)
{
	ulib_syscall3(LINUX_SYS_lseek, dir->fd, 0, SEEK_SET);
	dir->pos = 0;
	dir->len = 0;
}

int dirfd(DIR *dir)
{
	return dir->fd;
}

int closedir(DIR *dir)
{
	long r = ulib_syscall1(LINUX_SYS_close, dir->fd);

	free(dir);
	return ulib_ret(r);
}
