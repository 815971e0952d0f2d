/* Copy-on-write disks: a private sparse overlay in front of a shared read-only base. */
/*
 * The disk is cut into BLKSW_CHUNK-byte chunks (the last one may be
 * shorter: a disk is a multiple of BLKSW_SECTOR only).  A bitmap in memory
 * says which chunks live in the overlay; the overlay file has the disk's
 * layout (chunk c at offset c * BLKSW_CHUNK), so it stays sparse and no
 * mapping table is needed.
 *
 * Invariant: a chunk marked present holds, in the overlay, the complete
 * current contents of that chunk.  A write covering whole chunks writes
 * them and then marks them; a write covering part of an absent chunk first
 * builds the whole chunk (base bytes, then the new ones) and writes it,
 * and only then marks it.  A failed write therefore never makes stale or
 * missing overlay bytes visible.  Reads take maximal runs of chunks that
 * live in the same file, so a read costs one pread per change of source.
 *
 * The overlay is an unnamed file (O_TMPFILE, else a memfd): nothing to
 * clean up after a crash, and it disappears with its last descriptor.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "blksw_priv.h"

static int chunk_present(const struct blksw_overlay *o, uint64_t c)
{
	return (o->present[c / 64] >> (c % 64)) & 1;
}

static void chunk_mark(struct blksw_overlay *o, uint64_t c)
{
	if (!chunk_present(o, c)) {
		o->present[c / 64] |= 1ull << (c % 64);
		o->npresent++;
	}
}

/* An unnamed file for the overlay.  A descriptor or -errno (from the last attempt). */
static int overlay_file(void)
{
	const char *dirs[] = { secure_getenv("TMPDIR"), "/var/tmp" };
	unsigned i;
	int fd;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (!dirs[i] || !dirs[i][0])
			continue;
		fd = open(dirs[i], O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0)
			return fd;
	}
	/* No writable directory with O_TMPFILE support: keep the overlay in memory. */
	fd = memfd_create("blksw-cow", MFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int blksw_cow_init(struct blksw_overlay *ovl, uint64_t size)
{
	int rc;

	memset(ovl, 0, sizeof(*ovl));
	ovl->fd = -1;
	ovl->nchunks = size / BLKSW_CHUNK + (size % BLKSW_CHUNK != 0);
	ovl->present = calloc((ovl->nchunks + 63) / 64, sizeof(uint64_t));
	ovl->scratch = malloc(BLKSW_CHUNK);
	if (!ovl->present || !ovl->scratch) {
		rc = -ENOMEM;
		goto out_free;
	}
	ovl->fd = overlay_file();
	if (ovl->fd < 0) {
		rc = ovl->fd;
		goto out_free;
	}
	return 0;

out_free:
	free(ovl->present);
	free(ovl->scratch);
	memset(ovl, 0, sizeof(*ovl));
	ovl->fd = -1;
	return rc;
}

void blksw_cow_fini(struct blksw_overlay *ovl)
{
	if (ovl->fd >= 0)
		close(ovl->fd);
	free(ovl->present);
	free(ovl->scratch);
	memset(ovl, 0, sizeof(*ovl));
	ovl->fd = -1;
}

int blksw_cow_read(struct blksw_disk *d, uint64_t off, uint8_t *buf, size_t len)
{
	const struct blksw_overlay *o = &d->ovl;
	uint64_t end = off + len;
	int rc;

	while (off < end) {
		uint64_t c = off / BLKSW_CHUNK;
		int in = chunk_present(o, c);
		uint64_t run = (c + 1) * BLKSW_CHUNK;

		/* Extend the run while the next chunk comes from the same file. */
		while (run < end && chunk_present(o, run / BLKSW_CHUNK) == in)
			run += BLKSW_CHUNK;
		if (run > end)
			run = end;
		rc = blksw_pread_full(in ? o->fd : d->base->fd, buf, run - off, off);
		if (rc)
			return rc;
		buf += run - off;
		off = run;
	}
	return 0;
}

int blksw_cow_write(struct blksw_disk *d, uint64_t off, const uint8_t *buf, size_t len)
{
	struct blksw_overlay *o = &d->ovl;
	uint64_t end = off + len;
	int rc;

	while (off < end) {
		uint64_t c = off / BLKSW_CHUNK;
		uint64_t cstart = c * BLKSW_CHUNK;
		uint64_t cend = cstart + BLKSW_CHUNK < d->size ? cstart + BLKSW_CHUNK : d->size;
		uint64_t n;

		if (off == cstart && end >= cend) {
			/* Whole chunks (up to a short last one): old contents do not matter. */
			uint64_t run = end == d->size
			                       ? end
			                       : off + (end - off) / BLKSW_CHUNK * BLKSW_CHUNK;

			rc = blksw_pwrite_full(o->fd, buf, run - off, off);
			if (rc)
				return rc;
			for (; c * BLKSW_CHUNK < run; c++)
				chunk_mark(o, c);
			n = run - off;
		} else {
			/* Part of one chunk. */
			uint64_t stop = end < cend ? end : cend;

			n = stop - off;
			if (chunk_present(o, c)) {
				rc = blksw_pwrite_full(o->fd, buf, n, off);
			} else {
				rc = blksw_pread_full(d->base->fd, o->scratch, cend - cstart,
				                      cstart);
				if (!rc) {
					memcpy(o->scratch + (off - cstart), buf, n);
					rc = blksw_pwrite_full(o->fd, o->scratch, cend - cstart,
					                       cstart);
				}
				if (!rc)
					chunk_mark(o, c);
			}
			if (rc)
				return rc;
		}
		buf += n;
		off += n;
	}
	return 0;
}
