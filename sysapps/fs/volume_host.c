/* The fs service's host-volume backend: a host directory, strictly contained. */
/*
 * Nodes are host fds: O_PATH ones from lookup, real ones from open.  Every
 * name arrives as a single component (the service walks paths itself) and
 * is opened relative to its parent's fd with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS) and O_NOFOLLOW, so neither
 * "..", an absolute name, a symlink nor a /proc magic link can lead the
 * host outside the volume.  Symlinks are read and resolved by the service
 * inside the guest namespace.  Host-only (Linux system calls).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "backend.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_getdents64
#define SYS_getdents64 217
#endif

#define RESOLVE_STRICT (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

/* Linux errno values equal the host's: the host is Linux. */
static int neg(void)
{
	return -errno;
}

static int open_beneath(int dirfd, const char *name, int flags, unsigned mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC),
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		.resolve = RESOLVE_STRICT,
	};
	long fd;

	if (!name[0] || strchr(name, '/') || strcmp(name, "..") == 0)
		return -EINVAL; /* the service never sends these; refuse anyway */
	fd = syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
	return fd < 0 ? neg() : (int)fd;
}

static int v_lookup(struct fs_mount *m, const struct fs_node *dir, const char *name,
                    struct fs_node *out)
{
	int fd = open_beneath(dir->fd, name, O_PATH, 0);

	if (fd < 0)
		return fd;
	*out = (struct fs_node){ .m = m, .fd = fd };
	return 0;
}

static void v_put(struct fs_mount *m, struct fs_node *n)
{
	(void)m;
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}

static int v_getattr(struct fs_mount *m, const struct fs_node *n, struct ext2_stat *st)
{
	struct stat s;

	(void)m;
	if (fstatat(n->fd, "", &s, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return neg();
	*st = (struct ext2_stat){
		.ino = (uint32_t)s.st_ino,
		.mode = s.st_mode,
		.nlink = (uint32_t)s.st_nlink,
		.uid = 0,
		.gid = 0,
		.size = (uint64_t)s.st_size,
		.blocks = (uint64_t)s.st_blocks,
		.blksize = (uint32_t)s.st_blksize,
		.atime = s.st_atim.tv_sec,
		.mtime = s.st_mtim.tv_sec,
		.ctime = s.st_ctim.tv_sec,
	};
	return 0;
}

static long v_readlink(struct fs_mount *m, const struct fs_node *n, char *buf, size_t len)
{
	ssize_t r;

	(void)m;
	r = readlinkat(n->fd, "", buf, len);
	return r < 0 ? neg() : r;
}

static int v_open(struct fs_mount *m, const struct fs_node *dir, const char *name, int flags,
                  uint32_t mode, struct fs_node *out)
{
	int fd;

	/* Only the flags that mean something here; never O_PATH or O_TMPFILE. */
	flags &= O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_DIRECTORY | O_APPEND;
	flags &= ~O_APPEND; /* the service keeps offsets and appends itself */
	if (strcmp(name, ".") == 0) {
		struct stat s;

		if (fstat(dir->fd, &s))
			return neg();
		if (S_ISDIR(s.st_mode)) {
			fd = openat(dir->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		} else {
			/* A file volume's root: reopen that very inode through its
			 * /proc magic link (no name is resolved). */
			char proc[64];

			if (flags & O_DIRECTORY)
				return -ENOTDIR;
			snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dir->fd);
			fd = open(proc, (flags & (O_ACCMODE | O_TRUNC)) | O_NONBLOCK | O_CLOEXEC);
		}
		if (fd < 0)
			return neg();
	} else {
		/* O_NONBLOCK: a FIFO the host left here must not block the service. */
		fd = open_beneath(dir->fd, name, flags | O_NONBLOCK, mode & 07777);
	}
	if (fd < 0)
		return fd;
	*out = (struct fs_node){ .m = m, .fd = fd };
	return 0;
}

static void v_close(struct fs_mount *m, struct fs_node *n)
{
	v_put(m, n);
}

static long v_pread(struct fs_mount *m, const struct fs_node *n, void *buf, size_t len,
                    uint64_t off)
{
	ssize_t r;

	(void)m;
	r = pread(n->fd, buf, len, (off_t)off);
	return r < 0 ? neg() : r;
}

static long v_pwrite(struct fs_mount *m, const struct fs_node *n, const void *buf, size_t len,
                     uint64_t off)
{
	ssize_t r;

	(void)m;
	r = pwrite(n->fd, buf, len, (off_t)off);
	return r < 0 ? neg() : r;
}

static int v_truncate(struct fs_mount *m, const struct fs_node *n, uint64_t size)
{
	char proc[64];

	(void)m;
	if (ftruncate(n->fd, (off_t)size) == 0)
		return 0;
	if (errno != EBADF && errno != EINVAL)
		return neg();
	/* An O_PATH node (truncate by path): through its /proc entry. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", n->fd);
	return truncate(proc, (off_t)size) ? neg() : 0;
}

static int v_fsync(struct fs_mount *m, const struct fs_node *n)
{
	(void)m;
	return fsync(n->fd) ? neg() : 0;
}

static int v_readdir(struct fs_mount *m, const struct fs_node *n, uint64_t *cookie,
                     struct ext2_dirent *out)
{
	char buf[4096];
	struct dirent64 *d;
	long got;

	(void)m;
	if (lseek(n->fd, (off_t)*cookie, SEEK_SET) < 0)
		return neg();
	got = syscall(SYS_getdents64, n->fd, buf, sizeof(buf));
	if (got < 0)
		return neg();
	if (got == 0)
		return 0;
	d = (struct dirent64 *)buf;
	out->ino = (uint32_t)d->d_ino;
	out->type = d->d_type;
	{
		size_t nl = strnlen(d->d_name, sizeof(out->name) - 1);

		memcpy(out->name, d->d_name, nl);
		out->name[nl] = 0;
		out->namelen = (uint8_t)nl;
	}
	*cookie = (uint64_t)d->d_off;
	return 1;
}

static int v_mkdir(struct fs_mount *m, const struct fs_node *dir, const char *name, uint32_t mode)
{
	(void)m;
	return mkdirat(dir->fd, name, mode & 07777) ? neg() : 0;
}

static int v_unlink(struct fs_mount *m, const struct fs_node *dir, const char *name, int isdir)
{
	(void)m;
	return unlinkat(dir->fd, name, isdir ? AT_REMOVEDIR : 0) ? neg() : 0;
}

static int v_rename(struct fs_mount *m, const struct fs_node *odir, const char *oname,
                    const struct fs_node *ndir, const char *nname)
{
	(void)m;
	return renameat(odir->fd, oname, ndir->fd, nname) ? neg() : 0;
}

static int v_link(struct fs_mount *m, const struct fs_node *odir, const char *oname,
                  const struct fs_node *ndir, const char *nname)
{
	(void)m;
	/* No AT_SYMLINK_FOLLOW: a link to a symlink links the symlink itself. */
	return linkat(odir->fd, oname, ndir->fd, nname, 0) ? neg() : 0;
}

static int v_symlink(struct fs_mount *m, const struct fs_node *dir, const char *name,
                     const char *target)
{
	(void)m;
	return symlinkat(target, dir->fd, name) ? neg() : 0;
}

static int v_setattr(struct fs_mount *m, const struct fs_node *n, const struct ext2_attr *a)
{
	char proc[64];
	struct stat s;

	(void)m;
	if (fstatat(n->fd, "", &s, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return neg();
	if (S_ISLNK(s.st_mode))
		return -EOPNOTSUPP;
	/* The fd's own file through its /proc entry: fchmod needs a real fd. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", n->fd);
	if ((a->mask & EXT2_SET_MODE) && chmod(proc, a->mode & 07777))
		return neg();
	if (a->mask & (EXT2_SET_ATIME | EXT2_SET_MTIME)) {
		struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } };

		if (a->mask & EXT2_SET_ATIME)
			ts[0] = (struct timespec){ .tv_sec = a->atime };
		if (a->mask & EXT2_SET_MTIME)
			ts[1] = (struct timespec){ .tv_sec = a->mtime };
		if (utimensat(AT_FDCWD, proc, ts, 0))
			return neg();
	}
	return 0;
}

static int v_statfs(struct fs_mount *m, struct ext2_statfs *out)
{
	struct statfs f;

	if (fstatfs(m->root.fd, &f))
		return neg();
	*out = (struct ext2_statfs){ .bsize = (uint32_t)f.f_bsize,
		                     .blocks = f.f_blocks,
		                     .bfree = f.f_bfree,
		                     .bavail = f.f_bavail,
		                     .files = f.f_files,
		                     .ffree = f.f_ffree,
		                     .namemax = (uint32_t)f.f_namelen };
	return 0;
}

static void v_unmount(struct fs_mount *m)
{
	if (m->root.fd >= 0)
		close(m->root.fd);
	m->root.fd = -1;
}

static const struct fs_backend volume_backend = {
	.lookup = v_lookup,
	.put = v_put,
	.getattr = v_getattr,
	.readlink = v_readlink,
	.open = v_open,
	.close = v_close,
	.pread = v_pread,
	.pwrite = v_pwrite,
	.truncate = v_truncate,
	.fsync = v_fsync,
	.readdir = v_readdir,
	.mkdir = v_mkdir,
	.unlink = v_unlink,
	.rename = v_rename,
	.link = v_link,
	.symlink = v_symlink,
	.setattr = v_setattr,
	.statfs = v_statfs,
	.unmount = v_unmount,
};

int fs_volume_mount(struct fs_mount *m, const char *hostdir, int readonly)
{
	int fd = open(hostdir, O_PATH | O_CLOEXEC);
	struct stat s;

	if (fd < 0)
		return neg();
	if (fstat(fd, &s) || !(S_ISDIR(s.st_mode) || S_ISREG(s.st_mode))) {
		close(fd);
		return -ENOTDIR;
	}
	m->ops = &volume_backend;
	m->readonly = readonly;
	m->confine_links = 1;
	m->root = (struct fs_node){ .m = m, .ino = 0, .fd = fd };
	return 0;
}
