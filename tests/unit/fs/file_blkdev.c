/* Block devices for the ext2 tests: an image file or a memory buffer, checking the 512-byte contract. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_blkdev.h"

static void check_aligned(uint64_t off, size_t len)
{
	if (off % 512 != 0 || len % 512 != 0)
		abort();
}

static int file_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct file_blkdev *fb = ctx;
	size_t done = 0;

	check_aligned(off, len);
	if (off > fb->dev.size || len > fb->dev.size - off)
		return -EIO;
	while (done < len) {
		ssize_t n = pread(fb->fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (n <= 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

static int file_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct file_blkdev *fb = ctx;
	size_t done = 0;

	check_aligned(off, len);
	if (fb->dev.readonly)
		return -EROFS;
	if (off > fb->dev.size || len > fb->dev.size - off)
		return -EIO;
	fb->writes++;
	while (done < len) {
		ssize_t n =
		        pwrite(fb->fd, (const char *)buf + done, len - done, (off_t)(off + done));

		if (n <= 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

static int file_flush(void *ctx)
{
	struct file_blkdev *fb = ctx;

	return fsync(fb->fd) == 0 ? 0 : -EIO;
}

int file_blkdev_open(struct file_blkdev *fb, const char *path, int readonly)
{
	struct stat st;

	memset(fb, 0, sizeof(*fb));
	fb->fd = open(path, readonly ? O_RDONLY : O_RDWR);
	if (fb->fd < 0)
		return -errno;
	if (fstat(fb->fd, &st) < 0) {
		int e = -errno;

		close(fb->fd);
		return e;
	}
	fb->dev = (struct blkdev){
		.ctx = fb,
		.size = (uint64_t)st.st_size & ~511ull,
		.readonly = readonly,
		.read = file_read,
		.write = file_write,
		.flush = file_flush,
	};
	return 0;
}

void file_blkdev_close(struct file_blkdev *fb)
{
	if (fb->fd >= 0)
		close(fb->fd);
	fb->fd = -1;
}

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct mem_blkdev *mb = ctx;

	check_aligned(off, len);
	if (off > mb->dev.size || len > mb->dev.size - off)
		return -EIO;
	memcpy(buf, mb->data + off, len);
	return 0;
}

static int mem_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct mem_blkdev *mb = ctx;

	check_aligned(off, len);
	if (mb->dev.readonly)
		return -EROFS;
	if (off > mb->dev.size || len > mb->dev.size - off)
		return -EIO;
	mb->writes++;
	memcpy(mb->data + off, buf, len);
	return 0;
}

static int mem_flush(void *ctx)
{
	(void)ctx;
	return 0;
}

void mem_blkdev_init(struct mem_blkdev *mb, void *data, size_t size, int readonly)
{
	memset(mb, 0, sizeof(*mb));
	mb->data = data;
	mb->dev = (struct blkdev){
		.ctx = mb,
		.size = size & ~(size_t)511,
		.readonly = readonly,
		.read = mem_read,
		.write = mem_write,
		.flush = mem_flush,
	};
}
