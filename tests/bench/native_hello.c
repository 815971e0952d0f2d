/* Native hello: the host-process baseline for the boot benchmark. */

#include <stdio.h>

int main(void)
{
	printf("Hello, world!\n");
	return 0;
}
