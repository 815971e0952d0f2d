/* readiness: poll, select, pselect and epoll (level, edge, one-shot, RDHUP) over sockets, pipes and an eventfd. */
#include "common.h"
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>

enum { T_SOCK = 1, T_PIPE = 2, T_EVFD = 4, T_OUT = 8 };

static int c, s, p[2], e, ep, closed_fd;
static volatile sig_atomic_t usr1;

static void on_usr1(int sig)
{
	(void)sig;
	usr1++;
}

/* Names of the poll bits this test looks at, in a fixed order. */
static const char *pbits(short re)
{
	static char bufs[6][64];
	static int next;
	char *buf = bufs[next++ % 6];

	snprintf(buf, sizeof(bufs[0]), "%s%s%s%s%s%s", re & POLLIN ? " IN" : "",
	         re & POLLOUT ? " OUT" : "", re & POLLRDHUP ? " RDHUP" : "",
	         re & POLLHUP ? " HUP" : "", re & POLLERR ? " ERR" : "",
	         re & POLLNVAL ? " NVAL" : "");
	return buf[0] ? buf + 1 : "none";
}

static const char *ebits(uint32_t ev)
{
	static char bufs[6][64];
	static int next;
	char *buf = bufs[next++ % 6];

	snprintf(buf, sizeof(bufs[0]), "%s%s%s%s%s", ev & EPOLLIN ? " IN" : "",
	         ev & EPOLLOUT ? " OUT" : "", ev & EPOLLRDHUP ? " RDHUP" : "",
	         ev & EPOLLHUP ? " HUP" : "", ev & EPOLLERR ? " ERR" : "");
	return buf[0] ? buf + 1 : "none";
}

/* One epoll_wait (TIMEOUT ms): the tags reported, events per tag in ev[]. */
static int ewait(int timeout, uint32_t ev[16])
{
	struct epoll_event out[8];
	int n, tags = 0;

	memset(ev, 0, 16 * sizeof(ev[0]));
	do
		n = epoll_wait(ep, out, 8, timeout);
	while (n < 0 && errno == EINTR);
	for (int i = 0; i < n; i++) {
		tags |= (int)out[i].data.u32;
		ev[out[i].data.u32 & 15] |= out[i].events;
	}
	return tags;
}

/* epoll_wait until every tag in WANT was reported (level-triggered only). */
static int ecollect(int want, uint32_t ev[16])
{
	uint32_t one[16];
	int tags = 0;

	memset(ev, 0, 16 * sizeof(ev[0]));
	for (int i = 0; i < 200 && (tags & want) != want; i++) {
		tags |= ewait(NET_WAIT_MS / 200, one);
		for (int t = 0; t < 16; t++)
			ev[t] |= one[t];
	}
	return tags;
}

static void ectl(int op, int fd, uint32_t events, uint32_t tag)
{
	struct epoll_event ev = { .events = events, .data.u32 = tag };

	if (epoll_ctl(ep, op, fd, &ev) != 0)
		DIE("epoll_ctl %d on tag %u", op, tag);
}

static void drain(void)
{
	char buf[64];
	uint64_t v;

	while (recv(s, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	while (read(p[0], buf, sizeof(buf)) > 0)
		;
	(void)!read(e, &v, sizeof(v));
}

static void test_poll(void)
{
	struct pollfd f[5] = { { .fd = s, .events = POLLIN },
		               { .fd = p[0], .events = POLLIN },
		               { .fd = e, .events = POLLIN },
		               { .fd = c, .events = POLLOUT },
		               { .fd = -2, .events = POLLIN } };
	uint64_t one = 1;
	int n;

	f[4].fd = closed_fd;
	n = poll(f, 5, 0);
	CHECK(n == 2, "idle poll: %d ready, want 2 (c writable, a closed fd)", n);
	OK("readiness poll idle: sock %s, pipe %s, eventfd %s, peer %s, closed fd %s\n",
	   pbits(f[0].revents), pbits(f[1].revents), pbits(f[2].revents), pbits(f[3].revents),
	   pbits(f[4].revents));

	CHECK(write(c, "ab", 2) == 2, "write socket");
	CHECK(write(p[1], "x", 1) == 1, "write pipe");
	CHECK(write(e, &one, 8) == 8, "write eventfd");
	for (int i = 0; i < 100; i++) {
		n = poll(f, 3, NET_WAIT_MS / 100);
		if (n == 3)
			break;
	}
	CHECK(n == 3, "poll with data everywhere: %d ready, want 3", n);
	OK("readiness poll data: sock %s, pipe %s, eventfd %s\n", pbits(f[0].revents),
	   pbits(f[1].revents), pbits(f[2].revents));
	drain();
	n = poll(f, 3, 0);
	CHECK(n == 0, "poll after draining: %d ready", n);
}

static void test_select(void)
{
	fd_set r, w;
	struct timeval tv = { 0, 0 };
	int n, max = s > p[0] ? s : p[0];
	sigset_t block, old, now;
	struct timespec ts = { NET_WAIT_MS / 1000, 0 };

	max = max > e ? max : e;
	max = max > c ? max : c;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(s, &r);
	FD_SET(p[0], &r);
	FD_SET(e, &r);
	FD_SET(c, &w);
	n = select(max + 1, &r, &w, NULL, &tv);
	CHECK(n == 1 && FD_ISSET(c, &w) && !FD_ISSET(s, &r),
	      "idle select: %d, want only the writable peer", n);

	CHECK(write(c, "z", 1) == 1, "write socket");
	FD_ZERO(&r);
	FD_SET(s, &r);
	FD_SET(p[0], &r);
	tv.tv_sec = NET_WAIT_MS / 1000;
	n = select(max + 1, &r, NULL, NULL, &tv);
	CHECK(n == 1 && FD_ISSET(s, &r) && !FD_ISSET(p[0], &r),
	      "select sees the socket readable, not the pipe (%d)", n);
	drain();
	FD_ZERO(&r);
	FD_SET(closed_fd, &r);
	tv.tv_sec = 0;
	CHECK_ERR(select(closed_fd + 1, &r, NULL, NULL, &tv), EBADF, "select on a closed fd");
	OK("readiness select: idle, socket readable, EBADF\n");

	/* pselect unblocks SIGUSR1 for the wait only: the pending signal interrupts it. */
	signal(SIGUSR1, on_usr1);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	raise(SIGUSR1);
	CHECK(usr1 == 0, "blocked SIGUSR1 not delivered");
	FD_ZERO(&r);
	FD_SET(s, &r);
	CHECK_ERR(pselect(s + 1, &r, NULL, NULL, &ts, &old), EINTR,
	          "pselect with the signal unblocked");
	CHECK(usr1 == 1, "handler ran once during pselect (%d)", (int)usr1);
	sigprocmask(SIG_SETMASK, NULL, &now);
	CHECK(sigismember(&now, SIGUSR1), "pselect restored the mask");
	CHECK(write(p[1], "y", 1) == 1, "write pipe");
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	n = pselect(p[0] + 1, &r, NULL, NULL, &ts, &old);
	CHECK(n == 1 && FD_ISSET(p[0], &r), "pselect sees the pipe (%d)", n);
	sigprocmask(SIG_SETMASK, &old, NULL);
	drain();
	OK("readiness pselect: signal mask swapped for the wait, EINTR, ready pipe\n");
}

static void test_epoll(void)
{
	uint32_t ev[16];
	uint64_t one = 1;
	int t;
	char b;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		DIE("epoll_create1");
	CHECK(fcntl(ep, F_GETFD) & FD_CLOEXEC, "EPOLL_CLOEXEC");
	ectl(EPOLL_CTL_ADD, s, EPOLLIN, T_SOCK);
	ectl(EPOLL_CTL_ADD, p[0], EPOLLIN, T_PIPE);
	ectl(EPOLL_CTL_ADD, e, EPOLLIN, T_EVFD);
	{
		struct epoll_event x = { .events = EPOLLIN };
		CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, s, &x), EEXIST, "add twice");
		CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, c, &x), ENOENT, "modify unknown");
		CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &x), EINVAL, "add to itself");
		CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, closed_fd, &x), EBADF, "add closed fd");
	}
	t = ewait(0, ev);
	CHECK(t == 0, "idle epoll reports %#x", t);

	/* Level-triggered: reported until drained. */
	CHECK(write(c, "12", 2) == 2, "write socket");
	t = ecollect(T_SOCK, ev);
	CHECK(t == T_SOCK, "socket readable (%#x)", t);
	t = ewait(0, ev);
	CHECK(t == T_SOCK, "level-triggered: again (%#x)", t);
	CHECK(recv(s, &b, 1, 0) == 1, "read one");
	t = ewait(0, ev);
	CHECK(t == T_SOCK, "level-triggered: one byte left (%#x)", t);
	CHECK(recv(s, &b, 1, 0) == 1, "read other");
	t = ewait(0, ev);
	CHECK(t == 0, "level-triggered: drained (%#x)", t);
	CHECK(write(p[1], "x", 1) == 1 && write(e, &one, 8) == 8, "write pipe, eventfd");
	t = ecollect(T_PIPE | T_EVFD, ev);
	CHECK(t == (T_PIPE | T_EVFD), "pipe and eventfd (%#x)", t);
	OK("readiness epoll level: socket until drained; pipe %s, eventfd %s\n", ebits(ev[T_PIPE]),
	   ebits(ev[T_EVFD]));
	drain();

	/* Edge-triggered: once an arrival, even if not drained. */
	ectl(EPOLL_CTL_MOD, s, EPOLLIN | EPOLLET, T_SOCK);
	ectl(EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLET, T_PIPE);
	CHECK(write(c, "1", 1) == 1, "write socket");
	t = ewait(NET_WAIT_MS, ev);
	CHECK(t == T_SOCK, "edge: socket (%#x)", t);
	t = ewait(0, ev);
	CHECK(t == 0, "edge: not again (%#x)", t);
	CHECK(write(c, "2", 1) == 1, "write socket");
	t = ewait(NET_WAIT_MS, ev);
	CHECK(t == T_SOCK, "edge: new data, new edge (%#x)", t);
	CHECK(write(p[1], "x", 1) == 1, "write pipe");
	t = ewait(NET_WAIT_MS, ev);
	CHECK(t == T_PIPE, "edge: pipe (%#x)", t);
	t = ewait(0, ev);
	CHECK(t == 0, "edge: pipe not again (%#x)", t);
	drain();
	OK("readiness epoll edge: one report an arrival on socket and pipe\n");

	/* One-shot: disabled after one report until re-armed. */
	ectl(EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLONESHOT, T_PIPE);
	CHECK(write(p[1], "x", 1) == 1, "write pipe");
	t = ewait(NET_WAIT_MS, ev);
	CHECK(t == T_PIPE, "one-shot: first (%#x)", t);
	CHECK(write(p[1], "x", 1) == 1, "write pipe");
	t = ewait(0, ev);
	CHECK(t == 0, "one-shot: disarmed (%#x)", t);
	ectl(EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLONESHOT, T_PIPE);
	t = ewait(0, ev);
	CHECK(t == T_PIPE, "one-shot: re-armed (%#x)", t);
	drain();
	OK("readiness epoll one-shot: reported, disarmed, re-armed\n");

	/* Peer's half-close: EPOLLRDHUP with EPOLLIN; writable socket EPOLLOUT. */
	ectl(EPOLL_CTL_ADD, c, EPOLLOUT, T_OUT);
	t = ewait(NET_WAIT_MS, ev);
	CHECK(t == T_OUT, "peer writable (%#x)", t);
	OK("readiness epoll writable: %s\n", ebits(ev[T_OUT]));
	ectl(EPOLL_CTL_DEL, c, 0, T_OUT);
	ectl(EPOLL_CTL_MOD, s, EPOLLIN | EPOLLRDHUP, T_SOCK);
	CHECK(shutdown(c, SHUT_WR) == 0, "shutdown");
	t = ecollect(T_SOCK, ev);
	CHECK(t == T_SOCK && (ev[T_SOCK] & EPOLLRDHUP), "RDHUP (%#x, %s)", t, ebits(ev[T_SOCK]));
	CHECK(recv(s, &b, 1, 0) == 0, "end of file");
	OK("readiness epoll half-close: %s\n", ebits(ev[T_SOCK]));

	/* A pipe with no writer: EPOLLHUP. */
	ectl(EPOLL_CTL_DEL, s, 0, T_SOCK);
	ectl(EPOLL_CTL_MOD, p[0], EPOLLIN, T_PIPE);
	close(p[1]);
	t = ecollect(T_PIPE, ev);
	CHECK(t == T_PIPE, "pipe without writer (%#x)", t);
	OK("readiness epoll pipe without writer: %s\n", ebits(ev[T_PIPE]));
	close(ep);
}

int main(void)
{
	net_test = "readiness";
	tcp_pair(&c, &s);
	if (pipe(p) != 0)
		DIE("pipe");
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	e = eventfd(0, EFD_NONBLOCK);
	if (e < 0)
		DIE("eventfd");
	/* A descriptor number that is not open (but inside the table). */
	closed_fd = 100;
	if (dup2(0, closed_fd) != closed_fd)
		DIE("dup2");
	close(closed_fd);
	test_poll();
	test_select();
	test_epoll();
	close(c);
	close(s);
	close(p[0]);
	close(e);
	return net_done();
}
