/* tests/serve: a small HTTP load client for nanvix-serve's tests (statuses and pids seen). */
/*
 * loadgen -a ADDR:PORT -p PATH [-n REQUESTS] [-c CONNECTIONS] [-k] [-H HOST]
 *
 * C threads send N requests in all (GET PATH), each on a new connection,
 * or with -k over one keep-alive connection per thread.  Prints one line:
 * "requests=N 2xx=.. 4xx=.. 5xx=.. 503=.. errors=.. pids=K ms=T", pids
 * being the distinct X-Pid values the responses carried.  Exits 0 when
 * every request got a response, 1 otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PIDS 4096

static struct sockaddr_in addr;
static const char *path = "/", *host = "localhost";
static int total = 100, conc = 4;
static bool keepalive;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long s2xx, s4xx, s5xx, s503, errors;
static int pids[MAX_PIDS], npids;

static void note(int status, int pid)
{
	pthread_mutex_lock(&lock);
	if (status >= 200 && status < 300)
		s2xx++;
	else if (status >= 400 && status < 500)
		s4xx++;
	else if (status >= 500)
		s5xx++;
	if (status == 503)
		s503++;
	if (status <= 0)
		errors++;
	if (pid > 0) {
		int i;

		for (i = 0; i < npids && pids[i] != pid; i++)
			;
		if (i == npids && npids < MAX_PIDS)
			pids[npids++] = pid;
	}
	pthread_mutex_unlock(&lock);
}

static int dial(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One request on fd; its status (or -1) and X-Pid. */
static int exchange(int fd, int *pid)
{
	char req[1024], buf[65536];
	size_t len = 0, need = 0;
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n", path, host,
	                 keepalive ? "" : "Connection: close\r\n");
	char *end, *p;

	*pid = 0;
	if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
		return -1;
	for (;;) {
		ssize_t r = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);

		if (r <= 0)
			return -1;
		len += (size_t)r;
		buf[len] = 0;
		end = strstr(buf, "\r\n\r\n");
		if (!end)
			continue;
		p = strcasestr(buf, "\r\ncontent-length:");
		need = (size_t)(end - buf) + 4 + (p && p < end ? strtoul(p + 17, NULL, 10) : 0);
		if (len >= need)
			break;
	}
	p = strcasestr(buf, "\r\nx-pid:");
	if (p && p < end)
		*pid = atoi(p + 8);
	return atoi(buf + 9);
}

static void *worker(void *arg)
{
	int count = (int)(long)arg, fd = -1;

	for (int i = 0; i < count; i++) {
		int pid, st;

		if (fd < 0)
			fd = dial();
		st = fd < 0 ? -1 : exchange(fd, &pid);
		note(st, st > 0 ? pid : 0);
		if (!keepalive || st <= 0) {
			if (fd >= 0)
				close(fd);
			fd = -1;
		}
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[256];
	struct timespec t0, t1;
	char *colon;
	int c;

	while ((c = getopt(argc, argv, "a:p:n:c:kH:")) != -1) {
		switch (c) {
		case 'a':
			colon = strrchr(optarg, ':');
			if (!colon)
				return 2;
			*colon = 0;
			addr.sin_family = AF_INET;
			addr.sin_port = htons((unsigned short)atoi(colon + 1));
			if (inet_pton(AF_INET, optarg, &addr.sin_addr) != 1)
				return 2;
			break;
		case 'p': path = optarg; break;
		case 'n': total = atoi(optarg); break;
		case 'c': conc = atoi(optarg); break;
		case 'k': keepalive = true; break;
		case 'H': host = optarg; break;
		default:
			fprintf(stderr, "usage: loadgen -a ADDR:PORT -p PATH [-n N] [-c C] [-k] "
			                "[-H HOST]\n");
			return 2;
		}
	}
	if (!addr.sin_port || conc < 1 || conc > 256 || total < 1)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < conc; i++)
		pthread_create(&th[i], NULL, worker,
		               (void *)(long)(total / conc + (i < total % conc)));
	for (int i = 0; i < conc; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("requests=%d 2xx=%ld 4xx=%ld 5xx=%ld 503=%ld errors=%ld pids=%d ms=%ld\n", total,
	       s2xx, s4xx, s5xx, s503, errors, npids,
	       (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
	return errors ? 1 : 0;
}
