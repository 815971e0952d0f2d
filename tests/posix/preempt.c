/* preempt: a thread spinning in user space without system calls cannot starve another. */
#include <pthread.h>
#include <stdio.h>

static volatile int flag;

static void *setter(void *arg)
{
	flag = 1;
	return arg;
}

int main(void)
{
	pthread_t t;
	unsigned long spins = 0;

	if (pthread_create(&t, NULL, setter, NULL)) {
		printf("FAIL: pthread_create\n");
		return 1;
	}
	/* No yield, no system call: only a timer can let the setter run here. */
	while (!flag)
		spins++;
	pthread_join(t, NULL);
	printf("the other thread ran while main spun\n");
	return 0;
}
