/* pipe_thread: a writer thread streams 256 KiB through a pipe to the main thread; checksum matches. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#define TOTAL (256 * 1024)

static int fds[2];

static void *writer(void *arg)
{
	unsigned char buf[3000];
	size_t sent = 0;

	while (sent < TOTAL) {
		size_t n = TOTAL - sent < sizeof(buf) ? TOTAL - sent : sizeof(buf);
		size_t i;
		ssize_t w;

		for (i = 0; i < n; i++)
			buf[i] = (unsigned char)((sent + i) * 7);
		w = write(fds[1], buf, n);
		if (w <= 0)
			return (void *)1;
		sent += (size_t)w;
	}
	close(fds[1]);
	return arg;
}

int main(void)
{
	unsigned char buf[5000];
	unsigned long got = 0, bad = 0;
	pthread_t t;
	void *res;
	ssize_t n;

	if (pipe(fds) || pthread_create(&t, NULL, writer, NULL)) {
		printf("FAIL: setup\n");
		return 1;
	}
	while ((n = read(fds[0], buf, sizeof(buf))) > 0) {
		ssize_t i;

		for (i = 0; i < n; i++)
			bad += buf[i] != (unsigned char)((got + (unsigned long)i) * 7);
		got += (unsigned long)n;
	}
	pthread_join(t, &res);
	printf("received %lu bytes, %lu wrong, read ended with %zd, writer %s\n", got, bad, n,
	       res == NULL ? "ok" : "failed");
	return got == TOTAL && bad == 0 && n == 0 ? 0 : 1;
}
