/* udp: datagrams over 127.0.0.1: source addresses, boundaries, truncation, connected sockets. */
#include "common.h"

/* Receive on FD (waiting up to NET_WAIT_MS) into BUF of LEN with FLAGS. */
static ssize_t recv_wait(int fd, void *buf, size_t len, int flags, struct sockaddr_in *from)
{
	socklen_t flen = sizeof(*from);

	if (!(wait_for(fd, POLLIN) & POLLIN))
		return -2;
	if (from)
		return recvfrom(fd, buf, len, flags, (struct sockaddr *)from, &flen);
	return recv(fd, buf, len, flags);
}

int main(void)
{
	int pa, pb, pc, a, b, c;
	struct sockaddr_in to_a, to_b, from;
	char buf[256];
	ssize_t r;

	net_test = "udp";
	a = bound_socket(SOCK_DGRAM, "127.0.0.1", &pa);
	b = bound_socket(SOCK_DGRAM, "127.0.0.1", &pb);
	c = bound_socket(SOCK_DGRAM, "127.0.0.1", &pc);
	to_a = sin_of("127.0.0.1", pa);
	to_b = sin_of("127.0.0.1", pb);

	/* sendto/recvfrom: the source is a's address and port. */
	r = sendto(a, "hello", 5, 0, (struct sockaddr *)&to_b, sizeof(to_b));
	CHECK(r == 5, "sendto returned %zd", r);
	memset(&from, 0, sizeof(from));
	r = recv_wait(b, buf, sizeof(buf), 0, &from);
	CHECK(r == 5 && memcmp(buf, "hello", 5) == 0, "recvfrom got %zd", r);
	CHECK(from.sin_family == AF_INET && ntohs(from.sin_port) == pa &&
	              from.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
	      "source address is the sender's");
	OK("udp: sendto/recvfrom, source address reported\n");

	/* Message boundaries, including an empty datagram. */
	{
		static const size_t sz[] = { 10, 0, 200, 1 };
		for (int i = 0; i < 4; i++) {
			memset(buf, 'A' + i, sz[i]);
			r = sendto(a, buf, sz[i], 0, (struct sockaddr *)&to_b, sizeof(to_b));
			CHECK(r == (ssize_t)sz[i], "sendto %zu", sz[i]);
		}
		for (int i = 0; i < 4; i++) {
			memset(buf, 0, sizeof(buf));
			r = recv_wait(b, buf, sizeof(buf), 0, NULL);
			CHECK(r == (ssize_t)sz[i] && (sz[i] == 0 || buf[0] == 'A' + i),
			      "datagram %d: %zd bytes, want %zu", i, r, sz[i]);
		}
		OK("udp: 4 datagrams (10, 0, 200, 1 bytes) keep their boundaries\n");
	}

	/* Short buffers: the rest is discarded; MSG_TRUNC gives the real length. */
	{
		struct msghdr mh;
		struct iovec iov;

		memset(buf, 'x', 100);
		for (int i = 0; i < 3; i++)
			CHECK(sendto(a, buf, 100, 0, (struct sockaddr *)&to_b, sizeof(to_b)) == 100,
			      "sendto 100");
		r = recv_wait(b, buf, 10, 0, NULL);
		CHECK(r == 10, "short recv returned %zd, want 10", r);
		r = recv_wait(b, buf, 10, MSG_TRUNC, NULL);
		CHECK(r == 100, "recv(MSG_TRUNC) returned %zd, want 100", r);
		iov.iov_base = buf;
		iov.iov_len = 30;
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		CHECK(wait_for(b, POLLIN) & POLLIN, "third datagram readable");
		r = recvmsg(b, &mh, 0);
		CHECK(r == 30 && (mh.msg_flags & MSG_TRUNC),
		      "recvmsg short: %zd, msg_flags MSG_TRUNC", r);
		CHECK(recv(b, buf, sizeof(buf), MSG_DONTWAIT) == -1 && errno == EAGAIN,
		      "nothing left after the truncated datagrams");
		OK("udp: short buffers truncate, MSG_TRUNC reports 100, recvmsg flags MSG_TRUNC\n");
	}

	/* MSG_PEEK leaves the datagram queued. */
	CHECK(sendto(a, "peek", 4, 0, (struct sockaddr *)&to_b, sizeof(to_b)) == 4, "sendto peek");
	r = recv_wait(b, buf, sizeof(buf), MSG_PEEK, NULL);
	CHECK(r == 4, "peek %zd", r);
	r = recv(b, buf, sizeof(buf), 0);
	CHECK(r == 4 && memcmp(buf, "peek", 4) == 0, "read after peek %zd", r);
	OK("udp: MSG_PEEK\n");

	/* connect()ed UDP: send without address; only the peer's datagrams arrive. */
	CHECK(connect(a, (struct sockaddr *)&to_b, sizeof(to_b)) == 0, "connect");
	CHECK(send(a, "conn", 4, 0) == 4, "send on connected UDP");
	memset(&from, 0, sizeof(from));
	r = recv_wait(b, buf, sizeof(buf), 0, &from);
	CHECK(r == 4 && ntohs(from.sin_port) == pa, "datagram from connected a");
	{
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		CHECK(getpeername(a, (struct sockaddr *)&peer, &plen) == 0 &&
		              ntohs(peer.sin_port) == pb,
		      "getpeername of connected UDP");
	}
	/* From c (filtered), then from b (delivered). */
	CHECK(sendto(c, "no", 2, 0, (struct sockaddr *)&to_a, sizeof(to_a)) == 2, "sendto from c");
	CHECK(sendto(b, "yes", 3, 0, (struct sockaddr *)&to_a, sizeof(to_a)) == 3, "sendto from b");
	r = recv_wait(a, buf, sizeof(buf), 0, &from);
	CHECK(r == 3 && memcmp(buf, "yes", 3) == 0 && ntohs(from.sin_port) == pb,
	      "connected socket receives only its peer's datagram (got %zd)", r);
	CHECK(recv(a, buf, sizeof(buf), MSG_DONTWAIT) == -1 && errno == EAGAIN,
	      "the stranger's datagram was dropped");
	OK("udp: connected socket sends without address, filters other sources\n");

	/* Dissolve the association with AF_UNSPEC: send() needs an address again. */
	{
		struct sockaddr_in un;
		memset(&un, 0, sizeof(un));
		un.sin_family = AF_UNSPEC;
		CHECK(connect(a, (struct sockaddr *)&un, sizeof(un)) == 0, "connect AF_UNSPEC");
		CHECK_ERR(send(a, "x", 1, 0), EDESTADDRREQ, "send after disconnect");
		CHECK_ERR(recv(c, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN,
		          "empty nonblocking recv");
		OK("udp: AF_UNSPEC disconnects (EDESTADDRREQ), empty recv EAGAIN\n");
	}
	/* An unbound socket that connects takes the route's source address
	 * (loopback here); AF_UNSPEC gives it back. */
	{
		int d = socket(AF_INET, SOCK_DGRAM, 0);
		struct sockaddr_in me, un;
		socklen_t ml = sizeof(me);

		memset(&un, 0, sizeof(un));
		un.sin_family = AF_UNSPEC;
		CHECK(d >= 0 && connect(d, (struct sockaddr *)&to_b, sizeof(to_b)) == 0,
		      "connect an unbound socket");
		CHECK(getsockname(d, (struct sockaddr *)&me, &ml) == 0 &&
		              me.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && me.sin_port != 0,
		      "getsockname after connect: %s:%d", inet_ntoa(me.sin_addr),
		      ntohs(me.sin_port));
		ml = sizeof(me);
		CHECK(connect(d, (struct sockaddr *)&un, sizeof(un)) == 0 &&
		              getsockname(d, (struct sockaddr *)&me, &ml) == 0 &&
		              me.sin_addr.s_addr == htonl(INADDR_ANY),
		      "getsockname after AF_UNSPEC: %s", inet_ntoa(me.sin_addr));
		close(d);
		OK("udp: connect gives an unbound socket its source address, AF_UNSPEC takes it "
		   "back\n");
	}
	close(a);
	close(b);
	close(c);
	return net_done();
}
