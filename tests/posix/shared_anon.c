/*
 * MAP_SHARED | MAP_ANONYMOUS memory across fork: writes seen both ways,
 * through grandchildren, after mprotect, and after the writer is gone;
 * MAP_PRIVATE memory is copied instead; a process-shared semaphore and
 * mutex in shared memory synchronise parent and child.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wait_child.h"

#define PAGES 4

struct shared {
	sem_t ready, done;
	pthread_mutex_t lock;
	long counter;
};

int main(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *sh =
	        mmap(NULL, PAGES * pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *pv = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct shared *s;
	pthread_mutexattr_t ma;
	pid_t pid;
	int i;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (sh == MAP_FAILED || pv == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	printf("fresh shared memory is zero: %d\n", sh[0] == 0 && sh[PAGES * pg - 1] == 0);
	strcpy(sh, "parent wrote this");
	strcpy(pv, "private");

	/* The child sees the parent's writes and the parent the child's. */
	pid = fork();
	if (pid == 0) {
		printf("child reads: %s\n", sh);
		strcpy(sh + pg, "child wrote this");
		strcpy(pv, "child's private copy");
		sh[3 * pg] = 42;
		_exit(0);
	}
	wait_child(pid);
	printf("parent reads page 1: %s\n", sh + pg);
	printf("parent reads page 3: %d\n", sh[3 * pg]);
	printf("private page unchanged: %s\n", pv);

	/* A grandchild shares it too; mprotect keeps the sharing. */
	pid = fork();
	if (pid == 0) {
		pid_t g = fork();

		if (g == 0) {
			if (mprotect(sh, pg, PROT_READ) || mprotect(sh, pg, PROT_READ | PROT_WRITE))
				_exit(1);
			strcpy(sh, "grandchild wrote this");
			_exit(0);
		}
		wait_child(g);
		_exit(0);
	}
	wait_child(pid);
	printf("parent reads page 0: %s\n", sh);

	/* A child's munmap leaves the parent's mapping alone. */
	pid = fork();
	if (pid == 0) {
		munmap(sh, PAGES * pg);
		_exit(0);
	}
	wait_child(pid);
	printf("still mapped after the child's munmap: %s\n", sh + pg);

	/* The parent unmaps first: the child keeps the memory. */
	{
		int p[2];
		char c;

		if (pipe(p))
			return 1;
		pid = fork();
		if (pid == 0) {
			close(p[1]);
			if (read(p[0], &c, 1) != 1)
				_exit(1);
			printf("child reads after the parent unmapped: %s\n", sh + pg);
			_exit(0);
		}
		close(p[0]);
		munmap(sh + pg, pg);
		if (write(p[1], "x", 1) != 1)
			return 1;
		wait_child(pid);
		close(p[1]);
	}

	/* Process-shared semaphore and mutex. */
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED || sem_init(&s->ready, 1, 0) || sem_init(&s->done, 1, 0))
		return 1;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&s->lock, &ma);
	pid = fork();
	if (pid == 0) {
		sem_wait(&s->ready);
		for (i = 0; i < 1000; i++) {
			pthread_mutex_lock(&s->lock);
			s->counter++;
			pthread_mutex_unlock(&s->lock);
		}
		sem_post(&s->done);
		_exit(0);
	}
	sem_post(&s->ready);
	for (i = 0; i < 1000; i++) {
		pthread_mutex_lock(&s->lock);
		s->counter++;
		pthread_mutex_unlock(&s->lock);
	}
	sem_wait(&s->done);
	wait_child(pid);
	printf("counter: %ld\n", s->counter);

	/* Many forks of one shared page: every child adds one. */
	s->counter = 0;
	for (i = 0; i < 20; i++) {
		pid = fork();
		if (pid == 0) {
			pthread_mutex_lock(&s->lock);
			s->counter++;
			pthread_mutex_unlock(&s->lock);
			_exit(0);
		}
		wait_child(pid);
	}
	printf("20 children counted: %ld\n", s->counter);

	/* 100 rounds of 256 KiB shared with a child, then unmapped: 25 MiB in
	 * all, more than a small VM has, so a frame kept too long runs out. */
	for (i = 0; i < 100; i++) {
		char *r = mmap(NULL, 64 * pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		               -1, 0);
		int j;

		if (r == MAP_FAILED) {
			printf("round %d: mmap failed\n", i);
			return 1;
		}
		pid = fork();
		if (pid == 0) {
			for (j = 0; j < 64; j++)
				r[j * pg] = (char)j;
			_exit(0);
		}
		wait_child(pid);
		for (j = 0; j < 64 && r[j * pg] == (char)j; j++)
			;
		if (j != 64 || munmap(r, 64 * pg)) {
			printf("round %d: page %d wrong\n", i, j);
			return 1;
		}
	}
	printf("100 rounds of shared memory given back\n");
	return 0;
}
