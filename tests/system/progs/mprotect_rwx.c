/* mprotect_rwx: asks for writable+executable memory, which W^X refuses (EACCES). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static void report(const char *what, int failed, int err)
{
	if (!failed)
		printf("%s: allowed\n", what);
	else if (err == EACCES)
		printf("%s: EACCES\n", what);
	else
		printf("%s: failed: %s\n", what, strerror(err));
}

int main(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int r;

	if (p == MAP_FAILED) {
		printf("mmap rw: failed: %s\n", strerror(errno));
		return 1;
	}
	r = mprotect(p, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
	report("mprotect rwx", r != 0, errno);

	p = mmap(NULL, 4096, PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	report("mmap wx", p == MAP_FAILED, errno);
	return 0;
}
