/* Check tests for the ext2 library: images from mke2fs, every call and error, e2fsck after each test, corruption. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fs/ext2.h>

#include "../../../sysapps/fs/ext2_disk.h"
#include "file_blkdev.h"
#include "runner.h"

#define NOW    1700000000
#define SBIN   "PATH=$PATH:/sbin:/usr/sbin "
#define KiB    1024ull
#define MiB    (1024ull * 1024)
#define BIGLEN (300 * 1024) /* a populated file reaching double indirect with 1 KiB blocks */

static char tmp[64], img[128], src[128];
static struct file_blkdev fb;
static struct ext2 *fs;
static int64_t clock_now = NOW;

static int64_t test_now(void)
{
	return clock_now;
}

/* ---- Helpers ---- */

static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static uint8_t pat(uint64_t off, unsigned seed)
{
	uint64_t x = off * 2654435761u + seed * 40503u + (off >> 10);

	return (uint8_t)(x ^ (x >> 13) ^ (x >> 27));
}

static void fill(uint8_t *buf, uint64_t off, size_t len, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = pat(off + i, seed);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* The tree mke2fs -d copies into populated images. */
static void make_src(void)
{
	char p[256];
	uint8_t *big = malloc(BIGLEN);

	ck_assert_ptr_nonnull(big);
	snprintf(p, sizeof(p), "%s/sub/deep", src);
	ck_assert_int_eq(sh("mkdir -p %s", p), 0);
	snprintf(p, sizeof(p), "%s/hello.txt", src);
	write_file(p, "hello, ext2\n", 12);
	snprintf(p, sizeof(p), "%s/empty", src);
	write_file(p, "", 0);
	fill(big, 0, BIGLEN, 1);
	snprintf(p, sizeof(p), "%s/big.bin", src);
	write_file(p, big, BIGLEN);
	snprintf(p, sizeof(p), "%s/sub/deep/file.bin", src);
	write_file(p, big, 5000);
	free(big);
	snprintf(p, sizeof(p), "%s/fast", src);
	ck_assert_int_eq(symlink("hello.txt", p), 0);
	snprintf(p, sizeof(p), "%s/slow", src);
	ck_assert_int_eq(symlink("sub/deep/"
	                         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	                         "aaaaaaaaaaa"
	                         "aaaaaaaaaaaaaaaaaaaa",
	                         p),
	                 0);
}

/* mke2fs an image of `size` with `opts`; populated from src when `populate`. */
static void mkimg(const char *opts, const char *size, int populate)
{
	/* mke2fs leaves a small image file short of its last unused blocks: the file is made first. */
	int rc = sh("rm -f %s && truncate -s %s %s && " SBIN
	            "mke2fs -q -F -t ext2 %s %s%s %s >%s/mkfs.log 2>&1",
	            img, size, img, opts, populate ? "-d " : "", populate ? src : "", img, tmp);

	if (rc != 0)
		sh("cat %s/mkfs.log >&2", tmp);
	ck_assert_int_eq(rc, 0);
}

static void fsck_clean_path(const char *path)
{
	int rc = sh(SBIN "e2fsck -fn %s >%s/fsck.log 2>&1", path, tmp);

	if (rc != 0)
		sh("cat %s/fsck.log >&2", tmp);
	ck_assert_msg(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "e2fsck -fn %s: status %d", path, rc);
}

static void fsck_clean(void)
{
	fsck_clean_path(img);
}

static void mnt(int ro)
{
	ck_assert_int_eq(file_blkdev_open(&fb, img, 0), 0);
	ck_assert_int_eq(ext2_mount(&fs, &fb.dev, ro, test_now), 0);
}

static void umnt(void)
{
	ck_assert_int_eq(ext2_unmount(fs), 0);
	fs = NULL;
	file_blkdev_close(&fb);
}

static int lk(uint32_t dir, const char *name, uint32_t *ino)
{
	return ext2_lookup(fs, dir, name, strlen(name), ino);
}

/* Walk a '/'-separated path from the root. */
static int walk(const char *path, uint32_t *ino)
{
	char buf[512], *save = NULL, *part;
	uint32_t cur = EXT2_ROOT_INO;
	int r;

	snprintf(buf, sizeof(buf), "%s", path);
	for (part = strtok_r(buf, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
		r = lk(cur, part, &cur);
		if (r < 0)
			return r;
	}
	*ino = cur;
	return 0;
}

static uint32_t must_walk(const char *path)
{
	uint32_t ino = 0;

	ck_assert_msg(walk(path, &ino) == 0, "walk %s", path);
	return ino;
}

static uint32_t mk(uint32_t dir, const char *name, uint32_t mode)
{
	uint32_t ino = 0;
	int r = ext2_create(fs, dir, name, strlen(name), mode, 1000, 100, &ino);

	ck_assert_msg(r == 0, "create %s: %d", name, r);
	return ino;
}

static struct ext2_stat st(uint32_t ino)
{
	struct ext2_stat s;

	ck_assert_int_eq(ext2_stat(fs, ino, &s), 0);
	return s;
}

static struct ext2_statfs sfs(void)
{
	struct ext2_statfs s;

	ck_assert_int_eq(ext2_statfs(fs, &s), 0);
	return s;
}

/* Entries of a directory, "." and ".." included; `name` found -> *found_ino. */
static int count_entries(uint32_t dir)
{
	struct ext2_dirent de;
	uint64_t cookie = 0;
	int n = 0, r;

	while ((r = ext2_readdir(fs, dir, &cookie, &de)) == 1)
		n++;
	ck_assert_int_eq(r, 0);
	return n;
}

static void write_all(uint32_t ino, uint64_t off, size_t len, size_t chunk, unsigned seed)
{
	uint8_t *buf = malloc(chunk);
	size_t done = 0;

	ck_assert_ptr_nonnull(buf);
	while (done < len) {
		size_t n = len - done < chunk ? len - done : chunk;

		fill(buf, off + done, n, seed);
		ck_assert_int_eq(ext2_write(fs, ino, off + done, buf, n), (long)n);
		done += n;
	}
	free(buf);
}

static void check_data(uint32_t ino, uint64_t off, size_t len, size_t chunk, unsigned seed)
{
	uint8_t *buf = malloc(chunk), *want = malloc(chunk);
	size_t done = 0;

	ck_assert_ptr_nonnull(buf);
	ck_assert_ptr_nonnull(want);
	while (done < len) {
		size_t n = len - done < chunk ? len - done : chunk;

		fill(want, off + done, n, seed);
		ck_assert_int_eq(ext2_read(fs, ino, off + done, buf, n), (long)n);
		ck_assert_msg(memcmp(buf, want, n) == 0, "data differs near %llu",
		              (unsigned long long)(off + done));
		done += n;
	}
	free(buf);
	free(want);
}

static void check_zeros(uint32_t ino, uint64_t off, size_t len)
{
	uint8_t *buf = malloc(len);
	size_t i;

	ck_assert_ptr_nonnull(buf);
	memset(buf, 0xaa, len);
	ck_assert_int_eq(ext2_read(fs, ino, off, buf, len), (long)len);
	for (i = 0; i < len; i++)
		ck_assert_msg(buf[i] == 0, "byte %llu not zero", (unsigned long long)(off + i));
	free(buf);
}

static void setup(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/ext2test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	snprintf(img, sizeof(img), "%s/img", tmp);
	snprintf(src, sizeof(src), "%s/src", tmp);
	ck_assert_int_eq(mkdir(src, 0755), 0);
	make_src();
	clock_now = NOW;
	fs = NULL;
}

static void teardown(void)
{
	if (fs)
		ext2_unmount(fs);
	sh("rm -rf %s", tmp);
}

/* ---- Reading what mke2fs wrote ---- */

static void check_populated(void)
{
	uint32_t ino, root = EXT2_ROOT_INO;
	struct ext2_stat s;
	char buf[256];
	long n;

	/* Regular files, small and reaching double indirect. */
	ino = must_walk("hello.txt");
	s = st(ino);
	ck_assert_uint_eq(s.mode & S_IFMT, S_IFREG);
	ck_assert_uint_eq(s.size, 12);
	ck_assert_uint_eq(s.nlink, 1);
	ck_assert_uint_eq(s.blksize, sfs().bsize);
	ck_assert_int_eq(ext2_read(fs, ino, 0, buf, sizeof(buf)), 12);
	ck_assert_int_eq(memcmp(buf, "hello, ext2\n", 12), 0);
	ck_assert_int_eq(ext2_read(fs, ino, 5, buf, 3), 3);
	ck_assert_int_eq(memcmp(buf, ", e", 3), 0);
	ck_assert_int_eq(ext2_read(fs, ino, 12, buf, 10), 0);
	ck_assert_int_eq(ext2_read(fs, ino, 1000, buf, 10), 0);
	ino = must_walk("big.bin");
	ck_assert_uint_eq(st(ino).size, BIGLEN);
	check_data(ino, 0, BIGLEN, 777, 1);
	check_data(ino, 0, BIGLEN, 4096, 1);
	check_data(must_walk("sub/deep/file.bin"), 0, 5000, 5000, 1);
	ck_assert_uint_eq(st(must_walk("empty")).size, 0);
	ck_assert_int_eq(ext2_read(fs, must_walk("empty"), 0, buf, 10), 0);

	/* Directories: "." and "..", link counts. */
	ck_assert_uint_eq(must_walk("."), root);
	ck_assert_uint_eq(must_walk(".."), root);
	ino = must_walk("sub");
	ck_assert_uint_eq(st(ino).mode & S_IFMT, S_IFDIR);
	ck_assert_uint_eq(st(ino).nlink, 3);
	ck_assert_uint_eq(must_walk("sub/deep/../.."), root);
	ck_assert_int_eq(count_entries(root),
	                 9); /* . .. lost+found sub hello empty big fast slow */

	/* Symlinks, fast and slow. */
	ino = must_walk("fast");
	ck_assert_uint_eq(st(ino).mode & S_IFMT, S_IFLNK);
	n = ext2_readlink(fs, ino, buf, sizeof(buf));
	ck_assert_int_eq(n, 9);
	ck_assert_int_eq(memcmp(buf, "hello.txt", 9), 0);
	ck_assert_int_eq(ext2_readlink(fs, ino, buf, 4), 4); /* truncated copy */
	ino = must_walk("slow");
	n = ext2_readlink(fs, ino, buf, sizeof(buf));
	ck_assert_int_eq(n, 105);
	ck_assert_int_eq(memcmp(buf, "sub/deep/aaaa", 13), 0);
	ck_assert_int_eq(ext2_readlink(fs, must_walk("hello.txt"), buf, sizeof(buf)), -EINVAL);
}

START_TEST(test_read_populated)
{
	static const char *const opts[] = { "-b 1024", "-b 4096", "-b 2048 -I 128",
		                            "-b 1024 -O ^filetype", "-b 1024 -r 0 -O none" };

	mkimg(opts[_i], "4M", 1);
	mnt(1);
	check_populated();
	umnt();
	fsck_clean();
}
END_TEST

START_TEST(test_readonly_writes_nothing)
{
	uint32_t ino;
	struct ext2_attr a = { .mask = EXT2_SET_MODE, .mode = 0600 };

	mkimg("-b 1024", "1M", 1);
	ck_assert_int_eq(file_blkdev_open(&fb, img, 1), 0);
	ck_assert_int_eq(ext2_mount(&fs, &fb.dev, 0, test_now), 0); /* read-only device */
	ck_assert_int_eq(ext2_create(fs, EXT2_ROOT_INO, "x", 1, S_IFREG | 0644, 0, 0, &ino),
	                 -EROFS);
	ino = must_walk("hello.txt");
	ck_assert_int_eq(ext2_write(fs, ino, 0, "x", 1), -EROFS);
	ck_assert_int_eq(ext2_truncate(fs, ino, 0), -EROFS);
	ck_assert_int_eq(ext2_setattr(fs, ino, &a), -EROFS);
	ck_assert_int_eq(ext2_unlink(fs, EXT2_ROOT_INO, "hello.txt", 9), -EROFS);
	ck_assert_int_eq(ext2_rmdir(fs, EXT2_ROOT_INO, "sub", 3), -EROFS);
	ck_assert_int_eq(ext2_rename(fs, EXT2_ROOT_INO, "empty", 5, EXT2_ROOT_INO, "e2", 2),
	                 -EROFS);
	ck_assert_int_eq(ext2_link(fs, EXT2_ROOT_INO, "l", 1, ino), -EROFS);
	ck_assert_int_eq(ext2_symlink(fs, EXT2_ROOT_INO, "s", 1, "t", 1, 0, 0, &ino), -EROFS);
	check_populated();
	ck_assert_int_eq(ext2_sync(fs), 0);
	umnt();
	ck_assert_uint_eq(fb.writes, 0);
	fsck_clean();
}
END_TEST

/* ---- Files ---- */

START_TEST(test_write_big_and_sparse)
{
	static const char *const opts[] = { "-b 1024", "-b 4096", "-b 1024 -I 128" };
	struct ext2_statfs before, s;
	uint32_t ino, bs;
	uint8_t c = 0x5a;

	mkimg(opts[_i], "8M", 0);
	mnt(0);
	before = sfs();
	bs = before.bsize;
	ino = mk(EXT2_ROOT_INO, "big", S_IFREG | 0644);
	ck_assert_uint_eq(st(ino).size, 0);
	ck_assert_uint_eq(st(ino).uid, 1000);
	ck_assert_uint_eq(st(ino).gid, 100);
	ck_assert_int_eq(st(ino).mtime, NOW);

	/* 1.5 MiB in odd chunks: partial blocks, single and double indirect. */
	write_all(ino, 0, 1536 * KiB, 1000, 7);
	ck_assert_uint_eq(st(ino).size, 1536 * KiB);
	check_data(ino, 0, 1536 * KiB, 4096, 7);
	check_data(ino, 12345, 300000, 333, 7);
	/* Overwrite in the middle, across blocks. */
	write_all(ino, 270 * KiB + 17, 5000, 5000, 9);
	check_data(ino, 270 * KiB + 17, 5000, 5000, 9);
	check_data(ino, 0, 270 * KiB + 17, 8192, 7);
	umnt();
	fsck_clean();

	/* Sparse: one byte far out (triple indirect with 1 KiB blocks); holes read as zeros. */
	mnt(0);
	ino = mk(EXT2_ROOT_INO, "sparse", S_IFREG | 0600);
	ck_assert_int_eq(ext2_write(fs, ino, 70 * MiB, &c, 1), 1);
	ck_assert_uint_eq(st(ino).size, 70 * MiB + 1);
	if (bs == 1024)
		ck_assert_uint_eq(st(ino).blocks, 4 * 2); /* data, ind, dind, tind */
	check_zeros(ino, 0, 8192);
	check_zeros(ino, 70 * MiB - 5000, 5000);
	ck_assert_int_eq(ext2_read(fs, ino, 70 * MiB, &c, 1), 1);
	ck_assert_uint_eq(c, 0x5a);
	/* A write past the end leaves a hole. */
	ino = mk(EXT2_ROOT_INO, "hole", S_IFREG | 0600);
	write_all(ino, 50 * KiB + 3, 10, 10, 3);
	ck_assert_uint_eq(st(ino).size, 50 * KiB + 13);
	check_zeros(ino, 0, 50 * KiB + 3);
	check_data(ino, 50 * KiB + 3, 10, 10, 3);
	/* Too big. */
	ck_assert_int_eq(ext2_write(fs, ino, 1ull << 45, &c, 1), -EFBIG);
	ck_assert_int_eq(ext2_truncate(fs, ino, 1ull << 45), -EFBIG);
	umnt();
	fsck_clean();

	/* Beyond 4 GiB: i_size_high, large_file. */
	mnt(0);
	ino = must_walk("sparse");
	ck_assert_int_eq(ext2_write(fs, ino, 5ull << 30, &c, 1), 1);
	ck_assert_uint_eq(st(ino).size, (5ull << 30) + 1);
	check_zeros(ino, (5ull << 30) - 4096, 4096);
	umnt();
	fsck_clean();

	/* Everything back after the deletes. */
	mnt(0);
	ck_assert_int_eq(ext2_unlink(fs, EXT2_ROOT_INO, "big", 3), 0);
	ck_assert_int_eq(ext2_unlink(fs, EXT2_ROOT_INO, "sparse", 6), 0);
	ck_assert_int_eq(ext2_unlink(fs, EXT2_ROOT_INO, "hole", 4), 0);
	s = sfs();
	ck_assert_uint_eq(s.bfree, before.bfree);
	ck_assert_uint_eq(s.ffree, before.ffree);
	umnt();
	fsck_clean();
}
END_TEST

/* ---- Runs: whole blocks that follow on the disk move in one device call ---- */

/*
 * A device over fb that counts the calls and fails some writes: any write
 * of more than one block when `fail_runs`, and any write with a block that
 * starts with POISON when `poison`.
 */
#define POISON "POISON!!"
static struct {
	struct blkdev dev;
	uint32_t bsize;
	unsigned long reads, writes;
	int fail_runs, poison;
} cdev;

static int cdev_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	(void)ctx;
	cdev.reads++;
	return fb.dev.read(fb.dev.ctx, off, buf, len);
}

static int cdev_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t i;

	(void)ctx;
	cdev.writes++;
	if (cdev.fail_runs && len > cdev.bsize)
		return -EIO;
	for (i = 0; cdev.poison && i + sizeof(POISON) - 1 <= len; i += cdev.bsize)
		if (memcmp(p + i, POISON, sizeof(POISON) - 1) == 0)
			return -EIO;
	return fb.dev.write(fb.dev.ctx, off, buf, len);
}

static int cdev_flush(void *ctx)
{
	(void)ctx;
	return fb.dev.flush(fb.dev.ctx);
}

/* mnt(0) through the counting device; returns the block size. */
static uint32_t mnt_counted(void)
{
	struct ext2_statfs s;

	ck_assert_int_eq(file_blkdev_open(&fb, img, 0), 0);
	memset(&cdev, 0, sizeof(cdev));
	cdev.dev = fb.dev;
	cdev.dev.ctx = &cdev;
	cdev.dev.read = cdev_read;
	cdev.dev.write = cdev_write;
	cdev.dev.flush = cdev_flush;
	cdev.bsize = 512; /* until the mount says */
	ck_assert_int_eq(ext2_mount(&fs, &cdev.dev, 0, test_now), 0);
	ck_assert_int_eq(ext2_statfs(fs, &s), 0);
	cdev.bsize = s.bsize;
	return s.bsize;
}

/* Device reads of one ext2_read of [off, off + len), which must return `want`. */
static unsigned long reads_of(uint32_t ino, uint64_t off, size_t len, long want)
{
	uint8_t *buf = malloc(len);
	unsigned long before = cdev.reads;

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(ext2_read(fs, ino, off, buf, len), want);
	free(buf);
	return cdev.reads - before;
}

START_TEST(test_runs_contiguous)
{
	static const char *const opts[] = { "-b 1024", "-b 4096", "-b 2048" };
	const size_t len = 2 * MiB + 3 * KiB;
	uint32_t ino, bs, p;
	uint64_t edges[3];
	uint8_t *buf;
	int i;

	mkimg(opts[_i], "16M", 0);
	bs = mnt_counted();
	p = bs / 4;
	ino = mk(EXT2_ROOT_INO, "c", S_IFREG | 0644);
	/* One call: runs of fresh blocks, broken only by the indirect blocks. */
	write_all(ino, 0, len, len, 3);
	ck_assert_uint_eq(st(ino).size, len);
	/* Whole file in one call: a device read per run and per indirect block, not per block. */
	ck_assert_uint_le(reads_of(ino, 0, len, (long)len), 64);
	check_data(ino, 0, len, len, 3);
	check_data(ino, 0, len, 777, 3);
	check_data(ino, 100, len - 100, 65536 + 13, 3);
	check_data(ino, 3 * bs, len - 3 * bs, 64 * KiB, 3);
	/* Around the first single, the first double and the second indirect block under it. */
	edges[0] = 12;
	edges[1] = 12 + p;
	edges[2] = 12 + 2 * (uint64_t)p;
	for (i = 0; i < 3; i++) {
		if ((edges[i] + 3) * bs > len)
			continue;
		check_data(ino, (edges[i] - 2) * bs, 5 * bs, 5 * bs, 3);
		check_data(ino, (edges[i] - 2) * bs + 7, 4 * bs, 4 * bs, 3);
		check_data(ino, edges[i] * bs, bs, bs, 3);
	}

	/* A read that ends at EOF in the middle of a block: EOF bounds it, the rest untouched. */
	buf = malloc(16 * bs);
	ck_assert_ptr_nonnull(buf);
	memset(buf, 0xaa, 16 * bs);
	ck_assert_int_eq(ext2_read(fs, ino, len - 5 * bs - 10, buf, 16 * bs), 5 * bs + 10);
	{
		uint8_t *want = malloc(5 * bs + 10);

		ck_assert_ptr_nonnull(want);
		fill(want, len - 5 * bs - 10, 5 * bs + 10, 3);
		ck_assert_int_eq(memcmp(buf, want, 5 * bs + 10), 0);
		free(want);
	}
	for (i = 5 * (int)bs + 10; i < 16 * (int)bs; i++)
		ck_assert_uint_eq(buf[i], 0xaa);
	ck_assert_int_eq(ext2_truncate(fs, ino, len - 100), 0);
	ck_assert_int_eq(ext2_read(fs, ino, len - 4 * bs, buf, 16 * bs), 4 * bs - 100);
	ck_assert_int_eq(ext2_read(fs, ino, len - 100, buf, 16 * bs), 0);
	check_data(ino, 0, len - 100, 256 * KiB, 3);
	free(buf);
	umnt();
	fsck_clean();
}
END_TEST

START_TEST(test_runs_fragmented_and_holes)
{
	uint32_t a, b, h, bs, i;
	uint8_t *blk;

	mkimg("-b 1024", "8M", 0);
	bs = mnt_counted();
	blk = malloc(bs);
	ck_assert_ptr_nonnull(blk);

	/* Two files written a block at a time in turn: every other block each. */
	a = mk(EXT2_ROOT_INO, "a", S_IFREG | 0644);
	b = mk(EXT2_ROOT_INO, "b", S_IFREG | 0644);
	for (i = 0; i < 300; i++) {
		fill(blk, (uint64_t)i * bs, bs, 4);
		ck_assert_int_eq(ext2_write(fs, a, (uint64_t)i * bs, blk, bs), (long)bs);
		fill(blk, (uint64_t)i * bs, bs, 5);
		ck_assert_int_eq(ext2_write(fs, b, (uint64_t)i * bs, blk, bs), (long)bs);
	}
	/* No two neighbours follow on the disk: a read per block, and the right ones. */
	ck_assert_uint_ge(reads_of(a, 0, 300 * bs, 300 * (long)bs), 300);
	check_data(a, 0, 300 * bs, 300 * bs, 4);
	check_data(b, 0, 300 * bs, 300 * bs, 5);
	check_data(a, 5, 300 * bs - 5, 3 * bs + 1, 4);
	check_data(b, 10 * bs, 5 * bs, 5 * bs, 5);

	/* Holes between runs, in the direct, single and double indirect ranges. */
	h = mk(EXT2_ROOT_INO, "h", S_IFREG | 0644);
	write_all(h, 0, 3 * bs, 3 * bs, 6);
	write_all(h, 20 * bs, 5 * bs, 5 * bs, 6);
	write_all(h, 300 * bs, 4 * bs, 4 * bs, 6);
	ck_assert_uint_eq(st(h).size, 304 * bs);
	check_data(h, 0, 3 * bs, 304 * bs, 6); /* capped at EOF, checked in pieces */
	check_zeros(h, 3 * bs, 17 * bs);
	check_data(h, 20 * bs, 5 * bs, 5 * bs, 6);
	check_zeros(h, 25 * bs, 275 * bs);
	check_data(h, 300 * bs, 4 * bs, 4 * bs, 6);
	{
		size_t n = 304 * bs;
		uint8_t *all = malloc(n), *want = malloc(n);

		ck_assert_ptr_nonnull(all);
		ck_assert_ptr_nonnull(want);
		fill(want, 0, n, 6);
		memset(want + 3 * bs, 0, 17 * bs);
		memset(want + 25 * bs, 0, 275 * bs);
		memset(all, 0xaa, n);
		ck_assert_int_eq(ext2_read(fs, h, 0, all, n), (long)n);
		ck_assert_int_eq(memcmp(all, want, n), 0);
		/* Unaligned, across hole/data edges. */
		ck_assert_int_eq(ext2_read(fs, h, 2 * bs + 9, all, 20 * bs), 20 * (long)bs);
		ck_assert_int_eq(memcmp(all, want + 2 * bs + 9, 20 * bs), 0);
		ck_assert_int_eq(ext2_read(fs, h, 299 * bs - 1, all, 10 * bs), 5 * (long)bs + 1);
		ck_assert_int_eq(memcmp(all, want + 299 * bs - 1, 5 * bs + 1), 0);
		/* One write over data and holes inside the file: holes are filled block by block. */
		fill(all, bs, 30 * bs, 7);
		ck_assert_int_eq(ext2_write(fs, h, bs, all, 30 * bs), 30 * (long)bs);
		memcpy(want + bs, all, 30 * bs);
		ck_assert_int_eq(ext2_read(fs, h, 0, all, n), (long)n);
		ck_assert_int_eq(memcmp(all, want, n), 0);
		free(all);
		free(want);
	}
	free(blk);
	umnt();
	fsck_clean();
}
END_TEST

START_TEST(test_runs_write_failure)
{
	struct ext2_statfs before;
	uint32_t ino, bs;
	uint8_t *buf;

	mkimg("-b 1024", "4M", 0);
	bs = mnt_counted();
	before = sfs();
	buf = malloc(16 * bs);
	ck_assert_ptr_nonnull(buf);
	ino = mk(EXT2_ROOT_INO, "f", S_IFREG | 0644);

	/* The run fails, then block 9 on its own: exactly 9 blocks written, none mapped past them. */
	fill(buf, 0, 16 * bs, 8);
	memcpy(buf + 9 * bs, POISON, sizeof(POISON) - 1);
	cdev.poison = 1;
	ck_assert_int_eq(ext2_write(fs, ino, 0, buf, 16 * bs), 9 * (long)bs);
	ck_assert_uint_eq(st(ino).size, 9 * bs);
	ck_assert_uint_eq(st(ino).blocks, 9 * bs / 512);
	check_data(ino, 0, 9 * bs, 9 * bs, 8);
	/* Failing at once: nothing written, nothing kept. */
	ck_assert_int_eq(ext2_write(fs, ino, 9 * bs, buf + 9 * bs, 7 * bs), -EIO);
	ck_assert_uint_eq(st(ino).size, 9 * bs);
	ck_assert_uint_eq(st(ino).blocks, 9 * bs / 512);

	/* A device that refuses runs but takes single blocks: everything, block by block. */
	cdev.poison = 0;
	cdev.fail_runs = 1;
	fill(buf, 9 * bs, 7 * bs, 8);
	ck_assert_int_eq(ext2_write(fs, ino, 9 * bs, buf, 7 * bs), 7 * (long)bs);
	check_data(ino, 0, 16 * bs, 16 * bs, 8);
	cdev.fail_runs = 0;
	umnt();
	fsck_clean();

	mnt(0);
	ck_assert_int_eq(ext2_unlink(fs, EXT2_ROOT_INO, "f", 1), 0);
	ck_assert_uint_eq(sfs().bfree, before.bfree);
	umnt();
	fsck_clean();
	free(buf);
}
END_TEST

START_TEST(test_truncate)
{
	struct ext2_statfs before;
	uint32_t ino;
	uint8_t buf[64];

	mkimg("-b 1024", "4M", 0);
	mnt(0);
	before = sfs();
	ino = mk(EXT2_ROOT_INO, "t", S_IFREG | 0644);
	write_all(ino, 0, 600 * KiB, 4096, 5);
	ck_assert_uint_eq(st(ino).blocks, (600 + 1 + 1 + 2) * 2); /* data, ind, dind, 2 ind below */

	/* Shrink into single indirect, not on a block edge. */
	ck_assert_int_eq(ext2_truncate(fs, ino, 100 * KiB + 10), 0);
	ck_assert_uint_eq(st(ino).size, 100 * KiB + 10);
	ck_assert_uint_eq(st(ino).blocks, (101 + 1) * 2);
	ck_assert_uint_eq(sfs().bfree, before.bfree - 102);
	check_data(ino, 0, 100 * KiB + 10, 4096, 5);
	ck_assert_int_eq(ext2_read(fs, ino, 100 * KiB + 5, buf, sizeof(buf)), 5);

	/* Grow: a hole, and the old tail reads as zeros. */
	ck_assert_int_eq(ext2_truncate(fs, ino, 200 * KiB), 0);
	ck_assert_uint_eq(st(ino).size, 200 * KiB);
	ck_assert_uint_eq(st(ino).blocks, (101 + 1) * 2);
	check_zeros(ino, 100 * KiB + 10, 100 * KiB - 10);
	check_data(ino, 0, 100 * KiB + 10, 4096, 5);

	/* Into the direct blocks: the indirect block goes too. */
	ck_assert_int_eq(ext2_truncate(fs, ino, 5 * KiB), 0);
	ck_assert_uint_eq(st(ino).blocks, 5 * 2);
	ck_assert_int_eq(ext2_truncate(fs, ino, 0), 0);
	ck_assert_uint_eq(st(ino).blocks, 0);
	ck_assert_uint_eq(st(ino).size, 0);
	ck_assert_uint_eq(sfs().bfree, before.bfree);
	ck_assert_int_eq(st(ino).mtime, NOW);

	/* Not for directories or symlinks. */
	ck_assert_int_eq(ext2_truncate(fs, EXT2_ROOT_INO, 0), -EISDIR);
	umnt();
	fsck_clean();
}
END_TEST

/* ---- Directories ---- */

START_TEST(test_dir_errors)
{
	uint32_t a, b, f, ino, root = EXT2_ROOT_INO;
	char longname[300];
	uint8_t buf[16];

	mkimg("-b 1024", "2M", 0);
	mnt(0);
	a = mk(root, "a", S_IFDIR | 0755);
	b = mk(a, "b", S_IFDIR | 0700);
	f = mk(b, "f", S_IFREG | 0644);

	ck_assert_int_eq(lk(root, "nope", &ino), -ENOENT);
	ck_assert_int_eq(lk(f, "x", &ino), -ENOTDIR);
	ck_assert_int_eq(lk(root, "a/b", &ino), -EINVAL);
	ck_assert_int_eq(ext2_create(fs, f, "x", 1, S_IFREG, 0, 0, &ino), -ENOTDIR);
	ck_assert_int_eq(ext2_create(fs, a, "b", 1, S_IFREG, 0, 0, &ino), -EEXIST);
	ck_assert_int_eq(ext2_create(fs, a, ".", 1, S_IFDIR, 0, 0, &ino), -EEXIST);
	ck_assert_int_eq(ext2_create(fs, a, "..", 2, S_IFDIR, 0, 0, &ino), -EEXIST);
	ck_assert_int_eq(ext2_create(fs, a, "x/y", 3, S_IFREG, 0, 0, &ino), -EINVAL);
	ck_assert_int_eq(ext2_create(fs, a, "", 0, S_IFREG, 0, 0, &ino), -EINVAL);
	ck_assert_int_eq(ext2_create(fs, a, "l", 1, S_IFLNK | 0777, 0, 0, &ino), -EINVAL);
	memset(longname, 'x', sizeof(longname));
	ck_assert_int_eq(ext2_create(fs, a, longname, 256, S_IFREG, 0, 0, &ino), -ENAMETOOLONG);
	ck_assert_int_eq(ext2_lookup(fs, a, longname, 256, &ino), -ENAMETOOLONG);
	ino = 0;
	ck_assert_int_eq(ext2_create(fs, a, longname, 255, S_IFREG, 0, 0, &ino), 0);
	ck_assert_int_eq(ext2_lookup(fs, a, longname, 255, &b), 0);
	ck_assert_uint_eq(b, ino);
	b = must_walk("a/b");

	ck_assert_int_eq(ext2_read(fs, a, 0, buf, sizeof(buf)), -EISDIR);
	ck_assert_int_eq(ext2_write(fs, a, 0, buf, sizeof(buf)), -EISDIR);
	ck_assert_int_eq(ext2_unlink(fs, a, "b", 1), -EISDIR);
	ck_assert_int_eq(ext2_unlink(fs, a, ".", 1), -EISDIR);
	ck_assert_int_eq(ext2_rmdir(fs, b, "f", 1), -ENOTDIR);
	ck_assert_int_eq(ext2_rmdir(fs, a, "b", 1), -ENOTEMPTY);
	ck_assert_int_eq(ext2_rmdir(fs, a, ".", 1), -EINVAL);
	ck_assert_int_eq(ext2_rmdir(fs, a, "..", 2), -ENOTEMPTY);
	ck_assert_int_eq(ext2_rmdir(fs, a, "zz", 2), -ENOENT);
	ck_assert_int_eq(ext2_unlink(fs, a, "zz", 2), -ENOENT);
	ck_assert_int_eq(ext2_rmdir(fs, f, "x", 1), -ENOTDIR);
	ck_assert_int_eq(ext2_readdir(fs, f, &(uint64_t){ 0 }, &(struct ext2_dirent){ 0 }),
	                 -ENOTDIR);

	/* Bad inode numbers. */
	ck_assert_int_eq(ext2_stat(fs, 0, &(struct ext2_stat){ 0 }), -EINVAL);
	ck_assert_int_eq(ext2_stat(fs, 7, &(struct ext2_stat){ 0 }), -EINVAL); /* reserved */
	ck_assert_int_eq(ext2_stat(fs, 1u << 30, &(struct ext2_stat){ 0 }), -EINVAL);
	ck_assert_int_eq(ext2_stat(fs, sfs().files, &(struct ext2_stat){ 0 }), -ENOENT); /* free */
	ck_assert_int_eq(ext2_read(fs, sfs().files, 0, buf, 1), -ENOENT);

	/* Empty it, then it goes. */
	ck_assert_int_eq(ext2_unlink(fs, b, "f", 1), 0);
	ck_assert_int_eq(ext2_stat(fs, f, &(struct ext2_stat){ 0 }), -ENOENT);
	ck_assert_uint_eq(st(a).nlink, 3);
	ck_assert_int_eq(ext2_rmdir(fs, a, "b", 1), 0);
	ck_assert_uint_eq(st(a).nlink, 2);
	ck_assert_int_eq(lk(a, "b", &ino), -ENOENT);
	ck_assert_int_eq(ext2_create(fs, root, "fifo", 4, S_IFIFO | 0600, 0, 0, &ino), 0);
	ck_assert_uint_eq(st(ino).mode, S_IFIFO | 0600);
	ck_assert_int_eq(ext2_read(fs, ino, 0, buf, 1), -EINVAL);
	ck_assert_int_eq(ext2_create(fs, root, "chr", 3, S_IFCHR | 0600, 0, 0, &ino), 0);
	ck_assert_int_eq(ext2_create(fs, root, "sock", 4, S_IFSOCK | 0600, 0, 0, &ino), 0);
	ck_assert_int_eq(ext2_create(fs, root, "plain", 5, 0644, 0, 0, &ino), 0);
	ck_assert_uint_eq(st(ino).mode, S_IFREG | 0644);
	ck_assert_int_eq(ext2_unlink(fs, root, "chr", 3), 0);
	umnt();
	fsck_clean();
}
END_TEST

START_TEST(test_many_entries)
{
	static const char *const opts[] = { "-b 1024", "-b 4096 -O ^filetype" };
	uint32_t d, ino, root = EXT2_ROOT_INO;
	struct ext2_statfs before;
	struct ext2_dirent de;
	uint64_t size, cookie = 0;
	char name[64];
	int i, n, r, seen[400] = { 0 };

	mkimg(opts[_i], "4M", 0);
	mnt(0);
	before = sfs();
	d = mk(root, "d", S_IFDIR | 0755);
	/* 400 names of 40 bytes: well past the 12 direct blocks of a 1 KiB directory. */
	for (i = 0; i < 400; i++) {
		snprintf(name, sizeof(name), "entry-%04d-padding-padding-padding-xxxx", i);
		mk(d, name, S_IFREG | 0644);
	}
	ck_assert_int_eq(count_entries(d), 402);
	size = st(d).size;
	for (i = 0; i < 400; i += 2) {
		snprintf(name, sizeof(name), "entry-%04d-padding-padding-padding-xxxx", i);
		ck_assert_int_eq(ext2_unlink(fs, d, name, strlen(name)), 0);
	}
	ck_assert_int_eq(count_entries(d), 202);
	/* Shorter names fit the freed room: the directory does not grow. */
	for (i = 0; i < 400; i += 2) {
		snprintf(name, sizeof(name), "again-%04d", i);
		mk(d, name, S_IFREG | 0644);
	}
	ck_assert_uint_eq(st(d).size, size);
	ck_assert_int_eq(count_entries(d), 402);
	while ((r = ext2_readdir(fs, d, &cookie, &de)) == 1) {
		ck_assert_uint_eq(strlen(de.name), de.namelen);
		if (sscanf(de.name, "entry-%d", &n) == 1 || sscanf(de.name, "again-%d", &n) == 1) {
			ck_assert(n >= 0 && n < 400);
			ck_assert_int_eq(seen[n], 0);
			seen[n] = 1;
			ck_assert_int_eq(lk(d, de.name, &ino), 0);
			ck_assert_uint_eq(ino, de.ino);
			if (_i == 0)
				ck_assert_uint_eq(de.type, 8); /* DT_REG */
			else
				ck_assert_uint_eq(de.type, 0);
		}
	}
	ck_assert_int_eq(r, 0);
	for (i = 0; i < 400; i++)
		ck_assert_int_eq(seen[i], 1);
	umnt();
	fsck_clean();

	/* Remove them all; the directory can go. */
	mnt(0);
	d = must_walk("d");
	for (i = 0; i < 400; i++) {
		snprintf(name, sizeof(name),
		         i % 2 ? "entry-%04d-padding-padding-padding-xxxx" : "again-%04d", i);
		ck_assert_int_eq(ext2_unlink(fs, d, name, strlen(name)), 0);
	}
	ck_assert_int_eq(count_entries(d), 2);
	ck_assert_int_eq(ext2_rmdir(fs, root, "d", 1), 0);
	ck_assert_uint_eq(sfs().bfree, before.bfree);
	ck_assert_uint_eq(sfs().ffree, before.ffree);
	umnt();
	fsck_clean();
}
END_TEST

START_TEST(test_readdir_cookie)
{
	uint32_t d, root = EXT2_ROOT_INO;
	struct ext2_dirent de;
	uint64_t cookie = 0, end;
	char name[32];
	int i, n = 0, r;

	mkimg("-b 1024", "2M", 0);
	mnt(0);
	d = mk(root, "d", S_IFDIR | 0755);
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		mk(d, name, S_IFREG | 0644);
	}
	ck_assert_int_eq(ext2_readdir(fs, d, &cookie, &de), 1);
	ck_assert_str_eq(de.name, ".");
	ck_assert_uint_eq(de.type, 4);
	ck_assert_int_eq(ext2_readdir(fs, d, &cookie, &de), 1);
	ck_assert_str_eq(de.name, "..");
	ck_assert_uint_eq(de.ino, root);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(ext2_readdir(fs, d, &cookie, &de), 1);
	ck_assert_str_eq(de.name, "f3");
	/* The entry the cookie points at goes away: the listing resumes after it. */
	ck_assert_int_eq(ext2_unlink(fs, d, "f4", 2), 0);
	ck_assert_int_eq(ext2_unlink(fs, d, "f2", 2), 0);
	while ((r = ext2_readdir(fs, d, &cookie, &de)) == 1) {
		ck_assert_str_ne(de.name, "f4");
		ck_assert_str_ne(de.name, "f3");
		n++;
	}
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(n, 5); /* f5..f9 */
	end = cookie;
	ck_assert_int_eq(ext2_readdir(fs, d, &cookie, &de), 0);
	ck_assert_uint_eq(cookie, end);
	cookie = 1ull << 40;
	ck_assert_int_eq(ext2_readdir(fs, d, &cookie, &de), 0);
	umnt();
	fsck_clean();
}
END_TEST

/* ---- Links and symlinks ---- */

START_TEST(test_links)
{
	uint32_t f, d, l, ino, root = EXT2_ROOT_INO;
	char target[1100], buf[1100];
	struct ext2_statfs before;

	mkimg("-b 1024", "2M", 0);
	mnt(0);
	before = sfs();
	f = mk(root, "f", S_IFREG | 0644);
	write_all(f, 0, 3000, 3000, 2);
	d = mk(root, "d", S_IFDIR | 0755);
	ck_assert_int_eq(ext2_link(fs, d, "g", 1, f), 0);
	ck_assert_uint_eq(st(f).nlink, 2);
	ck_assert_uint_eq(must_walk("d/g"), f);
	ck_assert_int_eq(ext2_link(fs, d, "g", 1, f), -EEXIST);
	ck_assert_int_eq(ext2_link(fs, root, "dd", 2, d), -EPERM);
	ck_assert_int_eq(ext2_link(fs, f, "x", 1, f), -ENOTDIR);
	ck_assert_int_eq(ext2_link(fs, root, "x", 1, 0), -EINVAL);
	ck_assert_int_eq(ext2_unlink(fs, root, "f", 1), 0);
	ck_assert_uint_eq(st(f).nlink, 1);
	check_data(f, 0, 3000, 3000, 2);

	/* Symlinks: fast (in the inode) and slow (one block). */
	ck_assert_int_eq(ext2_symlink(fs, root, "s1", 2, "d/g", 3, 5, 6, &l), 0);
	ck_assert_uint_eq(st(l).mode, S_IFLNK | 0777);
	ck_assert_uint_eq(st(l).size, 3);
	ck_assert_uint_eq(st(l).blocks, 0);
	ck_assert_uint_eq(st(l).uid, 5);
	ck_assert_int_eq(ext2_readlink(fs, l, buf, sizeof(buf)), 3);
	ck_assert_int_eq(memcmp(buf, "d/g", 3), 0);
	memset(target, 't', sizeof(target));
	ck_assert_int_eq(ext2_symlink(fs, root, "s2", 2, target, 59, 0, 0, &l), 0);
	ck_assert_uint_eq(st(l).blocks, 0);
	ck_assert_int_eq(ext2_readlink(fs, l, buf, sizeof(buf)), 59);
	ck_assert_int_eq(ext2_symlink(fs, root, "s3", 2, target, 60, 0, 0, &l), 0);
	ck_assert_uint_eq(st(l).blocks, 2);
	ck_assert_int_eq(ext2_readlink(fs, l, buf, sizeof(buf)), 60);
	ck_assert_int_eq(memcmp(buf, target, 60), 0);
	ck_assert_int_eq(ext2_symlink(fs, root, "s4", 2, target, 1023, 0, 0, &l), 0);
	ck_assert_int_eq(ext2_readlink(fs, l, buf, sizeof(buf)), 1023);
	ck_assert_int_eq(memcmp(buf, target, 1023), 0);
	ck_assert_int_eq(ext2_symlink(fs, root, "s5", 2, target, 1024, 0, 0, &l), -ENAMETOOLONG);
	ck_assert_int_eq(ext2_symlink(fs, root, "s5", 2, target, 0, 0, 0, &l), -ENOENT);
	ck_assert_int_eq(ext2_symlink(fs, root, "s5", 2, "a\0b", 3, 0, 0, &l), -EINVAL);
	ck_assert_int_eq(ext2_symlink(fs, root, "s1", 2, "x", 1, 0, 0, &l), -EEXIST);
	ck_assert_int_eq(ext2_write(fs, l, 0, "x", 1), -EINVAL);
	ck_assert_int_eq(lk(root, "s4", &ino), 0);
	ck_assert_int_eq(ext2_unlink(fs, root, "s4", 2), 0);
	ck_assert_int_eq(ext2_unlink(fs, root, "s3", 2), 0);
	ck_assert_int_eq(ext2_unlink(fs, root, "s2", 2), 0);
	umnt();
	fsck_clean();

	mnt(0);
	ck_assert_int_eq(ext2_unlink(fs, root, "s1", 2), 0);
	ck_assert_int_eq(ext2_unlink(fs, must_walk("d"), "g", 1), 0);
	ck_assert_int_eq(ext2_rmdir(fs, root, "d", 1), 0);
	ck_assert_uint_eq(sfs().bfree, before.bfree);
	ck_assert_uint_eq(sfs().ffree, before.ffree);
	umnt();
	fsck_clean();
}
END_TEST

/* ---- Rename ---- */

START_TEST(test_rename)
{
	uint32_t a, b, c, f, g, h, e, ino, root = EXT2_ROOT_INO;
	struct ext2_statfs s0;

	mkimg("-b 1024", "2M", 0);
	mnt(0);
	a = mk(root, "a", S_IFDIR | 0755);
	b = mk(root, "b", S_IFDIR | 0755);
	c = mk(a, "c", S_IFDIR | 0755);
	f = mk(a, "f", S_IFREG | 0644);
	g = mk(b, "g", S_IFREG | 0644);
	write_all(f, 0, 2000, 2000, 1);
	write_all(g, 0, 5000, 1000, 2);

	/* Same directory, new name. */
	ck_assert_int_eq(ext2_rename(fs, a, "f", 1, a, "f2", 2), 0);
	ck_assert_int_eq(lk(a, "f", &ino), -ENOENT);
	ck_assert_uint_eq(must_walk("a/f2"), f);
	/* Across directories, replacing a file: the old one is freed. */
	s0 = sfs();
	ck_assert_int_eq(ext2_rename(fs, a, "f2", 2, b, "g", 1), 0);
	ck_assert_uint_eq(must_walk("b/g"), f);
	ck_assert_int_eq(ext2_stat(fs, g, &(struct ext2_stat){ 0 }), -ENOENT);
	ck_assert_uint_eq(sfs().ffree, s0.ffree + 1);
	ck_assert_uint_eq(sfs().bfree, s0.bfree + 5);
	check_data(f, 0, 2000, 2000, 1);

	/* A directory to another parent: "..", link counts. */
	ck_assert_uint_eq(st(a).nlink, 3);
	ck_assert_uint_eq(st(b).nlink, 2);
	ck_assert_int_eq(ext2_rename(fs, a, "c", 1, b, "c", 1), 0);
	ck_assert_uint_eq(st(a).nlink, 2);
	ck_assert_uint_eq(st(b).nlink, 3);
	ck_assert_uint_eq(must_walk("b/c/.."), b);

	/* A directory over an empty directory, and over a non-empty one. */
	e = mk(a, "e", S_IFDIR | 0755);
	ck_assert_uint_eq(st(a).nlink, 3);
	ck_assert_int_eq(ext2_rename(fs, b, "c", 1, a, "e", 1), 0);
	ck_assert_int_eq(ext2_stat(fs, e, &(struct ext2_stat){ 0 }), -ENOENT);
	ck_assert_uint_eq(st(a).nlink, 3);
	ck_assert_uint_eq(st(b).nlink, 2);
	ck_assert_uint_eq(must_walk("a/e"), c);
	ck_assert_uint_eq(must_walk("a/e/.."), a);
	h = mk(c, "h", S_IFREG | 0644);
	e = mk(b, "e2", S_IFDIR | 0755);
	ck_assert_int_eq(ext2_rename(fs, b, "e2", 2, a, "e", 1), -ENOTEMPTY);
	/* Within one directory, a directory over an empty one. */
	ino = mk(b, "e3", S_IFDIR | 0755);
	ck_assert_uint_eq(st(b).nlink, 4);
	ck_assert_int_eq(ext2_rename(fs, b, "e2", 2, b, "e3", 2), 0);
	ck_assert_uint_eq(st(b).nlink, 3);
	ck_assert_int_eq(ext2_stat(fs, ino, &(struct ext2_stat){ 0 }), -ENOENT);
	ck_assert_uint_eq(must_walk("b/e3"), e);

	/* Type mismatches, loops, no-ops. */
	ck_assert_int_eq(ext2_rename(fs, b, "g", 1, a, "e", 1), -EISDIR);
	ck_assert_int_eq(ext2_rename(fs, a, "e", 1, b, "g", 1), -ENOTDIR);
	ck_assert_int_eq(ext2_rename(fs, root, "a", 1, c, "x", 1), -EINVAL);
	ck_assert_int_eq(ext2_rename(fs, root, "a", 1, a, "x", 1), -EINVAL);
	ck_assert_int_eq(ext2_rename(fs, root, "zz", 2, a, "x", 1), -ENOENT);
	ck_assert_int_eq(ext2_rename(fs, root, ".", 1, a, "x", 1), -EINVAL);
	ck_assert_int_eq(ext2_rename(fs, root, "a", 1, a, "..", 2), -EINVAL);
	ck_assert_int_eq(ext2_rename(fs, root, "a", 1, h, "x", 1), -ENOTDIR);
	ck_assert_int_eq(ext2_link(fs, root, "hl", 2, h), 0);
	ck_assert_int_eq(ext2_rename(fs, root, "hl", 2, c, "h", 1), 0); /* same inode */
	ck_assert_uint_eq(st(h).nlink, 2);
	ck_assert_uint_eq(must_walk("hl"), h);
	ck_assert_int_eq(ext2_rename(fs, b, "g", 1, b, "g", 1), 0);
	ck_assert_uint_eq(must_walk("b/g"), f);
	/* A file over a hard link of another: one link less there. */
	ck_assert_int_eq(ext2_rename(fs, b, "g", 1, root, "hl", 2), 0);
	ck_assert_uint_eq(st(h).nlink, 1);
	ck_assert_uint_eq(must_walk("hl"), f);
	/* Up the tree. */
	ck_assert_int_eq(ext2_rename(fs, a, "e", 1, root, "top", 3), 0);
	ck_assert_uint_eq(must_walk("top/.."), root);
	ck_assert_uint_eq(must_walk("top/h"), h);
	ck_assert_uint_eq(st(root).nlink, 6);
	ck_assert_uint_eq(st(a).nlink, 2);
	umnt();
	fsck_clean();
}
END_TEST

/* ---- Open-file holds ---- */

START_TEST(test_unlink_held)
{
	uint32_t f, d, g, root = EXT2_ROOT_INO;
	struct ext2_statfs before, mid;
	struct ext2_dirent de;
	uint64_t cookie = 0;
	uint32_t ino;

	mkimg("-b 1024", "2M", 0);
	mnt(0);
	before = sfs();
	f = mk(root, "f", S_IFREG | 0644);
	write_all(f, 0, 20 * KiB, 4096, 3);
	ext2_hold(fs, f);
	ext2_hold(fs, f);
	ck_assert_int_eq(ext2_unlink(fs, root, "f", 1), 0);
	ck_assert_int_eq(lk(root, "f", &ino), -ENOENT);
	ck_assert_uint_eq(st(f).nlink, 0);
	check_data(f, 0, 20 * KiB, 4096, 3);
	write_all(f, 20 * KiB, 1000, 1000, 3);
	mid = sfs();
	ck_assert_uint_eq(mid.ffree, before.ffree - 1);
	ck_assert_int_eq(ext2_link(fs, root, "again", 5, f), -ENOENT);
	ck_assert_int_eq(ext2_release(fs, f), 0);
	ck_assert_uint_eq(st(f).nlink, 0); /* still held once */
	ck_assert_int_eq(ext2_release(fs, f), 0);
	ck_assert_int_eq(ext2_stat(fs, f, &(struct ext2_stat){ 0 }), -ENOENT);
	ck_assert_int_eq(ext2_release(fs, f), -EINVAL);
	ck_assert_uint_eq(sfs().ffree, before.ffree);
	ck_assert_uint_eq(sfs().bfree, before.bfree);

	/* A held file that keeps a link is not freed by release. */
	f = mk(root, "k", S_IFREG | 0644);
	ext2_hold(fs, f);
	ck_assert_int_eq(ext2_release(fs, f), 0);
	ck_assert_uint_eq(st(f).nlink, 1);

	/* Replaced by rename while held. */
	g = mk(root, "g", S_IFREG | 0644);
	write_all(g, 0, 3000, 3000, 4);
	ext2_hold(fs, g);
	ck_assert_int_eq(ext2_rename(fs, root, "k", 1, root, "g", 1), 0);
	check_data(g, 0, 3000, 3000, 4);
	ck_assert_int_eq(ext2_release(fs, g), 0);
	ck_assert_int_eq(ext2_stat(fs, g, &(struct ext2_stat){ 0 }), -ENOENT);

	/* A removed directory while held: empty, nothing can be made in it. */
	d = mk(root, "d", S_IFDIR | 0755);
	ext2_hold(fs, d);
	ck_assert_int_eq(ext2_rmdir(fs, root, "d", 1), 0);
	ck_assert_uint_eq(st(d).nlink, 0);
	ck_assert_int_eq(ext2_readdir(fs, d, &cookie, &de), 0);
	ck_assert_int_eq(ext2_create(fs, d, "x", 1, S_IFREG, 0, 0, &ino), -ENOENT);
	ck_assert_int_eq(lk(d, "..", &ino), -ENOENT);
	ck_assert_int_eq(ext2_release(fs, d), 0);
	ck_assert_int_eq(ext2_unlink(fs, root, "g", 1), 0);
	ck_assert_uint_eq(sfs().ffree, before.ffree);
	ck_assert_uint_eq(sfs().bfree, before.bfree);
	umnt();
	fsck_clean();

	/* Unmount with an unlinked file still held: freed then. */
	mnt(0);
	f = mk(root, "f", S_IFREG | 0644);
	write_all(f, 0, 5000, 5000, 1);
	ext2_hold(fs, f);
	ck_assert_int_eq(ext2_unlink(fs, root, "f", 1), 0);
	umnt();
	fsck_clean();
}
END_TEST

/* ---- Attributes, statfs ---- */

START_TEST(test_attrs)
{
	uint32_t f, root = EXT2_ROOT_INO;
	struct ext2_attr a;
	struct ext2_statfs s;
	struct ext2_stat t;

	mkimg("-b 4096", "4M", 0);
	mnt(0);
	s = sfs();
	ck_assert_uint_eq(s.bsize, 4096);
	ck_assert_uint_eq(s.blocks, 1024);
	ck_assert(s.bfree > 900 && s.bfree < s.blocks);
	ck_assert(s.bavail < s.bfree); /* 5% reserved */
	ck_assert_uint_eq(s.namemax, 255);
	ck_assert(s.files > 0 && s.ffree < s.files);

	clock_now = NOW + 100;
	f = mk(root, "f", S_IFREG | 0640);
	t = st(f);
	ck_assert_int_eq(t.atime, NOW + 100);
	ck_assert_int_eq(t.ctime, NOW + 100);
	ck_assert_uint_eq(t.blksize, 4096);
	ck_assert_int_eq(st(root).mtime, NOW + 100);
	a = (struct ext2_attr){ .mask = EXT2_SET_MODE | EXT2_SET_UID | EXT2_SET_GID,
		                .mode = S_IFDIR | 04711,
		                .uid = 70000,
		                .gid = 80000 };
	clock_now = NOW + 200;
	ck_assert_int_eq(ext2_setattr(fs, f, &a), 0);
	t = st(f);
	ck_assert_uint_eq(t.mode, S_IFREG | 04711); /* the type stays */
	ck_assert_uint_eq(t.uid, 70000);
	ck_assert_uint_eq(t.gid, 80000);
	ck_assert_int_eq(t.ctime, NOW + 200);
	a = (struct ext2_attr){ .mask = EXT2_SET_ATIME | EXT2_SET_MTIME,
		                .atime = 123,
		                .mtime = 456 };
	ck_assert_int_eq(ext2_setattr(fs, f, &a), 0);
	t = st(f);
	ck_assert_int_eq(t.atime, 123);
	ck_assert_int_eq(t.mtime, 456);
	a.mask = 1u << 20;
	ck_assert_int_eq(ext2_setattr(fs, f, &a), -EINVAL);
	/* A read records the access (relatime: atime was older than mtime). */
	write_all(f, 0, 10, 10, 1);
	clock_now = NOW + 300;
	check_data(f, 0, 10, 10, 1);
	ck_assert_int_eq(st(f).atime, NOW + 300);
	ck_assert_int_eq(st(f).mtime, NOW + 200);
	ck_assert_int_eq(ext2_sync(fs), 0);
	umnt();
	fsck_clean();
}
END_TEST

/* ---- Running out of room ---- */

START_TEST(test_enospc)
{
	uint32_t f, ino, root = EXT2_ROOT_INO;
	struct ext2_statfs before, s;
	uint8_t *buf = calloc(1, 200 * KiB);
	char name[64];
	long n;
	int i, r;

	ck_assert_ptr_nonnull(buf);
	mkimg("-b 1024 -N 64", "128k", 0);
	mnt(0);
	before = sfs();
	f = mk(root, "big", S_IFREG | 0644);
	fill(buf, 0, 200 * KiB, 8);
	n = ext2_write(fs, f, 0, buf, 200 * KiB);
	ck_assert(n > 0 && n < (long)(200 * KiB));
	ck_assert_uint_eq(st(f).size, (uint64_t)n);
	ck_assert_int_eq(ext2_write(fs, f, (uint64_t)n, buf, 200 * KiB), -ENOSPC);
	check_data(f, 0, (size_t)n, 4096, 8);
	/* The last blocks (the file wanted an indirect block besides): small files. */
	for (i = 0; sfs().bfree > 0; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		ck_assert_int_eq(ext2_write(fs, mk(root, name, S_IFREG | 0644), 0, "x", 1), 1);
	}
	ck_assert_int_eq(ext2_write(fs, mk(root, "q", S_IFREG | 0644), 0, "x", 1), -ENOSPC);
	/* No block for a directory: nothing leaks. */
	s = sfs();
	ck_assert_int_eq(ext2_create(fs, root, "dir", 3, S_IFDIR | 0755, 0, 0, &ino), -ENOSPC);
	ck_assert_uint_eq(sfs().ffree, s.ffree);
	ck_assert_int_eq(
	        ext2_symlink(fs, root, "sl", 2,
	                     "0123456789012345678901234567890123456789012345678901234567890123", 64,
	                     0, 0, &ino),
	        -ENOSPC);
	ck_assert_uint_eq(sfs().ffree, s.ffree);
	/* Names until the root's only block is full: the next needs a block. */
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "name-%03d-0123456789012345678901", i);
		s = sfs();
		r = ext2_create(fs, root, name, strlen(name), S_IFREG | 0644, 0, 0, &ino);
		if (r < 0)
			break;
	}
	ck_assert_int_eq(r, -ENOSPC);
	ck_assert_uint_eq(sfs().ffree, s.ffree);
	umnt();
	fsck_clean();

	/* Give the blocks back: inodes run out instead. */
	mnt(0);
	ck_assert_int_eq(ext2_truncate(fs, must_walk("big"), 0), 0);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "i%d", i);
		r = ext2_create(fs, root, name, strlen(name), S_IFREG | 0644, 0, 0, &ino);
		if (r < 0)
			break;
	}
	ck_assert_int_eq(r, -ENOSPC);
	ck_assert_uint_eq(sfs().ffree, 0);
	umnt();
	fsck_clean();
	(void)before;
	free(buf);
}
END_TEST

/* ---- One workload over every format ---- */

START_TEST(test_formats)
{
	static const char *const opts[] = {
		"-b 1024 -r 0 -O none",   "-b 1024 -O ^filetype",
		"-b 2048 -I 128",         "-b 4096",
		"-b 1024 -O ^large_file", "-b 1024 -O ^sparse_super,^resize_inode -g 1024"
	};
	uint32_t d, e, f, g, l, root = EXT2_ROOT_INO;
	struct ext2_statfs before;
	char target[200];
	uint8_t c = 7;
	long r;

	mkimg(opts[_i], "8M", 1);
	mnt(0);
	before = sfs();
	check_populated();
	d = mk(root, "d", S_IFDIR | 0755);
	e = mk(d, "e", S_IFDIR | 0755);
	f = mk(e, "f", S_IFREG | 0644);
	write_all(f, 0, 700 * KiB, 3000, 11);
	ck_assert_int_eq(ext2_link(fs, d, "f-link", 6, f), 0);
	memset(target, 'z', sizeof(target));
	ck_assert_int_eq(ext2_symlink(fs, e, "fast", 4, "f", 1, 0, 0, &l), 0);
	ck_assert_int_eq(ext2_symlink(fs, e, "slow", 4, target, sizeof(target), 0, 0, &l), 0);
	ck_assert_int_eq(ext2_rename(fs, d, "e", 1, root, "e-moved", 7), 0);
	ck_assert_int_eq(ext2_truncate(fs, f, 123457), 0);
	g = mk(root, "g", S_IFREG | 0600);
	r = ext2_write(fs, g, 3ull << 30, &c, 1); /* 3 GiB: i_size_high, maybe large_file */
	ck_assert_int_eq(r, _i == 0 ? -EFBIG : 1);
	ck_assert_int_eq(ext2_unlink(fs, root, "hello.txt", 9), 0);
	ck_assert_int_eq(ext2_rename(fs, root, "big.bin", 7, must_walk("sub"), "big2", 4), 0);
	umnt();
	fsck_clean();

	mnt(0);
	check_data(must_walk("e-moved/f"), 0, 123457, 4096, 11);
	ck_assert_uint_eq(must_walk("d/f-link"), must_walk("e-moved/f"));
	check_data(must_walk("sub/big2"), 0, BIGLEN, 8192, 1);
	ck_assert_int_eq(ext2_unlink(fs, d, "f-link", 6), 0);
	e = must_walk("e-moved");
	ck_assert_int_eq(ext2_unlink(fs, e, "f", 1), 0);
	ck_assert_int_eq(ext2_unlink(fs, e, "fast", 4), 0);
	ck_assert_int_eq(ext2_unlink(fs, e, "slow", 4), 0);
	ck_assert_int_eq(ext2_rmdir(fs, root, "e-moved", 7), 0);
	ck_assert_int_eq(ext2_rmdir(fs, root, "d", 1), 0);
	ck_assert_int_eq(ext2_unlink(fs, root, "g", 1), 0);
	ck_assert_uint_eq(sfs().ffree, before.ffree + 1);
	umnt();
	fsck_clean();
}
END_TEST

/* ---- Several mounts at once ---- */

START_TEST(test_two_mounts)
{
	char img2[160];
	struct file_blkdev fb2;
	struct ext2 *fs2;
	uint32_t a, b;

	mkimg("-b 1024", "1M", 1);
	snprintf(img2, sizeof(img2), "%s/img2", tmp);
	ck_assert_int_eq(sh("cp %s %s", img, img2), 0);
	mnt(0);
	ck_assert_int_eq(file_blkdev_open(&fb2, img2, 0), 0);
	ck_assert_int_eq(ext2_mount(&fs2, &fb2.dev, 0, NULL), 0);
	a = mk(EXT2_ROOT_INO, "only-in-one", S_IFREG | 0644);
	ck_assert_int_eq(ext2_lookup(fs2, EXT2_ROOT_INO, "only-in-one", 11, &b), -ENOENT);
	ck_assert_int_eq(ext2_create(fs2, EXT2_ROOT_INO, "two", 3, S_IFREG, 0, 0, &b), 0);
	ck_assert_int_eq(ext2_write(fs2, b, 0, "abc", 3), 3);
	ck_assert_int_eq(lk(EXT2_ROOT_INO, "two", &a), -ENOENT);
	ck_assert_int_eq(ext2_unmount(fs2), 0);
	file_blkdev_close(&fb2);
	umnt();
	fsck_clean();
	fsck_clean_path(img2);
}
END_TEST

/* ---- Hostile images ---- */

struct memimg {
	uint8_t *data;
	size_t size;
};

static struct memimg load_img(void)
{
	struct memimg m;
	FILE *f = fopen(img, "rb");

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	m.size = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	m.data = malloc(m.size);
	ck_assert_ptr_nonnull(m.data);
	ck_assert_uint_eq(fread(m.data, 1, m.size, f), m.size);
	fclose(f);
	return m;
}

static struct ext2_super *sb_of(uint8_t *d)
{
	return (struct ext2_super *)(d + 1024);
}

/* Byte offset of an inode in an image (from its own, sound, metadata). */
static size_t inode_off(uint8_t *d, uint32_t ino)
{
	struct ext2_super *sb = sb_of(d);
	uint32_t bs = 1024u << sb->s_log_block_size, g = (ino - 1) / sb->s_inodes_per_group;
	uint32_t isz = sb->s_rev_level ? sb->s_inode_size : 128;
	struct ext2_group_desc gd;

	memcpy(&gd, d + (size_t)(sb->s_first_data_block + 1) * bs + g * 32, sizeof(gd));
	return (size_t)gd.bg_inode_table * bs + (size_t)((ino - 1) % sb->s_inodes_per_group) * isz;
}

static struct ext2_inode *inode_of(uint8_t *d, uint32_t ino)
{
	return (struct ext2_inode *)(d + inode_off(d, ino));
}

static int mount_mem(struct mem_blkdev *mb, uint8_t *d, size_t size, struct ext2 **out)
{
	mem_blkdev_init(mb, d, size, 0);
	return ext2_mount(out, &mb->dev, 0, test_now);
}

START_TEST(test_bad_superblocks)
{
	struct memimg m;
	struct mem_blkdev mb;
	struct ext2 *x;
	uint8_t *d;
	struct ext2_group_desc gd;

	mkimg("-b 1024", "512k", 1);
	m = load_img();
	d = malloc(m.size);
	ck_assert_ptr_nonnull(d);

#define TRY(expr, want)                                                \
	do {                                                           \
		memcpy(d, m.data, m.size);                             \
		expr;                                                  \
		ck_assert_int_eq(mount_mem(&mb, d, m.size, &x), want); \
		if ((want) == 0)                                       \
			ck_assert_int_eq(ext2_unmount(x), 0);          \
	} while (0)

	TRY((void)0, 0);
	TRY(sb_of(d)->s_magic = 0x1234, -EUCLEAN);
	TRY(sb_of(d)->s_log_block_size = 3, -EUCLEAN);
	TRY(sb_of(d)->s_log_block_size = 0xffffffff, -EUCLEAN);
	TRY(sb_of(d)->s_inodes_per_group = 0, -EUCLEAN);
	TRY(sb_of(d)->s_inodes_per_group = 1u << 30, -EUCLEAN);
	TRY(sb_of(d)->s_blocks_per_group = 0, -EUCLEAN);
	TRY(sb_of(d)->s_blocks_per_group = 7, -EUCLEAN);
	TRY(sb_of(d)->s_blocks_count = 1u << 20, -EUCLEAN); /* past the device */
	TRY(sb_of(d)->s_blocks_count = 0, -EUCLEAN);
	TRY(sb_of(d)->s_first_data_block = 0, -EUCLEAN);
	TRY(sb_of(d)->s_inodes_count += 1, -EUCLEAN);
	TRY(sb_of(d)->s_inode_size = 100, -EUCLEAN);
	TRY(sb_of(d)->s_inode_size = 2048, -EUCLEAN);
	TRY(sb_of(d)->s_inode_size = 384, -EUCLEAN);
	TRY(sb_of(d)->s_first_ino = 3, -EUCLEAN);
	TRY(sb_of(d)->s_first_ino = 1u << 30, -EUCLEAN);
	TRY(sb_of(d)->s_rev_level = 2, -EOPNOTSUPP);
	TRY(sb_of(d)->s_feature_incompat |= 0x40, -EOPNOTSUPP); /* extents */
	TRY(sb_of(d)->s_feature_incompat |= 0x4, -EOPNOTSUPP);  /* journal recovery */
	TRY(sb_of(d)->s_reserved_gdt_blocks = 60000, -EUCLEAN);
	/* Descriptors pointing outside their group or the device. */
	TRY(((struct ext2_group_desc *)(d + 2048))->bg_inode_table = sb_of(d)->s_blocks_count - 2,
	    -EUCLEAN);
	TRY(((struct ext2_group_desc *)(d + 2048))->bg_inode_table = 0xffffff00, -EUCLEAN);
	TRY(((struct ext2_group_desc *)(d + 2048))->bg_block_bitmap = 1, -EUCLEAN);
	TRY(((struct ext2_group_desc *)(d + 2048))->bg_inode_bitmap = sb_of(d)->s_blocks_count,
	    -EUCLEAN);
	TRY(((struct ext2_group_desc *)(d + 2048))->bg_free_blocks_count = 60000, -EUCLEAN);
	memcpy(&gd, m.data + 2048, sizeof(gd));
	TRY(((struct ext2_group_desc *)(d + 2048))->bg_inode_bitmap = gd.bg_block_bitmap, -EUCLEAN);
	/* Too small a device. */
	mem_blkdev_init(&mb, m.data, 1024, 0);
	ck_assert_int_eq(ext2_mount(&x, &mb.dev, 0, NULL), -EUCLEAN);
	mem_blkdev_init(&mb, m.data, 100 * 1024, 0);
	ck_assert_int_eq(ext2_mount(&x, &mb.dev, 0, NULL), -EUCLEAN);

	/* An unknown ro_compat feature mounts read-only. */
	memcpy(d, m.data, m.size);
	sb_of(d)->s_feature_ro_compat |= 0x400; /* metadata_csum */
	ck_assert_int_eq(mount_mem(&mb, d, m.size, &x), 0);
	ck_assert_int_eq(ext2_create(x, EXT2_ROOT_INO, "x", 1, S_IFREG, 0, 0, &(uint32_t){ 0 }),
	                 -EROFS);
	ck_assert_int_eq(ext2_unmount(x), 0);
	ck_assert_uint_eq(mb.writes, 0);
#undef TRY
	free(d);
	free(m.data);
}
END_TEST

START_TEST(test_bad_metadata)
{
	struct mem_blkdev mb;
	struct memimg m;
	struct ext2 *x;
	struct ext2_inode *ip;
	struct ext2_dirent de;
	uint32_t big, hello, sub, deep, bs = 1024, ino;
	uint64_t cookie;
	uint8_t buf[4096], *d;

	mkimg("-b 1024", "1M", 1);
	mnt(1);
	big = must_walk("big.bin");
	hello = must_walk("hello.txt");
	sub = must_walk("sub");
	deep = must_walk("sub/deep");
	umnt();
	m = load_img();
	d = malloc(m.size);
	ck_assert_ptr_nonnull(d);

	/* A block pointer past the device: -EIO, before and in an indirect block. */
	memcpy(d, m.data, m.size);
	inode_of(d, big)->i_block[3] = 0x7fffffff;
	ck_assert_int_eq(mount_mem(&mb, d, m.size, &x), 0);
	ck_assert_int_eq(ext2_read(x, big, 0, buf, 1024), 1024);
	ck_assert_int_eq(ext2_read(x, big, 3 * bs, buf, 1024), -EIO);
	ck_assert_int_eq(ext2_read(x, big, 2 * bs, buf, 2048), 1024); /* short: what was read */
	ck_assert_int_eq(ext2_read(x, big, 0, buf, 4096), 3 * 1024);  /* a run stops before it */
	ck_assert_int_eq(ext2_write(x, big, 3 * bs, buf, 10), -EIO);
	ck_assert_int_eq(ext2_write(x, big, 0, buf, 4096), 3 * 1024);
	ck_assert_int_eq(ext2_unmount(x), 0);

	/* The same inside a run: into group 0's metadata, and in an indirect block. */
	memcpy(d, m.data, m.size);
	ip = inode_of(d, big);
	ck_assert_uint_eq(ip->i_block[5], ip->i_block[4] + 1); /* mke2fs -d: contiguous */
	ip->i_block[5] = 1;
	{
		uint32_t ind = ip->i_block[EXT2_IND_BLOCK], bad = sb_of(d)->s_blocks_count;

		memcpy(d + (size_t)ind * bs + 2 * 4, &bad, 4); /* logical block 14 */
	}
	ck_assert_int_eq(mount_mem(&mb, d, m.size, &x), 0);
	ck_assert_int_eq(ext2_read(x, big, 0, buf, 4096), 4 * 1024);
	ck_assert_int_eq(ext2_read(x, big, 5 * bs, buf, 10), -EIO);
	ck_assert_int_eq(ext2_read(x, big, 10 * bs, buf, 4096), 4 * 1024);
	ck_assert_int_eq(ext2_read(x, big, 14 * bs, buf, 4096), -EIO);
	ck_assert_int_eq(ext2_read(x, big, 15 * bs, buf, 4096), 4096);
	ck_assert_int_eq(ext2_unmount(x), 0);

	/* A single indirect block whose entries all point at itself: bounded, no double free. */
	memcpy(d, m.data, m.size);
	ip = inode_of(d, big);
	{
		uint32_t ind = ip->i_block[EXT2_IND_BLOCK], i;
		struct ext2_statfs s0, s1;

		for (i = 0; i < bs / 4; i++)
			memcpy(d + (size_t)ind * bs + i * 4, &ind, 4);
		ck_assert_int_eq(mount_mem(&mb, d, m.size, &x), 0);
		ck_assert_int_eq(ext2_read(x, big, 20 * bs, buf, 1024), 1024);
		ck_assert_int_eq(ext2_statfs(x, &s0), 0);
		ck_assert_int_eq(ext2_truncate(x, big, 0), 0);
		ck_assert_int_eq(ext2_statfs(x, &s1), 0);
		ck_assert(s1.bfree > s0.bfree && s1.bfree <= s0.bfree + 300);
		ck_assert_int_eq(ext2_unmount(x), 0);
	}

	/* Directory records: rec_len 0, past the block, name longer than the record. */
	memcpy(d, m.data, m.size);
	ip = inode_of(d, sub);
	{
		uint8_t *blk = d + (size_t)ip->i_block[0] * bs;
		uint16_t zero = 0, huge = 2000, odd = 13;

		memcpy(blk + 4, &zero, 2);
		ck_assert_int_eq(mount_mem(&mb, d, m.size, &x), 0);
		ck_assert_int_eq(ext2_lookup(x, sub, "deep", 4, &ino), -EIO);
		cookie = 0;
		ck_assert_int_eq(ext2_readdir(x, sub, &cookie, &de), -EIO);
		ck_assert_int_eq(ext2_create(x, sub, "n", 1, S_IFREG, 0, 0, &ino), -EIO);
		ck_assert_int_eq(ext2_rmdir(x, EXT2_ROOT_INO, "sub", 3), -EIO);
		ck_assert_int_eq(ext2_unmount(x), 0);
		memcpy(blk + 4, &huge, 2);
		ck_assert_int_eq(mount_mem(&mb, d, m.size, &x), 0);
		ck_assert_int_eq(ext2_lookup(x, sub, "deep", 4, &ino), -EIO);
		ck_assert_int_eq(ext2_unmount(x), 0);
		memcpy(blk + 4, &odd, 2);
		ck_assert_int_eq(mount_mem(&mb, d, m.size, &x), 0);
		ck_assert_int_eq(ext2_lookup(x, sub, "deep", 4, &ino), -EIO);
		ck_assert_int_eq(ext2_unmount(x), 0);
		memcpy(d, m.data, m.size);
		blk[6] = 200; /* "." with a 200-byte name in 12 bytes */
		ck_assert_int_eq(mount_mem(&mb, d, m.size, &x), 0);
		ck_assert_int_eq(ext2_lookup(x, sub, "deep", 4, &ino), -EIO);
		ck_assert_int_eq(ext2_unmount(x), 0);
	}

	/* A directory entry naming an inode out of range, or a free inode. */
	memcpy(d, m.data, m.size);
	{
		uint8_t *blk = d + (size_t)inode_of(d, sub)->i_block[0] * bs;
		uint32_t bad = 1u << 30, freeino = sb_of(d)->s_inodes_count;

		memcpy(blk + 24, &bad, 4); /* the record after "." and ".." */
		ck_assert_int_eq(mount_mem(&mb, d, m.size, &x), 0);
		ck_assert_int_eq(ext2_lookup(x, sub, "deep", 4, &ino), -EIO);
		ck_assert_int_eq(ext2_unmount(x), 0);
		memcpy(blk + 24, &freeino, 4);
		ck_assert_int_eq(mount_mem(&mb, d, m.size, &x), 0);
		ck_assert_int_eq(ext2_lookup(x, sub, "deep", 4, &ino), 0);
		ck_assert_int_eq(ext2_stat(x, ino, &(struct ext2_stat){ 0 }), -ENOENT);
		ck_assert_int_eq(ext2_rmdir(x, sub, "deep", 4), -EIO);
		ck_assert_int_eq(ext2_unmount(x), 0);
	}

	/* Symlink lengths. */
	memcpy(d, m.data, m.size);
	{
		uint32_t fast, slow;
		struct ext2 *y;

		ck_assert_int_eq(mount_mem(&mb, d, m.size, &y), 0);
		ck_assert_int_eq(ext2_lookup(y, EXT2_ROOT_INO, "fast", 4, &fast), 0);
		ck_assert_int_eq(ext2_lookup(y, EXT2_ROOT_INO, "slow", 4, &slow), 0);
		ck_assert_int_eq(ext2_unmount(y), 0);
		inode_of(d, fast)->i_size = 200;
		inode_of(d, slow)->i_size = 5000;
		ck_assert_int_eq(mount_mem(&mb, d, m.size, &x), 0);
		ck_assert_int_eq(ext2_readlink(x, fast, (char *)buf, sizeof(buf)), -EIO);
		ck_assert_int_eq(ext2_readlink(x, slow, (char *)buf, sizeof(buf)), -EIO);
		ck_assert_int_eq(ext2_unmount(x), 0);
		memcpy(d, m.data, m.size);
		inode_of(d, slow)->i_block[0] = 0;
		ck_assert_int_eq(mount_mem(&mb, d, m.size, &x), 0);
		ck_assert_int_eq(ext2_readlink(x, slow, (char *)buf, sizeof(buf)), -EIO);
		ck_assert_int_eq(ext2_unmount(x), 0);
	}

	/* A ".." cycle: renaming into it must end. */
	memcpy(d, m.data, m.size);
	{
		uint8_t *blk = d + (size_t)inode_of(d, sub)->i_block[0] * bs;

		memcpy(blk + 12, &deep, 4); /* sub/.. = deep, deep/.. = sub */
		ck_assert_int_eq(mount_mem(&mb, d, m.size, &x), 0);
		ck_assert_int_eq(ext2_create(x, EXT2_ROOT_INO, "mv", 2, S_IFDIR | 0755, 0, 0, &ino),
		                 0);
		ck_assert_int_eq(ext2_rename(x, EXT2_ROOT_INO, "mv", 2, deep, "mv", 2), -EIO);
		ck_assert_int_eq(ext2_unmount(x), 0);
	}

	/* A directory size that is not whole blocks, a hole in a directory. */
	memcpy(d, m.data, m.size);
	inode_of(d, sub)->i_size = 1000;
	ck_assert_int_eq(mount_mem(&mb, d, m.size, &x), 0);
	ck_assert_int_eq(ext2_lookup(x, sub, "deep", 4, &ino), -EIO);
	ck_assert_int_eq(ext2_unmount(x), 0);
	memcpy(d, m.data, m.size);
	inode_of(d, sub)->i_size = 3 * bs;
	ck_assert_int_eq(mount_mem(&mb, d, m.size, &x), 0);
	ck_assert_int_eq(ext2_lookup(x, sub, "nope", 4, &ino), -EIO);
	ck_assert_int_eq(ext2_lookup(x, sub, "deep", 4, &ino), 0);
	ck_assert_int_eq(ext2_unmount(x), 0);
	(void)hello;
	free(d);
	free(m.data);
}
END_TEST

/* xorshift64*: the corruption test's deterministic randomness. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/* Walk a tree, touching every call that reads; bounded by *budget. */
static void explore(struct ext2 *x, uint32_t dir, int depth, int *budget)
{
	struct ext2_dirent de;
	uint64_t cookie = 0;
	static uint8_t buf[8192];
	int r;

	while (*budget > 0 && (r = ext2_readdir(x, dir, &cookie, &de)) == 1) {
		struct ext2_stat s;
		uint32_t ino;

		(*budget)--;
		if (ext2_lookup(x, dir, de.name, de.namelen, &ino) < 0)
			continue;
		if (ext2_stat(x, ino, &s) < 0)
			continue;
		if (S_ISREG(s.mode)) {
			ext2_read(x, ino, 0, buf, sizeof(buf));
			ext2_read(x, ino, s.size > 100 ? s.size - 100 : 0, buf, 4000);
		} else if (S_ISLNK(s.mode)) {
			ext2_readlink(x, ino, (char *)buf, sizeof(buf));
		} else if (S_ISDIR(s.mode) && depth < 8 && strcmp(de.name, ".") != 0 &&
		           strcmp(de.name, "..") != 0) {
			explore(x, ino, depth + 1, budget);
		}
	}
}

/* Writes on a (possibly corrupt) image: each may fail, none may crash. */
static void scribble(struct ext2 *x)
{
	static uint8_t buf[3000];
	uint32_t ino, d;

	if (ext2_create(x, EXT2_ROOT_INO, "new", 3, S_IFREG | 0644, 0, 0, &ino) == 0) {
		ext2_write(x, ino, 0, buf, sizeof(buf));
		ext2_write(x, ino, 300000, buf, 10);
		ext2_truncate(x, ino, 100);
	}
	ext2_create(x, EXT2_ROOT_INO, "nd", 2, S_IFDIR | 0755, 0, 0, &d);
	ext2_rename(x, EXT2_ROOT_INO, "new", 3, EXT2_ROOT_INO, "nd2", 3);
	ext2_rename(x, EXT2_ROOT_INO, "sub", 3, EXT2_ROOT_INO, "nd", 2);
	if (ext2_lookup(x, EXT2_ROOT_INO, "big.bin", 7, &ino) == 0) {
		ext2_write(x, ino, 1000, buf, sizeof(buf));
		ext2_truncate(x, ino, 70000);
	}
	ext2_symlink(x, EXT2_ROOT_INO, "sl", 2, (const char *)"abcdefgh", 8, 0, 0, &ino);
	ext2_unlink(x, EXT2_ROOT_INO, "hello.txt", 9);
	ext2_unlink(x, EXT2_ROOT_INO, "slow", 4);
	ext2_unlink(x, EXT2_ROOT_INO, "big.bin", 7);
	ext2_rmdir(x, EXT2_ROOT_INO, "nd", 2);
	ext2_link(x, EXT2_ROOT_INO, "fastlink", 8, 12);
}

START_TEST(test_random_corruption)
{
	struct mem_blkdev mb;
	struct memimg m;
	struct ext2 *x;
	uint64_t s = 0x9e3779b97f4a7c15ull ^ (uint64_t)(_i + 1) * 0x100000001b3ull;
	uint8_t *d;
	int round, mounted = 0;

	mkimg(_i % 2 ? "-b 1024 -N 32 -I 128" : "-b 1024 -N 32", "512k", 1);
	m = load_img();
	d = malloc(m.size);
	ck_assert_ptr_nonnull(d);
	for (round = 0; round < 60; round++) {
		int flips = 1 + (int)(rnd(&s) % 12), i, budget = 300;

		memcpy(d, m.data, m.size);
		for (i = 0; i < flips; i++) {
			/* Mostly metadata: superblock, descriptors, bitmaps, inode table, first dirs. */
			size_t span = rnd(&s) % 4 ? 64 * 1024 : m.size;
			size_t at = 1024 + rnd(&s) % (span - 1024);

			d[at] ^= (uint8_t)(1u << (rnd(&s) % 8));
			if (rnd(&s) % 4 == 0)
				d[at] = (uint8_t)rnd(&s);
		}
		if (mount_mem(&mb, d, m.size, &x) < 0)
			continue;
		mounted++;
		explore(x, EXT2_ROOT_INO, 0, &budget);
		scribble(x);
		budget = 300;
		explore(x, EXT2_ROOT_INO, 0, &budget);
		ext2_unmount(x);
	}
	ck_assert(mounted > 0);
	free(d);
	free(m.data);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("fs/ext2");
	TCase *rd = tcase_create("read");
	TCase *wr = tcase_create("write");
	TCase *dir = tcase_create("dirs");
	TCase *bad = tcase_create("hostile");

	tcase_add_checked_fixture(rd, setup, teardown);
	tcase_add_checked_fixture(wr, setup, teardown);
	tcase_add_checked_fixture(dir, setup, teardown);
	tcase_add_checked_fixture(bad, setup, teardown);
	tcase_set_timeout(rd, 60);
	tcase_set_timeout(wr, 120);
	tcase_set_timeout(dir, 120);
	tcase_set_timeout(bad, 120);

	tcase_add_loop_test(rd, test_read_populated, 0, 5);
	tcase_add_test(rd, test_readonly_writes_nothing);
	tcase_add_test(rd, test_two_mounts);

	tcase_add_loop_test(wr, test_write_big_and_sparse, 0, 3);
	tcase_add_test(wr, test_truncate);
	tcase_add_test(wr, test_attrs);
	tcase_add_test(wr, test_enospc);
	tcase_add_test(wr, test_unlink_held);
	tcase_add_loop_test(wr, test_formats, 0, 6);
	tcase_add_loop_test(wr, test_runs_contiguous, 0, 3);
	tcase_add_test(wr, test_runs_fragmented_and_holes);
	tcase_add_test(wr, test_runs_write_failure);

	tcase_add_test(dir, test_dir_errors);
	tcase_add_loop_test(dir, test_many_entries, 0, 2);
	tcase_add_test(dir, test_readdir_cookie);
	tcase_add_test(dir, test_links);
	tcase_add_test(dir, test_rename);

	tcase_add_test(bad, test_bad_superblocks);
	tcase_add_test(bad, test_bad_metadata);
	tcase_add_loop_test(bad, test_random_corruption, 0, 8);

	suite_add_tcase(s, rd);
	suite_add_tcase(s, wr);
	suite_add_tcase(s, dir);
	suite_add_tcase(s, bad);
	return s;
}
