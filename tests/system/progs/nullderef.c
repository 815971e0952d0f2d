/* nullderef: writes through a NULL pointer; must die with SIGSEGV. */
#include <stdio.h>

int main(void)
{
	/* Both volatile: the compiler can neither see the NULL nor drop the store. */
	volatile int *volatile p = NULL;

	printf("before\n");
	fflush(stdout);
	*p = 1;
	printf("after\n");
	return 0;
}
