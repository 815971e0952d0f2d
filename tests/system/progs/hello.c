/* hello: the smallest guest test program; prints one fixed line. */
#include <stdio.h>

int main(void)
{
	printf("hello, world\n");
	return 0;
}
