/* netbulk: bulk TCP throughput: a server that sinks or sources N bytes a connection, and its timing client. */

/*
 * One static musl binary, run natively and in nanvixd (./z bench net).
 *
 *   netbulk serve PORT
 *       listen on 0.0.0.0:PORT, print "listening on PORT", then serve one
 *       connection at a time.  A connection starts with one request line:
 *         "sink N\n"    read N bytes and discard them, then answer "ok\n"
 *         "source N\n"  write N bytes (a fixed pattern), then close
 *       SIGTERM or SIGINT end it with status 0.
 *
 *   netbulk send|recv HOST PORT MIB RUNS
 *       RUNS connections to HOST:PORT (an IPv4 address), each timed with
 *       CLOCK_MONOTONIC from just before connect() to the end of the
 *       transfer: send = "sink" (MIB MiB from the client, until the "ok"
 *       comes back), recv = "source" (until the server's end of file after
 *       MIB MiB).  Prints one line:
 *         op=send|recv mib=MIB runs=RUNS median_mibs=X min_mibs=Y max_mibs=Z
 *       (MiB/s per connection; median as in benchrun).
 *
 * Any error is reported on stderr with exit status 1.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK    (256 * 1024)
#define MAX_MIB  4096
#define MAX_RUNS 1000
#define LINE_MAX 64

static char buf[CHUNK];
static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "netbulk: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void die_msg(const char *msg)
{
	fprintf(stderr, "netbulk: %s\n", msg);
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		die("clock_gettime");
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Write all of p[0..n): 0, or -1 (errno set). */
static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
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

/* Read one '\n'-ended line of at most LINE_MAX - 1 bytes into line: 0, or -1. */
static int read_line(int fd, char *line)
{
	size_t n = 0;

	while (n < LINE_MAX - 1) {
		ssize_t r = recv(fd, &line[n], 1, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (line[n] == '\n') {
			line[n] = '\0';
			return 0;
		}
		n++;
	}
	return -1;
}

/* Read and discard exactly n bytes: 0, or -1 (early end of file or error). */
static int sink(int fd, uint64_t n)
{
	while (n > 0) {
		ssize_t r = recv(fd, buf, n < CHUNK ? (size_t)n : CHUNK, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		n -= (uint64_t)r;
	}
	return 0;
}

/* Write n bytes of buf over and over: 0, or -1. */
static int source(int fd, uint64_t n)
{
	while (n > 0) {
		size_t k = n < CHUNK ? (size_t)n : CHUNK;

		if (write_all(fd, buf, k) < 0)
			return -1;
		n -= k;
	}
	return 0;
}

static uint64_t parse_u64(const char *s, uint64_t max, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v > max) {
		fprintf(stderr, "netbulk: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

/* Serve one connection's request; errors end the connection only. */
static void serve_one(int fd)
{
	char line[LINE_MAX], *arg;
	uint64_t n;

	if (read_line(fd, line) < 0)
		return;
	arg = strchr(line, ' ');
	if (!arg)
		return;
	*arg++ = '\0';
	n = strtoull(arg, NULL, 10);
	if (n > (uint64_t)MAX_MIB << 20)
		return;
	if (strcmp(line, "sink") == 0) {
		if (sink(fd, n) == 0)
			write_all(fd, "ok\n", 3);
	} else if (strcmp(line, "source") == 0) {
		source(fd, n);
	}
}

static int serve(const char *port_s)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct sigaction sa = { .sa_handler = on_stop }; /* no SA_RESTART: accept returns EINTR */
	int one = 1, lfd;

	a.sin_port = htons((uint16_t)parse_u64(port_s, 65535, "port"));
	a.sin_addr.s_addr = htonl(INADDR_ANY);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("bind");
	if (listen(lfd, 16) < 0)
		die("listen");
	printf("listening on %s\n", port_s);
	fflush(stdout);
	while (!stop) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept");
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		serve_one(fd);
		close(fd);
	}
	close(lfd);
	return 0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int client(int do_send, const char *host, const char *port_s, const char *mib_s,
                  const char *runs_s)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	uint64_t mib = parse_u64(mib_s, MAX_MIB, "MiB count");
	long runs = (long)parse_u64(runs_s, MAX_RUNS, "run count");
	uint64_t bytes = mib << 20;
	double *rate, median;
	char line[LINE_MAX];
	int one = 1;

	if (mib == 0 || runs == 0)
		die_msg("MIB and RUNS must be at least 1");
	a.sin_port = htons((uint16_t)parse_u64(port_s, 65535, "port"));
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
		die_msg("HOST must be an IPv4 address");
	signal(SIGPIPE, SIG_IGN);
	rate = calloc((size_t)runs, sizeof(*rate));
	if (!rate)
		die("calloc");
	for (long i = 0; i < runs; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0), len;
		double t0 = now_s(), t;

		if (fd < 0)
			die("socket");
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			die("connect");
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		len = snprintf(line, sizeof(line), "%s %llu\n", do_send ? "sink" : "source",
		               (unsigned long long)bytes);
		if (write_all(fd, line, (size_t)len) < 0)
			die("send request");
		if (do_send) {
			if (source(fd, bytes) < 0)
				die("send data");
			if (read_line(fd, line) < 0 || strcmp(line, "ok") != 0)
				die_msg("no 'ok' after the data");
		} else {
			ssize_t r;

			if (sink(fd, bytes) < 0)
				die_msg("connection ended before all the data");
			while ((r = recv(fd, buf, CHUNK, 0)) < 0 && errno == EINTR)
				;
			if (r != 0)
				die_msg("more data than asked for, or no end of file");
		}
		t = now_s() - t0;
		close(fd);
		rate[i] = (double)mib / t;
	}
	qsort(rate, (size_t)runs, sizeof(*rate), cmp_d);
	median = runs % 2 ? rate[runs / 2] : (rate[runs / 2 - 1] + rate[runs / 2]) / 2;
	printf("op=%s mib=%llu runs=%ld median_mibs=%.1f min_mibs=%.1f max_mibs=%.1f\n",
	       do_send ? "send" : "recv", (unsigned long long)mib, runs, median, rate[0],
	       rate[runs - 1]);
	free(rate);
	return 0;
}

int main(int argc, char **argv)
{
	for (size_t i = 0; i < CHUNK; i++)
		buf[i] = (char)('a' + i % 26);
	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		return serve(argv[2]);
	if (argc == 6 && (strcmp(argv[1], "send") == 0 || strcmp(argv[1], "recv") == 0))
		return client(strcmp(argv[1], "send") == 0, argv[2], argv[3], argv[4], argv[5]);
	fprintf(stderr, "usage: netbulk serve PORT\n"
	                "       netbulk send|recv HOST PORT MIB RUNS\n");
	return 2;
}
