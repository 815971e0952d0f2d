/*
 * limits: drive the VM past one of the limits nanvixd puts on it and say
 * what the program saw (tests/system/limits.sh):
 *   limits fork      fork until it fails; prints how many and the error
 *   limits threads   pthread_create until it fails; the same
 *   limits nofile    prints RLIMIT_NOFILE, opens until EMFILE, dup2s to the
 *                    limit, tries to raise the hard limit by one
 *   limits cpu       prints RLIMIT_CPU, then spins, printing each SIGXCPU
 *   limits spin S    spins for S seconds of wall-clock time
 *   limits sockets   opens TCP sockets until it fails; prints how many
 *   limits send IP PORT BYTES
 *                    connects and sends BYTES; prints the seconds it took
 *   limits recv IP PORT
 *                    connects and reads to the end; prints the bytes and
 *                    the seconds it took
 *   limits write FILE BYTES
 *                    writes BYTES to FILE and fsyncs; prints the seconds
 *   limits read FILE reads FILE to its end; prints the bytes and seconds
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t xcpu;

static void on_xcpu(int sig)
{
	(void)sig;
	xcpu++;
}

static void *idle(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

/* A TCP connection to ip:port, or -1 (said). */
static int dial(const char *ip, const char *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, ip, &sa.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		printf("connect: %s\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	struct rlimit rl;
	int n = 0;

	if (!strcmp(what, "fork")) {
		pid_t pid;

		while (n < 10000 && (pid = fork()) >= 0) {
			if (pid == 0) {
				pause();
				_exit(0);
			}
			n++;
		}
		printf("forked %d, then %s\n", n, strerror(errno));
		fflush(stdout);
		signal(SIGTERM, SIG_IGN);
		kill(0, SIGTERM); /* the children */
		return 0;
	}
	if (!strcmp(what, "threads")) {
		pthread_t t;
		int rc;

		while (n < 10000 && (rc = pthread_create(&t, NULL, idle, NULL)) == 0)
			n++;
		printf("threads %d, then %s\n", n, strerror(rc));
		return 0;
	}
	if (!strcmp(what, "nofile")) {
		getrlimit(RLIMIT_NOFILE, &rl);
		printf("nofile %llu:%llu\n", (unsigned long long)rl.rlim_cur,
		       (unsigned long long)rl.rlim_max);
		while (open("/dev/null", O_RDONLY) >= 0)
			n++;
		printf("opened %d more, then %s\n", n, strerror(errno));
		printf("dup2 to the limit: %s\n",
		       dup2(0, (int)rl.rlim_cur) < 0 ? strerror(errno) : "ok");
		rl.rlim_max += 1;
		printf("raising the hard limit: %s\n",
		       setrlimit(RLIMIT_NOFILE, &rl) ? strerror(errno) : "ok");
		return 0;
	}
	if (!strcmp(what, "cpu")) {
		getrlimit(RLIMIT_CPU, &rl);
		printf("cpu %llu:%llu\n", (unsigned long long)rl.rlim_cur,
		       (unsigned long long)rl.rlim_max);
		fflush(stdout);
		signal(SIGXCPU, on_xcpu);
		for (int seen = 0;;)
			if (xcpu != seen) {
				seen = xcpu;
				printf("SIGXCPU %d\n", seen);
				fflush(stdout);
			}
	}
	if (!strcmp(what, "spin") && argc > 2) {
		time_t end = time(NULL) + atoi(argv[2]);

		while (time(NULL) < end)
			;
		printf("spun\n");
		return 0;
	}
	if (!strcmp(what, "sockets")) {
		while (n < 2000 && socket(AF_INET, SOCK_STREAM, 0) >= 0)
			n++;
		printf("sockets %d, then %s\n", n, strerror(errno));
		return 0;
	}
	if ((!strcmp(what, "send") && argc == 5) || (!strcmp(what, "write") && argc == 4)) {
		static char chunk[65536];
		long long total = atoll(argv[argc - 1]), done = 0;
		struct timespec t0, t1;
		int fd;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (!strcmp(what, "send")) {
			fd = dial(argv[2], argv[3]);
			if (fd < 0)
				return 1;
		} else {
			fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd < 0) {
				printf("open: %s\n", strerror(errno));
				return 1;
			}
		}
		while (done < total) {
			ssize_t w = write(fd, chunk,
			                  total - done < (long long)sizeof(chunk)
			                          ? (size_t)(total - done)
			                          : sizeof(chunk));

			if (w <= 0) {
				printf("write: %s\n", strerror(errno));
				return 1;
			}
			done += w;
		}
		if (!strcmp(what, "write"))
			fsync(fd);
		close(fd);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("%s %lld bytes in %.1f s\n", what, done,
		       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
		return 0;
	}
	if ((!strcmp(what, "read") && argc == 3) || (!strcmp(what, "recv") && argc == 4)) {
		static char chunk[65536];
		struct timespec t0, t1;
		long long done = 0;
		ssize_t r;
		int fd;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		fd = argc == 4 ? dial(argv[2], argv[3]) : open(argv[2], O_RDONLY);
		while (fd >= 0 && (r = read(fd, chunk, sizeof(chunk))) > 0)
			done += r;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("%s %lld bytes in %.1f s\n", what, done,
		       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
		return fd < 0;
	}
	fprintf(stderr, "usage: limits fork|threads|nofile|cpu|sockets|spin SECONDS|"
	                "send IP PORT BYTES|recv IP PORT|write FILE BYTES|read FILE\n");
	return 2;
}
