/* poll_pipe: poll on a pipe: timeout when empty, POLLIN with data, POLLHUP with no writer left. */
#include <poll.h>
#include <stdio.h>
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

/* The revents bits this test cares about, by name. */
static const char *events(short re)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "%s%s%s%s", re & POLLIN ? " POLLIN" : "",
	         re & POLLHUP ? " POLLHUP" : "", re & POLLERR ? " POLLERR" : "",
	         re & POLLNVAL ? " POLLNVAL" : "");
	return buf[0] ? buf : " none";
}

int main(void)
{
	struct pollfd pfd;
	int fds[2], r;
	long long t0, ms;
	char c;

	if (pipe(fds) != 0) {
		printf("FAIL: pipe\n");
		return 1;
	}
	pfd.fd = fds[0];
	pfd.events = POLLIN;

	pfd.revents = 0;
	t0 = now_ms();
	r = poll(&pfd, 1, 50);
	ms = now_ms() - t0;
	printf("empty pipe: poll %d, revents%s, waited 50 ms to 2 s: %s\n", r, events(pfd.revents),
	       ms >= 50 && ms < 2000 ? "yes" : "no");
	check(r == 0 && pfd.revents == 0, "empty pipe times out");
	check(ms >= 50 && ms < 2000, "timeout honoured");

	check(write(fds[1], "x", 1) == 1, "write");
	pfd.revents = 0;
	r = poll(&pfd, 1, 50);
	printf("after a write: poll %d, revents%s\n", r, events(pfd.revents));
	check(r == 1 && pfd.revents == POLLIN, "data gives POLLIN");
	check(read(fds[0], &c, 1) == 1, "read");

	close(fds[1]);
	pfd.revents = 0;
	r = poll(&pfd, 1, 50);
	printf("writer closed: poll %d, revents%s\n", r, events(pfd.revents));
	check(r == 1 && (pfd.revents & POLLHUP), "no writers gives POLLHUP");
	close(fds[0]);
	return fails;
}
