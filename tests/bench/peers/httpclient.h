/* httpclient.h: wait for a starting HTTP server's first complete answer (used by httpfirst and startlat). */
#ifndef PEERS_HTTPCLIENT_H
#define PEERS_HTTPCLIENT_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What http_first does and what it saw. */
struct http_first_opts {
	struct sockaddr_in addr; /* the server */
	int64_t deadline_ns;     /* CLOCK_MONOTONIC time to give up at */
	long backoff_max_us;     /* cap of the doubling pause between attempts (from 50 us) */
	pid_t watch;             /* if > 0: give up as soon as this child exits */
};

struct http_first_stats {
	long attempts; /* connections opened */
	long refused;  /* refused or failed to connect */
	long closed;   /* closed or reset before a complete answer */
	long stale;    /* connected but silent, given up to try a newer one */
};

/* now_ns: CLOCK_MONOTONIC in nanoseconds. */
int64_t now_ns(void);

/*
 * http_parse_addr: fill *SA from HOST (an IPv4 literal or "localhost") and
 * PORT (1..65535).  Returns 0, or -1 with a message in ERR.
 */
int http_parse_addr(const char *host, const char *port, struct sockaddr_in *sa, char *err,
                    size_t errlen);

/*
 * http_first: send "GET / HTTP/1.1" to the server, over and over, until one
 * attempt reads a complete response (head and Content-Length body, or up to
 * EOF without Content-Length).  Attempts overlap: a new connection opens
 * after each pause (50 us doubling up to opts->backoff_max_us) while older
 * ones still wait, because a proxy such as QEMU's user-mode network accepts
 * at once and holds the connection silent until the guest listens.  Returns
 * the HTTP status of the first complete response (200 from a healthy
 * server), or -1 with a one-line reason in ERR (deadline, watched child
 * exited).  *ST (may be NULL) counts the failed attempts.
 */
int http_first(const struct http_first_opts *opts, struct http_first_stats *st, char *err,
               size_t errlen);

#endif
