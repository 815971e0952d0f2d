/* stress: P processes x T threads doing pipe ping-pong and futex-backed locking, three rounds; no frame may leak. */
/*
 * Leak check: round 1 fills the kernel's caches (heap size classes), so free
 * memory after rounds 2 and 3 must come back to what it was after round 1.
 * A slack of 16 frames covers a cache that grows because more objects were
 * alive at one moment; a leak of even one frame per process (P >= 16)
 * exceeds it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS 3
#define SLACK  (16ul * 4096)

static int iterations;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter;

struct pair {
	int to_peer[2], from_peer[2];
	int ping; /* this end writes first */
};

/* Pipe ping-pong with a partner thread, and shared-counter updates under a mutex. */
static void *worker(void *arg)
{
	struct pair *p = arg;
	int i;
	char c = 'x';

	for (i = 0; i < iterations; i++) {
		if (p->ping) {
			if (write(p->to_peer[1], &c, 1) != 1 || read(p->from_peer[0], &c, 1) != 1)
				return (void *)1;
		} else {
			if (read(p->to_peer[0], &c, 1) != 1 || write(p->from_peer[1], &c, 1) != 1)
				return (void *)1;
		}
		pthread_mutex_lock(&lock);
		counter++;
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

/* One child process: T threads in ping-pong pairs; exits 0 if all went right. */
static int child(int threads)
{
	struct pair pairs[64][2];
	pthread_t tid[128];
	pthread_attr_t attr;
	int i, bad = 0;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 16384);
	for (i = 0; i < threads / 2; i++) {
		if (pipe(pairs[i][0].to_peer) || pipe(pairs[i][0].from_peer))
			return 2;
		pairs[i][1] = pairs[i][0];
		pairs[i][0].ping = 1;
		pairs[i][1].ping = 0;
		if (pthread_create(&tid[2 * i], &attr, worker, &pairs[i][0]) ||
		    pthread_create(&tid[2 * i + 1], &attr, worker, &pairs[i][1]))
			return 3;
	}
	for (i = 0; i < threads / 2 * 2; i++) {
		void *r;

		pthread_join(tid[i], &r);
		bad += r != NULL;
	}
	return bad || counter != (long)iterations * (threads / 2 * 2) ? 4 : 0;
}

static unsigned long free_ram(void)
{
	struct sysinfo si;

	sysinfo(&si);
	return si.freeram * si.mem_unit;
}

int main(int argc, char **argv)
{
	int procs = argc > 1 ? atoi(argv[1]) : 64;
	int threads = argc > 2 ? atoi(argv[2]) : 8;
	unsigned long after[ROUNDS];
	int round, i, failures = 0, leaked;

	iterations = argc > 3 ? atoi(argv[3]) : 10;
	if (procs < 1 || procs > 256 || threads < 2 || threads > 128) {
		printf("usage: stress [PROCS<=256] [THREADS 2..128] [ITERATIONS]\n");
		return 2;
	}
	for (round = 0; round < ROUNDS; round++) {
		for (i = 0; i < procs; i++) {
			pid_t pid = fork();

			if (pid < 0) {
				printf("round %d: fork %d failed\n", round, i);
				return 1;
			}
			if (pid == 0)
				_exit(child(threads));
		}
		for (i = 0; i < procs; i++) {
			int status;

			if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
				failures++;
		}
		after[round] = free_ram();
	}
	printf("%d rounds of %d processes x %d threads: %d failed\n", ROUNDS, procs, threads,
	       failures);
	/* Round 1 fills every cache (kernel stacks, heap); later rounds must give all back. */
	leaked = after[1] + SLACK < after[0] || after[2] + SLACK < after[0];
	printf("free memory after rounds 2 and 3 back to round 1's: %s\n", leaked ? "no" : "yes");
	printf("free frames after each round: %lu %lu %lu\n", after[0] / 4096, after[1] / 4096,
	       after[2] / 4096);
	return failures || leaked ? 1 : 0;
}
