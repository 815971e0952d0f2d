/* loop: spins forever, for timeouts and kill tests. */
#include <stdio.h>

int main(void)
{
	volatile unsigned long n = 0;

	printf("spinning\n");
	fflush(stdout);
	for (;;)
		n++;
}
