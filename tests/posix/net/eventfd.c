/* eventfd: counter and semaphore semantics, EFD_NONBLOCK, overflow and size rules, poll readiness. */
#include "common.h"
#include <sys/eventfd.h>

static short revents(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

	return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

int main(void)
{
	uint64_t v;
	int e, st;
	pid_t pid;

	net_test = "eventfd";

	/* Counter: writes add up, a read takes everything. */
	e = eventfd(5, EFD_NONBLOCK | EFD_CLOEXEC);
	CHECK(e >= 0, "eventfd");
	CHECK(fcntl(e, F_GETFD) & FD_CLOEXEC, "EFD_CLOEXEC");
	CHECK(fcntl(e, F_GETFL) & O_NONBLOCK, "EFD_NONBLOCK");
	v = 3;
	CHECK(write(e, &v, 8) == 8, "write 3");
	v = 4;
	CHECK(write(e, &v, 8) == 8, "write 4");
	v = 0;
	CHECK(read(e, &v, 8) == 8 && v == 12, "read gives 5 + 3 + 4 (%llu)", (unsigned long long)v);
	CHECK_ERR(read(e, &v, 8), EAGAIN, "read at zero");
	CHECK(revents(e) == POLLOUT, "at zero: writable only (%#x)", revents(e));
	v = 0;
	CHECK(write(e, &v, 8) == 8 && revents(e) == POLLOUT, "writing 0 changes nothing");
	OK("eventfd: counter adds, read takes all, EAGAIN at zero\n");

	/* Size and value rules. */
	CHECK_ERR(read(e, &v, 4), EINVAL, "read of 4 bytes");
	CHECK_ERR(write(e, &v, 4), EINVAL, "write of 4 bytes");
	v = UINT64_MAX;
	CHECK_ERR(write(e, &v, 8), EINVAL, "write of 2^64-1");
	v = UINT64_MAX - 1;
	CHECK(write(e, &v, 8) == 8, "write up to the maximum 2^64-2");
	CHECK(revents(e) == POLLIN, "at the maximum: readable, not writable (%#x)", revents(e));
	v = 1;
	CHECK_ERR(write(e, &v, 8), EAGAIN, "write past the maximum");
	{
		char big[16];
		CHECK(read(e, big, sizeof(big)) == 8, "a larger read buffer reads 8 bytes");
		memcpy(&v, big, 8);
		CHECK(v == UINT64_MAX - 1, "read the maximum back");
	}
	close(e);
	OK("eventfd: EINVAL for short buffers and 2^64-1, EAGAIN past 2^64-2, poll at the "
	   "maximum\n");

	/* Semaphore: each read takes one. */
	e = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
	CHECK(e >= 0, "eventfd semaphore");
	for (int i = 0; i < 3; i++) {
		v = 0;
		CHECK(read(e, &v, 8) == 8 && v == 1, "semaphore read %d gives 1", i);
	}
	CHECK_ERR(read(e, &v, 8), EAGAIN, "semaphore empty");
	close(e);
	OK("eventfd: EFD_SEMAPHORE reads 1 three times, then EAGAIN\n");

	/* Blocking read across fork: the child's write wakes the parent. */
	e = eventfd(0, 0);
	CHECK(e >= 0, "eventfd blocking");
	pid = fork_flushed();
	if (pid == 0) {
		uint64_t w = 42;
		_exit(write(e, &w, 8) == 8 ? 0 : 2);
	}
	v = 0;
	CHECK(read(e, &v, 8) == 8 && v == 42, "blocking read gets the child's 42");
	st = wait_child(pid);
	CHECK(st == 0, "child status %d", st);
	CHECK(wait_for(e, POLLOUT) == POLLOUT, "writable after the read");
	close(e);
	OK("eventfd: blocking read woken by a child's write\n");
	return net_done();
}
