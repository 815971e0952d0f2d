/* errors: socket call error codes, accept4 flags, socket options, FIONREAD, O_NONBLOCK and FIONBIO. */
#include "common.h"
#include <sys/ioctl.h>
#include <sys/syscall.h>

static int geti(int fd, int level, int opt, socklen_t *len)
{
	int v = -12345;

	*len = sizeof(v);
	if (getsockopt(fd, level, opt, &v, len) != 0)
		return -12345;
	return v;
}

static void test_bind_errors(void)
{
	int port, a, b, one = 1;
	struct sockaddr_in sa;
	struct sockaddr_in6 s6;

	/* A bound (not listening) port is taken for a second bind. */
	a = bound_socket(SOCK_STREAM, "127.0.0.1", &port);
	sa = sin_of("127.0.0.1", port);
	b = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_ERR(bind(b, (struct sockaddr *)&sa, sizeof(sa)), EADDRINUSE, "second bind");
	CHECK_ERR(bind(a, (struct sockaddr *)&sa, sizeof(sa)), EINVAL, "bind a bound socket again");
	close(b);
	close(a);

	/* A listening port stays taken even with SO_REUSEADDR on both. */
	a = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(setsockopt(a, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0, "SO_REUSEADDR");
	sa = sin_of("127.0.0.1", 0);
	CHECK(bind(a, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(a, 4) == 0, "listener");
	port = local_port(a);
	sa = sin_of("127.0.0.1", port);
	b = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(setsockopt(b, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0, "SO_REUSEADDR");
	CHECK_ERR(bind(b, (struct sockaddr *)&sa, sizeof(sa)), EADDRINUSE,
	          "bind to a listening port with SO_REUSEADDR");
	close(b);
	close(a);

	/* The same for UDP. */
	a = bound_socket(SOCK_DGRAM, "127.0.0.1", &port);
	b = socket(AF_INET, SOCK_DGRAM, 0);
	sa = sin_of("127.0.0.1", port);
	CHECK_ERR(bind(b, (struct sockaddr *)&sa, sizeof(sa)), EADDRINUSE, "second UDP bind");
	close(b);
	close(a);

	/* Bad families and lengths. */
	a = socket(AF_INET, SOCK_STREAM, 0);
	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	CHECK_ERR(bind(a, (struct sockaddr *)&s6, sizeof(s6)), EAFNOSUPPORT,
	          "bind an AF_INET socket to an AF_INET6 address");
	sa = sin_of("127.0.0.1", 0);
	CHECK_ERR(bind(a, (struct sockaddr *)&sa, 4), EINVAL, "bind with a short length");
	CHECK_ERR(connect(a, (struct sockaddr *)&sa, 4), EINVAL, "connect with a short length");
	CHECK_ERR(bind(a, NULL, sizeof(sa)), EFAULT, "bind with a NULL address");
	close(a);
	CHECK_ERR(socket(12345, SOCK_STREAM, 0), EAFNOSUPPORT, "socket of an unknown family");
	CHECK_ERR(socket(AF_INET, 12345, 0), EINVAL, "socket of an unknown type");
	CHECK_ERR(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT,
	          "stream socket with IPPROTO_UDP");
	OK("errors: EADDRINUSE (bound, listening with SO_REUSEADDR, UDP), EINVAL, EAFNOSUPPORT, "
	   "EFAULT, EPROTONOSUPPORT\n");
}

static void test_fd_errors(void)
{
	int p[2], u, t, fd, port;
	struct sockaddr_in sa = sin_of("127.0.0.1", 0);
	socklen_t len = sizeof(sa);
	char b;
	int v = 1;

	if (pipe(p) != 0)
		DIE("pipe");
	CHECK_ERR(bind(p[0], (struct sockaddr *)&sa, sizeof(sa)), ENOTSOCK, "bind on a pipe");
	CHECK_ERR(listen(p[0], 1), ENOTSOCK, "listen on a pipe");
	CHECK_ERR(accept(p[0], NULL, NULL), ENOTSOCK, "accept on a pipe");
	CHECK_ERR(connect(p[0], (struct sockaddr *)&sa, sizeof(sa)), ENOTSOCK, "connect on a pipe");
	CHECK_ERR(getsockname(p[0], (struct sockaddr *)&sa, &len), ENOTSOCK,
	          "getsockname on a pipe");
	CHECK_ERR(setsockopt(p[0], SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), ENOTSOCK,
	          "setsockopt on a pipe");
	CHECK_ERR(recv(p[0], &b, 1, MSG_DONTWAIT), ENOTSOCK, "recv on a pipe");
	CHECK_ERR(shutdown(p[0], SHUT_RD), ENOTSOCK, "shutdown on a pipe");
	close(p[0]);
	close(p[1]);

	fd = socket(AF_INET, SOCK_STREAM, 0);
	close(fd);
	CHECK_ERR(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), EBADF, "bind on a closed fd");
	CHECK_ERR(listen(fd, 1), EBADF, "listen on a closed fd");
	CHECK_ERR(accept(fd, NULL, NULL), EBADF, "accept on a closed fd");
	CHECK_ERR(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len), EBADF,
	          "getsockopt on a closed fd");
	CHECK_ERR(send(fd, "x", 1, 0), EBADF, "send on a closed fd");
	CHECK_ERR(close(fd), EBADF, "close twice");

	/* Unconnected stream socket. */
	t = socket(AF_INET, SOCK_STREAM, 0);
	len = sizeof(sa);
	CHECK_ERR(getpeername(t, (struct sockaddr *)&sa, &len), ENOTCONN,
	          "getpeername unconnected");
	CHECK_ERR(recv(t, &b, 1, 0), ENOTCONN, "recv on an unconnected stream");
	CHECK_ERR(accept(t, NULL, NULL), EINVAL, "accept on a non-listening socket");
	len = sizeof(sa);
	memset(&sa, 0xff, sizeof(sa));
	CHECK(getsockname(t, (struct sockaddr *)&sa, &len) == 0 && sa.sin_family == AF_INET &&
	              sa.sin_port == 0 && sa.sin_addr.s_addr == 0,
	      "getsockname of an unbound socket is 0.0.0.0:0");
	close(t);

	/* UDP cannot listen or accept. */
	u = bound_socket(SOCK_DGRAM, "127.0.0.1", &port);
	CHECK_ERR(listen(u, 1), EOPNOTSUPP, "listen on UDP");
	CHECK_ERR(accept(u, NULL, NULL), EOPNOTSUPP, "accept on UDP");
	close(u);
	OK("errors: ENOTSOCK on a pipe, EBADF, ENOTCONN, EINVAL, EOPNOTSUPP on UDP\n");
}

static void test_accept4(void)
{
	int port, l = tcp_listener("127.0.0.1", &port), c, s, fl;

	c = tcp_connect("127.0.0.1", port);
	s = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	CHECK(s >= 0, "accept4");
	fl = fcntl(s, F_GETFL);
	CHECK(fl >= 0 && (fl & O_NONBLOCK), "accept4 SOCK_NONBLOCK");
	CHECK(fcntl(s, F_GETFD) & FD_CLOEXEC, "accept4 SOCK_CLOEXEC");
	close(s);
	close(c);

	/* accept gives a blocking, inheritable socket even from a non-blocking listener (Linux). */
	CHECK(fcntl(l, F_SETFL, O_NONBLOCK) == 0, "non-blocking listener");
	CHECK_ERR(accept(l, NULL, NULL), EAGAIN, "accept with nothing pending");
	c = tcp_connect("127.0.0.1", port);
	CHECK(wait_for(l, POLLIN) & POLLIN, "listener readable with a pending connection");
	s = accept(l, NULL, NULL);
	CHECK(s >= 0, "accept");
	CHECK(!(fcntl(s, F_GETFL) & O_NONBLOCK), "accepted socket is blocking");
	CHECK(!(fcntl(s, F_GETFD) & FD_CLOEXEC), "accepted socket is not close-on-exec");
	close(s);
	close(c);
	/* The system call itself: musl's accept4 falls back to accept on EINVAL. */
	CHECK_ERR(syscall(SYS_accept4, l, NULL, NULL, 0x40000000), EINVAL,
	          "accept4 with unknown flags");
	close(l);

	s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	CHECK(s >= 0 && (fcntl(s, F_GETFL) & O_NONBLOCK) && (fcntl(s, F_GETFD) & FD_CLOEXEC),
	      "socket SOCK_NONBLOCK | SOCK_CLOEXEC");
	close(s);
	OK("errors: accept4 SOCK_NONBLOCK|SOCK_CLOEXEC, accept does not inherit O_NONBLOCK, "
	   "EAGAIN\n");
}

static void test_options(void)
{
	int t = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0);
	int one = 1, zero = 0, v, port;
	socklen_t len;
	struct linger lg = { .l_onoff = 1, .l_linger = 5 }, lg2;

	v = geti(t, SOL_SOCKET, SO_REUSEADDR, &len);
	CHECK(v == 0 && len == sizeof(int), "SO_REUSEADDR off by default (%d)", v);
	CHECK(setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0, "set SO_REUSEADDR");
	v = geti(t, SOL_SOCKET, SO_REUSEADDR, &len);
	CHECK(v != 0 && v != -12345, "SO_REUSEADDR on (%d)", v);
	CHECK(setsockopt(t, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) == 0, "set SO_KEEPALIVE");
	v = geti(t, SOL_SOCKET, SO_KEEPALIVE, &len);
	CHECK(v != 0 && v != -12345, "SO_KEEPALIVE on (%d)", v);
	CHECK(setsockopt(t, SOL_SOCKET, SO_KEEPALIVE, &zero, sizeof(zero)) == 0,
	      "clear SO_KEEPALIVE");
	CHECK(geti(t, SOL_SOCKET, SO_KEEPALIVE, &len) == 0, "SO_KEEPALIVE off");
	v = geti(t, IPPROTO_TCP, TCP_NODELAY, &len);
	CHECK(v == 0, "TCP_NODELAY off by default (%d)", v);
	CHECK(setsockopt(t, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0, "set TCP_NODELAY");
	v = geti(t, IPPROTO_TCP, TCP_NODELAY, &len);
	CHECK(v != 0 && v != -12345, "TCP_NODELAY on (%d)", v);
	CHECK(setsockopt(t, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0, "set SO_LINGER");
	len = sizeof(lg2);
	memset(&lg2, 0, sizeof(lg2));
	CHECK(getsockopt(t, SOL_SOCKET, SO_LINGER, &lg2, &len) == 0 && len == sizeof(lg2) &&
	              lg2.l_onoff != 0 && lg2.l_linger == 5,
	      "SO_LINGER reads back {on, 5}");
	CHECK(geti(t, SOL_SOCKET, SO_TYPE, &len) == SOCK_STREAM, "SO_TYPE stream");
	CHECK(geti(u, SOL_SOCKET, SO_TYPE, &len) == SOCK_DGRAM, "SO_TYPE datagram");
	CHECK(geti(t, SOL_SOCKET, SO_ERROR, &len) == 0, "SO_ERROR 0");
	v = geti(t, SOL_SOCKET, SO_RCVBUF, &len);
	CHECK(v > 0, "SO_RCVBUF positive (%d)", v);
	v = geti(t, SOL_SOCKET, SO_SNDBUF, &len);
	CHECK(v > 0, "SO_SNDBUF positive (%d)", v);
	CHECK_ERR(setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, 0), EINVAL,
	          "setsockopt with optlen 0");
	CHECK_ERR(setsockopt(t, SOL_SOCKET, 12345, &one, sizeof(one)), ENOPROTOOPT,
	          "setsockopt of an unknown option");
	len = sizeof(v);
	CHECK_ERR(getsockopt(t, SOL_SOCKET, 12345, &v, &len), ENOPROTOOPT,
	          "getsockopt of an unknown option");
	close(t);
	close(u);

	/* getsockname after bind to port 0: a real port (its value is the kernel's). */
	t = bound_socket(SOCK_STREAM, "127.0.0.1", &port);
	CHECK(port > 0 && port < 65536, "bound port");
	close(t);
	OK("errors: getsockname after bind to port 0 gives a port != 0\n");
	OK("errors: SO_REUSEADDR, SO_KEEPALIVE, TCP_NODELAY, SO_LINGER, SO_TYPE, SO_ERROR, "
	   "SO_RCVBUF > 0, ENOPROTOOPT\n");
}

static void test_ioctls(void)
{
	int c, s, n = -1, fl, on, port;
	char buf[16];

	tcp_pair(&c, &s);
	CHECK(ioctl(s, FIONREAD, &n) == 0 && n == 0, "FIONREAD empty (%d)", n);
	CHECK(write(c, "hello", 5) == 5, "write");
	for (int i = 0; i < 200; i++) {
		if (ioctl(s, FIONREAD, &n) != 0 || n >= 5)
			break;
		poll(NULL, 0, NET_WAIT_MS / 200);
	}
	CHECK(n == 5, "FIONREAD stream (%d)", n);

	fl = fcntl(s, F_GETFL);
	CHECK(fcntl(s, F_SETFL, fl | O_NONBLOCK) == 0, "F_SETFL O_NONBLOCK");
	CHECK(read(s, buf, sizeof(buf)) == 5, "read the data");
	CHECK_ERR(read(s, buf, sizeof(buf)), EAGAIN, "O_NONBLOCK read");
	on = 0;
	CHECK(ioctl(s, FIONBIO, &on) == 0, "FIONBIO 0");
	CHECK(!(fcntl(s, F_GETFL) & O_NONBLOCK), "FIONBIO 0 clears O_NONBLOCK");
	on = 1;
	CHECK(ioctl(s, FIONBIO, &on) == 0, "FIONBIO 1");
	CHECK(fcntl(s, F_GETFL) & O_NONBLOCK, "FIONBIO 1 sets O_NONBLOCK");
	CHECK_ERR(recv(s, buf, sizeof(buf), 0), EAGAIN, "recv after FIONBIO 1");
	CHECK(recv(c, buf, sizeof(buf), MSG_DONTWAIT) == -1 && errno == EAGAIN,
	      "MSG_DONTWAIT on a blocking socket");
	close(c);
	close(s);

	/* UDP FIONREAD: the size of the first datagram (Linux). */
	{
		int a = bound_socket(SOCK_DGRAM, "127.0.0.1", &port);
		struct sockaddr_in to = sin_of("127.0.0.1", port);

		CHECK(sendto(a, "abc", 3, 0, (struct sockaddr *)&to, sizeof(to)) == 3, "sendto");
		CHECK(sendto(a, "defgh", 5, 0, (struct sockaddr *)&to, sizeof(to)) == 5, "sendto");
		CHECK(wait_for(a, POLLIN) & POLLIN, "datagram arrives");
		n = -1;
		CHECK(ioctl(a, FIONREAD, &n) == 0 && n == 3, "FIONREAD datagram (%d)", n);
		close(a);
	}
	OK("errors: FIONREAD (stream 5, datagram 3), O_NONBLOCK, FIONBIO, MSG_DONTWAIT\n");
}

int main(void)
{
	net_test = "errors";
	test_bind_errors();
	test_fd_errors();
	test_accept4();
	test_options();
	test_ioctls();
	return net_done();
}
