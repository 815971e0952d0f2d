/* The fs service's ext2 backend: nodes are inode numbers of one struct ext2. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <abi/linux.h>

#include "backend.h"

#define FS(m) ((struct ext2 *)(m)->priv)

static int e_lookup(struct fs_mount *m, const struct fs_node *dir, const char *name,
                    struct fs_node *out)
{
	uint32_t ino;
	int rc = ext2_lookup(FS(m), dir->ino, name, strlen(name), &ino);

	if (rc)
		return rc;
	*out = (struct fs_node){ .m = m, .ino = ino, .fd = -1 };
	return 0;
}

static void e_put(struct fs_mount *m, struct fs_node *n)
{
	(void)m;
	n->ino = 0;
}

static int e_getattr(struct fs_mount *m, const struct fs_node *n, struct ext2_stat *st)
{
	return ext2_stat(FS(m), n->ino, st);
}

static long e_readlink(struct fs_mount *m, const struct fs_node *n, char *buf, size_t len)
{
	return ext2_readlink(FS(m), n->ino, buf, len);
}

static int e_open(struct fs_mount *m, const struct fs_node *dir, const char *name, int flags,
                  uint32_t mode, struct fs_node *out)
{
	struct ext2_stat st;
	uint32_t ino;
	int rc = ext2_lookup(FS(m), dir->ino, name, strlen(name), &ino);

	if (rc == -LINUX_ENOENT && (flags & LINUX_O_CREAT)) {
		rc = ext2_create(FS(m), dir->ino, name, strlen(name),
		                 LINUX_S_IFREG | (mode & 07777), 0, 0, &ino);
		if (rc)
			return rc;
	} else if (rc) {
		return rc;
	} else if ((flags & (LINUX_O_CREAT | LINUX_O_EXCL)) == (LINUX_O_CREAT | LINUX_O_EXCL)) {
		return -LINUX_EEXIST;
	}
	rc = ext2_stat(FS(m), ino, &st);
	if (rc)
		return rc;
	if ((st.mode & LINUX_S_IFMT) == LINUX_S_IFLNK)
		return -LINUX_ELOOP;
	/* O_CREAT on a directory is EISDIR even read-only, as on Linux. */
	if ((st.mode & LINUX_S_IFMT) == LINUX_S_IFDIR &&
	    (flags & (LINUX_O_ACCMODE | LINUX_O_CREAT)))
		return -LINUX_EISDIR;
	if ((flags & LINUX_O_DIRECTORY) && (st.mode & LINUX_S_IFMT) != LINUX_S_IFDIR)
		return -LINUX_ENOTDIR;
	if ((flags & LINUX_O_TRUNC) && (flags & LINUX_O_ACCMODE) &&
	    (st.mode & LINUX_S_IFMT) == LINUX_S_IFREG) {
		rc = ext2_truncate(FS(m), ino, 0);
		if (rc)
			return rc;
	}
	ext2_hold(FS(m), ino);
	*out = (struct fs_node){ .m = m, .ino = ino, .fd = -1 };
	return 0;
}

static void e_close(struct fs_mount *m, struct fs_node *n)
{
	ext2_release(FS(m), n->ino);
	n->ino = 0;
}

static long e_pread(struct fs_mount *m, const struct fs_node *n, void *buf, size_t len,
                    uint64_t off)
{
	return ext2_read(FS(m), n->ino, off, buf, len);
}

static long e_pwrite(struct fs_mount *m, const struct fs_node *n, const void *buf, size_t len,
                     uint64_t off)
{
	return ext2_write(FS(m), n->ino, off, buf, len);
}

static int e_truncate(struct fs_mount *m, const struct fs_node *n, uint64_t size)
{
	return ext2_truncate(FS(m), n->ino, size);
}

static int e_fsync(struct fs_mount *m, const struct fs_node *n)
{
	(void)n;
	return ext2_sync(FS(m));
}

static int e_readdir(struct fs_mount *m, const struct fs_node *n, uint64_t *cookie,
                     struct ext2_dirent *out)
{
	return ext2_readdir(FS(m), n->ino, cookie, out);
}

static int e_mkdir(struct fs_mount *m, const struct fs_node *dir, const char *name, uint32_t mode)
{
	uint32_t ino;

	return ext2_create(FS(m), dir->ino, name, strlen(name), LINUX_S_IFDIR | (mode & 07777), 0,
	                   0, &ino);
}

static int e_unlink(struct fs_mount *m, const struct fs_node *dir, const char *name, int isdir)
{
	return isdir ? ext2_rmdir(FS(m), dir->ino, name, strlen(name))
	             : ext2_unlink(FS(m), dir->ino, name, strlen(name));
}

static int e_rename(struct fs_mount *m, const struct fs_node *odir, const char *oname,
                    const struct fs_node *ndir, const char *nname)
{
	return ext2_rename(FS(m), odir->ino, oname, strlen(oname), ndir->ino, nname, strlen(nname));
}

static int e_link(struct fs_mount *m, const struct fs_node *odir, const char *oname,
                  const struct fs_node *ndir, const char *nname)
{
	uint32_t ino;
	int rc = ext2_lookup(FS(m), odir->ino, oname, strlen(oname), &ino);

	return rc ? rc : ext2_link(FS(m), ndir->ino, nname, strlen(nname), ino);
}

static int e_symlink(struct fs_mount *m, const struct fs_node *dir, const char *name,
                     const char *target)
{
	uint32_t ino;

	return ext2_symlink(FS(m), dir->ino, name, strlen(name), target, strlen(target), 0, 0,
	                    &ino);
}

static int e_setattr(struct fs_mount *m, const struct fs_node *n, const struct ext2_attr *a)
{
	return ext2_setattr(FS(m), n->ino, a);
}

static int e_statfs(struct fs_mount *m, struct ext2_statfs *out)
{
	return ext2_statfs(FS(m), out);
}

static void e_unmount(struct fs_mount *m)
{
	ext2_unmount(FS(m));
	m->priv = NULL;
}

static const struct fs_backend ext2_backend = {
	.lookup = e_lookup,
	.put = e_put,
	.getattr = e_getattr,
	.readlink = e_readlink,
	.open = e_open,
	.close = e_close,
	.pread = e_pread,
	.pwrite = e_pwrite,
	.truncate = e_truncate,
	.fsync = e_fsync,
	.readdir = e_readdir,
	.mkdir = e_mkdir,
	.unlink = e_unlink,
	.rename = e_rename,
	.link = e_link,
	.symlink = e_symlink,
	.setattr = e_setattr,
	.statfs = e_statfs,
	.unmount = e_unmount,
};

static int64_t now(void)
{
	return (int64_t)time(NULL);
}

int fs_ext2_mount(struct fs_mount *m, const struct blkdev *dev, int readonly)
{
	struct ext2 *fs;
	int rc = ext2_mount(&fs, dev, readonly, now);

	if (rc)
		return rc;
	m->ops = &ext2_backend;
	m->priv = fs;
	m->readonly = readonly || dev->readonly;
	m->root = (struct fs_node){ .m = m, .ino = EXT2_ROOT_INO, .fd = -1 };
	return 0;
}
