/*
 * Snapshot a program mid-computation (tests/system/snapshot.sh).
 *
 * Before the snapshot point it builds state of every kind the kernel and
 * libc hold: a computation half done, a pipe with bytes in it, a second
 * thread blocked on a condition, a timer (ITIMER_REAL) due after the
 * point, and a child process blocked reading a pipe.  After the point it
 * checks each one and prints what the test compares: the generation, the
 * wall clock, getrandom output and the seed.
 *
 * Without --snapshot-out (or natively: no /dev/nanvix-snapshot) the point
 * is a no-op and the same checks must pass.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <abi/snapshot.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int go, thread_result;
static volatile sig_atomic_t alarms;

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	while (!go)
		pthread_cond_wait(&cond, &lock);
	thread_result = 42;
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static int failures;

static void check(int ok, const char *what)
{
	printf("%s %s\n", ok ? "ok" : "FAIL", what);
	if (!ok)
		failures++;
}

int main(int argc, char **argv)
{
	struct nanvix_snapshot_info info;
	struct itimerval it = { .it_value = { 0, 50000 } };
	uint64_t sum = 0, i;
	unsigned char rnd[16];
	char buf[32];
	int p[2], cp[2], fd, status;
	pthread_t t;
	pid_t child;
	struct timespec rt, mono0, mono1;

	(void)argc, (void)argv;
	/* Half a computation. */
	for (i = 1; i <= 500000; i++)
		sum += i * i % 7;
	/* A pipe holding bytes, a thread waiting, a child waiting, a timer running. */
	if (pipe(p) < 0 || write(p[1], "pipe-data", 9) != 9 || pipe(cp) < 0)
		return 2;
	if (pthread_create(&t, NULL, worker, NULL) != 0)
		return 2;
	child = fork();
	if (child == 0) {
		char c;

		close(cp[1]);
		_exit(read(cp[0], &c, 1) == 1 && c == 'x' ? 7 : 1);
	}
	close(cp[0]);
	signal(SIGALRM, on_alarm);
	setitimer(ITIMER_REAL, &it, NULL);
	clock_gettime(CLOCK_MONOTONIC, &mono0);

	memset(&info, 0, sizeof(info));
	fd = open(NANVIX_SNAPSHOT_PATH, O_RDONLY);
	if (fd >= 0 && ioctl(fd, NANVIX_SNAPSHOT_TAKE, &info) < 0) {
		printf("FAIL snapshot ioctl: %s\n", strerror(errno));
		return 1;
	}
	/* ---- after the point: here in a restored VM ---- */
	for (; i <= 1000000; i++)
		sum += i * i % 7;
	{
		uint64_t again = 0;

		for (uint64_t j = 1; j <= 1000000; j++)
			again += j * j % 7;
		check(sum == again, "computation continues");
	}
	memset(buf, 0, sizeof(buf));
	check(read(p[0], buf, sizeof(buf)) == 9 && memcmp(buf, "pipe-data", 9) == 0,
	      "pipe keeps its bytes");
	pthread_mutex_lock(&lock);
	go = 1;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
	check(pthread_join(t, NULL) == 0 && thread_result == 42, "thread wakes and joins");
	check(write(cp[1], "x", 1) == 1 && waitpid(child, &status, 0) == child &&
	              WIFEXITED(status) && WEXITSTATUS(status) == 7,
	      "child process continues");
	while (!alarms)
		pause();
	check(alarms == 1, "timer fires after the point");
	clock_gettime(CLOCK_MONOTONIC, &mono1);
	check(mono1.tv_sec > mono0.tv_sec ||
	              (mono1.tv_sec == mono0.tv_sec && mono1.tv_nsec >= mono0.tv_nsec),
	      "monotonic clock never goes back");
	clock_gettime(CLOCK_REALTIME, &rt);
	check(getrandom(rnd, sizeof(rnd), 0) == (ssize_t)sizeof(rnd), "getrandom");
	printf("generation %llu\n", (unsigned long long)info.generation);
	printf("realtime %lld\n", (long long)rt.tv_sec);
	printf("random ");
	for (i = 0; i < sizeof(rnd); i++)
		printf("%02x", rnd[i]);
	printf("\nseed ");
	for (i = 0; i < 8; i++)
		printf("%02x", info.seed[i]);
	printf("\n");
	return failures ? 1 : 0;
}
