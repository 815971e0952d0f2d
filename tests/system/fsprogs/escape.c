/* Containment: every way out of a volume must read nothing outside it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int leaks;

/* Try to read `path`; a read that shows the host's marker is a leak. */
static void try(const char *what, const char *path)
{
	char buf[256] = { 0 };
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0) {
		printf("%-28s refused (%s)\n", what, strerror(errno));
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0 && strstr(buf, "OUTSIDE-MARKER")) {
		printf("%-28s LEAKED\n", what);
		leaks++;
	} else {
		printf("%-28s contained (%zd bytes, no marker)\n", what, n);
	}
}

int main(void)
{
	char buf[64];

	try("dotdot", "/vol/../outside.txt");
	try("many dotdots", "/vol/../../../../../../outside.txt");
	try("host abs symlink", "/vol/abs_link");
	try("host rel symlink", "/vol/rel_link");
	try("host dir symlink", "/vol/dir_link/outside.txt");
	if (symlink("../../../../outside.txt", "/vol/guest_link") == 0)
		try("guest symlink", "/vol/guest_link");
	if (chdir("/vol") == 0) {
		try("cwd dotdot", "../outside.txt");
		printf("getcwd after chdir(\"/vol/..\"): %s\n",
		       chdir("/vol/../..") == 0 && getcwd(buf, sizeof(buf)) ? buf : "?");
	}
	printf("link out of volume: %s\n",
	       link("/vol/inside.txt", "/other/inside.txt") == 0 ? "made" : strerror(errno));
	printf("rename out of volume: %s\n",
	       rename("/vol/inside.txt", "/other/x") == 0 ? "done" : strerror(errno));
	try("inside file", "/vol/inside.txt");
	printf("write to read-only volume: %s\n",
	       open("/ro/new", O_CREAT | O_WRONLY, 0644) >= 0 ? "allowed" : strerror(errno));
	unlink("/vol/guest_link");
	printf("leaks: %d\n", leaks);
	return leaks ? 1 : 0;
}
