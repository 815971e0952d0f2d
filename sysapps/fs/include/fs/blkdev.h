/* A block device as the file-system component sees it: placement-neutral. */
#ifndef FS_BLKDEV_H
#define FS_BLKDEV_H

#include <stddef.h>
#include <stdint.h>

/*
 * Byte-addressed, but callers only use offsets and lengths that are
 * multiples of 512.  Each call returns 0 or a negative errno (-EIO,
 * -ENOSPC, -EROFS).  `flush` returns once everything written before it is
 * durable (on the host: the image file was fsync'ed).
 *
 * Host placement: the storage switch (macrokernel/blksw).  Guest
 * placement: pread/pwrite/fsync on the VM's disk device, which the kernel
 * turns into block requests on the ring.
 */
struct blkdev {
	void *ctx;
	uint64_t size; /* bytes */
	int readonly;
	int (*read)(void *ctx, uint64_t off, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t off, const void *buf, size_t len);
	int (*flush)(void *ctx);
};

#endif /* FS_BLKDEV_H */
