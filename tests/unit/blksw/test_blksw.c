/* Check tests for the storage switch: raw, ro and cow disks, confinement, hostile requests, leaks. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <blksw/blksw.h>

#include "runner.h"

#define KIB             1024ull
#define IMG_SIZE        (64 * KIB)
#define CHUNK           BLKSW_CHUNK
#define SECTOR          BLKSW_SECTOR
#define HOSTILE_N       20000
#define HOSTILE_MAX_LEN (24 * KIB) /* valid requests stay under this */

/* tmp/ holds root/ (the switch's directory) and outside.img (which must stay unreachable). */
static char tmp[PATH_MAX];
static char root[PATH_MAX + 8];
static int rootfd = -1;
static struct blksw *sw;
static char err[256];

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* The initial contents of an image made with `seed`: every sector distinct. */
static void pattern(uint8_t *buf, uint64_t off, size_t len, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(splitmix(((off + i) / 8) ^ ((uint64_t)seed << 48)) >>
		                   (8 * ((off + i) % 8)));
}

/* Create an image of `size` bytes beneath dirfd, filled with pattern(seed). */
static void make_image(int dirfd, const char *name, uint64_t size, unsigned seed)
{
	uint8_t *buf = malloc(size ? size : 1);
	int fd = openat(dirfd, name, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_ge(fd, 0);
	pattern(buf, 0, size, seed);
	ck_assert_int_eq(write(fd, buf, size), (ssize_t)size);
	close(fd);
	free(buf);
}

/* Read a whole file beneath the root into a fresh buffer of *size bytes. */
static uint8_t *slurp(const char *name, uint64_t *size)
{
	struct stat st;
	uint8_t *buf;
	int fd = openat(rootfd, name, O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	buf = malloc(st.st_size ? st.st_size : 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(pread(fd, buf, st.st_size, 0), st.st_size);
	close(fd);
	*size = st.st_size;
	return buf;
}

/* FNV-1a of a whole file beneath the root. */
static uint64_t checksum(const char *name)
{
	uint64_t size, i, h = 0xcbf29ce484222325ull;
	uint8_t *buf = slurp(name, &size);

	for (i = 0; i < size; i++)
		h = (h ^ buf[i]) * 0x100000001b3ull;
	free(buf);
	return h;
}

static int count_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	ck_assert_ptr_nonnull(dir);
	while (readdir(dir))
		n++;
	closedir(dir);
	return n;
}

/* Does the disk read back as `want` over [off, off + len)? */
static void expect_disk(struct blksw_disk *d, uint64_t off, const uint8_t *want, size_t len)
{
	uint8_t *got = malloc(len);

	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(blksw_read(d, off, got, len), 0);
	ck_assert_int_eq(memcmp(got, want, len), 0);
	free(got);
}

static struct blksw_disk *open_ok(const char *spec)
{
	struct blksw_disk *d = NULL;
	int rc = blksw_open(sw, spec, &d, err, sizeof(err));

	ck_assert_msg(rc == 0, "open %s: %d (%s)", spec, rc, err);
	ck_assert_ptr_nonnull(d);
	return d;
}

static int open_fails(const char *spec)
{
	struct blksw_disk *d = (struct blksw_disk *)1;
	int rc;

	err[0] = '\0';
	rc = blksw_open(sw, spec, &d, err, sizeof(err));
	ck_assert_msg(rc < 0, "open %s unexpectedly worked", spec);
	ck_assert_ptr_null(d);
	ck_assert_msg(err[0] != '\0' && !strchr(err, '\n'), "no one-line reason for %s", spec);
	return rc;
}

static void setup(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(tmp, sizeof(tmp), "%s/blksw-XXXXXX", t && *t ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	snprintf(root, sizeof(root), "%s/root", tmp);
	ck_assert_int_eq(mkdir(root, 0755), 0);
	rootfd = open(root, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(rootfd, 0);
	ck_assert_int_eq(blksw_new(&sw, rootfd), 0);
	make_image(rootfd, "disk.img", IMG_SIZE, 1);
}

/* Remove everything under dirfd/name, one directory level deep at most below root. */
static void remove_tree(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_DIRECTORY | O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	DIR *dir;
	struct dirent *e;

	if (fd < 0) {
		unlinkat(dirfd, name, 0);
		return;
	}
	dir = fdopendir(fd);
	while ((e = readdir(dir)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			remove_tree(fd, e->d_name);
	closedir(dir);
	unlinkat(dirfd, name, AT_REMOVEDIR);
}

static void teardown(void)
{
	blksw_free(sw);
	sw = NULL;
	close(rootfd);
	remove_tree(AT_FDCWD, tmp);
}

/* blksw_set_rate: reads and writes past the bucket wait; the data is the same. */
START_TEST(test_rate)
{
	struct blksw_disk *d = open_ok("disk.img");
	uint8_t want[IMG_SIZE], got[IMG_SIZE];
	struct timespec t0, t1;
	long ns;

	pattern(want, 0, IMG_SIZE, 1);
	blksw_set_rate(d, 640 * KIB); /* a bucket of a tenth of a second: 64 KiB in hand */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(blksw_read(d, 0, got, IMG_SIZE), 0);
		ck_assert_int_eq(memcmp(got, want, IMG_SIZE), 0);
	}
	ck_assert_int_eq(blksw_write(d, 0, want, IMG_SIZE), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (t1.tv_sec - t0.tv_sec) * 1000000000l + (t1.tv_nsec - t0.tv_nsec);
	/* 256 KiB with 64 KiB in hand: 192 KiB earned at 640 KiB/s, 0.3 s. */
	ck_assert_int_ge(ns, 280000000l);
	blksw_set_rate(d, 0); /* no bound again */
	ck_assert_int_eq(blksw_read(d, 0, got, IMG_SIZE), 0);
	blksw_close(d);
}
END_TEST

START_TEST(test_raw_round_trip)
{
	struct blksw_disk *d = open_ok("disk.img");
	uint8_t want[IMG_SIZE], data[1024];
	struct blksw_stats st;
	uint64_t size;
	uint8_t *file;

	ck_assert_uint_eq(blksw_size(d), IMG_SIZE);
	ck_assert_int_eq(blksw_readonly(d), 0);
	ck_assert_uint_eq(blksw_overlay_chunks(d), 0);
	pattern(want, 0, IMG_SIZE, 1);
	expect_disk(d, 0, want, IMG_SIZE);

	memset(data, 0x5a, sizeof(data));
	ck_assert_int_eq(blksw_write(d, 4096 + 512, data, sizeof(data)), 0);
	memcpy(want + 4096 + 512, data, sizeof(data));
	expect_disk(d, 0, want, IMG_SIZE);
	ck_assert_int_eq(blksw_flush(d), 0);

	/* The file itself changed, and only there. */
	file = slurp("disk.img", &size);
	ck_assert_uint_eq(size, IMG_SIZE);
	ck_assert_int_eq(memcmp(file, want, IMG_SIZE), 0);
	free(file);

	blksw_disk_stats(d, &st);
	ck_assert_uint_eq(st.reads, 2);
	ck_assert_uint_eq(st.bytes_read, 2 * IMG_SIZE);
	ck_assert_uint_eq(st.writes, 1);
	ck_assert_uint_eq(st.bytes_written, sizeof(data));
	ck_assert_uint_eq(st.flushes, 1);
	ck_assert_uint_eq(st.errors, 0);
	blksw_close(d);

	/* A new disk on the same file sees the data. */
	d = open_ok("disk.img");
	expect_disk(d, 0, want, IMG_SIZE);
	blksw_close(d);
}
END_TEST

START_TEST(test_ro_refuses_writes)
{
	uint64_t before = checksum("disk.img");
	struct blksw_disk *d = open_ok("disk.img:ro");
	uint8_t want[IMG_SIZE], data[512] = { 1 };
	struct blksw_stats st;

	ck_assert_int_eq(blksw_readonly(d), 1);
	ck_assert_int_eq(blksw_write(d, 0, data, sizeof(data)), -EROFS);
	ck_assert_int_eq(blksw_write(d, IMG_SIZE - 512, data, sizeof(data)), -EROFS);
	ck_assert_int_eq(blksw_flush(d), 0);
	pattern(want, 0, IMG_SIZE, 1);
	expect_disk(d, 0, want, IMG_SIZE);
	blksw_disk_stats(d, &st);
	ck_assert_uint_eq(st.errors, 2);
	ck_assert_uint_eq(st.writes, 0);
	ck_assert_uint_eq(st.bytes_written, 0);
	blksw_close(d);
	ck_assert_uint_eq(checksum("disk.img"), before);
}
END_TEST

START_TEST(test_cow_private_and_shared_base)
{
	uint64_t before = checksum("disk.img");
	struct blksw_disk *a, *b, *c;
	uint8_t orig[IMG_SIZE], mine[IMG_SIZE], data[2 * CHUNK];

	pattern(orig, 0, IMG_SIZE, 1);
	memcpy(mine, orig, IMG_SIZE);
	ck_assert_int_eq(symlinkat("disk.img", rootfd, "alias.img"), 0);

	a = open_ok("disk.img:cow");
	b = open_ok("./alias.img:cow"); /* another name for the same file */
	ck_assert_uint_eq(blksw_bases_open(sw), 1);
	ck_assert_int_eq(blksw_readonly(a), 0);

	memset(data, 0xc3, sizeof(data));
	ck_assert_int_eq(blksw_write(a, 2 * CHUNK, data, sizeof(data)), 0);
	memcpy(mine + 2 * CHUNK, data, sizeof(data));
	ck_assert_uint_eq(blksw_overlay_chunks(a), 2);
	expect_disk(a, 0, mine, IMG_SIZE);
	expect_disk(b, 0, orig, IMG_SIZE); /* the other disk does not see it */
	ck_assert_uint_eq(blksw_overlay_chunks(b), 0);
	ck_assert_int_eq(blksw_flush(a), 0);
	ck_assert_uint_eq(checksum("disk.img"), before);

	/* A disk opened later still starts from the base. */
	c = open_ok("disk.img:cow");
	ck_assert_uint_eq(blksw_bases_open(sw), 1);
	expect_disk(c, 0, orig, IMG_SIZE);
	blksw_close(a);
	blksw_close(c);
	ck_assert_uint_eq(blksw_bases_open(sw), 1);
	expect_disk(b, 0, orig, IMG_SIZE);
	blksw_close(b);
	ck_assert_uint_eq(blksw_bases_open(sw), 0);

	/* The overlay was discarded with its disk. */
	a = open_ok("disk.img:cow");
	expect_disk(a, 0, orig, IMG_SIZE);
	blksw_close(a);
	ck_assert_uint_eq(checksum("disk.img"), before);
}
END_TEST

START_TEST(test_cow_distinct_bases)
{
	struct blksw_disk *a, *b;
	uint8_t want[IMG_SIZE];

	make_image(rootfd, "other.img", IMG_SIZE, 2);
	a = open_ok("disk.img:cow");
	b = open_ok("other.img:cow");
	ck_assert_uint_eq(blksw_bases_open(sw), 2);
	pattern(want, 0, IMG_SIZE, 2);
	expect_disk(b, 0, want, IMG_SIZE);
	pattern(want, 0, IMG_SIZE, 1);
	expect_disk(a, 0, want, IMG_SIZE);
	blksw_close(a);
	ck_assert_uint_eq(blksw_bases_open(sw), 1);
	blksw_close(b);
	ck_assert_uint_eq(blksw_bases_open(sw), 0);
}
END_TEST

START_TEST(test_cow_partial_chunks)
{
	uint64_t before = checksum("disk.img");
	struct blksw_disk *d = open_ok("disk.img:cow");
	uint8_t want[IMG_SIZE], data[CHUNK * 3];
	uint64_t off;

	pattern(want, 0, IMG_SIZE, 1);

	/* One sector in the middle of an absent chunk: the rest comes from the base. */
	memset(data, 0x11, 512);
	ck_assert_int_eq(blksw_write(d, CHUNK + 1024, data, 512), 0);
	memcpy(want + CHUNK + 1024, data, 512);
	ck_assert_uint_eq(blksw_overlay_chunks(d), 1);
	expect_disk(d, CHUNK, want + CHUNK, CHUNK);
	expect_disk(d, 0, want, IMG_SIZE);

	/* Another sector of the same chunk, now present. */
	memset(data, 0x22, 512);
	ck_assert_int_eq(blksw_write(d, CHUNK + 3584, data, 512), 0);
	memcpy(want + CHUNK + 3584, data, 512);
	ck_assert_uint_eq(blksw_overlay_chunks(d), 1);
	expect_disk(d, 0, want, IMG_SIZE);

	/* Partial head, one whole chunk, partial tail. */
	off = 3 * CHUNK + 3584;
	memset(data, 0x33, 512 + CHUNK + 1024);
	ck_assert_int_eq(blksw_write(d, off, data, 512 + CHUNK + 1024), 0);
	memcpy(want + off, data, 512 + CHUNK + 1024);
	ck_assert_uint_eq(blksw_overlay_chunks(d), 4);
	expect_disk(d, 0, want, IMG_SIZE);

	/* Whole chunks over present and absent ones alike. */
	memset(data, 0x44, 3 * CHUNK);
	ck_assert_int_eq(blksw_write(d, 4 * CHUNK, data, 3 * CHUNK), 0);
	memcpy(want + 4 * CHUNK, data, 3 * CHUNK);
	ck_assert_uint_eq(blksw_overlay_chunks(d), 5); /* 4 and 5 were there */
	expect_disk(d, 0, want, IMG_SIZE);

	blksw_close(d);
	ck_assert_uint_eq(checksum("disk.img"), before);
}
END_TEST

START_TEST(test_cow_reads_span_overlay_and_base)
{
	struct blksw_disk *d = open_ok("disk.img:cow");
	uint8_t want[IMG_SIZE], data[CHUNK];
	uint64_t off;

	pattern(want, 0, IMG_SIZE, 1);
	memset(data, 0x77, CHUNK);
	for (off = 2 * CHUNK; off < IMG_SIZE; off += 3 * CHUNK) {
		ck_assert_int_eq(blksw_write(d, off, data, CHUNK), 0);
		memcpy(want + off, data, CHUNK);
	}
	/* Reads starting and ending mid-chunk, crossing both kinds several times. */
	for (off = 0; off < IMG_SIZE; off += 1536) {
		uint64_t len =
		        IMG_SIZE - off < 5 * CHUNK + 1024 ? IMG_SIZE - off : 5 * CHUNK + 1024;

		expect_disk(d, off, want + off, len);
	}
	expect_disk(d, 0, want, IMG_SIZE);
	blksw_close(d);
}
END_TEST

START_TEST(test_cow_short_last_chunk)
{
	const uint64_t size = 2 * CHUNK + 1536; /* the last chunk is three sectors */
	uint8_t want[2 * CHUNK + 1536], data[2 * CHUNK];
	struct blksw_disk *d;

	uint64_t before;

	make_image(rootfd, "short.img", size, 3);
	before = checksum("short.img");
	d = open_ok("short.img:cow");
	ck_assert_uint_eq(blksw_size(d), size);
	pattern(want, 0, size, 3);

	memset(data, 0x99, 512);
	ck_assert_int_eq(blksw_write(d, 2 * CHUNK + 512, data, 512), 0);
	memcpy(want + 2 * CHUNK + 512, data, 512);
	expect_disk(d, 0, want, size);
	expect_disk(d, size - 512, want + size - 512, 512);

	/* Whole chunk then the short one, in one write reaching the end. */
	memset(data, 0xaa, CHUNK);
	ck_assert_int_eq(blksw_write(d, CHUNK, data, CHUNK), 0);
	ck_assert_int_eq(blksw_write(d, 2 * CHUNK, data, 1536), 0);
	memcpy(want + CHUNK, data, CHUNK);
	memcpy(want + 2 * CHUNK, data, 1536);
	ck_assert_uint_eq(blksw_overlay_chunks(d), 2);
	expect_disk(d, 0, want, size);
	ck_assert_int_eq(blksw_write(d, 4096 + 1024, data, size - 4096 - 1024), 0);
	memcpy(want + 4096 + 1024, data, size - 4096 - 1024);
	expect_disk(d, 0, want, size);
	ck_assert_int_eq(blksw_write(d, size, data, 512), -EINVAL);
	blksw_close(d);
	ck_assert_uint_eq(checksum("short.img"), before);
}
END_TEST

/* How many of our descriptors point at a name starting with `prefix`. */
static int count_fds_named(const char *prefix)
{
	char link[300], target[PATH_MAX + 64];
	struct dirent *e;
	DIR *dir = opendir("/proc/self/fd");
	int found = 0;

	ck_assert_ptr_nonnull(dir);
	while ((e = readdir(dir))) {
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		found += !strncmp(target, prefix, strlen(prefix));
	}
	closedir(dir);
	return found;
}

/* The overlay goes where $TMPDIR says, as an unnamed (already deleted) file. */
START_TEST(test_cow_overlay_in_tmpdir)
{
	const char *env = getenv("TMPDIR");
	char *saved_tmpdir = env ? strdup(env) : NULL;
	char prefix[PATH_MAX + 8];
	struct blksw_disk *d;
	uint8_t data[512] = { 1 };
	int probe = open(tmp, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (probe < 0)
		return; /* this file system has no O_TMPFILE: the fallback is used instead */
	close(probe);
	ck_assert_int_eq(setenv("TMPDIR", tmp, 1), 0);
	d = open_ok("disk.img:cow");
	if (saved_tmpdir)
		setenv("TMPDIR", saved_tmpdir, 1);
	else
		unsetenv("TMPDIR");
	free(saved_tmpdir);
	snprintf(prefix, sizeof(prefix), "%s/#", tmp);
	ck_assert_int_eq(count_fds_named(prefix), 1);
	ck_assert_int_eq(blksw_write(d, 0, data, sizeof(data)), 0);
	blksw_close(d);
	ck_assert_int_eq(count_fds_named(prefix), 0);
}
END_TEST

/* Write one line to /proc/self/<name>.  0 or -1 with errno set. */
static int __attribute__((format(printf, 2, 3))) write_proc(const char *name, const char *fmt, ...)
{
	char path[64], line[64];
	va_list ap;
	int fd, n, rc;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "/proc/self/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = write(fd, line, n) == n ? 0 : -1;
	close(fd);
	return rc;
}

/*
 * With no usable directory the overlay lives in a memfd.  /var/tmp is made
 * read-only in a private mount namespace; skipped where unprivileged user
 * namespaces are not allowed.
 */
START_TEST(test_cow_overlay_memfd_fallback)
{
	uint8_t want[IMG_SIZE], data[CHUNK];
	struct blksw_disk *d;

	uid_t uid = getuid();
	gid_t gid = getgid();
	const char *fork = getenv("CK_FORK");

	if (fork && !strcmp(fork, "no"))
		return; /* would change the namespaces of every later test */

	/* Map ourselves to ourselves, so teardown can still remove our files. */
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0 || write_proc("setgroups", "deny") < 0 ||
	    write_proc("uid_map", "%u %u 1", uid, uid) < 0 ||
	    write_proc("gid_map", "%u %u 1", gid, gid) < 0 ||
	    mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("blksw-test", "/var/tmp", "tmpfs", MS_RDONLY, NULL) < 0) {
		fprintf(stderr, "test_cow_overlay_memfd_fallback: skipped (%s)\n", strerror(errno));
		return;
	}
	ck_assert_int_eq(setenv("TMPDIR", "/nonexistent-blksw", 1), 0);
	d = open_ok("disk.img:cow");
	ck_assert_int_eq(count_fds_named("/memfd:blksw-cow"), 1);
	pattern(want, 0, IMG_SIZE, 1);
	memset(data, 0x5c, sizeof(data));
	ck_assert_int_eq(blksw_write(d, CHUNK + 512, data, 1024), 0);
	memcpy(want + CHUNK + 512, data, 1024);
	expect_disk(d, 0, want, IMG_SIZE);
	ck_assert_int_eq(blksw_flush(d), 0);
	blksw_close(d);
	ck_assert_int_eq(count_fds_named("/memfd:blksw-cow"), 0);
}
END_TEST

START_TEST(test_bad_specs)
{
	char longspec[PATH_MAX + 16];
	struct blksw_disk *d;

	ck_assert_int_eq(open_fails("x:foo"), -EINVAL);
	ck_assert_str_eq(err, "bad disk spec 'x:foo' (expected PATH, PATH:ro or PATH:cow)");
	ck_assert_int_eq(open_fails(""), -EINVAL);
	ck_assert_int_eq(open_fails(":ro"), -EINVAL);
	ck_assert_int_eq(open_fails(":cow"), -EINVAL);
	ck_assert_int_eq(open_fails("disk.img:"), -EINVAL);
	ck_assert_int_eq(open_fails("disk.img:RO"), -EINVAL);
	ck_assert_int_eq(open_fails("disk.img:ro:cow:x"), -EINVAL);
	memset(longspec, 'a', sizeof(longspec) - 1);
	longspec[sizeof(longspec) - 1] = '\0';
	ck_assert_int_eq(open_fails(longspec), -ENAMETOOLONG);

	/* A path with ':' in it says its mode explicitly. */
	make_image(rootfd, "a:b.img", IMG_SIZE, 4);
	ck_assert_int_eq(open_fails("a:b.img"), -EINVAL);
	d = open_ok("a:b.img:rw");
	ck_assert_int_eq(blksw_readonly(d), 0);
	blksw_close(d);
	d = open_ok("a:b.img:ro");
	ck_assert_int_eq(blksw_readonly(d), 1);
	blksw_close(d);

	/* err may be NULL. */
	ck_assert_int_eq(blksw_open(sw, "x:foo", &d, NULL, 0), -EINVAL);
	ck_assert_int_eq(blksw_open(sw, "nope.img", &d, err, 1), -ENOENT);
	ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(test_bad_images)
{
	ck_assert_int_eq(open_fails("nope.img"), -ENOENT);
	ck_assert_str_eq(err, "nope.img: No such file or directory");
	ck_assert_int_eq(open_fails("nope.img:cow"), -ENOENT);
	ck_assert_int_eq(open_fails("nope.img:ro"), -ENOENT);

	make_image(rootfd, "odd.img", 1000, 5);
	ck_assert_int_eq(open_fails("odd.img"), -EINVAL);
	ck_assert_str_eq(err, "odd.img: size 1000 is not a multiple of 512");
	ck_assert_int_eq(open_fails("odd.img:cow"), -EINVAL);

	make_image(rootfd, "empty.img", 0, 5);
	ck_assert_int_eq(open_fails("empty.img"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "empty.img: size 0"));
	ck_assert_int_eq(open_fails("empty.img:ro"), -EINVAL);
	ck_assert_int_eq(open_fails("empty.img:cow"), -EINVAL);

	/* Not regular files: a directory, and a FIFO (opening it must not hang). */
	ck_assert_int_eq(mkdirat(rootfd, "dir", 0755), 0);
	ck_assert_int_eq(open_fails("dir:ro"), -EISDIR);
	ck_assert_int_eq(open_fails("dir"), -EISDIR);
	ck_assert_int_eq(mkfifoat(rootfd, "fifo", 0600), 0);
	ck_assert_int_eq(open_fails("fifo:ro"), -EINVAL);
	ck_assert_str_eq(err, "fifo: not a regular file");
	ck_assert_int_eq(open_fails("fifo:cow"), -EINVAL);

	ck_assert_uint_eq(blksw_bases_open(sw), 0);
}
END_TEST

START_TEST(test_root_containment)
{
	char path[PATH_MAX + 64];
	struct blksw_disk *d;
	struct blksw *plain;
	int tmpfd = open(tmp, O_DIRECTORY | O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(tmpfd, 0);
	make_image(tmpfd, "outside.img", IMG_SIZE, 6);
	ck_assert_int_eq(symlinkat("/etc/passwd", rootfd, "abs.img"), 0);
	ck_assert_int_eq(symlinkat("../outside.img", rootfd, "up.img"), 0);
	snprintf(path, sizeof(path), "%s/outside.img", tmp);
	ck_assert_int_eq(symlinkat(path, rootfd, "full.img"), 0);
	ck_assert_int_eq(mkdirat(rootfd, "sub", 0755), 0);

	ck_assert_int_eq(open_fails("../outside.img"), -EXDEV);
	ck_assert_str_eq(err, "../outside.img: path leads outside the image directory");
	ck_assert_int_eq(open_fails("../outside.img:ro"), -EXDEV);
	ck_assert_int_eq(open_fails("sub/../../outside.img:cow"), -EXDEV);
	ck_assert_int_eq(open_fails("/etc/passwd:ro"), -EXDEV);
	ck_assert_int_eq(open_fails(path), -EXDEV);
	ck_assert_int_eq(open_fails("abs.img:ro"), -EXDEV);
	ck_assert_int_eq(open_fails("up.img"), -EXDEV);
	ck_assert_int_eq(open_fails("up.img:cow"), -EXDEV);
	ck_assert_int_eq(open_fails("full.img:ro"), -EXDEV);
	snprintf(path, sizeof(path), "/proc/self/fd/%d:ro", tmpfd);
	ck_assert_int_lt(open_fails(path), 0);
	ck_assert_uint_eq(blksw_bases_open(sw), 0);

	/* Staying inside is fine, even through "..". */
	d = open_ok("sub/../disk.img:ro");
	blksw_close(d);

	/* Without a root, paths are taken as they are. */
	ck_assert_int_eq(blksw_new(&plain, AT_FDCWD), 0);
	snprintf(path, sizeof(path), "%s/outside.img:ro", tmp);
	ck_assert_int_eq(blksw_open(plain, path, &d, err, sizeof(err)), 0);
	blksw_close(d);
	blksw_free(plain);
	close(tmpfd);
}
END_TEST

START_TEST(test_new_checks_root)
{
	struct blksw *s2 = (struct blksw *)1;
	int fd = openat(rootfd, "disk.img", O_RDONLY | O_CLOEXEC);

	ck_assert_int_eq(blksw_new(&s2, -5), -EBADF);
	ck_assert_ptr_null(s2);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(blksw_new(&s2, fd), -ENOTDIR);
	close(fd);

	/* The switch keeps its own descriptor for the root. */
	fd = open(root, O_DIRECTORY | O_PATH | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(blksw_new(&s2, fd), 0);
	close(fd);
	{
		struct blksw_disk *d;

		ck_assert_int_eq(blksw_open(s2, "disk.img:ro", &d, err, sizeof(err)), 0);
		blksw_close(d);
	}
	blksw_free(s2);
	blksw_free(NULL);
	blksw_close(NULL);
}
END_TEST

START_TEST(test_locking)
{
	struct blksw_disk *a, *b;

	a = open_ok("disk.img");
	ck_assert_int_eq(open_fails("disk.img"), -EBUSY);
	ck_assert_str_eq(err, "disk.img: in use by another disk (locked)");
	ck_assert_int_eq(open_fails("disk.img:ro"), -EBUSY);
	ck_assert_int_eq(open_fails("disk.img:cow"), -EBUSY);
	ck_assert_uint_eq(blksw_bases_open(sw), 0);
	blksw_close(a);

	a = open_ok("disk.img:cow");
	b = open_ok("disk.img:ro");
	ck_assert_int_eq(open_fails("disk.img"), -EBUSY);
	blksw_close(a);
	ck_assert_int_eq(open_fails("disk.img"), -EBUSY);
	blksw_close(b);
	a = open_ok("disk.img");
	blksw_close(a);
}
END_TEST

/* Every refused request leaves the buffer and the disk alone and counts as an error. */
static void bad_requests(struct blksw_disk *d)
{
	static const struct {
		uint64_t off;
		size_t len;
	} bad[] = {
		{ 1, 512 },
		{ 511, 512 },
		{ 0, 1 },
		{ 0, 100 },
		{ 512, 513 },
		{ IMG_SIZE, 512 },
		{ IMG_SIZE + 512, 0 },
		{ IMG_SIZE - 512, 1024 },
		{ 0, IMG_SIZE + 512 },
		{ UINT64_MAX - 511, 1024 }, /* off + len wraps to 512 */
		{ UINT64_MAX - 511, 0 },
		{ 1024, SIZE_MAX - 511 }, /* len aligned, off + len wraps */
		{ UINT64_MAX, SIZE_MAX },
		{ 1ull << 63, 512 },
	};
	uint8_t buf[1024], want[IMG_SIZE];
	struct blksw_stats before, after;
	unsigned i;

	blksw_disk_stats(d, &before);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(buf, 0xee, sizeof(buf));
		ck_assert_msg(blksw_read(d, bad[i].off, buf, bad[i].len) == -EINVAL, "read %u", i);
		ck_assert_msg(blksw_write(d, bad[i].off, buf, bad[i].len) == -EINVAL, "write %u",
		              i);
		ck_assert_uint_eq(buf[0], 0xee);
		ck_assert_uint_eq(buf[sizeof(buf) - 1], 0xee);
	}
	/* A NULL buffer with a length is refused too; with no length it is a no-op. */
	ck_assert_int_eq(blksw_read(d, 0, NULL, 512), -EINVAL);
	ck_assert_int_eq(blksw_write(d, 0, NULL, 512), -EINVAL);
	ck_assert_int_eq(blksw_read(d, IMG_SIZE, NULL, 0), 0);

	blksw_disk_stats(d, &after);
	ck_assert_uint_eq(after.errors - before.errors, 2 * (sizeof(bad) / sizeof(bad[0])) + 2);
	ck_assert_uint_eq(after.bytes_read, before.bytes_read);
	ck_assert_uint_eq(after.bytes_written, before.bytes_written);
	pattern(want, 0, IMG_SIZE, 1);
	expect_disk(d, 0, want, IMG_SIZE);
}

START_TEST(test_bad_requests)
{
	static const char *const specs[] = { "disk.img", "disk.img:ro", "disk.img:cow" };
	uint64_t before = checksum("disk.img");
	unsigned i;

	for (i = 0; i < 3; i++) {
		struct blksw_disk *d = open_ok(specs[i]);

		bad_requests(d);
		blksw_close(d);
	}
	ck_assert_uint_eq(checksum("disk.img"), before);
}
END_TEST

START_TEST(test_flush)
{
	static const char *const specs[] = { "disk.img", "disk.img:ro", "disk.img:cow" };
	uint8_t data[512] = { 9 };
	struct blksw_stats st;
	unsigned i;

	for (i = 0; i < 3; i++) {
		struct blksw_disk *d = open_ok(specs[i]);

		ck_assert_int_eq(blksw_flush(d), 0);
		if (!blksw_readonly(d))
			ck_assert_int_eq(blksw_write(d, 0, data, sizeof(data)), 0);
		ck_assert_int_eq(blksw_flush(d), 0);
		blksw_disk_stats(d, &st);
		ck_assert_uint_eq(st.flushes, 2);
		ck_assert_uint_eq(st.errors, 0);
		blksw_close(d);
	}
}
END_TEST

START_TEST(test_blkdev_adapter)
{
	struct blksw_disk *d = open_ok("disk.img:cow");
	uint8_t data[1024], back[1024];
	struct blkdev bd;

	blksw_blkdev(d, &bd);
	ck_assert_ptr_eq(bd.ctx, d);
	ck_assert_uint_eq(bd.size, IMG_SIZE);
	ck_assert_int_eq(bd.readonly, 0);
	memset(data, 0x42, sizeof(data));
	ck_assert_int_eq(bd.write(bd.ctx, 8192, data, sizeof(data)), 0);
	ck_assert_int_eq(bd.read(bd.ctx, 8192, back, sizeof(back)), 0);
	ck_assert_int_eq(memcmp(data, back, sizeof(data)), 0);
	ck_assert_int_eq(bd.flush(bd.ctx), 0);
	ck_assert_int_eq(bd.read(bd.ctx, 3, back, 512), -EINVAL);
	blksw_close(d);

	d = open_ok("disk.img:ro");
	blksw_blkdev(d, &bd);
	ck_assert_int_eq(bd.readonly, 1);
	ck_assert_int_eq(bd.write(bd.ctx, 0, data, 512), -EROFS);
	blksw_close(d);
}
END_TEST

START_TEST(test_no_fd_leaks)
{
	int before, i;

	make_image(rootfd, "odd.img", 1000, 5);
	make_image(rootfd, "other.img", IMG_SIZE, 2);
	ck_assert_int_eq(symlinkat("/etc/passwd", rootfd, "abs.img"), 0);
	/* Warm up anything libc opens once (locale, /proc). */
	blksw_close(open_ok("disk.img:cow"));
	before = count_fds();
	for (i = 0; i < 25; i++) {
		struct blksw_disk *raw = open_ok("other.img");
		struct blksw_disk *ro = open_ok("disk.img:ro");
		struct blksw_disk *a = open_ok("disk.img:cow");
		struct blksw_disk *b = open_ok("disk.img:cow");
		struct blksw *s2;
		uint8_t buf[CHUNK];

		memset(buf, i, sizeof(buf));
		ck_assert_int_eq(blksw_write(a, 512, buf, 1024), 0);
		ck_assert_int_eq(blksw_write(raw, 0, buf, sizeof(buf)), 0);
		open_fails("nope.img");
		open_fails("odd.img:cow");
		open_fails("x:foo");
		open_fails("other.img:cow"); /* locked by raw */
		open_fails("other.img");
		open_fails("../x");
		open_fails("abs.img:cow");
		blksw_close(b);
		blksw_close(a);
		blksw_close(ro);
		blksw_close(raw);
		ck_assert_int_eq(blksw_new(&s2, rootfd), 0);
		ck_assert_int_eq(blksw_open(s2, "disk.img:cow", &a, err, sizeof(err)), 0);
		ck_assert_uint_eq(blksw_bases_open(s2), 1);
		blksw_close(a);
		blksw_free(s2);
	}
	ck_assert_uint_eq(blksw_bases_open(sw), 0);
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

/* A disk keeps its switch alive after blksw_free; the last close frees both. */
START_TEST(test_switch_outlives_free)
{
	struct blksw_disk *a = open_ok("disk.img:cow");
	struct blksw_disk *b = open_ok("disk.img:ro");
	uint8_t want[IMG_SIZE];

	blksw_free(sw);
	sw = NULL;
	pattern(want, 0, IMG_SIZE, 1);
	expect_disk(a, 0, want, IMG_SIZE);
	blksw_close(a);
	expect_disk(b, 0, want, IMG_SIZE);
	blksw_close(b);
}
END_TEST

static void *open_close_loop(void *arg)
{
	unsigned i;

	for (i = 0; i < 200; i++) {
		struct blksw_disk *d;
		uint8_t buf[512];

		if (blksw_open(sw, (i & 1) ? "disk.img:cow" : "other.img:cow", &d, NULL, 0))
			return (void *)1;
		memset(buf, (int)i, sizeof(buf));
		if (blksw_write(d, 512 * (i % 8), buf, sizeof(buf)) || blksw_bases_open(sw) == 0)
			return (void *)1;
		blksw_close(d);
	}
	return NULL;
}

START_TEST(test_threads_share_bases)
{
	uint64_t before = checksum("disk.img");
	pthread_t t[4];
	void *rv;
	unsigned i;

	make_image(rootfd, "other.img", IMG_SIZE, 2);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, open_close_loop, NULL), 0);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(t[i], &rv), 0);
		ck_assert_ptr_null(rv);
	}
	ck_assert_uint_eq(blksw_bases_open(sw), 0);
	ck_assert_uint_eq(checksum("disk.img"), before);
}
END_TEST

/*
 * Hostile requests: random offsets and lengths (aligned or not, inside,
 * straddling the end, far beyond, wrapping), checked against an
 * independent oracle and a shadow copy of every disk.
 */
static uint64_t rng_state = 0x6e616e766978ull; /* deterministic */

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint64_t hostile_value(uint64_t size, uint64_t maxlen)
{
	switch (rnd() % 8) {
	case 0: return rnd() % (size + 1) / SECTOR * SECTOR;              /* aligned, inside */
	case 1: return rnd() % (size + 1);                                /* anything inside */
	case 2: return size - rnd() % 4 * SECTOR;                         /* near the end */
	case 3: return size + rnd() % 4 * SECTOR;                         /* at or past the end */
	case 4: return -(uint64_t)SECTOR * (1 + rnd() % 4) + (rnd() & 1); /* wraps */
	case 5: return rnd();                                             /* anything at all */
	case 6: return rnd() % (maxlen + 1) / SECTOR * SECTOR;            /* a sane length */
	default: return (uint64_t)1 << (rnd() % 64);                      /* powers of two */
	}
}

START_TEST(test_hostile_requests)
{
	const uint64_t size = 256 * KIB + 1536; /* ends with a short chunk */
	uint8_t *shadow[3], *buf = malloc(HOSTILE_MAX_LEN), *data = malloc(HOSTILE_MAX_LEN);
	struct blksw_disk *d[3];
	uint64_t expect_errors[3] = { 0 }, expect_ok[3] = { 0 }, base_sum, ro_sum, fsize;
	struct blksw_stats st;
	unsigned i, k;
	uint8_t *file;

	ck_assert_ptr_nonnull(buf);
	ck_assert_ptr_nonnull(data);
	/* A raw disk, a cow disk (on its own base: a raw image is locked) and a ro one. */
	make_image(rootfd, "h.img", size, 7);
	make_image(rootfd, "hc.img", size, 7);
	make_image(rootfd, "g.img", size, 8);
	base_sum = checksum("hc.img");
	ro_sum = checksum("g.img");
	for (k = 0; k < 3; k++) {
		shadow[k] = malloc(size);
		ck_assert_ptr_nonnull(shadow[k]);
		pattern(shadow[k], 0, size, k == 2 ? 8 : 7);
	}
	d[0] = open_ok("h.img");
	d[1] = open_ok("hc.img:cow");
	d[2] = open_ok("g.img:ro");

	for (i = 0; i < HOSTILE_N; i++) {
		/* Half the requests look like a file system's, the rest are anything. */
		int sane = rnd() & 1;
		uint64_t off = sane ? rnd() % (size + 1) / SECTOR * SECTOR
		                    : hostile_value(size, HOSTILE_MAX_LEN);
		uint64_t len64 = sane ? rnd() % (HOSTILE_MAX_LEN + 1) / SECTOR * SECTOR
		                      : hostile_value(size, HOSTILE_MAX_LEN);
		size_t len = (size_t)len64;
		uint64_t end;
		int valid, write = rnd() & 1, rc, ro;

		k = rnd() % 3;
		ro = k == 2;
		/* The oracle, written independently of the switch's check. */
		valid = off % SECTOR == 0 && len % SECTOR == 0 &&
		        !__builtin_add_overflow(off, len64, &end) && end <= size;
		if (valid && len > HOSTILE_MAX_LEN)
			len = HOSTILE_MAX_LEN; /* keep the buffers small; still valid */
		if (write) {
			for (size_t j = 0; valid && j < len; j += 8)
				*(uint64_t *)(data + j) = rnd();
			rc = blksw_write(d[k], off, data, len);
			if (valid && !ro) {
				ck_assert_msg(rc == 0, "write %llu+%zu: %d",
				              (unsigned long long)off, len, rc);
				memcpy(shadow[k] + off, data, len);
				expect_ok[k]++;
			} else {
				ck_assert_int_eq(rc, valid ? -EROFS : -EINVAL);
				expect_errors[k]++;
			}
		} else {
			memset(buf, 0xee, 64);
			rc = blksw_read(d[k], off, buf, len);
			if (valid) {
				ck_assert_msg(rc == 0, "read %llu+%zu: %d", (unsigned long long)off,
				              len, rc);
				ck_assert_int_eq(memcmp(buf, shadow[k] + off, len), 0);
				expect_ok[k]++;
			} else {
				ck_assert_int_eq(rc, -EINVAL);
				ck_assert_uint_eq(buf[0], 0xee);
				expect_errors[k]++;
			}
		}
	}

	for (k = 0; k < 3; k++) {
		blksw_disk_stats(d[k], &st);
		ck_assert_uint_eq(st.errors, expect_errors[k]);
		ck_assert_uint_eq(st.reads + st.writes, expect_ok[k]);
		/* The mix must keep exercising the data paths (ro: writes are refused). */
		ck_assert_uint_ge(expect_ok[k], HOSTILE_N / 3 / 8);
		ck_assert_uint_ge(expect_errors[k], HOSTILE_N / 3 / 4);
		expect_disk(d[k], 0, shadow[k], size);
	}
	ck_assert_int_eq(blksw_flush(d[0]), 0);
	file = slurp("h.img", &fsize);
	ck_assert_uint_eq(fsize, size); /* never extended */
	ck_assert_int_eq(memcmp(file, shadow[0], size), 0);
	free(file);
	for (k = 0; k < 3; k++) {
		blksw_close(d[k]);
		free(shadow[k]);
	}
	ck_assert_uint_eq(checksum("hc.img"), base_sum);
	ck_assert_uint_eq(checksum("g.img"), ro_sum);
	free(buf);
	free(data);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("blksw/blksw");
	TCase *tc = tcase_create("blksw");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_raw_round_trip);
	tcase_add_test(tc, test_rate);
	tcase_add_test(tc, test_ro_refuses_writes);
	tcase_add_test(tc, test_cow_private_and_shared_base);
	tcase_add_test(tc, test_cow_distinct_bases);
	tcase_add_test(tc, test_cow_partial_chunks);
	tcase_add_test(tc, test_cow_reads_span_overlay_and_base);
	tcase_add_test(tc, test_cow_short_last_chunk);
	tcase_add_test(tc, test_cow_overlay_in_tmpdir);
	tcase_add_test(tc, test_cow_overlay_memfd_fallback);
	tcase_add_test(tc, test_bad_specs);
	tcase_add_test(tc, test_bad_images);
	tcase_add_test(tc, test_root_containment);
	tcase_add_test(tc, test_new_checks_root);
	tcase_add_test(tc, test_locking);
	tcase_add_test(tc, test_bad_requests);
	tcase_add_test(tc, test_flush);
	tcase_add_test(tc, test_blkdev_adapter);
	tcase_add_test(tc, test_no_fd_leaks);
	tcase_add_test(tc, test_switch_outlives_free);
	tcase_add_test(tc, test_threads_share_bases);
	tcase_add_test(tc, test_hostile_requests);
	suite_add_tcase(s, tc);
	return s;
}
