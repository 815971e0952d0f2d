/* ext2, read and write, over a struct blkdev: the on-disk format of our disks. */
#ifndef FS_EXT2_H
#define FS_EXT2_H

/*
 * Inode-level operations; path walking, handles, permission checks and
 * mount points belong to the caller (sysapps/fs/service.c).  Built for the
 * host (macro-kernel, tests) and for the guest (the fs server on newlib),
 * so it uses only <string.h> and <stdlib.h>; every call returns 0 (or a
 * count) or a negative errno with Linux's numbers (the implementation's
 * own literals, sysapps/fs/ext2_disk.h, as newlib's numbers differ).
 *
 * Mounts share no state: several may be used at once.  A mount is not
 * locked: one call at a time on it.
 *
 * Inode numbers given to the calls must be EXT2_ROOT_INO or at least the
 * superblock's first non-reserved inode, up to the inode count (-EINVAL
 * otherwise), and name an inode in use: linked, or unlinked but held
 * (-ENOENT otherwise).  Names are 1..EXT2_NAME_MAX bytes without '/' or
 * NUL (-EINVAL; -ENAMETOOLONG when longer).
 *
 * The image is hostile: every on-disk value (superblock, group descriptors,
 * inode fields, block pointers, directory records, symlink lengths) is
 * checked before use; a corrupt image gives -EIO (or -EUCLEAN at mount),
 * never a crash, a hang or a write outside the device.
 *
 * Formats: revision 0 and 1, 1/2/4 KiB blocks, 128- or 256-byte inodes,
 * direct, single, double and triple indirect blocks; the incompat feature
 * "filetype" is supported; any other incompat feature refuses the mount
 * (-EOPNOTSUPP); unknown ro_compat features other than sparse_super and
 * large_file make the mount read-only.  Writes keep the bitmaps, group and
 * superblock free counts and link counts consistent, so `e2fsck -fn` stays
 * clean after any sequence of successful calls.  Metadata is written
 * through to the device as it changes (nothing is cached but the last
 * indirect blocks read); ext2_sync() flushes the device.
 *
 * Timestamps: creation sets atime, mtime and ctime; writes, truncation and
 * directory changes set mtime and ctime; link count and attribute changes
 * set ctime; ext2_read sets atime "relatime"-style (only when it is not
 * newer than mtime and ctime, or a day old).  Directory listings do not.
 */

#include <stddef.h>
#include <stdint.h>

#include <fs/blkdev.h>

#define EXT2_ROOT_INO    2
#define EXT2_NAME_MAX    255
#define EXT2_LINK_MAX    32000
#define EXT2_SYMLINK_MAX 4095

struct ext2;

struct ext2_stat {
	uint32_t ino;
	uint32_t mode; /* S_IFMT | permission bits, Linux values */
	uint32_t nlink;
	uint32_t uid, gid;
	uint64_t size;
	uint64_t blocks; /* 512-byte units allocated (i_blocks) */
	uint32_t blksize;
	int64_t atime, mtime, ctime; /* seconds */
};

struct ext2_statfs {
	uint32_t bsize;
	uint64_t blocks, bfree, bavail;
	uint64_t files, ffree;
	uint32_t namemax;
};

/* Attribute changes for ext2_setattr: set the fields whose bit is in `mask`. */
#define EXT2_SET_MODE  (1u << 0) /* permission bits only (07777) */
#define EXT2_SET_UID   (1u << 1)
#define EXT2_SET_GID   (1u << 2)
#define EXT2_SET_ATIME (1u << 3)
#define EXT2_SET_MTIME (1u << 4)
struct ext2_attr {
	uint32_t mask;
	uint32_t mode, uid, gid;
	int64_t atime, mtime;
};

/* One directory entry as ext2_readdir returns it. */
struct ext2_dirent {
	uint32_t ino;
	uint8_t type; /* DT_* values: 1 fifo, 2 chr, 4 dir, 6 blk, 8 reg, 10 lnk, 12 sock, 0 unknown */
	uint8_t namelen;
	char name[EXT2_NAME_MAX + 1]; /* NUL-terminated */
};

/*
 * Mount the image on `dev` (read-only when dev->readonly or `readonly`).
 * `now` supplies the time for timestamps (seconds since the epoch); NULL
 * means 0.  `dev` is copied; its ctx must outlive the mount.  Nothing is
 * written at mount.  Returns 0 and *out, or -EUCLEAN (not ext2, or a
 * corrupt superblock or group descriptor), -EOPNOTSUPP (feature, or a
 * revision above 1), -ENOMEM, -EIO.
 */
int ext2_mount(struct ext2 **out, const struct blkdev *dev, int readonly, int64_t (*now)(void));

/*
 * Why ext2_mount said -EOPNOTSUPP: the names of the superblock's features
 * this reader does not support (incompatible ones first, then those that
 * only force a read-only mount), comma-separated in buf[len] (truncated to
 * fit).  Returns their count, or -EUCLEAN (not ext2), -EIO, -EINVAL.
 */
int ext2_unsupported_features(const struct blkdev *dev, char *buf, size_t len);

/* Free the unlinked inodes still held, flush, free the mount (even on
 * error); the device is not closed.  0 or a negative errno. */
int ext2_unmount(struct ext2 *fs);

/* Flush the device (fsync); everything else is already written. */
int ext2_sync(struct ext2 *fs);

/* Sizes and free counts; bavail leaves out the blocks reserved for root. */
int ext2_statfs(struct ext2 *fs, struct ext2_statfs *out);
/* An inode's attributes: 0, -EINVAL, -ENOENT, -EIO. */
int ext2_stat(struct ext2 *fs, uint32_t ino, struct ext2_stat *out);

/* Look `name` (not containing '/', length namelen) up in directory `dir`:
 * 0 and *ino, -ENOENT, -ENOTDIR, -ENAMETOOLONG, -EINVAL, -EIO. "." and
 * ".." work (a removed directory still held has neither). */
int ext2_lookup(struct ext2 *fs, uint32_t dir, const char *name, size_t namelen, uint32_t *ino);

/* Read/write regular-file bytes at `off`; return the count (short at end
 * of file for reads) or a negative errno (-EISDIR for directories, -EINVAL
 * for other non-regular files, -EFBIG past the largest file, -ENOSPC,
 * -EIO: a partial transfer returns what was done first).  Holes read as
 * zeros; writing past the end leaves a hole (sparse).  A call moves at
 * most 0x7ffff000 bytes, as Linux's read(2) does. */
long ext2_read(struct ext2 *fs, uint32_t ino, uint64_t off, void *buf, size_t len);
long ext2_write(struct ext2 *fs, uint32_t ino, uint64_t off, const void *buf, size_t len);

/* Set a regular file's size: shrinking frees the blocks (indirect ones
 * too) and zeroes the rest of the last block, growing leaves a hole.
 * -EISDIR, -EINVAL (not a regular file), -EFBIG. */
int ext2_truncate(struct ext2 *fs, uint32_t ino, uint64_t size);

/*
 * Create `name` in `dir`: a regular file (S_IFREG, also for a type of 0),
 * directory (S_IFDIR, with "." and ".."), or other type given in `mode`
 * (S_IFIFO, S_IFCHR, S_IFBLK with device number 0, S_IFSOCK; S_IFLNK is
 * -EINVAL: see ext2_symlink).  -EEXIST, -ENOSPC, -EMLINK, -ENOTDIR,
 * -ENOENT (`dir` was removed), -EROFS.  *ino receives the new inode.  On
 * failure nothing was allocated.
 */
int ext2_create(struct ext2 *fs, uint32_t dir, const char *name, size_t namelen, uint32_t mode,
                uint32_t uid, uint32_t gid, uint32_t *ino);

/* A symbolic link `name` in `dir` pointing at `target` (fast symlink when
 * shorter than 60 bytes, in the inode; else one data block, so at most
 * block size - 1 and EXT2_SYMLINK_MAX bytes: -ENAMETOOLONG).  An empty
 * target is -ENOENT, one with a NUL -EINVAL; other errors as ext2_create. */
int ext2_symlink(struct ext2 *fs, uint32_t dir, const char *name, size_t namelen,
                 const char *target, size_t targetlen, uint32_t uid, uint32_t gid, uint32_t *ino);

/* Copy a symlink's target into buf (not NUL-terminated, cut at len); the
 * bytes copied, or -EINVAL when `ino` is not a symlink, -EIO. */
long ext2_readlink(struct ext2 *fs, uint32_t ino, char *buf, size_t len);

/* A new name for an existing non-directory inode (-EPERM for directories,
 * -EMLINK at EXT2_LINK_MAX, -ENOENT for an unlinked inode, -EEXIST). */
int ext2_link(struct ext2 *fs, uint32_t dir, const char *name, size_t namelen, uint32_t ino);

/*
 * Remove a name.  ext2_unlink: non-directories (-EISDIR otherwise);
 * ext2_rmdir: empty directories only (-ENOTEMPTY, -ENOTDIR; "." is
 * -EINVAL).  An inode whose link count reaches zero is freed at once unless
 * it is held open (see ext2_hold), in which case it is freed by the last
 * ext2_release (or ext2_unmount); a removed directory loses its blocks at
 * once and reads as empty.
 */
int ext2_unlink(struct ext2 *fs, uint32_t dir, const char *name, size_t namelen);
int ext2_rmdir(struct ext2 *fs, uint32_t dir, const char *name, size_t namelen);

/*
 * rename(2) semantics inside one file system: replaces an existing target
 * (a file by a file, an empty directory by a directory; -EISDIR, -ENOTDIR,
 * -ENOTEMPTY otherwise), fixes ".." of a moved directory and the parents'
 * link counts, refuses moving a directory beneath itself (-EINVAL, as for
 * "." or ".." as either name).  Two names of one inode: nothing happens.
 * -ENOENT, -EMLINK, -ENOSPC (the new name needs a block; then nothing
 * changed), -EIO (also for a ".." cycle in a corrupt image).
 */
int ext2_rename(struct ext2 *fs, uint32_t odir, const char *oname, size_t olen, uint32_t ndir,
                const char *nname, size_t nlen);

/*
 * Directory listing: fills `out` with the entry at position *cookie (0 is
 * the start) and advances *cookie.  Returns 1 for an entry, 0 at the end,
 * or a negative errno (-ENOTDIR, -EIO for a corrupt record, including a
 * name with '/' or NUL).  Includes "." and "..".  The cookie is a byte
 * offset in the directory: it stays valid across changes (an entry removed
 * meanwhile is skipped, none is returned twice).
 */
int ext2_readdir(struct ext2 *fs, uint32_t dir, uint64_t *cookie, struct ext2_dirent *out);

/* Change the attributes in a->mask (-EINVAL for an unknown bit); ctime
 * becomes now. */
int ext2_setattr(struct ext2 *fs, uint32_t ino, const struct ext2_attr *a);

/*
 * Open-file references, counted: an unlinked inode lives while it is held.
 * ext2_hold cannot fail; if memory runs out the reference is not recorded
 * and the inode is not protected.  ext2_release: 0, -EINVAL when not held,
 * or an error freeing the inode.
 */
void ext2_hold(struct ext2 *fs, uint32_t ino);
int ext2_release(struct ext2 *fs, uint32_t ino);

#endif /* FS_EXT2_H */
