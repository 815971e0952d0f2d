/* eventfd: counter and semaphore modes, nonblocking reads and writes, bad sizes, blocking across fork, poll. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

static int fails;

static void check(int ok, const char *what)
{
	if (!ok) {
		fails++;
		printf("FAIL: %s\n", what);
	}
}

static const char *res(long rc)
{
	return rc >= 0 ? "ok" : strerror(errno);
}

static void *volatile bad_ptr = (void *)8;

static short revents(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

	poll(&p, 1, 0);
	return p.revents;
}

int main(void)
{
	uint64_t v;
	int fd, st;
	long rc;
	pid_t pid;

	setvbuf(stdout, NULL, _IONBF, 0);
	fd = eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC);
	check(fd >= 0, "eventfd");
	check((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0, "EFD_CLOEXEC");
	check((fcntl(fd, F_GETFL) & O_NONBLOCK) != 0, "EFD_NONBLOCK");
	printf("poll with count 3: in %d out %d\n", !!(revents(fd) & POLLIN),
	       !!(revents(fd) & POLLOUT));
	rc = read(fd, &v, 8);
	printf("read: %ld value %llu\n", rc, (unsigned long long)v);
	rc = read(fd, &v, 8);
	printf("read empty: %s\n", res(rc));
	printf("poll empty: in %d out %d\n", !!(revents(fd) & POLLIN), !!(revents(fd) & POLLOUT));
	v = 5;
	check(write(fd, &v, 8) == 8, "write 5");
	v = 6;
	check(write(fd, &v, 8) == 8, "write 6");
	rc = read(fd, &v, 8);
	printf("read after 5 + 6: %ld value %llu\n", rc, (unsigned long long)v);
	rc = read(fd, &v, 4);
	printf("read of 4 bytes: %s\n", res(rc));
	rc = write(fd, &v, 7);
	printf("write of 7 bytes: %s\n", res(rc));
	v = UINT64_MAX;
	rc = write(fd, &v, 8);
	printf("write of 2^64-1: %s\n", res(rc));
	v = UINT64_MAX - 1;
	rc = write(fd, &v, 8);
	printf("write of 2^64-2: %s\n", res(rc));
	printf("poll full: in %d out %d\n", !!(revents(fd) & POLLIN), !!(revents(fd) & POLLOUT));
	v = 1;
	rc = write(fd, &v, 8);
	printf("write past the maximum: %s\n", res(rc));
	{
		uint64_t two[2];

		rc = read(fd, two, sizeof(two));
		v = two[0];
	}
	printf("read of 16 bytes: %ld\n", rc);
	rc = read(fd, bad_ptr, 8);
	printf("read to a bad pointer: %s\n", res(rc));
	close(fd);

	/* Semaphore mode: each read takes one. */
	fd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
	check(fd >= 0, "eventfd semaphore");
	for (int i = 0; i < 3; i++) {
		rc = read(fd, &v, 8);
		printf("semaphore read %d: %s %llu\n", i, res(rc),
		       rc == 8 ? (unsigned long long)v : 0);
	}
	close(fd);

	rc = eventfd(0, 0x7);
	printf("bad flags: %s\n", res(rc));

	/* A blocking read waits for the other process. */
	fd = eventfd(0, 0);
	pid = fork();
	if (pid == 0) {
		usleep(50000);
		v = 9;
		_exit(write(fd, &v, 8) == 8 ? 0 : 1);
	}
	rc = read(fd, &v, 8);
	printf("blocking read: %ld value %llu\n", rc, (unsigned long long)v);
	check(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child");
	close(fd);
	printf("done\n");
	return fails;
}
