/*
 * snap_cat: asks for a snapshot (NANVIX_SNAPSHOT_TAKE) before it reads
 * anything, then copies stdin to stdout upper-cased, after a line with the
 * snapshot generation (tests/api: a function whose invocations are
 * restores of that snapshot, each fed its own request body).  Natively, or
 * without --snapshot-out, the request is a no-op and the generation 0.
 */
#include <ctype.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <abi/snapshot.h>

int main(void)
{
	struct nanvix_snapshot_info info = { 0 };
	int fd = open(NANVIX_SNAPSHOT_PATH, O_RDONLY), c;

	if (fd >= 0 && ioctl(fd, NANVIX_SNAPSHOT_TAKE, &info) < 0)
		perror("snapshot");
	printf("generation %llu\n", (unsigned long long)info.generation);
	while ((c = getchar()) != EOF)
		putchar(toupper(c));
	return 0;
}
