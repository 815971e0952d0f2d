/* httpclient: overlapping connection attempts until a starting HTTP server gives its first complete answer. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem, ppoll */
#endif
#include "httpclient.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BACKOFF_MIN_NS 50000L /* first pause between attempts */
#define MAX_PENDING    8      /* attempts in flight at once */
#define RESP_MAX       65536  /* head and body of the answer we wait for */
#define REQUEST        "GET / HTTP/1.1\r\nHost: peer\r\nConnection: close\r\n\r\n"

enum { FREE, CONNECTING, SENT };

struct attempt {
	int state;
	int fd;
	int64_t started;
	size_t len;
	char buf[RESP_MAX];
};

int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int http_parse_addr(const char *host, const char *port, struct sockaddr_in *sa, char *err,
                    size_t errlen)
{
	char *end;
	long p = strtol(port, &end, 10);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (*port == '\0' || *end != '\0' || p < 1 || p > 65535) {
		snprintf(err, errlen, "bad port '%s'", port);
		return -1;
	}
	sa->sin_port = htons((unsigned short)p);
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
		snprintf(err, errlen, "bad host '%s' (an IPv4 address or localhost)", host);
		return -1;
	}
	return 0;
}

static void drop(struct attempt *a)
{
	if (a->state != FREE)
		close(a->fd);
	a->state = FREE;
}

/* Open one attempt: 0 if it is connecting or connected, -1 if refused at once. */
static int start(struct attempt *a, const struct sockaddr_in *sa)
{
	a->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->fd < 0)
		return -1;
	a->started = now_ns();
	a->len = 0;
	if (connect(a->fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0) {
		a->state = CONNECTING; /* poll reports it writable at once */
		return 0;
	}
	if (errno == EINPROGRESS) {
		a->state = CONNECTING;
		return 0;
	}
	close(a->fd);
	return -1;
}

/*
 * Is the response in A complete?  Returns its status (> 0) when it is, 0
 * when more must come, -1 when it cannot be an HTTP response.  AT_EOF: the
 * peer closed, which completes a response without Content-Length.
 */
static int complete(const struct attempt *a, int at_eof)
{
	const char *b = a->buf, *head_end, *p;
	size_t head_len;
	long body = -1;
	int status;

	head_end = memmem(b, a->len, "\r\n\r\n", 4);
	if (head_end == NULL)
		return a->len >= RESP_MAX ? -1 : 0;
	head_len = (size_t)(head_end - b) + 4;
	if (a->len < 12 || memcmp(b, "HTTP/1.", 7) != 0 || b[8] != ' ')
		return -1;
	status = atoi(b + 9);
	if (status < 100 || status > 999)
		return -1;
	for (p = b; p < head_end;) {
		const char *nl = memmem(p, (size_t)(head_end + 2 - p), "\r\n", 2);

		if (strncasecmp(p, "Content-Length:", 15) == 0)
			body = strtol(p + 15, NULL, 10);
		p = nl + 2;
	}
	if (body < 0)
		return at_eof ? status : (a->len >= RESP_MAX ? -1 : 0);
	if ((size_t)body > RESP_MAX - head_len)
		return -1;
	return a->len >= head_len + (size_t)body ? status : 0;
}

/* Advance A after poll said REVENTS: 0 still waiting, -1 failed (dropped), else its status. */
static int step(struct attempt *a, short revents, struct http_first_stats *st)
{
	if (a->state == CONNECTING) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		if (getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
			st->refused++;
			drop(a);
			return -1;
		}
		if (!(revents & POLLOUT))
			return 0;
		if (send(a->fd, REQUEST, sizeof(REQUEST) - 1, MSG_NOSIGNAL) !=
		    (ssize_t)(sizeof(REQUEST) - 1)) {
			st->closed++;
			drop(a);
			return -1;
		}
		a->state = SENT;
		return 0;
	}
	for (;;) {
		ssize_t n = read(a->fd, a->buf + a->len, RESP_MAX - a->len);
		int r;

		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0)
			a->len += (size_t)n;
		r = complete(a, n == 0);
		if (r > 0) {
			drop(a);
			return r;
		}
		if (r < 0 || n <= 0) {
			st->closed++;
			drop(a);
			return -1;
		}
	}
}

int http_first(const struct http_first_opts *opts, struct http_first_stats *stp, char *err,
               size_t errlen)
{
	static struct attempt att[MAX_PENDING];
	struct http_first_stats dummy;
	struct http_first_stats *st = stp ? stp : &dummy;
	int64_t backoff = BACKOFF_MIN_NS, cap = opts->backoff_max_us * 1000;
	int64_t next_open = 0;
	int i, result = -1;

	if (cap < BACKOFF_MIN_NS)
		cap = BACKOFF_MIN_NS;
	memset(st, 0, sizeof(*st));
	for (i = 0; i < MAX_PENDING; i++)
		att[i].state = FREE;

	for (;;) {
		struct pollfd pfd[MAX_PENDING];
		int idx[MAX_PENDING], n = 0, status;
		int64_t now = now_ns(), wait;

		if (now >= opts->deadline_ns) {
			snprintf(err, errlen,
			         "no complete HTTP answer before the deadline (%ld attempts: %ld "
			         "refused, "
			         "%ld closed, %ld silent)",
			         st->attempts, st->refused, st->closed, st->stale);
			break;
		}
		if (opts->watch > 0) {
			int ws;

			if (waitpid(opts->watch, &ws, WNOHANG) == opts->watch) {
				if (WIFEXITED(ws))
					snprintf(err, errlen,
					         "the server exited (status %d) before answering",
					         WEXITSTATUS(ws));
				else
					snprintf(err, errlen,
					         "the server died (signal %d) before answering",
					         WTERMSIG(ws));
				break;
			}
		}
		if (now >= next_open) {
			struct attempt *slot = NULL, *oldest = NULL;

			for (i = 0; i < MAX_PENDING; i++) {
				if (att[i].state == FREE)
					slot = &att[i];
				else if (oldest == NULL || att[i].started < oldest->started)
					oldest = &att[i];
			}
			if (slot ==
			    NULL) { /* all in flight: the oldest is the least likely to answer */
				st->stale++;
				drop(oldest);
				slot = oldest;
			}
			st->attempts++;
			if (start(slot, &opts->addr) != 0)
				st->refused++;
			next_open = now + backoff;
			backoff = backoff * 2 > cap ? cap : backoff * 2;
		}
		for (i = 0; i < MAX_PENDING; i++) {
			if (att[i].state == FREE)
				continue;
			pfd[n].fd = att[i].fd;
			pfd[n].events = att[i].state == CONNECTING ? POLLOUT : POLLIN;
			pfd[n].revents = 0;
			idx[n++] = i;
		}
		now = now_ns();
		wait = (next_open < opts->deadline_ns ? next_open : opts->deadline_ns) - now;
		if (wait < 0)
			wait = 0;
		if (opts->watch > 0 && wait > 10000000)
			wait = 10000000; /* look at the child every 10 ms at least */
		if (n == 0) {
			struct timespec ts = { .tv_sec = wait / 1000000000,
				               .tv_nsec = wait % 1000000000 };

			nanosleep(&ts, NULL);
			continue;
		}
		{
			/* ppoll for sub-millisecond pauses */
			struct timespec ts = { .tv_sec = wait / 1000000000,
				               .tv_nsec = wait % 1000000000 };

			if (ppoll(pfd, (nfds_t)n, &ts, NULL) < 0 && errno != EINTR) {
				snprintf(err, errlen, "poll: %s", strerror(errno));
				break;
			}
		}
		status = 0;
		for (i = 0; i < n && status <= 0; i++) {
			if (pfd[i].revents == 0)
				continue;
			status = step(&att[idx[i]], pfd[i].revents, st);
		}
		if (status > 0) {
			result = status;
			break;
		}
	}
	for (i = 0; i < MAX_PENDING; i++)
		drop(&att[i]);
	return result;
}
