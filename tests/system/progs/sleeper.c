/* sleeper: prints, then sleeps for argv[1] seconds (default 30) and says so. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct timespec ts = { argc > 1 ? atoi(argv[1]) : 30, 0 };

	printf("sleeping\n");
	fflush(stdout);
	nanosleep(&ts, NULL);
	printf("woke\n");
	return 0;
}
