/* net/common.h: checks and socket helpers shared by the network tests (tests/posix/net/). */
#ifndef NET_TEST_COMMON_H
#define NET_TEST_COMMON_H

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Output rules: a test prints only what is the same natively and in a VM
 * (no addresses, ports, timings or kernel-chosen numbers), "ok NAME: ..."
 * lines on success and "FAIL NAME: ..." lines on a mismatch, and exits 0
 * only if nothing failed.  Children report through their exit status; only
 * the main process prints.
 */

/* Generous bound on any wait for something that must happen (ms). */
#define NET_WAIT_MS 20000

static const char *net_test = "net";
static int net_fails, net_fails_seen;

/* errno's symbolic name (the same with every libc), or its number. */
#define E_(x)         \
	{             \
		x, #x \
	}
static const struct {
	int e;
	const char *name;
} net_errnos[] = {
	E_(EAGAIN),          E_(EINPROGRESS),  E_(EALREADY),      E_(EISCONN),
	E_(ENOTCONN),        E_(ECONNREFUSED), E_(ECONNRESET),    E_(EPIPE),
	E_(EINTR),           E_(EINVAL),       E_(EBADF),         E_(ENOTSOCK),
	E_(EOPNOTSUPP),      E_(EADDRINUSE),   E_(EAFNOSUPPORT),  E_(EPROTONOSUPPORT),
	E_(ENOPROTOOPT),     E_(EDESTADDRREQ), E_(EFAULT),        E_(EMSGSIZE),
	E_(ENOENT),          E_(ETIMEDOUT),    E_(EADDRNOTAVAIL), E_(EPROTOTYPE),
	E_(ESOCKTNOSUPPORT), E_(ENOSYS),       E_(EMFILE),        E_(ENOTTY),
	E_(EEXIST),
};
#undef E_

static inline const char *ename(int e)
{
	static char buf[16];

	if (e == 0)
		return "0";
	for (size_t i = 0; i < sizeof(net_errnos) / sizeof(net_errnos[0]); i++)
		if (net_errnos[i].e == e)
			return net_errnos[i].name;
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

/* Record a failure: a FAIL line with the test's name, the line and errno. */
#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			int e_ = errno;                                        \
			net_fails++;                                           \
			printf("FAIL %s: ", net_test);                         \
			printf(__VA_ARGS__);                                   \
			printf(" (line %d, errno %s)\n", __LINE__, ename(e_)); \
			fflush(stdout);                                        \
		}                                                              \
	} while (0)

/* A call that must fail with errno WANT: CHECK it and say what came. */
#define CHECK_ERR(call, want, what)                                                   \
	do {                                                                          \
		errno = 0;                                                            \
		long r_ = (long)(call);                                               \
		int e_ = errno;                                                       \
		if (r_ != -1 || e_ != (want)) {                                       \
			net_fails++;                                                  \
			printf("FAIL %s: %s: got %ld/%s, want -1/%s (line "           \
			       "%d)\n",                                               \
			       net_test, what, r_, ename(e_), ename(want), __LINE__); \
			fflush(stdout);                                               \
		}                                                                     \
	} while (0)

/* A section's summary line: "ok ..." if no CHECK failed since the last one, else "not ok ...". */
#define OK(...)                                                          \
	do {                                                             \
		printf(net_fails == net_fails_seen ? "ok " : "not ok "); \
		printf(__VA_ARGS__);                                     \
		net_fails_seen = net_fails;                              \
	} while (0)

/* Give up at once (set-up failed: nothing further can be checked). */
#define DIE(...)                                                       \
	do {                                                           \
		int e_ = errno;                                        \
		printf("FAIL %s: ", net_test);                         \
		printf(__VA_ARGS__);                                   \
		printf(" (line %d, errno %s)\n", __LINE__, ename(e_)); \
		fflush(stdout);                                        \
		exit(1);                                               \
	} while (0)

/* Final status: 0 if no CHECK failed. */
static inline int net_done(void)
{
	fflush(stdout);
	return net_fails ? 1 : 0;
}

/* sockaddr_in for dotted ADDR and PORT (host order). */
static inline struct sockaddr_in sin_of(const char *addr, int port)
{
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		DIE("bad address '%s'", addr);
	return sa;
}

/* The local port of FD (host order), or -1. */
static inline int local_port(int fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
		return -1;
	return ntohs(sa.sin_port);
}

/* A socket of TYPE bound to ADDR on a kernel-chosen port (*port). */
static inline int bound_socket(int type, const char *addr, int *port)
{
	struct sockaddr_in sa = sin_of(addr, 0);
	int fd = socket(AF_INET, type, 0);

	if (fd < 0)
		DIE("socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		DIE("bind %s:0", addr);
	*port = local_port(fd);
	if (*port <= 0)
		DIE("getsockname after bind");
	return fd;
}

/* A TCP listener on ADDR, kernel-chosen port in *port. */
static inline int tcp_listener(const char *addr, int *port)
{
	int fd = bound_socket(SOCK_STREAM, addr, port);

	if (listen(fd, 128) != 0)
		DIE("listen");
	return fd;
}

/* A blocking TCP connection to ADDR:PORT. */
static inline int tcp_connect(const char *addr, int port)
{
	struct sockaddr_in sa = sin_of(addr, port);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		DIE("socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		DIE("connect %s", addr);
	return fd;
}

/* A connected TCP pair over loopback: *c the connecting end, *s the accepted one. */
static inline void tcp_pair(int *c, int *s)
{
	int port, l = tcp_listener("127.0.0.1", &port);

	*c = tcp_connect("127.0.0.1", port);
	*s = accept(l, NULL, NULL);
	if (*s < 0)
		DIE("accept");
	close(l);
}

/* Write all N bytes of BUF (0), or -1. */
static inline int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read exactly N bytes into BUF: N, fewer at end of file, or -1. */
static inline ssize_t read_full(int fd, void *buf, size_t n)
{
	char *p = buf;
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* Wait (NET_WAIT_MS at most) for EVENTS on FD: the revents, 0 on timeout. */
static inline short wait_for(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do
		r = poll(&p, 1, NET_WAIT_MS);
	while (r < 0 && errno == EINTR);
	return r > 0 ? p.revents : 0;
}

/* fork with stdout flushed first (a child must not repeat buffered output). */
static inline pid_t fork_flushed(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		DIE("fork");
	return pid;
}

/* Wait for child PID: its exit status, or 128 + signal. */
static inline int wait_child(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

#endif
