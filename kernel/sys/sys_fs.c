/* File-system calls: forwarded to the fs component as ring requests. */
/*
 * The kernel resolves descriptors (a dirfd or AT_FDCWD to a host handle,
 * an fd to its open file) and forwards the rest untouched: paths and
 * buffers stay user addresses that the fs component reads through the
 * caller's page tables.  Ring 0 copies nothing.  Without a file system
 * (no --disk or --volume) every call here answers ENOENT or EBADF.
 */
#include <fd/file.h>
#include <fd/remote.h>
#include <fd/shm.h>
#include <hal/uaccess.h>
#include <proc/proc.h>
#include <sys/syscall.h>

/* The handle a *at() call resolves relative paths against (0: a bad one). */
static uint64_t dir_handle(long dirfd)
{
	struct file *f;

	if ((int)dirfd == LINUX_AT_FDCWD)
		return proc_current->cwd ? remote_handle(proc_current->cwd) : NANVIX_FS_ROOT;
	f = fd_get((int)dirfd);
	return f ? remote_handle(f) : 0;
}

static long call(uint16_t op, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	uint64_t a[5] = { a1, a2, a3, a4, a5 };

	if (!remote_active())
		return -LINUX_ENOENT;
	return remote_call(op, a, NULL);
}

/* The handle of an open fd, or -EBADF (not open), -EINVAL (not a disk file). */
static long fd_handle(long fd, uint64_t *h)
{
	struct file *f = fd_get((int)fd);

	if (!f)
		return -LINUX_EBADF;
	*h = remote_handle(f);
	return *h ? 0 : -LINUX_EINVAL;
}

/* A call on an open fd's handle: op(h, b, c, d), or fd_handle's error. */
static long fd_call(uint16_t op, long fd, uint64_t b, uint64_t c, uint64_t d)
{
	uint64_t h;
	long rc = fd_handle(fd, &h);

	return rc ? rc : call(op, h, b, c, d, 0);
}

long sys_fs_fstat(struct file *f, uint64_t ubuf)
{
	return call(NANVIX_FS_FSTATAT, remote_handle(f), 0, ubuf, 0, 0);
}

long sys_fs_lseek(struct file *f, long off, long whence)
{
	uint64_t a[5] = { remote_handle(f), (uint64_t)off, (uint64_t)whence };
	uint64_t pos;
	long rc = remote_call(NANVIX_FS_LSEEK, a, &pos);

	return rc < 0 ? rc : (long)pos;
}

long fs_open(long dirfd, uint64_t upath, long flags, long mode)
{
	uint64_t a[5] = { dir_handle(dirfd), upath, (uint64_t)flags,
		          (uint64_t)mode & ~(uint64_t)proc_current->umask };
	uint64_t h;
	struct file *f;
	long rc;

	if (!remote_active())
		return -LINUX_ENOENT;
	rc = remote_call(NANVIX_FS_OPEN, a, &h);
	if (rc < 0)
		return rc;
	f = remote_file(h & ~NANVIX_FS_OPEN_DIR,
	                (uint32_t)flags & (LINUX_O_ACCMODE | LINUX_O_NONBLOCK | LINUX_O_APPEND),
	                !!(h & NANVIX_FS_OPEN_DIR));
	if (!f)
		return -LINUX_ENOMEM;
	return fd_install(f, 0, -1, flags & LINUX_O_CLOEXEC);
}

/*
 * pread64/pwrite64 of a seekable kernel file (/dev/shm, memfd): at `off`,
 * the file offset left as it was.  Ring 0 is never preempted, so no other
 * call sees the offset moved.
 */
static long kernel_positional(struct file *f, bool write, uint64_t buf, uint64_t len, long off)
{
	long cur = f->ops->lseek(f, 0, LINUX_SEEK_CUR), rc;

	if (cur < 0)
		return cur;
	rc = f->ops->lseek(f, off, LINUX_SEEK_SET);
	if (rc >= 0)
		rc = write ? f->ops->write(f, buf, len) : f->ops->read(f, buf, len);
	f->ops->lseek(f, cur, LINUX_SEEK_SET);
	return rc;
}

/* pread64/pwrite64: ESPIPE for an fd that is neither a disk file nor a seekable kernel file. */
static long fd_positional(uint16_t op, long fd, uint64_t buf, uint64_t len, long off)
{
	uint64_t h;
	long rc = fd_handle(fd, &h);
	struct file *f;

	if (rc == -LINUX_EINVAL && (f = fd_get(fd)) && f->ops->seekable && f->ops->lseek &&
	    (op == NANVIX_FS_PREAD ? f->ops->read : f->ops->write)) {
		if (off < 0)
			return -LINUX_EINVAL;
		return kernel_positional(f, op == NANVIX_FS_PWRITE, buf, len, off);
	}
	if (rc)
		return rc == -LINUX_EINVAL ? -LINUX_ESPIPE : rc;
	if (off < 0)
		return -LINUX_EINVAL;
	return call(op, h, buf, len, (uint64_t)off, 0);
}

long sys_pread64(SYSCALL_ARGS)
{
	return fd_positional(NANVIX_FS_PREAD, a0, a1, a2, a3);
}

long sys_pwrite64(SYSCALL_ARGS)
{
	return fd_positional(NANVIX_FS_PWRITE, a0, a1, a2, a3);
}

long sys_getdents64(SYSCALL_ARGS)
{
	uint64_t h;
	long rc = fd_handle(a0, &h);

	if (rc)
		return rc == -LINUX_EINVAL ? -LINUX_ENOTDIR : rc;
	return call(NANVIX_FS_GETDENTS, h, a1, a2, 0, 0);
}

long sys_fsync(SYSCALL_ARGS)
{
	return fd_call(NANVIX_FS_FSYNC, a0, 0, 0, 0);
}

long sys_fdatasync(SYSCALL_ARGS)
{
	return fd_call(NANVIX_FS_FSYNC, a0, 1, 0, 0);
}

long sys_truncate(SYSCALL_ARGS)
{
	return call(NANVIX_FS_TRUNCATE, dir_handle(LINUX_AT_FDCWD), a0, a1, 0, 0);
}

long sys_ftruncate(SYSCALL_ARGS)
{
	struct file *f = fd_get((int)a0);

	if (f && f->ops->truncate) {
		if ((f->flags & LINUX_O_ACCMODE) == LINUX_O_RDONLY)
			return -LINUX_EINVAL; /* as Linux: not open for writing */
		return a1 < 0 ? -LINUX_EINVAL : f->ops->truncate(f, (uint64_t)a1);
	}
	return fd_call(NANVIX_FS_TRUNCATE, a0, 0, a1, 0);
}

long sys_getcwd(SYSCALL_ARGS)
{
	if (!remote_active())
		return a1 < 2 ? -LINUX_ERANGE : copy_to_user(a0, "/", 2) ? -LINUX_EFAULT : 2;
	return call(NANVIX_FS_GETPATH, dir_handle(LINUX_AT_FDCWD), a0, a1, 0, 0);
}

static long set_cwd(struct file *f)
{
	if (proc_current->cwd)
		file_put(proc_current->cwd);
	proc_current->cwd = f;
	return 0;
}

long sys_chdir(SYSCALL_ARGS)
{
	long fd = fs_open(LINUX_AT_FDCWD, a0, LINUX_O_RDONLY | LINUX_O_DIRECTORY, 0);
	struct file *f;

	if (fd < 0)
		return fd;
	f = fd_get(fd);
	file_get(f);
	fd_close(fd);
	return set_cwd(f);
}

long sys_fchdir(SYSCALL_ARGS)
{
	struct file *f = fd_get(a0);

	if (!f)
		return -LINUX_EBADF;
	if (!remote_is_dir(f))
		return -LINUX_ENOTDIR;
	file_get(f);
	return set_cwd(f);
}

long sys_mkdir(SYSCALL_ARGS)
{
	return call(NANVIX_FS_MKDIR, dir_handle(LINUX_AT_FDCWD), a0,
	            (uint64_t)a1 & ~(uint64_t)proc_current->umask, 0, 0);
}

long sys_mkdirat(SYSCALL_ARGS)
{
	return call(NANVIX_FS_MKDIR, dir_handle(a0), a1,
	            (uint64_t)a2 & ~(uint64_t)proc_current->umask, 0, 0);
}

long sys_rmdir(SYSCALL_ARGS)
{
	return call(NANVIX_FS_UNLINK, dir_handle(LINUX_AT_FDCWD), a0, LINUX_AT_REMOVEDIR, 0, 0);
}

/*
 * The name of a path under /dev/shm (fd/shm.c) into buf (room for
 * SHM_NAME_MAX + 2 bytes), after SHM_DIR: 1; 0 for any other path (only
 * its first bytes are copied into ring 0); or -errno.
 */
static long shm_path(uint64_t upath, char *buf)
{
	size_t i;

	for (i = 0; i < SHM_DIR_LEN; i++) {
		if (copy_from_user(&buf[i], upath + i, 1))
			return -LINUX_EFAULT;
		if (buf[i] != SHM_DIR[i])
			return 0;
	}
	for (i = 0; i < SHM_NAME_MAX + 2; i++) {
		if (copy_from_user(&buf[i], upath + SHM_DIR_LEN + i, 1))
			return -LINUX_EFAULT;
		if (buf[i] == '\0')
			return 1;
	}
	return -LINUX_ENAMETOOLONG;
}

long sys_unlink(SYSCALL_ARGS)
{
	return sys_unlinkat(LINUX_AT_FDCWD, a0, 0, 0, 0, 0);
}

long sys_unlinkat(SYSCALL_ARGS)
{
	char name[SHM_NAME_MAX + 2];
	long rc = shm_path((uint64_t)a1, name);

	if (rc)
		return rc < 0 ? rc : a2 ? -LINUX_ENOTDIR : shm_unlink(name);
	return call(NANVIX_FS_UNLINK, dir_handle(a0), a1, a2, 0, 0);
}

long sys_rename(SYSCALL_ARGS)
{
	uint64_t cwd = dir_handle(LINUX_AT_FDCWD);

	return call(NANVIX_FS_RENAME, cwd, a0, cwd, a1, 0);
}

long sys_renameat(SYSCALL_ARGS)
{
	return call(NANVIX_FS_RENAME, dir_handle(a0), a1, dir_handle(a2), a3, 0);
}

long sys_renameat2(SYSCALL_ARGS)
{
	if (a4)
		return -LINUX_EINVAL; /* RENAME_NOREPLACE/EXCHANGE: not served */
	return call(NANVIX_FS_RENAME, dir_handle(a0), a1, dir_handle(a2), a3, 0);
}

long sys_link(SYSCALL_ARGS)
{
	return sys_linkat(LINUX_AT_FDCWD, a0, LINUX_AT_FDCWD, a1, 0, 0);
}

long sys_linkat(SYSCALL_ARGS)
{
	char old[SHM_NAME_MAX + 2], new[SHM_NAME_MAX + 2];
	long rc = shm_path((uint64_t)a1, old), rc2 = shm_path((uint64_t)a3, new);

	if (rc < 0 || rc2 < 0)
		return rc < 0 ? rc : rc2;
	if (rc && rc2)
		return shm_link(old, new);
	if (rc || rc2)
		return -LINUX_EXDEV; /* /dev/shm is a file system of its own */
	return call(NANVIX_FS_LINK, dir_handle(a0), a1, dir_handle(a2), a3, a4);
}

long sys_symlink(SYSCALL_ARGS)
{
	return call(NANVIX_FS_SYMLINK, dir_handle(LINUX_AT_FDCWD), a1, a0, 0, 0);
}

long sys_symlinkat(SYSCALL_ARGS)
{
	return call(NANVIX_FS_SYMLINK, dir_handle(a1), a2, a0, 0, 0);
}

long sys_readlink(SYSCALL_ARGS)
{
	if (a2 <= 0)
		return -LINUX_EINVAL;
	return call(NANVIX_FS_READLINK, dir_handle(LINUX_AT_FDCWD), a0, a1, a2, 0);
}

long sys_readlinkat(SYSCALL_ARGS)
{
	if (a3 <= 0)
		return -LINUX_EINVAL;
	return call(NANVIX_FS_READLINK, dir_handle(a0), a1, a2, a3, 0);
}

long sys_stat(SYSCALL_ARGS)
{
	return call(NANVIX_FS_FSTATAT, dir_handle(LINUX_AT_FDCWD), a0, a1, 0, 0);
}

long sys_lstat(SYSCALL_ARGS)
{
	return call(NANVIX_FS_FSTATAT, dir_handle(LINUX_AT_FDCWD), a0, a1,
	            LINUX_AT_SYMLINK_NOFOLLOW, 0);
}

long sys_newfstatat(SYSCALL_ARGS)
{
	/* fstatat(fd, "", AT_EMPTY_PATH) on a console or pipe: the fstat answer. */
	if ((a3 & LINUX_AT_EMPTY_PATH) && (int)a0 != LINUX_AT_FDCWD && fd_get(a0) &&
	    !remote_handle(fd_get(a0))) {
		char c;

		if (!copy_from_user(&c, a1, 1) && c == 0)
			return sys_fstat(a0, a2, 0, 0, 0, 0);
	}
	return call(NANVIX_FS_FSTATAT, dir_handle(a0), a1, a2, a3, 0);
}

long sys_statx(SYSCALL_ARGS)
{
	return call(NANVIX_FS_STATX, dir_handle(a0), a1, a2, a3, a4);
}

long sys_access(SYSCALL_ARGS)
{
	return call(NANVIX_FS_ACCESS, dir_handle(LINUX_AT_FDCWD), a0, a1, 0, 0);
}

long sys_faccessat(SYSCALL_ARGS)
{
	return call(NANVIX_FS_ACCESS, dir_handle(a0), a1, a2, 0, 0);
}

long sys_faccessat2(SYSCALL_ARGS)
{
	return call(NANVIX_FS_ACCESS, dir_handle(a0), a1, a2, a3, 0);
}

long sys_chmod(SYSCALL_ARGS)
{
	return call(NANVIX_FS_CHMOD, dir_handle(LINUX_AT_FDCWD), a0, a1, 0, 0);
}

long sys_fchmod(SYSCALL_ARGS)
{
	return fd_call(NANVIX_FS_CHMOD, a0, 0, a1, 0);
}

long sys_fchmodat(SYSCALL_ARGS)
{
	return call(NANVIX_FS_CHMOD, dir_handle(a0), a1, a2, a3, 0);
}

long sys_utimensat(SYSCALL_ARGS)
{
	/* A NULL path (futimens) names the fd itself. */
	if (!a1)
		return fd_call(NANVIX_FS_UTIMENS, a0, 0, a2, a3);
	return call(NANVIX_FS_UTIMENS, dir_handle(a0), a1, a2, a3, 0);
}

long sys_statfs(SYSCALL_ARGS)
{
	return call(NANVIX_FS_STATFS, dir_handle(LINUX_AT_FDCWD), a0, a1, 0, 0);
}

long sys_fstatfs(SYSCALL_ARGS)
{
	return fd_call(NANVIX_FS_STATFS, a0, 0, a1, 0);
}

long sys_creat(SYSCALL_ARGS)
{
	return fs_open(LINUX_AT_FDCWD, a0, LINUX_O_CREAT | LINUX_O_WRONLY | LINUX_O_TRUNC, a1);
}
