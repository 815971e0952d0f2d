/* tcp_echo: a forked echo server and its client over 127.0.0.1 (and the VM's own address from NANVIX_TEST_ADDR). */
#include "common.h"

#define MESSAGES 5

static const size_t sizes[MESSAGES] = { 1, 100, 1460, 10000, 200000 };

/* The child: accept one client, check its addresses, echo until end of file. */
static int serve(int l, const char *addr, int port)
{
	struct sockaddr_in peer, self;
	socklen_t plen = sizeof(peer), slen = sizeof(self);
	char buf[4096];
	ssize_t r;
	int s = accept(l, (struct sockaddr *)&peer, &plen);

	if (s < 0)
		return 2;
	close(l);
	if (plen != sizeof(peer) || peer.sin_family != AF_INET ||
	    peer.sin_addr.s_addr != sin_of(addr, 0).sin_addr.s_addr)
		return 3;
	if (getsockname(s, (struct sockaddr *)&self, &slen) != 0 || ntohs(self.sin_port) != port ||
	    self.sin_addr.s_addr != sin_of(addr, 0).sin_addr.s_addr)
		return 4;
	while ((r = read(s, buf, sizeof(buf))) > 0)
		if (write_all(s, buf, (size_t)r) != 0)
			return 5;
	if (r < 0)
		return 6;
	close(s);
	return 0;
}

static void echo_over(const char *addr, const char *label)
{
	int port, l = tcp_listener(addr, &port), c, st;
	size_t total = 0;
	struct sockaddr_in peer;
	socklen_t plen = sizeof(peer);
	pid_t pid = fork_flushed();
	char *out, *in;

	if (pid == 0)
		_exit(serve(l, addr, port));
	close(l);
	c = tcp_connect(addr, port);
	CHECK(getpeername(c, (struct sockaddr *)&peer, &plen) == 0 && ntohs(peer.sin_port) == port,
	      "%s: getpeername is the server's port", label);
	out = malloc(200000);
	in = malloc(200000);
	if (!out || !in)
		DIE("malloc");
	for (int m = 0; m < MESSAGES; m++) {
		for (size_t i = 0; i < sizes[m]; i++)
			out[i] = (char)('a' + (i * 7 + (size_t)m) % 26);
		CHECK(write_all(c, out, sizes[m]) == 0, "%s: send message %d", label, m);
		memset(in, 0, sizes[m]);
		CHECK(read_full(c, in, sizes[m]) == (ssize_t)sizes[m],
		      "%s: echo of message %d complete", label, m);
		CHECK(memcmp(in, out, sizes[m]) == 0, "%s: echo of message %d intact", label, m);
		total += sizes[m];
	}
	CHECK(shutdown(c, SHUT_WR) == 0, "%s: shutdown", label);
	CHECK(read(c, in, 1) == 0, "%s: end of file after the server closes", label);
	close(c);
	st = wait_child(pid);
	CHECK(st == 0, "%s: server status %d", label, st);
	OK("tcp_echo %s: %d messages, %zu bytes echoed\n", label, MESSAGES, total);
	free(out);
	free(in);
}

int main(void)
{
	const char *own = getenv("NANVIX_TEST_ADDR");

	net_test = "tcp_echo";
	echo_over("127.0.0.1", "loopback");
	if (own && *own)
		echo_over(own, "own address");
	else
		printf("skip tcp_echo own address: NANVIX_TEST_ADDR unset\n");
	return net_done();
}
