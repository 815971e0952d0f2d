/* chmod_access: chmod/fchmod change the permission bits; access/faccessat report existence and execute permission. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define D "chmod_access"

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

/* The permission bits of (path), or -1. */
static int perms(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : (int)(st.st_mode & 0777);
}

int main(void)
{
	struct stat st;
	int fd, dfd;

	umask(022);
	if (mkdir(D, 0755) < 0) {
		printf("FAIL: mkdir %s: %s\n", D, strerror(errno));
		return 1;
	}
	fd = open(D "/f", O_RDWR | O_CREAT | O_EXCL, 0666);
	check(fd >= 0, "create f");
	printf("created 0666 under umask 022: %03o\n", perms(D "/f"));
	check(perms(D "/f") == 0644, "umask applied");

	check(chmod(D "/f", 0600) == 0, "chmod 0600");
	printf("chmod 0600: %03o\n", perms(D "/f"));
	check(fchmod(fd, 0751) == 0, "fchmod 0751");
	printf("fchmod 0751: %03o\n", perms(D "/f"));
	check(fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0751 && S_ISREG(st.st_mode),
	      "fstat sees the new mode and the type is kept");
	check(chmod(D "/f", 0) == 0, "chmod 0");
	printf("chmod 0: %03o\n", perms(D "/f"));
	check(mkdir(D "/dir", 0755) == 0 && chmod(D "/dir", 0700) == 0, "chmod a dir");
	printf("dir chmod 0700: %03o, still a dir: %s\n", perms(D "/dir"),
	       stat(D "/dir", &st) == 0 && S_ISDIR(st.st_mode) ? "yes" : "no");
	EXPECT_ERR(chmod(D "/missing", 0644), ENOENT, "chmod a missing file");
	EXPECT_ERR(fchmod(1000, 0644), EBADF, "fchmod a bad descriptor");

	/* access: the checks that hold for every user, root included. */
	check(chmod(D "/f", 0644) == 0, "chmod 0644");
	printf("access F_OK: %d, R_OK: %d\n", access(D "/f", F_OK), access(D "/f", R_OK));
	EXPECT_ERR(access(D "/f", X_OK), EACCES, "access X_OK without execute bits");
	check(chmod(D "/f", 0755) == 0, "chmod 0755");
	printf("access X_OK after chmod 0755: %d\n", access(D "/f", X_OK));
	check(access(D "/f", X_OK) == 0, "X_OK with execute bits");
	EXPECT_ERR(access(D "/missing", F_OK), ENOENT, "access a missing file");
	EXPECT_ERR(access(D "/f/x", F_OK), ENOTDIR, "access f/x");

	/* faccessat, relative to a directory descriptor and to the working directory. */
	dfd = open(D, O_RDONLY | O_DIRECTORY);
	check(dfd >= 0, "open " D);
	printf("faccessat dfd f R_OK: %d, AT_FDCWD: %d\n", faccessat(dfd, "f", R_OK, 0),
	       faccessat(AT_FDCWD, D "/f", R_OK, 0));
	EXPECT_ERR(faccessat(dfd, "missing", F_OK, 0), ENOENT, "faccessat a missing file");
	check(chmod(D "/f", 0644) == 0, "chmod 0644");
	EXPECT_ERR(faccessat(dfd, "f", X_OK, 0), EACCES, "faccessat X_OK without execute bits");
	close(dfd);

	check(close(fd) == 0, "close");
	check(unlink(D "/f") == 0 && rmdir(D "/dir") == 0 && rmdir(D) == 0, "clean up");
	printf("%s\n", fails ? "FAILED" : "done");
	return fails != 0;
}
