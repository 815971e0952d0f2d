/* The file-system service: handles, path walking and the NANVIX_FS_* calls. */
/*
 * Design.  A VM's namespace is a list of mounts (an ext2 disk at "/", host
 * volumes at absolute paths, or a synthetic root listing the volumes when
 * there is no disk).  Handles name open objects: each keeps the object's
 * node (an inode or a host fd open for I/O), its offset and flags, and the
 * canonical absolute path it was reached by, so a handle used as a
 * directory (dirfd, cwd) is re-walked from the root.
 *
 * The walk is the security boundary.  It takes the caller's path apart
 * into components and resolves them one at a time with a stack of nodes:
 * "." is skipped, ".." pops the stack (never above the root: "/.." is "/"),
 * a component whose canonical path is a mount point enters that mount's
 * root, and a symlink is read and its target spliced into the remaining
 * path (an absolute target restarts at the namespace root, never the
 * host's).  Backends only ever see single names, so a volume cannot be
 * left through "..", a symlink or an absolute path.  At most 40 symlinks
 * and NANVIX_FS_PATH_MAX bytes of pending path per call.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <abi/linux.h>
#include <fs/ext2.h>
#include <fs/service.h>

#include "backend.h"

#define MOUNTS_MAX   32 /* volumes, the disk, synthetic parents */
#define DEPTH_MAX    256
#define SYMLINKS_MAX 40
/*
 * File data moves through a bounce buffer this large: big enough that a
 * 1 MiB read is a handful of backend calls (each a device read of
 * contiguous blocks), small enough to stay in the L2 cache between the
 * device read and the copy out.  Measured: 256 KiB reads ~4% faster than
 * 64 KiB; 1 MiB is slower again.
 */
#define IO_CHUNK (256u * 1024)

struct handle {
	bool used;
	bool dir;
	struct fs_node node; /* open for I/O (backend open) */
	char *path;          /* canonical absolute path */
	uint64_t off;
	uint32_t flags; /* O_ACCMODE | O_APPEND of the open */
};

struct walk {
	struct fs_node node[DEPTH_MAX]; /* node[0]: the root mount's root */
	uint16_t plen[DEPTH_MAX];       /* path length at each depth */
	int depth;
	char path[NANVIX_FS_PATH_MAX]; /* canonical path of node[depth] */
};

struct fs_service {
	struct fs_mount mounts[MOUNTS_MAX];
	int nmounts;
	struct fs_mount *root; /* mounts[0] once something is mounted */
	struct handle *h;      /* FS_HANDLES_MAX entries; index = handle - NANVIX_FS_ROOT */
	struct fs_service_stats st;
	/* Working memory of one call (services are never re-entered). */
	struct walk wa, wb, wc;
	char rest[2 * NANVIX_FS_PATH_MAX];
	char path[NANVIX_FS_PATH_MAX], path2[NANVIX_FS_PATH_MAX];
	char canon[NANVIX_FS_PATH_MAX + EXT2_NAME_MAX + 2];
	char target[NANVIX_FS_PATH_MAX];
	_Alignas(8) char scratch[IO_CHUNK]; /* getdents builds linux_dirent64 records here */
};

/* ---- small helpers ---- */

static bool is_dot(const char *c, size_t n)
{
	return n == 1 && c[0] == '.';
}

static bool is_dotdot(const char *c, size_t n)
{
	return n == 2 && c[0] == '.' && c[1] == '.';
}

/* Is `path` a direct child of directory `dir` (both canonical)? */
static bool is_child(const char *dir, const char *path)
{
	size_t dl = strlen(dir);

	if (strncmp(path, dir, dl) != 0)
		return false;
	path += dl;
	if (dl > 1 && *path++ != '/')
		return false;
	return *path && *path != '/' && !strchr(path, '/');
}

static struct fs_mount *mount_at(struct fs_service *s, const char *path)
{
	for (int i = 0; i < s->nmounts; i++)
		if (s->mounts[i].ops && strcmp(s->mounts[i].at, path) == 0)
			return &s->mounts[i];
	return NULL;
}

/* A NUL-terminated string of at most max bytes from the caller, page by page. */
static int string_in(const struct svc_mem *m, uint64_t cr3, uint64_t ua, char *dst, size_t max)
{
	size_t got = 0;

	if (!ua)
		return -LINUX_EFAULT;
	while (got < max) {
		size_t chunk = 4096 - ((ua + got) & 4095);
		int rc;

		if (chunk > max - got)
			chunk = max - got;
		rc = m->read(m->ctx, cr3, ua + got, dst + got, chunk);
		if (rc)
			return rc;
		if (memchr(dst + got, 0, chunk))
			return 0;
		got += chunk;
	}
	return -LINUX_ENAMETOOLONG;
}

/* ---- the walk ---- */

/* Drop a node, unless it is a mount's root (those live with the mount). */
static void node_put(struct fs_node *n)
{
	if (n->m && !(n->ino == n->m->root.ino && n->fd == n->m->root.fd))
		n->m->ops->put(n->m, n);
	n->m = NULL;
}

static void walk_pop(struct walk *w)
{
	node_put(&w->node[w->depth]);
	w->depth--;
	w->path[w->plen[w->depth]] = 0;
}

static void walk_reset(struct walk *w)
{
	while (w->depth > 0)
		walk_pop(w);
}

static void walk_init(struct fs_service *s, struct walk *w)
{
	w->depth = 0;
	w->node[0] = s->root->root;
	w->plen[0] = 1;
	strcpy(w->path, "/");
}

static struct fs_node *walk_top(struct walk *w)
{
	return &w->node[w->depth];
}

/* Enter component c (not "." or "..") of the current directory. */
static int walk_enter(struct fs_service *s, struct walk *w, const char *c, size_t n,
                      struct fs_node *out)
{
	char name[EXT2_NAME_MAX + 1];
	size_t pl = strlen(w->path);
	struct fs_mount *mnt;
	struct fs_node *top = walk_top(w);
	struct ext2_stat st;
	int rc;

	if (n > EXT2_NAME_MAX)
		return -LINUX_ENAMETOOLONG;
	if (w->depth + 1 >= DEPTH_MAX || pl + 1 + n + 1 > sizeof(w->path))
		return -LINUX_ENAMETOOLONG;
	rc = top->m->ops->getattr(top->m, top, &st);
	if (rc)
		return rc;
	if ((st.mode & LINUX_S_IFMT) != LINUX_S_IFDIR)
		return -LINUX_ENOTDIR;
	memcpy(name, c, n);
	name[n] = 0;
	/* The canonical path of the child decides whether it is a mount point. */
	w->path[pl] = pl > 1 ? '/' : 0;
	memcpy(w->path + pl + (pl > 1), name, n + 1);
	mnt = mount_at(s, w->path);
	w->path[pl] = 0;
	if (mnt) {
		*out = mnt->root;
		return 0;
	}
	return top->m->ops->lookup(top->m, top, name, out);
}

static void walk_push(struct walk *w, const struct fs_node *n, const char *c, size_t len)
{
	size_t pl = strlen(w->path);

	w->plen[w->depth] = (uint16_t)pl;
	w->depth++;
	w->node[w->depth] = *n;
	if (pl > 1)
		w->path[pl++] = '/';
	memcpy(w->path + pl, c, len);
	w->path[pl + len] = 0;
}

/* Walk the canonical path `base` from the root (no symlinks in it). */
static int walk_base(struct fs_service *s, struct walk *w, const char *base)
{
	const char *p = base;

	walk_init(s, w);
	while (*p) {
		const char *e;
		struct fs_node n;
		int rc;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		e = strchr(p, '/');
		if (!e)
			e = p + strlen(p);
		rc = walk_enter(s, w, p, (size_t)(e - p), &n);
		if (rc) {
			walk_reset(w);
			return rc;
		}
		walk_push(w, &n, p, (size_t)(e - p));
		p = e;
	}
	return 0;
}

#define WALK_FOLLOW 1 /* follow a symlink in the last component */
#define WALK_PARENT 2 /* stop before the last component: *last names it */

/*
 * Resolve `rel` from directory path `base`.  With WALK_PARENT the walk
 * stops at the last component's directory and copies the component (which
 * may be "." or "..", or "" for "/") into last[EXT2_NAME_MAX + 1].  On
 * success the walk holds the nodes (walk_reset drops them).
 */
static int walk_path(struct fs_service *s, struct walk *w, const char *base, const char *rel,
                     int how, char *last)
{
	/* rest holds what is left to resolve, at its end (so splicing prepends). */
	char *rest_buf = s->rest, *rest;
	size_t rlen = strlen(rel);
	int links = 0, rc;

	if (rlen == 0)
		return -LINUX_ENOENT;
	if (rlen >= NANVIX_FS_PATH_MAX)
		return -LINUX_ENAMETOOLONG;
	rc = walk_base(s, w, rel[0] == '/' ? "/" : base);
	if (rc)
		return rc;
	rest = rest_buf + sizeof(s->rest) - rlen - 1;
	memcpy(rest, rel, rlen + 1);
	if (last)
		last[0] = 0;
	for (;;) {
		const char *c, *e;
		size_t n;
		bool final, dirslash;
		struct fs_node nd;
		struct ext2_stat st;

		while (*rest == '/')
			rest++;
		if (!*rest)
			return 0;
		c = rest;
		e = strchr(c, '/');
		if (!e)
			e = c + strlen(c);
		n = (size_t)(e - c);
		rest = (char *)e;
		{
			const char *t = e;

			while (*t == '/')
				t++;
			final = !*t;
			/* "name/" must be a directory, reached through any link. */
			dirslash = final && *e == '/';
		}
		if (final && (how & WALK_PARENT)) {
			if (n > EXT2_NAME_MAX)
				goto fail_name;
			memcpy(last, c, n);
			last[n] = 0;
			return 0;
		}
		if (is_dot(c, n) || is_dotdot(c, n)) {
			/* "file/." and "file/.." are ENOTDIR, as on Linux. */
			rc = walk_top(w)->m->ops->getattr(walk_top(w)->m, walk_top(w), &st);
			if (!rc && (st.mode & LINUX_S_IFMT) != LINUX_S_IFDIR)
				rc = -LINUX_ENOTDIR;
			if (rc)
				goto fail;
			if (is_dotdot(c, n) && w->depth > 0)
				walk_pop(w);
			continue;
		}
		rc = walk_enter(s, w, c, n, &nd);
		if (rc)
			goto fail;
		rc = nd.m->ops->getattr(nd.m, &nd, &st);
		if (rc) {
			node_put(&nd);
			goto fail;
		}
		if ((st.mode & LINUX_S_IFMT) == LINUX_S_IFLNK &&
		    (!final || dirslash || (how & WALK_FOLLOW))) {
			char target[EXT2_SYMLINK_MAX + 1];
			long tl = nd.m->ops->readlink(nd.m, &nd, target, sizeof(target) - 1);
			size_t left = strlen(rest);

			node_put(&nd);
			if (tl < 0) {
				rc = (int)tl;
				goto fail;
			}
			if (++links > SYMLINKS_MAX) {
				rc = -LINUX_ELOOP;
				goto fail;
			}
			if (tl == 0) {
				rc = -LINUX_ENOENT;
				goto fail;
			}
			/* Splice: target + rest (which is "" or starts with '/', so
			 * a final link gains no trailing slash); both lie at the end
			 * of rest_buf. */
			if ((size_t)tl + 1 + left + 1 > NANVIX_FS_PATH_MAX)
				goto fail_name;
			memmove(rest_buf + sizeof(s->rest) - left - 1, rest, left + 1);
			rest = rest_buf + sizeof(s->rest) - left - 1;
			rest -= tl;
			memcpy(rest, target, (size_t)tl);
			if (target[0] == '/')
				walk_reset(w);
			continue;
		}
		if (dirslash && (st.mode & LINUX_S_IFMT) != LINUX_S_IFDIR) {
			node_put(&nd);
			rc = -LINUX_ENOTDIR;
			goto fail;
		}
		walk_push(w, &nd, c, n);
	}
fail_name:
	rc = -LINUX_ENAMETOOLONG;
fail:
	walk_reset(w);
	return rc;
}

/* ---- handles ---- */

static struct handle *handle_get(struct fs_service *s, uint64_t h)
{
	if (h < NANVIX_FS_ROOT || h >= NANVIX_FS_ROOT + FS_HANDLES_MAX)
		return NULL;
	return s->h[h - NANVIX_FS_ROOT].used ? &s->h[h - NANVIX_FS_ROOT] : NULL;
}

/* A directory path to walk from: the handle's, which must be a directory. */
static int dir_base(struct fs_service *s, uint64_t h, const char **base)
{
	struct handle *d = handle_get(s, h);

	if (!d)
		return -LINUX_EBADF;
	if (!d->dir)
		return -LINUX_ENOTDIR;
	*base = d->path;
	return 0;
}

static int64_t handle_new(struct fs_service *s, const struct fs_node *n, const char *path,
                          uint32_t flags, bool dir)
{
	for (int i = 0; i < FS_HANDLES_MAX; i++) {
		struct handle *h = &s->h[i];

		if (h->used)
			continue;
		h->path = strdup(path);
		if (!h->path)
			return -LINUX_ENOMEM;
		h->used = true;
		h->dir = dir;
		h->node = *n;
		h->off = 0;
		h->flags = flags;
		s->st.handles_open++;
		if (s->st.handles_open > s->st.handles_max)
			s->st.handles_max = s->st.handles_open;
		return NANVIX_FS_ROOT + i;
	}
	return -LINUX_ENFILE;
}

static void handle_close(struct fs_service *s, struct handle *h)
{
	h->node.m->ops->close(h->node.m, &h->node);
	free(h->path);
	memset(h, 0, sizeof(*h));
	s->st.handles_open--;
}

/* ---- the synthetic root: a read-only directory of the mount points ---- */

static int vr_lookup(struct fs_mount *m, const struct fs_node *dir, const char *name,
                     struct fs_node *out)
{
	(void)m, (void)dir, (void)name, (void)out;
	return -LINUX_ENOENT; /* mount points are entered before any lookup */
}

static void vr_put(struct fs_mount *m, struct fs_node *n)
{
	(void)m, (void)n;
}

static int vr_getattr(struct fs_mount *m, const struct fs_node *n, struct ext2_stat *st)
{
	(void)m, (void)n;
	*st = (struct ext2_stat){
		.ino = 1, .mode = LINUX_S_IFDIR | 0555, .nlink = 2, .blksize = 4096
	};
	return 0;
}

static int vr_open(struct fs_mount *m, const struct fs_node *dir, const char *name, int flags,
                   uint32_t mode, struct fs_node *out)
{
	(void)mode, (void)flags;
	if (strcmp(name, ".") != 0)
		return -LINUX_ENOENT;
	*out = *dir;
	out->m = m;
	return 0;
}

static int vr_readdir(struct fs_mount *m, const struct fs_node *n, uint64_t *cookie,
                      struct ext2_dirent *out)
{
	struct fs_service *s = m->priv;

	(void)n;
	while (*cookie < 2 + MOUNTS_MAX) {
		uint64_t i = (*cookie)++;
		const char *name;
		uint8_t type = 4;

		if (i < 2) {
			name = i ? ".." : ".";
		} else {
			struct fs_mount *mp = &s->mounts[i - 2];
			struct ext2_stat st;

			if (!mp->ops || mp == m || !is_child(m->at, mp->at))
				continue;
			name = strrchr(mp->at, '/') + 1;
			/* A file volume is listed as a file (DT_REG), the rest as DT_DIR. */
			if (mp->ops->getattr(mp, &mp->root, &st) == 0 &&
			    (st.mode & LINUX_S_IFMT) == LINUX_S_IFREG)
				type = 8;
		}
		out->ino = 1;
		out->type = type;
		strcpy(out->name, name);
		out->namelen = (uint8_t)strlen(name);
		return 1;
	}
	return 0;
}

static int vr_statfs(struct fs_mount *m, struct ext2_statfs *out)
{
	(void)m;
	*out = (struct ext2_statfs){ .bsize = 4096, .namemax = EXT2_NAME_MAX };
	return 0;
}

static long vr_readlink(struct fs_mount *m, const struct fs_node *n, char *buf, size_t len)
{
	(void)m, (void)n, (void)buf, (void)len;
	return -LINUX_EINVAL;
}

static int vr_fsync(struct fs_mount *m, const struct fs_node *n)
{
	(void)m, (void)n;
	return 0;
}

static const struct fs_backend vroot_backend = {
	.lookup = vr_lookup,
	.put = vr_put,
	.getattr = vr_getattr,
	.readlink = vr_readlink,
	.open = vr_open,
	.close = vr_put,
	.fsync = vr_fsync,
	.readdir = vr_readdir,
	.statfs = vr_statfs,
};

int fs_vroot_mount(struct fs_mount *m, struct fs_service *s)
{
	m->ops = &vroot_backend;
	m->priv = s;
	m->readonly = 1;
	m->root = (struct fs_node){ .m = m, .ino = 1, .fd = -1 };
	return 0;
}

/* ---- set-up ---- */

struct fs_service *fs_service_new(void)
{
	struct fs_service *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->h = calloc(FS_HANDLES_MAX, sizeof(*s->h));
	if (!s->h) {
		free(s);
		return NULL;
	}
	return s;
}

void fs_service_free(struct fs_service *s)
{
	if (!s)
		return;
	for (int i = 0; i < FS_HANDLES_MAX; i++)
		if (s->h[i].used && i > 0)
			handle_close(s, &s->h[i]);
	if (s->h[0].used)
		handle_close(s, &s->h[0]);
	for (int i = s->nmounts - 1; i >= 0; i--)
		if (s->mounts[i].ops && s->mounts[i].ops->unmount)
			s->mounts[i].ops->unmount(&s->mounts[i]);
	free(s->h);
	free(s);
}

int fs_service_active(const struct fs_service *s)
{
	return s && s->root;
}

static int errmsg(char *err, size_t errlen, int rc, const char *fmt, const char *what)
{
	if (err && errlen) {
		size_t n = strlen(fmt) + strlen(what);

		(void)n;
		strncpy(err, what, errlen - 1);
		err[errlen - 1] = 0;
		if (strlen(err) + strlen(fmt) < errlen)
			strcat(err, fmt);
	}
	return rc;
}

/* The root handle, open on whatever is at "/". */
static int open_root(struct fs_service *s)
{
	struct fs_node n;
	int rc;

	if (s->h[0].used)
		handle_close(s, &s->h[0]);
	rc = s->root->ops->open(s->root, &s->root->root, ".", LINUX_O_RDONLY | LINUX_O_DIRECTORY, 0,
	                        &n);
	if (rc)
		return rc;
	return handle_new(s, &n, "/", 0, true) == NANVIX_FS_ROOT ? 0 : -LINUX_ENOMEM;
}

int fs_service_mount_ext2(struct fs_service *s, const struct blkdev *dev, int readonly, char *err,
                          size_t errlen)
{
	struct fs_mount *m = &s->mounts[0];
	int rc;

	if (s->nmounts)
		return errmsg(err, errlen, -LINUX_EBUSY, ": the disk must be mounted first", "/");
	rc = fs_ext2_mount(m, dev, readonly);
	if (rc == -LINUX_EOPNOTSUPP && err && errlen) {
		char names[160];

		if (ext2_unsupported_features(dev, names, sizeof(names)) <= 0)
			strcpy(names, "unknown");
		snprintf(err, errlen,
		         "disk: unsupported ext2 features: %s (an ext3/ext4 image?); make a "
		         "plain ext2 image with 'mke2fs -t ext2 IMAGE' (-d DIR fills it)",
		         names);
		return rc;
	}
	if (rc)
		return errmsg(err, errlen, rc, ": not a valid ext2 file system", "disk");
	strcpy(m->at, "/");
	m->dev = 0x801;
	s->nmounts = 1;
	s->root = m;
	rc = open_root(s);
	if (rc)
		return errmsg(err, errlen, rc, ": cannot open the root directory", "disk");
	return 0;
}

/* Canonical form of an absolute guest path: no "." / ".." / empty parts. */
static int canonical(const char *in, char *out, size_t outlen)
{
	size_t o = 0;
	const char *p = in;

	if (in[0] != '/')
		return -LINUX_EINVAL;
	while (*p) {
		const char *e;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		e = strchr(p, '/');
		if (!e)
			e = p + strlen(p);
		if (is_dot(p, (size_t)(e - p)) || is_dotdot(p, (size_t)(e - p)))
			return -LINUX_EINVAL;
		if (o + 1 + (size_t)(e - p) + 1 > outlen)
			return -LINUX_ENAMETOOLONG;
		out[o++] = '/';
		memcpy(out + o, p, (size_t)(e - p));
		o += (size_t)(e - p);
		p = e;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = 0;
	return 0;
}

/* A free mount slot, or NULL. */
static struct fs_mount *mount_slot(struct fs_service *s)
{
	return s->nmounts < MOUNTS_MAX ? &s->mounts[s->nmounts] : NULL;
}

static bool is_synthetic(const struct fs_mount *m)
{
	return m->ops == &vroot_backend;
}

/*
 * Make every parent of canonical mount point `path` a directory, as docker
 * does: a parent the namespace lacks becomes a synthetic read-only directory
 * (a mount listing what is mounted beneath it).  A parent that exists must be
 * a directory.  0, or a negative errno with err set.
 */
static int make_parents(struct fs_service *s, const char *path, char *err, size_t errlen)
{
	char parent[sizeof(((struct fs_mount *)0)->at)];
	struct walk *w = &s->wa;
	const char *p = path;

	while ((p = strchr(p + 1, '/')) != NULL) {
		struct fs_mount *m;
		struct ext2_stat st;
		int rc;

		memcpy(parent, path, (size_t)(p - path));
		parent[p - path] = 0;
		rc = walk_base(s, w, parent);
		if (rc == 0) {
			rc = walk_top(w)->m->ops->getattr(walk_top(w)->m, walk_top(w), &st);
			walk_reset(w);
			if (rc == 0 && (st.mode & LINUX_S_IFMT) != LINUX_S_IFDIR)
				rc = -LINUX_ENOTDIR;
			if (rc)
				return errmsg(err, errlen, rc, ": a parent is not a directory",
				              path);
			continue;
		}
		if (rc != -LINUX_ENOENT)
			return errmsg(err, errlen, rc, ": cannot reach a parent", path);
		m = mount_slot(s);
		if (!m)
			return errmsg(err, errlen, -LINUX_ENOSPC, ": too many mounts", path);
		fs_vroot_mount(m, s);
		strcpy(m->at, parent);
		m->dev = 0x900 + (uint64_t)s->nmounts;
		s->nmounts++;
	}
	return 0;
}

int fs_service_mount_volume(struct fs_service *s, const char *at, const char *hostdir, int readonly,
                            char *err, size_t errlen)
{
	char path[sizeof(((struct fs_mount *)0)->at)];
	struct fs_mount *m, *old;
	struct ext2_stat st;
	int rc;

	if (canonical(at, path, sizeof(path)))
		return errmsg(err, errlen, -LINUX_EINVAL,
		              ": the guest path must be absolute, without . or .. parts", at);
	old = mount_at(s, path);
	/* A synthetic parent made for an earlier volume gives way to this one. */
	if (old && !(is_synthetic(old) && strcmp(path, "/") != 0))
		return errmsg(err, errlen, -LINUX_EBUSY, ": something is mounted there already",
		              at);
	if (!s->root && strcmp(path, "/") != 0) {
		/* No disk: a synthetic read-only root lists the mount points. */
		fs_vroot_mount(&s->mounts[0], s);
		strcpy(s->mounts[0].at, "/");
		s->nmounts = 1;
		s->root = &s->mounts[0];
	}
	if (!old) {
		rc = make_parents(s, path, err, errlen);
		if (rc)
			return rc;
	}
	m = old ? old : mount_slot(s);
	if (!m)
		return errmsg(err, errlen, -LINUX_ENOSPC, ": too many volumes", at);
	rc = fs_volume_mount(m, hostdir, readonly); /* leaves m as it was on failure */
	if (rc)
		return errmsg(err, errlen, rc,
		              rc == -LINUX_ENOTDIR ? ": not a directory or a regular file"
		                                   : ": cannot open this volume",
		              hostdir);
	if (!s->root) {
		rc = m->ops->getattr(m, &m->root, &st);
		if (rc == 0 && (st.mode & LINUX_S_IFMT) != LINUX_S_IFDIR)
			rc = -LINUX_ENOTDIR;
		if (rc) {
			m->ops->unmount(m);
			m->ops = NULL;
			return errmsg(err, errlen, rc, ": the root must be a directory", hostdir);
		}
		s->root = m;
	}
	strcpy(m->at, path);
	if (!old) {
		m->dev = 0x900 + (uint64_t)s->nmounts;
		s->nmounts++;
	}
	rc = open_root(s);
	if (rc)
		return errmsg(err, errlen, rc, ": cannot open the root directory", at);
	return 0;
}

int fs_service_limit_volume(struct fs_service *s, const char *at, uint64_t max_bytes, char *err,
                            size_t errlen)
{
	char path[256];
	struct fs_mount *m;
	int rc;

	if (canonical(at, path, sizeof(path)) || !(m = mount_at(s, path)) || is_synthetic(m))
		return errmsg(err, errlen, -LINUX_EINVAL, ": no volume is mounted there", at);
	rc = fs_volume_limit(m, max_bytes);
	if (rc == -LINUX_ENOTEMPTY)
		return errmsg(err, errlen, rc, ": a size limit needs an empty directory", at);
	if (rc)
		return errmsg(err, errlen, rc, ": cannot limit this volume's size", at);
	return 0;
}

void fs_service_stats(const struct fs_service *s, struct fs_service_stats *out)
{
	*out = s->st;
	out->limited_bytes = out->limited_max = 0;
	for (int i = 0; i < s->nmounts; i++) {
		uint64_t used, max;

		if (s->mounts[i].ops && fs_volume_usage(&s->mounts[i], &used, &max) == 0) {
			out->limited_bytes += used;
			out->limited_max += max;
		}
	}
}

/* ---- the calls ---- */

static void fill_stat(const struct fs_node *n, const struct ext2_stat *e, struct linux_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = n->m->dev;
	st->st_ino = e->ino;
	st->st_nlink = e->nlink;
	st->st_mode = e->mode;
	st->st_uid = e->uid;
	st->st_gid = e->gid;
	st->st_size = (int64_t)e->size;
	st->st_blksize = e->blksize ? e->blksize : 4096;
	st->st_blocks = (int64_t)e->blocks;
	st->st_atim.tv_sec = e->atime;
	st->st_mtim.tv_sec = e->mtime;
	st->st_ctim.tv_sec = e->ctime;
}

/*
 * Resolve (h, path) to a node the caller owns (put it with node_put), or the
 * handle's own node when path is 0 (*owned = false).  AT_EMPTY_PATH with ""
 * also means the handle itself.
 */
static int resolve(struct fs_service *s, const struct svc_mem *m, uint64_t cr3, uint64_t h,
                   uint64_t upath, int follow, uint64_t atflags, struct fs_node *out, bool *owned,
                   char *canon)
{
	char *path = s->path;
	struct walk *w = &s->wb;
	const char *base;
	struct handle *hd;
	int rc;

	*owned = false;
	if (upath) {
		rc = string_in(m, cr3, upath, path, NANVIX_FS_PATH_MAX);
		if (rc)
			return rc;
	}
	if (!upath || (path[0] == 0 && (atflags & LINUX_AT_EMPTY_PATH))) {
		hd = handle_get(s, h);
		if (!hd)
			return -LINUX_EBADF;
		*out = hd->node;
		if (canon)
			strcpy(canon, hd->path);
		return 0;
	}
	if (!path[0])
		return -LINUX_ENOENT; /* before the dirfd, as on Linux */
	if (path[0] != '/') {
		rc = dir_base(s, h, &base);
		if (rc)
			return rc;
	} else {
		base = "/";
	}
	rc = walk_path(s, w, base, path, follow ? WALK_FOLLOW : 0, NULL);
	if (rc)
		return rc;
	/* Keep the final node; drop the rest of the stack. */
	*out = *walk_top(w);
	if (canon)
		strcpy(canon, w->path);
	if (w->depth > 0) {
		w->depth--;
		w->path[w->plen[w->depth]] = 0;
		*owned = true;
	}
	walk_reset(w);
	return 0;
}

/* Resolve (h, path) to its parent directory (kept in `w`) and last name. */
static int resolve_parent(struct fs_service *s, const struct svc_mem *m, uint64_t cr3, uint64_t h,
                          uint64_t upath, struct walk *w, char *last)
{
	char *path = s->path2;
	const char *base = "/";
	int rc = string_in(m, cr3, upath, path, NANVIX_FS_PATH_MAX);

	if (rc)
		return rc;
	if (!path[0])
		return -LINUX_ENOENT; /* before the dirfd, as on Linux */
	if (path[0] != '/' && (rc = dir_base(s, h, &base)) != 0)
		return rc;
	rc = walk_path(s, w, base, path, WALK_PARENT, last);
	if (rc)
		return rc;
	if (last[0] == 0 || is_dot(last, strlen(last)) || is_dotdot(last, strlen(last))) {
		walk_reset(w);
		return -LINUX_EBUSY; /* "/", "." and "..": callers map this */
	}
	/* The parent must be a directory of a mount that is... a directory. */
	{
		struct ext2_stat st;
		struct fs_node *d = walk_top(w);

		rc = d->m->ops->getattr(d->m, d, &st);
		if (!rc && (st.mode & LINUX_S_IFMT) != LINUX_S_IFDIR)
			rc = -LINUX_ENOTDIR;
		if (rc) {
			walk_reset(w);
			return rc;
		}
	}
	return 0;
}

static void join(char *out, const char *dir, const char *name)
{
	size_t dl = strlen(dir);

	memcpy(out, dir, dl);
	if (dl > 1)
		out[dl++] = '/';
	strcpy(out + dl, name);
}

/* Open directory node n (reached as canon, dropped if owned) as itself, read-only. */
static int64_t open_dir_node(struct fs_service *s, struct fs_node *n, bool owned, int flags,
                             const char *canon)
{
	struct fs_node io;
	int64_t rc;

	if (flags & LINUX_O_ACCMODE)
		rc = -LINUX_EISDIR;
	else
		rc = n->m->ops->open(n->m, n, ".", flags & ~LINUX_O_CREAT, 0, &io);
	if (owned)
		node_put(n);
	if (rc)
		return rc;
	rc = handle_new(s, &io, canon, 0, true);
	if (rc < 0)
		io.m->ops->close(io.m, &io);
	return rc;
}

/* Open the root of mount mp (reached as canon): a directory, or a file volume. */
static int64_t open_mount_root(struct fs_service *s, struct fs_mount *mp, int flags,
                               const char *canon)
{
	bool writing = (flags & LINUX_O_ACCMODE) != LINUX_O_RDONLY || (flags & LINUX_O_TRUNC);
	struct ext2_stat st;
	struct fs_node n;
	int64_t rc;

	if ((flags & (LINUX_O_CREAT | LINUX_O_EXCL)) == (LINUX_O_CREAT | LINUX_O_EXCL))
		return -LINUX_EEXIST;
	rc = mp->ops->getattr(mp, &mp->root, &st);
	if (rc)
		return rc;
	if ((st.mode & LINUX_S_IFMT) == LINUX_S_IFDIR)
		return open_dir_node(s, &mp->root, false, flags, canon);
	if (flags & LINUX_O_DIRECTORY)
		return -LINUX_ENOTDIR;
	if (writing && mp->readonly)
		return -LINUX_EROFS;
	rc = mp->ops->open(mp, &mp->root, ".", flags & ~(LINUX_O_CREAT | LINUX_O_EXCL), 0, &n);
	if (rc)
		return rc;
	rc = handle_new(s, &n, canon, (uint32_t)flags & (LINUX_O_ACCMODE | LINUX_O_APPEND), false);
	if (rc < 0)
		n.m->ops->close(n.m, &n);
	return rc;
}

static int64_t do_open(struct fs_service *s, const struct nanvix_ring_req *q,
                       const struct svc_mem *m)
{
	struct walk *w = &s->wa;
	char *canon = s->canon;
	char last[EXT2_NAME_MAX + 1];
	uint64_t cr3 = q->args[0], h = q->args[1], upath = q->args[2];
	int flags = (int)q->args[3];
	uint32_t mode = (uint32_t)q->args[4];
	bool writing = (flags & LINUX_O_ACCMODE) != LINUX_O_RDONLY || (flags & LINUX_O_TRUNC);
	struct fs_node n, *dir;
	struct ext2_stat st;
	int64_t rc;

	if ((flags & LINUX_O_ACCMODE) == LINUX_O_ACCMODE)
		return -LINUX_EINVAL;
	if (flags & LINUX_O_PATH)
		flags &= ~(LINUX_O_ACCMODE | LINUX_O_CREAT | LINUX_O_TRUNC | LINUX_O_EXCL);
	rc = resolve_parent(s, m, cr3, h, upath, w, last);
	if (rc == -LINUX_EBUSY) {
		/* "/", "." or "..": a directory, opened as itself. */
		bool owned;

		if (flags & LINUX_O_CREAT)
			return (flags & LINUX_O_EXCL) ? -LINUX_EEXIST : -LINUX_EISDIR;
		if (flags & LINUX_O_ACCMODE)
			return -LINUX_EISDIR;
		rc = resolve(s, m, cr3, h, upath, 1, 0, &n, &owned, canon);
		if (rc)
			return rc;
		return open_dir_node(s, &n, owned, flags, canon);
	}
	if (rc)
		return rc;
	/* "name/" names a directory: EISDIR with O_CREAT, else ENOTDIR for a file. */
	if (s->path2[strlen(s->path2) - 1] == '/') {
		if (flags & LINUX_O_CREAT) {
			walk_reset(w);
			return -LINUX_EISDIR;
		}
		flags |= LINUX_O_DIRECTORY;
	}
	dir = walk_top(w);
	join(canon, w->path, last);
	/* A symlink as the last component: follow unless O_NOFOLLOW (ELOOP). */
	{
		struct fs_node ln;
		struct fs_mount *mp = mount_at(s, canon);

		if (mp) {
			/* A mount point opened by name: its root. */
			walk_reset(w);
			return open_mount_root(s, mp, flags, canon);
		}
		rc = dir->m->ops->lookup(dir->m, dir, last, &ln);
		if (rc == 0) {
			rc = ln.m->ops->getattr(ln.m, &ln, &st);
			node_put(&ln);
			if (rc) {
				walk_reset(w);
				return rc;
			}
			if ((st.mode & LINUX_S_IFMT) == LINUX_S_IFLNK) {
				if ((flags & (LINUX_O_CREAT | LINUX_O_EXCL)) ==
				    (LINUX_O_CREAT | LINUX_O_EXCL)) {
					walk_reset(w);
					return -LINUX_EEXIST;
				}
				if (flags & LINUX_O_NOFOLLOW) {
					walk_reset(w);
					return -LINUX_ELOOP;
				}
				/* Resolve the whole path with the last link followed. */
				walk_reset(w);
				{
					bool owned;
					char *cp = canon;

					rc = resolve(s, m, cr3, h, upath, 1, 0, &n, &owned, cp);
					/* A dangling link with O_CREAT: Linux would create its
					 * target; we answer ENOENT (docs/syscalls.md). */
					if (rc)
						return rc;
					/* It led to "/" or a mount point: no parent to open it in. */
					if (mount_at(s, cp)) {
						if (owned)
							node_put(&n);
						return open_mount_root(s, mount_at(s, cp), flags,
						                       cp);
					}
					if (!owned)
						return open_dir_node(s, &n, owned, flags, cp);
					/* Open by name in its parent: re-resolve the parent of canon. */
					node_put(&n);
					{
						char *slash = strrchr(cp, '/');
						char name[EXT2_NAME_MAX + 1];
						const char *pdir = "/";

						if (!slash || strlen(slash + 1) > EXT2_NAME_MAX)
							return -LINUX_ENAMETOOLONG;
						strcpy(name, slash + 1);
						if (slash != cp) {
							*slash = 0;
							pdir = cp;
						}
						rc = walk_base(s, w, pdir);
						if (rc)
							return rc;
						strcpy(last, name);
						dir = walk_top(w);
						join(canon, w->path, last);
					}
				}
				goto opened_parent;
			}
		} else if (rc != -LINUX_ENOENT) {
			walk_reset(w);
			return rc;
		}
	}
opened_parent:
	if (writing || (flags & LINUX_O_CREAT)) {
		if (dir->m->readonly) {
			/* O_CREAT on an existing file of a read-only mount is not a write. */
			struct fs_node ln;

			if (writing || dir->m->ops->lookup(dir->m, dir, last, &ln) != 0) {
				walk_reset(w);
				return -LINUX_EROFS;
			}
			node_put(&ln);
			flags &= ~LINUX_O_CREAT;
		}
	}
	rc = dir->m->ops->open(dir->m, dir, last, flags, mode, &n);
	walk_reset(w);
	if (rc)
		return rc;
	rc = n.m->ops->getattr(n.m, &n, &st);
	if (rc) {
		n.m->ops->close(n.m, &n);
		return rc;
	}
	rc = handle_new(s, &n, canon, (uint32_t)flags & (LINUX_O_ACCMODE | LINUX_O_APPEND),
	                (st.mode & LINUX_S_IFMT) == LINUX_S_IFDIR);
	if (rc < 0)
		n.m->ops->close(n.m, &n);
	return rc;
}

/* read/write/pread/pwrite through a bounce buffer, IO_CHUNK at a time. */
static int64_t do_io(struct fs_service *s, const struct nanvix_ring_req *q, const struct svc_mem *m,
                     bool wr, bool positional)
{
	struct handle *hd = handle_get(s, q->args[1]);
	uint64_t cr3 = q->args[0], ua = q->args[2], len = q->args[3];
	uint64_t off, done = 0;

	if (!hd)
		return -LINUX_EBADF;
	if (hd->dir)
		return -LINUX_EISDIR;
	if (wr ? (hd->flags & LINUX_O_ACCMODE) == LINUX_O_RDONLY
	       : (hd->flags & LINUX_O_ACCMODE) == LINUX_O_WRONLY)
		return -LINUX_EBADF;
	if (len > 0x7ffff000)
		len = 0x7ffff000;
	off = positional ? q->args[4] : hd->off;
	if ((int64_t)off < 0)
		return -LINUX_EINVAL;
	/* O_APPEND as the kernel's open file has it now (fcntl may change it). */
	if (wr && !positional && (q->args[4] & LINUX_O_APPEND)) {
		struct ext2_stat st;
		int rc = hd->node.m->ops->getattr(hd->node.m, &hd->node, &st);

		if (rc)
			return rc;
		off = st.size;
	}
	while (done < len) {
		size_t chunk = len - done > IO_CHUNK ? IO_CHUNK : (size_t)(len - done);
		long got;
		int rc;

		/* Straight from or into the caller's memory when it is one range. */
		void *direct = m->map ? m->map(m->ctx, cr3, ua + done, chunk, !wr) : NULL;

		if (wr) {
			rc = direct ? 0 : m->read(m->ctx, cr3, ua + done, s->scratch, chunk);
			if (rc) {
				if (!done)
					return rc;
				break;
			}
			got = hd->node.m->ops->pwrite(hd->node.m, &hd->node,
			                              direct ? direct : s->scratch, chunk,
			                              off + done);
		} else {
			got = hd->node.m->ops->pread(hd->node.m, &hd->node,
			                             direct ? direct : s->scratch, chunk,
			                             off + done);
			if (got > 0 && !direct &&
			    (rc = m->write(m->ctx, cr3, ua + done, s->scratch, (size_t)got))) {
				if (!done)
					return rc;
				break;
			}
		}
		if (got < 0) {
			if (!done)
				return got;
			break;
		}
		done += (uint64_t)got;
		if ((size_t)got < chunk)
			break;
	}
	if (!positional)
		hd->off = off + done;
	return (int64_t)done;
}

static int64_t do_lseek(struct fs_service *s, const struct nanvix_ring_req *q)
{
	struct handle *hd = handle_get(s, q->args[1]);
	int64_t off = (int64_t)q->args[2], base;
	struct ext2_stat st;
	int rc;

	if (!hd)
		return -LINUX_EBADF;
	switch (q->args[3]) {
	case LINUX_SEEK_SET: base = 0; break;
	case LINUX_SEEK_CUR: base = (int64_t)hd->off; break;
	case LINUX_SEEK_END:
		rc = hd->node.m->ops->getattr(hd->node.m, &hd->node, &st);
		if (rc)
			return rc;
		base = (int64_t)st.size;
		break;
	default: return -LINUX_EINVAL;
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -LINUX_EINVAL;
	hd->off = (uint64_t)(base + off);
	return (int64_t)hd->off;
}

static int64_t do_stat(struct fs_service *s, const struct nanvix_ring_req *q,
                       const struct svc_mem *m, bool statx)
{
	uint64_t cr3 = q->args[0], h = q->args[1], upath = q->args[2];
	uint64_t flags = statx ? q->args[3] : q->args[4];
	uint64_t ubuf = statx ? q->args[5] : q->args[3];
	struct fs_node n;
	struct ext2_stat e;
	struct linux_stat st;
	bool owned;
	int rc;

	rc = resolve(s, m, cr3, h, upath, !(flags & LINUX_AT_SYMLINK_NOFOLLOW), flags, &n, &owned,
	             NULL);
	if (rc)
		return rc;
	rc = n.m->ops->getattr(n.m, &n, &e);
	if (!rc)
		fill_stat(&n, &e, &st);
	if (owned)
		node_put(&n);
	if (rc)
		return rc;
	if (!statx)
		return m->write(m->ctx, cr3, ubuf, &st, sizeof(st));
	{
		struct linux_statx x;

		memset(&x, 0, sizeof(x));
		x.stx_mask = LINUX_STATX_BASIC_STATS;
		x.stx_blksize = (uint32_t)st.st_blksize;
		x.stx_nlink = (uint32_t)st.st_nlink;
		x.stx_uid = st.st_uid;
		x.stx_gid = st.st_gid;
		x.stx_mode = (uint16_t)st.st_mode;
		x.stx_ino = st.st_ino;
		x.stx_size = (uint64_t)st.st_size;
		x.stx_blocks = (uint64_t)st.st_blocks;
		x.stx_atime.tv_sec = st.st_atim.tv_sec;
		x.stx_mtime.tv_sec = st.st_mtim.tv_sec;
		x.stx_ctime.tv_sec = st.st_ctim.tv_sec;
		x.stx_dev_major = (uint32_t)(st.st_dev >> 8);
		x.stx_dev_minor = (uint32_t)(st.st_dev & 0xff);
		return m->write(m->ctx, cr3, ubuf, &x, sizeof(x));
	}
}

static int64_t do_getdents(struct fs_service *s, const struct nanvix_ring_req *q,
                           const struct svc_mem *m)
{
	struct handle *hd = handle_get(s, q->args[1]);
	uint64_t cr3 = q->args[0], ua = q->args[2], len = q->args[3], used = 0;
	struct ext2_dirent de;

	if (!hd)
		return -LINUX_EBADF;
	if (!hd->dir)
		return -LINUX_ENOTDIR;
	if (len > IO_CHUNK)
		len = IO_CHUNK;
	for (;;) {
		uint64_t cookie = hd->off;
		size_t nl, reclen;
		struct linux_dirent64 *d;
		int rc = hd->node.m->ops->readdir(hd->node.m, &hd->node, &cookie, &de);

		if (rc < 0) {
			if (used)
				break;
			return rc;
		}
		if (rc == 0)
			break;
		nl = strnlen(de.name, sizeof(de.name) - 1);
		reclen = (19 + nl + 1 + 7) & ~(size_t)7;
		if (used + reclen > len) {
			if (!used)
				return -LINUX_EINVAL;
			break;
		}
		d = (struct linux_dirent64 *)(s->scratch + used);
		memset(d, 0, reclen);
		d->d_ino = de.ino;
		d->d_off = (int64_t)cookie;
		d->d_reclen = (uint16_t)reclen;
		d->d_type = de.type;
		memcpy(d->d_name, de.name, nl);
		used += reclen;
		hd->off = cookie;
	}
	if (used) {
		int rc = m->write(m->ctx, cr3, ua, s->scratch, used);

		if (rc)
			return rc;
	}
	return (int64_t)used;
}

/*
 * May a symlink to `target` be made in directory `dir` (canonical) of a
 * mount at `at` whose links host tools may follow?  Only relative targets
 * that stay beneath the mount's root, resolved lexically from `dir`: some
 * ".." first (never above the root), then names.  A ".." after a name is
 * refused too, since the name may be (or later become) a symlink that the
 * host would follow before climbing.  0 or -EPERM.  Renaming a directory
 * to a shallower place can still make an older link climb further than
 * it could when made: links are checked when they are made.
 */
static int link_confined(const char *at, const char *dir, const char *target)
{
	long depth = 0;
	bool named = false;
	const char *p;

	if (target[0] == '/')
		return -LINUX_EPERM;
	p = dir + strlen(at);
	while (*p) {
		while (*p == '/')
			p++;
		if (*p)
			depth++;
		while (*p && *p != '/')
			p++;
	}
	for (p = target; *p;) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (is_dotdot(p, n)) {
			if (named || --depth < 0)
				return -LINUX_EPERM;
		} else if (n && !is_dot(p, n)) {
			named = true;
		}
		p += n;
		while (*p == '/')
			p++;
	}
	return 0;
}

/* Calls that name (dir, last): mkdir, unlink, symlink. */
static int64_t do_dirop(struct fs_service *s, const struct nanvix_ring_req *q,
                        const struct svc_mem *m)
{
	struct walk *w = &s->wa;
	char *target = s->target;
	char last[EXT2_NAME_MAX + 1];
	uint64_t cr3 = q->args[0];
	struct fs_node *dir;
	int64_t rc;

	if (q->opcode == NANVIX_FS_SYMLINK) {
		rc = string_in(m, cr3, q->args[3], target, NANVIX_FS_PATH_MAX);
		if (rc)
			return rc;
		if (!target[0])
			return -LINUX_ENOENT;
	}
	rc = resolve_parent(s, m, cr3, q->args[1], q->args[2], w, last);
	if (rc == -LINUX_EBUSY) {
		/* "/", "." or ".." as the last component, as Linux answers them. */
		if (q->opcode != NANVIX_FS_UNLINK)
			return -LINUX_EEXIST;
		if (!(q->args[3] & LINUX_AT_REMOVEDIR))
			return -LINUX_EISDIR;
		return is_dot(last, strlen(last))      ? -LINUX_EINVAL
		       : is_dotdot(last, strlen(last)) ? -LINUX_ENOTEMPTY
		                                       : -LINUX_EBUSY;
	}
	if (rc)
		return rc;
	dir = walk_top(w);
	{
		char canon[NANVIX_FS_PATH_MAX + EXT2_NAME_MAX + 2];

		join(canon, w->path, last);
		if (mount_at(s, canon)) {
			walk_reset(w);
			return q->opcode == NANVIX_FS_UNLINK ? -LINUX_EBUSY : -LINUX_EEXIST;
		}
	}
	if (dir->m->readonly) {
		walk_reset(w);
		return -LINUX_EROFS;
	}
	if (q->opcode == NANVIX_FS_SYMLINK && dir->m->confine_links) {
		rc = link_confined(dir->m->at, w->path, target);
		if (rc) {
			walk_reset(w);
			return rc;
		}
	}
	switch (q->opcode) {
	case NANVIX_FS_MKDIR:
		rc = dir->m->ops->mkdir(dir->m, dir, last, (uint32_t)q->args[3]);
		break;
	case NANVIX_FS_UNLINK:
		if (q->args[3] & ~(uint64_t)LINUX_AT_REMOVEDIR)
			rc = -LINUX_EINVAL;
		else
			rc = dir->m->ops->unlink(dir->m, dir, last,
			                         !!(q->args[3] & LINUX_AT_REMOVEDIR));
		break;
	default: rc = dir->m->ops->symlink(dir->m, dir, last, target); break;
	}
	walk_reset(w);
	return rc;
}

/* rename and link: two (dir, last) pairs on one mount. */
static int64_t do_twoop(struct fs_service *s, const struct nanvix_ring_req *q,
                        const struct svc_mem *m)
{
	struct walk *ow = &s->wa, *nw = &s->wc;
	char olast[EXT2_NAME_MAX + 1], nlast[EXT2_NAME_MAX + 1];
	uint64_t cr3 = q->args[0];
	struct fs_node *od, *nd;
	int64_t rc;

	if (q->opcode == NANVIX_FS_LINK && (q->args[5] & ~(uint64_t)LINUX_AT_SYMLINK_FOLLOW))
		return -LINUX_EINVAL;
	rc = resolve_parent(s, m, cr3, q->args[1], q->args[2], ow, olast);
	if (rc)
		return rc == -LINUX_EBUSY ? -LINUX_EBUSY : rc;
	rc = resolve_parent(s, m, cr3, q->args[3], q->args[4], nw, nlast);
	if (rc) {
		walk_reset(ow);
		return rc == -LINUX_EBUSY ? -LINUX_EEXIST : rc;
	}
	od = walk_top(ow);
	nd = walk_top(nw);
	if (od->m != nd->m)
		rc = -LINUX_EXDEV;
	else if (od->m->readonly)
		rc = -LINUX_EROFS;
	else {
		char a[NANVIX_FS_PATH_MAX + EXT2_NAME_MAX + 2], b[sizeof(a)];

		join(a, ow->path, olast);
		join(b, nw->path, nlast);
		if (mount_at(s, a) || mount_at(s, b))
			rc = -LINUX_EBUSY;
		else if (q->opcode == NANVIX_FS_RENAME)
			rc = od->m->ops->rename(od->m, od, olast, nd, nlast);
		else
			rc = od->m->ops->link(od->m, od, olast, nd, nlast);
	}
	walk_reset(nw);
	walk_reset(ow);
	return rc;
}

static int64_t do_readlink(struct fs_service *s, const struct nanvix_ring_req *q,
                           const struct svc_mem *m)
{
	char target[EXT2_SYMLINK_MAX + 1];
	struct fs_node n;
	struct ext2_stat st;
	bool owned;
	long len;
	int rc = resolve(s, m, q->args[0], q->args[1], q->args[2], 0, LINUX_AT_EMPTY_PATH, &n,
	                 &owned, NULL);

	if (rc)
		return rc;
	rc = n.m->ops->getattr(n.m, &n, &st);
	if (!rc && (st.mode & LINUX_S_IFMT) != LINUX_S_IFLNK)
		rc = -LINUX_EINVAL;
	len = rc ? rc : n.m->ops->readlink(n.m, &n, target, sizeof(target));
	if (owned)
		node_put(&n);
	if (len < 0)
		return len;
	if ((uint64_t)len > q->args[4])
		len = (long)q->args[4];
	rc = m->write(m->ctx, q->args[0], q->args[3], target, (size_t)len);
	return rc ? rc : len;
}

/* truncate/chmod/utimens/access/statfs: calls on (h, path) or h itself. */
static int64_t do_attr(struct fs_service *s, const struct nanvix_ring_req *q,
                       const struct svc_mem *m)
{
	uint64_t cr3 = q->args[0];
	struct fs_node n;
	struct ext2_stat st;
	struct ext2_attr a = { 0 };
	bool owned;
	uint64_t atflags = 0;
	int rc;

	switch (q->opcode) {
	case NANVIX_FS_ACCESS: atflags = q->args[4]; break;
	case NANVIX_FS_CHMOD: atflags = q->args[4]; break;
	case NANVIX_FS_UTIMENS: atflags = q->args[4]; break;
	default: break;
	}
	rc = resolve(s, m, cr3, q->args[1], q->args[2], !(atflags & LINUX_AT_SYMLINK_NOFOLLOW),
	             atflags, &n, &owned, NULL);
	if (rc)
		return rc;
	rc = n.m->ops->getattr(n.m, &n, &st);
	if (rc)
		goto out;
	switch (q->opcode) {
	case NANVIX_FS_TRUNCATE:
		if ((st.mode & LINUX_S_IFMT) == LINUX_S_IFDIR)
			rc = -LINUX_EISDIR;
		else if ((int64_t)q->args[3] < 0)
			rc = -LINUX_EINVAL;
		else if (n.m->readonly)
			rc = -LINUX_EROFS;
		else if (!q->args[2]) {
			struct handle *hd = handle_get(s, q->args[1]);

			if (hd && (hd->flags & LINUX_O_ACCMODE) == LINUX_O_RDONLY)
				rc = -LINUX_EINVAL;
			else
				rc = n.m->ops->truncate(n.m, &n, q->args[3]);
		} else if ((st.mode & LINUX_S_IFMT) != LINUX_S_IFREG) {
			rc = -LINUX_EINVAL;
		} else {
			rc = n.m->ops->truncate(n.m, &n, q->args[3]);
		}
		break;
	case NANVIX_FS_ACCESS:
		if (q->args[3] & ~(uint64_t)7)
			rc = -LINUX_EINVAL;
		else if ((q->args[3] & LINUX_W_OK) && n.m->readonly)
			rc = -LINUX_EROFS;
		else if ((q->args[3] & LINUX_X_OK) && !(st.mode & 0111))
			rc = -LINUX_EACCES;
		break;
	case NANVIX_FS_CHMOD:
		a.mask = EXT2_SET_MODE;
		a.mode = (uint32_t)q->args[3] & 07777;
		rc = n.m->readonly ? -LINUX_EROFS : n.m->ops->setattr(n.m, &n, &a);
		break;
	case NANVIX_FS_UTIMENS: {
		struct linux_timespec ts[2];
		int64_t now = 0;

		if (q->args[3]) {
			rc = m->read(m->ctx, cr3, q->args[3], ts, sizeof(ts));
			if (rc)
				break;
		} else {
			ts[0].tv_nsec = ts[1].tv_nsec = LINUX_UTIME_NOW;
		}
		now = (int64_t)time(NULL);
		for (int i = 0; i < 2; i++) {
			int64_t *t = i ? &a.mtime : &a.atime;

			if (ts[i].tv_nsec == LINUX_UTIME_OMIT)
				continue;
			if (ts[i].tv_nsec == LINUX_UTIME_NOW) {
				*t = now;
			} else if (ts[i].tv_nsec < 0 || ts[i].tv_nsec >= 1000000000) {
				rc = -LINUX_EINVAL;
				break;
			} else {
				*t = ts[i].tv_sec;
			}
			a.mask |= i ? EXT2_SET_MTIME : EXT2_SET_ATIME;
		}
		if (!rc && a.mask)
			rc = n.m->readonly ? -LINUX_EROFS : n.m->ops->setattr(n.m, &n, &a);
		break;
	}
	case NANVIX_FS_STATFS: {
		struct ext2_statfs e;
		struct linux_statfs f;

		rc = n.m->ops->statfs(n.m, &e);
		if (rc)
			break;
		memset(&f, 0, sizeof(f));
		f.f_type = LINUX_EXT2_SUPER_MAGIC;
		f.f_bsize = f.f_frsize = e.bsize;
		f.f_blocks = e.blocks;
		f.f_bfree = e.bfree;
		f.f_bavail = e.bavail;
		f.f_files = e.files;
		f.f_ffree = e.ffree;
		f.f_namelen = e.namemax;
		f.f_flags = n.m->readonly ? 1 : 0;
		rc = m->write(m->ctx, cr3, q->args[3], &f, sizeof(f));
		break;
	}
	default: rc = -LINUX_EINVAL; break;
	}
out:
	if (owned)
		node_put(&n);
	return rc;
}

int64_t fs_service_call(struct fs_service *s, const struct nanvix_ring_req *q,
                        const struct svc_mem *m, uint64_t *value)
{
	int64_t rc;

	*value = 0;
	s->st.calls++;
	if (!s->root) {
		rc = -LINUX_ENOENT;
		goto out;
	}
	switch (q->opcode) {
	case NANVIX_FS_OPEN:
		rc = do_open(s, q, m);
		if (rc > 0) {
			*value = (uint64_t)rc;
			if (handle_get(s, (uint64_t)rc)->dir)
				*value |= NANVIX_FS_OPEN_DIR;
		}
		break;
	case NANVIX_FS_CLOSE: {
		struct handle *hd = handle_get(s, q->args[1]);

		if (!hd || q->args[1] == NANVIX_FS_ROOT)
			rc = -LINUX_EBADF;
		else {
			handle_close(s, hd);
			rc = 0;
		}
		break;
	}
	case NANVIX_FS_READ: rc = do_io(s, q, m, false, false); break;
	case NANVIX_FS_WRITE: rc = do_io(s, q, m, true, false); break;
	case NANVIX_FS_PREAD: rc = do_io(s, q, m, false, true); break;
	case NANVIX_FS_PWRITE: rc = do_io(s, q, m, true, true); break;
	case NANVIX_FS_LSEEK:
		rc = do_lseek(s, q);
		if (rc >= 0)
			*value = (uint64_t)rc;
		break;
	case NANVIX_FS_FSTATAT: rc = do_stat(s, q, m, false); break;
	case NANVIX_FS_STATX: rc = do_stat(s, q, m, true); break;
	case NANVIX_FS_GETDENTS: rc = do_getdents(s, q, m); break;
	case NANVIX_FS_MKDIR:
	case NANVIX_FS_UNLINK:
	case NANVIX_FS_SYMLINK: rc = do_dirop(s, q, m); break;
	case NANVIX_FS_RENAME:
	case NANVIX_FS_LINK: rc = do_twoop(s, q, m); break;
	case NANVIX_FS_READLINK: rc = do_readlink(s, q, m); break;
	case NANVIX_FS_FSYNC: {
		struct handle *hd = handle_get(s, q->args[1]);

		rc = hd ? hd->node.m->ops->fsync(hd->node.m, &hd->node) : -LINUX_EBADF;
		break;
	}
	case NANVIX_FS_IDENT: {
		/* One value for every handle of one file: its record locks' key. */
		struct handle *hd = handle_get(s, q->args[1]);
		struct ext2_stat st;

		if (!hd) {
			rc = -LINUX_EBADF;
			break;
		}
		rc = hd->node.m->ops->getattr(hd->node.m, &hd->node, &st);
		if (!rc)
			*value = NANVIX_FS_IDENT_OF(hd->node.m->dev, st.ino);
		break;
	}
	case NANVIX_FS_GETPATH: {
		struct handle *hd = handle_get(s, q->args[1]);
		size_t n;

		if (!hd) {
			rc = -LINUX_EBADF;
			break;
		}
		n = strlen(hd->path) + 1;
		if (n > q->args[3]) {
			rc = -LINUX_ERANGE;
			break;
		}
		rc = m->write(m->ctx, q->args[0], q->args[2], hd->path, n);
		if (!rc)
			rc = (int64_t)n;
		break;
	}
	case NANVIX_FS_TRUNCATE:
	case NANVIX_FS_ACCESS:
	case NANVIX_FS_CHMOD:
	case NANVIX_FS_UTIMENS:
	case NANVIX_FS_STATFS: rc = do_attr(s, q, m); break;
	default: rc = -LINUX_EINVAL; break;
	}
out:
	if (rc < 0)
		s->st.errors++;
	return rc;
}
