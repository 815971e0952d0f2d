/* mprotect_rwx: asks for writable+executable memory, which W^X refuses (EACCES). */
/*
 * mprotect_rwx [TIMES [sleep]]: ask TIMES times (default 1) for each of
 * mprotect to RWX and an mmap WX, reporting the first answers; then, with
 * "sleep", wait until killed (nanvixd --timeout reads the kernel's
 * counters from guest memory then).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void report(const char *what, int failed, int err)
{
	if (!failed)
		printf("%s: allowed\n", what);
	else if (err == EACCES)
		printf("%s: EACCES\n", what);
	else
		printf("%s: failed: %s\n", what, strerror(err));
}

int main(int argc, char **argv)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int times = argc > 1 ? atoi(argv[1]) : 1, r, err;
	void *q;

	if (p == MAP_FAILED) {
		printf("mmap rw: failed: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 0; i < times; i++) {
		r = mprotect(p, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
		err = errno;
		if (i == 0)
			report("mprotect rwx", r != 0, err);
		q = mmap(NULL, 4096, PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		err = errno;
		if (i == 0)
			report("mmap wx", q == MAP_FAILED, err);
	}
	if (argc > 2 && !strcmp(argv[2], "sleep")) {
		printf("sleeping\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	return 0;
}
