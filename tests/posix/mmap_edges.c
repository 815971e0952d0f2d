/* mmap_edges: partial munmap, mprotect of a hole, zero length, MAP_FIXED replacement and
 * placement around it, PROT_NONE. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000 /* Linux's value; not in every libc's headers */
#endif

/* The x86-64 page size; a constant so the newlib build needs no sysconf. */
#define PAGE 4096

static int fails;

static void check(int ok, const char *what)
{
	if (!ok) {
		fails++;
		printf("FAIL: %s\n", what);
	}
}

/* 1 if every byte of (p, n) is (c). */
static int all(const unsigned char *p, size_t n, int c)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != c)
			return 0;
	return 1;
}

static unsigned char *map_anon(void *addr, size_t len, int prot, int flags)
{
	return mmap(addr, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
}

int main(void)
{
	size_t pg = PAGE;
	struct rlimit nocore = { 0, 0 };
	unsigned char *p, *q, *f;
	int r, st = 0, ends, around, i;
	pid_t pid;

	/* Three pages; unmap the middle one; both ends stay mapped and keep their data. */
	p = map_anon(NULL, 3 * pg, PROT_READ | PROT_WRITE, 0);
	check(p != MAP_FAILED, "mmap 3 pages");
	if (p == MAP_FAILED)
		return 1;
	memset(p, 'a', 3 * pg);
	r = munmap(p + pg, pg);
	p[0] = 'b';
	p[3 * pg - 1] = 'c';
	ends = all(p + 1, pg - 1, 'a') && all(p + 2 * pg, pg - 1, 'a') && p[0] == 'b' &&
	       p[3 * pg - 1] == 'c';
	printf("munmap middle page: %d, both ends usable: %s\n", r, ends ? "yes" : "no");
	check(r == 0 && ends, "munmap of the middle leaves both ends");

	errno = 0;
	r = mprotect(p + pg, pg, PROT_READ);
	printf("mprotect of the hole: %d %s\n", r, errno == ENOMEM ? "ENOMEM" : "?");
	check(r == -1 && errno == ENOMEM, "mprotect of an unmapped range gives ENOMEM");

	errno = 0;
	q = map_anon(NULL, 0, PROT_READ | PROT_WRITE, 0);
	printf("mmap length 0: %s %s\n", q == MAP_FAILED ? "MAP_FAILED" : "mapped",
	       errno == EINVAL ? "EINVAL" : "?");
	check(q == MAP_FAILED && errno == EINVAL, "mmap of length 0 gives EINVAL");

	/* A fresh anonymous MAP_FIXED mapping replaces the old pages, data and all. */
	q = map_anon(p, pg, PROT_READ | PROT_WRITE, MAP_FIXED);
	printf("MAP_FIXED over a mapping: same address %s, zero-filled %s\n", q == p ? "yes" : "no",
	       q == p && all(p, pg, 0) ? "yes" : "no");
	check(q == p && all(p, pg, 0), "MAP_FIXED replaces with zeroes");
	check(all(p + 2 * pg, pg - 1, 'a'), "MAP_FIXED leaves the other pages alone");
	munmap(p, 3 * pg);

	/* A page placed with MAP_FIXED below the lowest mapping: later mmaps go around it. */
	p = map_anon(NULL, 4 * pg, PROT_READ | PROT_WRITE, 0);
	check(p != MAP_FAILED, "mmap 4 pages");
	if (p == MAP_FAILED)
		return 1;
	f = map_anon(p - 3 * pg, pg, PROT_READ | PROT_WRITE, MAP_FIXED_NOREPLACE);
	check(f == p - 3 * pg, "MAP_FIXED_NOREPLACE below the lowest mapping");
	if (f != p - 3 * pg)
		return 1;
	memset(f, 'f', pg);
	around = 1;
	for (i = 0; i < 8; i++) {
		q = map_anon(NULL, 2 * pg, PROT_READ | PROT_WRITE, 0);
		if (q == MAP_FAILED || (q < f + pg && f < q + 2 * pg) || !all(q, 2 * pg, 0))
			around = 0;
		else
			memset(q, 'q', 2 * pg);
	}
	printf("mmaps around a MAP_FIXED page: %s, its data kept: %s\n", around ? "yes" : "no",
	       all(f, pg, 'f') ? "yes" : "no");
	check(around && all(f, pg, 'f'), "mmap places new mappings around MAP_FIXED ones");
	errno = 0;
	q = map_anon(f, pg, PROT_READ, MAP_FIXED_NOREPLACE);
	printf("MAP_FIXED_NOREPLACE over a mapping: %s %s\n",
	       q == MAP_FAILED ? "MAP_FAILED" : "mapped", errno == EEXIST ? "EEXIST" : "?");
	check(q == MAP_FAILED && errno == EEXIST,
	      "MAP_FIXED_NOREPLACE over a mapping gives EEXIST");

	/* PROT_NONE and back: the page keeps its data. */
	r = mprotect(f, pg, PROT_NONE);
	r |= mprotect(f, pg, PROT_READ);
	printf("PROT_NONE and back: %d, data kept: %s\n", r, all(f, pg, 'f') ? "yes" : "no");
	check(r == 0 && all(f, pg, 'f'), "PROT_NONE and back keeps the data");

	/* Touching a PROT_NONE page is fatal: SIGSEGV, seen by the parent. */
	p = map_anon(NULL, pg, PROT_NONE, 0);
	check(p != MAP_FAILED, "mmap PROT_NONE");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		/* A fault's SIGSEGV kills even if ignored or blocked: no sigaction needed. */
		setrlimit(RLIMIT_CORE, &nocore); /* no core file in the working directory */
		r = *(volatile unsigned char *)p;
		_exit(r == 0 ? 3 : 4); /* not reached */
	}
	if (pid < 0) {
		printf("FAIL: fork\n");
		return 1;
	}
	check(wait(&st) == pid, "wait");
	printf("PROT_NONE read: WIFSIGNALED %d WTERMSIG %d\n", WIFSIGNALED(st), WTERMSIG(st));
	check(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
	      "PROT_NONE access killed by SIGSEGV (11)");
	munmap(p, pg);
	return fails;
}
