/* What the fs service asks of a mounted file system (private to sysapps/fs). */
#ifndef FS_BACKEND_H
#define FS_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include <fs/ext2.h>
#include <fs/service.h>

struct fs_mount;

/*
 * A file-system object: an inode number (ext2) or a host fd (volumes: an
 * O_PATH fd from lookup, or an fd open for I/O from open).  Who holds a
 * node drops it with put().
 */
struct fs_node {
	struct fs_mount *m;
	uint32_t ino;
	int fd;
	uint64_t hino; /* a size-limited volume's: the host inode counted open (0: none) */
};

/*
 * Every name handed to a backend is one component: no '/', never "" or
 * "..", and "." only where documented.  The service has already checked
 * that the mount is writable for calls that modify.  Attribute records
 * reuse the ext2 structures.  All return 0 / a count, or -errno (Linux).
 */
struct fs_backend {
	int (*lookup)(struct fs_mount *m, const struct fs_node *dir, const char *name,
	              struct fs_node *out);
	void (*put)(struct fs_mount *m, struct fs_node *n);
	int (*getattr)(struct fs_mount *m, const struct fs_node *n, struct ext2_stat *st);
	long (*readlink)(struct fs_mount *m, const struct fs_node *n, char *buf, size_t len);
	/* Open (creating per O_CREAT/O_EXCL, truncating per O_TRUNC) `name` in
	 * `dir` for I/O; name "." opens `dir` itself.  Never follows a symlink. */
	int (*open)(struct fs_mount *m, const struct fs_node *dir, const char *name, int flags,
	            uint32_t mode, struct fs_node *out);
	/* Drop a node open() returned (the file stays alive while one is open). */
	void (*close)(struct fs_mount *m, struct fs_node *n);
	long (*pread)(struct fs_mount *m, const struct fs_node *n, void *buf, size_t len,
	              uint64_t off);
	long (*pwrite)(struct fs_mount *m, const struct fs_node *n, const void *buf, size_t len,
	               uint64_t off);
	int (*truncate)(struct fs_mount *m, const struct fs_node *n, uint64_t size);
	int (*fsync)(struct fs_mount *m, const struct fs_node *n);
	/* 1 and an entry, 0 at the end; *cookie advances. */
	int (*readdir)(struct fs_mount *m, const struct fs_node *n, uint64_t *cookie,
	               struct ext2_dirent *out);
	int (*mkdir)(struct fs_mount *m, const struct fs_node *dir, const char *name,
	             uint32_t mode);
	int (*unlink)(struct fs_mount *m, const struct fs_node *dir, const char *name, int isdir);
	int (*rename)(struct fs_mount *m, const struct fs_node *odir, const char *oname,
	              const struct fs_node *ndir, const char *nname);
	int (*link)(struct fs_mount *m, const struct fs_node *odir, const char *oname,
	            const struct fs_node *ndir, const char *nname);
	int (*symlink)(struct fs_mount *m, const struct fs_node *dir, const char *name,
	               const char *target);
	int (*setattr)(struct fs_mount *m, const struct fs_node *n, const struct ext2_attr *a);
	int (*statfs)(struct fs_mount *m, struct ext2_statfs *out);
	void (*unmount)(struct fs_mount *m);
};

/* A mount: where it sits in the namespace and its backend. */
struct fs_mount {
	const struct fs_backend *ops;
	char at[256]; /* canonical absolute path; "/" for the root */
	int readonly;
	/* Symlinks made here must stay inside: host tools follow them too. */
	int confine_links;
	struct fs_node root;
	void *priv;   /* the backend's: struct ext2 *, or the volume's state */
	uint64_t dev; /* st_dev the guest sees */
};

/* Fill `m` for an ext2 disk (fs/backend_ext2.c); 0 or -errno. */
int fs_ext2_mount(struct fs_mount *m, const struct blkdev *dev, int readonly);

/*
 * Fill `m` for the host directory or regular file `hostdir`
 * (fs/volume_host.c); 0, -ENOTDIR for anything else, or -errno.  A file
 * volume's root is the file: open(root, ".") opens the file itself.
 */
int fs_volume_mount(struct fs_mount *m, const char *hostdir, int readonly);

/*
 * Bound what the guest may store in the volume `m`, which must be an empty
 * writable directory (fs/volume_host.c): `max_bytes` of allocated blocks
 * and one name per 4 KiB of it (at least 256), as a tmpfs with size= would
 * (ENOSPC past either; a write that does not fit is cut short).  0, or
 * -ENOTEMPTY, -ENOTDIR, -EROFS, -ENOMEM, -EINVAL (0 bytes).
 */
int fs_volume_limit(struct fs_mount *m, uint64_t max_bytes);

/* A limited volume's bytes held and its limit: 0; -1 for any other mount. */
int fs_volume_usage(const struct fs_mount *m, uint64_t *used, uint64_t *max);

/*
 * A synthetic read-only directory (the root when there is no disk, or a
 * missing parent of a mount point): lists the mounts directly beneath m->at.
 */
int fs_vroot_mount(struct fs_mount *m, struct fs_service *s);

#endif /* FS_BACKEND_H */
