/* sigintr: blocking recv, accept and poll interrupted by a timer signal, with and without SA_RESTART. */
#include "common.h"
#include <sys/time.h>

static volatile sig_atomic_t ticks;
static int feed_fd = -1;   /* the handler writes here on its second tick */
static int feed_port = -1; /* or connects here */

static void on_alarm(int sig)
{
	int saved = errno;

	(void)sig;
	if (++ticks == 2) {
		if (feed_fd >= 0)
			(void)!write(feed_fd, "!", 1);
		if (feed_port > 0) {
			/* socket and connect are async-signal-safe; the listener's backlog takes it. */
			struct sockaddr_in sa;
			int c = socket(AF_INET, SOCK_STREAM, 0);
			memset(&sa, 0, sizeof(sa));
			sa.sin_family = AF_INET;
			sa.sin_port = htons((uint16_t)feed_port);
			sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			(void)!connect(c, (struct sockaddr *)&sa, sizeof(sa));
			/* c stays open until exit: the accepted end must not see a reset. */
		}
	}
	errno = saved;
}

/* SIGALRM every 100 ms from now, with or without SA_RESTART. */
static void arm(int restart)
{
	struct sigaction sa;
	struct itimerval it = { { 0, 100000 }, { 0, 100000 } };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(SIGALRM, &sa, NULL);
	ticks = 0;
	setitimer(ITIMER_REAL, &it, NULL);
}

static void disarm(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 0 } };

	setitimer(ITIMER_REAL, &it, NULL);
	feed_fd = -1;
	feed_port = -1;
}

int main(void)
{
	int c, s, l, port, a;
	char b;
	ssize_t r;
	struct timeval tv = { NET_WAIT_MS / 1000, 0 };

	net_test = "sigintr";
	tcp_pair(&c, &s);

	/* Without SA_RESTART, a blocked recv fails with EINTR. */
	arm(0);
	CHECK_ERR(recv(s, &b, 1, 0), EINTR, "recv interrupted without SA_RESTART");
	disarm();
	CHECK(ticks >= 1, "the handler ran");

	/* With SA_RESTART it is restarted and gets the byte the handler sent. */
	feed_fd = c;
	arm(1);
	r = recv(s, &b, 1, 0);
	disarm();
	CHECK(r == 1 && b == '!', "recv restarted under SA_RESTART (%zd, %s)", r, ename(errno));
	CHECK(ticks >= 2, "the handler ran twice");

	/* SO_RCVTIMEO makes Linux return EINTR even under SA_RESTART. */
	CHECK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0, "SO_RCVTIMEO");
	arm(1);
	CHECK_ERR(recv(s, &b, 1, 0), EINTR, "recv with SO_RCVTIMEO under SA_RESTART");
	disarm();
	OK("sigintr recv: EINTR, restarted with SA_RESTART, EINTR with SO_RCVTIMEO\n");

	/* poll is never restarted. */
	{
		struct pollfd p = { .fd = s, .events = POLLIN };
		arm(1);
		CHECK_ERR(poll(&p, 1, NET_WAIT_MS), EINTR, "poll under SA_RESTART");
		disarm();
	}
	OK("sigintr poll: EINTR even with SA_RESTART\n");
	close(c);
	close(s);

	/* accept: EINTR, then restarted; the handler's connection is the one accepted. */
	l = tcp_listener("127.0.0.1", &port);
	arm(0);
	CHECK_ERR(accept(l, NULL, NULL), EINTR, "accept interrupted without SA_RESTART");
	disarm();
	feed_port = port;
	arm(1);
	a = accept(l, NULL, NULL);
	disarm();
	CHECK(a >= 0, "accept restarted under SA_RESTART");
	CHECK(ticks >= 2, "the handler ran twice");
	close(a);
	close(l);
	OK("sigintr accept: EINTR, restarted with SA_RESTART\n");
	return net_done();
}
