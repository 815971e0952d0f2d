/*
 * Leave behind, in the default /tmp, what is hardest to remove: a chain of
 * directories deeper than PATH_MAX allows to name (grown at its top by
 * renames, so every path the guest uses stays short), the deepest ones
 * unsearchable and unwritable, files without permissions, a FIFO and a
 * symlink out of /tmp.  nanvixd must remove all of it at exit
 * (tests/system/hostile.sh checks the base directory is empty after).
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#define LEVELS 3000

int main(void)
{
	int n, fd;

	if (chdir("/tmp")) {
		printf("no /tmp\n");
		return 1;
	}
	/* The bottom first, then a new top over it, LEVELS times. */
	if (mkdir("dd", 0700) || chdir("dd"))
		return 1;
	fd = open("locked", O_WRONLY | O_CREAT, 0);
	if (fd >= 0)
		close(fd);
	mkfifo("fifo", 0600);
	symlink("/etc/passwd", "out");
	mkdir("closed", 0);
	chdir("/tmp");
	chmod("dd", 0);
	for (n = 1; n < LEVELS; n++)
		if (mkdir("up", 0700) || rename("dd", "up/dd") || rename("up", "dd"))
			break;
	printf("nested %s\n", n == LEVELS ? "3000 levels" : "fewer levels");
	printf("left them behind\n");
	return 0;
}
