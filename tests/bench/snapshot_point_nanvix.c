/*
 * echo_http's snapshot point in a Nanvix VM (abi/snapshot.h): ask for a
 * snapshot once listening.  Under nanvixd --snapshot-out the VM is saved
 * here; every restored copy returns from here.  Natively (no device) and
 * without --snapshot-out it returns at once.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <abi/snapshot.h>

#include "snapshot_point.h"

void snapshot_point(void)
{
	struct nanvix_snapshot_info info;
	int fd = open(NANVIX_SNAPSHOT_PATH, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	ioctl(fd, NANVIX_SNAPSHOT_TAKE, &info);
	close(fd);
}
