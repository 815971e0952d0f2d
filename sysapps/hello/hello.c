/* hello: the smallest newlib+ulib guest program. */
#include <stdio.h>

int main(void)
{
	printf("Hello, world!\n");
	return 0;
}
