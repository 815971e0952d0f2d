/* statfs: statfs/fstatfs succeed on the file system of the working directory and report sane sizes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#define D "statfs"

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
	struct statfs sf, fsf;
	int r, fd;

	if (mkdir(D, 0755) < 0) {
		printf("FAIL: mkdir %s: %s\n", D, strerror(errno));
		return 1;
	}

	r = statfs(D, &sf);
	printf("statfs: %d\n", r);
	check(r == 0, "statfs");
	printf("f_bsize > 0: %s, f_blocks > 0: %s, f_bfree <= f_blocks: %s, f_bavail <= f_bfree: "
	       "%s\n",
	       sf.f_bsize > 0 ? "yes" : "no", sf.f_blocks > 0 ? "yes" : "no",
	       sf.f_bfree <= sf.f_blocks ? "yes" : "no", sf.f_bavail <= sf.f_bfree ? "yes" : "no");
	check(sf.f_bsize > 0 && sf.f_blocks > 0 && sf.f_bfree <= sf.f_blocks &&
	              sf.f_bavail <= sf.f_bfree,
	      "sizes");
	printf("f_ffree <= f_files: %s, f_namelen >= 255: %s\n",
	       sf.f_ffree <= sf.f_files ? "yes" : "no", sf.f_namelen >= 255 ? "yes" : "no");
	check(sf.f_ffree <= sf.f_files && sf.f_namelen >= 255, "inodes, name length");

	fd = open(D, O_RDONLY | O_DIRECTORY);
	check(fd >= 0, "open " D);
	r = fstatfs(fd, &fsf);
	printf("fstatfs: %d, same file system: %s\n", r,
	       r == 0 && fsf.f_type == sf.f_type && fsf.f_bsize == sf.f_bsize &&
	                       fsf.f_blocks == sf.f_blocks
	               ? "yes"
	               : "no");
	check(r == 0 && fsf.f_type == sf.f_type && fsf.f_blocks == sf.f_blocks, "fstatfs");
	close(fd);
	EXPECT_ERR(statfs(D "/missing", &sf), ENOENT, "statfs a missing path");
	EXPECT_ERR(fstatfs(1000, &sf), EBADF, "fstatfs a bad descriptor");

	check(rmdir(D) == 0, "rmdir " D);
	printf("%s\n", fails ? "FAILED" : "done");
	return fails != 0;
}
