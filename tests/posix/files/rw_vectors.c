/* rw_vectors: pread/pwrite leave the offset alone, readv/writev scatter and gather, lseek SEEK_SET/CUR/END. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define D "rw_vectors"

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

/* The offset of (fd). */
static long where(int fd)
{
	return (long)lseek(fd, 0, SEEK_CUR);
}

int main(void)
{
	char a[3], b[1], c[6], buf[32];
	struct iovec out[3] = { { "abc", 3 }, { "", 0 }, { "defgh", 5 } };
	struct iovec in[3] = { { a, 2 }, { b, 0 }, { c, 5 } };
	struct stat st;
	ssize_t n;
	int fd, wfd;

	if (mkdir(D, 0755) < 0) {
		printf("FAIL: mkdir %s: %s\n", D, strerror(errno));
		return 1;
	}
	fd = open(D "/f", O_RDWR | O_CREAT | O_EXCL, 0644);
	check(fd >= 0, "create f");

	n = writev(fd, out, 3);
	printf("writev 3+0+5: %d, offset %ld\n", (int)n, where(fd));
	check(n == 8 && where(fd) == 8, "writev");

	n = pwrite(fd, "XY", 2, 2);
	printf("pwrite XY at 2: %d, offset still %ld\n", (int)n, where(fd));
	check(n == 2 && where(fd) == 8, "pwrite keeps the offset");
	memset(buf, 0, sizeof(buf));
	n = pread(fd, buf, 3, 5);
	printf("pread 3 at 5: %d \"%s\", offset still %ld\n", (int)n, buf, where(fd));
	check(n == 3 && strcmp(buf, "fgh") == 0 && where(fd) == 8, "pread keeps the offset");
	n = pread(fd, buf, sizeof(buf), 100);
	printf("pread past the end: %d\n", (int)n);
	check(n == 0, "pread past the end");

	/* lseek from each origin. */
	printf("SEEK_SET 1: %ld\n", (long)lseek(fd, 1, SEEK_SET));
	printf("SEEK_CUR +2: %ld\n", (long)lseek(fd, 2, SEEK_CUR));
	printf("SEEK_CUR -1: %ld\n", (long)lseek(fd, -1, SEEK_CUR));
	printf("SEEK_END -1: %ld\n", (long)lseek(fd, -1, SEEK_END));
	memset(buf, 0, sizeof(buf));
	check(read(fd, buf, sizeof(buf)) == 1 && buf[0] == 'h', "read the last byte");
	printf("SEEK_END +4: %ld\n", (long)lseek(fd, 4, SEEK_END));
	check(write(fd, "Z", 1) == 1, "write past the end");
	check(fstat(fd, &st) == 0, "fstat");
	printf("size after writing at SEEK_END+4: %ld\n", (long)st.st_size);
	check(st.st_size == 13, "size 13");
	EXPECT_ERR(lseek(fd, -20, SEEK_END), EINVAL, "SEEK_END -20");
	EXPECT_ERR(lseek(fd, 0, 99), EINVAL, "whence 99");

	/* readv fills the buffers in order, skipping empty ones. */
	check(lseek(fd, 0, SEEK_SET) == 0, "rewind");
	memset(a, 0, sizeof(a));
	memset(c, 0, sizeof(c));
	n = readv(fd, in, 3);
	printf("readv 2+0+5: %d \"%s\" \"%s\", offset %ld\n", (int)n, a, c, where(fd));
	check(n == 7 && strcmp(a, "ab") == 0 && strcmp(c, "XYefg") == 0 && where(fd) == 7, "readv");
	n = pread(fd, buf, sizeof(buf), 0);
	check(n == 13 && memcmp(buf, "abXYefgh\0\0\0\0Z", 13) == 0, "the whole file");
	printf("whole file: %d bytes, hole zeros: %s\n", (int)n,
	       memcmp(buf + 8, "\0\0\0\0", 4) == 0 ? "yes" : "no");

	wfd = open(D "/f", O_WRONLY);
	check(wfd >= 0, "open O_WRONLY");
	EXPECT_ERR(pread(wfd, buf, 1, 0), EBADF, "pread on an O_WRONLY descriptor");
	EXPECT_ERR(readv(wfd, in, 3), EBADF, "readv on an O_WRONLY descriptor");
	close(wfd);
	EXPECT_ERR(pwrite(fd, "x", 1, -1), EINVAL, "pwrite at -1");

	check(close(fd) == 0, "close");
	check(unlink(D "/f") == 0 && rmdir(D) == 0, "clean up");
	printf("%s\n", fails ? "FAILED" : "done");
	return fails != 0;
}
