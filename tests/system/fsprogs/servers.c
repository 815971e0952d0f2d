/*
 * servers: the in-VM servers' devices are not for applications.  Opens
 * /dev/fsd and /dev/netd (or the paths given) and says what it got: a
 * device whose server is running answers EBUSY, one whose component is not
 * placed in the VM does not exist (ENOENT), whatever the device.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char *fallback[] = { "/dev/fsd", "/dev/netd" };
	char **paths = argc > 1 ? argv + 1 : fallback;
	int n = argc > 1 ? argc - 1 : 2, bad = 0;

	for (int i = 0; i < n; i++) {
		int fd = open(paths[i], O_RDWR);

		printf("open %s: %s\n", paths[i], fd >= 0 ? "opened (WRONG)" : strerror(errno));
		if (fd >= 0) {
			bad = 1;
			close(fd);
		}
	}
	return bad;
}
