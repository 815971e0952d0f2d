/* nanosleep: sleeps at least as long as asked, within a loose upper bound; bad values fail. */
#include <errno.h>
#include <stdio.h>
#include <time.h>

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

int main(void)
{
	struct timespec req = { 0, 20 * 1000 * 1000 }, bad = { 0, 1000000000 };
	long long t0, slept;
	int r;

	t0 = now_us();
	r = nanosleep(&req, NULL);
	slept = now_us() - t0;
	/* At least 20 ms; at most 2 s so a loaded machine does not fail the test. */
	printf("nanosleep 20ms: %d %s\n", r,
	       slept >= 20000 && slept < 2000000 ? "in range" : "OUT OF RANGE");
	req.tv_sec = 0, req.tv_nsec = 0;
	printf("nanosleep 0: %d\n", nanosleep(&req, NULL));
	errno = 0;
	r = nanosleep(&bad, NULL);
	printf("nanosleep nsec=1e9: %d %s\n", r, errno == EINVAL ? "EINVAL" : "?");
	bad.tv_sec = -1, bad.tv_nsec = 0;
	errno = 0;
	r = nanosleep(&bad, NULL);
	printf("nanosleep sec=-1: %d %s\n", r, errno == EINVAL ? "EINVAL" : "?");
	return 0;
}
