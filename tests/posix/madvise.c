/* madvise: MADV_DONTNEED zeroes private anonymous pages; hints succeed; errors as Linux's. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int failures;

static void check(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "ok" : "FAIL");
	failures += !ok;
}

int main(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int zero = 1, kept = 1;

	if (p == MAP_FAILED)
		return 2;
	memset(p, 'x', 3 * pg);
	check("DONTNEED on the middle page", madvise(p + pg, pg, MADV_DONTNEED) == 0);
	for (long i = 0; i < pg; i++) {
		zero &= p[pg + i] == 0;
		kept &= p[i] == 'x' && p[2 * pg + i] == 'x';
	}
	check("... it reads zero", zero);
	check("... its neighbours kept their bytes", kept);
	p[pg] = 'y';
	check("... and it is writable again", p[pg] == 'y');
	check("NORMAL", madvise(p, 3 * pg, MADV_NORMAL) == 0);
	check("WILLNEED", madvise(p, 3 * pg, MADV_WILLNEED) == 0);
	check("SEQUENTIAL", madvise(p, 3 * pg, MADV_SEQUENTIAL) == 0);
	check("length 0", madvise(p, 0, MADV_DONTNEED) == 0);
	check("unaligned start EINVAL", madvise(p + 1, pg, MADV_NORMAL) == -1 && errno == EINVAL);
	check("unknown advice EINVAL", madvise(p, pg, 999) == -1 && errno == EINVAL);
	munmap(p + 2 * pg, pg);
	check("a hole in the range ENOMEM",
	      madvise(p, 3 * pg, MADV_NORMAL) == -1 && errno == ENOMEM);
	munmap(p, 2 * pg);
	return failures ? 1 : 0;
}
