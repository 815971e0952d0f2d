/* echo_http: a tiny HTTP/1.1 echo server, the same static program run natively, in gVisor, in a micro-VM and in nanvixd. */

/*
 * usage: echo_http [PORT]      (default 8080)
 *
 * Binds 0.0.0.0:PORT, listens, and prints "ready" on stdout once it does.
 * Then it serves one connection at a time, forever.  Every request gets
 * "200 OK" with a body made of the request line, a newline and the request
 * body (Content-Length bodies only), so a client sees what the server read.
 *
 * HTTP/1.1 keeps the connection open unless the request says
 * "Connection: close"; HTTP/1.0 closes it unless it says
 * "Connection: keep-alive".  Pipelined requests are answered in order.
 * Malformed input gets 400 (431 for a header block over HEAD_MAX, 413 for a
 * body over BODY_MAX, 501 for Transfer-Encoding) and the connection is
 * closed.  A connection idle for IDLE_S seconds is closed so that one silent
 * client cannot hold the server.  SIGTERM and SIGINT end it with status 0.
 *
 * The body is streamed back as it arrives, so its size costs no memory.
 *
 * Only socket, setsockopt, bind, listen, accept, read, write and close are
 * used (no threads, no poll), so that the program runs unchanged in a
 * minimal guest.  With NANVIX_SNAPSHOT=1 in the environment it calls
 * snapshot_point() once it listens and before it prints "ready": an
 * instance restored from a snapshot taken there announces itself the same
 * way as a fresh one (snapshot_point.c has the default, a no-op).
 */

#define _POSIX_C_SOURCE 200809L /* sigaction with -std=c11 too */

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "snapshot_point.h"

#define DEFAULT_PORT 8080
#define HEAD_MAX     8192       /* request line and headers */
#define BODY_MAX     (1L << 30) /* largest Content-Length accepted */
#define IDLE_S       10         /* a connection's longest silence */
#define DRAIN_MAX    (1L << 20) /* input read and dropped after a refusal */

/* One connection: its socket and the bytes read but not yet parsed. */
struct conn {
	int fd;
	char buf[HEAD_MAX];
	size_t len;
};

/* What the parser took from one request's head. */
struct request {
	const char *line; /* request line, without its line end */
	size_t line_len;
	long body_len;
	int keep_alive;
	int expect_continue; /* "Expect: 100-continue": the client waits for a go-ahead */
	size_t head_len;     /* bytes of buf the head took, final empty line included */
};

/* Parse results that are not a request. */
enum {
	PARSE_MORE = 0, /* the head is not complete yet */
	PARSE_OK = 1,
	PARSE_BAD = 400,
	PARSE_TOO_BIG = 413,
	PARSE_HEAD_BIG = 431,
	PARSE_CHUNKED = 501,
};

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/* write_all: write LEN bytes to FD; 0 on success, -1 on any error. */
static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR && !stop)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* lower-case ASCII comparison of the LEN bytes at S with the C string WORD. */
static int same_word(const char *s, size_t len, const char *word)
{
	size_t i;

	if (strlen(word) != len)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != word[i])
			return 0;
	}
	return 1;
}

/* Does the comma-separated list at S (LEN bytes) hold the token WORD? */
static int has_token(const char *s, size_t len, const char *word)
{
	size_t i = 0;

	while (i < len) {
		size_t start, end;

		while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == ','))
			i++;
		start = i;
		while (i < len && s[i] != ',')
			i++;
		end = i;
		while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t'))
			end--;
		if (end > start && same_word(s + start, end - start, word))
			return 1;
	}
	return 0;
}

/* Parse a Content-Length value: digits only, at most BODY_MAX. */
static int parse_length(const char *s, size_t len, long *out)
{
	long v = 0;
	size_t i;

	if (len == 0)
		return PARSE_BAD;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return PARSE_BAD;
		v = v * 10 + (s[i] - '0');
		if (v > BODY_MAX)
			return PARSE_TOO_BIG;
	}
	*out = v;
	return PARSE_OK;
}

/*
 * Check the request line "METHOD SP TARGET SP HTTP/1.x": a token, a target
 * of visible ASCII, a version.  Sets *http11 (1 for HTTP/1.1).
 */
static int check_request_line(const char *s, size_t len, int *http11)
{
	size_t i = 0, t;

	while (i < len && is_tchar(s[i]))
		i++;
	if (i == 0 || i >= len || s[i] != ' ')
		return PARSE_BAD;
	t = ++i;
	while (i < len && s[i] > ' ' && s[i] < 0x7f)
		i++;
	if (i == t || i >= len || s[i] != ' ')
		return PARSE_BAD;
	i++;
	if (len - i != 8 || memcmp(s + i, "HTTP/1.", 7) != 0 ||
	    (s[i + 7] != '0' && s[i + 7] != '1'))
		return PARSE_BAD;
	*http11 = s[i + 7] == '1';
	return PARSE_OK;
}

/*
 * parse_head: look for a complete request head in the first LEN bytes of
 * BUF and fill *REQ.  Lines end with LF, optionally preceded by CR.
 * Returns PARSE_OK, PARSE_MORE, or the HTTP status to refuse it with.
 */
static int parse_head(const char *buf, size_t len, struct request *req)
{
	const char *p = buf, *end = buf + len;
	int http11 = 0, seen_length = 0, conn_close = 0, conn_keep = 0, r;
	int first = 1;

	memset(req, 0, sizeof(*req));
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n;

		if (nl == NULL)
			return len >= HEAD_MAX ? PARSE_HEAD_BIG : PARSE_MORE;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (memchr(p, '\0', n) != NULL || memchr(p, '\r', n) != NULL)
			return PARSE_BAD;
		if (first) {
			r = check_request_line(p, n, &http11);
			if (r != PARSE_OK)
				return r;
			req->line = p;
			req->line_len = n;
			first = 0;
		} else if (n == 0) {
			break;
		} else {
			const char *colon = memchr(p, ':', n), *v;
			size_t name_len, vlen, i;

			if (colon == NULL || colon == p)
				return PARSE_BAD;
			name_len = (size_t)(colon - p);
			for (i = 0; i < name_len; i++)
				if (!is_tchar(p[i]))
					return PARSE_BAD;
			v = colon + 1;
			vlen = n - name_len - 1;
			while (vlen > 0 && (*v == ' ' || *v == '\t'))
				v++, vlen--;
			while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			if (same_word(p, name_len, "content-length")) {
				long cl;

				r = parse_length(v, vlen, &cl);
				if (r != PARSE_OK)
					return r;
				if (seen_length && cl != req->body_len)
					return PARSE_BAD;
				req->body_len = cl;
				seen_length = 1;
			} else if (same_word(p, name_len, "transfer-encoding")) {
				return PARSE_CHUNKED;
			} else if (same_word(p, name_len, "expect")) {
				req->expect_continue = same_word(v, vlen, "100-continue");
			} else if (same_word(p, name_len, "connection")) {
				conn_close |= has_token(v, vlen, "close");
				conn_keep |= has_token(v, vlen, "keep-alive");
			}
		}
		p = nl + 1;
	}
	/* p points at the empty line, which has its LF (the loop found it). */
	req->head_len = (size_t)((const char *)memchr(p, '\n', (size_t)(end - p)) + 1 - buf);
	req->keep_alive = http11 ? !conn_close : conn_keep && !conn_close;
	return PARSE_OK;
}

/*
 * Answer STATUS with a one-line reason body, then read and drop what the
 * client still sends (up to DRAIN_MAX, for at most a second of silence)
 * before the caller closes: closing with unread input makes the kernel send
 * a reset, and a reset can destroy the answer before the client reads it.
 */
static void refuse(int fd, int status)
{
	const char *reason = status == PARSE_TOO_BIG    ? "Payload Too Large"
	                     : status == PARSE_HEAD_BIG ? "Request Header Fields Too Large"
	                     : status == PARSE_CHUNKED  ? "Not Implemented"
	                                                : "Bad Request";
	struct timeval second = { .tv_sec = 1 };
	long drained = 0;
	char out[256];
	int n = snprintf(out, sizeof(out),
	                 "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
	                 "Connection: close\r\n\r\n%s\n",
	                 status, reason, strlen(reason) + 1, reason);

	if (n <= 0 || (size_t)n >= sizeof(out) || write_all(fd, out, (size_t)n) != 0)
		return;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &second, sizeof(second));
	while (drained < DRAIN_MAX && !stop) {
		ssize_t r = read(fd, out, sizeof(out));

		if (r <= 0)
			break;
		drained += r;
	}
}

/*
 * Answer REQ, whose head is at the start of C->buf: the head of the
 * response with the request line, then the body copied from the buffer and
 * the socket as it comes.  Leaves any pipelined bytes after the body at the
 * start of C->buf.  Returns 0 to keep the connection, -1 to close it.
 */
static int answer(struct conn *c, const struct request *req)
{
	char out[HEAD_MAX + 256];
	size_t have, take;
	long left = req->body_len;
	int n;

	if (req->expect_continue && write_all(c->fd, "HTTP/1.1 100 Continue\r\n\r\n", 25) != 0)
		return -1;
	n = snprintf(out, sizeof(out),
	             "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %ld\r\n"
	             "Connection: %s\r\n\r\n%.*s\n",
	             (long)req->line_len + 1 + req->body_len,
	             req->keep_alive ? "keep-alive" : "close", (int)req->line_len, req->line);
	if (n < 0 || (size_t)n >= sizeof(out) || write_all(c->fd, out, (size_t)n) != 0)
		return -1;

	/* The part of the body already read with the head. */
	have = c->len - req->head_len;
	take = (long)have < left ? have : (size_t)left;
	if (take > 0 && write_all(c->fd, c->buf + req->head_len, take) != 0)
		return -1;
	left -= (long)take;
	memmove(c->buf, c->buf + req->head_len + take, c->len - req->head_len - take);
	c->len -= req->head_len + take;

	/* The rest straight from the socket (c->buf is empty then). */
	while (left > 0) {
		ssize_t r = read(c->fd, c->buf, left < HEAD_MAX ? (size_t)left : HEAD_MAX);

		if (r < 0 && errno == EINTR && !stop)
			continue;
		if (r <= 0)
			return -1;
		if (write_all(c->fd, c->buf, (size_t)r) != 0)
			return -1;
		left -= r;
	}
	return req->keep_alive ? 0 : -1;
}

/* Serve one connection until it closes, errs, idles out or asks to close. */
static void serve(int fd)
{
	static struct conn c;
	struct timeval idle = { .tv_sec = IDLE_S };

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof(idle));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &idle, sizeof(idle));
	c.fd = fd;
	c.len = 0;
	while (!stop) {
		struct request req;
		int r = parse_head(c.buf, c.len, &req);
		ssize_t n;

		if (r == PARSE_OK) {
			if (answer(&c, &req) != 0)
				return;
			continue;
		}
		if (r != PARSE_MORE) {
			refuse(fd, r);
			return;
		}
		n = read(fd, c.buf + c.len, sizeof(c.buf) - c.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		c.len += (size_t)n;
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa;
	struct sigaction act;
	long port = DEFAULT_PORT;
	const char *snap;
	int lfd, one = 1;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: echo_http [PORT]   (default %d)\n", DEFAULT_PORT);
		return 2;
	}
	if (argc == 2) {
		char *end;

		port = strtol(argv[1], &end, 10);
		if (*argv[1] == '\0' || *end != '\0' || port < 1 || port > 65535) {
			fprintf(stderr, "echo_http: bad port '%s'\n", argv[1]);
			return 2;
		}
	}

	memset(&act, 0, sizeof(act));
	act.sa_handler = on_stop; /* no SA_RESTART: a blocked accept() returns */
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	signal(SIGPIPE, SIG_IGN);

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0) {
		perror("echo_http: socket");
		return 1;
	}
	(void)setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(lfd, 64) != 0) {
		perror("echo_http: bind/listen");
		return 1;
	}

	snap = getenv("NANVIX_SNAPSHOT");
	if (snap != NULL && strcmp(snap, "1") == 0)
		snapshot_point();
	if (write_all(1, "ready\n", 6) != 0)
		return 1;

	while (!stop) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			/* A client that gave up before accept() is no reason to stop. */
			if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
				continue;
			perror("echo_http: accept");
			return 1;
		}
		serve(fd);
		close(fd);
	}
	close(lfd);
	return 0;
}
