/* Connections that nobody reads: every window and send buffer filled (some never accepted), until the VM's send budget stops it, then exit without closing; the VM must end promptly. */
/* With "HOST PORT": also connections to a peer outside that never reads, closed with data still unsent. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NACC  40 /* accepted connections */
#define NPEND 8  /* left in the accept queue */
#define NOUT  8  /* to the outside peer */

static char chunk[65536];

/*
 * Write until the socket takes no more: 1 if it filled up (EAGAIN after
 * taking data; with `budget`, EAGAIN at once counts too: the VM's send
 * budget is spent), 0 on another error.
 */
static int fill_up(int fd, int budget)
{
	long n, total = 0;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		n = send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL);
		if (n > 0) {
			total += n;
			continue;
		}
		return n < 0 && errno == EAGAIN && (total > 0 || budget);
	}
}

static int fill(int fd)
{
	return fill_up(fd, 0);
}

int main(int argc, char **argv)
{
	int l = socket(AF_INET, SOCK_STREAM, 0), c[NACC + NPEND], s[NACC], filled = 0, i;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);

	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(chunk, 'x', sizeof(chunk));
	if (bind(l, (void *)&a, sizeof(a)) || getsockname(l, (void *)&a, &al) ||
	    listen(l, NACC + NPEND)) {
		perror("listener");
		return 1;
	}
	for (i = 0; i < NACC + NPEND; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (c[i] < 0 || connect(c[i], (void *)&a, sizeof(a))) {
			perror("connect");
			return 1;
		}
	}
	for (i = 0; i < NACC; i++)
		if ((s[i] = accept(l, NULL, NULL)) < 0) {
			perror("accept");
			return 1;
		}
	printf("connections: %d accepted, %d queued\n", NACC, NPEND);
	for (i = 0; i < NACC + NPEND; i++)
		filled += fill(c[i]);
	printf("clients filled their windows: %d\n", filled);
	filled = 0;
	for (i = 0; i < NACC; i++)
		filled += fill_up(s[i], 1);
	/* 48 x 1 MiB of the clients' send buffers and 16 MiB of these reach the
	 * VM's send budget (64 MiB): the rest take nothing, but stop as full. */
	printf("the server filled its side (or the VM's send budget): %d\n", filled);
	if (argc == 3) {
		struct sockaddr_in o = { .sin_family = AF_INET,
			                 .sin_port = htons((uint16_t)atoi(argv[2])) };

		o.sin_addr.s_addr = inet_addr(argv[1]);
		filled = 0;
		for (i = 0; i < NOUT; i++) {
			int fd = socket(AF_INET, SOCK_STREAM, 0);

			if (fd < 0 || connect(fd, (void *)&o, sizeof(o))) {
				perror("connect outside");
				return 1;
			}
			filled += fill(fd);
			close(fd); /* data still unsent: lwIP keeps trying after the close */
		}
		printf("outside connections filled and closed: %d\n", filled);
	}
	printf("net_neverread: exit 0 without closing\n");
	return 0;
}
