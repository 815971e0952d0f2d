/* Open sockets until the limits: EMFILE for a process (RLIMIT_NOFILE), ENFILE for the VM (1023 host handles); after closing them all, sockets work again. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXS 1100

static int fds[MAXS];

static const char *ename(int e)
{
	return e == EMFILE ? "EMFILE" : e == ENFILE ? "ENFILE" : strerror(e);
}

/* Open sockets (streams, datagrams, some listening) until one fails: how many, and errno. */
static int fill(int *e)
{
	int n = 0;

	while (n < MAXS) {
		int fd = socket(AF_INET, n % 3 == 2 ? SOCK_DGRAM : SOCK_STREAM, 0);

		if (fd < 0) {
			*e = errno;
			return n;
		}
		if (n % 7 == 0)
			listen(fd, 16); /* an ephemeral port and a listening PCB */
		fds[n++] = fd;
	}
	*e = 0;
	return n;
}

static void drop(int n)
{
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

/* A TCP round trip on 127.0.0.1 and a UDP one: "yes" if both work. */
static const char *works(void)
{
	int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0), s = -1;
	int u = socket(AF_INET, SOCK_DGRAM, 0), ok;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	char got[8] = { 0 };

	ok = l >= 0 && c >= 0 && u >= 0 && !bind(l, (void *)&a, sizeof(a)) &&
	     !getsockname(l, (void *)&a, &al) && !listen(l, 1) &&
	     !connect(c, (void *)&a, sizeof(a)) && (s = accept(l, NULL, NULL)) >= 0 &&
	     write(c, "ping", 4) == 4 && read(s, got, 4) == 4 && !memcmp(got, "ping", 4);
	a.sin_port = 0;
	al = sizeof(a);
	ok = ok && !bind(u, (void *)&a, sizeof(a)) && !getsockname(u, (void *)&a, &al) &&
	     sendto(u, "dgram", 5, 0, (void *)&a, sizeof(a)) == 5 && recv(u, got, 8, 0) == 5 &&
	     !memcmp(got, "dgram", 5);
	close(l);
	close(c);
	close(s);
	close(u);
	return ok ? "yes" : "no";
}

int main(void)
{
	int hold[2], ready[2], n, e, total = 0, kids_e[2] = { 0, 0 }, st;
	pid_t kid[2];

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* One process: its descriptor table (RLIMIT_NOFILE) runs out first. */
	n = fill(&e);
	printf("one process: %s after %s sockets\n", ename(e), n >= 500 ? ">= 500" : "too few");
	drop(n);
	printf("one process, after closing them: sockets work: %s\n", works());

	/* Three processes: the VM's 1023 host handles run out. */
	if (pipe(hold) || pipe(ready))
		return 1;
	for (int k = 0; k < 2; k++) {
		kid[k] = fork();
		if (kid[k] == 0) {
			int msg[2];
			char c;

			close(hold[1]);
			close(ready[0]);
			msg[1] = fill(&msg[0]);
			(void)!write(ready[1], msg, sizeof(msg));
			(void)!read(hold[0], &c, 1); /* until the parent lets go */
			_exit(0);                    /* closes them all */
		}
	}
	close(hold[0]);
	close(ready[1]);
	for (int k = 0; k < 2; k++) {
		int msg[2] = { 0, 0 };

		if (read(ready[0], msg, sizeof(msg)) != sizeof(msg))
			return 1;
		kids_e[k] = msg[0];
		total += msg[1];
	}
	printf("children: %s, %s\n", ename(kids_e[0]), ename(kids_e[1]));
	n = fill(&e);
	total += n;
	printf("the VM: %s after %d sockets in all\n", ename(e), total);
	{
		int l = socket(AF_INET, SOCK_STREAM, 0);

		printf("another socket while full: %s\n", l < 0 ? ename(errno) : "ok");
	}
	drop(n);
	close(hold[1]);
	for (int k = 0; k < 2; k++)
		if (waitpid(kid[k], &st, 0) != kid[k] || !WIFEXITED(st) || WEXITSTATUS(st))
			printf("child %d: bad end\n", k);
	printf("after closing them all: sockets work: %s\n", works());
	n = fill(&e);
	printf("and the table refills: %s after %s sockets\n", ename(e),
	       n >= 500 ? ">= 500" : "too few");
	drop(n);
	printf("net_exhaust: exit 0\n");
	return 0;
}
