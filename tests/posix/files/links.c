/* links: hard links share one file (st_nlink counts them); symbolic links, readlink, lstat against stat. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define D "links"

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

/* st_nlink of (path), or -1. */
static int nlink(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : (int)st.st_nlink;
}

/* A letter for the file type in (mode). */
static char kind(mode_t mode)
{
	return S_ISREG(mode) ? 'f' : S_ISDIR(mode) ? 'd' : S_ISLNK(mode) ? 'l' : '?';
}

int main(void)
{
	char buf[300], target[201];
	struct stat st, lst, st2;
	ssize_t n;
	int fd;

	if (mkdir(D, 0755) < 0) {
		printf("FAIL: mkdir %s: %s\n", D, strerror(errno));
		return 1;
	}

	/* Hard links. */
	fd = open(D "/f", O_WRONLY | O_CREAT | O_EXCL, 0644);
	check(fd >= 0 && write(fd, "data", 4) == 4 && close(fd) == 0, "create f");
	check(mkdir(D "/sub", 0755) == 0, "mkdir sub");
	printf("nlink f: %d\n", nlink(D "/f"));
	check(link(D "/f", D "/g") == 0, "link f g");
	check(link(D "/f", D "/sub/h") == 0, "link f sub/h");
	printf("after two links: f %d, g %d, sub/h %d\n", nlink(D "/f"), nlink(D "/g"),
	       nlink(D "/sub/h"));
	check(nlink(D "/f") == 3 && nlink(D "/g") == 3 && nlink(D "/sub/h") == 3, "nlink 3");
	check(stat(D "/f", &st) == 0 && stat(D "/sub/h", &st2) == 0, "stat f, sub/h");
	printf("same inode: %s\n",
	       st.st_ino == st2.st_ino && st.st_dev == st2.st_dev ? "yes" : "no");
	check(st.st_ino == st2.st_ino, "one inode");
	check(unlink(D "/f") == 0, "unlink f");
	printf("after unlinking f: g %d, sub/h %d\n", nlink(D "/g"), nlink(D "/sub/h"));
	fd = open(D "/g", O_WRONLY | O_APPEND);
	check(fd >= 0 && write(fd, "+more", 5) == 5 && close(fd) == 0, "append through g");
	fd = open(D "/sub/h", O_RDONLY);
	memset(buf, 0, sizeof(buf));
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));
	printf("sub/h reads \"%s\"\n", n < 0 ? "(unreadable)" : buf);
	check(n == 9 && strcmp(buf, "data+more") == 0,
	      "a write through one link shows in the other");
	if (fd >= 0)
		close(fd);

	/* Symbolic links: lstat describes the link, stat its target. */
	check(symlink("g", D "/sl") == 0, "symlink sl -> g");
	check(lstat(D "/sl", &lst) == 0 && stat(D "/sl", &st) == 0, "lstat, stat sl");
	printf("lstat sl: %c size %ld; stat sl: %c size %ld\n", kind(lst.st_mode),
	       (long)lst.st_size, kind(st.st_mode), (long)st.st_size);
	check(S_ISLNK(lst.st_mode) && lst.st_size == 1 && S_ISREG(st.st_mode) && st.st_size == 9,
	      "lstat against stat");
	printf("nlink g (a symlink is no link): %d\n", nlink(D "/g"));
	memset(buf, 0, sizeof(buf));
	n = readlink(D "/sl", buf, sizeof(buf));
	printf("readlink sl: %d \"%s\"\n", (int)n, buf);
	check(n == 1 && buf[0] == 'g', "readlink");
	fd = open(D "/sl", O_RDONLY);
	memset(buf, 0, sizeof(buf));
	check(fd >= 0 && read(fd, buf, sizeof(buf)) == 9 && strcmp(buf, "data+more") == 0,
	      "open follows the link");
	if (fd >= 0)
		close(fd);
	EXPECT_ERR(open(D "/sl", O_RDONLY | O_NOFOLLOW), ELOOP, "O_NOFOLLOW on a symlink");

	/* A 200-byte target does not fit in the inode; readlink truncates silently. */
	memset(target, 't', 200);
	target[200] = '\0';
	check(symlink(target, D "/long") == 0, "symlink with a 200-byte target");
	check(lstat(D "/long", &lst) == 0, "lstat long");
	memset(buf, 0, sizeof(buf));
	n = readlink(D "/long", buf, sizeof(buf));
	printf("long: lstat size %ld, readlink %d, same: %s\n", (long)lst.st_size, (int)n,
	       n == 200 && memcmp(buf, target, 200) == 0 ? "yes" : "no");
	check(lst.st_size == 200 && n == 200 && memcmp(buf, target, 200) == 0, "long target");
	n = readlink(D "/long", buf, 5);
	printf("readlink into 5 bytes: %d\n", (int)n);
	check(n == 5, "readlink truncates");

	/* Dangling links, links to directories, loops. */
	check(symlink("nowhere", D "/dangling") == 0, "symlink dangling");
	EXPECT_ERR(stat(D "/dangling", &st), ENOENT, "stat a dangling symlink");
	check(lstat(D "/dangling", &lst) == 0 && S_ISLNK(lst.st_mode), "lstat a dangling symlink");
	check(symlink("sub", D "/subl") == 0, "symlink subl -> sub");
	check(stat(D "/subl/h", &st) == 0 && st.st_size == 9, "a path through a directory link");
	printf("subl/h: size %ld\n", (long)st.st_size);
	check(symlink("loop2", D "/loop1") == 0 && symlink("loop1", D "/loop2") == 0, "a loop");
	EXPECT_ERR(stat(D "/loop1", &st), ELOOP, "stat a symlink loop");

	/* Removing a link leaves its target. */
	check(unlink(D "/sl") == 0, "unlink sl");
	check(stat(D "/g", &st) == 0 && st.st_size == 9, "g survives its symlink");
	printf("g after unlinking sl: size %ld\n", (long)st.st_size);

	check(unlink(D "/g") == 0 && unlink(D "/sub/h") == 0 && unlink(D "/long") == 0 &&
	              unlink(D "/dangling") == 0 && unlink(D "/subl") == 0 &&
	              unlink(D "/loop1") == 0 && unlink(D "/loop2") == 0,
	      "unlink the rest");
	check(rmdir(D "/sub") == 0 && rmdir(D) == 0, "rmdir");
	printf("%s\n", fails ? "FAILED" : "done");
	return fails != 0;
}
