/* Socket calls with hostile arguments: bad and kernel pointers, huge and negative lengths, unknown options, broadcast and foreign addresses; each must be an errno. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define KADDR ((void *)0xffffffff80001000ul) /* the kernel's half */
#define BADP  ((void *)0x10)                 /* never mapped */

static const char *err(long rc)
{
	if (rc >= 0)
		return "ok";
	switch (errno) {
	case EFAULT: return "EFAULT";
	case EINVAL: return "EINVAL";
	case EMSGSIZE: return "EMSGSIZE";
	case ENOPROTOOPT: return "ENOPROTOOPT";
	case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
	case EACCES: return "EACCES";
	case EBADF: return "EBADF";
	case ENOTSOCK: return "ENOTSOCK";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EPIPE: return "EPIPE";
	case ENOTCONN: return "ENOTCONN";
	case ENETUNREACH: return "ENETUNREACH";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	case EDESTADDRREQ: return "EDESTADDRREQ";
	case ENOTTY: return "ENOTTY";
	case EAGAIN: return "EAGAIN";
	case EISCONN: return "EISCONN";
	default: return strerror(errno);
	}
}

static void show(const char *what, long rc)
{
	printf("%s: %s\n", what, err(rc));
}

static struct sockaddr_in sa(const char *ip, int port)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	s.sin_addr.s_addr = inet_addr(ip);
	return s;
}

/* Raw syscalls: libc must not check or convert anything for us. */
#define RAW(...) syscall(__VA_ARGS__)

static void addresses(void)
{
	int t = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = sa("0.0.0.0", 0);

	show("bind bad pointer", RAW(SYS_bind, t, BADP, sizeof(a)));
	show("bind kernel pointer", RAW(SYS_bind, t, KADDR, sizeof(a)));
	show("bind addrlen 2^31-1", RAW(SYS_bind, t, &a, 0x7fffffffl));
	show("bind addrlen -1", RAW(SYS_bind, t, &a, -1l));
	show("bind addrlen 4", RAW(SYS_bind, t, &a, 4l));
	show("bind addrlen 2^32+16", RAW(SYS_bind, t, &a, 0x100000010l));
	close(t);
	t = socket(AF_INET, SOCK_STREAM, 0);
	a = sa("10.0.2.16", 0);
	show("bind another VM's address", bind(t, (void *)&a, sizeof(a)));
	a = sa("10.0.2.2", 0);
	show("bind the gateway's address", bind(u, (void *)&a, sizeof(a)));
	a = sa("0.0.0.0", 0);
	a.sin_family = 12345;
	show("bind unknown family", bind(t, (void *)&a, sizeof(a)));
	a = sa("127.0.0.1", 9);
	show("connect addrlen 1000", RAW(SYS_connect, t, &a, 1000l));
	show("connect kernel pointer", RAW(SYS_connect, t, KADDR, sizeof(a)));
	a = sa("255.255.255.255", 80);
	show("tcp connect to broadcast", connect(t, (void *)&a, sizeof(a)));
	a = sa("224.0.0.1", 80);
	show("tcp connect to multicast", connect(t, (void *)&a, sizeof(a)));
	show("getsockname NULL", RAW(SYS_getsockname, t, NULL, KADDR));
	show("getsockname kernel addrlen", RAW(SYS_getsockname, t, &a, KADDR));
	{
		socklen_t len = (socklen_t)-1;

		show("getsockname addrlen -1", RAW(SYS_getsockname, t, &a, &len));
	}
	show("getpeername unconnected", RAW(SYS_getpeername, t, &a, BADP));
	show("accept not listening", accept(t, NULL, NULL));
	show("listen on udp", listen(u, 5));
	show("shutdown how 99", shutdown(u, 99));
	show("ioctl unknown", ioctl(t, 0xdead, &a));
	show("ioctl FIONREAD kernel pointer", RAW(SYS_ioctl, u, FIONREAD, KADDR));
	close(t);
	close(u);
}

static void creation(void)
{
	show("socket type 99", socket(AF_INET, 99, 0));
	show("socket stream with udp", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
	show("socket family 12345", socket(12345, SOCK_STREAM, 0));
}

static char big[70000]; /* low in memory: buf + 2 GiB stays in user space */

static void datagrams(void)
{
	int u = socket(AF_INET, SOCK_DGRAM, 0), one = 1;
	struct sockaddr_in self = sa("127.0.0.1", 0), to;
	socklen_t sl = sizeof(self);
	char buf[64] = "x";

	bind(u, (void *)&self, sizeof(self));
	getsockname(u, (void *)&self, &sl);
	show("udp send without a destination", send(u, buf, 1, 0));
	show("udp sendto NULL buffer", sendto(u, NULL, 10, 0, (void *)&self, sizeof(self)));
	show("udp sendto kernel buffer", sendto(u, KADDR, 10, 0, (void *)&self, sizeof(self)));
	show("udp sendto 2^31-1 bytes", sendto(u, big, 0x7fffffff, 0, (void *)&self, sizeof(self)));
	show("udp sendto 65508 bytes", sendto(u, big, 65508, 0, (void *)&self, sizeof(self)));
	show("udp sendto addrlen 1000", RAW(SYS_sendto, u, buf, 1l, 0l, &self, 1000l));
	show("udp sendto addrlen -1", RAW(SYS_sendto, u, buf, 1l, 0l, &self, -1l));
	show("udp sendto kernel address", RAW(SYS_sendto, u, buf, 1l, 0l, KADDR, 16l));
	to = sa("10.0.2.15", 0);
	show("udp sendto port 0", sendto(u, buf, 1, 0, (void *)&to, sizeof(to)));
	to = sa("255.255.255.255", 9);
	show("udp sendto broadcast", sendto(u, buf, 1, 0, (void *)&to, sizeof(to)));
	show("udp connect to broadcast", connect(u, (void *)&to, sizeof(to)));
	setsockopt(u, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
	show("udp sendto broadcast with SO_BROADCAST",
	     sendto(u, buf, 1, 0, (void *)&to, sizeof(to)));
	show("udp recv nothing queued", recv(u, buf, sizeof(buf), MSG_DONTWAIT));
	/* A datagram to ourselves, received into bad buffers. */
	sendto(u, "ping", 4, 0, (void *)&self, sizeof(self));
	usleep(10000);
	show("udp recv into kernel buffer", recv(u, KADDR, 4, MSG_DONTWAIT | MSG_PEEK));
	show("udp recvfrom kernel addrlen",
	     RAW(SYS_recvfrom, u, buf, 4l, (long)(MSG_DONTWAIT | MSG_PEEK), &to, KADDR));
	close(u);
}

static void messages(void)
{
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in self = sa("127.0.0.1", 0);
	socklen_t sl = sizeof(self);
	char buf[16] = "hello";
	struct iovec iov[2] = { { buf, 5 }, { buf, 5 } };
	struct msghdr m;

	bind(u, (void *)&self, sizeof(self));
	getsockname(u, (void *)&self, &sl);
	memset(&m, 0, sizeof(m));
	m.msg_name = &self;
	m.msg_namelen = sizeof(self);
	m.msg_iov = iov;
	m.msg_iovlen = 1;
	show("sendmsg bad msghdr", RAW(SYS_sendmsg, u, BADP, 0l));
	show("sendmsg kernel msghdr", RAW(SYS_sendmsg, u, KADDR, 0l));
	m.msg_iovlen = (size_t)1 << 30;
	show("sendmsg iovlen 2^30", sendmsg(u, &m, 0));
	show("recvmsg iovlen 2^30", recvmsg(u, &m, MSG_DONTWAIT));
	m.msg_iovlen = 1025;
	show("sendmsg iovlen 1025", sendmsg(u, &m, 0));
	m.msg_iovlen = 1;
	m.msg_iov = KADDR;
	show("sendmsg iov array in the kernel", sendmsg(u, &m, 0));
	m.msg_iov = iov;
	iov[0].iov_base = KADDR;
	show("sendmsg iov base in the kernel", sendmsg(u, &m, 0));
	iov[0].iov_base = buf;
	iov[0].iov_len = (size_t)-1;
	show("sendmsg iov_len -1", sendmsg(u, &m, 0));
	iov[0].iov_len = 5;
	iov[1].iov_len = (size_t)1 << 62;
	m.msg_iovlen = 2;
	show("sendmsg total 2^62", sendmsg(u, &m, 0));
	iov[1].iov_len = 5;
	m.msg_name = KADDR;
	show("sendmsg kernel name", sendmsg(u, &m, 0));
	m.msg_name = &self;
	m.msg_namelen = 1000;
	show("sendmsg namelen 1000", sendmsg(u, &m, 0));
	m.msg_namelen = sizeof(self);
	show("sendmsg fine", sendmsg(u, &m, 0));
	usleep(10000);
	m.msg_namelen = (socklen_t)-1;
	show("recvmsg namelen -1", recvmsg(u, &m, MSG_DONTWAIT));
	m.msg_namelen = sizeof(self);
	iov[0].iov_base = KADDR;
	show("recvmsg into the kernel", recvmsg(u, &m, MSG_DONTWAIT | MSG_PEEK));
	iov[0].iov_base = buf;
	show("recvmsg fine", recvmsg(u, &m, MSG_DONTWAIT));
	close(u);
}

static void options(void)
{
	int t = socket(AF_INET, SOCK_STREAM, 0), v = 1;
	socklen_t len = sizeof(v);

	show("setsockopt unknown level", setsockopt(t, 999, 1, &v, sizeof(v)));
	show("setsockopt unknown SOL_SOCKET option",
	     setsockopt(t, SOL_SOCKET, 12345, &v, sizeof(v)));
	show("setsockopt unknown TCP option", setsockopt(t, IPPROTO_TCP, 12345, &v, sizeof(v)));
	show("setsockopt bad value pointer",
	     RAW(SYS_setsockopt, t, SOL_SOCKET, SO_KEEPALIVE, BADP, 4l));
	show("setsockopt kernel value pointer",
	     RAW(SYS_setsockopt, t, SOL_SOCKET, SO_KEEPALIVE, KADDR, 4l));
	show("setsockopt optlen -1", RAW(SYS_setsockopt, t, SOL_SOCKET, SO_KEEPALIVE, &v, -1l));
	show("setsockopt optlen 0", RAW(SYS_setsockopt, t, SOL_SOCKET, SO_KEEPALIVE, &v, 0l));
	show("setsockopt TCP_KEEPCNT 1000",
	     setsockopt(t, IPPROTO_TCP, TCP_KEEPCNT, (int[]){ 1000 }, 4));
	show("getsockopt unknown level", getsockopt(t, 999, 1, &v, &len));
	show("getsockopt UDP level on tcp", getsockopt(t, IPPROTO_UDP, 1, &v, &len));
	show("getsockopt unknown IP option", getsockopt(t, IPPROTO_IP, 12345, &v, &len));
	{
		int u = socket(AF_INET, SOCK_DGRAM, 0);

		show("getsockopt TCP level on udp",
		     getsockopt(u, IPPROTO_TCP, TCP_NODELAY, &v, &len));
		show("getsockopt unknown UDP option", getsockopt(u, IPPROTO_UDP, 12345, &v, &len));
		show("setsockopt TCP level on udp", setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &v, 4));
		close(u);
	}
	show("getsockopt kernel optlen", RAW(SYS_getsockopt, t, SOL_SOCKET, SO_TYPE, &v, KADDR));
	show("getsockopt kernel value", RAW(SYS_getsockopt, t, SOL_SOCKET, SO_TYPE, KADDR, &len));
	len = (socklen_t)-1;
	show("getsockopt optlen -1", getsockopt(t, SOL_SOCKET, SO_TYPE, &v, &len));
	close(t);
}

static void streams(void)
{
	int t = socket(AF_INET, SOCK_STREAM, 0);
	char buf[8] = "x";

	show("tcp send unconnected", send(t, buf, 1, MSG_NOSIGNAL));
	show("tcp recv unconnected", recv(t, buf, 1, MSG_DONTWAIT));
	show("tcp sendto kernel buffer unconnected", sendto(t, KADDR, 1, MSG_NOSIGNAL, NULL, 0));
	show("tcp recv 2^40 bytes at the top of user space",
	     recv(t, (void *)0x7ffffffff000ul - 16, 1ul << 40, MSG_DONTWAIT));
	close(t);
	show("send on a closed socket", send(t, buf, 1, MSG_NOSIGNAL));
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	creation();
	addresses();
	datagrams();
	messages();
	options();
	streams();
	/* After all that, the network still works. */
	{
		int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0), s;
		struct sockaddr_in a = sa("127.0.0.1", 0);
		socklen_t al = sizeof(a);
		char got[5] = { 0 };

		bind(l, (void *)&a, sizeof(a));
		getsockname(l, (void *)&a, &al);
		listen(l, 1);
		connect(c, (void *)&a, sizeof(a));
		s = accept(l, NULL, NULL);
		(void)!write(c, "ping", 4);
		printf("loopback still works: %s\n",
		       s >= 0 && read(s, got, 4) == 4 && !memcmp(got, "ping", 4) ? "yes" : "no");
	}
	printf("net_badargs: exit 0\n");
	return 0;
}
