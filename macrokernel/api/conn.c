/* nanvix-api's client connections: HTTP/1.1 requests in, replies, log streams and waits out. */
/*
 * A connection is in one of four states.  READ: bytes come in until a
 * whole request (head and Content-Length body) is there; the head is
 * parsed by serve/http.c, which refuses anything malformed.  WRITE: a
 * reply goes out.  STREAM: a console log goes out as chunks, read from
 * the file as the client takes them (so a slow reader holds one chunk,
 * not the log); with follow it ends once the VM has exited and the file
 * is read to its end.  WAIT: the reply comes when the VM exits or the
 * wait's time is up.
 *
 * Nothing a client does can stall the others: every socket is
 * non-blocking, a request must arrive whole within --client-timeout of
 * its first byte (a slow one gets 408 and is closed), a reply must make
 * progress within it, a head is at most API_HEAD_MAX bytes and a body at
 * most --max-body (413), and at most --max-conns connections are open
 * (one more is told 503 and closed).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <jansson.h>

#include <serve/http.h>

#include "api.h"

#define CHUNK_MAX 65536

enum conn_state { C_READ, C_WRITE, C_STREAM, C_WAIT };

struct api_conn {
	struct api_watch w; /* first: epoll's data.ptr */
	struct api_conn *next;
	int fd;
	bool tcp;
	char peer[64];
	enum conn_state st;
	double deadline; /* READ: the request's; WRITE and STREAM: progress's */
	bool close_after;
	bool dead; /* closed; freed by conn_reap once the event batch is over */
	int minor;

	char *in;
	size_t in_len, in_cap;
	struct http_req req;

	char *out;
	size_t out_len, out_off, out_cap;

	/* STREAM and WAIT */
	char vm_id[13];
	int log_fd;
	uint64_t log_off;
	bool follow, chunked, stream_done;
	bool invoke;   /* WAIT for a function's invocation: the answer is its output */
	bool snapshot; /* WAIT for a snapshot of the VM (snap.c) */
	double wait_deadline;
};

static struct api_conn *conns;
static int nconns;

int conn_count(void)
{
	return nconns;
}

static void set_events(struct api_conn *c, uint32_t ev)
{
	struct epoll_event e = { .events = ev | EPOLLRDHUP, .data.ptr = &c->w };

	epoll_ctl(api_epfd, EPOLL_CTL_MOD, c->fd, &e);
}

/*
 * Close c.  Its memory stays until conn_reap: a later event of the same
 * epoll batch, or a walk of the list that is under way, may still name it.
 */
static void conn_free(struct api_conn *c)
{
	if (c->dead)
		return;
	c->dead = true;
	nconns--;
	epoll_ctl(api_epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	if (c->log_fd >= 0)
		close(c->log_fd);
	c->log_fd = -1;
}

void conn_reap(void)
{
	struct api_conn **pp = &conns, *c;

	while ((c = *pp)) {
		if (!c->dead) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		free(c->in);
		free(c->out);
		free(c);
	}
}

static int out_reserve(struct api_conn *c, size_t more)
{
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len + more <= c->out_cap)
		return 0;
	size_t cap = c->out_cap ? c->out_cap : 4096;

	while (cap < c->out_len + more)
		cap *= 2;
	char *b = realloc(c->out, cap);

	if (!b)
		return -ENOMEM;
	c->out = b;
	c->out_cap = cap;
	return 0;
}

static void out_put(struct api_conn *c, const void *p, size_t n)
{
	if (out_reserve(c, n) == 0) {
		memcpy(c->out + c->out_len, p, n);
		c->out_len += n;
	}
}

static void out_printf(struct api_conn *c, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static void out_printf(struct api_conn *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		out_put(c, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* The reply's head; with chunked, Transfer-Encoding: chunked instead of a length. */
static void head(struct api_conn *c, const struct api_reply *rp, bool chunked)
{
	out_printf(c, "HTTP/1.%d %d %s\r\n", c->minor, rp->status, http_reason(rp->status));
	if (rp->content_type)
		out_printf(c, "Content-Type: %s\r\n", rp->content_type);
	if (chunked)
		out_printf(c, "Transfer-Encoding: chunked\r\n");
	else if (rp->status != 204 || rp->len)
		out_printf(c, "Content-Length: %zu\r\n", rp->len);
	if (rp->allow)
		out_printf(c, "Allow: %s\r\n", rp->allow);
	if (rp->retry_after)
		out_printf(c, "Retry-After: %d\r\n", rp->retry_after);
	if (rp->status == 401)
		out_printf(c, "WWW-Authenticate: Bearer\r\n");
	if (rp->headers[0])
		out_printf(c, "%s", rp->headers);
	if (c->close_after)
		out_printf(c, "Connection: close\r\n");
	out_printf(c, "\r\n");
}

static void send_reply(struct api_conn *c, struct api_reply *rp)
{
	head(c, rp, false);
	if (rp->body)
		out_put(c, rp->body, rp->len);
	free(rp->body);
	free((char *)rp->allow);
	rp->body = NULL;
	rp->allow = NULL;
	c->st = C_WRITE;
	c->deadline = api_now() + api_opt.client_timeout;
	set_events(c, EPOLLOUT);
}

/* Refuse the request in progress and close after the reply. */
static void refuse(struct api_conn *c, int status, const char *msg)
{
	struct api_reply rp = { 0 };

	c->close_after = true;
	routes_error(&rp, status, "%s", msg);
	metrics_request("-", status);
	send_reply(c, &rp);
}

void conn_accept(int lfd, bool tcp)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct api_conn *c;

	if (fd < 0)
		return;
	if (nconns >= api_opt.max_conns) {
#define BUSY_BODY "{\"code\":\"unavailable\",\"fault_message\":\"too many connections; retry\"}"
		char busy[256];
		int n = snprintf(
		        busy, sizeof(busy),
		        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
		        "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		        sizeof(BUSY_BODY) - 1, BUSY_BODY);

		if (write(fd, busy, (size_t)n) < 0) {
			/* nothing more to tell it */
		}
		close(fd);
		metrics_request("-", 503);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->w.kind = WATCH_CONN;
	c->fd = fd;
	c->tcp = tcp;
	c->log_fd = -1;
	c->minor = 1;
	if (tcp) {
		char a[INET6_ADDRSTRLEN] = "?";

		if (ss.ss_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, a, sizeof(a));
		snprintf(c->peer, sizeof(c->peer), "tcp %s", a);
	} else {
		struct ucred cr;
		socklen_t cl = sizeof(cr);

		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) == 0)
			snprintf(c->peer, sizeof(c->peer), "uid %d", (int)cr.uid);
		else
			snprintf(c->peer, sizeof(c->peer), "unix");
	}
	c->deadline = api_now() + api_opt.client_timeout;
	struct epoll_event e = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = &c->w };

	if (epoll_ctl(api_epfd, EPOLL_CTL_ADD, fd, &e) < 0) {
		close(fd);
		free(c);
		return;
	}
	c->next = conns;
	conns = c;
	nconns++;
}

/* Start on the next request: drop the one served from the input. */
static void next_request(struct api_conn *c, size_t used)
{
	memmove(c->in, c->in + used, c->in_len - used);
	c->in_len -= used;
	memset(&c->req, 0, sizeof(c->req));
	c->st = C_READ;
	c->close_after = false;
	c->deadline = api_now() + api_opt.client_timeout;
	set_events(c, EPOLLIN);
}

static const struct http_field *field(const struct api_conn *c, const char *name)
{
	for (unsigned i = 0; i < c->req.nf; i++)
		if (http_field_is(c->in, &c->req.f[i], name))
			return &c->req.f[i];
	return NULL;
}

static void stream_fill(struct api_conn *c);

/* A whole request is in c->in[0, used): answer it. */
static void dispatch(struct api_conn *c, size_t used)
{
	struct api_request rq = { 0 };
	struct api_reply rp;
	char method[8];
	const char *t = c->in + c->req.target, *q;
	size_t tl = c->req.target_len, pl;
	const struct http_field *auth = field(c, "authorization");

	snprintf(method, sizeof(method), "%.*s", (int)c->req.method_len, c->in + c->req.method);
	rq.method = method;
	q = memchr(t, '?', tl);
	pl = q ? (size_t)(q - t) : tl;
	if (pl >= sizeof(rq.path) || (q && tl - pl - 1 >= sizeof(rq.query))) {
		refuse(c, 400, "the request target is too long");
		return;
	}
	memcpy(rq.path, t, pl);
	if (q)
		memcpy(rq.query, q + 1, tl - pl - 1);
	rq.body = c->in + c->req.head_len;
	rq.body_len = used - c->req.head_len;
	if (auth) {
		rq.auth = c->in + auth->value;
		rq.auth_len = auth->value_len;
	}
	snprintf(rq.peer, sizeof(rq.peer), "%s", c->peer);
	rq.tcp = c->tcp;
	routes_handle(&rq, &rp);
	metrics_request(method, rp.status ? rp.status : 200);
	/* The request's bytes are not needed past here: drop them now. */
	memmove(c->in, c->in + used, c->in_len - used);
	c->in_len -= used;
	if (rp.kind == REPLY_WAIT || rp.kind == REPLY_INVOKE || rp.kind == REPLY_SNAPSHOT) {
		snprintf(c->vm_id, sizeof(c->vm_id), "%s", rp.vm_id);
		c->wait_deadline = rp.wait_deadline;
		c->invoke = rp.kind == REPLY_INVOKE;
		c->snapshot = rp.kind == REPLY_SNAPSHOT;
		c->st = C_WAIT;
		set_events(c, 0);
		return;
	}
	if (rp.kind == REPLY_LOG_STREAM) {
		char path[4096];
		struct api_vm *vm = vm_find(rp.vm_id);

		snprintf(c->vm_id, sizeof(c->vm_id), "%s", rp.vm_id);
		vm_log_path(vm, path, sizeof(path));
		c->log_fd = open(path, O_RDONLY | O_CLOEXEC);
		c->log_off = rp.since;
		c->follow = rp.wait_deadline != 0;
		c->chunked = c->minor >= 1;
		if (!c->chunked)
			c->close_after = true; /* HTTP/1.0: the end of the body is the close */
		c->stream_done = false;
		head(c, &rp, c->chunked);
		c->st = C_STREAM;
		c->deadline = api_now() + api_opt.client_timeout;
		stream_fill(c);
		set_events(c, EPOLLOUT);
		return;
	}
	send_reply(c, &rp);
}

/* Try to take a whole request from the input. */
static void take_request(struct api_conn *c)
{
	int r = http_parse_request(c->in, c->in_len, API_HEAD_MAX, &c->req);

	if (r < 0) {
		refuse(c, -r,
		       r == -431 ? "the request head is too large"
		       : r == -501
		               ? "a request body must have a Content-Length, not a transfer coding"
		       : r == -505 ? "only HTTP/1.0 and HTTP/1.1 are served"
		                   : "malformed request");
		return;
	}
	if (r == 0)
		return;
	c->minor = c->req.minor;
	c->close_after = c->req.fr.conn_close || (c->req.minor == 0 && !c->req.fr.conn_keep_alive);
	if (c->req.fr.te) {
		refuse(c, 411, "a request body must have a Content-Length, not a transfer coding");
		return;
	}
	int64_t cl = c->req.fr.content_length < 0 ? 0 : c->req.fr.content_length;

	if ((uint64_t)cl > api_opt.max_body) {
		refuse(c, 413, "the request body is larger than the daemon's --max-body");
		return;
	}
	size_t need = c->req.head_len + (size_t)cl;

	if (c->in_len < need) {
		if (c->req.expect_continue && c->in_len == c->req.head_len) {
			static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

			if (send(c->fd, cont, sizeof(cont) - 1, MSG_NOSIGNAL) < 0) {
				/* the client goes on sending, or it is gone: either way, carry on */
			}
			c->req.expect_continue = false;
		}
		return;
	}
	dispatch(c, need);
}

static void do_read(struct api_conn *c)
{
	size_t cap = API_HEAD_MAX + api_opt.max_body;

	for (;;) {
		if (c->in_len == c->in_cap) {
			size_t n = c->in_cap ? c->in_cap * 2 : 4096;

			if (n > cap)
				n = cap;
			if (n == c->in_cap) {
				refuse(c, 413,
				       "the request is larger than the daemon's --max-body");
				return;
			}
			char *b = realloc(c->in, n);

			if (!b) {
				conn_free(c);
				return;
			}
			c->in = b;
			c->in_cap = n;
		}
		ssize_t n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			conn_free(c);
			return;
		}
		if (n < 0)
			break;
		c->in_len += (size_t)n;
		take_request(c);
		if (c->st != C_READ)
			return;
	}
}

/* Finish a reply once all of it is out: the next request, or close. */
static void replied(struct api_conn *c)
{
	if (c->close_after) {
		conn_free(c);
		return;
	}
	if (c->log_fd >= 0) {
		close(c->log_fd);
		c->log_fd = -1;
	}
	next_request(c, 0);
	if (c->in_len)
		take_request(c); /* a pipelined request */
}

static void stream_fill(struct api_conn *c)
{
	char buf[CHUNK_MAX];
	struct api_vm *vm;
	ssize_t n;

	if (c->out_off < c->out_len || c->stream_done)
		return;
	n = c->log_fd >= 0 ? pread(c->log_fd, buf, sizeof(buf), (off_t)c->log_off) : 0;
	if (n > 0) {
		c->log_off += (uint64_t)n;
		if (c->chunked)
			out_printf(c, "%zx\r\n", (size_t)n);
		out_put(c, buf, (size_t)n);
		if (c->chunked)
			out_put(c, "\r\n", 2);
		return;
	}
	vm = vm_find(c->vm_id);
	if (c->follow && vm && vm->state != VM_EXITED) {
		if (c->log_fd < 0 && vm->state != VM_CREATED) {
			char path[4096];

			vm_log_path(vm, path, sizeof(path));
			c->log_fd = open(path, O_RDONLY | O_CLOEXEC);
		}
		return; /* more may come */
	}
	if (c->chunked)
		out_put(c, "0\r\n\r\n", 5);
	c->stream_done = true;
}

static void do_write(struct api_conn *c)
{
	for (;;) {
		if (c->out_off == c->out_len) {
			if (c->st == C_STREAM && !c->stream_done) {
				stream_fill(c);
				if (c->out_off == c->out_len) {
					set_events(c, 0); /* the tick looks for more */
					return;
				}
				continue;
			}
			replied(c);
			return;
		}
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			set_events(c, EPOLLOUT);
			return;
		}
		if (n <= 0) {
			conn_free(c);
			return;
		}
		c->out_off += (size_t)n;
		c->deadline = api_now() + api_opt.client_timeout;
	}
}

void conn_event(struct api_conn *c, uint32_t events)
{
	if (c->dead)
		return;
	if (events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)) {
		/* A client that is gone: a wait or a stream for it ends here. */
		if (c->st == C_WAIT || c->st == C_STREAM || (events & (EPOLLHUP | EPOLLERR))) {
			conn_free(c);
			return;
		}
	}
	if (c->st == C_READ && (events & (EPOLLIN | EPOLLRDHUP)))
		do_read(c);
	else if ((c->st == C_WRITE || c->st == C_STREAM) && (events & EPOLLOUT))
		do_write(c);
}

static void answer_wait(struct api_conn *c, const struct api_vm *vm)
{
	struct api_reply rp = { 0 };

	if (c->invoke) {
		c->invoke = false;
		fn_invoke_reply(vm, &rp);
		send_reply(c, &rp);
		return;
	}
	rp.status = 200;
	rp.content_type = "application/json";
	rp.body = routes_vm_json(vm, &rp.len);
	((struct api_vm *)vm)->waited = true;
	send_reply(c, &rp);
}

void conn_vm_exited(const struct api_vm *vm)
{
	struct api_conn *c, *next;

	for (c = conns; c; c = next) {
		next = c->next;
		if (c->dead || strcmp(c->vm_id, vm->id))
			continue;
		if (c->st == C_WAIT && !c->snapshot)
			answer_wait(c, vm);
		else if (c->st == C_STREAM)
			do_write(c);
	}
}

void conn_vm_snapshot(const struct api_vm *vm, int status, void *o, const char *msg)
{
	for (struct api_conn *c = conns; c; c = c->next) {
		struct api_reply rp = { 0 };

		if (c->dead || c->st != C_WAIT || !c->snapshot || strcmp(c->vm_id, vm->id))
			continue;
		if (o)
			routes_reply_json(&rp, status, json_incref(o));
		else
			routes_error(&rp, status, "%s", msg);
		send_reply(c, &rp);
	}
}

bool conn_vm_watched(const struct api_vm *vm)
{
	for (struct api_conn *c = conns; c; c = c->next)
		if (!c->dead && (c->st == C_WAIT || c->st == C_STREAM) && !strcmp(c->vm_id, vm->id))
			return true;
	return false;
}

void conn_tick(double now)
{
	struct api_conn *c, *next;

	for (c = conns; c; c = next) {
		next = c->next;
		if (c->dead)
			continue;
		switch (c->st) {
		case C_READ:
			if (now < c->deadline)
				break;
			if (c->in_len == 0)
				conn_free(c); /* an idle kept connection */
			else
				refuse(c, 408,
				       "the request did not arrive within --client-timeout");
			break;
		case C_WRITE:
			if (now >= c->deadline)
				conn_free(c);
			break;
		case C_STREAM:
			if (c->out_off < c->out_len && now >= c->deadline)
				conn_free(c);
			else if (c->out_off == c->out_len)
				do_write(c);
			break;
		case C_WAIT:
			if (now >= c->wait_deadline) {
				struct api_reply rp = { 0 };

				if (c->snapshot)
					routes_error(
					        &rp, 408,
					        "VM %s has not idled yet: its snapshot is still "
					        "pending (taken when it idles, or refused when it "
					        "exits)",
					        c->vm_id);
				else
					routes_error(&rp, 408, "VM %s is still running", c->vm_id);
				send_reply(c, &rp);
			} else if (!vm_find(c->vm_id)) {
				struct api_reply rp = { 0 };

				routes_error(&rp, 404, "VM %s is gone", c->vm_id);
				send_reply(c, &rp);
			}
			break;
		}
	}
}

void conn_close_all(void)
{
	for (struct api_conn *c = conns; c; c = c->next)
		conn_free(c);
	conn_reap();
}
