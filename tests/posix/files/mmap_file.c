/* mmap_file: a regular file mapped MAP_PRIVATE shows its bytes, zeros past the end, and keeps private writes private. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define D "mmap_file"

/* The x86-64 page size; a constant so the newlib build needs no sysconf. */
#define PAGE 4096
#define SIZE (3 * PAGE + 100) /* the last page is partly past the end */

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

static unsigned char byte_at(long i)
{
	return (unsigned char)(i * 7 + (i >> 8));
}

/* The first offset in [0, n) where (p) differs from the pattern at (base), or -1. */
static long first_diff(const unsigned char *p, long base, long n)
{
	for (long i = 0; i < n; i++)
		if (p[i] != byte_at(base + i))
			return i;
	return -1;
}

int main(void)
{
	static unsigned char data[SIZE];
	unsigned char *p, *q, c;
	long i, zeros;
	int fd, wfd;

	if (mkdir(D, 0755) < 0) {
		printf("FAIL: mkdir %s: %s\n", D, strerror(errno));
		return 1;
	}
	for (i = 0; i < SIZE; i++)
		data[i] = byte_at(i);
	fd = open(D "/f", O_RDWR | O_CREAT | O_EXCL, 0644);
	check(fd >= 0 && write(fd, data, SIZE) == SIZE, "create f");

	/* The whole file, read-only. */
	p = mmap(NULL, SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	check(p != MAP_FAILED, "mmap the file");
	if (p == MAP_FAILED)
		return 1;
	printf("mmap %d bytes: first difference %ld\n", SIZE, first_diff(p, 0, SIZE));
	check(first_diff(p, 0, SIZE) < 0, "the mapping shows the file");
	for (i = SIZE, zeros = 0; i < 4 * PAGE; i++)
		zeros += p[i] == 0;
	printf("past the end of the file, to the end of the page: %ld of %d bytes zero\n", zeros,
	       4 * PAGE - SIZE);
	check(zeros == 4 * PAGE - SIZE, "zeros after the end");

	/* One page at an offset; still readable after the descriptor is closed. */
	q = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 2 * PAGE);
	check(q != MAP_FAILED, "mmap at offset 2 pages");
	check(close(fd) == 0, "close");
	printf("page 2 after close: first difference %ld\n",
	       q == MAP_FAILED ? -2 : first_diff(q, 2 * PAGE, PAGE));
	check(q != MAP_FAILED && first_diff(q, 2 * PAGE, PAGE) < 0, "page 2");
	check(munmap(p, SIZE) == 0, "munmap");
	if (q != MAP_FAILED)
		check(munmap(q, PAGE) == 0, "munmap");

	/* A private writable mapping: writes stay in memory, the file keeps its bytes. */
	fd = open(D "/f", O_RDWR);
	check(fd >= 0, "reopen f");
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	check(p != MAP_FAILED, "mmap PROT_WRITE MAP_PRIVATE");
	if (p != MAP_FAILED) {
		p[10] = (unsigned char)~byte_at(10);
		check(pread(fd, &c, 1, 10) == 1, "pread");
		printf("private write: mapping changed %s, file unchanged %s\n",
		       p[10] != byte_at(10) ? "yes" : "no", c == byte_at(10) ? "yes" : "no");
		check(p[10] != byte_at(10) && c == byte_at(10), "private");
		munmap(p, PAGE);
	}
	EXPECT_ERR(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED ? -1 : 0, EINVAL,
	           "mmap at an unaligned offset");
	close(fd);
	wfd = open(D "/f", O_WRONLY);
	EXPECT_ERR(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, wfd, 0) == MAP_FAILED ? -1 : 0, EACCES,
	           "mmap an O_WRONLY descriptor");
	close(wfd);
	EXPECT_ERR(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 1000, 0) == MAP_FAILED ? -1 : 0, EBADF,
	           "mmap a bad descriptor");

	check(unlink(D "/f") == 0 && rmdir(D) == 0, "clean up");
	printf("%s\n", fails ? "FAILED" : "done");
	return fails != 0;
}
