/* mmap_basic: anonymous mmap, access, munmap and mprotect round trips. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define LEN (64 * 1024)

static int fail(const char *what)
{
	printf("%s: failed: %s\n", what, strerror(errno));
	return 1;
}

int main(void)
{
	uint8_t *p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t bad = 0;

	if (p == MAP_FAILED)
		return fail("mmap");
	for (size_t i = 0; i < LEN; i++)
		if (p[i] != 0)
			bad++;
	printf("zeroed %s\n", bad ? "BAD" : "ok");

	for (size_t i = 0; i < LEN; i++)
		p[i] = (uint8_t)(i * 7 + 3);
	for (size_t i = 0; i < LEN; i++)
		if (p[i] != (uint8_t)(i * 7 + 3))
			bad++;
	printf("pattern %s\n", bad ? "BAD" : "ok");

	if (mprotect(p, 4096, PROT_READ) != 0)
		return fail("mprotect r");
	printf("read-only read %s\n", p[1] == 10 ? "ok" : "BAD");
	if (mprotect(p, 4096, PROT_READ | PROT_WRITE) != 0)
		return fail("mprotect rw");
	p[1] = 42;
	printf("rewritable %s\n", p[1] == 42 ? "ok" : "BAD");

	if (munmap(p, LEN) != 0)
		return fail("munmap");
	printf("munmap ok\n");
	return 0;
}
