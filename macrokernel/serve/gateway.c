/* nanvix-serve's gateway: the event loop, the listening socket, signals and the shutdown. */
/*
 * One thread runs everything that touches a client, an instance's
 * connection or a pool: a level-triggered epoll loop over non-blocking
 * sockets, with one timer heap for every deadline.  Backend calls, which
 * may block, run on workers (jobs.c) and report back through an eventfd.
 * Clients are client.c's, the connections to instances proxy.c's, the
 * pools pool.c's; this file dispatches their events and deadlines.
 *
 * Structs closed in the middle of an epoll batch go to a graveyard freed
 * after the batch, so that events later in the batch never see freed
 * memory; every handler tolerates a spurious wake-up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mk/logline.h>

#include "serve_priv.h"

#define ACCEPT_BURST 64
#define EMFILE_PAUSE 100 /* ms without accepting after running out of fds */

void serve_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line_v("nanvix-serve", fmt, ap);
	va_end(ap);
}

uint64_t serve_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void gateway_watch(struct serve *s, struct watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	if (w->added && w->events == events)
		return;
	if (epoll_ctl(s->ep, w->added ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, w->fd, &ev) < 0) {
		/* Only ENOMEM/ENOSPC can get here: the loop would miss this fd. */
		serve_log("epoll_ctl(fd %d): %s", w->fd, strerror(errno));
		abort();
	}
	w->added = true;
	w->events = events;
}

void gateway_unwatch(struct serve *s, struct watch *w)
{
	if (w->added)
		epoll_ctl(s->ep, EPOLL_CTL_DEL, w->fd, NULL);
	w->added = false;
	w->events = 0;
}

/* ---- the listening socket ---- */

void gateway_resume_accept(struct serve *s)
{
	if (!s->accept_paused || s->w_listen.fd < 0 || s->nclients >= s->opt.max_conns)
		return;
	s->accept_paused = false;
	timer_disarm(&s->th, &s->accept_timer);
	gateway_watch(s, &s->w_listen, EPOLLIN);
}

static void pause_accept(struct serve *s, unsigned ms)
{
	if (s->w_listen.fd < 0)
		return;
	s->accept_paused = true;
	gateway_watch(s, &s->w_listen, 0);
	if (ms)
		timer_arm(&s->th, &s->accept_timer, serve_now() + ms);
}

static void on_accept(struct serve *s)
{
	for (int i = 0; i < ACCEPT_BURST; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd;

		if (s->nclients >= s->opt.max_conns) {
			pause_accept(s, 0); /* the backlog holds the rest until one closes */
			return;
		}
		fd = accept4(s->w_listen.fd, (struct sockaddr *)&ss, &len,
		             SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			serve_log("accept: %s", strerror(errno));
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				pause_accept(s, EMFILE_PAUSE);
			return;
		}
		client_new(s, fd, &ss);
	}
}

int gateway_listen(struct serve *s, char *err, size_t errlen)
{
	const char *a = s->opt.listen, *colon = strrchr(a, ':');
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	char host[64], *end;
	unsigned long port;
	int fd, one = 1;

	if (!colon || (size_t)(colon - a) >= sizeof(host)) {
		snprintf(err, errlen, "--listen '%s': expected ADDR:PORT (e.g. 127.0.0.1:8080)", a);
		return -2;
	}
	memcpy(host, a, (size_t)(colon - a));
	host[colon - a] = 0;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port > 65535 || colon[1] == '-' || colon[1] == '+') {
		snprintf(err, errlen, "--listen '%s': the port must be from 0 to 65535", a);
		return -2;
	}
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;

		host[strlen(host) - 1] = 0;
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &v6->sin6_addr) != 1) {
			snprintf(err, errlen, "--listen '%s': '%s' is not an IPv6 address", a,
			         host + 1);
			return -2;
		}
		len = sizeof(*v6);
	} else {
		struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;

		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &v4->sin_addr) != 1) {
			snprintf(err, errlen,
			         "--listen '%s': '%s' is not an IPv4 address (IPv6: [ADDR]:PORT)",
			         a, host);
			return -2;
		}
		len = sizeof(*v4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 1024) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", a, strerror(errno));
		close(fd);
		return -1;
	}
	if (ss.ss_family == AF_INET6) {
		char t[INET6_ADDRSTRLEN];
		const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &v6->sin6_addr, t, sizeof(t));
		snprintf(s->url, sizeof(s->url), "http://[%s]:%u", t, ntohs(v6->sin6_port));
	} else {
		char t[INET_ADDRSTRLEN];
		const struct sockaddr_in *v4 = (const struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &v4->sin_addr, t, sizeof(t));
		snprintf(s->url, sizeof(s->url), "http://%s:%u", t, ntohs(v4->sin_port));
	}
	s->w_listen = (struct watch){ .kind = W_LISTEN, .fd = fd };
	s->accept_timer.kind = T_ACCEPT;
	return 0;
}

/* ---- readiness, signals, shutdown ---- */

void gateway_check_ready(struct serve *s)
{
	static const char ready[] = "READY=1\n";

	if (s->ready || s->stopping || !pools_ready(s))
		return;
	s->ready = true;
	printf("nanvix-serve: ready %s\n", s->url);
	fflush(stdout);
	if (s->opt.notify_fd >= 0) {
		if (write(s->opt.notify_fd, ready, sizeof(ready) - 1) < 0)
			serve_log("--notify-fd %d: %s", s->opt.notify_fd, strerror(errno));
		close(s->opt.notify_fd);
		s->opt.notify_fd = -1;
	}
}

static void print_stats(struct serve *s)
{
	for (unsigned i = 0; i < s->npools; i++)
		pool_print_stats(&s->pools[i]);
	serve_log("stats gateway: connections=%" PRIu64 " open=%u requests=%" PRIu64
	          " unrouted=%" PRIu64 " bad_requests=%" PRIu64 " client_timeouts=%" PRIu64,
	          s->st.connections, s->nclients, s->st.requests, s->st.unrouted,
	          s->st.bad_requests, s->st.client_timeouts);
}

void gateway_stop(struct serve *s, bool hurry)
{
	struct list *l, *next;

	if (s->stopping)
		hurry = true;
	if (!s->stopping) {
		s->stopping = true;
		if (s->w_listen.fd >= 0) {
			gateway_unwatch(s, &s->w_listen);
			close(s->w_listen.fd);
			s->w_listen.fd = -1;
		}
		timer_disarm(&s->th, &s->accept_timer);
	}
	/* Connections with no request in flight go now; with hurry, every request goes. */
	for (l = s->clients.next; l != &s->clients; l = next) {
		struct client *c = container_of(l, struct client, link);

		next = l->next;
		if (c->state == C_IDLE || c->state == C_READ || (hurry && c->state != C_EXEC))
			client_close(c);
	}
	if (hurry) {
		for (l = s->clients.next; l != &s->clients; l = next) {
			struct client *c = container_of(l, struct client, link);
			struct inst *in = c->inst;

			next = l->next;
			if (c->state != C_EXEC)
				continue;
			if (in) {
				in->client = NULL;
				c->inst = NULL;
				inst_fail(in, 0, false, "stopped with a request in flight");
			}
			proxy_reset(c);
			client_close(c);
		}
	}
	for (unsigned i = 0; i < s->npools; i++)
		pool_kick(&s->pools[i]);
}

static void on_signal(struct serve *s)
{
	struct signalfd_siginfo si;

	while (read(s->w_sig.fd, &si, sizeof(si)) == sizeof(si)) {
		bool again = s->stopping;

		if (si.ssi_signo == SIGUSR1) {
			print_stats(s);
			continue;
		}
		if (again && !s->exit_code)
			s->exit_code = 1; /* requests were cut short */
		gateway_stop(s, false);   /* the listener is closed before the line says so */
		serve_log("%s: %s", strsignal((int)si.ssi_signo),
		          again ? "stopping now, abandoning the requests in flight"
		                : "stopping: finishing the requests in flight");
	}
}

static void check_stopped(struct serve *s)
{
	bool all = true;

	if (!s->stopping || !list_empty(&s->clients))
		return;
	for (unsigned i = 0; i < s->npools; i++)
		all = pool_wind_down(&s->pools[i]) && all;
	s->done = all;
}

static void bury_the_dead(struct serve *s)
{
	while (!list_empty(&s->grave_clients)) {
		struct client *c = list_entry(&s->grave_clients, struct client, grave);

		list_del(&c->grave);
		client_free(c);
	}
	while (!list_empty(&s->grave_insts)) {
		struct inst *in = list_entry(&s->grave_insts, struct inst, grave);

		list_del(&in->grave);
		inst_free(in);
	}
}

static void on_event(struct serve *s, struct watch *w, uint32_t events)
{
	switch (w->kind) {
	case W_LISTEN:
		if (w->fd >= 0)
			on_accept(s);
		break;
	case W_SIGNAL: on_signal(s); break;
	case W_JOBS: jobs_reap(s, pool_job_done); break;
	case W_CLIENT: {
		struct client *c = container_of(w, struct client, w);

		if (c->state != C_DEAD && c->w.fd >= 0)
			client_event(c, events);
		break;
	}
	case W_UPSTREAM: {
		struct inst *in = container_of(w, struct inst, w_up);

		if (in->w_up.fd >= 0)
			proxy_event(in, events);
		break;
	}
	case W_DEAD: {
		struct inst *in = container_of(w, struct inst, w_dead);

		if (in->w_dead.fd >= 0)
			inst_dead_event(in);
		break;
	}
	case W_LOG: {
		struct inst *in = container_of(w, struct inst, w_log);

		if (in->w_log.fd >= 0)
			inst_log_event(in);
		break;
	}
	}
}

static void on_timer(struct serve *s, struct timer *t)
{
	switch (t->kind) {
	case T_CLIENT: client_timer(s, container_of(t, struct client, timer)); break;
	case T_INST:
	case T_POOL: pool_timer(s, t); break;
	case T_ACCEPT:
		s->accept_paused = true;
		gateway_resume_accept(s);
		break;
	}
}

int gateway_run(struct serve *s)
{
	struct epoll_event evs[64];

	gateway_watch(s, &s->w_sig, EPOLLIN);
	gateway_watch(s, &s->w_jobs, EPOLLIN);
	gateway_watch(s, &s->w_listen, EPOLLIN);
	for (unsigned i = 0; i < s->npools; i++)
		pool_start(&s->pools[i]);
	while (!s->done) {
		uint64_t now = serve_now(), next = timer_next(&s->th);
		int timeout = next == UINT64_MAX ? -1
		              : next <= now      ? 0
		                            : (int)(next - now < INT_MAX ? next - now : INT_MAX);
		int n = epoll_wait(s->ep, evs, 64, timeout);
		struct timer *t;

		if (n < 0 && errno != EINTR) {
			serve_log("epoll_wait: %s", strerror(errno));
			return 1;
		}
		for (int i = 0; i < n; i++)
			on_event(s, evs[i].data.ptr, evs[i].events);
		now = serve_now();
		while ((t = timer_pop_due(&s->th, now)) != NULL)
			on_timer(s, t);
		bury_the_dead(s);
		check_stopped(s);
	}
	print_stats(s);
	return s->exit_code;
}
