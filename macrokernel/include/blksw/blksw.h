/* The storage switch: serves every attached VM's block requests from image files. */
#ifndef BLKSW_BLKSW_H
#define BLKSW_BLKSW_H

#include <stddef.h>
#include <stdint.h>

#include <fs/blkdev.h>

/*
 * A switch owns the table of shared read-only bases and, optionally, the
 * directory that confines every image path.  A disk is one VM's view of one
 * image: raw (read-write), read-only, or copy-on-write over a shared base.
 *
 * Errors: every call returns 0 or a negative errno.  Offsets and lengths of
 * requests come from hostile guests: each is checked (multiple of
 * BLKSW_SECTOR, inside the disk, no wrap-around) before anything is read or
 * written, and a refused or failed request bumps the disk's error counter.
 *
 * Locking: the switch's base table has its own mutex, so disks of one
 * switch may be opened, used and closed from different threads.  One disk
 * is used by one thread at a time (the caller serialises its requests).
 */

#define BLKSW_SECTOR 512u  /* request granularity, bytes */
#define BLKSW_CHUNK  4096u /* copy-on-write granularity, bytes */

struct blksw;
struct blksw_disk;

/*
 * Per-disk counters.  reads, writes and flushes count requests that
 * succeeded (bytes_* their bytes); errors counts every request refused
 * (-EINVAL, -EROFS) or failed.
 */
struct blksw_stats {
	uint64_t reads, writes, flushes, bytes_read, bytes_written, errors;
};

/*
 * Create a switch in *out.  rootfd is AT_FDCWD (image paths are opened as
 * given) or a directory descriptor: then every image path is resolved
 * strictly beneath that directory (openat2 with RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS), so absolute paths, ".." escapes and symlinks
 * leading outside are refused.  The switch keeps its own duplicate of
 * rootfd; the caller may close theirs.  Returns 0, -EBADF, -ENOTDIR or
 * -ENOMEM.
 */
int blksw_new(struct blksw **out, int rootfd);

/*
 * Release the caller's hold on the switch.  Meant to be called after every
 * disk is closed; a disk still open keeps the switch alive until
 * blksw_close() of the last one frees it.  NULL is ignored.
 */
void blksw_free(struct blksw *sw);

/*
 * Open one disk as described by `spec`:
 *   "PATH"      the image, read-write; writes go straight to the file
 *               ("PATH:rw" says the same, for a PATH containing ':');
 *   "PATH:ro"   the image, read-only (writes get -EROFS);
 *   "PATH:cow"  the image is a read-only base shared by every disk of this
 *               switch naming the same file (same st_dev/st_ino), plus a
 *               private copy-on-write overlay discarded at close.
 * The image must be a regular file whose size is a nonzero multiple of
 * BLKSW_SECTOR.  Images are locked with flock(): a read-write image
 * exclusively, a read-only image or a base shared, so a read-write disk
 * never shares its file with another disk, in this process or another
 * (-EBUSY).  Every descriptor is close-on-exec.
 *
 * Returns 0 with the disk in *out, or a negative errno and a one-line
 * reason in err[0..errlen) (err may be NULL): "disk.img: No such file or
 * directory", "disk.img: size 1000 is not a multiple of 512", "bad disk
 * spec 'x:foo' (expected PATH, PATH:ro or PATH:cow)".  Thread-safe.
 */
int blksw_open(struct blksw *sw, const char *spec, struct blksw_disk **out, char *err,
               size_t errlen);

/* Close a disk: its overlay is discarded, its base released.  NULL is ignored. */
void blksw_close(struct blksw_disk *d);

/* The disk's size in bytes: a nonzero multiple of BLKSW_SECTOR, fixed at open. */
uint64_t blksw_size(const struct blksw_disk *d);

/* 1 if writes are refused (a ":ro" disk), else 0. */
int blksw_readonly(const struct blksw_disk *d);

/*
 * Read [off, off + len) of the disk into buf.  off and len must be
 * multiples of BLKSW_SECTOR and the range inside the disk, else -EINVAL
 * and nothing is read.  Returns 0 or a negative errno (-EIO if the image
 * shrank under us).
 */
int blksw_read(struct blksw_disk *d, uint64_t off, void *buf, size_t len);

/*
 * Write buf to [off, off + len) of the disk (same checks as blksw_read;
 * a disk never grows).  The data has reached the image (or the overlay)
 * when this returns, in the order requests were issued; it is durable
 * only after blksw_flush.  Returns 0, -EINVAL, -EROFS, or the errno of a
 * failed write (-ENOSPC, -EIO); after a failure part of the range may
 * hold new data, as on a real disk.
 */
int blksw_write(struct blksw_disk *d, uint64_t off, const void *buf, size_t len);

/*
 * Make everything written before it durable: returns after fdatasync of
 * the image (raw) or of the overlay (cow).  Nothing to do for a read-only
 * disk.  Returns 0 or a negative errno; once an fdatasync has failed,
 * every later flush of the disk fails with the same errno (the kernel may
 * have dropped the unwritten data and would report success next time).
 */
int blksw_flush(struct blksw_disk *d);

/*
 * Bound the disk's reads and writes together to `rate` bytes a second
 * (0: no bound), a token bucket of a tenth of a second's bytes: a request
 * beyond it waits (blksw_read and blksw_write sleep) until the bytes are
 * earned, so the VM's I/O slows as a throttled block device's would.
 */
void blksw_set_rate(struct blksw_disk *d, uint64_t rate);

/* Fill *out so that the file-system component can use the disk as a struct blkdev. */
void blksw_blkdev(struct blksw_disk *d, struct blkdev *out);

/* Copy the disk's counters into *out. */
void blksw_disk_stats(const struct blksw_disk *d, struct blksw_stats *out);

/* How many base files the switch holds open (one per distinct st_dev/st_ino). Thread-safe. */
unsigned blksw_bases_open(struct blksw *sw);

/* How many BLKSW_CHUNK chunks of a cow disk live in its overlay; 0 for other disks. */
uint64_t blksw_overlay_chunks(const struct blksw_disk *d);

#endif /* BLKSW_BLKSW_H */
