/* cow_fork: after fork, parent and child each write a global, the stack and the heap privately. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define HEAP_LEN (64 * 1024) /* several pages, so more than one is copied */

static int fails;
static int global = 1;

static void check(int ok, const char *what)
{
	if (!ok) {
		fails++;
		printf("FAIL: %s\n", what);
	}
}

/* 1 if every byte of (p, n) is (c). */
static int all(const unsigned char *p, size_t n, int c)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != c)
			return 0;
	return 1;
}

/* Write (v) everywhere, tell the other side, wait until it has written too, then check. */
static int modify_then_check(unsigned char *heap, volatile int *local, int v, int tell, int hear)
{
	char c = 'x';

	global = v;
	*local = v;
	memset(heap, v, HEAP_LEN);
	if (write(tell, &c, 1) != 1 || read(hear, &c, 1) != 1)
		return -1;
	return (global == v) | (*local == v) << 1 | all(heap, HEAP_LEN, v) << 2;
}

int main(void)
{
	unsigned char *heap = malloc(HEAP_LEN);
	volatile int local = 1;
	int to_child[2], to_parent[2], st = 0, seen;
	pid_t pid;

	check(heap != NULL, "malloc");
	if (heap == NULL)
		return 1;
	memset(heap, 1, HEAP_LEN);
	if (pipe(to_child) != 0 || pipe(to_parent) != 0) {
		printf("FAIL: pipe\n");
		return 1;
	}

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		seen = modify_then_check(heap, &local, 2, to_parent[1], to_child[0]);
		_exit(seen < 0 ? 100 : seen);
	}
	if (pid < 0) {
		printf("FAIL: fork\n");
		return 1;
	}
	/* Both sides have written before either checks: a shared page would show the other's value. */
	seen = modify_then_check(heap, &local, 3, to_child[1], to_parent[0]);
	check(wait(&st) == pid, "wait");
	check(WIFEXITED(st), "child exits");
	printf("child sees its own global %s, stack %s, heap %s\n",
	       WEXITSTATUS(st) & 1 ? "yes" : "no", WEXITSTATUS(st) & 2 ? "yes" : "no",
	       WEXITSTATUS(st) & 4 ? "yes" : "no");
	printf("parent sees its own global %s, stack %s, heap %s\n",
	       seen >= 0 && seen & 1 ? "yes" : "no", seen >= 0 && seen & 2 ? "yes" : "no",
	       seen >= 0 && seen & 4 ? "yes" : "no");
	check(WEXITSTATUS(st) == 7, "child's copy is private");
	check(seen == 7, "parent's copy is private");
	free(heap);
	return fails;
}
