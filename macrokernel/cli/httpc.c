/* httpc: bin/nanvix's small HTTP/1.1 client, over a Unix socket or TCP to 127.0.0.1. */
/*
 * One request a connection: the request says Connection: close, so a body
 * with neither Content-Length nor chunked framing ends with the connection.
 * The response is read through one fixed buffer: the head line by line
 * (16 KiB in all at most; its fields kept for httpc_header), then the body
 * as it arrives, so a followed log reaches its sink chunk by chunk rather
 * than at the end.  Everything the server sends is bounded: head size and
 * line count, chunk-size lines, the Content-Length and chunk sizes as
 * numbers, and a kept body's size.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "httpc.h"

#define BUF_SIZE    16384               /* the read buffer; a head line must fit */
#define HEAD_MAX    16384               /* a response's status line and headers, in all */
#define HEAD_LINES  100                 /* ... and at most this many header lines */
#define SIZE_MAX_IN ((uint64_t)1 << 40) /* a Content-Length or chunk size beyond is refused */

/* A connection being read: buf[off, off + len) are bytes not consumed yet. */
struct conn {
	int fd;
	const struct httpc_request *rq;
	char buf[BUF_SIZE];
	size_t off, len;
	int peer_closed; /* sending failed as the server had closed: it may have said why */
	char *err;
	size_t errlen;
};

static int fail(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int httpc_target_parse(struct httpc_target *t, const char *addr, char *err, size_t errlen)
{
	const char *path = NULL;

	memset(t, 0, sizeof(*t));
	if (!strncmp(addr, "unix:", 5))
		path = addr + 5;
	else if (addr[0] == '/')
		path = addr;
	if (path) {
		if (!*path || strlen(path) >= sizeof(t->path)) {
			snprintf(err, errlen, "'%s': a socket path must be 1 to %zu bytes", addr,
			         sizeof(t->path) - 1);
			return -1;
		}
		t->family = AF_UNIX;
		snprintf(t->path, sizeof(t->path), "%s", path);
		snprintf(t->name, sizeof(t->name), "%s", path);
		return 0;
	}
	if (!strncmp(addr, "http://", 7)) {
		char host[64];
		const char *colon = strrchr(addr + 7, ':');
		char *end;
		unsigned long port;
		struct in_addr in;

		if (!colon || (size_t)(colon - (addr + 7)) >= sizeof(host))
			goto out_bad;
		memcpy(host, addr + 7, colon - (addr + 7));
		host[colon - (addr + 7)] = '\0';
		if (!strcmp(host, "localhost"))
			snprintf(host, sizeof(host), "127.0.0.1");
		if (inet_pton(AF_INET, host, &in) != 1 || !isdigit((unsigned char)colon[1]))
			goto out_bad;
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		if (errno || port == 0 || port > 65535 || (*end && strcmp(end, "/")))
			goto out_bad;
		t->family = AF_INET;
		t->ipv4 = in.s_addr;
		t->port = port;
		snprintf(t->name, sizeof(t->name), "%s", addr);
		return 0;
	}
out_bad:
	snprintf(err, errlen, "'%s': not unix:PATH, /PATH or http://127.0.0.1:PORT", addr);
	return -1;
}

static int connect_to(const struct httpc_target *t)
{
	struct sockaddr_un un;
	struct sockaddr_in in;
	struct sockaddr *sa;
	socklen_t salen;
	int fd, saved;

	if (t->family == AF_UNIX) {
		memset(&un, 0, sizeof(un));
		un.sun_family = AF_UNIX;
		memcpy(un.sun_path, t->path, strlen(t->path));
		sa = (struct sockaddr *)&un;
		salen = sizeof(un);
	} else {
		memset(&in, 0, sizeof(in));
		in.sin_family = AF_INET;
		in.sin_addr.s_addr = t->ipv4;
		in.sin_port = htons(t->port);
		sa = (struct sockaddr *)&in;
		salen = sizeof(in);
	}
	fd = socket(t->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, sa, salen) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static int send_all(struct conn *c, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			c->peer_closed = errno == EPIPE || errno == ECONNRESET;
			return fail(c, "sending the request: %s", strerror(errno));
		}
		p += w;
		n -= w;
	}
	return 0;
}

static int send_request(struct conn *c)
{
	const struct httpc_request *rq = c->rq;
	size_t body_len = rq->body ? rq->body_len : 0;
	char head[1024];
	int n;

	/* The key is the operator's, but a CR or LF in it would forge headers. */
	if (rq->bearer && strpbrk(rq->bearer, "\r\n"))
		return fail(c, "the API key holds a line break");
	if (rq->content_type && strpbrk(rq->content_type, "\r\n"))
		return fail(c, "the body's type holds a line break");
	n = snprintf(head, sizeof(head),
	             "%s %s HTTP/1.1\r\n"
	             "Host: localhost\r\n"
	             "User-Agent: nanvix\r\n"
	             "Accept: application/json, text/plain\r\n"
	             "Connection: close\r\n"
	             "%s%s%s"
	             "%s%s%s"
	             "Content-Length: %zu\r\n"
	             "\r\n",
	             rq->method, rq->path, rq->bearer ? "Authorization: Bearer " : "",
	             rq->bearer ? rq->bearer : "", rq->bearer ? "\r\n" : "",
	             rq->body ? "Content-Type: " : "",
	             rq->body ? (rq->content_type ? rq->content_type : "application/json") : "",
	             rq->body ? "\r\n" : "", body_len);
	if (n < 0 || (size_t)n >= sizeof(head))
		return fail(c, "the request's head is too long");
	if (send_all(c, head, n) < 0 || send_all(c, rq->body ? rq->body : "", body_len) < 0)
		return -1;
	return 0;
}

/* Wait until the server sent something (or the timeout), handing signals to on_signal. */
static int wait_readable(struct conn *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };

	for (;;) {
		int r;

		/* A signal that came while we were not waiting would otherwise sit until the next. */
		if (c->rq->on_signal)
			c->rq->on_signal(c->rq->signal_arg);
		r = poll(&p, 1, c->rq->timeout_ms);

		if (r > 0)
			return 0;
		if (r == 0)
			return fail(c, "no answer within %d s", c->rq->timeout_ms / 1000);
		if (errno != EINTR)
			return fail(c, "waiting for the answer: %s", strerror(errno));
	}
}

/* Read more into the buffer.  Returns the bytes read, 0 at the end of the stream, or -1. */
static ssize_t fill(struct conn *c)
{
	ssize_t r;

	if (c->off > 0) {
		memmove(c->buf, c->buf + c->off, c->len);
		c->off = 0;
	}
	if (c->len == sizeof(c->buf))
		return fail(c, "a line of the answer is over %d bytes", BUF_SIZE);
	for (;;) {
		if (wait_readable(c) < 0)
			return -1;
		r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (r >= 0)
			break;
		if (errno != EINTR && errno != EAGAIN)
			return fail(c, "reading the answer: %s", strerror(errno));
	}
	c->len += r;
	return r;
}

/*
 * The next line without its CRLF (or LF), NUL-terminated in the buffer:
 * valid until the next read.  NULL on failure, the end of the stream included.
 */
static char *read_line(struct conn *c, size_t *line_len)
{
	char *nl, *line;
	ssize_t r;

	while (!(nl = memchr(c->buf + c->off, '\n', c->len))) {
		r = fill(c);
		if (r < 0)
			return NULL;
		if (r == 0) {
			fail(c, "the connection closed in the middle of the answer");
			return NULL;
		}
	}
	line = c->buf + c->off;
	*line_len = nl - line + 1;
	c->off += *line_len;
	c->len -= *line_len;
	*nl = '\0';
	if (nl > line && nl[-1] == '\r')
		nl[-1] = '\0';
	return line;
}

/* Up to max bytes of the stream in *p (valid until the next read): their count, 0 at its end, -1. */
static ssize_t read_some(struct conn *c, size_t max, const char **p)
{
	size_t n;

	if (c->len == 0) {
		ssize_t r = fill(c);

		if (r <= 0)
			return r;
	}
	n = c->len < max ? c->len : max;
	*p = c->buf + c->off;
	c->off += n;
	c->len -= n;
	return n;
}

static int deliver(struct conn *c, struct httpc_response *rs, const char *data, size_t n)
{
	char *grown;

	if (rs->streamed) {
		if (c->rq->sink(c->rq->sink_arg, data, n) < 0)
			return fail(c, "writing the answer: %s", strerror(errno));
		return 0;
	}
	if (n > c->rq->max_body || rs->body_len > c->rq->max_body - n)
		return fail(c, "the answer is over %zu bytes", c->rq->max_body);
	grown = realloc(rs->body, rs->body_len + n + 1);
	if (!grown)
		return fail(c, "out of memory");
	rs->body = grown;
	memcpy(rs->body + rs->body_len, data, n);
	rs->body_len += n;
	rs->body[rs->body_len] = '\0';
	return 0;
}

/*
 * Parse the decimal (Content-Length) or hexadecimal (chunk size) number S
 * starts with into *v.  Returns how many digits it has, or -1 when it has
 * none or is over SIZE_MAX_IN.
 */
static int parse_size(const char *s, int base, uint64_t *v)
{
	uint64_t x = 0;
	int digits = 0;

	for (; *s; s++, digits++) {
		int d;

		if (isdigit((unsigned char)*s))
			d = *s - '0';
		else if (base == 16 && isxdigit((unsigned char)*s))
			d = tolower((unsigned char)*s) - 'a' + 10;
		else
			break;
		x = x * base + d;
		if (x > SIZE_MAX_IN)
			return -1;
	}
	if (!digits)
		return -1;
	*v = x;
	return digits;
}

/* What the head says about the body. */
struct head {
	int chunked;
	int has_length;
	uint64_t length;
};

/* Keep the field NAME: VALUE in rs->headers (bounded, as the head is, by HEAD_MAX). */
static int keep_header(struct conn *c, struct httpc_response *rs, const char *name,
                       const char *value)
{
	size_t nl = strlen(name) + 1, vl = strlen(value) + 1;
	char *grown = realloc(rs->headers, rs->headers_len + nl + vl);

	if (!grown)
		return fail(c, "out of memory");
	rs->headers = grown;
	memcpy(rs->headers + rs->headers_len, name, nl);
	memcpy(rs->headers + rs->headers_len + nl, value, vl);
	rs->headers_len += nl + vl;
	return 0;
}

static int read_head(struct conn *c, struct httpc_response *rs, struct head *h)
{
	size_t total = 0, n;
	char *line;
	int lines = 0;

	memset(h, 0, sizeof(*h));
	/* An interim (1xx) head's fields are not the answer's. */
	rs->headers_len = 0;
	line = read_line(c, &n);
	if (!line)
		return -1;
	total += n;
	if (strncmp(line, "HTTP/1.", 7) || !isdigit((unsigned char)line[7]) || line[8] != ' ' ||
	    !isdigit((unsigned char)line[9]) || !isdigit((unsigned char)line[10]) ||
	    !isdigit((unsigned char)line[11]) || (line[12] != ' ' && line[12] != '\0'))
		return fail(c, "the answer is not HTTP/1.x: '%.40s'", line);
	rs->status = atoi(line + 9);
	for (;;) {
		char *colon, *value;
		uint64_t v;
		int digits;

		line = read_line(c, &n);
		if (!line)
			return -1;
		total += n;
		if (total > HEAD_MAX || ++lines > HEAD_LINES)
			return fail(c, "the answer's head is over %d bytes or %d lines", HEAD_MAX,
			            HEAD_LINES);
		if (!*line)
			return 0;
		colon = strchr(line, ':');
		if (!colon || colon == line || isspace((unsigned char)line[0]))
			return fail(c, "a malformed header in the answer: '%.40s'", line);
		*colon = '\0';
		for (value = colon + 1; *value == ' ' || *value == '\t'; value++)
			;
		for (size_t vl = strlen(value); vl > 0 && strchr(" \t", value[vl - 1]); vl--)
			value[vl - 1] = '\0';
		if (keep_header(c, rs, line, value) < 0)
			return -1;
		if (!strcasecmp(line, "Content-Length")) {
			digits = parse_size(value, 10, &v);
			if (digits < 0 || strspn(value + digits, " \t") != strlen(value + digits) ||
			    (h->has_length && v != h->length))
				return fail(c, "a bad Content-Length in the answer: '%.40s'",
				            value);
			h->has_length = 1;
			h->length = v;
		} else if (!strcasecmp(line, "Transfer-Encoding")) {
			/* chunked must come last; anything else we cannot decode. */
			if (strcasecmp(value, "chunked"))
				return fail(c,
				            "an unknown Transfer-Encoding in the answer: '%.40s'",
				            value);
			h->chunked = 1;
		}
	}
}

/* Copy exactly n bytes of the body (n from a Content-Length or a chunk size). */
static int read_exactly(struct conn *c, struct httpc_response *rs, uint64_t n)
{
	const char *p = NULL;

	while (n > 0) {
		ssize_t r = read_some(c, n < BUF_SIZE ? n : BUF_SIZE, &p);

		if (r < 0)
			return -1;
		if (r == 0)
			return fail(c, "the connection closed in the middle of the answer");
		if (deliver(c, rs, p, r) < 0)
			return -1;
		n -= r;
	}
	return 0;
}

static int read_chunked(struct conn *c, struct httpc_response *rs)
{
	char *line;
	size_t n;
	uint64_t size;
	int digits;

	for (;;) {
		line = read_line(c, &n);
		if (!line)
			return -1;
		/* chunk-size [; extensions] */
		digits = parse_size(line, 16, &size);
		if (digits < 0 || (line[digits] && !strchr("; \t", line[digits])))
			return fail(c, "a bad chunk size in the answer: '%.40s'", line);
		if (size == 0)
			break;
		if (read_exactly(c, rs, size) < 0)
			return -1;
		line = read_line(c, &n);
		if (!line)
			return -1;
		if (*line)
			return fail(c, "a chunk of the answer does not end where its size says");
	}
	/* The trailer: header lines up to an empty one, ignored. */
	for (int lines = 0;; lines++) {
		line = read_line(c, &n);
		if (!line)
			return -1;
		if (!*line)
			return 0;
		if (lines >= HEAD_LINES)
			return fail(c, "the answer's trailer is over %d lines", HEAD_LINES);
	}
}

static int read_to_end(struct conn *c, struct httpc_response *rs)
{
	const char *p = NULL;
	ssize_t r;

	while ((r = read_some(c, BUF_SIZE, &p)) > 0)
		if (deliver(c, rs, p, r) < 0)
			return -1;
	return r;
}

static int read_response(struct conn *c, struct httpc_response *rs)
{
	struct head h;

	/* Interim answers (1xx) come before the real one; skip them. */
	do {
		if (read_head(c, rs, &h) < 0)
			return -1;
	} while (rs->status >= 100 && rs->status < 200);
	rs->streamed = c->rq->sink && rs->status >= 200 && rs->status < 300;
	if (rs->status == 204 || rs->status == 304 || !strcmp(c->rq->method, "HEAD"))
		return 0;
	if (h.chunked)
		return read_chunked(c, rs);
	if (h.has_length)
		return read_exactly(c, rs, h.length);
	return read_to_end(c, rs);
}

int httpc_request(const struct httpc_target *t, const struct httpc_request *rq,
                  struct httpc_response *rs, char *err, size_t errlen)
{
	struct conn *c;
	int ret = HTTPC_EFAIL;

	memset(rs, 0, sizeof(*rs));
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return HTTPC_EFAIL;
	}
	c->rq = rq;
	c->err = err;
	c->errlen = errlen;
	c->fd = connect_to(t);
	if (c->fd < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		ret = HTTPC_ECONNECT;
		goto out_free;
	}
	if (send_request(c) < 0) {
		/* A server that refused the body (413) closed early, but may have answered. */
		char sent_err[256];

		if (!c->peer_closed)
			goto out_close;
		snprintf(sent_err, sizeof(sent_err), "%s", err);
		if (read_response(c, rs) < 0) {
			snprintf(err, errlen, "%s", sent_err);
			goto out_close;
		}
	} else if (read_response(c, rs) < 0) {
		goto out_close;
	}
	ret = 0;
out_close:
	close(c->fd);
out_free:
	free(c);
	return ret;
}

const char *httpc_header(const struct httpc_response *rs, const char *name)
{
	const char *p = rs->headers, *end;

	if (!p)
		return NULL;
	end = p + rs->headers_len;
	while (p < end) {
		const char *value = p + strlen(p) + 1;

		if (!strcasecmp(p, name))
			return value;
		p = value + strlen(value) + 1;
	}
	return NULL;
}

void httpc_response_free(struct httpc_response *rs)
{
	free(rs->body);
	free(rs->headers);
	rs->body = NULL;
	rs->body_len = 0;
	rs->headers = NULL;
	rs->headers_len = 0;
}
