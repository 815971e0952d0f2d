/* libFuzzer target: the input is a whole ext2 image; mount it, walk it, read it, write to it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fs/ext2.h>

#define IMAGE_MAX (1024 * 1024)
#define S_IFMT_   0170000
#define S_IFDIR_  0040000
#define S_IFREG_  0100000
#define S_IFLNK_  0120000

/*
 * Byte 0 of the image (the boot block, which ext2 never reads) picks the
 * mode: bit 0 mounts read-only (then nothing may be written), bit 1 skips
 * the writes.
 */
#define MODE_RO       0x01
#define MODE_NO_WRITE 0x02

static uint8_t image[IMAGE_MAX];

struct memdev {
	struct blkdev dev;
	unsigned long writes;
};

static void violated(const char *what)
{
	fprintf(stderr, "fuzz_ext2: invariant violated: %s\n", what);
	abort();
}

/* The library must stay inside the device and keep to 512-byte units. */
static void check_range(const struct memdev *m, uint64_t off, size_t len)
{
	if (off % 512 != 0 || len % 512 != 0)
		violated("unaligned device access");
	if (off > m->dev.size || len > m->dev.size - off)
		violated("access past the device");
}

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	check_range(ctx, off, len);
	memcpy(buf, image + off, len);
	return 0;
}

static int mem_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct memdev *m = ctx;

	check_range(m, off, len);
	if (m->dev.readonly)
		violated("write to a read-only device");
	m->writes++;
	memcpy(image + off, buf, len);
	return 0;
}

static int mem_flush(void *ctx)
{
	(void)ctx;
	return 0;
}

static int64_t fixed_now(void)
{
	return 1700000000;
}

/* Walk the tree: readdir, lookup, stat, read, readlink; `budget` bounds the work. */
static void walk(struct ext2 *fs, uint32_t dir, int depth, int *budget)
{
	static uint8_t buf[4096];
	struct ext2_dirent de;
	uint64_t cookie = 0, last = 0;
	int r;

	while (*budget > 0 && (r = ext2_readdir(fs, dir, &cookie, &de)) == 1) {
		struct ext2_stat st;
		uint32_t ino;

		(*budget)--;
		if (cookie <= last)
			violated("readdir cookie did not advance");
		last = cookie;
		if (de.namelen == 0 || strlen(de.name) != de.namelen)
			violated("readdir name length");
		if (ext2_lookup(fs, dir, de.name, de.namelen, &ino) < 0 ||
		    ext2_stat(fs, ino, &st) < 0)
			continue;
		switch (st.mode & S_IFMT_) {
		case S_IFREG_:
			if (ext2_read(fs, ino, 0, buf, sizeof(buf)) > (long)sizeof(buf))
				violated("read longer than asked");
			if (st.size > 10)
				ext2_read(fs, ino, st.size - 10, buf, 100);
			break;
		case S_IFLNK_:
			if (ext2_readlink(fs, ino, (char *)buf, sizeof(buf)) > (long)sizeof(buf))
				violated("readlink longer than asked");
			break;
		case S_IFDIR_:
			if (depth < 6 && !(de.namelen == 1 && de.name[0] == '.') &&
			    !(de.namelen == 2 && de.name[0] == '.' && de.name[1] == '.'))
				walk(fs, ino, depth + 1, budget);
			break;
		}
	}
}

/* Write calls: each may fail on a corrupt image; none may crash or hang. */
static void scribble(struct ext2 *fs)
{
	static uint8_t buf[5000];
	struct ext2_attr a = { .mask = EXT2_SET_MODE | EXT2_SET_MTIME, .mode = 0600, .mtime = 1 };
	uint32_t f = 0, d = 0, l, ino;

	memset(buf, 0x5a, sizeof(buf));
	if (ext2_create(fs, EXT2_ROOT_INO, "fz", 2, S_IFREG_ | 0644, 1, 2, &f) == 0) {
		ext2_write(fs, f, 0, buf, sizeof(buf));
		ext2_write(fs, f, 20000, buf,
		           100); /* past the direct blocks: a hole, an indirect */
		ext2_hold(fs, f);
		ext2_setattr(fs, f, &a);
		ext2_truncate(fs, f, 3000);
	}
	if (ext2_create(fs, EXT2_ROOT_INO, "fd", 2, S_IFDIR_ | 0755, 0, 0, &d) == 0) {
		ext2_symlink(fs, d, "ln", 2, "../fz", 5, 0, 0, &l);
		ext2_link(fs, d, "hard", 4, f);
		ext2_rename(fs, EXT2_ROOT_INO, "fz", 2, d, "moved", 5);
	}
	/* Whatever the image already holds. */
	if (ext2_lookup(fs, EXT2_ROOT_INO, "lost+found", 10, &ino) == 0)
		ext2_rename(fs, EXT2_ROOT_INO, "lost+found", 10, d ? d : EXT2_ROOT_INO, "lf", 2);
	{
		struct ext2_dirent de;
		uint64_t cookie = 0;
		int n = 0;

		while (n++ < 8 && ext2_readdir(fs, EXT2_ROOT_INO, &cookie, &de) == 1) {
			if (de.ino == d || de.ino == f)
				continue;
			if (n % 2)
				ext2_unlink(fs, EXT2_ROOT_INO, de.name, de.namelen);
			else
				ext2_rmdir(fs, EXT2_ROOT_INO, de.name, de.namelen);
		}
	}
	ext2_unlink(fs, d, "hard", 4);
	if (f)
		ext2_release(fs, f);
	ext2_rmdir(fs, EXT2_ROOT_INO, "fd", 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ext2_statfs sfs;
	struct memdev m;
	struct ext2 *fs;
	int mode, budget;

	if (size < 2048 || size > IMAGE_MAX)
		return 0;
	mode = data[0];
	memcpy(image, data, size);
	memset(image + size, 0, (512 - size % 512) % 512);
	m = (struct memdev){
		.dev = { .ctx = &m,
		         .size = (size + 511) & ~(size_t)511,
		         .readonly = mode & MODE_RO,
		         .read = mem_read,
		         .write = mem_write,
		         .flush = mem_flush },
	};
	if (ext2_mount(&fs, &m.dev, 0, fixed_now) < 0)
		return 0;
	ext2_statfs(fs, &sfs);
	budget = 200;
	walk(fs, EXT2_ROOT_INO, 0, &budget);
	if (!(mode & MODE_NO_WRITE)) {
		scribble(fs);
		budget = 200;
		walk(fs, EXT2_ROOT_INO, 0, &budget);
	}
	ext2_sync(fs);
	ext2_unmount(fs);
	if ((mode & MODE_RO) && m.writes != 0)
		violated("a read-only mount wrote");
	return 0;
}
