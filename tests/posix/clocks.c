/* clocks: realtime, gettimeofday and time agree; monotonic never goes back; resolution. */
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

int main(void)
{
	struct timespec rt, m0, m1, res;
	struct timeval tv;
	time_t t;
	int i, back = 0;

	clock_gettime(CLOCK_REALTIME, &rt);
	gettimeofday(&tv, NULL);
	t = time(NULL);
	printf("realtime vs gettimeofday within 2 s: %s\n",
	       tv.tv_sec - rt.tv_sec <= 2 && tv.tv_sec >= rt.tv_sec ? "yes" : "no");
	printf("realtime vs time within 2 s: %s\n",
	       t - rt.tv_sec <= 2 && t >= rt.tv_sec ? "yes" : "no");
	printf("after 2024: %s\n", rt.tv_sec > 1704067200 ? "yes" : "no");
	clock_gettime(CLOCK_MONOTONIC, &m0);
	for (i = 0; i < 1000; i++) {
		clock_gettime(CLOCK_MONOTONIC, &m1);
		if (m1.tv_sec < m0.tv_sec || (m1.tv_sec == m0.tv_sec && m1.tv_nsec < m0.tv_nsec))
			back++;
		m0 = m1;
	}
	printf("monotonic went back: %d times\n", back);
	clock_getres(CLOCK_MONOTONIC, &res);
	printf("resolution <= 1 ms: %s\n",
	       res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 1000000 ? "yes" : "no");
	return 0;
}
