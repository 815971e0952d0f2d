/* readdir: list a directory (order-independent: sorted), d_type, rewinddir, a listing larger than one buffer. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define D "readdir"

/* Enough long names that the listing spans several getdents64 calls and directory blocks. */
#define NMANY 200
#define MANY  D "/many/entry-with-a-longish-name-%03d"

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

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Read the directory (path) into (names) (at most max, each "name type",
 * the type a letter from d_type or, when that is DT_UNKNOWN, from lstat),
 * sorted; return the count.
 */
static int list(const char *path, char **names, int max)
{
	char full[512], *s;
	struct dirent *de;
	struct stat st;
	int n = 0, type;
	DIR *dir;

	dir = opendir(path);
	check(dir != NULL, "opendir");
	if (dir == NULL)
		return 0;
	errno = 0;
	while ((de = readdir(dir)) != NULL && n < max) {
		type = de->d_type;
		if (type == DT_UNKNOWN) {
			snprintf(full, sizeof(full), "%s/%s", path, de->d_name);
			type = lstat(full, &st) < 0  ? DT_UNKNOWN
			       : S_ISDIR(st.st_mode) ? DT_DIR
			       : S_ISLNK(st.st_mode) ? DT_LNK
			       : S_ISREG(st.st_mode) ? DT_REG
			                             : DT_UNKNOWN;
		}
		s = malloc(strlen(de->d_name) + 3);
		check(s != NULL, "malloc");
		if (s == NULL)
			break;
		sprintf(s, "%s %c", de->d_name,
		        type == DT_DIR   ? 'd'
		        : type == DT_LNK ? 'l'
		        : type == DT_REG ? 'f'
		                         : '?');
		names[n++] = s;
		errno = 0;
	}
	check(errno == 0, "readdir ends without an error");
	check(closedir(dir) == 0, "closedir");
	qsort(names, (size_t)n, sizeof(names[0]), by_name);
	return n;
}

static void release(char **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
}

int main(void)
{
	static char *names[NMANY + 8];
	char path[512], want[512];
	int n, i, fd, ok, again;
	DIR *dir;

	if (mkdir(D, 0755) < 0) {
		printf("FAIL: mkdir %s: %s\n", D, strerror(errno));
		return 1;
	}

	/* A small directory of each kind of entry. */
	fd = open(D "/b.txt", O_WRONLY | O_CREAT, 0644);
	check(fd >= 0 && close(fd) == 0, "create b.txt");
	fd = open(D "/a.txt", O_WRONLY | O_CREAT, 0644);
	check(fd >= 0 && close(fd) == 0, "create a.txt");
	check(mkdir(D "/sub", 0755) == 0, "mkdir sub");
	check(symlink("a.txt", D "/link") == 0, "symlink link");
	n = list(D, names, NMANY);
	printf("%s: %d entries\n", D, n);
	for (i = 0; i < n; i++)
		printf("  %s\n", names[i]);
	check(n == 6, "., .., a.txt, b.txt, link, sub");
	release(names, n);

	n = list(D "/sub", names, NMANY);
	printf("empty directory: %d entries (%s, %s)\n", n, n > 0 ? names[0] : "",
	       n > 1 ? names[1] : "");
	check(n == 2 && strcmp(names[0], ". d") == 0 && strcmp(names[1], ".. d") == 0,
	      "an empty directory lists . and ..");
	release(names, n);

	/* A large directory: every name exactly once. */
	check(mkdir(D "/many", 0755) == 0, "mkdir many");
	for (i = 0; i < NMANY; i++) {
		snprintf(path, sizeof(path), MANY, i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		check(fd >= 0 && close(fd) == 0, "create an entry");
	}
	n = list(D "/many", names, NMANY + 8);
	ok = n == NMANY + 2 && strcmp(names[0], ". d") == 0 && strcmp(names[1], ".. d") == 0;
	for (i = 0; ok && i < NMANY; i++) {
		snprintf(want, sizeof(want), MANY " f", i);
		ok = strcmp(names[i + 2], want + strlen(D "/many/")) == 0;
	}
	printf("%d files: %d entries, each name once: %s\n", NMANY, n, ok ? "yes" : "no");
	check(ok, "the large listing");
	release(names, n);

	/* rewinddir starts the listing over. */
	dir = opendir(D "/many");
	check(dir != NULL, "opendir many");
	for (n = 0; dir != NULL && readdir(dir) != NULL; n++)
		;
	if (dir != NULL)
		rewinddir(dir);
	for (again = 0; dir != NULL && readdir(dir) != NULL; again++)
		;
	printf("read %d, after rewinddir %d\n", n, again);
	check(n == NMANY + 2 && again == n, "rewinddir");
	if (dir != NULL)
		closedir(dir);

	errno = 0;
	EXPECT_ERR(opendir(D "/a.txt") == NULL ? -1 : 0, ENOTDIR, "opendir a file");
	EXPECT_ERR(opendir(D "/none") == NULL ? -1 : 0, ENOENT, "opendir a missing directory");

	for (i = 0; i < NMANY; i++) {
		snprintf(path, sizeof(path), MANY, i);
		check(unlink(path) == 0, "unlink an entry");
	}
	check(rmdir(D "/many") == 0 && rmdir(D "/sub") == 0, "rmdir many, sub");
	check(unlink(D "/a.txt") == 0 && unlink(D "/b.txt") == 0 && unlink(D "/link") == 0,
	      "unlink the small files");
	check(rmdir(D) == 0, "rmdir " D);
	printf("%s\n", fails ? "FAILED" : "done");
	return fails != 0;
}
