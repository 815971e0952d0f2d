/*
 * An HTTP server snapshotted in accept (tests/system/snapshot.sh): it
 * listens on port 8080 (or argv[1]), asks for a snapshot, then answers
 * each request with the VM's current generation and a request count, one connection at
 * a time, until a request for /quit; GET /cat/PATH answers with the first
 * bytes of the file /PATH instead (a disk's file system after a restore).
 * Restored, it must answer its first
 * request with the listening socket it made before the snapshot.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <abi/snapshot.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		                 .sin_port = htons(argc > 1 ? atoi(argv[1]) : 8080) };
	struct nanvix_snapshot_info info = { 0 };
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1, fd, served = 0;

	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 16) < 0) {
		perror("listen");
		return 1;
	}
	fd = open(NANVIX_SNAPSHOT_PATH, O_RDONLY);
	if (fd >= 0 && ioctl(fd, NANVIX_SNAPSHOT_TAKE, &info) < 0) {
		perror("snapshot");
		return 1;
	}
	printf("ready generation %llu\n", (unsigned long long)info.generation);
	fflush(stdout);
	for (;;) {
		char req[2048], body[256], head[256];
		size_t got = 0;
		int c = accept(s, NULL, NULL), quit, n, h;

		if (c < 0)
			continue;
		req[0] = '\0';
		while (got < sizeof(req) - 1 && !strstr(req, "\r\n\r\n")) {
			ssize_t r = read(c, req + got, sizeof(req) - 1 - got);

			if (r <= 0)
				break;
			got += (size_t)r;
			req[got] = '\0';
		}
		req[got] = '\0';
		quit = strncmp(req, "GET /quit", 9) == 0;
		/* Now, not at the snapshot call: a snapshot the host took while
		 * this server waited in accept has a generation of its own. */
		if (fd >= 0)
			ioctl(fd, NANVIX_SNAPSHOT_INFO, &info);
		n = snprintf(body, sizeof(body), "generation %llu served %d\n",
		             (unsigned long long)info.generation, ++served);
		if (strncmp(req, "GET /cat/", 9) == 0) {
			char path[200];
			int f;

			if (sscanf(req + 8, "%199s", path) != 1 || (f = open(path, O_RDONLY)) < 0) {
				n = snprintf(body, sizeof(body), "cannot open the file\n");
			} else {
				n = (int)read(f, body, sizeof(body));
				n = n < 0 ? 0 : n;
				close(f);
			}
		}
		h = snprintf(head, sizeof(head),
		             "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
		             n);
		if (write(c, head, (size_t)h) != h || write(c, body, (size_t)n) != n)
			perror("write");
		close(c);
		if (quit)
			return 0;
	}
}
