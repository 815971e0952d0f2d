/* rename: replace an existing file (an open descriptor keeps the old one), move files and directories, renameat. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define D "rename"

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

/* Create (path) holding (text). */
static void put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	check(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text) && close(fd) == 0,
	      path);
}

/* Print and check that (path) holds (text). */
static void expect_text(const char *path, const char *text)
{
	char buf[64] = { 0 };
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	printf("%s: \"%s\"\n", path, n < 0 ? "(unreadable)" : buf);
	check(n == (ssize_t)strlen(text) && strcmp(buf, text) == 0, path);
}

int main(void)
{
	char buf[64] = { 0 };
	struct stat st;
	int fd, dfd;

	if (mkdir(D, 0755) < 0) {
		printf("FAIL: mkdir %s: %s\n", D, strerror(errno));
		return 1;
	}

	/* Rename over an existing file: the target is replaced atomically. */
	put(D "/a", "AAA");
	put(D "/b", "BBBBBB");
	fd = open(D "/b", O_RDONLY);
	check(fd >= 0, "open the file about to be replaced");
	printf("rename a -> b (exists): %d\n", rename(D "/a", D "/b"));
	EXPECT_ERR(stat(D "/a", &st), ENOENT, "stat a after the rename");
	expect_text(D "/b", "AAA");
	check(read(fd, buf, sizeof(buf) - 1) == 6 && strcmp(buf, "BBBBBB") == 0,
	      "the replaced file stays readable through its descriptor");
	printf("old b through its descriptor: \"%s\"\n", buf);
	close(fd);

	printf("rename b -> b: %d\n", rename(D "/b", D "/b"));
	expect_text(D "/b", "AAA");

	/* Move a file into a subdirectory, then a directory with its contents. */
	check(mkdir(D "/d1", 0755) == 0, "mkdir d1");
	printf("rename b -> d1/c: %d\n", rename(D "/b", D "/d1/c"));
	expect_text(D "/d1/c", "AAA");
	printf("rename d1 -> d2: %d\n", rename(D "/d1", D "/d2"));
	EXPECT_ERR(stat(D "/d1", &st), ENOENT, "stat d1 after the rename");
	expect_text(D "/d2/c", "AAA");

	/* A directory may replace an empty one, not a non-empty one. */
	check(mkdir(D "/d3", 0755) == 0, "mkdir d3");
	printf("rename d2 -> d3 (empty): %d\n", rename(D "/d2", D "/d3"));
	expect_text(D "/d3/c", "AAA");
	check(mkdir(D "/d4", 0755) == 0, "mkdir d4");
	put(D "/d4/keep", "K");
	EXPECT_ERR(rename(D "/d3", D "/d4"), ENOTEMPTY, "rename d3 -> d4 (not empty)");
	EXPECT_ERR(rename(D "/d3", D "/d3/c/x"), ENOTDIR, "rename d3 -> d3/c/x");
	EXPECT_ERR(rename(D "/d3", D "/d3/sub"), EINVAL, "rename d3 into itself");
	EXPECT_ERR(rename(D "/nothing", D "/x"), ENOENT, "rename a missing file");

	/* renameat, relative to a directory descriptor. */
	dfd = open(D, O_RDONLY | O_DIRECTORY);
	check(dfd >= 0, "open " D " as a directory");
	printf("renameat d3/c -> d4/c: %d\n", renameat(dfd, "d3/c", dfd, "d4/c"));
	expect_text(D "/d4/c", "AAA");
	EXPECT_ERR(stat(D "/d3/c", &st), ENOENT, "stat d3/c after renameat");
	close(dfd);

	check(unlink(D "/d4/c") == 0 && unlink(D "/d4/keep") == 0, "unlink d4's files");
	check(rmdir(D "/d4") == 0 && rmdir(D "/d3") == 0, "rmdir d3, d4");
	check(rmdir(D) == 0, "rmdir " D);
	printf("%s\n", fails ? "FAILED" : "done");
	return fails != 0;
}
