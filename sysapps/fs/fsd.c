/* fsd: the fs component as a guest program (nanvixd --fs=guest). */
/*
 * nanvixd boots this as process 1:
 *
 *     fsd [--ro] [--vm] [--cd DIR] --exec NAME -- ARGV0 [ARGS...]
 *
 * It forks.  The child opens /dev/fsd, which makes it the VM's fs server
 * (a system process without a parent), mounts the ext2 disk through block
 * requests to the storage switch, says "ready" on a pipe and serves the
 * file calls the kernel forwards to it, forever.  The parent waits for
 * "ready" and then becomes the application: chdir(DIR) and execve(NAME, ARGV)
 * (launch_program, shared with launch.elf), so the application keeps
 * process id 1 and its exit status ends the VM, as with --fs=host.  NAME
 * is a program nanvixd registered, or with --vm a file on the disk.  If the disk cannot be mounted the child says why on stderr
 * and the VM exits with status 125 before the application starts.
 *
 * The service code is the very source the macro-kernel links (service.c,
 * backend_ext2.c, ext2*.c); only its two edges differ here: the caller's
 * memory is reached with NANVIX_FSD_COPY and the disk with NANVIX_FSD_BLK
 * (abi/fsd.h).  Kernel calls are made raw, so results stay Linux errno
 * values, which is what the service speaks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <abi/fsd.h>
#include <abi/hypercall.h>
#include <abi/linux.h>
#include <fs/blkdev.h>
#include <fs/service.h>
#include <launch/launch.h>
#include <svc/server.h>

#define EXIT_SETUP 125 /* nanvixd's "bad disk" status */

static struct nanvix_fsd_page page __attribute__((aligned(4096)));
static int dev = -1;

static long fsd_ioctl(unsigned long req, uint64_t arg)
{
	return svc_server_ioctl(dev, req, arg);
}

static int client_copy(uint32_t dir, uint64_t client, void *local, size_t len)
{
	return svc_server_copy(dev, (volatile struct nanvix_server_page *)&page, dir, client, local,
	                       len);
}

static int mem_read(void *ctx, uint64_t cr3, uint64_t ua, void *dst, size_t len)
{
	(void)ctx, (void)cr3;
	return client_copy(NANVIX_FSD_FROM_CLIENT, ua, dst, len);
}

static int mem_write(void *ctx, uint64_t cr3, uint64_t ua, const void *src, size_t len)
{
	(void)ctx, (void)cr3;
	return client_copy(NANVIX_FSD_TO_CLIENT, ua, (void *)src, len);
}

static int blk(uint16_t op, uint64_t off, void *buf, size_t len)
{
	long rc;

	page.blk.op = op;
	page.blk.buf = (uintptr_t)buf;
	page.blk.len = len;
	page.blk.off = off;
	rc = fsd_ioctl(NANVIX_FSD_BLK, 0);
	if (rc < 0)
		return (int)rc;
	return op == NANVIX_BLK_FLUSH || (size_t)rc == len ? 0 : -LINUX_EIO;
}

/*
 * A block cache.  Each block request costs a trap and a host exit here
 * (against one host pread when the component runs on the host), and the
 * ext2 code reads and writes the same few blocks over and over (bitmaps,
 * group descriptors, inode tables, indirect blocks).  So requests of at
 * most CACHE_BLOCK bytes go through a direct-mapped cache, and writes stay
 * in it, dirty, until the end of the file call being served: cache_sync()
 * then writes every dirty block, sorted and merged into runs, before the
 * client hears the result.  A call's effects are on the disk when it
 * completes, as with --fs=host; a call that writes a block ten times
 * writes it once, and a 64 KiB write is one request, not sixteen.  Reads
 * larger than a block bypass the cache after a sync; evicting a dirty
 * block writes it first.  On a write error every dirty block is dropped
 * (the disk's state is unknown) and the call fails with EIO.
 */
#define CACHE_SLOTS 256
#define CACHE_BLOCK 4096
#define SYNC_RUN    (256u * 1024)

static struct cache_slot {
	uint64_t off;
	uint32_t len; /* 0: empty */
	int dirty;
	uint8_t data[CACHE_BLOCK];
} cache[CACHE_SLOTS];
static int ndirty;
static uint8_t run_buf[SYNC_RUN];

static struct cache_slot *cache_slot(uint64_t off)
{
	return &cache[((off >> 9) * 0x9e3779b97f4a7c15ull) >> 56];
}

static int by_offset(const void *a, const void *b)
{
	const struct cache_slot *x = *(struct cache_slot *const *)a;
	const struct cache_slot *y = *(struct cache_slot *const *)b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/* Write every dirty block, in runs of adjacent ones; 0 or -errno. */
static int cache_sync(void)
{
	static struct cache_slot *d[CACHE_SLOTS];
	int n = 0, rc = 0;

	if (!ndirty)
		return 0;
	for (int i = 0; i < CACHE_SLOTS; i++)
		if (cache[i].dirty)
			d[n++] = &cache[i];
	qsort(d, (size_t)n, sizeof(d[0]), by_offset);
	for (int i = 0; i < n;) {
		uint64_t start = d[i]->off;
		size_t len = 0;
		int j = i;

		while (j < n && d[j]->off == start + len && len + d[j]->len <= SYNC_RUN) {
			memcpy(run_buf + len, d[j]->data, d[j]->len);
			len += d[j]->len;
			j++;
		}
		if (!rc)
			rc = blk(NANVIX_BLK_WRITE, start, run_buf, len);
		for (; i < j; i++) {
			d[i]->dirty = 0;
			if (rc)
				d[i]->len = 0; /* unknown on the disk: forget it */
		}
	}
	ndirty = 0;
	return rc;
}

/* Empty `c`, writing it first if dirty; 0 or -errno. */
static int cache_evict(struct cache_slot *c)
{
	int rc = 0;

	if (c->dirty) {
		rc = blk(NANVIX_BLK_WRITE, c->off, c->data, c->len);
		c->dirty = 0;
		ndirty--;
	}
	c->len = 0;
	return rc;
}

static int disk_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct cache_slot *c = cache_slot(off);
	int rc;

	(void)ctx;
	if (len > CACHE_BLOCK) {
		rc = cache_sync();
		return rc ? rc : blk(NANVIX_BLK_READ, off, buf, len);
	}
	if (c->len == len && c->off == off) {
		memcpy(buf, c->data, len);
		return 0;
	}
	rc = cache_evict(c);
	if (!rc)
		rc = blk(NANVIX_BLK_READ, off, buf, len);
	if (!rc) {
		memcpy(c->data, buf, len);
		c->off = off;
		c->len = (uint32_t)len;
	}
	return rc;
}

static int disk_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct cache_slot *c = cache_slot(off);
	int rc;

	(void)ctx;
	if (len <= CACHE_BLOCK && c->len == len && c->off == off) {
		if (!c->dirty)
			ndirty++;
		memcpy(c->data, buf, len);
		c->dirty = 1;
		return 0;
	}
	/* Cached blocks overlapping the range go to the disk (and away) first. */
	for (uint64_t o = off >= CACHE_BLOCK ? off - CACHE_BLOCK + 512 : 0; o < off + len;
	     o += 512) {
		struct cache_slot *x = cache_slot(o);

		if (x->len && x->off == o && o + x->len > off && (rc = cache_evict(x)))
			return rc;
	}
	if (len <= CACHE_BLOCK && !(rc = cache_evict(c))) {
		memcpy(c->data, buf, len);
		c->off = off;
		c->len = (uint32_t)len;
		c->dirty = 1;
		ndirty++;
		return 0;
	}
	return blk(NANVIX_BLK_WRITE, off, (void *)buf, len);
}

static int disk_flush(void *ctx)
{
	int rc = cache_sync();

	(void)ctx;
	return rc ? rc : blk(NANVIX_BLK_FLUSH, 0, NULL, 0);
}

/*
 * The device's size, from the ext2 superblock (blocks x block size): the
 * storage switch knows the image's real size and refuses anything past it,
 * so an image that claims more only earns I/O errors.
 */
static int disk_size(uint64_t *size)
{
	static uint8_t sb[1024];
	uint32_t blocks, log;
	int rc = disk_read(NULL, 1024, sb, sizeof(sb));

	if (rc)
		return rc;
	memcpy(&blocks, sb + 4, 4);
	memcpy(&log, sb + 24, 4);
	if (log > 6)
		return -LINUX_EINVAL;
	*size = (uint64_t)blocks << (10 + log);
	return 0;
}

/* Loaded programs (NANVIX_FSD_LOAD) not yet unloaded by the kernel. */
#define LOADS_MAX 16
static void *loads[LOADS_MAX];

/* A path from the client's memory, page by page up to its NUL. */
static int client_path(uint64_t ua, char *buf, size_t size)
{
	size_t got = 0;

	while (got < size) {
		size_t n = 4096 - ((ua + got) & 4095);

		if (n > size - got)
			n = size - got;
		if (client_copy(NANVIX_FSD_FROM_CLIENT, ua + got, buf + got, n))
			return -LINUX_EFAULT;
		if (memchr(buf + got, '\0', n))
			return 0;
		got += n;
	}
	return -LINUX_ENAMETOOLONG;
}

static int64_t load(struct fs_service *s, uint64_t *value)
{
	static char path[NANVIX_FS_PATH_MAX];
	void *buf;
	size_t len;
	int slot, rc;

	for (slot = 0; slot < LOADS_MAX && loads[slot]; slot++)
		;
	if (slot == LOADS_MAX)
		return -LINUX_EAGAIN;
	rc = client_path(page.req.args[2], path, sizeof(path));
	if (!rc)
		rc = fs_service_load(s, page.req.args[1], path, NANVIX_FSD_LOAD_MAX, &buf, &len);
	if (rc)
		return rc;
	loads[slot] = buf;
	*value = (uintptr_t)buf;
	return (int64_t)len;
}

static int64_t unload(uint64_t addr)
{
	for (int i = 0; i < LOADS_MAX; i++)
		if (loads[i] && (uintptr_t)loads[i] == addr) {
			free(loads[i]);
			loads[i] = NULL;
			return 0;
		}
	return -LINUX_EINVAL;
}

static __attribute__((noreturn)) void serve(struct fs_service *s)
{
	const struct svc_mem mem = { .read = mem_read, .write = mem_write };

	for (;;) {
		uint64_t value = 0;
		int64_t rc;

		rc = fsd_ioctl(NANVIX_FSD_SERVE, 0);
		if (rc == -LINUX_EINTR)
			continue;
		if (rc < 0) {
			fprintf(stderr, "fsd: serving failed: error %ld\n", (long)-rc);
			_exit(1);
		}
		if (page.req.opcode == NANVIX_FSD_LOAD)
			rc = load(s, &value);
		else if (page.req.opcode == NANVIX_FSD_UNLOAD)
			rc = unload(page.req.args[1]);
		else
			rc = fs_service_call(s, &page.req, &mem, &value);
		if (cache_sync() && rc >= 0)
			rc = -LINUX_EIO;
		page.status = rc;
		page.value = value;
	}
}

static int readonly; /* --ro */

/* The server's life: set up, report to the parent on `ready`, serve (never returns). */
static void server(int ready)
{
	static struct blkdev disk = { .read = disk_read, .write = disk_write, .flush = disk_flush };
	struct fs_service *s;
	char why[400];
	long rc;

	dev = open(NANVIX_FSD_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		perror("fsd: " NANVIX_FSD_PATH);
		_exit(1);
	}
	if (fsd_ioctl(NANVIX_FSD_REGISTER, (uintptr_t)&page) != 0) {
		fputs("fsd: cannot register with the kernel\n", stderr);
		_exit(1);
	}
	disk.readonly = readonly;
	rc = disk_size(&disk.size);
	s = rc ? NULL : fs_service_new();
	if (rc || !s) {
		fputs(rc ? "fsd: cannot read the disk\n" : "fsd: out of memory\n", stderr);
		_exit(1);
	}
	rc = fs_service_mount_ext2(s, &disk, readonly, why, sizeof(why));
	if (rc) {
		fprintf(stderr, "fsd: %s\n", why);
		_exit(1);
	}
	if (write(ready, "1", 1) != 1)
		_exit(1);
	close(ready);
	serve(s);
}

static int usage(void)
{
	fputs("usage: fsd [--ro] [--vm] [--cd DIR] --exec NAME -- ARGV0 [ARGS...] "
	      "(started by nanvixd --fs=guest)\n",
	      stderr);
	return EXIT_SETUP;
}

static int own_option(const char *opt)
{
	if (strcmp(opt, "--ro"))
		return 0;
	readonly = 1;
	return 1;
}

int main(int argc, char **argv)
{
	struct launch_args a;

	if (launch_parse(argc, argv, own_option, &a))
		return usage();
	launch_with_server("fsd", server, &a, EXIT_SETUP);
}
