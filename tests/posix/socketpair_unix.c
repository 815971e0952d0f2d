/* socketpair_unix: AF_UNIX stream, datagram and seqpacket pairs: data, boundaries, shutdown, EOF, SIGPIPE, poll, options, fork. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int fails;
static volatile int sigpipes;

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

static void on_pipe(int sig)
{
	(void)sig;
	sigpipes++;
}

static short revents(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	poll(&p, 1, 0);
	return p.revents;
}

static void stream_tests(void)
{
	int sv[2], v, st;
	char buf[64];
	struct stat sb;
	socklen_t len;
	struct sockaddr_un sa;
	long rc;
	pid_t pid;

	check(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair stream");
	check((fcntl(sv[0], F_GETFD) & FD_CLOEXEC) != 0, "SOCK_CLOEXEC");
	check(fstat(sv[0], &sb) == 0 && S_ISSOCK(sb.st_mode), "fstat S_IFSOCK");
	len = sizeof(v);
	check(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_STREAM &&
	              len == sizeof(v),
	      "SO_TYPE");
	len = sizeof(v);
	check(getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &v, &len) == 0 && v == 0, "SO_ERROR");
	len = sizeof(sa);
	rc = getsockname(sv[0], (struct sockaddr *)&sa, &len);
	printf("getsockname: %s family %d len %d\n", res(rc), sa.sun_family, (int)len);
	len = sizeof(sa);
	rc = getpeername(sv[0], (struct sockaddr *)&sa, &len);
	printf("getpeername: %s family %d len %d\n", res(rc), sa.sun_family, (int)len);

	/* Both directions; stream merges writes. */
	check(write(sv[0], "hello ", 6) == 6, "write");
	check(send(sv[0], "world", 5, 0) == 5, "send");
	check(ioctl(sv[1], FIONREAD, &v) == 0 && v == 11, "FIONREAD");
	rc = recv(sv[1], buf, 4, MSG_PEEK);
	printf("peek: %ld '%.4s'\n", rc, buf);
	rc = read(sv[1], buf, sizeof(buf));
	printf("read: %ld '%.*s'\n", rc, (int)(rc > 0 ? rc : 0), buf);
	check(write(sv[1], "back", 4) == 4, "write back");
	rc = recv(sv[0], buf, sizeof(buf), 0);
	printf("other way: %ld\n", rc);
	rc = recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT);
	printf("empty, MSG_DONTWAIT: %s\n", res(rc));
	printf("poll idle: in %d out %d\n", !!(revents(sv[0], POLLIN | POLLOUT) & POLLIN),
	       !!(revents(sv[0], POLLIN | POLLOUT) & POLLOUT));

	/* Vectors. */
	{
		struct iovec iov[2] = { { "ab", 2 }, { "cde", 3 } };
		char x[2], y[8];
		struct iovec in[2] = { { x, 2 }, { y, sizeof(y) } };
		struct msghdr mh = { .msg_iov = in, .msg_iovlen = 2 };

		rc = writev(sv[0], iov, 2);
		printf("writev: %ld\n", rc);
		rc = recvmsg(sv[1], &mh, 0);
		printf("recvmsg: %ld '%.2s' '%.3s' flags %d\n", rc, x, y, mh.msg_flags);
	}

	/* shutdown(SHUT_WR): the peer reads EOF; we get EPIPE. */
	check(shutdown(sv[0], SHUT_WR) == 0, "shutdown");
	rc = read(sv[1], buf, sizeof(buf));
	printf("read after peer SHUT_WR: %ld\n", rc);
	printf("poll after peer SHUT_WR: rdhup %d\n",
	       !!(revents(sv[1], POLLIN | POLLRDHUP) & POLLRDHUP));
	rc = send(sv[0], "x", 1, MSG_NOSIGNAL);
	printf("send after SHUT_WR, MSG_NOSIGNAL: %s, sigpipes %d\n", res(rc), sigpipes);
	rc = write(sv[0], "x", 1);
	printf("write after SHUT_WR: %s, sigpipes %d\n", res(rc), sigpipes);
	rc = shutdown(sv[0], 7);
	printf("shutdown(7): %s\n", res(rc));
	close(sv[0]);
	close(sv[1]);

	/* Across fork: the child echoes until EOF. */
	check(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		while ((rc = read(sv[1], buf, sizeof(buf))) > 0)
			if (write(sv[1], buf, rc) != rc)
				_exit(1);
		_exit(rc == 0 ? 0 : 2);
	}
	close(sv[1]);
	for (int i = 0; i < 3; i++) {
		char msg[16];
		int m = snprintf(msg, sizeof(msg), "ping %d", i);

		check(write(sv[0], msg, m) == m, "ping");
		rc = read(sv[0], buf, sizeof(buf));
		printf("echo %d: %ld '%.*s'\n", i, rc, (int)(rc > 0 ? rc : 0), buf);
	}
	check(shutdown(sv[0], SHUT_WR) == 0, "shutdown to end the child");
	check(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "echo child");
	rc = read(sv[0], buf, sizeof(buf));
	printf("after the child exited: %ld\n", rc);
	printf("poll: hup %d\n", !!(revents(sv[0], POLLIN) & POLLHUP));
	rc = write(sv[0], "x", 1);
	printf("write to a closed peer: %s, sigpipes %d\n", res(rc), sigpipes);
	close(sv[0]);

	/* Nonblocking pair fills up. */
	check(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0, "nonblock pair");
	{
		static char big[4096];
		long total = 0;

		while ((rc = write(sv[0], big, sizeof(big))) > 0 && total < (64l << 20))
			total += rc;
		printf("filled: %s, not writable %d\n", res(rc),
		       !(revents(sv[0], POLLOUT) & POLLOUT));
		rc = read(sv[1], big, sizeof(big));
		check(rc > 0, "read from a full pair");
	}
	close(sv[0]);
	close(sv[1]);
}

static void dgram_tests(int type, const char *name)
{
	int sv[2], v;
	char buf[64];
	long rc;
	socklen_t len;

	check(socketpair(AF_UNIX, type, 0, sv) == 0, "socketpair dgram");
	len = sizeof(v);
	check(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == type, "SO_TYPE dgram");
	check(send(sv[0], "one", 3, 0) == 3, "send one");
	check(send(sv[0], "second", 6, 0) == 6, "send second");
	check(send(sv[0], "", 0, 0) == 0, "send empty");
	check(ioctl(sv[1], FIONREAD, &v) == 0, "FIONREAD");
	rc = recv(sv[1], buf, sizeof(buf), 0);
	printf("%s: first %ld '%.*s'\n", name, rc, (int)(rc > 0 ? rc : 0), buf);
	{
		struct iovec io = { buf, 3 };
		struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1 };

		rc = recvmsg(sv[1], &mh, 0);
		printf("%s: truncated %ld, MSG_TRUNC %d\n", name, rc, !!(mh.msg_flags & MSG_TRUNC));
	}
	rc = recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT);
	printf("%s: empty message %ld\n", name, rc);
	rc = recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT);
	printf("%s: nothing left: %s\n", name, res(rc));
	check(send(sv[1], "abcdef", 6, 0) == 6, "send back");
	rc = recv(sv[0], buf, 2, MSG_TRUNC);
	printf("%s: MSG_TRUNC returns the real length %ld\n", name, rc);
	{
		struct iovec iov[2] = { { "ab", 2 }, { "cd", 2 } };

		rc = writev(sv[0], iov, 2);
		rc = read(sv[1], buf, sizeof(buf));
		printf("%s: writev is one message: %ld\n", name, rc);
	}
	rc = sendto(sv[0], "x", 1, 0, NULL, 0);
	printf("%s: sendto without address: %s\n", name, res(rc));
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	int sv[2];
	long rc;
	int pfd[2];
	char c;

	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGPIPE, on_pipe);
	stream_tests();
	dgram_tests(SOCK_DGRAM, "dgram");
	dgram_tests(SOCK_SEQPACKET, "seqpacket");

	rc = socketpair(AF_UNIX, 77, 0, sv);
	printf("bad type: %s\n", res(rc));
	rc = socketpair(AF_UNIX, SOCK_STREAM, 5, sv);
	printf("bad protocol: %s\n", res(rc));
	rc = socketpair(12345, SOCK_STREAM, 0, sv);
	printf("bad family: %s\n", res(rc));
	check(pipe(pfd) == 0, "pipe");
	rc = send(pfd[1], "x", 1, 0);
	printf("send on a pipe: %s\n", res(rc));
	rc = recv(pfd[0], &c, 1, MSG_DONTWAIT);
	printf("recv on a pipe: %s\n", res(rc));
	rc = shutdown(pfd[0], SHUT_RD);
	printf("shutdown on a pipe: %s\n", res(rc));
	rc = send(999, "x", 1, 0);
	printf("send on a bad fd: %s\n", res(rc));
	printf("done\n");
	return fails;
}
