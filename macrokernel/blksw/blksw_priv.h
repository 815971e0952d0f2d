/* Storage switch internals shared by blksw.c and blksw_cow.c; not exported. */
#ifndef BLKSW_PRIV_H
#define BLKSW_PRIV_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include <blksw/blksw.h>

/* A read-only base file, shared by every cow disk of a switch that names it. */
struct blksw_base {
	dev_t dev;
	ino_t ino;
	int fd;        /* O_RDONLY, flock(LOCK_SH) held; never written */
	unsigned refs; /* disks using it; under sw->lock */
	struct blksw_base *next;
};

struct blksw {
	pthread_mutex_t lock; /* protects bases, nbases and refs */
	int rootfd;           /* AT_FDCWD or our own duplicate of the caller's directory */
	struct blksw_base *bases;
	unsigned nbases;
	unsigned refs; /* the owner's hold (until blksw_free) plus one per open disk */
};

enum blksw_mode {
	BLKSW_RAW,
	BLKSW_RO,
	BLKSW_COW,
};

/* The copy-on-write state of a cow disk. */
struct blksw_overlay {
	int fd;            /* sparse private file, as large as the disk */
	uint64_t *present; /* bit c set: chunk c lives in the overlay */
	uint64_t nchunks;
	uint64_t npresent; /* bits set in present */
	uint8_t *scratch;  /* one chunk, for read-modify-write of a partial chunk */
};

struct blksw_disk {
	struct blksw *sw;
	enum blksw_mode mode;
	uint64_t size;
	int fd;                   /* the image (raw, ro); -1 for cow */
	struct blksw_base *base;  /* cow only */
	struct blksw_overlay ovl; /* cow only */
	int flush_err;            /* first failed fdatasync, returned by every later flush */
	struct blksw_stats stats;
	/* blksw_set_rate's bucket: bytes a second, bytes in hand (negative:
	 * owed, being slept off), when it was last filled (CLOCK_MONOTONIC ns). */
	uint64_t rate;
	int64_t tokens;
	uint64_t last_ns;
};

/* pread/pwrite that retry on EINTR and short transfers.  0, -errno, or -EIO at end of file. */
int blksw_pread_full(int fd, void *buf, size_t len, uint64_t off);
int blksw_pwrite_full(int fd, const void *buf, size_t len, uint64_t off);

/*
 * Create the overlay of a cow disk of `size` bytes in *ovl: an O_TMPFILE in
 * $TMPDIR or /var/tmp, else a memfd.  0 or -errno, with nothing left open.
 */
int blksw_cow_init(struct blksw_overlay *ovl, uint64_t size);
void blksw_cow_fini(struct blksw_overlay *ovl);

/* I/O on a cow disk; the range was already checked against the disk. */
int blksw_cow_read(struct blksw_disk *d, uint64_t off, uint8_t *buf, size_t len);
int blksw_cow_write(struct blksw_disk *d, uint64_t off, const uint8_t *buf, size_t len);

#endif /* BLKSW_PRIV_H */
