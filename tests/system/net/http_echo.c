/* http_echo: a small epoll HTTP/1.1 server (keep-alive, Content-Length, GET /health, body echo) for the network tests. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * Routes:
 *   GET /health          200 "ok"
 *   POST <any path>      200, the request body echoed back
 *   GET /echo            200, the (usually empty) request body
 *   GET <other>          404
 *   other methods        405
 * Requests carry their body by Content-Length only (Transfer-Encoding: 501).
 * HTTP/1.1 keeps the connection unless "Connection: close"; HTTP/1.0 closes
 * unless "Connection: keep-alive".  Pipelined requests are answered in order.
 * SIGTERM or SIGINT end the server with status 0.
 */

#define HEAD_MAX 8192
#define BODY_MAX (1 << 20)
#define IN_MAX   (HEAD_MAX + BODY_MAX)

struct conn {
	int fd;
	char *in;
	size_t inlen;
	char *out;
	size_t outlen, outoff, outcap;
	int close_after; /* close once out is sent */
	int want_out;    /* registered for EPOLLOUT (and not EPOLLIN) */
};

static volatile sig_atomic_t stop;
static int ep;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void conn_free(struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

/* Append N bytes to C's output: 0, or -1 out of memory. */
static int out_add(struct conn *c, const char *p, size_t n)
{
	if (c->outlen + n > c->outcap) {
		size_t cap = (c->outlen + n) * 2;
		char *o = realloc(c->out, cap);
		if (!o)
			return -1;
		c->out = o;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, p, n);
	c->outlen += n;
	return 0;
}

static int respond(struct conn *c, int status, const char *reason, const char *body, size_t blen)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
	                 "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\n"
	                 "Content-Length: %zu\r\nConnection: %s\r\n%s\r\n",
	                 status, reason, blen, c->close_after ? "close" : "keep-alive",
	                 status == 405 ? "Allow: GET, POST\r\n" : "");

	if (out_add(c, head, (size_t)n) != 0 || out_add(c, body, blen) != 0)
		return -1;
	return 0;
}

/* The value of header NAME in the header block [H, END), or NULL. */
static const char *header(const char *h, const char *end, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);

	while (h < end) {
		const char *eol = memmem(h, (size_t)(end - h), "\r\n", 2);
		if (!eol)
			eol = end;
		if ((size_t)(eol - h) > nl && h[nl] == ':' && strncasecmp(h, name, nl) == 0) {
			const char *v = h + nl + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			*vlen = (size_t)(eol - v);
			while (*vlen > 0 && (v[*vlen - 1] == ' ' || v[*vlen - 1] == '\t'))
				(*vlen)--;
			return v;
		}
		h = eol + 2;
	}
	return NULL;
}

/*
 * Answer every complete request in C's input.  Returns 0, or -1 when the
 * connection must go at once (out of memory).
 */
static int handle_requests(struct conn *c)
{
	while (!c->close_after) {
		char *end = memmem(c->in, c->inlen, "\r\n\r\n", 4);
		char method[16], target[1024], version[16];
		const char *v, *hdrs, *hend, *body;
		size_t vlen, hlen, blen = 0;
		int keep;

		if (!end) {
			if (c->inlen >= HEAD_MAX) {
				c->close_after = 1;
				return respond(c, 431, "Request Header Fields Too Large", "", 0);
			}
			return 0;
		}
		hlen = (size_t)(end - c->in) + 4;
		*end = '\0'; /* the request line and headers are now a string */
		if (sscanf(c->in, "%15s %1023s %15s", method, target, version) != 3 ||
		    strncmp(version, "HTTP/1.", 7) != 0) {
			c->close_after = 1;
			return respond(c, 400, "Bad Request", "bad request\n", 12);
		}
		hdrs = strstr(c->in, "\r\n");
		hdrs = hdrs ? hdrs + 2 : end;
		hend = end;
		if (header(hdrs, hend, "Transfer-Encoding", &vlen)) {
			c->close_after = 1;
			return respond(c, 501, "Not Implemented", "no chunked bodies\n", 18);
		}
		if ((v = header(hdrs, hend, "Content-Length", &vlen))) {
			char num[24];
			char *stop_at;
			if (vlen == 0 || vlen >= sizeof(num)) {
				c->close_after = 1;
				return respond(c, 400, "Bad Request", "bad length\n", 11);
			}
			memcpy(num, v, vlen);
			num[vlen] = '\0';
			errno = 0;
			unsigned long long n = strtoull(num, &stop_at, 10);
			if (*stop_at || errno || num[0] == '-' || num[0] == '+') {
				c->close_after = 1;
				return respond(c, 400, "Bad Request", "bad length\n", 11);
			}
			if (n > BODY_MAX) {
				c->close_after = 1;
				return respond(c, 413, "Content Too Large", "too large\n", 10);
			}
			blen = (size_t)n;
		}
		if (c->inlen < hlen + blen) {
			*end = '\r'; /* not all of the body yet: undo and wait */
			return 0;
		}
		keep = strcmp(version, "HTTP/1.1") == 0;
		if ((v = header(hdrs, hend, "Connection", &vlen))) {
			if (vlen == 5 && strncasecmp(v, "close", 5) == 0)
				keep = 0;
			else if (vlen == 10 && strncasecmp(v, "keep-alive", 10) == 0)
				keep = 1;
		}
		c->close_after = !keep;
		body = c->in + hlen;
		int r;
		if (strcmp(method, "GET") == 0 && strcmp(target, "/health") == 0)
			r = respond(c, 200, "OK", "ok", 2);
		else if (strcmp(method, "POST") == 0 ||
		         (strcmp(method, "GET") == 0 && strcmp(target, "/echo") == 0))
			r = respond(c, 200, "OK", body, blen);
		else if (strcmp(method, "GET") == 0)
			r = respond(c, 404, "Not Found", "not found\n", 10);
		else
			r = respond(c, 405, "Method Not Allowed", "method not allowed\n", 19);
		if (r != 0)
			return -1;
		memmove(c->in, c->in + hlen + blen, c->inlen - hlen - blen);
		c->inlen -= hlen + blen;
	}
	return 0;
}

/* Send what C has pending; switch its interest between input and output. 0, or -1: drop it. */
static int flush_out(struct conn *c)
{
	struct epoll_event ev;

	while (c->outoff < c->outlen) {
		ssize_t w = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			break;
		if (w <= 0)
			return -1;
		c->outoff += (size_t)w;
	}
	if (c->outoff == c->outlen) {
		c->outoff = c->outlen = 0;
		if (c->close_after)
			return -1; /* all sent: done with it */
	}
	int want_out = c->outlen > 0;
	if (want_out != c->want_out) {
		/* While a response is pending, read no further requests. */
		ev.events = want_out ? EPOLLOUT : EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) != 0)
			return -1;
		c->want_out = want_out;
	}
	return 0;
}

/* C is readable: read, answer, send.  0, or -1: drop it. */
static int on_input(struct conn *c)
{
	/* Pipelined requests already read while a response was pending. */
	if (handle_requests(c) != 0)
		return -1;
	while (c->outlen == 0 && !c->close_after) {
		ssize_t r;
		if (c->inlen == IN_MAX)
			break; /* handle_requests answers 413/431 before this fills */
		r = recv(c->fd, c->in + c->inlen, IN_MAX - c->inlen, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r <= 0)
			return -1; /* end of file or error: nothing more to answer */
		c->inlen += (size_t)r;
		if (handle_requests(c) != 0)
			return -1;
	}
	return flush_out(c);
}

static void on_accept(int l)
{
	for (;;) {
		struct epoll_event ev;
		struct conn *c;
		int fd = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return; /* EAGAIN, or a connection that went away */
		c = calloc(1, sizeof(*c));
		if (c)
			c->in = malloc(IN_MAX);
		if (!c || !c->in) {
			if (c)
				free(c);
			close(fd);
			continue;
		}
		c->fd = fd;
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
			free(c->in);
			free(c);
			close(fd);
		}
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	struct epoll_event ev, evs[64];
	struct sigaction act;
	int l, one = 1, port = argc > 1 ? atoi(argv[1]) : 80;

	if (argc > 2 || port < 0 || port > 65535) {
		fprintf(stderr, "usage: http_echo [PORT]   (default 80; 0: any)\n");
		return 2;
	}
	memset(&act, 0, sizeof(act));
	act.sa_handler = on_stop; /* no SA_RESTART: epoll_wait returns EINTR */
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	signal(SIGPIPE, SIG_IGN);

	l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l < 0) {
		perror("http_echo: socket");
		return 1;
	}
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(l, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(l, 128) != 0 ||
	    getsockname(l, (struct sockaddr *)&sa, &len) != 0) {
		perror("http_echo: bind/listen");
		return 1;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev.events = EPOLLIN;
	ev.data.ptr = NULL; /* the listener */
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev) != 0) {
		perror("http_echo: epoll");
		return 1;
	}
	printf("listening on %d\n", ntohs(sa.sin_port));
	fflush(stdout);

	while (!stop) {
		int n = epoll_wait(ep, evs, 64, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("http_echo: epoll_wait");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			int r;
			if (!c) {
				on_accept(l);
				continue;
			}
			if (c->want_out) {
				r = flush_out(c);
				if (r == 0 && !c->want_out)
					r = on_input(c);
			} else {
				r = on_input(c);
			}
			if (r != 0)
				conn_free(c);
		}
	}
	printf("stopping\n");
	return 0;
}
