/* nonblock_connect: non-blocking connect (EINPROGRESS, POLLOUT, SO_ERROR) and refused connections. */
#include "common.h"

static int so_error(int fd)
{
	int err = -1;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		return -1;
	return err;
}

int main(void)
{
	int port, l, c, s, r, e, closed_port;
	short re;
	struct sockaddr_in sa, peer;
	socklen_t plen = sizeof(peer);

	net_test = "nonblock_connect";

	/* To a listener: EINPROGRESS (or done at once), then POLLOUT, SO_ERROR 0. */
	l = tcp_listener("127.0.0.1", &port);
	sa = sin_of("127.0.0.1", port);
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c < 0)
		DIE("socket");
	errno = 0;
	r = connect(c, (struct sockaddr *)&sa, sizeof(sa));
	e = errno;
	/* POSIX lets a non-blocking connect finish at once; Linux on loopback says EINPROGRESS. */
	CHECK(r == 0 || (r == -1 && e == EINPROGRESS), "connect: %d/%s", r, ename(e));
	re = wait_for(c, POLLOUT);
	CHECK(re & POLLOUT, "POLLOUT once connected (revents %#x)", re);
	CHECK(!(re & (POLLERR | POLLHUP)), "no POLLERR/POLLHUP (revents %#x)", re);
	CHECK(so_error(c) == 0, "SO_ERROR 0 after connecting");
	CHECK(getpeername(c, (struct sockaddr *)&peer, &plen) == 0 && ntohs(peer.sin_port) == port,
	      "getpeername after connecting");
	/* Linux answers the first connect after completion with 0, later ones EISCONN. */
	errno = 0;
	r = connect(c, (struct sockaddr *)&sa, sizeof(sa));
	CHECK(r == 0 || errno == EISCONN, "connect again: %d/%s", r, ename(errno));
	CHECK_ERR(connect(c, (struct sockaddr *)&sa, sizeof(sa)), EISCONN, "connect once more");
	s = accept(l, NULL, NULL);
	CHECK(s >= 0, "accept the non-blocking client");
	CHECK(write(c, "hi", 2) == 2, "write on the connected non-blocking socket");
	{
		char b[2];
		CHECK(read_full(s, b, 2) == 2 && memcmp(b, "hi", 2) == 0, "data arrives");
	}
	OK("nonblock_connect: in progress, POLLOUT, SO_ERROR 0, EISCONN, data flows\n");
	close(c);
	close(s);

	/* A closed port: a bound socket that does not listen refuses. */
	{
		int holder = bound_socket(SOCK_STREAM, "127.0.0.1", &closed_port);
		struct sockaddr_in to = sin_of("127.0.0.1", closed_port);

		c = socket(AF_INET, SOCK_STREAM, 0);
		CHECK_ERR(connect(c, (struct sockaddr *)&to, sizeof(to)), ECONNREFUSED,
		          "blocking connect to a closed port");
		close(c);

		c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		errno = 0;
		r = connect(c, (struct sockaddr *)&to, sizeof(to));
		e = errno;
		if (r == -1 && e == EINPROGRESS) {
			re = wait_for(c, POLLOUT);
			CHECK(re & (POLLOUT | POLLERR), "refused connect polls ready (%#x)", re);
			CHECK(re & POLLERR, "refused connect polls POLLERR (%#x)", re);
			e = so_error(c);
			CHECK(e == ECONNREFUSED, "SO_ERROR after refusal: %s", ename(e));
			e = so_error(c);
			CHECK(e == 0, "SO_ERROR is cleared by reading it: %s", ename(e));
		} else {
			/* POSIX allows an immediate refusal; Linux on loopback defers it. */
			CHECK(r == -1 && e == ECONNREFUSED,
			      "non-blocking connect to a closed port: %d/%s", r, ename(e));
		}
		close(c);
		close(holder);
		OK("nonblock_connect: closed port refuses (blocking ECONNREFUSED, non-blocking "
		   "SO_ERROR ECONNREFUSED)\n");
	}

	/* A pending connection in the backlog completes before accept. */
	c = tcp_connect("127.0.0.1", port);
	CHECK(write(c, "q", 1) == 1, "write before accept");
	s = accept(l, NULL, NULL);
	CHECK(s >= 0 && wait_for(s, POLLIN) & POLLIN, "backlog connection readable");
	close(c);
	close(s);
	close(l);
	OK("nonblock_connect: connect completes before accept\n");
	return net_done();
}
