/*
 * ticker: counts to argv[1] (default 40), a line every argv[2] ms (default
 * 100), each with the snapshot generation (tests/system/snapshot.sh and
 * tests/api: a VM the host snapshots while it runs).  The count lives in
 * the program's memory only, so a copy restored from a snapshot taken at
 * tick K goes on from K + 1 with a higher generation.  Natively (no
 * /dev/nanvix-snapshot) the generation is 0 throughout.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <abi/snapshot.h>

static unsigned long long generation(int fd)
{
	struct nanvix_snapshot_info info = { 0 };

	if (fd < 0 || ioctl(fd, NANVIX_SNAPSHOT_INFO, &info) < 0)
		return 0;
	return (unsigned long long)info.generation;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 40, ms = argc > 2 ? atoi(argv[2]) : 100;
	int fd = open(NANVIX_SNAPSHOT_PATH, O_RDONLY);
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	for (int i = 1; i <= n; i++) {
		printf("tick %d generation %llu\n", i, generation(fd));
		fflush(stdout);
		nanosleep(&ts, NULL);
	}
	printf("done\n");
	return 0;
}
