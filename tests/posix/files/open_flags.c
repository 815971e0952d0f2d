/* open_flags: O_APPEND writes at the end whatever the offset, O_EXCL refuses existing names, O_TRUNC, O_DIRECTORY. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define D "open_flags"

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
	struct stat st;
	int fd, afd;

	if (mkdir(D, 0755) < 0) {
		printf("FAIL: mkdir %s: %s\n", D, strerror(errno));
		return 1;
	}

	/* O_APPEND: each write goes to the current end, even after a seek or another writer. */
	fd = open(D "/log", O_RDWR | O_CREAT | O_EXCL, 0644);
	check(fd >= 0 && write(fd, "0123456789", 10) == 10, "create log");
	afd = open(D "/log", O_WRONLY | O_APPEND);
	check(afd >= 0, "open O_APPEND");
	check((fcntl(afd, F_GETFL) & O_APPEND) != 0, "F_GETFL shows O_APPEND");
	check(lseek(afd, 0, SEEK_SET) == 0, "seek the O_APPEND descriptor to 0");
	check(write(afd, "ab", 2) == 2, "append ab");
	printf("offset after append: %ld\n", (long)lseek(afd, 0, SEEK_CUR));
	check(lseek(fd, 0, SEEK_SET) == 0 && write(fd, "XY", 2) == 2, "overwrite at 0");
	check(write(afd, "cd", 2) == 2, "append cd");
	expect_text(D "/log", "XY23456789abcd");

	/* Clearing O_APPEND makes writes positional again. */
	check(fcntl(afd, F_SETFL, 0) == 0, "F_SETFL without O_APPEND");
	check(lseek(afd, 1, SEEK_SET) == 1 && write(afd, "-", 1) == 1, "write at 1");
	expect_text(D "/log", "X-23456789abcd");
	close(afd);
	close(fd);

	/* O_EXCL: fails on any existing name, file, directory or symbolic link (dangling too). */
	EXPECT_ERR(open(D "/log", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST,
	           "O_CREAT|O_EXCL on a file");
	check(mkdir(D "/dir", 0755) == 0, "mkdir dir");
	EXPECT_ERR(open(D "/dir", O_RDONLY | O_CREAT | O_EXCL, 0644), EEXIST,
	           "O_CREAT|O_EXCL on a directory");
	check(symlink("nowhere", D "/dangling") == 0, "symlink dangling");
	EXPECT_ERR(open(D "/dangling", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST,
	           "O_CREAT|O_EXCL on a dangling symlink");
	EXPECT_ERR(stat(D "/nowhere", &st), ENOENT, "its target was not created");
	fd = open(D "/new", O_WRONLY | O_CREAT | O_EXCL, 0644);
	printf("O_CREAT|O_EXCL on a new name: %s\n", fd >= 0 ? "ok" : strerror(errno));
	check(fd >= 0 && close(fd) == 0, "O_CREAT|O_EXCL creates");

	/* O_CREAT alone opens an existing file as it is. */
	fd = open(D "/log", O_WRONLY | O_CREAT, 0644);
	check(fd >= 0 && fstat(fd, &st) == 0, "O_CREAT on an existing file");
	printf("O_CREAT on an existing file keeps size %ld\n", (long)st.st_size);
	check(st.st_size == 14, "O_CREAT does not truncate");
	close(fd);

	fd = open(D "/log", O_WRONLY | O_TRUNC);
	check(fd >= 0 && fstat(fd, &st) == 0, "O_TRUNC");
	printf("O_TRUNC: size %ld\n", (long)st.st_size);
	check(st.st_size == 0, "O_TRUNC empties");
	close(fd);

	EXPECT_ERR(open(D "/log", O_RDONLY | O_DIRECTORY), ENOTDIR, "O_DIRECTORY on a file");
	fd = open(D "/dir", O_RDONLY | O_DIRECTORY);
	check(fd >= 0 && close(fd) == 0, "O_DIRECTORY on a directory");

	check(unlink(D "/log") == 0 && unlink(D "/new") == 0 && unlink(D "/dangling") == 0,
	      "unlink the files");
	check(rmdir(D "/dir") == 0 && rmdir(D) == 0, "rmdir");
	printf("%s\n", fails ? "FAILED" : "done");
	return fails != 0;
}
