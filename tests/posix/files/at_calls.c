/* at_calls: the *at() calls relative to a directory descriptor; fstatat with and without AT_SYMLINK_NOFOLLOW. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define D "at_calls"

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

/* Print what fstatat(dfd, path, flags) says: the type, and a file's size and links. */
static void show(int dfd, const char *path, int flags)
{
	struct stat st;

	if (fstatat(dfd, path, &st, flags) < 0) {
		printf("fstatat %s: %s\n", path, strerror(errno));
		check(0, path);
		return;
	}
	/* A directory's size and link count depend on the file system. */
	if (S_ISDIR(st.st_mode)) {
		printf("fstatat %s: d\n", path);
		return;
	}
	printf("fstatat %s%s: %c size %ld nlink %d\n", path,
	       flags & AT_SYMLINK_NOFOLLOW ? " (nofollow)" : "",
	       S_ISREG(st.st_mode)   ? 'f'
	       : S_ISLNK(st.st_mode) ? 'l'
	                             : '?',
	       (long)st.st_size, (int)st.st_nlink);
}

int main(void)
{
	char buf[16] = { 0 };
	struct stat st;
	ssize_t n;
	int dfd, fd;

	if (mkdir(D, 0755) < 0) {
		printf("FAIL: mkdir %s: %s\n", D, strerror(errno));
		return 1;
	}
	dfd = open(D, O_RDONLY | O_DIRECTORY);
	check(dfd >= 0, "open " D);

	fd = openat(dfd, "f", O_WRONLY | O_CREAT | O_EXCL, 0644);
	check(fd >= 0 && write(fd, "xyz", 3) == 3 && close(fd) == 0, "openat f");
	show(dfd, "f", 0);
	check(symlinkat("f", dfd, "l") == 0, "symlinkat l -> f");
	show(dfd, "l", 0);
	show(dfd, "l", AT_SYMLINK_NOFOLLOW);
	check(fstatat(dfd, "l", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode) &&
	              st.st_size == 1,
	      "fstatat AT_SYMLINK_NOFOLLOW sees the link");
	check(fstatat(dfd, "l", &st, 0) == 0 && S_ISREG(st.st_mode) && st.st_size == 3,
	      "fstatat follows the link");
	n = readlinkat(dfd, "l", buf, sizeof(buf));
	printf("readlinkat l: %d \"%.*s\"\n", (int)n, (int)(n > 0 ? n : 0), buf);
	check(n == 1 && buf[0] == 'f', "readlinkat");

	check(mkdirat(dfd, "sub", 0755) == 0, "mkdirat sub");
	show(dfd, "sub", 0);
	check(renameat(dfd, "f", dfd, "sub/g") == 0, "renameat f -> sub/g");
	EXPECT_ERR(fstatat(dfd, "f", &st, 0), ENOENT, "fstatat f after renameat");
	EXPECT_ERR(fstatat(dfd, "l", &st, 0), ENOENT, "fstatat through the now dangling l");
	check(linkat(dfd, "sub/g", dfd, "h", 0) == 0, "linkat sub/g -> h");
	show(dfd, "h", 0);
	check(fstatat(AT_FDCWD, D "/sub/g", &st, 0) == 0 && st.st_nlink == 2, "AT_FDCWD");
	printf("faccessat h R_OK: %d\n", faccessat(dfd, "h", R_OK, 0));

	/* unlinkat: AT_REMOVEDIR for directories, only when empty. */
	EXPECT_ERR(unlinkat(dfd, "sub", 0), EISDIR, "unlinkat a dir without AT_REMOVEDIR");
	EXPECT_ERR(unlinkat(dfd, "sub", AT_REMOVEDIR), ENOTEMPTY,
	           "unlinkat AT_REMOVEDIR non-empty");
	EXPECT_ERR(unlinkat(dfd, "h", AT_REMOVEDIR), ENOTDIR, "unlinkat AT_REMOVEDIR a file");
	check(unlinkat(dfd, "sub/g", 0) == 0, "unlinkat sub/g");
	printf("unlinkat sub AT_REMOVEDIR: %d\n", unlinkat(dfd, "sub", AT_REMOVEDIR));
	show(dfd, "h", 0);

	/* A descriptor that is not a directory cannot anchor a relative path. */
	fd = openat(dfd, "h", O_RDONLY);
	check(fd >= 0, "openat h");
	EXPECT_ERR(fstatat(fd, "x", &st, 0), ENOTDIR, "fstatat relative to a file");
	EXPECT_ERR(openat(fd, "x", O_RDONLY), ENOTDIR, "openat relative to a file");
	close(fd);
	EXPECT_ERR(fstatat(1000, "x", &st, 0), EBADF, "fstatat relative to a bad descriptor");

	check(unlinkat(dfd, "h", 0) == 0 && unlinkat(dfd, "l", 0) == 0, "unlinkat h, l");
	check(close(dfd) == 0, "close");
	check(rmdir(D) == 0, "rmdir " D);
	printf("%s\n", fails ? "FAILED" : "done");
	return fails != 0;
}
