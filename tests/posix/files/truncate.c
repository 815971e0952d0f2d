/* truncate: ftruncate/truncate shrink and grow; what a shrink cut off reads as zeros when the file grows again. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define D "truncate"

static int fails;

static void check(int ok, const char *what)
{
	if (!ok) {
		fails++;
		printf("FAIL: %s (%s)\n", what, strerror(errno));
	}
}

/* Print (what) and the error of (r) by name: a FAIL unless r is -1 with errno (want). */
static void expect_err(long r, int want, const char *name, const char *what)
{
	int e = errno;

	if (r == -1 && e == want) {
		printf("%s: %s\n", what, name);
		return;
	}
	fails++;
	printf("FAIL: %s: want %s, got %ld (%s)\n", what, name, r,
	       r == -1 ? strerror(e) : "no error");
}
#define EXPECT_ERR(r, err, what) expect_err((r), err, #err, what)

/* The size of (path), or -1. */
static long size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : (long)st.st_size;
}

/* 1 if the (n) bytes at (off) of (fd) are all (c). */
static int all_at(int fd, long off, size_t n, int c)
{
	static unsigned char buf[16384];

	if (n > sizeof(buf) || pread(fd, buf, n, off) != (ssize_t)n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (buf[i] != c)
			return 0;
	return 1;
}

int main(void)
{
	static unsigned char xs[10000];
	char buf[16];
	int fd, rfd, r;

	if (mkdir(D, 0755) < 0) {
		printf("FAIL: mkdir %s: %s\n", D, strerror(errno));
		return 1;
	}
	fd = open(D "/f", O_RDWR | O_CREAT | O_EXCL, 0644);
	check(fd >= 0 && write(fd, "0123456789", 10) == 10, "create f");

	r = ftruncate(fd, 4);
	printf("ftruncate 4: %d, size %ld\n", r, size_of(D "/f"));
	memset(buf, 0, sizeof(buf));
	check(pread(fd, buf, sizeof(buf), 0) == 4 && strcmp(buf, "0123") == 0, "4 bytes left");
	r = ftruncate(fd, 8);
	printf("ftruncate 8: %d, size %ld\n", r, size_of(D "/f"));
	check(pread(fd, buf, sizeof(buf), 0) == 8 && memcmp(buf, "0123\0\0\0\0", 8) == 0,
	      "regrown bytes are zeros, not the old 4567");
	printf("bytes 4..7 after regrowing: %s\n",
	       memcmp(buf + 4, "\0\0\0\0", 4) ? "old data" : "zeros");
	printf("offset unchanged by ftruncate: %ld\n", (long)lseek(fd, 0, SEEK_CUR));

	r = truncate(D "/f", 2);
	printf("truncate 2: %d, size %ld\n", r, size_of(D "/f"));
	r = truncate(D "/f", 0);
	printf("truncate 0: %d, size %ld\n", r, size_of(D "/f"));
	/* The offset (10) is past the end now: a write there leaves a hole. */
	check(write(fd, "w", 1) == 1, "write at the old offset");
	printf("write at offset 10 of an empty file: size %ld\n", size_of(D "/f"));
	check(size_of(D "/f") == 11 && all_at(fd, 0, 10, 0), "hole before the write");

	/* Across block boundaries: cut in the middle of a block, then grow again. */
	memset(xs, 'x', sizeof(xs));
	check(pwrite(fd, xs, sizeof(xs), 0) == (ssize_t)sizeof(xs), "write 10000 x");
	check(ftruncate(fd, 5000) == 0 && ftruncate(fd, 10000) == 0, "cut to 5000, grow to 10000");
	printf("after 10000 -> 5000 -> 10000: x up to 5000 %s, zeros after %s\n",
	       all_at(fd, 0, 5000, 'x') ? "yes" : "no", all_at(fd, 5000, 5000, 0) ? "yes" : "no");
	check(all_at(fd, 0, 5000, 'x') && all_at(fd, 5000, 5000, 0), "cut data does not come back");
	check(ftruncate(fd, 200000) == 0 && ftruncate(fd, 4096) == 0,
	      "grow to 200000, cut to 4096");
	printf("size %ld, x up to 4096 %s\n", size_of(D "/f"),
	       all_at(fd, 0, 4096, 'x') ? "yes" : "no");
	check(size_of(D "/f") == 4096 && all_at(fd, 0, 4096, 'x'), "cut at a block boundary");

	EXPECT_ERR(ftruncate(fd, -1), EINVAL, "ftruncate to -1");
	rfd = open(D "/f", O_RDONLY);
	EXPECT_ERR(ftruncate(rfd, 0), EINVAL, "ftruncate an O_RDONLY descriptor");
	close(rfd);
	check(mkdir(D "/dir", 0755) == 0, "mkdir dir");
	EXPECT_ERR(truncate(D "/dir", 0), EISDIR, "truncate a dir");
	EXPECT_ERR(truncate(D "/missing", 0), ENOENT, "truncate a missing file");

	check(close(fd) == 0, "close");
	check(unlink(D "/f") == 0 && rmdir(D "/dir") == 0 && rmdir(D) == 0, "clean up");
	printf("%s\n", fails ? "FAILED" : "done");
	return fails != 0;
}
