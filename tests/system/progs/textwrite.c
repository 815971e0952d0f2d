/* textwrite: writes to its own code; text is not writable, so SIGSEGV. */
#include <stdint.h>
#include <stdio.h>

int main(void)
{
	/* Through a volatile, so the compiler keeps the store; same byte back. */
	volatile uint8_t *volatile p = (volatile uint8_t *)(uintptr_t)&main;

	printf("before\n");
	fflush(stdout);
	*p = *p;
	printf("after\n");
	return 0;
}
