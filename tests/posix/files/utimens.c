/* utimens: utimensat/futimens set the times given (UTIME_OMIT keeps one, UTIME_NOW and NULL take the clock); stat shows them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define D "utimens"

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

/* Print the access and modification seconds of (path) (lstat if nofollow); check them. */
static void times_are(const char *path, int nofollow, long atime, long mtime)
{
	struct stat st;

	if ((nofollow ? lstat(path, &st) : stat(path, &st)) < 0) {
		check(0, path);
		return;
	}
	printf("%s: atime %ld, mtime %ld\n", path, (long)st.st_atime, (long)st.st_mtime);
	check(st.st_atime == atime && st.st_mtime == mtime, path);
}

int main(void)
{
	/* Seconds below 2^31: ext2 keeps 32-bit times. */
	struct timespec ts[2] = { { 1000000000, 0 }, { 1234567890, 0 } };
	struct stat st;
	int fd;

	if (mkdir(D, 0755) < 0) {
		printf("FAIL: mkdir %s: %s\n", D, strerror(errno));
		return 1;
	}
	fd = open(D "/f", O_RDWR | O_CREAT | O_EXCL, 0644);
	check(fd >= 0, "create f");

	printf("utimensat: %d\n", utimensat(AT_FDCWD, D "/f", ts, 0));
	times_are(D "/f", 0, 1000000000, 1234567890);

	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_sec = 1500000000;
	printf("utimensat, atime UTIME_OMIT: %d\n", utimensat(AT_FDCWD, D "/f", ts, 0));
	times_are(D "/f", 0, 1000000000, 1500000000);

	ts[0] = (struct timespec){ 2000000000, 0 };
	ts[1] = (struct timespec){ 2100000000, 0 };
	printf("futimens: %d\n", futimens(fd, ts));
	times_are(D "/f", 0, 2000000000, 2100000000);

	/* AT_SYMLINK_NOFOLLOW changes the link, not its target. */
	check(symlink("f", D "/l") == 0, "symlink l -> f");
	ts[0] = (struct timespec){ 1100000000, 0 };
	ts[1] = (struct timespec){ 1200000000, 0 };
	printf("utimensat AT_SYMLINK_NOFOLLOW: %d\n",
	       utimensat(AT_FDCWD, D "/l", ts, AT_SYMLINK_NOFOLLOW));
	times_are(D "/l", 1, 1100000000, 1200000000);
	times_are(D "/f", 0, 2000000000, 2100000000);

	/* UTIME_NOW and NULL take the current time: not the old one. */
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_nsec = UTIME_NOW;
	check(utimensat(AT_FDCWD, D "/f", ts, 0) == 0, "utimensat UTIME_NOW");
	check(stat(D "/f", &st) == 0, "stat");
	printf("mtime UTIME_NOW: changed %s, atime kept %s\n",
	       st.st_mtime != 2100000000 ? "yes" : "no", st.st_atime == 2000000000 ? "yes" : "no");
	check(st.st_mtime != 2100000000 && st.st_atime == 2000000000, "UTIME_NOW");
	check(utimensat(AT_FDCWD, D "/l", NULL, AT_SYMLINK_NOFOLLOW) == 0, "utimensat NULL");
	check(lstat(D "/l", &st) == 0, "lstat");
	printf("NULL times: both changed %s\n",
	       st.st_atime != 1100000000 && st.st_mtime != 1200000000 ? "yes" : "no");
	check(st.st_atime != 1100000000 && st.st_mtime != 1200000000, "NULL times");

	ts[0] = (struct timespec){ 0, 1000000000 };
	EXPECT_ERR(utimensat(AT_FDCWD, D "/f", ts, 0), EINVAL, "tv_nsec 1000000000");
	EXPECT_ERR(utimensat(AT_FDCWD, D "/missing", NULL, 0), ENOENT, "a missing file");

	check(close(fd) == 0, "close");
	check(unlink(D "/l") == 0 && unlink(D "/f") == 0 && rmdir(D) == 0, "clean up");
	printf("%s\n", fails ? "FAILED" : "done");
	return fails != 0;
}
