/* clock: the monotonic clock does not go back; the real-time clock is sane. */
#include <stdio.h>
#include <time.h>

/* 2024-01-01T00:00:00Z */
#define Y2024 1704067200

int main(void)
{
	struct timespec a, b, r;

	if (clock_gettime(CLOCK_MONOTONIC, &a) != 0 || clock_gettime(CLOCK_MONOTONIC, &b) != 0)
		printf("monotonic: clock_gettime failed\n");
	else if (b.tv_sec < a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec < a.tv_nsec) ||
	         a.tv_nsec < 0 || a.tv_nsec >= 1000000000)
		printf("monotonic: BAD\n");
	else
		printf("monotonic ok\n");

	if (clock_gettime(CLOCK_REALTIME, &r) != 0)
		printf("realtime: clock_gettime failed\n");
	else if (r.tv_sec < Y2024 || r.tv_nsec < 0 || r.tv_nsec >= 1000000000)
		printf("realtime: BAD\n");
	else
		printf("realtime ok\n");
	return 0;
}
