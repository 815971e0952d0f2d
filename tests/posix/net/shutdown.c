/* shutdown: half-close, EPIPE and SIGPIPE after the peer is gone, MSG_NOSIGNAL, ECONNRESET. */
#include "common.h"

static volatile sig_atomic_t sigpipes;

static void on_pipe(int sig)
{
	(void)sig;
	sigpipes++;
}

/* Wait until FD reports POLLHUP or POLLERR (a reset arrived), or time out. */
static short wait_reset(int fd)
{
	return wait_for(fd, 0);
}

int main(void)
{
	int c, s, l, port;
	char buf[16];
	ssize_t r;
	struct sigaction sa;

	net_test = "shutdown";
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_pipe;
	sigaction(SIGPIPE, &sa, NULL);

	/* SHUT_WR: the peer reads end of file and can still answer. */
	tcp_pair(&c, &s);
	CHECK(write(c, "req", 3) == 3, "write before shutdown");
	CHECK(shutdown(c, SHUT_WR) == 0, "shutdown(SHUT_WR)");
	r = read_full(s, buf, sizeof(buf));
	CHECK(r == 3 && memcmp(buf, "req", 3) == 0, "peer reads the data then EOF (%zd)", r);
	CHECK(read(s, buf, 1) == 0, "peer reads EOF again");
	CHECK(write(s, "answer", 6) == 6, "peer answers after our SHUT_WR");
	r = read_full(c, buf, 6);
	CHECK(r == 6 && memcmp(buf, "answer", 6) == 0, "the answer arrives (%zd)", r);
	sigpipes = 0;
	CHECK_ERR(write(c, "x", 1), EPIPE, "write after our own SHUT_WR");
	CHECK(sigpipes == 1, "SIGPIPE for writing after SHUT_WR (%d)", (int)sigpipes);
	CHECK_ERR(send(c, "x", 1, MSG_NOSIGNAL), EPIPE, "send(MSG_NOSIGNAL) after SHUT_WR");
	CHECK(sigpipes == 1, "no SIGPIPE with MSG_NOSIGNAL (%d)", (int)sigpipes);
	CHECK(shutdown(s, SHUT_WR) == 0, "peer shuts down too");
	CHECK(read(c, buf, 1) == 0, "then we read EOF");
	OK("shutdown: half-close (peer reads EOF, answers), EPIPE + SIGPIPE, MSG_NOSIGNAL\n");
	close(c);
	close(s);

	/* Peer closed: the first write is answered with a reset, later ones fail EPIPE. */
	tcp_pair(&c, &s);
	close(s);
	CHECK(read(c, buf, 1) == 0, "EOF once the peer closed");
	CHECK(write(c, "1", 1) == 1, "first write after the peer closed succeeds");
	CHECK(wait_reset(c) & (POLLHUP | POLLERR), "the peer's reset arrives");
	sigpipes = 0;
	CHECK_ERR(write(c, "2", 1), EPIPE, "write after the reset");
	CHECK(sigpipes == 1, "SIGPIPE (%d)", (int)sigpipes);
	CHECK_ERR(send(c, "3", 1, MSG_NOSIGNAL), EPIPE, "send(MSG_NOSIGNAL) after the reset");
	CHECK(sigpipes == 1, "no SIGPIPE with MSG_NOSIGNAL (%d)", (int)sigpipes);
	close(c);

	/* Default SIGPIPE disposition kills the writer (in a child). */
	{
		pid_t pid;
		int st;

		tcp_pair(&c, &s);
		close(s);
		CHECK(read(c, buf, 1) == 0, "EOF");
		(void)!write(c, "1", 1);
		wait_reset(c);
		pid = fork_flushed();
		if (pid == 0) {
			signal(SIGPIPE, SIG_DFL);
			(void)!write(c, "2", 1);
			_exit(0);
		}
		st = wait_child(pid);
		CHECK(st == 128 + SIGPIPE, "writer killed by SIGPIPE (status %d)", st);
		close(c);
	}
	OK("shutdown: write after peer close: EPIPE, SIGPIPE (handled and default), "
	   "MSG_NOSIGNAL\n");

	/* Closing with unread data resets the connection: ECONNRESET. */
	tcp_pair(&c, &s);
	CHECK(write(c, "unread", 6) == 6, "write");
	CHECK(wait_for(s, POLLIN) & POLLIN, "data reached the peer");
	close(s);
	CHECK(wait_reset(c) & (POLLHUP | POLLERR), "reset arrives");
	CHECK_ERR(recv(c, buf, sizeof(buf), 0), ECONNRESET, "recv after close with unread data");
	close(c);

	/* SO_LINGER with zero time: close resets. */
	tcp_pair(&c, &s);
	{
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };
		CHECK(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0, "SO_LINGER");
	}
	close(s);
	CHECK(wait_reset(c) & (POLLHUP | POLLERR), "reset arrives");
	CHECK_ERR(recv(c, buf, sizeof(buf), 0), ECONNRESET, "recv after an abortive close");
	close(c);
	OK("shutdown: ECONNRESET (close with unread data, SO_LINGER 0)\n");

	/* shutdown on an unconnected socket; SHUT_RDWR then both directions end. */
	l = tcp_listener("127.0.0.1", &port);
	CHECK_ERR(shutdown(l, 12345), EINVAL, "shutdown with a bad how");
	close(l);
	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_ERR(shutdown(c, SHUT_WR), ENOTCONN, "shutdown unconnected");
	close(c);
	tcp_pair(&c, &s);
	CHECK(shutdown(c, SHUT_RDWR) == 0, "SHUT_RDWR");
	CHECK(read(s, buf, 1) == 0, "peer reads EOF after SHUT_RDWR");
	CHECK(read(c, buf, 1) == 0, "read after own SHUT_RDWR is EOF");
	CHECK_ERR(send(c, "x", 1, MSG_NOSIGNAL), EPIPE, "send after own SHUT_RDWR");
	close(c);
	close(s);
	OK("shutdown: ENOTCONN, EINVAL, SHUT_RDWR\n");
	return net_done();
}
