/* The storage switch: disk specs, confined image opening, shared bases, checked block I/O. */
/*
 * Every VM disk is a window onto one image file on the host.  A request
 * arrives with an offset and a length chosen by the guest, so both are
 * checked once, against the size fixed when the disk was opened, before
 * any byte moves: a disk never grows, never reads past its end, and the
 * checked range is the only thing the I/O paths see (check, then act).
 *
 * Three kinds of disk:
 *
 *  - raw: the image opened read-write; a write is a synchronous pwrite, so
 *    requests reach the file in the order they were issued, and a flush
 *    is an fdatasync, so a guest's fsync is durable when it returns.
 *  - ro: the image opened read-only; writes get -EROFS.
 *  - cow: a base image shared by every cow disk of the switch that names
 *    the same file, plus a private overlay (blksw_cow.c).  Bases are kept
 *    in a small table keyed by (st_dev, st_ino) and refcounted by disks,
 *    so a hundred VMs booting from one root image hold one descriptor; the
 *    table is the only state disks share and has the switch's mutex.
 *
 * Images are flock()ed, a read-write image exclusively and anything only
 * read shared, so two disks (or two processes using this library, such as
 * nanvixd's embedded macro-kernel and bin/macrokernel) never write one
 * file at once and a base never changes under its overlays.
 *
 * With a root directory, image paths are resolved by openat2 with
 * RESOLVE_BENEATH: the kernel itself refuses absolute paths, ".." and
 * symlinks that leave the directory, with no window for a rename race.
 */
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "blksw_priv.h"

/* openat2 may ask for a retry when a concurrent rename raced a ".." lookup. */
#define OPENAT2_TRIES 8

int blksw_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO; /* the file shrank below the size the disk was opened with */
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int blksw_pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int blksw_new(struct blksw **out, int rootfd)
{
	struct blksw *sw;
	struct stat st;
	int fd = AT_FDCWD;
	int rc;

	*out = NULL;
	if (rootfd != AT_FDCWD) {
		fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			return -errno;
		if (fstat(fd, &st) < 0) {
			rc = -errno;
			goto out_close;
		}
		if (!S_ISDIR(st.st_mode)) {
			rc = -ENOTDIR;
			goto out_close;
		}
	}
	sw = calloc(1, sizeof(*sw));
	if (!sw) {
		rc = -ENOMEM;
		goto out_close;
	}
	rc = pthread_mutex_init(&sw->lock, NULL);
	if (rc) {
		rc = -rc;
		goto out_free;
	}
	sw->rootfd = fd;
	sw->refs = 1;
	*out = sw;
	return 0;

out_free:
	free(sw);
out_close:
	if (fd != AT_FDCWD)
		close(fd);
	return rc;
}

/* Take one more hold on the switch, for a disk just opened. */
static void sw_hold(struct blksw *sw)
{
	pthread_mutex_lock(&sw->lock);
	sw->refs++;
	pthread_mutex_unlock(&sw->lock);
}

/* Drop one hold on the switch; the last one frees it (every base is gone by then). */
static void sw_put(struct blksw *sw)
{
	unsigned left;

	pthread_mutex_lock(&sw->lock);
	left = --sw->refs;
	pthread_mutex_unlock(&sw->lock);
	if (left)
		return;
	pthread_mutex_destroy(&sw->lock);
	if (sw->rootfd != AT_FDCWD)
		close(sw->rootfd);
	free(sw);
}

void blksw_free(struct blksw *sw)
{
	if (sw)
		sw_put(sw);
}

unsigned blksw_bases_open(struct blksw *sw)
{
	unsigned n;

	pthread_mutex_lock(&sw->lock);
	n = sw->nbases;
	pthread_mutex_unlock(&sw->lock);
	return n;
}

/* Write one line into err, if the caller gave room for it. */
static void __attribute__((format(printf, 3, 4)))
report(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Split "PATH[:ro|:cow|:rw]" into path[PATH_MAX] and *mode.  0 or -EINVAL / -ENAMETOOLONG. */
static int parse_spec(const char *spec, char *path, enum blksw_mode *mode)
{
	const char *colon = strrchr(spec, ':');
	size_t n = strlen(spec);

	*mode = BLKSW_RAW;
	if (colon) {
		if (!strcmp(colon + 1, "ro"))
			*mode = BLKSW_RO;
		else if (!strcmp(colon + 1, "cow"))
			*mode = BLKSW_COW;
		else if (strcmp(colon + 1, "rw"))
			return -EINVAL;
		n = (size_t)(colon - spec);
	}
	if (n == 0)
		return -EINVAL;
	if (n >= PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(path, spec, n);
	path[n] = '\0';
	return 0;
}

/* Open an image path (beneath the switch's root, if it has one).  A descriptor or -errno. */
static int open_image(struct blksw *sw, const char *path, int flags)
{
	/* O_NONBLOCK: opening a FIFO must not hang the switch (check_image clears it). */
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	int tries = 0;
	long fd;

	do {
		if (sw->rootfd == AT_FDCWD)
			fd = open(path, (int)how.flags);
		else
			fd = syscall(__NR_openat2, sw->rootfd, path, &how, sizeof(how));
	} while (fd < 0 && (errno == EINTR || (errno == EAGAIN && ++tries < OPENAT2_TRIES)));
	return fd < 0 ? -errno : (int)fd;
}

/*
 * Check an opened image (regular file, size a nonzero multiple of
 * BLKSW_SECTOR) and make its descriptor blocking.  0 or -errno with the
 * reason in err.
 */
static int check_image(int fd, const char *path, struct stat *st, char *err, size_t errlen)
{
	int fl;

	if (fstat(fd, st) < 0) {
		int rc = -errno;

		report(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	if (!S_ISREG(st->st_mode)) {
		report(err, errlen, "%s: not a regular file", path);
		return S_ISDIR(st->st_mode) ? -EISDIR : -EINVAL;
	}
	if (st->st_size == 0) {
		report(err, errlen, "%s: size 0 (an image must hold at least one %u-byte sector)",
		       path, BLKSW_SECTOR);
		return -EINVAL;
	}
	if (st->st_size % BLKSW_SECTOR) {
		report(err, errlen, "%s: size %lld is not a multiple of %u", path,
		       (long long)st->st_size, BLKSW_SECTOR);
		return -EINVAL;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		int rc = -errno;

		report(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	return 0;
}

/* flock without waiting: 0, -EBUSY when another disk holds the file, or -errno. */
static int lock_image(int fd, int how)
{
	if (flock(fd, how | LOCK_NB) == 0)
		return 0;
	return errno == EWOULDBLOCK ? -EBUSY : -errno;
}

/*
 * Take a reference on the base for the opened image `fd` (described by
 * *st): an existing entry with the same st_dev/st_ino, or a new one that
 * keeps fd.  Consumes fd in every case.  0, -EBUSY or -ENOMEM.
 */
static int base_get(struct blksw *sw, int fd, const struct stat *st, struct blksw_base **out)
{
	struct blksw_base *b;
	int rc = 0;

	pthread_mutex_lock(&sw->lock);
	for (b = sw->bases; b; b = b->next)
		if (b->dev == st->st_dev && b->ino == st->st_ino)
			break;
	if (b) {
		b->refs++;
		goto out_unlock;
	}
	rc = lock_image(fd, LOCK_SH);
	if (rc)
		goto out_unlock;
	b = calloc(1, sizeof(*b));
	if (!b) {
		rc = -ENOMEM;
		goto out_unlock;
	}
	b->dev = st->st_dev;
	b->ino = st->st_ino;
	b->fd = fd;
	b->refs = 1;
	b->next = sw->bases;
	sw->bases = b;
	sw->nbases++;
	fd = -1; /* now the base's */
out_unlock:
	pthread_mutex_unlock(&sw->lock);
	if (fd >= 0)
		close(fd);
	*out = b; /* NULL on every error path */
	return rc;
}

/* Drop a disk's reference on its base; the last one closes the file. */
static void base_put(struct blksw *sw, struct blksw_base *base)
{
	struct blksw_base **pp;
	int last;

	pthread_mutex_lock(&sw->lock);
	last = --base->refs == 0;
	if (last) {
		for (pp = &sw->bases; *pp != base; pp = &(*pp)->next)
			;
		*pp = base->next;
		sw->nbases--;
	}
	pthread_mutex_unlock(&sw->lock);
	if (last) {
		close(base->fd);
		free(base);
	}
}

int blksw_open(struct blksw *sw, const char *spec, struct blksw_disk **out, char *err,
               size_t errlen)
{
	char path[PATH_MAX];
	enum blksw_mode mode;
	struct blksw_disk *d;
	struct stat st;
	int fd, rc;

	*out = NULL;
	rc = parse_spec(spec, path, &mode);
	if (rc) {
		report(err, errlen, "bad disk spec '%s' (expected PATH, PATH:ro or PATH:cow)",
		       spec);
		return rc;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		report(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	d->sw = sw;
	d->mode = mode;
	d->fd = -1;
	d->ovl.fd = -1;

	fd = open_image(sw, path, mode == BLKSW_RAW ? O_RDWR : O_RDONLY);
	if (fd < 0) {
		rc = fd;
		if (rc == -EXDEV)
			report(err, errlen, "%s: path leads outside the image directory", path);
		else
			report(err, errlen, "%s: %s", path, strerror(-rc));
		goto out_free;
	}
	rc = check_image(fd, path, &st, err, errlen);
	if (rc)
		goto out_close;
	d->size = (uint64_t)st.st_size;

	if (mode != BLKSW_COW) {
		rc = lock_image(fd, mode == BLKSW_RAW ? LOCK_EX : LOCK_SH);
		if (rc)
			goto out_locked;
		d->fd = fd;
		sw_hold(sw);
		*out = d;
		return 0;
	}

	rc = blksw_cow_init(&d->ovl, d->size);
	if (rc) {
		report(err, errlen, "%s: cannot create the copy-on-write overlay: %s", path,
		       strerror(-rc));
		goto out_close;
	}
	rc = base_get(sw, fd, &st, &d->base); /* takes fd */
	fd = -1;
	if (rc)
		goto out_cow;
	sw_hold(sw);
	*out = d;
	return 0;

out_cow:
	blksw_cow_fini(&d->ovl);
out_locked:
	if (rc == -EBUSY)
		report(err, errlen, "%s: in use by another disk (locked)", path);
	else
		report(err, errlen, "%s: %s", path, strerror(-rc));
out_close:
	if (fd >= 0)
		close(fd);
out_free:
	free(d);
	return rc;
}

void blksw_close(struct blksw_disk *d)
{
	struct blksw *sw;

	if (!d)
		return;
	sw = d->sw;
	if (d->mode == BLKSW_COW) {
		blksw_cow_fini(&d->ovl);
		base_put(sw, d->base);
	} else {
		close(d->fd); /* releases the flock */
	}
	free(d);
	sw_put(sw);
}

uint64_t blksw_size(const struct blksw_disk *d)
{
	return d->size;
}

int blksw_readonly(const struct blksw_disk *d)
{
	return d->mode == BLKSW_RO;
}

uint64_t blksw_overlay_chunks(const struct blksw_disk *d)
{
	return d->mode == BLKSW_COW ? d->ovl.npresent : 0;
}

/* The only check a guest request gets: aligned, inside the disk, no wrap-around. */
static int check_request(const struct blksw_disk *d, uint64_t off, size_t len, const void *buf)
{
	if ((off | (uint64_t)len) % BLKSW_SECTOR)
		return -EINVAL;
	if (off > d->size || (uint64_t)len > d->size - off)
		return -EINVAL;
	if (len && !buf)
		return -EINVAL;
	return 0;
}

/* Count a finished request: its counter and bytes when it succeeded, else an error. */
static int account(struct blksw_disk *d, int rc, uint64_t *count, uint64_t *bytes, size_t len)
{
	if (rc) {
		d->stats.errors++;
		return rc;
	}
	(*count)++;
	if (bytes)
		*bytes += len;
	return 0;
}

void blksw_set_rate(struct blksw_disk *d, uint64_t rate)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	d->rate = rate;
	d->tokens = (int64_t)(rate / 10);
	d->last_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Take len bytes from the bucket, sleeping off what is owed. */
static void throttle(struct blksw_disk *d, size_t len)
{
	int64_t burst = (int64_t)(d->rate / 10 > BLKSW_SECTOR ? d->rate / 10 : BLKSW_SECTOR);
	struct timespec ts;
	uint64_t now, wait;

	if (!d->rate || !len)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	if (now > d->last_ns) {
		uint64_t earned =
		        (uint64_t)((unsigned __int128)(now - d->last_ns) * d->rate / 1000000000u);

		d->tokens = earned >= (uint64_t)(burst - d->tokens) ? burst
		                                                    : d->tokens + (int64_t)earned;
		d->last_ns = now;
	}
	d->tokens -= (int64_t)len;
	if (d->tokens >= 0)
		return;
	wait = (uint64_t)((unsigned __int128)(uint64_t)-d->tokens * 1000000000u / d->rate);
	ts.tv_sec = (time_t)(wait / 1000000000ull);
	ts.tv_nsec = (long)(wait % 1000000000ull);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int blksw_read(struct blksw_disk *d, uint64_t off, void *buf, size_t len)
{
	int rc = check_request(d, off, len, buf);

	if (!rc)
		throttle(d, len);
	if (!rc && len) {
		if (d->mode == BLKSW_COW)
			rc = blksw_cow_read(d, off, buf, len);
		else
			rc = blksw_pread_full(d->fd, buf, len, off);
	}
	return account(d, rc, &d->stats.reads, &d->stats.bytes_read, len);
}

int blksw_write(struct blksw_disk *d, uint64_t off, const void *buf, size_t len)
{
	int rc = check_request(d, off, len, buf);

	if (!rc && d->mode == BLKSW_RO)
		rc = -EROFS;
	if (!rc)
		throttle(d, len);
	if (!rc && len) {
		if (d->mode == BLKSW_COW)
			rc = blksw_cow_write(d, off, buf, len);
		else
			rc = blksw_pwrite_full(d->fd, buf, len, off);
	}
	return account(d, rc, &d->stats.writes, &d->stats.bytes_written, len);
}

int blksw_flush(struct blksw_disk *d)
{
	int fd = d->mode == BLKSW_COW ? d->ovl.fd : d->fd;
	int rc = d->flush_err;

	/*
	 * After a failed fdatasync the kernel may drop the dirty pages and
	 * report success next time: once lost, the error sticks to the disk.
	 */
	if (!rc && d->mode != BLKSW_RO && fdatasync(fd) < 0)
		rc = d->flush_err = -errno;
	return account(d, rc, &d->stats.flushes, NULL, 0);
}

void blksw_disk_stats(const struct blksw_disk *d, struct blksw_stats *out)
{
	*out = d->stats;
}

static int blkdev_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	return blksw_read(ctx, off, buf, len);
}

static int blkdev_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	return blksw_write(ctx, off, buf, len);
}

static int blkdev_flush(void *ctx)
{
	return blksw_flush(ctx);
}

void blksw_blkdev(struct blksw_disk *d, struct blkdev *out)
{
	*out = (struct blkdev){
		.ctx = d,
		.size = d->size,
		.readonly = blksw_readonly(d),
		.read = blkdev_read,
		.write = blkdev_write,
		.flush = blkdev_flush,
	};
}
