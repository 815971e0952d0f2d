/* many: 1000 sequential connections, then 100 concurrent ones served by an epoll loop. */
#include "common.h"
#include <sys/epoll.h>

#define SEQUENTIAL 1000
#define CONCURRENT 100

/* Child for the sequential part: accept, echo one 4-byte number, close; N times. */
static int serve_sequential(int l)
{
	for (int i = 0; i < SEQUENTIAL; i++) {
		uint32_t v;
		int s = accept(l, NULL, NULL);
		if (s < 0)
			return 2;
		if (read_full(s, &v, sizeof(v)) != sizeof(v) || v != (uint32_t)i)
			return 3;
		if (write_all(s, &v, sizeof(v)) != 0)
			return 4;
		close(s);
	}
	return 0;
}

/* Child for the concurrent part: an epoll loop echoing on every connection until CONCURRENT ended. */
static int serve_epoll(int l)
{
	struct epoll_event ev = { .events = EPOLLIN }, out[32];
	int ep = epoll_create1(0), ended = 0, accepted = 0;
	char buf[512];

	if (ep < 0 || fcntl(l, F_SETFL, O_NONBLOCK) != 0)
		return 2;
	ev.data.fd = l;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev) != 0)
		return 3;
	while (ended < CONCURRENT) {
		int n = epoll_wait(ep, out, 32, 60000);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 4;
		for (int i = 0; i < n; i++) {
			int fd = out[i].data.fd;
			if (fd == l) {
				int s;
				while ((s = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					accepted++;
					ev.data.fd = s;
					if (epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) != 0)
						return 5;
				}
				if (errno != EAGAIN)
					return 6;
				continue;
			}
			for (;;) {
				ssize_t r = read(fd, buf, sizeof(buf));
				if (r > 0) {
					/* Small replies fit the send buffer: a blocking-style write is fine. */
					if (write_all(fd, buf, (size_t)r) != 0)
						return 7;
					continue;
				}
				if (r < 0 && errno == EAGAIN)
					break;
				if (r < 0 && errno != ECONNRESET)
					return 8;
				close(fd); /* also leaves the epoll set */
				ended++;
				break;
			}
		}
	}
	return accepted == CONCURRENT ? 0 : 9;
}

static void sequential(void)
{
	int port, l = tcp_listener("127.0.0.1", &port), st, good = 0;
	pid_t pid = fork_flushed();

	if (pid == 0)
		_exit(serve_sequential(l));
	close(l);
	for (int i = 0; i < SEQUENTIAL; i++) {
		uint32_t v = (uint32_t)i, back = ~0u;
		int c = tcp_connect("127.0.0.1", port);
		if (write_all(c, &v, sizeof(v)) == 0 && read_full(c, &back, sizeof(back)) == 4 &&
		    back == v)
			good++;
		close(c);
	}
	CHECK(good == SEQUENTIAL, "%d of %d sequential echoes right", good, SEQUENTIAL);
	st = wait_child(pid);
	CHECK(st == 0, "sequential server status %d", st);
	OK("many: %d sequential connections\n", SEQUENTIAL);
}

static void concurrent(void)
{
	int port, l = tcp_listener("127.0.0.1", &port), st, good = 0;
	int c[CONCURRENT];
	char msg[64], back[64];
	pid_t pid = fork_flushed();

	if (pid == 0)
		_exit(serve_epoll(l));
	close(l);
	for (int i = 0; i < CONCURRENT; i++)
		c[i] = tcp_connect("127.0.0.1", port);
	for (int i = 0; i < CONCURRENT; i++) {
		int n = snprintf(msg, sizeof(msg), "connection %d of %d", i, CONCURRENT);
		CHECK(write_all(c[i], msg, (size_t)n) == 0, "send on connection %d", i);
	}
	for (int i = CONCURRENT - 1; i >= 0; i--) {
		int n = snprintf(msg, sizeof(msg), "connection %d of %d", i, CONCURRENT);
		memset(back, 0, sizeof(back));
		if (read_full(c[i], back, (size_t)n) == n && memcmp(back, msg, (size_t)n) == 0)
			good++;
	}
	for (int i = 0; i < CONCURRENT; i++)
		close(c[i]);
	CHECK(good == CONCURRENT, "%d of %d concurrent echoes right", good, CONCURRENT);
	st = wait_child(pid);
	CHECK(st == 0, "epoll server status %d", st);
	OK("many: %d concurrent connections through one epoll loop\n", CONCURRENT);
}

int main(void)
{
	net_test = "many";
	sequential();
	concurrent();
	return net_done();
}
