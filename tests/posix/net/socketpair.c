/* socketpair: AF_UNIX stream and datagram pairs, within a process and across fork, with poll. */
#include "common.h"
#include <ctype.h>

/* Child: upper-case everything read from FD until end of file, then exit. */
static int upcase(int fd)
{
	char buf[256];
	ssize_t r;

	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < r; i++)
			buf[i] = (char)toupper((unsigned char)buf[i]);
		if (write_all(fd, buf, (size_t)r) != 0)
			return 2;
	}
	return r == 0 ? 0 : 3;
}

static void stream_pair(void)
{
	int sv[2], st;
	char buf[64];
	pid_t pid;
	struct pollfd p;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair stream");
	p.fd = sv[0];
	p.events = POLLIN | POLLOUT;
	CHECK(poll(&p, 1, 0) == 1 && p.revents == POLLOUT, "fresh pair: only writable (%#x)",
	      p.revents);
	pid = fork_flushed();
	if (pid == 0) {
		close(sv[0]);
		_exit(upcase(sv[1]));
	}
	close(sv[1]);
	CHECK(write_all(sv[0], "hello, ", 7) == 0 && write_all(sv[0], "world", 5) == 0, "write");
	CHECK(read_full(sv[0], buf, 12) == 12 && memcmp(buf, "HELLO, WORLD", 12) == 0,
	      "the child's answer");
	CHECK(shutdown(sv[0], SHUT_WR) == 0, "shutdown");
	st = wait_child(pid);
	CHECK(st == 0, "child status %d", st);
	p.events = POLLIN;
	CHECK(poll(&p, 1, NET_WAIT_MS) == 1 && (p.revents & POLLIN) && (p.revents & POLLHUP),
	      "peer gone: POLLIN|POLLHUP (%#x)", p.revents);
	CHECK(read(sv[0], buf, 1) == 0, "end of file");
	close(sv[0]);
	OK("socketpair stream: across fork, upper-cased echo, POLLHUP and EOF at the end\n");
}

static void dgram_pair(void)
{
	int sv[2], st;
	char buf[256];
	ssize_t r;
	pid_t pid;
	static const size_t sz[] = { 5, 0, 100, 1 };

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair dgram");
	pid = fork_flushed();
	if (pid == 0) {
		close(sv[0]);
		for (int i = 0; i < 4; i++) {
			memset(buf, 'a' + i, sz[i]);
			if (write(sv[1], buf, sz[i]) != (ssize_t)sz[i])
				_exit(2);
		}
		memset(buf, 'z', 50);
		if (write(sv[1], buf, 50) != 50 || write(sv[1], buf, 50) != 50)
			_exit(3);
		_exit(0);
	}
	close(sv[1]);
	st = wait_child(pid);
	CHECK(st == 0, "child status %d", st);
	for (int i = 0; i < 4; i++) {
		CHECK(wait_for(sv[0], POLLIN) & POLLIN, "datagram %d readable", i);
		memset(buf, 0, sizeof(buf));
		r = recv(sv[0], buf, sizeof(buf), 0);
		CHECK(r == (ssize_t)sz[i] && (sz[i] == 0 || buf[0] == 'a' + i),
		      "datagram %d: %zd bytes, want %zu", i, r, sz[i]);
	}
	r = recv(sv[0], buf, 10, 0);
	CHECK(r == 10, "short buffer truncates (%zd)", r);
	r = recv(sv[0], buf, 10, MSG_TRUNC);
	CHECK(r == 50, "MSG_TRUNC gives the real length (%zd)", r);
	CHECK_ERR(recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "nothing left");
	close(sv[0]);
	OK("socketpair dgram: 4 datagrams (5, 0, 100, 1 bytes) keep boundaries, truncation, "
	   "MSG_TRUNC\n");
}

int main(void)
{
	int sv[2];

	net_test = "socketpair";
	stream_pair();
	dgram_pair();
	CHECK_ERR(socketpair(AF_INET, SOCK_STREAM, 0, sv), EOPNOTSUPP, "socketpair AF_INET");
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) == 0,
	      "socketpair with flags");
	CHECK((fcntl(sv[0], F_GETFD) & FD_CLOEXEC) && (fcntl(sv[1], F_GETFL) & O_NONBLOCK),
	      "SOCK_CLOEXEC and SOCK_NONBLOCK on the pair");
	{
		char b;
		CHECK_ERR(read(sv[0], &b, 1), EAGAIN, "non-blocking empty pair");
	}
	close(sv[0]);
	close(sv[1]);
	OK("socketpair: AF_INET EOPNOTSUPP, SOCK_CLOEXEC|SOCK_NONBLOCK\n");
	return net_done();
}
