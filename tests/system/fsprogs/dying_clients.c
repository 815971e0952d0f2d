/*
 * dying_clients: clients of the fs component that die in the middle of
 * their file calls must not take it down.  Each round forks a child whose
 * second thread reads a large file in a loop; the child then ends with
 * exit_group from its main thread (killing the reader, possibly while its
 * call is queued or being served), or the parent kills it with SIGKILL.
 * After every round the parent checks that file calls still work and
 * return the right data.  Under --fs=guest this exercises the kernel's
 * request records (kernel/ipc/server.c); under --fs=host the ring.
 *
 * Also: the server's device is not for applications (EBUSY under
 * --fs=guest, absent otherwise).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SIZE   (1 << 20)
#define ROUNDS 12

static char buf[SIZE];

static void *reader(void *arg)
{
	int fd = *(int *)arg;

	for (;;)
		if (pread(fd, buf, 65536, (rand() % 16) * 65536) < 0)
			_exit(3);
	return NULL;
}

static int check_file(const char *path)
{
	static char got[SIZE];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, got, SIZE);
	close(fd);
	if (n != SIZE)
		return -1;
	for (int i = 0; i < SIZE; i++)
		if (got[i] != (char)(i * 7))
			return -1;
	return 0;
}

int main(void)
{
	int fd, ok = 1;

	for (int i = 0; i < SIZE; i++)
		buf[i] = (char)(i * 7);
	fd = open("big", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, buf, SIZE) != SIZE || close(fd) != 0) {
		printf("FAIL: cannot write big: %s\n", strerror(errno));
		return 1;
	}
	for (int round = 0; round < ROUNDS; round++) {
		int status;
		pid_t pid = fork();

		if (pid < 0) {
			printf("FAIL: fork: %s\n", strerror(errno));
			return 1;
		}
		if (pid == 0) {
			pthread_t t;
			int rfd = open("big", O_RDONLY);

			if (rfd < 0 || pthread_create(&t, NULL, reader, &rfd) != 0)
				_exit(2);
			for (volatile int spin = 0; spin < 100000 * (round % 4); spin++)
				;
			if (round % 2)
				pause(); /* the parent kills us */
			_exit(0);        /* exit_group: the reader dies wherever it is */
		}
		if (round % 2) {
			usleep(1000 * (round % 5));
			kill(pid, SIGKILL);
		}
		if (waitpid(pid, &status, 0) != pid) {
			printf("FAIL: waitpid: %s\n", strerror(errno));
			return 1;
		}
		if (round % 2 ? !WIFSIGNALED(status) : !WIFEXITED(status) || WEXITSTATUS(status)) {
			printf("FAIL: round %d: child status %#x\n", round, status);
			ok = 0;
		}
		if (check_file("big") != 0) {
			printf("FAIL: round %d: file calls broken after a client died\n", round);
			ok = 0;
		}
	}
	printf("%d clients died mid-call: file calls still %s\n", ROUNDS, ok ? "work" : "BROKEN");
	fd = open("/dev/fsd", O_RDWR);
	printf("open /dev/fsd: %s\n", fd >= 0 ? "opened (WRONG)" : strerror(errno));
	if (fd >= 0)
		ok = 0;
	unlink("big");
	return ok ? 0 : 1;
}
