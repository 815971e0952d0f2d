/* dirs: mkdir/rmdir, chdir/fchdir and getcwd (printed relative to the starting directory). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define D "dirs"

static int fails;
static char start[1024]; /* the working directory at start */

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

/* Print the working directory as "." plus its path below (start); check it is (want). */
static void cwd_is(const char *want)
{
	char buf[1024];
	size_t n = strlen(start);
	const char *rel;

	if (getcwd(buf, sizeof(buf)) == NULL) {
		check(0, "getcwd");
		return;
	}
	/* Below the root "/", paths go on without another '/'. */
	if (strcmp(buf, start) == 0)
		rel = "";
	else if (strcmp(start, "/") == 0)
		rel = buf;
	else if (strncmp(buf, start, n) == 0 && buf[n] == '/')
		rel = buf + n;
	else
		rel = "(outside the start)";
	printf("cwd: .%s\n", rel);
	check(strcmp(rel, want) == 0, "the working directory");
}

/* The permission bits of (path), or -1. */
static int perms(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 || !S_ISDIR(st.st_mode) ? -1 : (int)(st.st_mode & 0777);
}

int main(void)
{
	struct stat st;
	char small[2];
	int fd, dfd;

	umask(022);
	if (getcwd(start, sizeof(start)) == NULL) {
		printf("FAIL: getcwd: %s\n", strerror(errno));
		return 1;
	}
	if (mkdir(D, 0755) < 0) {
		printf("FAIL: mkdir %s: %s\n", D, strerror(errno));
		return 1;
	}

	/* mkdir: modes less the umask; nested; a trailing slash. */
	check(mkdir(D "/a", 0777) == 0 && mkdir(D "/a/b", 0700) == 0, "mkdir a, a/b");
	check(mkdir(D "/c/", 0750) == 0, "mkdir c/");
	printf("modes: a %03o, a/b %03o, c %03o\n", perms(D "/a"), perms(D "/a/b"), perms(D "/c"));
	check(perms(D "/a") == 0755 && perms(D "/a/b") == 0700 && perms(D "/c") == 0750, "modes");

	/* chdir with relative paths, and getcwd. */
	cwd_is("");
	check(chdir(D "/a/b") == 0, "chdir dirs/a/b");
	cwd_is("/" D "/a/b");
	fd = open("here", O_WRONLY | O_CREAT | O_EXCL, 0644);
	check(fd >= 0 && close(fd) == 0, "create a file in the new working directory");
	check(chdir("..") == 0, "chdir ..");
	cwd_is("/" D "/a");
	check(stat("b/here", &st) == 0 && S_ISREG(st.st_mode), "the file is in b");
	check(chdir("./b/../../c") == 0, "chdir ./b/../../c");
	cwd_is("/" D "/c");
	check(chdir(start) == 0, "chdir back to the start by absolute path");
	cwd_is("");

	/* fchdir to a directory descriptor. */
	dfd = open(D "/a/b", O_RDONLY | O_DIRECTORY);
	check(dfd >= 0, "open a/b");
	check(fchdir(dfd) == 0, "fchdir a/b");
	cwd_is("/" D "/a/b");
	check(access("here", F_OK) == 0, "relative names after fchdir");
	EXPECT_ERR(getcwd(small, sizeof(small)) == NULL ? -1 : 0, ERANGE, "getcwd in 2 bytes");
	check(close(dfd) == 0, "close");
	check(chdir("../../..") == 0, "chdir ../../..");
	cwd_is("");
	fd = open(D "/a/b/here", O_RDONLY);
	EXPECT_ERR(fchdir(fd), ENOTDIR, "fchdir to a file");
	close(fd);

	/* rmdir: only empty directories; the name is gone afterwards. */
	EXPECT_ERR(rmdir(D "/a/b"), ENOTEMPTY, "rmdir a/b with a file in it");
	check(unlink(D "/a/b/here") == 0, "unlink a/b/here");
	printf("rmdir a/b: %d\n", rmdir(D "/a/b"));
	EXPECT_ERR(stat(D "/a/b", &st), ENOENT, "stat a/b after rmdir");
	printf("rmdir c/: %d\n", rmdir(D "/c/"));
	check(rmdir(D "/a") == 0 && rmdir(D) == 0, "rmdir a, " D);
	printf("%s\n", fails ? "FAILED" : "done");
	return fails != 0;
}
