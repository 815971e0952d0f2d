/* Durability: write, fsync, report, then wait to be killed. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	char line[64];
	int fd = open("/durable.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);

	if (fd < 0) {
		perror("open");
		return 1;
	}
	for (int i = 0; i < 1000; i++) {
		int n = snprintf(line, sizeof(line), "line %04d of the durable file\n", i);

		if (write(fd, line, (size_t)n) != n) {
			perror("write");
			return 1;
		}
	}
	if (fsync(fd) != 0 || mkdir("/durable.dir", 0755) != 0) {
		perror("fsync/mkdir");
		return 1;
	}
	fsync(fd);
	printf("synced\n");
	fflush(stdout);
	for (;;)
		pause();
}
