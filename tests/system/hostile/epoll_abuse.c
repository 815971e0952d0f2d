/* epoll, select and socket pairs under abuse: floods, closes while registered or waited on, bad sizes and pointers. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

static int ep_shared;

static const char *err(long rc)
{
	return rc >= 0             ? "ok"
	       : errno == EINVAL   ? "EINVAL"
	       : errno == EFAULT   ? "EFAULT"
	       : errno == EBADF    ? "EBADF"
	       : errno == ENOSPC   ? "ENOSPC"
	       : errno == ELOOP    ? "ELOOP"
	       : errno == EMFILE   ? "EMFILE"
	       : errno == ENOTSOCK ? "ENOTSOCK"
	                           : strerror(errno);
}

/* Register every fd we can open (eventfds) in one epoll, make them all ready, close them all. */
static void flood(void)
{
	int ep = epoll_create1(0), fds[600], n = 0, i, ready;
	struct epoll_event ev[64];
	long rc = 0;
	uint64_t one = 1;

	while (n < 600 && (fds[n] = eventfd(0, EFD_NONBLOCK)) >= 0)
		n++;
	for (i = 0; i < n; i++) {
		struct epoll_event e = { .events = EPOLLIN | (i % 2 ? EPOLLET : 0), .data.u64 = i };

		if ((rc = epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &e)) < 0)
			break;
	}
	printf("flood: registered all open eventfds: %s\n", i == n ? "yes" : err(rc));
	for (i = 0; i < n; i++)
		(void)!write(fds[i], &one, 8);
	ready = 0;
	for (int round = 0; round < 20; round++) {
		int k = epoll_wait(ep, ev, 64, 0);

		if (k <= 0)
			break;
		ready += k;
	}
	printf("flood: events reported: %s\n", ready > 0 ? "yes" : "no");
	for (i = 0; i < n; i++)
		close(fds[i]);
	rc = epoll_wait(ep, ev, 64, 0);
	printf("flood: after closing them all: %ld\n", rc);
	close(ep);
}

/* Hostile sizes and pointers. */
static void sizes(void)
{
	int ep = epoll_create1(0), p[2];
	struct epoll_event e = { .events = EPOLLIN };
	fd_set big[4];
	long rc;

	(void)!pipe(p);
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e);
	rc = syscall(SYS_epoll_wait, ep, (void *)0x1000, 0x7fffffff, 0);
	printf("huge maxevents: %s\n", err(rc));
	rc = syscall(SYS_epoll_wait, ep, (void *)0x1000, 0x10000000, 0);
	printf("large maxevents, bad buffer: %s\n", err(rc));
	rc = syscall(SYS_epoll_wait, ep, (void *)0xffff800000000000ull, 1, 0);
	printf("kernel buffer: %s\n", err(rc));
	rc = syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, p[1], (void *)0xffffffffff600000ull);
	printf("kernel event pointer: %s\n", err(rc));
	rc = syscall(SYS_epoll_pwait, ep, &e, 1, 0, (void *)8, 8);
	printf("bad sigmask: %s\n", err(rc));
	rc = syscall(SYS_epoll_pwait, ep, &e, 1, 0, &e, 4);
	printf("bad sigset size: %s\n", err(rc));
	memset(big, 0xff, sizeof(big));
	rc = syscall(SYS_select, 100000, big, NULL, NULL, &(struct timeval){ 0, 0 });
	printf("select nfds 100000, all bits: %s\n", err(rc));
	rc = syscall(SYS_select, 1 << 30, NULL, NULL, NULL, &(struct timeval){ 0, 0 });
	printf("select nfds 2^30, no sets: %s\n", err(rc));
	rc = syscall(SYS_select, 64, (void *)8, NULL, NULL, &(struct timeval){ 0, 0 });
	printf("select bad set: %s\n", err(rc));
	rc = syscall(SYS_pselect6, 8, NULL, NULL, NULL, NULL, (void *)8);
	printf("pselect6 bad sigmask struct: %s\n", err(rc));
	rc = syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (void *)8);
	printf("socketpair bad sv: %s\n", err(rc));
	rc = syscall(SYS_sendmsg, p[1], (void *)8, 0);
	printf("sendmsg on a pipe: %s\n", err(rc));
	{
		int sv[2];
		struct msghdr mh = { .msg_iovlen = 5000 };

		socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
		rc = syscall(SYS_sendmsg, sv[0], &mh, 0);
		printf("sendmsg iovlen 5000: %s\n", errno == EMSGSIZE ? "EMSGSIZE" : err(rc));
		rc = syscall(SYS_sendto, sv[0], (void *)8, 100000, 0, NULL, 0);
		printf("dgram bigger than the buffer: %s\n",
		       rc < 0 && (errno == EMSGSIZE || errno == EFAULT) ? "error" : "sent");
		rc = syscall(SYS_getsockopt, sv[0], SOL_SOCKET, SO_TYPE, (void *)8, (void *)8);
		printf("getsockopt bad pointers: %s\n", err(rc));
		close(sv[0]);
		close(sv[1]);
	}
	close(p[0]);
	close(p[1]);
	close(ep);
}

/* Chains and loops of epolls. */
static void nesting(void)
{
	int e[8], i;
	struct epoll_event ev = { .events = EPOLLIN };
	long rc;

	for (i = 0; i < 8; i++)
		e[i] = epoll_create1(0);
	for (i = 1; i < 8; i++) {
		rc = epoll_ctl(e[i], EPOLL_CTL_ADD, e[i - 1], &ev);
		printf("nesting: e%d into e%d: %s\n", i - 1, i, err(rc));
	}
	rc = epoll_ctl(e[0], EPOLL_CTL_ADD, e[7], &ev);
	printf("nesting: e7 into e0 (too deep): %s\n", err(rc));
	rc = epoll_ctl(e[3], EPOLL_CTL_ADD, e[4], &ev);
	printf("nesting: e4 into e3 (a loop): %s\n", err(rc));
	for (i = 0; i < 8; i++)
		close(e[i]);
}

static void *waiter(void *arg)
{
	struct epoll_event ev;

	(void)arg;
	epoll_wait(ep_shared, &ev, 1, 300);
	return NULL;
}

/* Close the epoll while another thread waits in it; exit while a thread waits. */
static void close_while_waiting(void)
{
	pthread_t t;

	ep_shared = epoll_create1(0);
	pthread_create(&t, NULL, waiter, NULL);
	usleep(50000);
	close(ep_shared);
	pthread_join(t, NULL);
	printf("closed under a waiter: survived\n");
}

static void exit_while_waiting(void)
{
	pthread_t t;

	ep_shared = epoll_create1(0);
	pthread_create(&t, NULL, waiter, NULL);
	usleep(20000);
	_exit(0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	probe("flood", flood);
	probe("sizes", sizes);
	probe("nesting", nesting);
	probe("close_while_waiting", close_while_waiting);
	probe("exit_while_waiting", exit_while_waiting);
	return 0;
}
