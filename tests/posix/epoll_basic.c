/* epoll_basic: epoll on pipes and eventfds: level and edge triggering, one-shot, MOD/DEL, errors, timeouts, EINTR. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static int fails;

static void check(int ok, const char *what)
{
	if (!ok) {
		fails++;
		printf("FAIL: %s\n", what);
	}
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static const char *err(int rc)
{
	return rc >= 0 ? "ok" : strerror(errno);
}

static int add(int ep, int fd, uint32_t ev, uint64_t data)
{
	struct epoll_event e = { .events = ev, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

static int mod(int ep, int fd, uint32_t ev, uint64_t data)
{
	struct epoll_event e = { .events = ev, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
}

/* epoll_wait with timeout 0; prints the count and the first event. */
static int waitp(int ep, const char *what)
{
	struct epoll_event ev[8];
	int n = epoll_wait(ep, ev, 8, 0);

	if (n > 0)
		printf("%s: %d event(s), first data %llu events %#x\n", what, n,
		       (unsigned long long)ev[0].data.u64, ev[0].events);
	else
		printf("%s: %d (%s)\n", what, n, n < 0 ? strerror(errno) : "none");
	return n;
}

/* Hostile arguments the compiler must not see through. */
static volatile int minus_one = -1;
static void *volatile bad_ptr = (void *)8;

static void on_alarm(int sig)
{
	(void)sig;
}

int main(void)
{
	struct epoll_event ev[4];
	int ep, p[2], efd, n, rc, ep2;
	long long t0, ms;
	char buf[16];
	uint64_t v = 1;

	setvbuf(stdout, NULL, _IONBF, 0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	check(ep >= 0, "epoll_create1");
	check((fcntl(ep, F_GETFD) & FD_CLOEXEC) != 0, "EPOLL_CLOEXEC sets FD_CLOEXEC");
	check(pipe(p) == 0, "pipe");
	efd = eventfd(0, EFD_NONBLOCK);
	check(efd >= 0, "eventfd");

	/* Level-triggered: reported while data is there. */
	check(add(ep, p[0], EPOLLIN, 0x1122334455667788ull) == 0, "add pipe LT");
	waitp(ep, "LT empty pipe");
	check(write(p[1], "ab", 2) == 2, "write");
	n = waitp(ep, "LT after write");
	check(n == 1, "LT one event");
	n = waitp(ep, "LT again, data still there");
	check(n == 1, "LT still ready");
	check(read(p[0], buf, 2) == 2, "read");
	n = waitp(ep, "LT after draining");
	check(n == 0, "LT not ready after read");

	/* Edge-triggered: one report per change. */
	check(mod(ep, p[0], EPOLLIN | EPOLLET, 7) == 0, "mod to ET");
	check(write(p[1], "a", 1) == 1, "write");
	n = waitp(ep, "ET after write");
	check(n == 1, "ET reports the edge");
	n = waitp(ep, "ET again, no new data");
	check(n == 0, "ET quiet without a new edge");
	check(write(p[1], "b", 1) == 1, "write");
	n = waitp(ep, "ET after a second write");
	check(n == 1, "ET new edge");
	check(read(p[0], buf, sizeof(buf)) == 2, "drain");

	/* One-shot: once, then disabled until MOD. */
	check(mod(ep, p[0], EPOLLIN | EPOLLONESHOT, 9) == 0, "mod to ONESHOT");
	check(write(p[1], "c", 1) == 1, "write");
	n = waitp(ep, "ONESHOT first");
	check(n == 1, "oneshot fires");
	check(write(p[1], "d", 1) == 1, "write");
	n = waitp(ep, "ONESHOT disabled");
	check(n == 0, "oneshot disabled");
	check(mod(ep, p[0], EPOLLIN | EPOLLONESHOT, 10) == 0, "rearm");
	n = waitp(ep, "ONESHOT rearmed");
	check(n == 1, "rearmed oneshot fires");
	check(read(p[0], buf, sizeof(buf)) == 2, "drain");

	/* eventfd and a second registration: both reported. */
	check(add(ep, efd, EPOLLIN, 42) == 0, "add eventfd");
	check(mod(ep, p[0], EPOLLIN, 1) == 0, "mod back to LT");
	check(write(efd, &v, 8) == 8, "eventfd write");
	check(write(p[1], "e", 1) == 1, "write");
	n = epoll_wait(ep, ev, 4, 0);
	printf("pipe + eventfd: %d events\n", n);
	check(n == 2, "two ready");
	n = epoll_wait(ep, ev, 1, 0);
	printf("maxevents 1: %d\n", n);
	check(n == 1, "maxevents caps the count");

	/* DEL and errors. */
	check(epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL) == 0, "del eventfd");
	rc = epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL);
	printf("del again: %s\n", err(rc));
	rc = add(ep, p[0], EPOLLIN, 0);
	printf("add twice: %s\n", err(rc));
	rc = mod(ep, p[1], EPOLLOUT, 0);
	printf("mod unregistered: %s\n", err(rc));
	rc = add(ep, ep, EPOLLIN, 0);
	printf("add to itself: %s\n", err(rc));
	rc = add(p[0], efd, EPOLLIN, 0);
	printf("epfd not an epoll: %s\n", err(rc));
	rc = add(ep, 999, EPOLLIN, 0);
	printf("bad fd: %s\n", err(rc));
	rc = epoll_ctl(ep, 77, p[0], &(struct epoll_event){ 0 });
	printf("bad op: %s\n", err(rc));
	rc = epoll_ctl(ep, EPOLL_CTL_ADD, efd, (void *)8);
	printf("bad event pointer: %s\n", err(rc));
	rc = epoll_wait(ep, ev, 0, 0);
	printf("maxevents 0: %s\n", err(rc));
	rc = epoll_wait(ep, ev, minus_one, 0);
	printf("maxevents -1: %s\n", err(rc));
	rc = epoll_wait(p[0], ev, 1, 0);
	printf("wait on a pipe: %s\n", err(rc));
	rc = epoll_wait(ep, bad_ptr, 1, 0);
	printf("wait with a bad buffer: %s\n", err(rc));
	rc = epoll_create(0);
	printf("epoll_create(0): %s\n", err(rc));
	rc = epoll_create1(12345);
	printf("epoll_create1(bad flags): %s\n", err(rc));
	{
		int nul = open("/dev/null", O_RDONLY);

		rc = add(ep, nul, EPOLLIN, 0);
		printf("/dev/null: %s\n", err(rc));
		close(nul);
	}

	/* Nested epoll: an epoll in an epoll, and no cycles. */
	ep2 = epoll_create1(0);
	check(add(ep2, ep, EPOLLIN, 5) == 0, "nest ep in ep2");
	n = waitp(ep2, "outer sees inner ready");
	check(n == 1, "nested ready");
	rc = add(ep, ep2, EPOLLIN, 0);
	printf("cycle: %s\n", err(rc));
	check(read(p[0], buf, sizeof(buf)) == 1, "drain");

	/* HUP always reported: close the writer. */
	check(mod(ep, p[0], EPOLLOUT, 3) == 0, "mod to OUT only");
	close(p[1]);
	n = epoll_wait(ep, ev, 4, 0);
	printf("writer closed: %d event(s), HUP %s\n", n,
	       n == 1 && (ev[0].events & EPOLLHUP) ? "yes" : "no");

	/* Timeout, then EINTR. */
	check(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == 0, "del pipe");
	t0 = now_ms();
	n = epoll_wait(ep, ev, 4, 50);
	ms = now_ms() - t0;
	printf("timeout 50 ms: %d, waited 50 ms to 2 s: %s\n", n,
	       ms >= 49 && ms < 2000 ? "yes" : "no");
	signal(SIGALRM, on_alarm);
	alarm(1);
	n = epoll_wait(ep, ev, 4, 5000);
	printf("alarm during wait: %s\n", err(n));

	/* Closing a registered file drops the registration. */
	check(pipe(p) == 0, "pipe");
	check(add(ep, p[0], EPOLLIN, 11) == 0, "add");
	check(write(p[1], "x", 1) == 1, "write");
	close(p[0]);
	n = waitp(ep, "registered file closed");
	check(n == 0, "closed file gone from the interest list");
	close(p[1]);
	close(efd);
	close(ep2);
	close(ep);
	printf("done\n");
	return fails;
}
