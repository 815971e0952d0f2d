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
#include <stdbool.h>
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

/* ---- A size limit (fs_volume_limit): the default /tmp's ---- */
/*
 * The volume starts empty and only the guest writes to it, so what it
 * holds is what the guest made through these calls.  Counted as a tmpfs
 * with size= and nr_inodes= counts: the blocks each inode has allocated
 * (st_blocks), and one slot per name (files, directories, symlinks, hard
 * links, and the root itself) or unlinked inode still open.  An inode's
 * blocks and slot are given back when its last name is gone and no node
 * holds it open (an unlinked file still open keeps its space, as on
 * Linux).  Every inode the volume holds or keeps open has an entry: their
 * number is bounded by the slots.
 */
struct vq_ent {
	uint64_t ino;   /* 0: a free slot */
	uint64_t bytes; /* what this inode counts for */
	uint32_t refs;  /* nodes open on it */
	bool linked;    /* it still has a name */
};

struct vquota {
	uint64_t max_bytes, used;
	uint64_t unit;             /* the host's allocation unit (st_blksize of the root) */
	uint64_t max_names, names; /* slots: names, with the root's */
	uint64_t orphans;          /* and unlinked inodes still open */
	struct vq_ent *tab;        /* open addressing, linear probing; cap a power of 2 */
	size_t cap, count;
};

#define VQ_NAMES_MIN      256
#define VQ_BYTES_PER_NAME 4096

static struct vquota *quota(const struct fs_mount *m)
{
	return m->priv;
}

static size_t vq_slot(const struct vquota *q, uint64_t ino)
{
	return (size_t)((ino * 0x9e3779b97f4a7c15ull) >> 17) & (q->cap - 1);
}

static struct vq_ent *vq_find(struct vquota *q, uint64_t ino)
{
	for (size_t i = vq_slot(q, ino), n = 0; n < q->cap; i = (i + 1) & (q->cap - 1), n++) {
		if (q->tab[i].ino == ino)
			return &q->tab[i];
		if (!q->tab[i].ino)
			return NULL;
	}
	return NULL;
}

/* The entry for `ino`, made (linked, counting nothing yet) when missing; NULL: no memory. */
static struct vq_ent *vq_get(struct vquota *q, uint64_t ino)
{
	struct vq_ent *e = vq_find(q, ino);
	size_t i;

	if (e)
		return e;
	if ((q->count + 1) * 2 > q->cap) {
		struct vquota bigger = *q;

		bigger.cap = q->cap * 2;
		bigger.tab = calloc(bigger.cap, sizeof(*bigger.tab));
		if (!bigger.tab)
			return NULL;
		for (size_t j = 0; j < q->cap; j++) {
			if (!q->tab[j].ino)
				continue;
			for (i = vq_slot(&bigger, q->tab[j].ino); bigger.tab[i].ino;
			     i = (i + 1) & (bigger.cap - 1))
				;
			bigger.tab[i] = q->tab[j];
		}
		free(q->tab);
		*q = bigger;
	}
	for (i = vq_slot(q, ino); q->tab[i].ino; i = (i + 1) & (q->cap - 1))
		;
	q->tab[i] = (struct vq_ent){ .ino = ino, .linked = true };
	q->count++;
	return &q->tab[i];
}

/* Remove an entry, shifting back the ones its slot kept probing past. */
static void vq_del(struct vquota *q, struct vq_ent *e)
{
	size_t i = (size_t)(e - q->tab), j = i;

	q->tab[i].ino = 0;
	q->count--;
	for (;;) {
		size_t home;

		j = (j + 1) & (q->cap - 1);
		if (!q->tab[j].ino)
			return;
		home = vq_slot(q, q->tab[j].ino);
		/* Entry j may move to the hole at i when i lies on its probe path. */
		if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
			q->tab[i] = q->tab[j];
			q->tab[j].ino = 0;
			i = j;
		}
	}
}

/* What `e` now counts for: its inode's allocated blocks. */
static void vq_charge(struct vquota *q, struct vq_ent *e, const struct stat *st)
{
	uint64_t now = (uint64_t)st->st_blocks * 512;

	q->used = q->used - e->bytes + now;
	e->bytes = now;
}

/* An inode without a name and without an open node is gone: its space is free. */
static void vq_release(struct vquota *q, struct vq_ent *e)
{
	if (e->linked || e->refs)
		return;
	q->used -= e->bytes;
	vq_del(q, e);
}

/* Count a node just made on `n->fd` as open; -ENOMEM when it cannot be. */
static int vq_track(struct fs_mount *m, struct fs_node *n)
{
	struct vquota *q = quota(m);
	struct vq_ent *e;
	struct stat st;

	if (!q)
		return 0;
	if (fstat(n->fd, &st))
		return neg();
	if (!(e = vq_get(q, (uint64_t)st.st_ino)))
		return -ENOMEM;
	e->refs++;
	n->hino = (uint64_t)st.st_ino;
	vq_charge(q, e, &st);
	return 0;
}

static void vq_untrack(struct fs_mount *m, struct fs_node *n)
{
	struct vquota *q = quota(m);
	struct vq_ent *e;

	if (!q || !n->hino)
		return;
	e = vq_find(q, n->hino);
	n->hino = 0;
	if (e && e->refs) {
		if (!--e->refs && !e->linked)
			q->orphans--;
		vq_release(q, e);
	}
}

/* After a call that may have changed what the inode on `fd` holds. */
static void vq_recount(struct fs_mount *m, int fd)
{
	struct vquota *q = quota(m);
	struct vq_ent *e;
	struct stat st;

	if (q && fstat(fd, &st) == 0 && (e = vq_find(q, (uint64_t)st.st_ino)))
		vq_charge(q, e, &st);
}

/* Room for one more name, else -ENOSPC (before anything is made). */
static int vq_name_room(const struct fs_mount *m)
{
	const struct vquota *q = quota(m);

	return q && q->names + q->orphans >= q->max_names ? -ENOSPC : 0;
}

/* A name `name` in `dir` was made (mkdir, symlink, link): count it and its inode. */
static int vq_named(struct fs_mount *m, const struct fs_node *dir, const char *name)
{
	struct vquota *q = quota(m);
	struct vq_ent *e;
	struct stat st;

	if (!q)
		return 0;
	q->names++;
	if (fstatat(dir->fd, name, &st, AT_SYMLINK_NOFOLLOW))
		return 0; /* counted at its next open */
	if (!(e = vq_get(q, (uint64_t)st.st_ino)))
		return -ENOMEM;
	e->linked = true;
	vq_charge(q, e, &st);
	return 0;
}

/* The name `st` described is gone (unlink, rmdir, rename over it). */
static void vq_unnamed(struct fs_mount *m, const struct stat *st)
{
	struct vquota *q = quota(m);
	struct vq_ent *e;

	if (!q)
		return;
	if (q->names)
		q->names--;
	/* Its inode's last name: a directory has one, a file st_nlink. */
	if ((S_ISDIR(st->st_mode) || st->st_nlink <= 1) && (e = vq_find(q, (uint64_t)st->st_ino)) &&
	    e->linked) {
		e->linked = false;
		if (e->refs)
			q->orphans++;
		vq_release(q, e);
	}
}

/*
 * How much of a write of `len` bytes at `off` fits: all of it when the
 * blocks it would newly allocate fit in what is left, else the part up to
 * the first block that does not (0: none, ENOSPC).  Blocks already
 * allocated cost nothing: the holes in the range are found with
 * SEEK_DATA/SEEK_HOLE, a walk bounded by the range's extents.
 */
static size_t vq_room(const struct vquota *q, int fd, uint64_t off, size_t len)
{
	uint64_t unit = q->unit, left, first, end, pos, eof, holes = 0;
	struct stat st;

	left = q->used < q->max_bytes ? (q->max_bytes - q->used) / unit : 0;
	first = off / unit * unit;
	if (off + len < off || off + len > UINT64_MAX - unit)
		return len; /* pwrite gives EFBIG/EINVAL */
	end = (off + len + unit - 1) / unit * unit;
	if ((end - first) / unit <= left)
		return len;
	if (fstat(fd, &st))
		return len; /* pwrite gives the error */
	eof = ((uint64_t)st.st_size + unit - 1) / unit * unit;
	for (pos = first; pos < end;) {
		uint64_t next = end;
		off_t r;

		if (pos < eof && (r = lseek(fd, (off_t)pos, SEEK_DATA)) >= 0 &&
		    (uint64_t)r / unit * unit <= pos) {
			/* Data: skip to the next hole. */
			r = lseek(fd, (off_t)pos, SEEK_HOLE);
			if (r >= 0 && (uint64_t)r > pos)
				next = ((uint64_t)r + unit - 1) / unit * unit;
			else
				next = pos + unit;
			pos = next < end ? next : end;
			continue;
		}
		/* A hole up to the next data (or to the end). */
		if (pos < eof && (r = lseek(fd, (off_t)pos, SEEK_DATA)) >= 0)
			next = (uint64_t)r / unit * unit;
		if (next > end)
			next = end;
		if (holes + (next - pos) / unit > left) {
			uint64_t cut = pos + (left - holes) * unit;

			return cut > off ? (size_t)(cut - off < len ? cut - off : len) : 0;
		}
		holes += (next - pos) / unit;
		pos = next;
	}
	return len;
}

/* A node on the new fd `fd` (closed on failure). */
static int node_made(struct fs_mount *m, int fd, struct fs_node *out)
{
	struct fs_node n = { .m = m, .fd = fd };
	int rc = vq_track(m, &n);

	if (rc) {
		close(fd);
		return rc;
	}
	*out = n;
	return 0;
}

static int v_lookup(struct fs_mount *m, const struct fs_node *dir, const char *name,
                    struct fs_node *out)
{
	int fd = open_beneath(dir->fd, name, O_PATH, 0);

	if (fd < 0)
		return fd;
	return node_made(m, fd, out);
}

static void v_put(struct fs_mount *m, struct fs_node *n)
{
	vq_untrack(m, n);
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

/* O_CREAT in a size-limited volume: a name it makes is counted, none past the limit. */
static int open_counted(struct fs_mount *m, const struct fs_node *dir, const char *name, int flags,
                        uint32_t mode, struct fs_node *out)
{
	int fd = -ENOENT, rc;

	if (!(flags & O_EXCL))
		fd = open_beneath(dir->fd, name, (flags & ~O_CREAT) | O_NONBLOCK, 0);
	if (fd != -ENOENT)
		return fd < 0 ? fd : node_made(m, fd, out);
	rc = vq_name_room(m);
	if (rc)
		return rc;
	fd = open_beneath(dir->fd, name, flags | O_EXCL | O_NONBLOCK, mode & 07777);
	if (fd < 0)
		return fd;
	quota(m)->names++;
	return node_made(m, fd, out);
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
		if (quota(m) && (flags & O_CREAT))
			return open_counted(m, dir, name, flags, mode, out);
		/* O_NONBLOCK: a FIFO the host left here must not block the service. */
		fd = open_beneath(dir->fd, name, flags | O_NONBLOCK, mode & 07777);
	}
	if (fd < 0)
		return fd;
	return node_made(m, fd, out);
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
	struct vquota *q = quota(m);
	ssize_t r;

	if (q && len && !(len = vq_room(q, n->fd, off, len)))
		return -ENOSPC;
	r = pwrite(n->fd, buf, len, (off_t)off);
	if (r < 0)
		return neg();
	vq_recount(m, n->fd);
	return r;
}

static int v_truncate(struct fs_mount *m, const struct fs_node *n, uint64_t size)
{
	char proc[64];

	/* Growing allocates nothing (the new part is a hole); shrinking frees. */
	if (ftruncate(n->fd, (off_t)size) == 0) {
		vq_recount(m, n->fd);
		return 0;
	}
	if (errno != EBADF && errno != EINVAL)
		return neg();
	/* An O_PATH node (truncate by path): through its /proc entry. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", n->fd);
	if (truncate(proc, (off_t)size))
		return neg();
	vq_recount(m, n->fd);
	return 0;
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
	int rc = vq_name_room(m);

	if (rc)
		return rc;
	return mkdirat(dir->fd, name, mode & 07777) ? neg() : vq_named(m, dir, name);
}

static int v_unlink(struct fs_mount *m, const struct fs_node *dir, const char *name, int isdir)
{
	struct stat st;
	bool known = quota(m) && fstatat(dir->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;

	if (unlinkat(dir->fd, name, isdir ? AT_REMOVEDIR : 0))
		return neg();
	if (known)
		vq_unnamed(m, &st);
	return 0;
}

static int v_rename(struct fs_mount *m, const struct fs_node *odir, const char *oname,
                    const struct fs_node *ndir, const char *nname)
{
	struct stat from, over;
	/* A name it replaces is gone, unless both are links to one inode (then
	 * rename does nothing). */
	bool replaces = quota(m) && fstatat(odir->fd, oname, &from, AT_SYMLINK_NOFOLLOW) == 0 &&
	                fstatat(ndir->fd, nname, &over, AT_SYMLINK_NOFOLLOW) == 0 &&
	                from.st_ino != over.st_ino;

	if (renameat(odir->fd, oname, ndir->fd, nname))
		return neg();
	if (replaces)
		vq_unnamed(m, &over);
	return 0;
}

static int v_link(struct fs_mount *m, const struct fs_node *odir, const char *oname,
                  const struct fs_node *ndir, const char *nname)
{
	int rc = vq_name_room(m);

	if (rc)
		return rc;
	/* No AT_SYMLINK_FOLLOW: a link to a symlink links the symlink itself. */
	return linkat(odir->fd, oname, ndir->fd, nname, 0) ? neg() : vq_named(m, ndir, nname);
}

static int v_symlink(struct fs_mount *m, const struct fs_node *dir, const char *name,
                     const char *target)
{
	int rc = vq_name_room(m);

	if (rc)
		return rc;
	return symlinkat(target, dir->fd, name) ? neg() : vq_named(m, dir, name);
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
	const struct vquota *q = quota(m);
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
	if (q) {
		/* What df shows for a tmpfs of this size: the limit, not the host's. */
		uint64_t bs = out->bsize ? out->bsize : 4096;
		uint64_t free = q->used < q->max_bytes ? (q->max_bytes - q->used) / bs : 0;

		out->blocks = q->max_bytes / bs;
		out->bfree = out->bavail = free < f.f_bavail ? free : f.f_bavail;
		out->files = q->max_names;
		uint64_t slots = q->names + q->orphans;

		out->ffree = q->max_names - (slots < q->max_names ? slots : q->max_names);
	}
	return 0;
}

static void v_unmount(struct fs_mount *m)
{
	struct vquota *q = quota(m);

	if (q) {
		free(q->tab);
		free(q);
		m->priv = NULL;
	}
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
	m->priv = NULL; /* no size limit (the slot may have held a synthetic mount) */
	m->root = (struct fs_node){ .m = m, .ino = 0, .fd = fd };
	return 0;
}

int fs_volume_limit(struct fs_mount *m, uint64_t max_bytes)
{
	struct vquota *q;
	struct stat st;
	char buf[4096];
	long got;
	int fd;

	if (m->ops != &volume_backend || quota(m) || !max_bytes)
		return -EINVAL;
	if (m->readonly)
		return -EROFS;
	/* Empty: everything it will hold is then the guest's, counted here. */
	fd = openat(m->root.fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return neg();
	while ((got = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		for (long at = 0; at < got;) {
			struct dirent64 *d = (struct dirent64 *)(buf + at);

			if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..")) {
				close(fd);
				return -ENOTEMPTY;
			}
			at += d->d_reclen;
		}
	if (got < 0 || fstat(fd, &st)) {
		int rc = neg();

		close(fd);
		return rc;
	}
	close(fd);
	q = calloc(1, sizeof(*q));
	if (!q || !(q->tab = calloc(64, sizeof(*q->tab)))) {
		free(q);
		return -ENOMEM;
	}
	q->cap = 64;
	q->unit = st.st_blksize > 0 ? (uint64_t)st.st_blksize : 4096;
	q->max_bytes = max_bytes;
	q->max_names = max_bytes / VQ_BYTES_PER_NAME;
	if (q->max_names < VQ_NAMES_MIN)
		q->max_names = VQ_NAMES_MIN;
	q->names = 1; /* the root's, as tmpfs counts it */
	m->priv = q;
	return 0;
}

int fs_volume_usage(const struct fs_mount *m, uint64_t *used, uint64_t *max)
{
	const struct vquota *q = m->ops == &volume_backend ? quota(m) : NULL;

	if (!q)
		return -1;
	*used = q->used;
	*max = q->max_bytes;
	return 0;
}
