/* nanvix-serve's client connections: requests read and checked, routed, answered. */
/*
 * A client connection carries one request at a time (keep-alive, no
 * pipelining in flight: bytes of a next request wait in the buffer):
 *
 *   IDLE -> READ -> (routed) -> QUEUED -> EXEC -> WRITE -> IDLE, or LINGER -> closed
 *
 * The head is bounded (16 KiB, else 431), the body too (--max-body, else
 * 413; a chunked body gets 411), and a malformed request gets 400 and the
 * connection closes.  Each state has a deadline: the client's own
 * (--client-timeout) to send a request, to wait between requests and to
 * take each part of a response; the function's (its "timeout") from the
 * request's arrival to its response, whether it waits or runs.
 *
 * A client that goes away while its request runs leaves the request to
 * finish (the instance is busy anyway, and is known to be free only once
 * it answered): the struct stays, its fd closed, until the exchange ends.
 * Closed structs go to the server's graveyard (gateway.c frees them after
 * the epoll batch).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "serve_priv.h"

#define IN_MIN       4096      /* a client's buffer starts this big */
#define LINGER_MS    2000      /* a closing connection's last bytes are awaited this long */
#define LINGER_BYTES (1 << 20) /* ... and this many at most */

/* A growable string for building heads. */
struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 512;
		char *np;

		while (cap < b->len + n)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sb_add(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* JSON string contents: quotes, backslashes and control bytes escaped. */
static void sb_json(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			char e[2] = { '\\', (char)ch };

			sb_add(b, e, 2);
		} else if (ch < 0x20 || ch == 0x7f) {
			sb_printf(b, "\\u%04x", ch);
		} else {
			sb_add(b, (const char *)&ch, 1);
		}
	}
}

static void client_interest(struct client *c)
{
	uint32_t ev = 0;

	if (c->w.fd < 0)
		return;
	switch (c->state) {
	case C_IDLE:
	case C_READ: ev = EPOLLIN | EPOLLRDHUP; break;
	case C_QUEUED:
	case C_EXEC: ev = c->peer_eof ? 0 : EPOLLRDHUP; break;
	case C_WRITE: ev = EPOLLOUT; break;
	case C_LINGER: ev = EPOLLIN | EPOLLRDHUP; break;
	case C_DEAD: return;
	}
	gateway_watch(c->srv, &c->w, ev);
}

void client_set_state(struct client *c, enum client_state st)
{
	c->state = st;
	client_interest(c);
}

/* The struct goes to the graveyard (its exchange, if any, has ended). */
static void client_bury(struct client *c)
{
	struct serve *s = c->srv;

	timer_disarm(&s->th, &c->timer);
	c->state = C_DEAD;
	list_del(&c->link);
	list_add_tail(&s->grave_clients, &c->grave);
}

/* Close the connection; the struct follows unless its request is still with an instance. */
void client_close(struct client *c)
{
	struct serve *s = c->srv;

	if (c->state == C_DEAD)
		return;
	if (c->w.fd >= 0) {
		gateway_unwatch(s, &c->w);
		close(c->w.fd);
		c->w.fd = -1;
		s->nclients--;
		gateway_resume_accept(s);
	}
	if (c->state == C_QUEUED) {
		pool_unqueue(c->pool, c);
		c->pool->st.aborted++;
	}
	if (c->state == C_EXEC && c->inst) {
		c->pool->st.aborted++;
		return; /* the request timer stays armed: a wedged instance still gets its 504 */
	}
	client_bury(c);
}

void client_new(struct serve *s, int fd, const struct sockaddr_storage *ss)
{
	struct client *c = calloc(1, sizeof(*c));
	int one = 1;

	if (!c) {
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->srv = s;
	c->w = (struct watch){ .kind = W_CLIENT, .fd = fd };
	c->timer.kind = T_CLIENT;
	list_init(&c->qlink);
	list_init(&c->grave);
	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, c->peer,
		          sizeof(c->peer));
	else if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, c->peer,
		          sizeof(c->peer));
	else
		strcpy(c->peer, "unknown");
	list_add_tail(&s->clients, &c->link);
	s->nclients++;
	s->st.connections++;
	client_set_state(c, C_IDLE);
	timer_arm(&s->th, &c->timer, serve_now() + s->opt.client_timeout_ms);
}

static bool client_closing(const struct client *c)
{
	return c->close_after || !c->keep_alive || c->peer_eof || c->srv->stopping;
}

static void count_status(struct client *c, int status)
{
	struct fn_stats *st;

	if (!c->pool)
		return;
	st = &c->pool->st;
	if (status >= 500)
		st->s5xx++;
	else if (status >= 400)
		st->s4xx++;
	else if (status >= 300)
		st->s3xx++;
	else if (status >= 200)
		st->s2xx++;
}

static void client_parse(struct client *c);

/*
 * Close after a response, gently: closing a socket with unread bytes in it
 * sends a reset, which can destroy the response before the client read it
 * (an error answered before the request was read whole, say).  So shut our
 * side, read and drop what still comes until the client closes its side,
 * for LINGER_MS and LINGER_BYTES at most, then close.
 */
static void client_linger(struct client *c)
{
	struct serve *s = c->srv;
	unsigned ms = s->opt.client_timeout_ms < LINGER_MS ? s->opt.client_timeout_ms : LINGER_MS;

	if (c->w.fd < 0 || shutdown(c->w.fd, SHUT_WR) < 0) {
		client_close(c);
		return;
	}
	free(c->in);
	c->in = NULL;
	c->in_len = c->in_cap = 0;
	c->req_len = 0; /* counts the bytes dropped from now on */
	client_set_state(c, C_LINGER);
	timer_arm(&s->th, &c->timer, serve_now() + ms);
}

static void client_drain(struct client *c)
{
	char buf[16384];

	for (;;) {
		ssize_t n = recv(c->w.fd, buf, sizeof(buf), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0 || (c->req_len += (size_t)n) > LINGER_BYTES) {
			client_close(c);
			return;
		}
	}
}

/* The response went out: close, or wait for the next request. */
static void client_done(struct client *c)
{
	struct serve *s = c->srv;

	free(c->out_head);
	c->out_head = NULL;
	proxy_reset(c);
	if (client_closing(c)) {
		client_linger(c);
		return;
	}
	c->in_len -= c->req_len;
	if (c->in_len)
		memmove(c->in, c->in + c->req_len, c->in_len);
	if (c->in_len == 0) { /* an idle keep-alive connection holds no buffer */
		free(c->in);
		c->in = NULL;
		c->in_cap = 0;
	} else if (c->in_cap > SERVE_HEAD_MAX && c->in_len <= IN_MIN) {
		char *nb = realloc(c->in, IN_MIN);

		if (nb) {
			c->in = nb;
			c->in_cap = IN_MIN;
		}
	}
	c->head_done = false;
	c->req_len = 0;
	c->req.scan = 0;
	c->req.line_ok = false;
	c->pool = NULL;
	client_set_state(c, C_IDLE);
	timer_arm(&s->th, &c->timer, serve_now() + s->opt.client_timeout_ms);
	if (c->in_len && !c->parsing)
		client_parse(c);
}

static void client_write(struct client *c)
{
	struct serve *s = c->srv;

	while (c->out_left) {
		struct msghdr m = { .msg_iov = c->iov, .msg_iovlen = 2 };
		ssize_t n = sendmsg(c->w.fd, &m, MSG_NOSIGNAL);
		size_t k;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				client_set_state(c, C_WRITE);
				return;
			}
			client_close(c);
			return;
		}
		c->out_left -= (size_t)n;
		for (k = 0; k < 2; k++) {
			size_t d = (size_t)n < c->iov[k].iov_len ? (size_t)n : c->iov[k].iov_len;

			c->iov[k].iov_base = (char *)c->iov[k].iov_base + d;
			c->iov[k].iov_len -= d;
			n -= (ssize_t)d;
		}
		timer_arm(&s->th, &c->timer, serve_now() + s->opt.client_timeout_ms);
	}
	client_done(c);
}

/* Send head (malloc'd, taken) and body (owned by the exchange) as the response. */
static void client_send(struct client *c, char *head, size_t head_len, const char *body,
                        size_t body_len)
{
	struct serve *s = c->srv;

	if (c->w.fd < 0) { /* the client went away while its request ran */
		free(head);
		proxy_reset(c);
		client_bury(c);
		return;
	}
	c->out_head = head;
	c->iov[0] = (struct iovec){ head, head_len };
	c->iov[1] = (struct iovec){ (void *)body, body_len };
	c->out_left = head_len + body_len;
	c->state = C_WRITE;
	timer_arm(&s->th, &c->timer, serve_now() + s->opt.client_timeout_ms);
	client_write(c);
}

void client_error(struct client *c, int status, const char *code, const char *fmt, ...)
{
	struct sbuf body = { 0 }, head = { 0 };
	char msg[512];
	va_list ap;

	count_status(c, status);
	if (status == 400 || status == 408 || status == 411 || status == 413 || status == 417 ||
	    status == 431 || status == 500 || status == 501 || status == 505)
		c->close_after = true; /* the rest of the stream cannot be trusted */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sb_printf(&body, "{\"error\":\"%s\",\"status\":%d,\"message\":\"", code, status);
	sb_json(&body, msg);
	sb_str(&body, "\"}\n");
	sb_printf(&head, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n", status,
	          http_reason(status));
	if (status == 503)
		sb_str(&head, "Retry-After: 1\r\n");
	if (client_closing(c))
		sb_str(&head, "Connection: close\r\n");
	else if (c->head_done && c->req.minor == 0)
		sb_str(&head, "Connection: keep-alive\r\n");
	sb_printf(&head, "Content-Length: %zu\r\n\r\n", body.len);
	sb_add(&head, body.p, body.len);
	free(body.p);
	if (head.oom || body.oom) {
		free(head.p);
		client_close(c);
		return;
	}
	proxy_reset(c);
	client_send(c, head.p, head.len, "", 0);
}

/* Whether `name` is listed in one of the Connection fields of a parsed head. */
static bool named_by_connection(const char *buf, const struct http_field *f, unsigned nf,
                                const char *name, size_t len)
{
	for (unsigned i = 0; i < nf; i++) {
		const char *v = buf + f[i].value;
		size_t n = f[i].value_len, k = 0;

		if (!http_field_is(buf, &f[i], "connection"))
			continue;
		while (k < n) {
			size_t s0, e;

			while (k < n && (v[k] == ' ' || v[k] == '\t' || v[k] == ','))
				k++;
			s0 = k;
			while (k < n && v[k] != ',')
				k++;
			e = k;
			while (e > s0 && (v[e - 1] == ' ' || v[e - 1] == '\t'))
				e--;
			if (e - s0 == len && strncasecmp(v + s0, name, len) == 0)
				return true;
		}
	}
	return false;
}

/* Hop-by-hop fields (RFC 9110 7.6.1) and those the gateway sets itself. */
static bool dropped_field(const char *buf, const struct http_field *f, const struct http_field *all,
                          unsigned nf, bool request)
{
	static const char *const drop[] = { "connection", "keep-alive",        "proxy-connection",
		                            "te",         "transfer-encoding", "upgrade",
		                            "trailer",    "content-length",    NULL };

	for (const char *const *d = drop; *d; d++)
		if (http_field_is(buf, f, *d))
			return true;
	if (request &&
	    (http_field_is(buf, f, "expect") || http_field_is(buf, f, "x-forwarded-for")))
		return true;
	return named_by_connection(buf, all, nf, buf + f->name, f->name_len);
}

void client_relay(struct client *c)
{
	const struct http_resp *r = &c->resp;
	const char *b = c->rb;
	struct sbuf h = { 0 };
	size_t body_len = c->body_end - c->body_start;
	int st = r->status;

	count_status(c, st);
	if (r->reason_len)
		sb_printf(&h, "HTTP/1.1 %d %.*s\r\n", st, (int)r->reason_len, b + r->reason);
	else
		sb_printf(&h, "HTTP/1.1 %d %s\r\n", st, http_reason(st));
	for (unsigned i = 0; i < r->nf; i++) {
		const struct http_field *f = &r->f[i];

		if (dropped_field(b, f, r->f, r->nf, false))
			continue;
		sb_add(&h, b + f->name, f->name_len);
		sb_str(&h, ": ");
		sb_add(&h, b + f->value, f->value_len);
		sb_str(&h, "\r\n");
	}
	if (c->framing == F_NONE) {
		body_len = 0;
		/* HEAD and 304 say how long the body would be; 204 has none to speak of. */
		if (st != 204 && r->fr.content_length >= 0)
			sb_printf(&h, "Content-Length: %" PRId64 "\r\n", r->fr.content_length);
	} else {
		sb_printf(&h, "Content-Length: %zu\r\n", body_len);
	}
	if (client_closing(c))
		sb_str(&h, "Connection: close\r\n");
	else if (c->req.minor == 0)
		sb_str(&h, "Connection: keep-alive\r\n");
	sb_str(&h, "\r\n");
	if (h.oom) {
		free(h.p);
		if (c->w.fd >= 0) {
			client_error(c, 500, "internal", "out of memory for the response");
		} else {
			proxy_reset(c);
			client_bury(c);
		}
		return;
	}
	client_send(c, h.p, h.len, c->rb + c->body_start, body_len);
}

static void send_continue(struct client *c)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	ssize_t n = send(c->w.fd, cont, sizeof(cont) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);

	/* The socket is empty here; a partial write would leave the stream broken. */
	if (n >= 0 && (size_t)n != sizeof(cont) - 1)
		c->close_after = true;
}

static struct pool *pool_by_host(struct serve *s, const char *v, size_t n)
{
	size_t k = 0;

	if (n && v[0] == '[') { /* [v6]:port */
		while (k < n && v[k] != ']')
			k++;
		k += k < n;
	} else {
		while (k < n && v[k] != ':')
			k++;
	}
	while (k > 0 && v[k - 1] == '.') /* a fully qualified name: "echo.example." */
		k--;
	for (unsigned i = 0; i < s->npools; i++) {
		const char *h = s->pools[i].fn->host;

		if (h && strlen(h) == k && strncasecmp(h, v, k) == 0)
			return &s->pools[i];
	}
	return NULL;
}

static struct pool *pool_by_name(struct serve *s, const char *v, size_t n)
{
	for (unsigned i = 0; i < s->npools; i++) {
		const char *name = s->pools[i].fn->name;

		if (strlen(name) == n && memcmp(name, v, n) == 0)
			return &s->pools[i];
	}
	return NULL;
}

/* The head forwarded to the instance: the target rewritten, hop-by-hop fields dropped. */
static bool build_forward(struct client *c, const char *target, size_t tlen)
{
	const struct http_req *r = &c->req;
	const char *b = c->in;
	const struct serve_fn *fn = c->pool->fn;
	size_t body_len = c->req_len - r->head_len;
	struct sbuf h = { 0 };

	sb_add(&h, b + r->method, r->method_len);
	sb_str(&h, " ");
	if (tlen == 0 || target[0] != '/')
		sb_str(&h, "/");
	sb_add(&h, target, tlen);
	sb_str(&h, " HTTP/1.1\r\n");
	for (unsigned i = 0; i < r->nf; i++) {
		const struct http_field *f = &r->f[i];

		if (dropped_field(b, f, r->f, r->nf, true))
			continue;
		sb_add(&h, b + f->name, f->name_len);
		sb_str(&h, ": ");
		sb_add(&h, b + f->value, f->value_len);
		sb_str(&h, "\r\n");
	}
	if (r->host < 0)
		sb_printf(&h, "Host: %s\r\n", fn->host ? fn->host : fn->name);
	sb_printf(&h, "X-Forwarded-For: %s\r\n", c->peer);
	if (body_len || r->fr.content_length >= 0)
		sb_printf(&h, "Content-Length: %zu\r\n", body_len);
	sb_str(&h, "\r\n");
	if (h.oom) {
		free(h.p);
		return false;
	}
	c->fwd = h.p;
	c->fwd_len = h.len;
	return true;
}

/* A complete request: find its function, forward to its pool. */
static void client_route(struct client *c)
{
	struct serve *s = c->srv;
	const struct http_req *r = &c->req;
	const char *path = c->in + r->target, *target = path;
	size_t plen = r->target_len, tlen = plen;
	struct pool *p = NULL;

	s->st.requests++;
	if (r->host >= 0)
		p = pool_by_host(s, c->in + r->f[r->host].value, r->f[r->host].value_len);
	if (!p && plen > 4 && memcmp(path, "/fn/", 4) == 0) {
		size_t k = 4;

		while (k < plen && path[k] != '/' && path[k] != '?')
			k++;
		p = pool_by_name(s, path + 4, k - 4);
		target = path + k; /* "/rest?query", or "?query", or "" */
		tlen = plen - k;
	}
	if (!p) {
		s->st.unrouted++;
		client_error(
		        c, 404, "not_found",
		        "no function serves this host or path (functions are at /fn/NAME/...)");
		return;
	}
	c->pool = p;
	if (!build_forward(c, target, tlen)) {
		client_error(c, 500, "internal", "out of memory for the request");
		return;
	}
	timer_arm(&s->th, &c->timer, serve_now() + p->fn->timeout_ms);
	pool_submit(p, c);
}

static const char *parse_error_text(int status)
{
	switch (status) {
	case 431: return "the request head is larger than 16 KiB or has too many fields";
	case 417: return "the only expectation supported is 100-continue";
	case 501: return "the only transfer coding supported is chunked";
	case 500: return "out of memory";
	case 505: return "only HTTP/1.0 and HTTP/1.1 are served";
	default: return "malformed request";
	}
}

/* Act on what the buffer holds: requests, one after the other. */
static void client_parse(struct client *c)
{
	struct serve *s = c->srv;

	c->parsing = true;
	while ((c->state == C_IDLE || c->state == C_READ) && c->in_len) {
		if (!c->head_done) {
			int r = http_parse_request(c->in, c->in_len, SERVE_HEAD_MAX, &c->req);

			if (c->state == C_IDLE) { /* a request begins: its bytes have a deadline */
				client_set_state(c, C_READ);
				timer_arm(&s->th, &c->timer,
				          serve_now() + s->opt.client_timeout_ms);
			}
			if (r == 0)
				break;
			if (r < 0) {
				s->st.bad_requests++;
				client_error(c, -r, r == -431 ? "header_too_large" : "bad_request",
				             "%s", parse_error_text(-r));
				break;
			}
			c->head_done = true;
			c->keep_alive = c->req.minor == 1 ? !c->req.fr.conn_close
			                                  : c->req.fr.conn_keep_alive;
			if (c->req.fr.chunked) {
				s->st.bad_requests++;
				client_error(c, 411, "length_required",
				             "a request body needs a Content-Length (chunked "
				             "bodies are not accepted)");
				break;
			}
			if ((uint64_t)c->req.fr.content_length > s->opt.max_body &&
			    c->req.fr.content_length >= 0) {
				s->st.bad_requests++;
				client_error(c, 413, "body_too_large",
				             "the request body is larger than %llu bytes",
				             (unsigned long long)s->opt.max_body);
				break;
			}
			/* The buffer grows as the body arrives (client_fill), not as announced. */
			c->req_len = c->req.head_len + (c->req.fr.content_length > 0
			                                        ? (size_t)c->req.fr.content_length
			                                        : 0);
			if (c->req.expect_continue && c->req.minor == 1 && c->in_len < c->req_len)
				send_continue(c);
		}
		if (c->in_len < c->req_len)
			break;
		client_route(c);
	}
	c->parsing = false;
}

/* One recv into the buffer: >0 bytes, 0 at the end, -1 when nothing is there, -2 on error. */
static ssize_t client_fill(struct client *c)
{
	size_t want = c->head_done ? c->req_len : SERVE_HEAD_MAX;
	ssize_t n;

	if (c->in_len >= want)
		return -1;            /* everything needed is here; the parser decides */
	if (c->in_len == c->in_cap) { /* double, up to what the request needs */
		size_t cap = c->in_cap ? c->in_cap * 2 : IN_MIN;
		char *nb;

		if (cap > want)
			cap = want;
		nb = realloc(c->in, cap);
		if (!nb)
			return -2;
		c->in = nb;
		c->in_cap = cap;
	}
	do
		n = recv(c->w.fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -1 : -2;
	c->in_len += (size_t)n;
	return n;
}

void client_event(struct client *c, uint32_t events)
{
	switch (c->state) {
	case C_IDLE:
	case C_READ:
		for (;;) {
			ssize_t n = client_fill(c);

			if (n == -2) {
				client_close(c);
				return;
			}
			if (n == 0)
				c->peer_eof = true;
			if (n != -1 || c->in_len)
				client_parse(c);
			if (n == 0 && (c->state == C_IDLE || c->state == C_READ)) {
				client_close(
				        c); /* the client ended in the middle of a request, or between */
				return;
			}
			if (n <= 0 || (c->state != C_IDLE && c->state != C_READ))
				return;
		}
	case C_QUEUED:
	case C_EXEC:
		/* The client ended its side while waiting: it gave up (as nginx reads it). */
		if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			client_close(c);
		return;
	case C_WRITE:
		if (events & (EPOLLERR | EPOLLHUP))
			client_close(c);
		else if (events & EPOLLOUT)
			client_write(c);
		return;
	case C_LINGER: client_drain(c); return;
	case C_DEAD: return;
	}
}

void client_timer(struct serve *s, struct client *c)
{
	struct pool *p = c->pool;
	char why[160];

	switch (c->state) {
	case C_IDLE: client_close(c); break;
	case C_READ:
		s->st.client_timeouts++;
		client_error(c, 408, "request_timeout", "the request did not arrive within %.1f s",
		             s->opt.client_timeout_ms / 1000.0);
		break;
	case C_QUEUED:
		pool_unqueue(p, c);
		p->st.timeouts++;
		client_error(c, 504, "timeout", "function %s: no instance was free within %.1f s",
		             p->fn->name, p->fn->timeout_ms / 1000.0);
		break;
	case C_EXEC:
		p->st.timeouts++;
		snprintf(why, sizeof(why), "a request timed out after %.1f s",
		         p->fn->timeout_ms / 1000.0);
		inst_fail(c->inst, 504, false, why);
		break;
	case C_WRITE:
		s->st.client_timeouts++;
		client_close(c);
		break;
	case C_LINGER: client_close(c); break;
	case C_DEAD: break;
	}
}

void client_free(struct client *c)
{
	free(c->in);
	free(c->out_head);
	proxy_reset(c);
	free(c);
}
