/* sparse: writing past the end leaves a hole that reads as zeros; st_size counts it, st_blocks does not. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define D "sparse"

#define TAIL (1024L * 1024 + 5) /* where the tail is written: 1 MiB + 5 */

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

/* 1 if the (n) bytes at (off) of (fd) read back as zeros. */
static int zeros_at(int fd, long off, size_t n)
{
	static unsigned char buf[8192];

	memset(buf, 0xa5, sizeof(buf));
	if (n > sizeof(buf) || pread(fd, buf, n, off) != (ssize_t)n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (buf[i] != 0)
			return 0;
	return 1;
}

int main(void)
{
	char buf[16] = { 0 };
	struct stat st;
	int fd;

	if (mkdir(D, 0755) < 0) {
		printf("FAIL: mkdir %s: %s\n", D, strerror(errno));
		return 1;
	}

	fd = open(D "/holes", O_RDWR | O_CREAT | O_EXCL, 0644);
	check(fd >= 0, "create holes");
	check(write(fd, "head", 4) == 4, "write head");
	printf("lseek past the end: %ld\n", (long)lseek(fd, TAIL, SEEK_SET));
	check(write(fd, "tail", 4) == 4, "write tail");
	check(fstat(fd, &st) == 0, "fstat");
	printf("size %ld\n", (long)st.st_size);
	check(st.st_size == TAIL + 4, "size counts the hole");
	printf("fewer blocks than the size needs: %s\n",
	       (long)st.st_blocks * 512 < st.st_size ? "yes" : "no");
	check((long)st.st_blocks * 512 < st.st_size, "the hole takes no blocks");

	check(pread(fd, buf, 4, 0) == 4 && memcmp(buf, "head", 4) == 0, "head");
	check(pread(fd, buf, 4, TAIL) == 4 && memcmp(buf, "tail", 4) == 0, "tail");
	printf("zeros after head: %s, mid-hole: %s, before tail: %s\n",
	       zeros_at(fd, 4, 8188) ? "yes" : "no", zeros_at(fd, 512 * 1024, 8192) ? "yes" : "no",
	       zeros_at(fd, TAIL - 8192, 8192) ? "yes" : "no");
	check(zeros_at(fd, 4, 8188) && zeros_at(fd, 512 * 1024, 8192) &&
	              zeros_at(fd, TAIL - 8192, 8192),
	      "the hole reads as zeros");

	/* Fill a page in the middle of the hole: its neighbours stay holes. */
	check(pwrite(fd, "mid", 3, 600000) == 3, "write in the hole");
	check(pread(fd, buf, 3, 600000) == 3 && memcmp(buf, "mid", 3) == 0, "read it back");
	printf("around the middle write: %s\n",
	       zeros_at(fd, 600000 - 8192, 8192) && zeros_at(fd, 600003, 8192) ? "zeros"
	                                                                       : "not zeros");
	check(zeros_at(fd, 600000 - 8192, 8192) && zeros_at(fd, 600003, 8192), "neighbours zero");

	/* Growing with ftruncate makes a hole at the end. */
	check(ftruncate(fd, 3L * 1024 * 1024) == 0, "ftruncate to 3 MiB");
	check(fstat(fd, &st) == 0, "fstat");
	printf("after ftruncate: size %ld, zeros past the tail: %s\n", (long)st.st_size,
	       zeros_at(fd, TAIL + 4, 8192) && zeros_at(fd, 3L * 1024 * 1024 - 100, 100) ? "yes"
	                                                                                 : "no");
	check(st.st_size == 3L * 1024 * 1024 && zeros_at(fd, 3L * 1024 * 1024 - 100, 100),
	      "ftruncate grows with zeros");
	printf("read at the end: %d\n", (int)pread(fd, buf, sizeof(buf), st.st_size));
	printf("SEEK_END: %ld\n", (long)lseek(fd, 0, SEEK_END));
	EXPECT_ERR(lseek(fd, -1, SEEK_SET), EINVAL, "lseek to -1");
	check(close(fd) == 0, "close");

	check(unlink(D "/holes") == 0, "unlink holes");
	check(rmdir(D) == 0, "rmdir " D);
	printf("%s\n", fails ? "FAILED" : "done");
	return fails != 0;
}
