/* For the tests of tests/posix: wait for a child that must exit 0, else fail the test. */
#ifndef TESTS_POSIX_WAIT_CHILD_H
#define TESTS_POSIX_WAIT_CHILD_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

static inline void wait_child(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		printf("child failed\n");
		exit(1);
	}
}

#endif /* TESTS_POSIX_WAIT_CHILD_H */
