/* munmap, mprotect and mmap over huge ranges cost what is mapped, not what is named. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define SPAN_LO ((void *)0x100000000000ull) /* 16 TiB: far from the image, heap and stack */
#define SPAN    ((size_t)32 << 40)
#define INSIDE  ((void *)0x200000000000ull)

int main(void)
{
	char *p;
	int rc;

	setvbuf(stdout, NULL, _IONBF, 0);
	/* One real mapping inside a 32 TiB span of nothing. */
	p = mmap(INSIDE, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
	         -1, 0);
	if (p == MAP_FAILED)
		return 1;
	memset(p, 1, 1 << 20);
	errno = 0;
	rc = mprotect(SPAN_LO, SPAN, PROT_READ);
	printf("mprotect 32 TiB with holes: %d %s\n", rc, errno == ENOMEM ? "ENOMEM" : "?");
	printf("munmap 32 TiB: %d\n", munmap(SPAN_LO, SPAN));
	p = mmap(INSIDE, 1 << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
	         0);
	printf("the mapping inside is gone: %s\n", p == INSIDE ? "yes" : "no");
	printf("munmap 8 GiB sparse: %d\n", munmap((void *)0x100000000ull, (size_t)8 << 30));
	errno = 0;
	p = mmap(SPAN_LO, (size_t)1 << 40, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
	         0);
	printf("mmap 1 TiB fixed: %s\n",
	       p == MAP_FAILED ? (errno == ENOMEM ? "ENOMEM" : "error") : "mapped");
	errno = 0;
	p = mmap(NULL, (size_t)1 << 40, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("mmap 1 TiB: %s\n",
	       p == MAP_FAILED ? (errno == ENOMEM ? "ENOMEM" : "error") : "mapped");
	return 0;
}
