/*
 * The main thread's stack grows as Linux's does under its 8 MiB
 * RLIMIT_STACK: a recursion 6 MiB deep works, without the VM mapping that
 * much up front (nanvixd maps 256 KiB).
 */
#include <stdio.h>
#include <string.h>

/* About 1 KiB of stack a level; the sum keeps the frames real. */
static long depth(int n)
{
	volatile char frame[1000];

	memset((char *)frame, n & 0x7f, sizeof(frame));
	if (n == 0)
		return frame[0];
	return depth(n - 1) + frame[n % sizeof(frame)];
}

int main(void)
{
	printf("1 MiB deep: %ld\n", depth(1000));
	printf("6 MiB deep: %ld\n", depth(6000));
	printf("again, the stack already grown: %ld\n", depth(6000));
	return 0;
}
