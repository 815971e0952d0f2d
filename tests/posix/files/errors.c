/* errors: the errno of failing file calls, by name: ENOENT, EEXIST, ENOTDIR, EISDIR, ENOTEMPTY, EINVAL, ... */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define D "errors"

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
	char buf[16], longname[300];
	struct stat st;
	int fd;

	if (mkdir(D, 0755) < 0) {
		printf("FAIL: mkdir %s: %s\n", D, strerror(errno));
		return 1;
	}
	fd = open(D "/file", O_WRONLY | O_CREAT | O_EXCL, 0644);
	check(fd >= 0 && close(fd) == 0, "create file");
	check(mkdir(D "/dir", 0755) == 0 && mkdir(D "/full", 0755) == 0, "mkdir dir, full");
	fd = open(D "/full/x", O_WRONLY | O_CREAT | O_EXCL, 0644);
	check(fd >= 0 && close(fd) == 0, "create full/x");

	/* ENOENT: a missing name, or a missing directory on the way. */
	EXPECT_ERR(open(D "/missing", O_RDONLY), ENOENT, "open missing");
	EXPECT_ERR(open(D "/nodir/x", O_WRONLY | O_CREAT, 0644), ENOENT, "create in a missing dir");
	EXPECT_ERR(stat(D "/missing", &st), ENOENT, "stat missing");
	EXPECT_ERR(unlink(D "/missing"), ENOENT, "unlink missing");
	EXPECT_ERR(rmdir(D "/missing"), ENOENT, "rmdir missing");
	EXPECT_ERR(mkdir(D "/nodir/sub", 0755), ENOENT, "mkdir in a missing dir");
	EXPECT_ERR(open("", O_RDONLY), ENOENT, "open empty path");

	/* EEXIST: the name is taken. */
	EXPECT_ERR(mkdir(D "/dir", 0755), EEXIST, "mkdir existing dir");
	EXPECT_ERR(mkdir(D "/file", 0755), EEXIST, "mkdir over a file");
	EXPECT_ERR(open(D "/file", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST, "O_EXCL existing");
	EXPECT_ERR(link(D "/file", D "/dir"), EEXIST, "link onto an existing name");
	EXPECT_ERR(symlink("x", D "/file"), EEXIST, "symlink onto an existing name");

	/* ENOTDIR: a file where a directory is needed. */
	EXPECT_ERR(stat(D "/file/x", &st), ENOTDIR, "stat file/x");
	EXPECT_ERR(open(D "/file/x", O_WRONLY | O_CREAT, 0644), ENOTDIR, "create file/x");
	EXPECT_ERR(mkdir(D "/file/sub", 0755), ENOTDIR, "mkdir file/sub");
	EXPECT_ERR(rmdir(D "/file"), ENOTDIR, "rmdir a file");
	EXPECT_ERR(chdir(D "/file"), ENOTDIR, "chdir to a file");
	EXPECT_ERR(rename(D "/dir", D "/file"), ENOTDIR, "rename a dir over a file");
	EXPECT_ERR(open(D "/file", O_RDONLY | O_DIRECTORY), ENOTDIR, "O_DIRECTORY on a file");

	/* EISDIR: a directory where a file is needed. */
	EXPECT_ERR(open(D "/dir", O_WRONLY), EISDIR, "open a dir for writing");
	EXPECT_ERR(open(D "/dir", O_RDWR | O_CREAT, 0644), EISDIR, "O_CREAT on a dir");
	EXPECT_ERR(unlink(D "/dir"), EISDIR, "unlink a dir");
	EXPECT_ERR(rename(D "/file", D "/dir"), EISDIR, "rename a file over a dir");
	fd = open(D "/dir", O_RDONLY);
	check(fd >= 0, "open a dir for reading");
	EXPECT_ERR(read(fd, buf, sizeof(buf)), EISDIR, "read a dir");
	close(fd);

	/* ENOTEMPTY: a directory with entries cannot go. */
	EXPECT_ERR(rmdir(D "/full"), ENOTEMPTY, "rmdir a non-empty dir");
	EXPECT_ERR(rename(D "/dir", D "/full"), ENOTEMPTY, "rename a dir over a non-empty dir");

	/* The rest: bad arguments, bad descriptors, names too long. */
	EXPECT_ERR(rmdir(D "/dir/."), EINVAL, "rmdir dir/.");
	EXPECT_ERR(rename(D "/dir", D "/dir/sub"), EINVAL, "rename a dir into itself");
	EXPECT_ERR(link(D "/dir", D "/dirlink"), EPERM, "hard link to a dir");
	EXPECT_ERR(close(1000), EBADF, "close a bad descriptor");
	EXPECT_ERR(read(1000, buf, 1), EBADF, "read a bad descriptor");
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	EXPECT_ERR(open(longname, O_WRONLY | O_CREAT, 0644), ENAMETOOLONG, "a 299-byte name");
	EXPECT_ERR(readlink(D "/file", buf, sizeof(buf)), EINVAL, "readlink a file");

	check(unlink(D "/full/x") == 0 && unlink(D "/file") == 0, "unlink the files");
	check(rmdir(D "/full") == 0 && rmdir(D "/dir") == 0 && rmdir(D) == 0, "rmdir");
	printf("%s\n", fails ? "FAILED" : "done");
	return fails != 0;
}
