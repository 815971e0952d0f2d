/* unlink_open: an unlinked file stays usable through an open descriptor and is gone from its directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define D "unlink_open"

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

/* The number of entries of (path) other than "." and "..". */
static int entries(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *de;
	int n = 0;

	check(dir != NULL, "opendir");
	if (dir == NULL)
		return -1;
	while ((de = readdir(dir)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, ".."))
			n++;
	closedir(dir);
	return n;
}

int main(void)
{
	char buf[64];
	struct stat st;
	ssize_t n;
	int fd, fd2;

	if (mkdir(D, 0755) < 0) {
		printf("FAIL: mkdir %s: %s\n", D, strerror(errno));
		return 1;
	}

	fd = open(D "/f", O_RDWR | O_CREAT | O_EXCL, 0644);
	check(fd >= 0, "create f");
	check(write(fd, "still here\n", 11) == 11, "write");
	printf("entries before unlink: %d\n", entries(D));
	printf("unlink f: %d\n", unlink(D "/f"));
	EXPECT_ERR(stat(D "/f", &st), ENOENT, "stat f after unlink");
	EXPECT_ERR(open(D "/f", O_RDONLY), ENOENT, "open f after unlink");
	printf("entries after unlink: %d\n", entries(D));

	check(fstat(fd, &st) == 0, "fstat the unlinked file");
	printf("fstat: size %ld, nlink %d\n", (long)st.st_size, (int)st.st_nlink);
	check(st.st_size == 11 && st.st_nlink == 0, "size kept, no links");
	memset(buf, 0, sizeof(buf));
	check(lseek(fd, 0, SEEK_SET) == 0, "rewind");
	n = read(fd, buf, sizeof(buf));
	printf("read through the descriptor: %d \"%.*s\"\n", (int)n, (int)(n > 0 ? n - 1 : 0), buf);
	check(n == 11 && memcmp(buf, "still here\n", 11) == 0, "contents kept");
	check(write(fd, "and more\n", 9) == 9, "write to the unlinked file");
	check(pread(fd, buf, sizeof(buf), 0) == 20 &&
	              memcmp(buf, "still here\nand more\n", 20) == 0,
	      "read back what was written after the unlink");

	/* The name is free: a new file under it is a different, empty one. */
	fd2 = open(D "/f", O_RDWR | O_CREAT | O_EXCL, 0644);
	check(fd2 >= 0, "create a new f");
	check(fstat(fd2, &st) == 0 && st.st_size == 0, "the new f is empty");
	check(write(fd2, "new", 3) == 3, "write the new f");
	check(fstat(fd, &st) == 0, "fstat the old f");
	printf("old f size %ld, new f written 3\n", (long)st.st_size);
	check(st.st_size == 20, "the old f is unaffected");
	check(close(fd) == 0, "close the unlinked file");
	check(close(fd2) == 0, "close the new f");

	check(stat(D "/f", &st) == 0 && st.st_size == 3, "the new f survives");
	check(unlink(D "/f") == 0, "unlink the new f");
	check(rmdir(D) == 0, "rmdir " D);
	printf("%s\n", fails ? "FAILED" : "done");
	return fails != 0;
}
