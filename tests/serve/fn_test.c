/* tests/serve: a function for nanvix-serve's process backend, an HTTP/1.1 server on $PORT. */
/*
 * It prints "ready" once it listens, then serves one request at a time
 * (keep-alive honoured, several connections polled):
 *
 *   /echo...      200, the request body, or "echo METHOD PATH" without one
 *   /pid          200, its pid
 *   /slow?ms=N    200 after sleeping N ms
 *   /wait?path=P  200 once the file P exists (the tests release requests this way)
 *   /crash        exits at once with status 3, without an answer
 *   /env?name=K   200, the value of K in its environment
 *   /big?n=N      200, N bytes of 'x' (Content-Length)
 *   /chunked?n=N  200, N bytes of 'y' in chunks of 1000
 *   /close        200, a body delimited by the end of the connection
 *   /headers      200, the request head as received
 *   /drop-next    200; the next request on this connection is dropped: the
 *                 connection closes without an answer (a kept connection gone stale)
 *   /garbage      a response that is not HTTP
 *   anything else 404
 *
 * HEAD is answered like GET, body included, as some broken servers do:
 * the gateway must not pass that body on, nor take it for the next response.
 * Every response carries X-Pid and X-Fn ($NANVIX_FUNCTION).  With the
 * argument --fail it exits with status 1 before it is ready; with
 * --chatty it prints a line to stdout before "ready" and one per request.
 *
 * It listens on 127.0.0.1, or on $HOST (0.0.0.0 in a VM, whose network
 * reaches it from outside).  In a Nanvix VM (the vm backend sets
 * NANVIX_SNAPSHOT=1) it asks for its
 * snapshot once it listens (abi/snapshot.h); every restored copy goes on
 * from there.  Elsewhere the device is missing and nothing happens.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <abi/snapshot.h>

#define MAX_CONNS 16
#define HEAD_MAX  (32 * 1024)
#define BODY_MAX  (4 * 1024 * 1024)

static bool chatty;
static int drop_fd = -1; /* the connection whose next request is dropped */

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The value of query parameter `key` in target, as a number (or def). */
static long query_num(const char *target, const char *key, long def)
{
	const char *q = strchr(target, '?');
	size_t kl = strlen(key);

	while (q) {
		q++;
		if (!strncmp(q, key, kl) && q[kl] == '=')
			return strtol(q + kl + 1, NULL, 10);
		q = strchr(q, '&');
	}
	return def;
}

static int respond(int fd, int status, const char *extra, const char *body, size_t len,
                   bool close_conn)
{
	char head[512];
	int n = snprintf(
	        head, sizeof(head),
	        "HTTP/1.1 %d %s\r\nX-Pid: %d\r\nX-Fn: %s\r\n%sContent-Length: %zu\r\n%s\r\n",
	        status, status == 200 ? "OK" : "Not Found", (int)getpid(),
	        getenv("NANVIX_FUNCTION") ? getenv("NANVIX_FUNCTION") : "", extra ? extra : "", len,
	        close_conn ? "Connection: close\r\n" : "");

	if (write_all(fd, head, (size_t)n) < 0 || write_all(fd, body, len) < 0)
		return -1;
	return 0;
}

/* Serve one request on fd.  0 to keep the connection, -1 to close it. */
static int serve_one(int fd)
{
	static char buf[HEAD_MAX + BODY_MAX];
	size_t len = 0, head_len, clen = 0;
	char method[16], target[4096], *end, *cl;
	bool close_conn;
	char out[256];

	for (;;) {
		ssize_t n = recv(fd, buf + len, HEAD_MAX - len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = 0;
		end = strstr(buf, "\r\n\r\n");
		if (end)
			break;
		if (len >= HEAD_MAX - 1)
			return -1;
	}
	head_len = (size_t)(end - buf) + 4;
	if (sscanf(buf, "%15s %4095s", method, target) != 2)
		return -1;
	cl = strcasestr(buf, "\r\ncontent-length:");
	if (cl && cl < end)
		clen = strtoul(cl + 17, NULL, 10);
	if (clen > BODY_MAX)
		return -1;
	while (len < head_len + clen) {
		ssize_t n = recv(fd, buf + len, head_len + clen - len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		len += (size_t)n;
	}
	close_conn = strcasestr(buf, "\r\nconnection: close") != NULL;
	if (fd == drop_fd) {
		drop_fd = -1;
		return -1;
	}
	if (chatty)
		printf("request %s %s\n", method, target), fflush(stdout);

	if (!strncmp(target, "/echo", 5)) {
		if (clen)
			return respond(fd, 200, NULL, buf + head_len, clen, close_conn) ||
			                       close_conn
			               ? -1
			               : 0;
		snprintf(out, sizeof(out), "echo %s %.200s\n", method, target);
	} else if (!strcmp(target, "/pid")) {
		snprintf(out, sizeof(out), "%d\n", (int)getpid());
	} else if (!strncmp(target, "/slow", 5)) {
		long ms = query_num(target, "ms", 1000);
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		snprintf(out, sizeof(out), "slept %ld\n", ms);
	} else if (!strncmp(target, "/wait?path=", 11)) {
		struct timespec ts = { 0, 10 * 1000000 };
		int i;

		for (i = 0; i < 60 * 100 && access(target + 11, F_OK) < 0; i++)
			nanosleep(&ts, NULL);
		snprintf(out, sizeof(out), "%s\n", i < 60 * 100 ? "released" : "never released");
	} else if (!strcmp(target, "/crash")) {
		_exit(3);
	} else if (!strncmp(target, "/env?name=", 10)) {
		const char *v = getenv(target + 10);

		snprintf(out, sizeof(out), "%s\n", v ? v : "(unset)");
	} else if (!strncmp(target, "/big", 4)) {
		static char big[BODY_MAX];
		long n = query_num(target, "n", 1000);

		if (n < 0 || n > BODY_MAX)
			n = 0;
		memset(big, 'x', (size_t)n);
		return respond(fd, 200, NULL, big, (size_t)n, close_conn) || close_conn ? -1 : 0;
	} else if (!strncmp(target, "/chunked", 8)) {
		static char chunk[1000];
		long n = query_num(target, "n", 2500);
		char head[256];
		int hl = snprintf(
		        head, sizeof(head),
		        "HTTP/1.1 200 OK\r\nX-Pid: %d\r\nTransfer-Encoding: chunked\r\n\r\n",
		        (int)getpid());

		memset(chunk, 'y', sizeof(chunk));
		if (write_all(fd, head, (size_t)hl) < 0)
			return -1;
		while (n > 0) {
			long k = n < 1000 ? n : 1000;
			char sz[32];
			int sl = snprintf(sz, sizeof(sz), "%lx;ext=1\r\n", k);

			if (write_all(fd, sz, (size_t)sl) < 0 ||
			    write_all(fd, chunk, (size_t)k) < 0 || write_all(fd, "\r\n", 2) < 0)
				return -1;
			n -= k;
		}
		return write_all(fd, "0\r\nX-Trailer: t\r\n\r\n", 19) || close_conn ? -1 : 0;
	} else if (!strcmp(target, "/close")) {
		const char *r = "HTTP/1.0 200 OK\r\nX-Framing: close\r\n\r\nuntil the end\n";

		write_all(fd, r, strlen(r));
		return -1;
	} else if (!strcmp(target, "/drop-next")) {
		drop_fd = fd;
		snprintf(out, sizeof(out), "the next one goes\n");
	} else if (!strcmp(target, "/garbage")) {
		write_all(fd, "NOT HTTP AT ALL\r\n\r\n", 19);
		return -1;
	} else if (!strcmp(target, "/headers")) {
		return respond(fd, 200, NULL, buf, head_len, close_conn) || close_conn ? -1 : 0;
	} else {
		snprintf(out, sizeof(out), "no %.200s here\n", target);
		return respond(fd, 404, NULL, out, strlen(out), close_conn) || close_conn ? -1 : 0;
	}
	return respond(fd, 200, NULL, out, strlen(out), close_conn) || close_conn ? -1 : 0;
}

int main(int argc, char **argv)
{
	const char *port = getenv("PORT");
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct pollfd pf[1 + MAX_CONNS];
	int ls, one = 1, n = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--fail"))
			return 1;
		if (!strcmp(argv[i], "--chatty"))
			chatty = true;
	}
	if (!port) {
		fprintf(stderr, "fn_test: PORT is not set\n");
		return 2;
	}
	a.sin_port = htons((unsigned short)atoi(port));
	/* $HOST (an IPv4 literal, 0.0.0.0 in a VM) instead of loopback. */
	if (getenv("HOST") && inet_pton(AF_INET, getenv("HOST"), &a.sin_addr) != 1) {
		fprintf(stderr, "fn_test: HOST is not an IPv4 address\n");
		return 2;
	}
	ls = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 64) < 0) {
		fprintf(stderr, "fn_test: port %s: %s\n", port, strerror(errno));
		return 2;
	}
	if (chatty)
		printf("starting on port %s\n", port);
	printf("ready\n");
	fflush(stdout);
	if (getenv("NANVIX_SNAPSHOT")) {
		struct nanvix_snapshot_info info;
		int fd = open(NANVIX_SNAPSHOT_PATH, O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			ioctl(fd, NANVIX_SNAPSHOT_TAKE, &info);
			close(fd);
		}
	}
	pf[0] = (struct pollfd){ ls, POLLIN, 0 };
	for (;;) {
		if (poll(pf, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 2;
		}
		if (pf[0].revents & POLLIN) {
			int c = accept(ls, NULL, NULL);

			if (c >= 0 && n == 1 + MAX_CONNS)
				close(c);
			else if (c >= 0)
				pf[n++] = (struct pollfd){ c, POLLIN, 0 };
		}
		for (int i = 1; i < n; i++) {
			if (!pf[i].revents)
				continue;
			if (serve_one(pf[i].fd) < 0) {
				close(pf[i].fd);
				pf[i--] = pf[--n];
			}
		}
	}
}
