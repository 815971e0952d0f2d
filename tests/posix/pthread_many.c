/* pthread_many: 32 threads each add 1000 to a mutex-protected counter; all joined, it is 32000. */
#include <pthread.h>
#include <stdio.h>

#define NTHREADS 32
#define NADDS    1000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter; /* guarded by lock */

static void *adder(void *arg)
{
	int i;

	for (i = 0; i < NADDS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	return arg;
}

int main(void)
{
	static int ids[NTHREADS];
	pthread_t t[NTHREADS];
	int i, created = 0, joined = 0, right = 0;
	void *ret;

	for (i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], NULL, adder, &ids[i]) == 0)
			created++;
		else
			break;
	for (i = 0; i < created; i++)
		if (pthread_join(t[i], &ret) == 0) {
			joined++;
			right += ret == &ids[i]; /* each join returns that thread's own value */
		}
	printf("created %d, joined %d, return values right %d\n", created, joined, right);
	printf("counter: %ld\n", counter);
	if (created != NTHREADS || joined != NTHREADS || right != NTHREADS ||
	    counter != (long)NTHREADS * NADDS) {
		printf("FAIL: expected %d threads and counter %ld\n", NTHREADS,
		       (long)NTHREADS * NADDS);
		return 1;
	}
	return 0;
}
