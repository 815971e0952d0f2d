/* Block devices for the ext2 tests: an image file (pread/pwrite/fsync) or a buffer in memory. */
#ifndef TESTS_UNIT_FS_FILE_BLKDEV_H
#define TESTS_UNIT_FS_FILE_BLKDEV_H

#include <stddef.h>
#include <stdint.h>

#include <fs/blkdev.h>

/*
 * Both kinds abort() on an offset or length that is not a multiple of 512
 * (the blkdev contract) and count the writes, so a test can check that a
 * read-only mount wrote nothing.
 */
struct file_blkdev {
	struct blkdev dev;
	int fd;
	unsigned long writes;
};

/* Open `path` as a device of the file's size: 0, or -errno. */
int file_blkdev_open(struct file_blkdev *fb, const char *path, int readonly);
void file_blkdev_close(struct file_blkdev *fb);

struct mem_blkdev {
	struct blkdev dev;
	uint8_t *data; /* the caller's buffer of dev.size bytes */
	unsigned long writes;
};

void mem_blkdev_init(struct mem_blkdev *mb, void *data, size_t size, int readonly);

#endif /* TESTS_UNIT_FS_FILE_BLKDEV_H */
