/*
 * Fill a size-limited directory and report what happens, step by step, so
 * that a VM's /tmp under `nanvixd --tmp-size 1M` can be compared with a
 * tmpfs mounted natively with size=1M,nr_inodes=256 (tests/system/limits.sh):
 * both must print the same lines.  Usage: tmpfill DIR [df] (an empty
 * directory; with "df", only its size and what is free).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

static char buf[100000];

static const char *ename(int e)
{
	switch (e) {
	case 0: return "ok";
	case ENOSPC: return "ENOSPC";
	case EDQUOT: return "EDQUOT";
	case EEXIST: return "EEXIST";
	case ENOENT: return "ENOENT";
	case EFBIG: return "EFBIG";
	case EINVAL: return "EINVAL";
	default: return strerror(e);
	}
}

/* The directory's size and what is free, as df shows them. */
static void df(const char *when)
{
	struct statfs f;

	if (statfs(".", &f)) {
		printf("%s: statfs: %s\n", when, ename(errno));
		return;
	}
	printf("%s: %llu bytes, %llu free; %llu names, %llu free\n", when,
	       (unsigned long long)f.f_blocks * (unsigned long long)f.f_bsize,
	       (unsigned long long)f.f_bfree * (unsigned long long)f.f_bsize,
	       (unsigned long long)f.f_files, (unsigned long long)f.f_ffree);
}

/* Write 100000-byte pieces until one fails; print what got in. */
static long long fill(int fd, const char *what)
{
	long long total = 0, shortw = -1;
	ssize_t w;
	int i;

	for (i = 0; i < 10000; i++) {
		w = write(fd, buf, sizeof(buf));
		if (w < 0)
			break;
		total += w;
		if (w < (ssize_t)sizeof(buf))
			shortw = w;
	}
	printf("%s: wrote %lld bytes", what, total);
	if (shortw >= 0)
		printf(" (the last write short: %lld)", shortw);
	printf(", then %s\n", i == 10000 ? "no error" : ename(errno));
	return total;
}

static int make(const char *name)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0600);

	if (fd >= 0)
		close(fd);
	return fd < 0 ? errno : 0;
}

int main(int argc, char **argv)
{
	struct stat st;
	char name[64];
	int fd, fd2, n, e;

	if (argc < 2 || argc > 3 || chdir(argv[1])) {
		fprintf(stderr, "usage: tmpfill DIR [df] (an empty directory)\n");
		return 2;
	}
	memset(buf, 'x', sizeof(buf));
	df("empty");
	if (argc == 3)
		return 0; /* its size only */

	/* Data: pieces until ENOSPC, the last one cut short at the limit. */
	fd = open("big", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		printf("open big: %s\n", ename(errno));
		return 1;
	}
	fill(fd, "fill");
	df("full");
	printf("rewrite in place: %s\n", pwrite(fd, buf, 4096, 8192) == 4096 ? "ok" : ename(errno));
	e = make("small");
	printf("a new empty file: %s\n", ename(e));
	fd2 = open("small", O_WRONLY);
	printf("writing to it: %s\n", write(fd2, "y", 1) == 1 ? "ok" : ename(errno));
	close(fd2);

	/* An unlinked file keeps its space while it is open. */
	unlink("big");
	fd2 = open("small", O_WRONLY);
	printf("big unlinked, still open; writing: %s\n",
	       write(fd2, "y", 1) == 1 ? "ok" : ename(errno));
	df("unlinked, open");
	close(fd);
	df("closed");
	fill(fd2, "refill");
	close(fd2);

	/* Truncation: shrinking frees, growing makes a hole (free). */
	fd = open("small", O_RDWR);
	printf("truncate to 100000: %s\n", ename(ftruncate(fd, 100000) ? errno : 0));
	df("truncated");
	printf("truncate to 100 MB: %s\n", ename(ftruncate(fd, 100 << 20) ? errno : 0));
	fstat(fd, &st);
	printf("size %lld\n", (long long)st.st_size);
	df("sparse");
	if (lseek(fd, 50 << 20, SEEK_SET) < 0)
		printf("lseek: %s\n", ename(errno));
	fill(fd, "into the hole");
	close(fd);
	fd = open("small", O_WRONLY | O_TRUNC);
	printf("O_TRUNC: %s\n", ename(fd < 0 ? errno : 0));
	close(fd);
	unlink("small");
	df("emptied");

	/* Names: one per entry (hard links too), the root's included. */
	for (n = 0; n < 10000; n++) {
		snprintf(name, sizeof(name), "f%d", n);
		if ((e = make(name)))
			break;
	}
	printf("files: made %d, then %s\n", n, ename(e));
	df("names full");
	printf("mkdir: %s\n", ename(mkdir("d", 0700) ? errno : 0));
	printf("symlink: %s\n", ename(symlink("f0", "s") ? errno : 0));
	printf("link: %s\n", ename(link("f0", "l") ? errno : 0));
	printf("rename over f1: %s\n", ename(rename("f0", "f1") ? errno : 0));
	printf("mkdir: %s\n", ename(mkdir("d", 0700) ? errno : 0));
	printf("rmdir: %s\n", ename(rmdir("d") ? errno : 0));
	printf("link: %s\n", ename(link("f1", "l") ? errno : 0));
	printf("rename f1 over its own link: %s\n", ename(rename("f1", "l") ? errno : 0));
	printf("a file: %s\n", ename(make("g")));
	/* An unlinked file still open keeps its slot. */
	fd = open("f2", O_RDONLY);
	unlink("f2");
	printf("f2 unlinked, still open; a file: %s\n", ename(make("g")));
	close(fd);
	printf("closed; a file: %s\n", ename(make("g")));
	unlink("g");
	unlink("l");
	unlink("f1");
	for (int i = 3; i < n; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		unlink(name);
	}
	printf("long symlink: %s\n",
	       ename(symlink("a-target-longer-than-a-short-symlink-so-it-needs-a-block-of-its-"
	                     "own-"
	                     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	                     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	                     "ls")
	                     ? errno
	                     : 0));
	unlink("ls");
	df("at the end");
	return 0;
}
