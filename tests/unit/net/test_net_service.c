/* Check tests for the network service: two VMs on one lwIP stack, joined by a fake switch. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <net/service.h>

#include "runner.h"

/* ------------------------------------------------------------------ */
/* A fake guest memory: one buffer at GBASE, cr3 ignored.              */

#define GBASE 0x100000ull
#define GSIZE (24u << 20)

static uint8_t *gmem;
static uint64_t gnext;
static int use_map;

static int g_read(void *ctx, uint64_t cr3, uint64_t ua, void *dst, size_t len)
{
	if (ua < GBASE || len > GSIZE || ua - GBASE > GSIZE - len)
		return -EFAULT;
	memcpy(dst, gmem + (ua - GBASE), len);
	return 0;
}

static int g_write(void *ctx, uint64_t cr3, uint64_t ua, const void *src, size_t len)
{
	if (ua < GBASE || len > GSIZE || ua - GBASE > GSIZE - len)
		return -EFAULT;
	memcpy(gmem + (ua - GBASE), src, len);
	return 0;
}

static void *g_map(void *ctx, uint64_t cr3, uint64_t ua, size_t len, int write)
{
	if (ua < GBASE || len > GSIZE || ua - GBASE > GSIZE - len)
		return NULL;
	return gmem + (ua - GBASE);
}

static struct svc_mem mem = { NULL, g_read, g_write, NULL };

/* Guest memory of `len` bytes (bump allocation, 16-byte aligned). */
static uint64_t galloc(size_t len)
{
	uint64_t ua = GBASE + gnext;

	gnext += (len + 15) & ~(size_t)15;
	ck_assert_uint_le(gnext, GSIZE);
	return ua;
}

static void *gp(uint64_t ua)
{
	return gmem + (ua - GBASE);
}

/* ------------------------------------------------------------------ */
/* Two VMs and a switch: a queue of frames, delivered by pump().       */

struct frame {
	struct frame *next;
	int to;
	size_t len;
	uint8_t data[];
};

static struct frame *fq_head, *fq_tail;
static struct net_service *vm[2];
static struct nanvix_net_state *st[2];
static int notified[2];
static long frames_switched;
static int drop_all; /* the wire is cut */

static void sw_output(void *ctx, const void *frame, size_t len)
{
	int from = (int)(intptr_t)ctx;
	struct frame *f;

	ck_assert_uint_ge(len, 14);
	if (drop_all)
		return;
	f = malloc(sizeof(*f) + len);
	ck_assert_ptr_nonnull(f);
	f->next = NULL;
	f->to = !from;
	f->len = len;
	memcpy(f->data, frame, len);
	if (fq_tail)
		fq_tail->next = f;
	else
		fq_head = f;
	fq_tail = f;
}

static void sw_notify(void *ctx)
{
	notified[(int)(intptr_t)ctx]++;
}

/* Deliver every queued frame (and what they cause) and run due timers. */
static void pump(void)
{
	struct frame *f;
	int rounds = 0;

	net_stack_timers();
	while ((f = fq_head) != NULL) {
		fq_head = f->next;
		if (fq_head == NULL)
			fq_tail = NULL;
		if (vm[f->to])
			net_service_input(vm[f->to], f->data, f->len);
		frames_switched++;
		free(f);
		ck_assert_int_lt(++rounds, 10000000);
	}
}

static void fq_clear(void)
{
	struct frame *f;

	while ((f = fq_head) != NULL) {
		fq_head = f->next;
		free(f);
	}
	fq_tail = NULL;
}

#define IP_A "10.0.2.15"
#define IP_B "10.0.2.16"

static size_t vm_budget;    /* rx_budget of the VMs made next (0: default) */
static size_t vm_tx_budget; /* tx_budget of the VMs made next (0: default) */

static struct net_service *make_vm(int i, const char *ip)
{
	struct net_service_config cfg = { { 0x52, 0x54, 0, 0x12, 0x34, (uint8_t)(0x56 + i) },
		                          inet_addr(ip),
		                          inet_addr("255.255.255.0"),
		                          inet_addr("10.0.2.2"),
		                          0,
		                          vm_budget,
		                          vm_tx_budget };

	st[i] = calloc(1, sizeof(*st[i]));
	ck_assert_ptr_nonnull(st[i]);
	return net_service_new(&cfg, sw_output, sw_notify, (void *)(intptr_t)i, st[i]);
}

static void setup(void)
{
	gmem = calloc(1, GSIZE);
	ck_assert_ptr_nonnull(gmem);
	gnext = 0;
	mem.map = use_map ? g_map : NULL;
	ck_assert_int_eq(net_stack_init(), 0);
	vm[0] = make_vm(0, IP_A);
	vm[1] = make_vm(1, IP_B);
	ck_assert_ptr_nonnull(vm[0]);
	ck_assert_ptr_nonnull(vm[1]);
	pump();
}

static void teardown(void)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (vm[i])
			net_service_free(vm[i]);
		vm[i] = NULL;
		free(st[i]);
		st[i] = NULL;
	}
	fq_clear();
	free(gmem);
	gmem = NULL;
}

/* ------------------------------------------------------------------ */
/* Requests.                                                           */

static int64_t call(int v, int op, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct nanvix_ring_req q;
	uint64_t value = 0xdeadbeef;
	int64_t r;

	memset(&q, 0, sizeof(q));
	q.opcode = (uint16_t)op;
	q.args[0] = 0x1000; /* cr3: ignored by the fake memory */
	q.args[1] = a1;
	q.args[2] = a2;
	q.args[3] = a3;
	q.args[4] = a4;
	q.args[5] = a5;
	r = net_service_call(vm[v], &q, &mem, &value);
	if (r >= 0)
		ck_assert_uint_eq(value, (uint64_t)r);
	return r;
}

static uint64_t addr_in(const char *ip, int port)
{
	uint64_t ua = galloc(sizeof(struct sockaddr_in));
	struct sockaddr_in *sin = gp(ua);

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	sin->sin_addr.s_addr = inet_addr(ip);
	return ua;
}

static int64_t sock(int v, int type)
{
	return call(v, NANVIX_NET_SOCKET, AF_INET, (uint64_t)type, 0, 0, 0);
}

static int64_t bind_to(int v, int64_t h, const char *ip, int port)
{
	return call(v, NANVIX_NET_BIND, (uint64_t)h, addr_in(ip, port), sizeof(struct sockaddr_in),
	            0, 0);
}

static int64_t connect_to(int v, int64_t h, const char *ip, int port)
{
	return call(v, NANVIX_NET_CONNECT, (uint64_t)h, addr_in(ip, port),
	            sizeof(struct sockaddr_in), 0, 0);
}

static int64_t send_buf(int v, int64_t h, uint64_t buf, size_t len, int flags)
{
	return call(v, NANVIX_NET_SENDTO, (uint64_t)h | ((uint64_t)(uint32_t)flags << 32), buf, len,
	            0, 0);
}

static int64_t recv_buf(int v, int64_t h, uint64_t buf, size_t len, int flags)
{
	return call(v, NANVIX_NET_RECVFROM, (uint64_t)h | ((uint64_t)(uint32_t)flags << 32), buf,
	            len, 0, 0);
}

static int64_t send_str(int v, int64_t h, const char *s)
{
	uint64_t ua = galloc(strlen(s));

	memcpy(gp(ua), s, strlen(s));
	return send_buf(v, h, ua, strlen(s), 0);
}

/* Receive exactly strlen(want) bytes (pumping as needed) and compare. */
static void expect_str(int v, int64_t h, const char *want)
{
	size_t n = strlen(want), got = 0;
	uint64_t ua = galloc(n + 1);
	int64_t r;
	int tries;

	for (tries = 0; got < n && tries < 1000; tries++) {
		r = recv_buf(v, h, ua + got, n - got, 0);
		if (r == -EAGAIN) {
			pump();
			continue;
		}
		ck_assert_int_gt(r, 0);
		got += (size_t)r;
	}
	ck_assert_uint_eq(got, n);
	ck_assert_int_eq(memcmp(gp(ua), want, n), 0);
}

static int getint_opt(int v, int64_t h, int level, int name, int64_t *rc)
{
	uint64_t val = galloc(4), len = galloc(4);

	*(int *)gp(len) = 4;
	*(int *)gp(val) = -12345;
	*rc = call(v, NANVIX_NET_GETSOCKOPT, (uint64_t)h, (uint64_t)level, (uint64_t)name, val,
	           len);
	return *(int *)gp(val);
}

static int so_error(int v, int64_t h)
{
	int64_t rc;
	int e = getint_opt(v, h, SOL_SOCKET, SO_ERROR, &rc);

	ck_assert_int_eq(rc, 0);
	return e;
}

static uint32_t revents(int v, int64_t h)
{
	return st[v]->revents[h];
}

/* A listener on B at port, a connection from A accepted by B: *ca, *cb. */
static void connect_pair(int port, int64_t *ca, int64_t *cb, int64_t *lb)
{
	int64_t l = sock(1, SOCK_STREAM), a = sock(0, SOCK_STREAM), c;
	int tries;

	ck_assert_int_gt(l, 0);
	ck_assert_int_gt(a, 0);
	ck_assert_int_eq(bind_to(1, l, "0.0.0.0", port), 0);
	ck_assert_int_eq(call(1, NANVIX_NET_LISTEN, (uint64_t)l, 16, 0, 0, 0), 0);
	ck_assert_int_eq(connect_to(0, a, IP_B, port), -EINPROGRESS);
	for (tries = 0; tries < 100; tries++) {
		pump();
		c = call(1, NANVIX_NET_ACCEPT, (uint64_t)l, 0, 0, 0, 0);
		if (c != -EAGAIN)
			break;
	}
	ck_assert_int_gt(c, 0);
	ck_assert_int_eq(call(0, NANVIX_NET_CONNECT, (uint64_t)a, 0, 0, 0, 0), 0);
	*ca = a;
	*cb = c;
	if (lb)
		*lb = l;
}

/* ------------------------------------------------------------------ */
/* TCP.                                                                */

START_TEST(test_tcp_echo)
{
	int64_t l, a, b, c;
	uint64_t sa, sl;
	struct sockaddr_in *sin;
	int tries;

	l = sock(1, SOCK_STREAM);
	a = sock(0, SOCK_STREAM);
	ck_assert_int_eq(l, 1);
	ck_assert_int_eq(a, 1);
	ck_assert_int_eq(bind_to(1, l, IP_B, 8080), 0);
	ck_assert_int_eq(call(1, NANVIX_NET_LISTEN, (uint64_t)l, 8, 0, 0, 0), 0);
	ck_assert_uint_eq(revents(1, l) & POLLIN, 0);
	ck_assert_int_eq(connect_to(0, a, IP_B, 8080), -EINPROGRESS);
	ck_assert_int_eq(connect_to(0, a, IP_B, 8080), -EALREADY);
	ck_assert_int_eq(call(0, NANVIX_NET_CONNECT, (uint64_t)a, 0, 0, 0, 0), -EINPROGRESS);
	ck_assert_uint_eq(revents(0, a) & POLLOUT, 0);
	pump();
	/* Readiness: A writable, B's listener readable; both notified. */
	ck_assert_uint_ne(revents(0, a) & POLLOUT, 0);
	ck_assert_uint_ne(revents(1, l) & POLLIN, 0);
	ck_assert_uint_ne(st[1]->changed[l / 32] & (1u << (l % 32)), 0);
	ck_assert_uint_ne(st[0]->any & (1u << (a / 32)), 0);
	ck_assert_int_gt(notified[0] + notified[1], 0);
	ck_assert_uint_eq(st[0]->magic, NANVIX_NET_STATE_MAGIC);

	sa = galloc(sizeof(*sin));
	sl = galloc(4);
	*(int *)gp(sl) = sizeof(*sin);
	b = call(1, NANVIX_NET_ACCEPT, (uint64_t)l, sa, sl, 0, 0);
	ck_assert_int_eq(b, 2);
	sin = gp(sa);
	ck_assert_int_eq(sin->sin_family, AF_INET);
	ck_assert_uint_eq(sin->sin_addr.s_addr, inet_addr(IP_A));
	ck_assert_int_eq(*(int *)gp(sl), sizeof(*sin));
	ck_assert_uint_eq(revents(1, l) & POLLIN, 0);
	ck_assert_int_eq(call(1, NANVIX_NET_ACCEPT, (uint64_t)l, 0, 0, 0, 0), -EAGAIN);

	/* The non-blocking connect's outcome: 0 once, then EISCONN. */
	ck_assert_int_eq(so_error(0, a), 0);
	ck_assert_int_eq(connect_to(0, a, IP_B, 8080), 0);
	ck_assert_int_eq(connect_to(0, a, IP_B, 8080), -EISCONN);

	/* Names. */
	*(int *)gp(sl) = sizeof(*sin);
	ck_assert_int_eq(call(0, NANVIX_NET_GETPEERNAME, (uint64_t)a, sa, sl, 0, 0), 0);
	ck_assert_uint_eq(sin->sin_addr.s_addr, inet_addr(IP_B));
	ck_assert_int_eq(ntohs(sin->sin_port), 8080);
	*(int *)gp(sl) = sizeof(*sin);
	ck_assert_int_eq(call(0, NANVIX_NET_GETSOCKNAME, (uint64_t)a, sa, sl, 0, 0), 0);
	ck_assert_uint_eq(sin->sin_addr.s_addr, inet_addr(IP_A));
	ck_assert_int_ne(sin->sin_port, 0);
	*(int *)gp(sl) = sizeof(*sin);
	ck_assert_int_eq(call(1, NANVIX_NET_GETSOCKNAME, (uint64_t)b, sa, sl, 0, 0), 0);
	ck_assert_uint_eq(sin->sin_addr.s_addr, inet_addr(IP_B));
	ck_assert_int_eq(ntohs(sin->sin_port), 8080);
	*(int *)gp(sl) = sizeof(*sin);
	ck_assert_int_eq(call(1, NANVIX_NET_GETPEERNAME, (uint64_t)l, sa, sl, 0, 0), -ENOTCONN);

	/* Echo both ways. */
	ck_assert_int_eq(recv_buf(1, b, galloc(16), 16, 0), -EAGAIN);
	ck_assert_uint_eq(revents(1, b) & POLLIN, 0);
	ck_assert_int_eq(send_str(0, a, "hello, B"), 8);
	pump();
	ck_assert_uint_ne(revents(1, b) & POLLIN, 0);
	expect_str(1, b, "hello, B");
	ck_assert_uint_eq(revents(1, b) & POLLIN, 0);
	ck_assert_int_eq(send_str(1, b, "hello, A"), 8);
	expect_str(0, a, "hello, A");

	/* MSG_PEEK leaves the data; FIONREAD counts it. */
	ck_assert_int_eq(send_str(0, a, "peek"), 4);
	pump();
	c = galloc(8);
	ck_assert_int_eq(recv_buf(1, b, c, 8, MSG_PEEK), 4);
	ck_assert_int_eq(call(1, NANVIX_NET_IOCTL, (uint64_t)b, FIONREAD, sl, 0, 0), 0);
	ck_assert_int_eq(*(int *)gp(sl), 4);
	expect_str(1, b, "peek");
	ck_assert_int_eq(call(1, NANVIX_NET_IOCTL, (uint64_t)b, SIOCINQ, sl, 0, 0), 0);
	ck_assert_int_eq(*(int *)gp(sl), 0);

	/* Close: handles are free again, the peer sees the end. */
	ck_assert_int_eq(call(0, NANVIX_NET_CLOSE, (uint64_t)a, 0, 0, 0, 0), 0);
	for (tries = 0; tries < 10 && recv_buf(1, b, c, 8, 0) == -EAGAIN; tries++)
		pump();
	ck_assert_int_eq(recv_buf(1, b, c, 8, 0), 0);
	ck_assert_uint_ne(revents(1, b) & POLLRDHUP, 0);
	ck_assert_int_eq(call(0, NANVIX_NET_CLOSE, (uint64_t)a, 0, 0, 0, 0), -EBADF);
	ck_assert_int_eq(sock(0, SOCK_STREAM), 1);
}
END_TEST

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
	while (n--)
		h = (h ^ *p++) * 0x100000001b3ull;
	return h;
}

/* Several MiB one way and back, through the bounce buffer or map(). */
static void transfer(size_t total)
{
	int64_t a, b, r;
	uint64_t sbuf = galloc(1 << 20), rbuf = galloc(1 << 20);
	uint64_t hs = 0xcbf29ce484222325ull, hr = hs;
	size_t sent = 0, rcvd = 0, i, n;
	uint8_t *p = gp(sbuf);
	int idle = 0;

	connect_pair(9000, &a, &b, NULL);
	while (rcvd < total) {
		if (sent < total) {
			n = total - sent < (1 << 20) ? total - sent : (1 << 20);
			for (i = 0; i < n; i++)
				p[i] = (uint8_t)((sent + i) * 7 + ((sent + i) >> 13));
			r = send_buf(0, a, sbuf, n, 0);
			if (r > 0) {
				hs = fnv(hs, p, (size_t)r);
				sent += (size_t)r;
			} else {
				ck_assert_int_eq(r, -EAGAIN);
				ck_assert_uint_eq(revents(0, a) & POLLOUT, 0);
			}
		}
		pump();
		r = recv_buf(1, b, rbuf, 1 << 20, 0);
		if (r > 0) {
			hr = fnv(hr, gp(rbuf), (size_t)r);
			rcvd += (size_t)r;
			idle = 0;
		} else {
			ck_assert_int_eq(r, -EAGAIN);
			ck_assert_int_lt(++idle, 2000);
		}
	}
	ck_assert_uint_eq(sent, total);
	ck_assert_uint_eq(hs, hr);
}

START_TEST(test_tcp_large_transfer)
{
	transfer(8u << 20);
}
END_TEST

START_TEST(test_tcp_large_transfer_mapped)
{
	mem.map = g_map;
	transfer(4u << 20);
	mem.map = NULL;
}
END_TEST

START_TEST(test_tcp_half_close)
{
	int64_t a, b;
	uint64_t buf = galloc(64);
	int tries;

	connect_pair(7000, &a, &b, NULL);
	ck_assert_int_eq(send_str(0, a, "request"), 7);
	ck_assert_int_eq(call(0, NANVIX_NET_SHUTDOWN, (uint64_t)a, SHUT_WR, 0, 0, 0), 0);
	/* A can no longer write; it still reads. */
	ck_assert_int_eq(send_str(0, a, "more"), -EPIPE);
	ck_assert_uint_ne(revents(0, a) & POLLOUT, 0);
	expect_str(1, b, "request");
	for (tries = 0; tries < 10 && recv_buf(1, b, buf, 64, 0) == -EAGAIN; tries++)
		pump();
	ck_assert_int_eq(recv_buf(1, b, buf, 64, 0), 0); /* EOF */
	ck_assert_uint_ne(revents(1, b) & (POLLIN | POLLRDHUP), 0);
	ck_assert_uint_eq(revents(1, b) & POLLHUP, 0);
	ck_assert_int_eq(send_str(1, b, "response"), 8);
	expect_str(0, a, "response");
	ck_assert_int_eq(call(1, NANVIX_NET_SHUTDOWN, (uint64_t)b, SHUT_WR, 0, 0, 0), 0);
	for (tries = 0; tries < 10 && recv_buf(0, a, buf, 64, 0) == -EAGAIN; tries++)
		pump();
	ck_assert_int_eq(recv_buf(0, a, buf, 64, 0), 0);
	ck_assert_uint_ne(revents(0, a) & POLLHUP, 0);
	ck_assert_uint_ne(revents(1, b) & POLLHUP, 0);
	ck_assert_int_eq(call(0, NANVIX_NET_SHUTDOWN, (uint64_t)a, 7, 0, 0, 0), -EINVAL);
	ck_assert_int_eq(call(0, NANVIX_NET_CLOSE, (uint64_t)a, 0, 0, 0, 0), 0);
	ck_assert_int_eq(call(1, NANVIX_NET_CLOSE, (uint64_t)b, 0, 0, 0, 0), 0);
	pump();
}
END_TEST

START_TEST(test_tcp_refused)
{
	int64_t a = sock(0, SOCK_STREAM), a2 = sock(0, SOCK_STREAM);
	uint64_t buf = galloc(8);

	ck_assert_int_eq(connect_to(0, a, IP_B, 81), -EINPROGRESS);
	ck_assert_int_eq(connect_to(0, a2, IP_B, 82), -EINPROGRESS);
	pump();
	/* Reported by SO_ERROR (once) ... */
	ck_assert_uint_ne(revents(0, a) & POLLERR, 0);
	ck_assert_int_eq(so_error(0, a), ECONNREFUSED);
	ck_assert_int_eq(so_error(0, a), 0);
	ck_assert_uint_eq(revents(0, a) & POLLERR, 0);
	ck_assert_int_eq(call(0, NANVIX_NET_CONNECT, (uint64_t)a, 0, 0, 0, 0), -ECONNABORTED);
	ck_assert_int_eq(call(0, NANVIX_NET_CONNECT, (uint64_t)a, 0, 0, 0, 0), -ENOTCONN);
	/* ... or by the connect outcome. */
	ck_assert_int_eq(call(0, NANVIX_NET_CONNECT, (uint64_t)a2, 0, 0, 0, 0), -ECONNREFUSED);
	ck_assert_int_eq(recv_buf(0, a2, buf, 8, 0), 0);
	ck_assert_int_eq(send_str(0, a2, "x"), -EPIPE);
	/* A later attempt works once someone listens. */
	{
		int64_t l = sock(1, SOCK_STREAM);
		ck_assert_int_eq(bind_to(1, l, "0.0.0.0", 81), 0);
		ck_assert_int_eq(call(1, NANVIX_NET_LISTEN, (uint64_t)l, 1, 0, 0, 0), 0);
		ck_assert_int_eq(connect_to(0, a, IP_B, 81), -EINPROGRESS);
		pump();
		ck_assert_int_eq(call(0, NANVIX_NET_CONNECT, (uint64_t)a, 0, 0, 0, 0), 0);
	}
}
END_TEST

START_TEST(test_tcp_reset)
{
	int64_t a, b;
	uint64_t buf = galloc(8);
	int tries;

	connect_pair(7100, &a, &b, NULL);
	/* Close with unread data: a reset. */
	ck_assert_int_eq(send_str(0, a, "unread"), 6);
	pump();
	ck_assert_int_eq(call(1, NANVIX_NET_CLOSE, (uint64_t)b, 0, 0, 0, 0), 0);
	for (tries = 0; tries < 10 && !(revents(0, a) & POLLERR); tries++)
		pump();
	ck_assert_uint_ne(revents(0, a) & (POLLERR | POLLHUP), 0);
	ck_assert_int_eq(recv_buf(0, a, buf, 8, 0), -ECONNRESET);
	ck_assert_int_eq(recv_buf(0, a, buf, 8, 0), 0);
	ck_assert_int_eq(send_str(0, a, "x"), -EPIPE);
}
END_TEST

START_TEST(test_addr_in_use)
{
	int64_t b1 = sock(1, SOCK_STREAM), b2 = sock(1, SOCK_STREAM), a1 = sock(0, SOCK_STREAM);
	int64_t u1 = sock(1, SOCK_DGRAM), u2 = sock(1, SOCK_DGRAM), r;
	uint64_t one = galloc(4);

	ck_assert_int_eq(bind_to(1, b1, "0.0.0.0", 80), 0);
	ck_assert_int_eq(bind_to(1, b2, IP_B, 80), -EADDRINUSE);
	ck_assert_int_eq(bind_to(1, b1, IP_B, 81), -EINVAL); /* already bound */
	/* Another VM has its own ports. */
	ck_assert_int_eq(bind_to(0, a1, "0.0.0.0", 80), 0);
	ck_assert_int_eq(call(0, NANVIX_NET_LISTEN, (uint64_t)a1, 4, 0, 0, 0), 0);
	ck_assert_int_eq(call(1, NANVIX_NET_LISTEN, (uint64_t)b1, 4, 0, 0, 0), 0);
	/* SO_REUSEADDR does not share a listening port. */
	*(int *)gp(one) = 1;
	ck_assert_int_eq(
	        call(1, NANVIX_NET_SETSOCKOPT, (uint64_t)b2, SOL_SOCKET, SO_REUSEADDR, one, 4), 0);
	ck_assert_int_eq(bind_to(1, b2, IP_B, 80), -EADDRINUSE);
	/* UDP and TCP ports are separate. */
	ck_assert_int_eq(bind_to(1, u1, IP_B, 80), 0);
	ck_assert_int_eq(bind_to(1, u2, IP_B, 80), -EADDRINUSE);
	/* Closing frees the port. */
	ck_assert_int_eq(call(1, NANVIX_NET_CLOSE, (uint64_t)b1, 0, 0, 0, 0), 0);
	r = bind_to(1, b2, IP_B, 80);
	ck_assert_int_eq(r, 0);
}
END_TEST

START_TEST(test_addr_not_avail)
{
	int64_t a = sock(0, SOCK_STREAM), u = sock(0, SOCK_DGRAM);

	ck_assert_int_eq(bind_to(0, a, IP_B, 80), -EADDRNOTAVAIL);
	ck_assert_int_eq(bind_to(0, a, "10.0.2.99", 80), -EADDRNOTAVAIL);
	ck_assert_int_eq(bind_to(0, u, IP_B, 53), -EADDRNOTAVAIL);
	ck_assert_int_eq(bind_to(0, a, IP_A, 80), 0);
	ck_assert_int_eq(bind_to(0, u, "127.0.0.1", 53), 0);
}
END_TEST

START_TEST(test_udp)
{
	int64_t ub = sock(1, SOCK_DGRAM), ua = sock(0, SOCK_DGRAM), r;
	uint64_t msg = galloc(16), buf = galloc(64), from = galloc(16), flen = galloc(4);
	struct sockaddr_in *sin = gp(from);
	uint16_t aport;
	int tries;

	ck_assert_int_eq(bind_to(1, ub, "0.0.0.0", 5353), 0);
	memcpy(gp(msg), "datagram-1", 10);
	ck_assert_int_eq(send_buf(0, ua, msg, 10, 0), -EDESTADDRREQ);
	r = call(0, NANVIX_NET_SENDTO, (uint64_t)ua, msg, 10, addr_in(IP_B, 5353),
	         sizeof(struct sockaddr_in));
	ck_assert_int_eq(r, 10);
	*(int *)gp(flen) = sizeof(*sin);
	ck_assert_int_eq(call(0, NANVIX_NET_GETSOCKNAME, (uint64_t)ua, from, flen, 0, 0), 0);
	aport = ntohs(sin->sin_port);
	ck_assert_int_ne(aport, 0);
	for (tries = 0; tries < 10 && !(revents(1, ub) & POLLIN); tries++)
		pump();
	ck_assert_uint_ne(revents(1, ub) & POLLIN, 0);
	ck_assert_int_eq(call(1, NANVIX_NET_IOCTL, (uint64_t)ub, FIONREAD, flen, 0, 0), 0);
	ck_assert_int_eq(*(int *)gp(flen), 10);
	/* Truncated with MSG_TRUNC: the datagram's real length; MSG_PEEK keeps it. */
	ck_assert_int_eq(recv_buf(1, ub, buf, 4, MSG_PEEK | MSG_TRUNC), 10);
	*(int *)gp(flen) = sizeof(*sin);
	memset(sin, 0, sizeof(*sin));
	r = call(1, NANVIX_NET_RECVFROM, (uint64_t)ub, buf, 64, from, flen);
	ck_assert_int_eq(r, 10);
	ck_assert_int_eq(memcmp(gp(buf), "datagram-1", 10), 0);
	ck_assert_int_eq(sin->sin_family, AF_INET);
	ck_assert_uint_eq(sin->sin_addr.s_addr, inet_addr(IP_A));
	ck_assert_int_eq(ntohs(sin->sin_port), aport);
	ck_assert_int_eq(*(int *)gp(flen), sizeof(*sin));
	ck_assert_int_eq(recv_buf(1, ub, buf, 64, 0), -EAGAIN);
	ck_assert_uint_eq(revents(1, ub) & POLLIN, 0);

	/* A reply via connect + send; too big is EMSGSIZE; broadcast needs SO_BROADCAST. */
	ck_assert_int_eq(connect_to(1, ub, IP_A, aport), 0);
	ck_assert_int_eq(send_str(1, ub, "reply"), 5);
	ck_assert_int_eq(send_buf(1, ub, galloc(70000), 70000, 0), -EMSGSIZE);
	r = call(1, NANVIX_NET_SENDTO, (uint64_t)ub, msg, 4, addr_in("255.255.255.255", 9),
	         sizeof(struct sockaddr_in));
	ck_assert_int_eq(r, -EACCES);
	pump();
	ck_assert_int_eq(recv_buf(0, ua, buf, 64, 0), 5);
	ck_assert_int_eq(memcmp(gp(buf), "reply", 5), 0);
	/* The largest datagram: fragmented to fit the MTU, reassembled. */
	{
		uint64_t big = galloc(65507), got = galloc(65507);
		size_t i;
		for (i = 0; i < 65507; i++)
			((uint8_t *)gp(big))[i] = (uint8_t)(i * 13);
		ck_assert_int_eq(send_buf(1, ub, big, 65507, 0), 65507);
		pump();
		ck_assert_int_eq(recv_buf(0, ua, got, 65507, 0), 65507);
		ck_assert_int_eq(memcmp(gp(big), gp(got), 65507), 0);
	}
	/* Truncation without MSG_TRUNC: the bytes copied, the rest dropped. */
	ck_assert_int_eq(send_str(1, ub, "0123456789"), 10);
	pump();
	ck_assert_int_eq(recv_buf(0, ua, buf, 3, 0), 3);
	ck_assert_int_eq(recv_buf(0, ua, buf, 64, 0), -EAGAIN);
}
END_TEST

START_TEST(test_msg_calls)
{
	int64_t a, b;
	uint64_t mh = galloc(56), iov = galloc(3 * 16), b1 = galloc(3), b2 = galloc(4);
	uint64_t *m = gp(mh), *v = gp(iov);

	connect_pair(7200, &a, &b, NULL);
	memcpy(gp(b1), "abc", 3);
	memcpy(gp(b2), "defg", 4);
	memset(m, 0, 56);
	v[0] = b1;
	v[1] = 3;
	v[2] = b2;
	v[3] = 4;
	v[4] = 0;
	v[5] = 0;
	m[2] = iov;
	m[3] = 3;
	ck_assert_int_eq(call(0, NANVIX_NET_SENDMSG, (uint64_t)a, mh, 0, 0, 0), 7);
	pump();
	memset(gp(b1), 0, 3);
	memset(gp(b2), 0, 4);
	m[1] = 0x1234; /* msg_namelen: written back as 0 for a stream */
	ck_assert_int_eq(call(1, NANVIX_NET_RECVMSG, (uint64_t)b, mh, 0, 0, 0), 7);
	ck_assert_int_eq(memcmp(gp(b1), "abc", 3), 0);
	ck_assert_int_eq(memcmp(gp(b2), "defg", 4), 0);
	ck_assert_uint_eq((uint32_t)m[1], 0);
	/* Too many iovecs; an iovec array out of reach. */
	m[3] = 1025;
	ck_assert_int_eq(call(0, NANVIX_NET_SENDMSG, (uint64_t)a, mh, 0, 0, 0), -EMSGSIZE);
	m[3] = 2;
	m[2] = 0x10;
	ck_assert_int_eq(call(0, NANVIX_NET_SENDMSG, (uint64_t)a, mh, 0, 0, 0), -EFAULT);
	ck_assert_int_eq(call(0, NANVIX_NET_SENDMSG, (uint64_t)a, GBASE + GSIZE - 8, 0, 0, 0),
	                 -EFAULT);
	m[2] = iov;
	v[0] = 0x42; /* a buffer out of reach */
	ck_assert_int_eq(call(0, NANVIX_NET_SENDMSG, (uint64_t)a, mh, 0, 0, 0), -EFAULT);
	v[1] = 1ull << 63; /* negative length */
	ck_assert_int_eq(call(0, NANVIX_NET_SENDMSG, (uint64_t)a, mh, 0, 0, 0), -EINVAL);
}
END_TEST

START_TEST(test_options)
{
	int64_t t = sock(0, SOCK_STREAM), u = sock(0, SOCK_DGRAM), rc;
	uint64_t val = galloc(16), len = galloc(4);

	ck_assert_int_eq(getint_opt(0, t, SOL_SOCKET, SO_TYPE, &rc), SOCK_STREAM);
	ck_assert_int_eq(getint_opt(0, u, SOL_SOCKET, SO_TYPE, &rc), SOCK_DGRAM);
	ck_assert_int_eq(getint_opt(0, t, SOL_SOCKET, SO_ACCEPTCONN, &rc), 0);
	*(int *)gp(val) = 1;
	ck_assert_int_eq(
	        call(0, NANVIX_NET_SETSOCKOPT, (uint64_t)t, IPPROTO_TCP, 1 /* NODELAY */, val, 4),
	        0);
	ck_assert_int_eq(getint_opt(0, t, IPPROTO_TCP, 1, &rc), 1);
	ck_assert_int_eq(
	        call(0, NANVIX_NET_SETSOCKOPT, (uint64_t)t, SOL_SOCKET, SO_KEEPALIVE, val, 4), 0);
	ck_assert_int_eq(getint_opt(0, t, SOL_SOCKET, SO_KEEPALIVE, &rc), 1);
	ck_assert_int_eq(
	        call(0, NANVIX_NET_SETSOCKOPT, (uint64_t)t, SOL_SOCKET, SO_REUSEPORT, val, 4), 0);
	*(int *)gp(val) = 100000;
	ck_assert_int_eq(call(0, NANVIX_NET_SETSOCKOPT, (uint64_t)t, SOL_SOCKET, SO_RCVBUF, val, 4),
	                 0);
	ck_assert_int_eq(getint_opt(0, t, SOL_SOCKET, SO_RCVBUF, &rc), 200000);
	/* Linger: a struct; short lengths are EINVAL. */
	((int *)gp(val))[0] = 1;
	((int *)gp(val))[1] = 0;
	ck_assert_int_eq(call(0, NANVIX_NET_SETSOCKOPT, (uint64_t)t, SOL_SOCKET, SO_LINGER, val, 4),
	                 -EINVAL);
	ck_assert_int_eq(call(0, NANVIX_NET_SETSOCKOPT, (uint64_t)t, SOL_SOCKET, SO_LINGER, val, 8),
	                 0);
	*(int *)gp(len) = 8;
	ck_assert_int_eq(
	        call(0, NANVIX_NET_GETSOCKOPT, (uint64_t)t, SOL_SOCKET, SO_LINGER, val, len), 0);
	ck_assert_int_eq(((int *)gp(val))[0], 1);
	/* Unknown options, levels, short or negative lengths, bad pointers. */
	ck_assert_int_eq(call(0, NANVIX_NET_SETSOCKOPT, (uint64_t)t, SOL_SOCKET, 9999, val, 4),
	                 -ENOPROTOOPT);
	ck_assert_int_eq(call(0, NANVIX_NET_SETSOCKOPT, (uint64_t)t, 12345, 1, val, 4),
	                 -ENOPROTOOPT);
	ck_assert_int_eq(call(0, NANVIX_NET_SETSOCKOPT, (uint64_t)u, IPPROTO_TCP, 1, val, 4),
	                 -ENOPROTOOPT);
	ck_assert_int_eq(
	        call(0, NANVIX_NET_SETSOCKOPT, (uint64_t)t, SOL_SOCKET, SO_KEEPALIVE, val, 2),
	        -EINVAL);
	ck_assert_int_eq(call(0, NANVIX_NET_SETSOCKOPT, (uint64_t)t, SOL_SOCKET, SO_KEEPALIVE, val,
	                      (uint32_t)-1),
	                 -EINVAL);
	ck_assert_int_eq(
	        call(0, NANVIX_NET_SETSOCKOPT, (uint64_t)t, SOL_SOCKET, SO_KEEPALIVE, 8, 4),
	        -EFAULT);
	*(int *)gp(len) = -1;
	ck_assert_int_eq(call(0, NANVIX_NET_GETSOCKOPT, (uint64_t)t, SOL_SOCKET, SO_TYPE, val, len),
	                 -EINVAL);
	*(int *)gp(len) = 2; /* short: truncated, as Linux */
	ck_assert_int_eq(call(0, NANVIX_NET_GETSOCKOPT, (uint64_t)t, SOL_SOCKET, SO_TYPE, val, len),
	                 0);
	ck_assert_int_eq(*(int *)gp(len), 2);
	ck_assert_int_eq(call(0, NANVIX_NET_GETSOCKOPT, (uint64_t)t, SOL_SOCKET, SO_TYPE, val, 0),
	                 -EFAULT);
	ck_assert_int_eq(call(0, NANVIX_NET_IOCTL, (uint64_t)t, 0x1234, val, 0, 0), -ENOTTY);
	ck_assert_int_eq(call(0, NANVIX_NET_IOCTL, (uint64_t)t, FIONREAD, 0, 0, 0), -EFAULT);
}
END_TEST

START_TEST(test_bad_requests)
{
	int64_t t = sock(0, SOCK_STREAM), l = sock(0, SOCK_STREAM), u = sock(0, SOCK_DGRAM);
	uint64_t sa = addr_in(IP_A, 1), bad6 = galloc(28);
	struct nanvix_ring_req q;
	uint64_t value;

	/* Sockets: domain, type, protocol. */
	ck_assert_int_eq(call(0, NANVIX_NET_SOCKET, AF_INET6, SOCK_STREAM, 0, 0, 0), -EAFNOSUPPORT);
	ck_assert_int_eq(call(0, NANVIX_NET_SOCKET, AF_UNIX, SOCK_STREAM, 0, 0, 0), -EAFNOSUPPORT);
	ck_assert_int_eq(call(0, NANVIX_NET_SOCKET, AF_INET, SOCK_SEQPACKET, 0, 0, 0),
	                 -ESOCKTNOSUPPORT);
	ck_assert_int_eq(call(0, NANVIX_NET_SOCKET, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0, 0, 0),
	                 -EINVAL);
	ck_assert_int_eq(call(0, NANVIX_NET_SOCKET, AF_INET, SOCK_STREAM, IPPROTO_UDP, 0, 0),
	                 -EPROTONOSUPPORT);
	ck_assert_int_eq(call(0, NANVIX_NET_SOCKET, AF_INET, SOCK_DGRAM, IPPROTO_UDP, 0, 0), 4);
	/* Handles. */
	ck_assert_int_eq(call(0, NANVIX_NET_CLOSE, 0, 0, 0, 0, 0), -EBADF);
	ck_assert_int_eq(call(0, NANVIX_NET_CLOSE, 99, 0, 0, 0, 0), -EBADF);
	ck_assert_int_eq(call(0, NANVIX_NET_CLOSE, NANVIX_NET_SOCKETS_MAX, 0, 0, 0, 0), -EBADF);
	ck_assert_int_eq(call(0, NANVIX_NET_CLOSE, 1ull << 40, 0, 0, 0, 0), -EBADF);
	ck_assert_int_eq(call(0, NANVIX_NET_LISTEN, (uint64_t)-1, 0, 0, 0, 0), -EBADF);
	ck_assert_int_eq(call(1, NANVIX_NET_LISTEN, (uint64_t)t, 0, 0, 0, 0),
	                 -EBADF); /* B's table */
	/* Opcodes. */
	memset(&q, 0, sizeof(q));
	q.opcode = NANVIX_NET_OP_END;
	q.args[1] = (uint64_t)t;
	ck_assert_int_eq(net_service_call(vm[0], &q, &mem, &value), -EINVAL);
	q.opcode = 2; /* an FS opcode */
	ck_assert_int_eq(net_service_call(vm[0], &q, &mem, &value), -EINVAL);
	q.opcode = 0xffff;
	ck_assert_int_eq(net_service_call(vm[0], &q, &mem, &value), -EINVAL);
	/* Addresses: length, family, pointer. */
	ck_assert_int_eq(call(0, NANVIX_NET_BIND, (uint64_t)t, sa, 8, 0, 0), -EINVAL);
	ck_assert_int_eq(call(0, NANVIX_NET_BIND, (uint64_t)t, sa, (uint32_t)-1, 0, 0), -EINVAL);
	ck_assert_int_eq(call(0, NANVIX_NET_BIND, (uint64_t)t, sa, 129, 0, 0), -EINVAL);
	ck_assert_int_eq(call(0, NANVIX_NET_BIND, (uint64_t)t, 0, 16, 0, 0), -EFAULT);
	ck_assert_int_eq(call(0, NANVIX_NET_BIND, (uint64_t)t, GBASE + GSIZE - 4, 16, 0, 0),
	                 -EFAULT);
	*(uint16_t *)gp(bad6) = AF_INET6;
	ck_assert_int_eq(call(0, NANVIX_NET_BIND, (uint64_t)t, bad6, 28, 0, 0), -EAFNOSUPPORT);
	ck_assert_int_eq(call(0, NANVIX_NET_CONNECT, (uint64_t)t, bad6, 28, 0, 0), -EAFNOSUPPORT);
	ck_assert_int_eq(call(0, NANVIX_NET_CONNECT, (uint64_t)t, sa, 1, 0, 0), -EINVAL);
	ck_assert_int_eq(call(0, NANVIX_NET_CONNECT, (uint64_t)t, ~0ull - 8, 16, 0, 0), -EFAULT);
	/* Wrong state or type. */
	ck_assert_int_eq(call(0, NANVIX_NET_ACCEPT, (uint64_t)t, 0, 0, 0, 0), -EINVAL);
	ck_assert_int_eq(call(0, NANVIX_NET_ACCEPT, (uint64_t)u, 0, 0, 0, 0), -EOPNOTSUPP);
	ck_assert_int_eq(call(0, NANVIX_NET_LISTEN, (uint64_t)u, 1, 0, 0, 0), -EOPNOTSUPP);
	ck_assert_int_eq(recv_buf(0, t, galloc(4), 4, 0), -ENOTCONN);
	ck_assert_int_eq(send_str(0, t, "x"), -EPIPE);
	ck_assert_int_eq(send_str(0, t, ""), -EPIPE);
	ck_assert_int_eq(call(0, NANVIX_NET_SHUTDOWN, (uint64_t)t, SHUT_RDWR, 0, 0, 0), -ENOTCONN);
	ck_assert_int_eq(call(0, NANVIX_NET_GETPEERNAME, (uint64_t)t, sa, galloc(4), 0, 0),
	                 -ENOTCONN);
	ck_assert_uint_ne(revents(0, t) & (POLLOUT | POLLHUP), 0); /* Linux: a new stream */
	ck_assert_int_eq(call(0, NANVIX_NET_LISTEN, (uint64_t)l, 1, 0, 0, 0), 0);
	ck_assert_int_eq(recv_buf(0, l, galloc(4), 4, 0), -ENOTCONN);
	ck_assert_int_eq(connect_to(0, l, IP_B, 1), -EISCONN);
	ck_assert_int_eq(call(0, NANVIX_NET_ACCEPT, (uint64_t)l, sa, 0, 0, 0), -EFAULT);
	ck_assert_int_eq(recv_buf(0, t, galloc(4), 4, MSG_OOB), -EINVAL);
	ck_assert_int_eq(send_buf(0, u, galloc(4), 4, MSG_OOB), -EOPNOTSUPP);
	/* Huge lengths are bounded, bad buffers fault. */
	ck_assert_int_eq(
	        call(0, NANVIX_NET_SENDTO, (uint64_t)u, galloc(4), ~0ull, addr_in(IP_B, 9), 16),
	        -EMSGSIZE);
	ck_assert_int_eq(call(0, NANVIX_NET_SENDTO, (uint64_t)u, 0x10, 4, addr_in(IP_B, 9), 16),
	                 -EFAULT);
	ck_assert_int_eq(
	        call(0, NANVIX_NET_SENDTO, (uint64_t)u, galloc(4), 4, addr_in(IP_B, 0), 16),
	        -EINVAL);
	/* Nothing blew up: the stats counted it all. */
	{
		struct net_service_stats s;
		net_service_stats(vm[0], &s);
		ck_assert_uint_gt(s.errors, 30);
		ck_assert_uint_eq(s.sockets_open, 4);
	}
}
END_TEST

START_TEST(test_handles)
{
	int64_t h, i;

	for (i = 1; i < NANVIX_NET_SOCKETS_MAX; i++) {
		h = sock(0, (i & 1) ? SOCK_STREAM : SOCK_DGRAM);
		ck_assert_int_eq(h, i);
	}
	ck_assert_int_eq(sock(0, SOCK_STREAM), -ENFILE); /* the VM's table: Linux's ENFILE */
	ck_assert_int_eq(sock(1, SOCK_STREAM), 1);       /* per VM */
	ck_assert_int_eq(call(0, NANVIX_NET_CLOSE, 500, 0, 0, 0, 0), 0);
	ck_assert_int_eq(call(0, NANVIX_NET_CLOSE, 7, 0, 0, 0, 0), 0);
	ck_assert_int_eq(sock(0, SOCK_STREAM), 7);
	ck_assert_int_eq(sock(0, SOCK_STREAM), 500);
	for (i = 1; i < NANVIX_NET_SOCKETS_MAX; i++)
		ck_assert_int_eq(call(0, NANVIX_NET_CLOSE, (uint64_t)i, 0, 0, 0, 0), 0);
	ck_assert_int_eq(sock(0, SOCK_STREAM), 1);
}
END_TEST

START_TEST(test_many_connections)
{
	int64_t l = sock(1, SOCK_STREAM), c[200], s[200];
	int i, n = 200, accepted = 0, tries;

	ck_assert_int_eq(bind_to(1, l, "0.0.0.0", 80), 0);
	ck_assert_int_eq(call(1, NANVIX_NET_LISTEN, (uint64_t)l, 4096, 0, 0, 0), 0);
	for (i = 0; i < n; i++) {
		c[i] = sock(0, SOCK_STREAM);
		ck_assert_int_eq(connect_to(0, c[i], IP_B, 80), -EINPROGRESS);
	}
	for (tries = 0; tries < 100 && accepted < n; tries++) {
		pump();
		while (accepted < n &&
		       (s[accepted] = call(1, NANVIX_NET_ACCEPT, (uint64_t)l, 0, 0, 0, 0)) > 0)
			accepted++;
	}
	ck_assert_int_eq(accepted, n);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(call(0, NANVIX_NET_CONNECT, (uint64_t)c[i], 0, 0, 0, 0), 0);
		ck_assert_int_eq(send_str(0, c[i], "x"), 1);
	}
	pump();
	for (i = 0; i < n; i++)
		ck_assert_int_eq(recv_buf(1, s[i], galloc(1), 1, 0), 1);
}
END_TEST

START_TEST(test_backlog_full)
{
	int64_t l = sock(1, SOCK_STREAM), c[4];
	int i, refused = 0, tries;

	ck_assert_int_eq(bind_to(1, l, "0.0.0.0", 80), 0);
	ck_assert_int_eq(call(1, NANVIX_NET_LISTEN, (uint64_t)l, 1, 0, 0, 0), 0);
	for (i = 0; i < 4; i++) {
		c[i] = sock(0, SOCK_STREAM);
		ck_assert_int_eq(connect_to(0, c[i], IP_B, 80), -EINPROGRESS);
	}
	for (tries = 0; tries < 5; tries++)
		pump();
	for (i = 0; i < 4; i++) {
		if (recv_buf(0, c[i], galloc(1), 1, 0) == -ECONNRESET)
			refused++;
	}
	ck_assert_int_eq(refused, 2); /* backlog 1: two queued (Linux's backlog + 1) */
}
END_TEST

START_TEST(test_loopback)
{
	int64_t l = sock(0, SOCK_STREAM), c = sock(0, SOCK_STREAM), s = -1,
	        b = sock(1, SOCK_STREAM);
	uint64_t sa = galloc(16), sl = galloc(4);
	struct sockaddr_in *sin = gp(sa);
	int tries;

	ck_assert_int_eq(bind_to(0, l, "127.0.0.1", 7), 0);
	ck_assert_int_eq(call(0, NANVIX_NET_LISTEN, (uint64_t)l, 4, 0, 0, 0), 0);
	ck_assert_int_eq(connect_to(0, c, "127.0.0.1", 7), -EINPROGRESS);
	for (tries = 0; tries < 10 && s <= 0; tries++) {
		pump();
		s = call(0, NANVIX_NET_ACCEPT, (uint64_t)l, 0, 0, 0, 0);
	}
	ck_assert_int_gt(s, 0);
	ck_assert_int_eq(call(0, NANVIX_NET_CONNECT, (uint64_t)c, 0, 0, 0, 0), 0);
	*(int *)gp(sl) = 16;
	ck_assert_int_eq(call(0, NANVIX_NET_GETPEERNAME, (uint64_t)c, sa, sl, 0, 0), 0);
	ck_assert_uint_eq(sin->sin_addr.s_addr, inet_addr("127.0.0.1"));
	*(int *)gp(sl) = 16;
	ck_assert_int_eq(call(0, NANVIX_NET_GETPEERNAME, (uint64_t)s, sa, sl, 0, 0), 0);
	ck_assert_uint_eq(sin->sin_addr.s_addr, inet_addr("127.0.0.1"));
	ck_assert_int_eq(send_str(0, c, "ping"), 4);
	expect_str(0, s, "ping");
	ck_assert_int_eq(send_str(0, s, "pong"), 4);
	expect_str(0, c, "pong");
	/* Another VM cannot reach a VM-local listener. */
	ck_assert_int_eq(connect_to(1, b, IP_A, 7), -EINPROGRESS);
	for (tries = 0; tries < 5; tries++)
		pump();
	ck_assert_int_eq(call(0, NANVIX_NET_ACCEPT, (uint64_t)l, 0, 0, 0, 0), -EAGAIN);
	ck_assert_int_ne(recv_buf(1, b, galloc(4), 4, 0), -EAGAIN);
}
END_TEST

START_TEST(test_free_with_connections)
{
	int64_t a, b, l;
	int tries;

	connect_pair(6000, &a, &b, &l);
	ck_assert_int_eq(send_str(1, b, "pending"), 7);
	/* A goes away with everything open: B sees a reset. */
	net_service_free(vm[0]);
	vm[0] = NULL;
	free(st[0]);
	st[0] = NULL;
	for (tries = 0; tries < 5; tries++)
		pump();
	ck_assert_int_eq(recv_buf(1, b, galloc(8), 8, 0), -ECONNRESET);
	/* A new VM A' on the same address works again. */
	vm[0] = make_vm(0, IP_A);
	ck_assert_ptr_nonnull(vm[0]);
	connect_pair(6001, &a, &b, NULL);
	ck_assert_int_eq(send_str(0, a, "again"), 5);
	expect_str(1, b, "again");
	/* The same address twice, or a bad config, is refused. */
	{
		struct net_service_config cfg = {
			{ 2, 0, 0, 0, 0, 9 }, inet_addr(IP_B), 0, 0, 0, 0, 0
		};
		ck_assert_ptr_null(net_service_new(&cfg, sw_output, sw_notify, NULL, NULL));
		cfg.ip = inet_addr("127.0.0.1");
		ck_assert_ptr_null(net_service_new(&cfg, sw_output, sw_notify, NULL, NULL));
		cfg.ip = inet_addr("10.0.2.30");
		cfg.mtu = 70;
		ck_assert_ptr_null(net_service_new(&cfg, sw_output, sw_notify, NULL, NULL));
	}
}
END_TEST

/* Fill a socket until it takes no more. */
static void fill_up(int v, int64_t h)
{
	uint64_t buf = galloc(65536);
	int tries;

	for (tries = 0; tries < 1000; tries++) {
		if (send_buf(v, h, buf, 65536, 0) == -EAGAIN) {
			pump();
			if (send_buf(v, h, buf, 65536, 0) == -EAGAIN)
				return;
		}
	}
	ck_abort_msg("the socket never filled up");
}

/* VM v made again with these budgets (0: the defaults). */
static void remake_vm(int v, size_t rx_budget, size_t tx_budget)
{
	net_service_free(vm[v]);
	free(st[v]);
	vm_budget = rx_budget;
	vm_tx_budget = tx_budget;
	vm[v] = make_vm(v, v ? IP_B : IP_A);
	vm_budget = vm_tx_budget = 0;
	ck_assert_ptr_nonnull(vm[v]);
	pump();
}

/* n connections from A (c[]) to B's listener on `port` (accepted: srv[]). */
static void connect_many(int n, int port, int64_t *c, int64_t *srv)
{
	int64_t l = sock(1, SOCK_STREAM);
	int i, tries;

	ck_assert_int_eq(bind_to(1, l, "0.0.0.0", port), 0);
	ck_assert_int_eq(call(1, NANVIX_NET_LISTEN, (uint64_t)l, 64, 0, 0, 0), 0);
	for (i = 0; i < n; i++) {
		c[i] = sock(0, SOCK_STREAM);
		ck_assert_int_eq(connect_to(0, c[i], IP_B, port), -EINPROGRESS);
	}
	for (i = 0, tries = 0; i < n && tries < 100; tries++) {
		pump();
		while (i < n && (srv[i] = call(1, NANVIX_NET_ACCEPT, (uint64_t)l, 0, 0, 0, 0)) > 0)
			i++;
	}
	ck_assert_int_eq(i, n);
}

/* A sends on each of c[0..n) until nothing more goes, `rounds` times: bytes sent. */
static int64_t send_all(int n, const int64_t *c, uint64_t buf, int rounds)
{
	int64_t total = 0, k;

	while (rounds-- > 0) {
		for (int i = 0; i < n; i++)
			while ((k = send_buf(0, c[i], buf, 65536, 0)) > 0)
				total += k;
		pump();
	}
	return total;
}

/*
 * The per-VM budget of held received data: B never reads 8 connections A
 * fills, nor a burst of datagrams; B's service holds no more than its
 * budget (the TCP data waits in lwIP, the datagrams are dropped and
 * counted), and once B reads, the rest arrives.
 */
START_TEST(test_rx_budget)
{
	enum { N = 8, BUDGET = 256 * 1024 };
	struct net_service_stats ss;
	int64_t c[N], srv[N], u, ua;
	uint64_t buf = galloc(65536);
	int64_t total, n;
	int i, tries;

	remake_vm(1, BUDGET, 0); /* B, with a small budget */
	connect_many(N, 81, c, srv);
	total = send_all(N, c, buf, 50);
	net_service_stats(vm[1], &ss);
	ck_assert_uint_le(ss.rx_held, BUDGET);
	ck_assert_uint_gt(ss.rx_over_budget, 0);
	ck_assert_int_gt(total, BUDGET); /* A could send more than B may hold */
	/* UDP over the budget: dropped, counted. */
	u = sock(1, SOCK_DGRAM);
	ck_assert_int_eq(bind_to(1, u, "0.0.0.0", 5353), 0);
	ua = sock(0, SOCK_DGRAM);
	for (i = 0; i < 16; i++) {
		uint64_t to = addr_in(IP_B, 5353);

		call(0, NANVIX_NET_SENDTO, (uint64_t)ua, buf, 1000, to, 16);
	}
	pump();
	net_service_stats(vm[1], &ss);
	ck_assert_uint_le(ss.rx_held, BUDGET);
	/* B reads everything; the data lwIP held back comes after. */
	{
		int64_t got = 0;

		/* Up to 30 s: what lwIP dropped comes back with the senders'
		 * retransmission timers. */
		for (tries = 0; tries < 15000 && got < total; tries++) {
			for (i = 0; i < N; i++)
				while ((n = recv_buf(1, srv[i], buf, 65536, 0)) > 0)
					got += n;
			pump();
			net_stack_timers();
			usleep(2000);
		}
		ck_assert_int_eq(got, total);
	}
	net_service_stats(vm[1], &ss);
	ck_assert_uint_le(ss.rx_held, BUDGET);
}
END_TEST

/*
 * The per-VM send budget: A (a small budget) fills 8 connections to B,
 * which does not read.  A's service holds no more unsent or unacknowledged
 * data than its budget, its streams stop reporting POLLOUT once it is
 * spent (blocked senders sleep instead of spinning), and once B reads,
 * the budget frees, POLLOUT comes back and A sends again.
 */
START_TEST(test_tx_budget)
{
	enum { N = 8, BUDGET = 512 * 1024 };
	struct net_service_stats ss;
	int64_t c[N], srv[N], n, total, got = 0;
	uint64_t buf = galloc(65536);
	int i, tries;

	remake_vm(0, 0, BUDGET); /* A, with a small send budget */
	connect_many(N, 82, c, srv);
	/* Fill: B's windows (1 MiB each) take part, then A's budget stops it. */
	total = send_all(N, c, buf, 200);
	net_service_stats(vm[0], &ss);
	ck_assert_uint_gt(ss.tx_over_budget, 0);
	ck_assert_uint_le(ss.tx_held, BUDGET);
	for (i = 0; i < N; i++) {
		ck_assert_uint_eq(revents(0, c[i]) & POLLOUT, 0);
		ck_assert_int_eq(send_buf(0, c[i], buf, 100, 0), -EAGAIN);
	}
	/* B reads everything: A's data drains, its budget frees, POLLOUT is back. */
	for (tries = 0; tries < 5000 && got < total; tries++) {
		for (i = 0; i < N; i++)
			while ((n = recv_buf(1, srv[i], buf, 65536, 0)) > 0)
				got += n;
		pump();
		net_stack_timers();
	}
	ck_assert_int_eq(got, total);
	net_service_stats(vm[0], &ss);
	ck_assert_uint_eq(ss.tx_held, 0);
	for (i = 0; i < N; i++) {
		ck_assert_uint_ne(revents(0, c[i]) & POLLOUT, 0);
		ck_assert_int_eq(send_buf(0, c[i], buf, 100, 0), 100);
	}
}
END_TEST

/* Both windows closed, both sides with data to send: no ACK ping-pong (lwIP
 * answers segments outside a zero window with an ACK), on the wire or looped back. */
START_TEST(test_zero_windows_quiet)
{
	int64_t a, b, l, c, s = -1;
	long before;
	int tries;

	connect_pair(6200, &a, &b, NULL);
	fill_up(0, a);
	fill_up(1, b);
	/* Past lwIP's first persist (zero-window probe) timeout. */
	for (tries = 0; tries < 25; tries++) {
		usleep(100000);
		pump();
	}
	before = frames_switched;
	pump();
	pump();
	ck_assert_int_lt(frames_switched - before, 10);
	/* The same inside one VM (loopback): every call returns. */
	l = sock(0, SOCK_STREAM);
	c = sock(0, SOCK_STREAM);
	ck_assert_int_eq(bind_to(0, l, "127.0.0.1", 6201), 0);
	ck_assert_int_eq(call(0, NANVIX_NET_LISTEN, (uint64_t)l, 4, 0, 0, 0), 0);
	ck_assert_int_eq(connect_to(0, c, "127.0.0.1", 6201), -EINPROGRESS);
	for (tries = 0; tries < 10 && s <= 0; tries++) {
		pump();
		s = call(0, NANVIX_NET_ACCEPT, (uint64_t)l, 0, 0, 0, 0);
	}
	ck_assert_int_gt(s, 0);
	fill_up(0, c);
	fill_up(0, s);
	for (tries = 0; tries < 25; tries++) {
		usleep(100000);
		pump();
	}
	ck_assert_int_ge(net_stack_next_timer_ms(), 0);
	/* Both still alive. */
	ck_assert_int_eq(recv_buf(1, b, galloc(16), 16, 0), 16);
	ck_assert_int_eq(recv_buf(0, s, galloc(16), 16, 0), 16);
}
END_TEST

START_TEST(test_hostile_frames)
{
	uint8_t f[2048];
	unsigned i, j, seed = 12345;
	int64_t a, b;

	connect_pair(6100, &a, &b, NULL);
	for (i = 0; i < 20000; i++) {
		size_t len = 14 + (seed % 600);
		for (j = 0; j < len; j++) {
			seed = seed * 1103515245u + 12345u;
			f[j] = (uint8_t)(seed >> 16);
		}
		memcpy(f, "\x52\x54\x00\x12\x34\x56", 6);
		if (i & 1) { /* IPv4, mostly sane header */
			f[12] = 8;
			f[13] = 0;
			f[14] = 0x45;
			memcpy(f + 30, "\x0a\x00\x02\x0f", 4);
			f[23] = (i & 2) ? 6 : 17;
		}
		net_service_input(vm[0], f, len);
	}
	net_service_input(vm[0], f, 3);
	net_service_input(vm[0], f, 100000);
	pump();
	/* The connection still works. */
	ck_assert_int_eq(send_str(0, a, "alive"), 5);
	expect_str(1, b, "alive");
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("net_service");
	TCase *tc = tcase_create("net");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_tcp_echo);
	tcase_add_test(tc, test_tcp_large_transfer);
	tcase_add_test(tc, test_tcp_large_transfer_mapped);
	tcase_add_test(tc, test_tcp_half_close);
	tcase_add_test(tc, test_tcp_refused);
	tcase_add_test(tc, test_tcp_reset);
	tcase_add_test(tc, test_addr_in_use);
	tcase_add_test(tc, test_addr_not_avail);
	tcase_add_test(tc, test_udp);
	tcase_add_test(tc, test_msg_calls);
	tcase_add_test(tc, test_options);
	tcase_add_test(tc, test_bad_requests);
	tcase_add_test(tc, test_handles);
	tcase_add_test(tc, test_many_connections);
	tcase_add_test(tc, test_backlog_full);
	tcase_add_test(tc, test_loopback);
	tcase_add_test(tc, test_free_with_connections);
	tcase_add_test(tc, test_hostile_frames);
	tcase_add_test(tc, test_zero_windows_quiet);
	tcase_add_test(tc, test_rx_budget);
	tcase_add_test(tc, test_tx_budget);
	suite_add_tcase(s, tc);
	return s;
}
