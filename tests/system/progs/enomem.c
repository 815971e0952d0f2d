/* enomem: asks for far more memory than a small VM has; must fail cleanly. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE (256UL << 20)

int main(void)
{
	void *p = malloc(HUGE);

	printf("malloc: %s\n", p ? "ok" : "NULL");
	free(p);

	p = mmap(NULL, HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		printf("mmap: %s\n", errno == ENOMEM ? "ENOMEM" : "failed");
	else
		printf("mmap: ok\n");

	p = sbrk((intptr_t)HUGE);
	if (p == (void *)-1)
		printf("sbrk: %s\n", errno == ENOMEM ? "ENOMEM" : "failed");
	else
		printf("sbrk: ok\n");

	printf("still alive\n");
	return 0;
}
