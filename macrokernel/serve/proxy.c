/* nanvix-serve's upstream side: one request's exchange with an instance over a stream socket. */
/*
 * The gateway reads a whole request before it picks an instance, and reads
 * the instance's whole response before it answers the client (up to
 * --max-response): an instance is busy for the time it computes, never for
 * the time a slow client takes, which is what concurrency 1 needs.  The
 * connection to an instance is kept between requests when its response
 * allows; a kept connection that went stale (the instance closed it, and
 * nothing of the response arrived) is retried once on a new one.  Any
 * other failure of the connection is a crash: the instance is destroyed
 * and the client gets 502.  Responses are framed by Content-Length,
 * chunked coding (decoded in place) or the end of the connection.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "serve_priv.h"

#define CHUNK_SLACK (64 * 1024) /* raw chunked bytes not yet decoded, beyond the body */

/* What went wrong with a response (progress() results below 0). */
enum { R_MALFORMED = -1, R_HEAD_TOO_LARGE = -2, R_TOO_LARGE = -3, R_UPGRADE = -4 };

void proxy_close_upstream(struct inst *in)
{
	if (in->w_up.fd < 0)
		return;
	gateway_unwatch(in->pool->srv, &in->w_up);
	close(in->w_up.fd);
	in->w_up.fd = -1;
	in->up_used = false;
}

void proxy_reset(struct client *c)
{
	free(c->fwd);
	free(c->rb);
	c->fwd = c->rb = NULL;
	c->fwd_len = c->rb_len = c->rb_cap = 0;
}

/* A kept connection is usable when it has neither ended nor carries unasked bytes. */
static bool upstream_alive(int fd)
{
	char b;
	ssize_t n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);

	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/* Open a new connection to the instance.  0, or -1 with errno. */
static int upstream_connect(struct inst *in, struct client *c)
{
	const struct sockaddr_storage *a = &in->pub.addr;
	int fd = socket(a->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1, e;

	if (fd < 0)
		return -1;
	if (a->ss_family == AF_INET || a->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)a, in->pub.addrlen) < 0 && errno != EINPROGRESS) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	in->w_up.fd = fd;
	in->up_used = false;
	c->connecting = true;
	gateway_watch(in->pool->srv, &in->w_up, EPOLLOUT);
	return 0;
}

/*
 * The connection failed (err: an errno, or 0 for an early end).  A kept
 * connection that failed before any byte of the response is retried once;
 * anything else is the instance's failure.
 */
static void upstream_error(struct inst *in, struct client *c, int err, const char *what)
{
	char why[160];

	if (c->reused && !c->retried && c->rb_len == 0 &&
	    (err == 0 || err == EPIPE || err == ECONNRESET)) {
		c->retried = true;
		proxy_close_upstream(in);
		c->sent = 0;
		if (upstream_connect(in, c) == 0)
			return;
		err = errno;
		what = "connecting";
	}
	if (err)
		snprintf(why, sizeof(why), "%s: %s", what, strerror(err));
	else
		snprintf(why, sizeof(why), "%s", what);
	inst_fail(in, 502, true, why);
}

static void proxy_send(struct inst *in, struct client *c)
{
	size_t body_len = c->req_len - c->req.head_len;

	for (;;) {
		struct iovec iov[2];
		struct msghdr m = { .msg_iov = iov };
		size_t boff = c->sent > c->fwd_len ? c->sent - c->fwd_len : 0;
		ssize_t n;

		if (c->sent < c->fwd_len)
			iov[m.msg_iovlen++] =
			        (struct iovec){ c->fwd + c->sent, c->fwd_len - c->sent };
		if (boff < body_len)
			iov[m.msg_iovlen++] =
			        (struct iovec){ c->in + c->req.head_len + boff, body_len - boff };
		if (!m.msg_iovlen)
			break;
		n = sendmsg(in->w_up.fd, &m, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				gateway_watch(in->pool->srv, &in->w_up, EPOLLOUT);
				return;
			}
			upstream_error(in, c, errno, "sending the request");
			return;
		}
		c->sent += (size_t)n;
	}
	gateway_watch(in->pool->srv, &in->w_up, EPOLLIN | EPOLLRDHUP);
}

void proxy_start(struct inst *in, struct client *c)
{
	c->sent = 0;
	c->rb_len = 0;
	c->resp_head = false;
	memset(&c->resp, 0, sizeof(c->resp));
	memset(&c->ch, 0, sizeof(c->ch));
	c->framing = F_NONE;
	c->body_start = c->body_end = c->raw_pos = 0;
	c->retried = false;
	c->up_extra = false;
	c->connecting = false;
	if (in->w_up.fd >= 0 && !upstream_alive(in->w_up.fd))
		proxy_close_upstream(in);
	c->reused = in->w_up.fd >= 0;
	if (c->reused) {
		proxy_send(in, c);
		return;
	}
	if (upstream_connect(in, c) < 0)
		upstream_error(in, c, errno, "connecting");
}

static bool is_head_request(const struct client *c)
{
	return c->req.method_len == 4 && memcmp(c->in + c->req.method, "HEAD", 4) == 0;
}

/* Parse what arrived: 1 when the response is complete, 0 when more is needed, or R_*. */
static int progress(struct client *c)
{
	struct serve *s = c->srv;
	int r;

	while (!c->resp_head) {
		r = http_parse_response(c->rb, c->rb_len, SERVE_HEAD_MAX, &c->resp);
		if (r == 0)
			return 0;
		if (r < 0)
			return r == -2 ? R_HEAD_TOO_LARGE : R_MALFORMED;
		if (c->resp.status >= 200)
			break;
		if (c->resp.status == 101)
			return R_UPGRADE;
		/* An interim response (103 Early Hints...): the gateway drops it. */
		memmove(c->rb, c->rb + c->resp.head_len, c->rb_len - c->resp.head_len);
		c->rb_len -= c->resp.head_len;
		memset(&c->resp, 0, sizeof(c->resp));
	}
	if (!c->resp_head) {
		c->resp_head = true;
		c->body_start = c->body_end = c->raw_pos = c->resp.head_len;
		if (is_head_request(c) || c->resp.status == 204 || c->resp.status == 304)
			c->framing = F_NONE;
		else if (c->resp.fr.chunked)
			c->framing = F_CHUNKED;
		else if (c->resp.fr.te || c->resp.fr.content_length < 0)
			c->framing = F_CLOSE;
		else if ((uint64_t)c->resp.fr.content_length > s->opt.max_response)
			return R_TOO_LARGE;
		else
			c->framing = F_LENGTH;
	}
	switch (c->framing) {
	case F_NONE: c->up_extra = c->rb_len > c->body_start; return 1;
	case F_LENGTH:
		if (c->rb_len - c->body_start < (uint64_t)c->resp.fr.content_length)
			return 0;
		c->body_end = c->body_start + (size_t)c->resp.fr.content_length;
		c->up_extra = c->rb_len > c->body_end;
		return 1;
	case F_CHUNKED:
		r = http_chunked_decode(&c->ch, c->rb, &c->raw_pos, c->rb_len, &c->body_end,
		                        c->body_start + s->opt.max_response);
		/* Keep the buffer compact: the raw bytes left follow the data decoded. */
		memmove(c->rb + c->body_end, c->rb + c->raw_pos, c->rb_len - c->raw_pos);
		c->rb_len = c->body_end + (c->rb_len - c->raw_pos);
		c->raw_pos = c->body_end;
		if (r == 1)
			c->up_extra = c->rb_len > c->body_end;
		return r == -1 ? R_MALFORMED : r == -2 ? R_TOO_LARGE : r;
	case F_CLOSE: return c->rb_len - c->body_start > s->opt.max_response ? R_TOO_LARGE : 0;
	}
	return R_MALFORMED;
}

/* The response is complete: hand it to the client, free the instance. */
static void finish(struct inst *in, struct client *c)
{
	struct serve *s = in->pool->srv;
	/*
	 * Kept only when the response's end is certain.  Not after HEAD: a
	 * server that sends a body anyway (some do) would have it read as the
	 * next response, if it arrives after the head.
	 */
	bool keep = c->framing != F_CLOSE && !c->up_extra && !c->resp.fr.conn_close &&
	            (c->resp.minor >= 1 || c->resp.fr.conn_keep_alive) && !is_head_request(c);

	if (keep) {
		in->up_used = true;
		gateway_watch(s, &in->w_up, EPOLLRDHUP); /* learn when the instance closes it */
	} else {
		proxy_close_upstream(in);
	}
	in->client = NULL;
	c->inst = NULL;
	client_relay(c);
	inst_release(in);
}

static void bad_response(struct inst *in, int r)
{
	char why[160];

	switch (r) {
	case R_HEAD_TOO_LARGE:
		snprintf(why, sizeof(why), "its response head was larger than %d bytes",
		         SERVE_HEAD_MAX);
		break;
	case R_TOO_LARGE:
		snprintf(why, sizeof(why),
		         "its response was larger than --max-response (%llu bytes)",
		         (unsigned long long)in->pool->srv->opt.max_response);
		break;
	case R_UPGRADE: snprintf(why, sizeof(why), "it switched protocols (not supported)"); break;
	default: snprintf(why, sizeof(why), "it sent a malformed response"); break;
	}
	inst_fail(in, 502, false, why);
}

/* The most the receive buffer may hold at this point of the response. */
static size_t rb_limit(const struct client *c)
{
	uint64_t max = c->srv->opt.max_response;

	if (!c->resp_head)
		return SERVE_HEAD_MAX;
	if (c->framing == F_LENGTH)
		return c->body_start + (size_t)c->resp.fr.content_length + 1;
	return c->body_start + max + (c->framing == F_CHUNKED ? CHUNK_SLACK : 1);
}

/*
 * Acknowledge the instance's segments at once.  An instance that writes its
 * head and its body in two calls, without TCP_NODELAY, holds the second
 * back (Nagle) until the first is acknowledged, which a delayed ACK puts
 * off by up to 40 ms on every response.  Linux clears the flag again as it
 * pleases, so it is set before every read.
 */
static void quick_ack(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

static void proxy_recv(struct inst *in, struct client *c)
{
	for (;;) {
		ssize_t n;
		int r;

		if (c->rb_len == c->rb_cap) {
			size_t lim = rb_limit(c), cap = c->rb_cap ? c->rb_cap * 2 : 16384;
			char *nb;

			if (c->rb_cap >= lim) {
				bad_response(in, c->resp_head ? R_TOO_LARGE : R_HEAD_TOO_LARGE);
				return;
			}
			if (cap > lim)
				cap = lim;
			nb = realloc(c->rb, cap);
			if (!nb) {
				inst_fail(in, 502, false, "out of memory for its response");
				return;
			}
			c->rb = nb;
			c->rb_cap = cap;
		}
		quick_ack(in->w_up.fd);
		n = recv(in->w_up.fd, c->rb + c->rb_len, c->rb_cap - c->rb_len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				upstream_error(in, c, errno, "reading the response");
			return;
		}
		if (n == 0) {
			if (c->resp_head && c->framing == F_CLOSE) {
				c->body_end = c->rb_len;
				finish(in, c);
			} else {
				upstream_error(in, c, 0,
				               c->rb_len
				                       ? "the connection closed in the middle of "
				                         "the response"
				                       : "the connection closed before a response");
			}
			return;
		}
		c->rb_len += (size_t)n;
		r = progress(c);
		if (r == 1) {
			finish(in, c);
			return;
		}
		if (r < 0) {
			bad_response(in, r);
			return;
		}
	}
}

void proxy_event(struct inst *in, uint32_t events)
{
	struct client *c = in->client;

	if (in->state != I_BUSY || !c) {
		/* A kept connection between requests: the instance closed it (or spoke unasked). */
		proxy_close_upstream(in);
		return;
	}
	if (c->connecting) {
		int err = 0;
		socklen_t len = sizeof(err);
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);

		if (getsockopt(in->w_up.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			upstream_error(in, c, err, "connecting");
			return;
		}
		if (getpeername(in->w_up.fd, (struct sockaddr *)&peer, &plen) < 0)
			return; /* still connecting: a wake-up meant for an earlier connection */
		c->connecting = false;
	}
	if (c->sent < c->fwd_len + (c->req_len - c->req.head_len))
		proxy_send(in, c);
	else
		proxy_recv(in, c);
}
