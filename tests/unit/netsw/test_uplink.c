/* Check tests of the switch with the real bin/nanvix-uplink: a published port, egress to the host, EADDRINUSE, DNS. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <netsw/netsw.h>

#include "frames.h"
#include "runner.h"

#define GW   IP4(10, 0, 2, 2)
#define DNS  IP4(10, 0, 2, 3)
#define VM_A IP4(10, 0, 2, 15)

static const uint8_t GWMAC[6] = { 0x52, 0x55, 10, 0, 2, 2 };
static const uint8_t DNSMAC[6] = { 0x52, 0x55, 10, 0, 2, 3 };

static struct netsw_config cfg;
static struct netsw_policy pol;
static struct netsw *sw;
static struct netsw_port *pa;
static uint8_t mac_a[6];
static uint32_t ip_a;
static char msg[512];

/* What the VM saw: the last TCP segment and ARP requests for it. */
static struct {
	int tcp, arp_req;
	uint32_t src, seq;
	uint16_t sport, dport;
	uint8_t flags;
	int udp; /* UDP datagrams from DNS:53, the last one's payload below */
	uint16_t udp_dport;
	size_t dns_len;
	uint8_t dns[1500];
} vm;

static void vm_deliver(void *ctx, const void *frame, size_t len)
{
	const uint8_t *f = frame, *ip = f + 14;

	if (len >= 42 && fr_rd16(f + 12) == 0x0806 && fr_rd16(f + 20) == 1 &&
	    fr_rd32(f + 38) == ip_a) {
		vm.arp_req++;
		return;
	}
	if (len >= 42 && fr_rd16(f + 12) == 0x0800 && ip[9] == IPPROTO_UDP &&
	    fr_rd32(ip + 12) == DNS && fr_rd16(ip + 20) == 53) {
		size_t ulen = fr_rd16(ip + 24);

		ck_assert(fr_checksums_ok(f, len));
		ck_assert_mem_eq(f, mac_a, 6);
		ck_assert_mem_eq(f + 6, DNSMAC, 6);
		ck_assert_uint_eq(fr_rd32(ip + 16), ip_a);
		ck_assert_uint_ge(ulen, 8);
		ck_assert_uint_le(ulen - 8, sizeof(vm.dns));
		vm.udp++;
		vm.udp_dport = fr_rd16(ip + 22);
		vm.dns_len = ulen - 8;
		memcpy(vm.dns, ip + 28, ulen - 8);
		return;
	}
	if (len < 54 || fr_rd16(f + 12) != 0x0800 || ip[9] != IPPROTO_TCP)
		return;
	ck_assert(fr_checksums_ok(f, len));
	vm.tcp++;
	vm.src = fr_rd32(ip + 12);
	vm.sport = fr_rd16(ip + 20);
	vm.dport = fr_rd16(ip + 22);
	vm.seq = fr_rd32(ip + 24);
	vm.flags = ip[20 + 13];
}

/* A port no one listens on now (bound to 0, closed). */
static uint16_t free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t al = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&a, &al), 0);
	close(s);
	return ntohs(a.sin_port);
}

static int tcp_socket(uint16_t port, bool listen_it)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		                 .sin_port = htons(port),
		                 .sin_addr.s_addr = htonl(0x7f000001) };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;

	ck_assert_int_ge(s, 0);
	if (listen_it) {
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
		ck_assert_int_eq(listen(s, 4), 0);
	} else {
		int rc = connect(s, (struct sockaddr *)&a, sizeof(a));

		ck_assert(rc == 0 || errno == EINPROGRESS);
	}
	return s;
}

/* Run the switch's side of the event loop for up to ms, until *done becomes true. */
static void pump(int ms, const int *done)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p[4];
		int n = netsw_fds(sw, p, 4);

		if (done && *done)
			return;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 >= ms)
			return;
		ck_assert_int_eq(n, 1);
		if (poll(p, (nfds_t)n, 20) > 0)
			netsw_service(sw);
	}
}

static void start(void)
{
	sw = netsw_new(&cfg);
	ck_assert_ptr_nonnull(sw);
	ck_assert_msg(netsw_uplink_wait(sw, 5000, msg, sizeof(msg)) == 0, "%s", msg);
	pa = netsw_port_add(sw, mac_a, ip_a, vm_deliver, NULL);
	ck_assert_ptr_nonnull(pa);
}

static void setup(void)
{
	netsw_config_default(&cfg);
	netsw_policy_init(&pol);
	cfg.policy = &pol;
	cfg.uplink_path = "bin/nanvix-uplink";
	ck_assert_int_eq(netsw_addr_for(&cfg, 0, mac_a, &ip_a), 0);
	memset(&vm, 0, sizeof(vm));
	sw = NULL;
}

static void teardown(void)
{
	netsw_free(sw);
	sw = NULL;
}

/* A host connection to a published port arrives as a SYN for 10.0.2.15:80; the VM's SYN-ACK completes it. */
START_TEST(test_published_port)
{
	uint16_t port = free_port();
	char spec[32];
	uint8_t f[128];
	struct pollfd p;
	int c, err = -1, syn_seen = 0;
	socklen_t el = sizeof(err);
	size_t n;

	snprintf(spec, sizeof(spec), "%u:80", port);
	ck_assert_int_eq(netsw_policy_publish(&pol, spec, msg, sizeof(msg)), 0);
	start();
	c = tcp_socket(port, false);
	for (int i = 0; i < 100 && !syn_seen; i++) {
		pump(50, &vm.tcp);
		syn_seen = vm.tcp && vm.flags == TCP_SYN;
		if (vm.arp_req) { /* slirp asks anyway: answer */
			n = fr_arp(f, GWMAC, mac_a, 2, mac_a, ip_a, GWMAC, GW);
			ck_assert_int_eq(netsw_port_input(pa, f, n), 0);
			vm.arp_req = 0;
		}
	}
	ck_assert_msg(syn_seen, "no SYN reached the VM (tcp %d)", vm.tcp);
	ck_assert_uint_eq(vm.src, GW);
	ck_assert_uint_eq(vm.dport, 80);

	/* SYN-ACK from the VM (not a SYN alone: the policy passes it). */
	n = fr_ip(f, GWMAC, mac_a, ip_a, GW, IPPROTO_TCP, 80, vm.sport, TCP_SYN | TCP_ACK, 0);
	fr_wr32(f + 14 + 20 + 8, vm.seq + 1);
	fr_wr16(f + 14 + 20 + 16, 0);
	{
		uint8_t *ip = f + 14, pseudo[12];

		memcpy(pseudo, ip + 12, 8);
		pseudo[8] = 0;
		pseudo[9] = IPPROTO_TCP;
		fr_wr16(pseudo + 10, 20);
		fr_wr16(ip + 20 + 16, (uint16_t)~fr_sum(fr_sum(0, pseudo, 12), ip + 20, 20));
	}
	vm.tcp = 0;
	ck_assert_int_eq(netsw_port_input(pa, f, n), 0);
	pump(2000, &vm.tcp); /* slirp ACKs */
	p = (struct pollfd){ .fd = c, .events = POLLOUT };
	ck_assert_int_eq(poll(&p, 1, 2000), 1);
	ck_assert_int_eq(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el), 0);
	ck_assert_int_eq(err, 0);
	close(c);

	/* The uplink goes with the switch: the port is free again. */
	netsw_free(sw);
	sw = NULL;
	close(tcp_socket(port, true));
}
END_TEST

/* A VM's SYN to gateway:P reaches a host listener on 127.0.0.1:P when allowed. */
START_TEST(test_egress_to_host_loopback)
{
	uint16_t port = free_port();
	int l = tcp_socket(port, true), a = -1, synack = 0;
	char spec[32];
	uint8_t f[128];
	size_t n;

	snprintf(spec, sizeof(spec), "127.0.0.1:%u", port);
	ck_assert_int_eq(netsw_policy_allow(&pol, spec, NULL, msg, sizeof(msg)), 0);
	start();
	n = fr_ip(f, GWMAC, mac_a, ip_a, GW, IPPROTO_TCP, 40000, port, TCP_SYN, 0);
	ck_assert_int_eq(netsw_port_input(pa, f, n), 0);
	for (int i = 0; i < 100 && (a < 0 || !synack); i++) {
		pump(50, NULL);
		if (a < 0)
			a = accept(l, NULL, NULL);
		synack = vm.tcp && vm.flags == (TCP_SYN | TCP_ACK);
	}
	ck_assert_int_ge(a, 0);
	ck_assert_msg(synack, "no SYN-ACK reached the VM");
	ck_assert_uint_eq(vm.sport, port);
	ck_assert_uint_eq(vm.dport, 40000);
	close(a);
	close(l);
}
END_TEST

/* A published port already taken on the host: a clear error from netsw_uplink_wait. */
START_TEST(test_publish_in_use)
{
	uint16_t port = free_port();
	int l = tcp_socket(port, true);
	char spec[32], want[64];

	snprintf(spec, sizeof(spec), "%u:80", port);
	ck_assert_int_eq(netsw_policy_publish(&pol, spec, msg, sizeof(msg)), 0);
	sw = netsw_new(&cfg);
	ck_assert_ptr_nonnull(sw);
	ck_assert_int_eq(netsw_uplink_wait(sw, 5000, msg, sizeof(msg)), -EADDRINUSE);
	snprintf(want, sizeof(want), "cannot publish 127.0.0.1:%u/tcp", port);
	ck_assert_msg(strstr(msg, want), "message: %s", msg);
	/* The switch goes on without an uplink: SYNs out are refused at once. */
	ck_assert_int_eq(netsw_fds(sw, (struct pollfd[1]){ 0 }, 1), 0);
	close(l);
}
END_TEST

/* A DNS query frame (id, name, qtype; payload `junk` bytes instead when junk > 0) from the VM's port 5300. */
static size_t dns_query(uint8_t *f, uint16_t id, const char *name, uint16_t qtype, size_t junk)
{
	uint8_t q[300], *udp = f + 34, pseudo[12];
	size_t n = 12, plen;

	memset(q, 0, sizeof(q));
	fr_wr16(q, id);
	fr_wr16(q + 2, 0x0100); /* RD */
	fr_wr16(q + 4, 1);
	for (const char *s = name; *s;) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);

		q[n++] = (uint8_t)l;
		memcpy(q + n, s, l);
		n += l;
		s += l + (dot ? 1 : 0);
	}
	q[n++] = 0;
	fr_wr16(q + n, qtype);
	fr_wr16(q + n + 2, 1);
	plen = junk ? junk : n + 4;
	if (junk)
		memset(q + 12, 0xc0, junk - 12);
	n = fr_ip(f, DNSMAC, mac_a, ip_a, DNS, IPPROTO_UDP, 5300, 53, 0, plen);
	memcpy(udp + 8, q, plen);
	fr_wr16(udp + 6, 0);
	memcpy(pseudo, f + 26, 8);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_UDP;
	fr_wr16(pseudo + 10, (uint16_t)(8 + plen));
	fr_wr16(udp + 6, (uint16_t)~fr_sum(fr_sum(0, pseudo, 12), udp, 8 + plen));
	return n;
}

/* Send a query and wait for its answer; returns the rcode, the first address in *addr. */
static int ask(uint16_t id, const char *name, uint16_t qtype, int *ancount, uint32_t *addr)
{
	uint8_t f[400];
	size_t n = dns_query(f, id, name, qtype, 0), qlen = n - 42;

	vm.udp = 0;
	ck_assert_int_eq(netsw_port_input(pa, f, n), 0);
	pump(5000, &vm.udp);
	ck_assert_msg(vm.udp == 1, "no answer for %s", name);
	ck_assert_uint_eq(vm.udp_dport, 5300);
	ck_assert_uint_ge(vm.dns_len, qlen);
	ck_assert_uint_eq(fr_rd16(vm.dns), id);
	ck_assert(vm.dns[2] & 0x80);
	ck_assert_mem_eq(vm.dns + 12, f + 42 + 12, qlen - 12); /* the question */
	*ancount = fr_rd16(vm.dns + 6);
	ck_assert_uint_eq(vm.dns_len, qlen + 16 * (size_t)*ancount);
	if (*ancount) {
		const uint8_t *r = vm.dns + qlen;

		ck_assert_uint_eq(fr_rd16(r), 0xc00c);
		ck_assert_uint_eq(fr_rd16(r + 2), 1);
		ck_assert_uint_eq(fr_rd16(r + 10), 4);
		*addr = fr_rd32(r + 12);
	}
	return vm.dns[3] & 0xf;
}

/*
 * With no rule and no publish, the first DNS query starts the uplink and
 * is answered once it is up; localhost is the host's /etc/hosts entry,
 * host.internal the gateway; AAAA gets an empty answer; malformed queries
 * get FORMERR or nothing, and the responder lives on.
 */
START_TEST(test_dns)
{
	uint8_t f[400];
	uint32_t a = 0;
	int an;
	size_t n;

	sw = netsw_new(&cfg);
	ck_assert_ptr_nonnull(sw);
	pa = netsw_port_add(sw, mac_a, ip_a, vm_deliver, NULL);
	ck_assert_ptr_nonnull(pa);
	ck_assert_int_eq(netsw_fds(sw, (struct pollfd[1]){ 0 }, 1), 0); /* not started */

	ck_assert_int_eq(ask(0x1001, "localhost", 1, &an, &a), 0);
	ck_assert_int_ge(an, 1);
	ck_assert_uint_eq(a, IP4(127, 0, 0, 1));
	ck_assert_int_eq(netsw_uplink_wait(sw, 0, msg, sizeof(msg)), 0);

	ck_assert_int_eq(ask(0x1002, "host.internal", 1, &an, &a), 0);
	ck_assert_int_eq(an, 1);
	ck_assert_uint_eq(a, GW);
	ck_assert_int_eq(ask(0x1003, "localhost", 28, &an, &a), 0);
	ck_assert_int_eq(an, 0);

	/* A pointer loop of a query: FORMERR, no question. */
	n = dns_query(f, 0x1004, "x", 1, 40);
	vm.udp = 0;
	ck_assert_int_eq(netsw_port_input(pa, f, n), 0);
	pump(5000, &vm.udp);
	ck_assert_int_eq(vm.udp, 1);
	ck_assert_uint_eq(vm.dns_len, 12);
	ck_assert_uint_eq(vm.dns[3] & 0xf, 1);
	/* A bad UDP checksum, and a runt: no answer; the next query still is. */
	n = dns_query(f, 0x1005, "localhost", 1, 0);
	f[n - 1] ^= 0x55;
	ck_assert_int_eq(netsw_port_input(pa, f, n), 0);
	n = dns_query(f, 0x1006, "localhost", 1, 0);
	fr_wr16(f + 14 + 2, 20 + 8 + 4);
	fr_wr16(f + 14 + 10, 0);
	fr_wr16(f + 14 + 10, (uint16_t)~fr_sum(0, f + 14, 20));
	fr_wr16(f + 34 + 4, 12);
	fr_wr16(f + 34 + 6, 0);
	ck_assert_int_eq(netsw_port_input(pa, f, 14 + 20 + 12), 0);
	vm.udp = 0;
	pump(200, &vm.udp);
	ck_assert_int_eq(vm.udp, 0);
	ck_assert_int_eq(ask(0x1007, "LocalHost", 1, &an, &a), 0);
	ck_assert_uint_eq(a, IP4(127, 0, 0, 1));
}
END_TEST

/* --net-allow hostnames, resolved by the dynamic uplink for the static nanvixd. */
START_TEST(test_resolve)
{
	uint32_t a[4];

	ck_assert_int_eq(netsw_resolve_at("bin/nanvix-uplink", "localhost", a, 4), 1);
	ck_assert_uint_eq(a[0], IP4(127, 0, 0, 1));
	ck_assert_int_eq(netsw_resolve_at("/nonexistent/uplink", "localhost", a, 4), -ENOENT);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("netsw/uplink");
	TCase *tc = tcase_create("uplink");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_published_port);
	tcase_add_test(tc, test_egress_to_host_loopback);
	tcase_add_test(tc, test_publish_in_use);
	tcase_add_test(tc, test_resolve);
	tcase_add_test(tc, test_dns);
	suite_add_tcase(s, tc);
	return s;
}
