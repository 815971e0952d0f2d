/* pthread_condvar: a producer and a consumer pass 1000 items through a 4-slot queue. */
#include <pthread.h>
#include <stdio.h>

#define SLOTS  4
#define NITEMS 1000

/* The bounded queue; every field is guarded by lock. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static int queue[SLOTS];
static int head, count;
static int max_count, out_of_order;

static void *producer(void *arg)
{
	int i;

	for (i = 1; i <= NITEMS; i++) {
		pthread_mutex_lock(&lock);
		while (count == SLOTS)
			pthread_cond_wait(&not_full, &lock);
		queue[(head + count) % SLOTS] = i;
		count++;
		if (count > max_count)
			max_count = count;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&lock);
	}
	return arg;
}

static void *consumer(void *arg)
{
	long *sum = arg;
	int i, item, last = 0;

	for (i = 0; i < NITEMS; i++) {
		pthread_mutex_lock(&lock);
		while (count == 0)
			pthread_cond_wait(&not_empty, &lock);
		item = queue[head];
		head = (head + 1) % SLOTS;
		count--;
		if (item != last + 1)
			out_of_order++;
		last = item;
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&lock);
		*sum += item;
	}
	return NULL;
}

int main(void)
{
	pthread_t p, c;
	long sum = 0, want = (long)NITEMS * (NITEMS + 1) / 2;

	if (pthread_create(&c, NULL, consumer, &sum) != 0 ||
	    pthread_create(&p, NULL, producer, NULL) != 0) {
		printf("FAIL: pthread_create\n");
		return 1;
	}
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	printf("sum: %ld\n", sum);
	printf("queue never over %d: %s\n", SLOTS, max_count <= SLOTS ? "yes" : "no");
	printf("items in order: %s\n", out_of_order == 0 ? "yes" : "no");
	if (sum != want || max_count > SLOTS || out_of_order != 0) {
		printf("FAIL: expected sum %ld, in order, at most %d queued\n", want, SLOTS);
		return 1;
	}
	return 0;
}
