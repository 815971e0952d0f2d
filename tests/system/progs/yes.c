/* yes: prints "y" lines forever, like yes(1); with "ignore", SIGPIPE is ignored and EPIPE reported. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "ignore") == 0)
		signal(SIGPIPE, SIG_IGN);
	for (;;)
		if (write(1, "y\n", 2) < 0) {
			fprintf(stderr, "write: %s\n", errno == EPIPE ? "EPIPE" : strerror(errno));
			return 3;
		}
}
