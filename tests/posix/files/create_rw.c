/* create_rw: create, write, read back, overwrite in place, O_TRUNC, fsync/fdatasync, EBADF on the wrong access mode. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define D "create_rw"

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

int main(void)
{
	static const char text[] = "hello, file system\n";
	char buf[64];
	struct stat st;
	ssize_t n;
	int fd;

	if (mkdir(D, 0755) < 0) {
		printf("FAIL: mkdir %s: %s\n", D, strerror(errno));
		return 1;
	}

	fd = open(D "/file", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	check(fd >= 0, "create " D "/file");
	n = write(fd, text, strlen(text));
	printf("write: %d\n", (int)n);
	check(n == (ssize_t)strlen(text), "write the whole text");
	printf("fsync: %d, fdatasync: %d\n", fsync(fd), fdatasync(fd));
	n = read(fd, buf, sizeof(buf));
	EXPECT_ERR(n, EBADF, "read on an O_WRONLY descriptor");
	check(close(fd) == 0, "close");

	check(stat(D "/file", &st) == 0, "stat");
	printf("stat: size %ld, regular %s, nlink %d\n", (long)st.st_size,
	       S_ISREG(st.st_mode) ? "yes" : "no", (int)st.st_nlink);
	check(st.st_size == (off_t)strlen(text) && S_ISREG(st.st_mode) && st.st_nlink == 1,
	      "stat after write");

	fd = open(D "/file", O_RDONLY);
	check(fd >= 0, "open for reading");
	memset(buf, 0, sizeof(buf));
	n = read(fd, buf, sizeof(buf));
	printf("read: %d \"%.*s\"\n", (int)n, (int)(n > 0 ? n - 1 : 0), buf);
	check(n == (ssize_t)strlen(text) && memcmp(buf, text, (size_t)n) == 0, "read back");
	n = read(fd, buf, sizeof(buf));
	printf("read at end: %d\n", (int)n);
	check(n == 0, "EOF after the last byte");
	EXPECT_ERR(write(fd, "x", 1), EBADF, "write on an O_RDONLY descriptor");
	check(close(fd) == 0, "close");

	/* Overwrite the first five bytes; the rest stays. */
	fd = open(D "/file", O_RDWR);
	check(fd >= 0, "open O_RDWR");
	check(write(fd, "HELLO", 5) == 5, "overwrite");
	memset(buf, 0, sizeof(buf));
	n = read(fd, buf, sizeof(buf));
	printf("read after overwrite: %d \"%.*s\"\n", (int)n, (int)(n > 0 ? n - 1 : 0), buf);
	check(n == (ssize_t)strlen(text) - 5 && memcmp(buf, text + 5, (size_t)n) == 0,
	      "the rest after the overwritten part");
	check(lseek(fd, 0, SEEK_SET) == 0, "rewind");
	n = read(fd, buf, sizeof(buf));
	check(n == (ssize_t)strlen(text) && memcmp(buf, "HELLO, file system\n", (size_t)n) == 0,
	      "whole file after the overwrite");
	check(close(fd) == 0, "close");

	fd = open(D "/file", O_WRONLY | O_TRUNC);
	check(fd >= 0, "open O_TRUNC");
	check(fstat(fd, &st) == 0, "fstat");
	printf("size after O_TRUNC: %ld\n", (long)st.st_size);
	check(st.st_size == 0, "O_TRUNC empties the file");
	check(close(fd) == 0, "close");

	check(unlink(D "/file") == 0, "unlink");
	check(rmdir(D) == 0, "rmdir " D);
	printf("%s\n", fails ? "FAILED" : "done");
	return fails != 0;
}
