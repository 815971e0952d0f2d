/* ioctl_tty: TIOCGWINSZ on stdout; run with stdout a pipe, it gives ENOTTY. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

int main(void)
{
	struct winsize ws;

	if (ioctl(1, TIOCGWINSZ, &ws) == 0)
		printf("TIOCGWINSZ: tty\n");
	else if (errno == ENOTTY)
		printf("TIOCGWINSZ: ENOTTY\n");
	else
		printf("TIOCGWINSZ: failed: %s\n", strerror(errno));
	return 0;
}
