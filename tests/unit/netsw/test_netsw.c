/* Check tests for the network switch: forwarding, anti-spoofing, hostile frames, rate limit, policy, RSTs, specs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netsw/netsw.h>

#include "frames.h"
#include "runner.h"

#define GW   IP4(10, 0, 2, 2)
#define DNS  IP4(10, 0, 2, 3)
#define VM_A IP4(10, 0, 2, 15)
#define VM_B IP4(10, 0, 2, 16)
#define VM_C IP4(10, 0, 2, 17)

static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t GWMAC[6] = { 0x52, 0x55, 10, 0, 2, 2 };

/* What one port received. */
struct sink {
	int n;
	size_t len;
	uint8_t last[NETSW_FRAME_MAX];
};

static void sink_count(void *ctx, const void *frame, size_t len)
{
	(void)frame, (void)len;
	if (ctx)
		(*(int *)ctx)++;
}

static void sink_deliver(void *ctx, const void *frame, size_t len)
{
	struct sink *s = ctx;

	s->n++;
	s->len = len;
	memcpy(s->last, frame, len < sizeof(s->last) ? len : sizeof(s->last));
}

static uint64_t fake_now;
static uint64_t fake_clock(void *ctx)
{
	return fake_now;
}

static char logbuf[8192];
static int nlog;
static void log_capture(void *ctx, const char *line)
{
	size_t l = strlen(logbuf);

	nlog++;
	snprintf(logbuf + l, sizeof(logbuf) - l, "%s\n", line);
}

static struct netsw_config cfg;
static struct netsw_policy pol;
static struct netsw *sw;
static struct netsw_port *pa, *pb;
static struct sink *sa, *sb;
static uint8_t mac_a[6], mac_b[6];
static uint32_t ip_a, ip_b;
static uint8_t f[NETSW_FRAME_MAX + 64];

static void setup(void)
{
	netsw_config_default(&cfg);
	netsw_policy_init(&pol);
	cfg.policy = &pol;
	cfg.clock_ns = fake_clock;
	cfg.log = log_capture;
	cfg.uplink_path = "/nonexistent/nanvix-uplink";
	fake_now = 1000000000ull;
	logbuf[0] = '\0';
	nlog = 0;
	sa = calloc(1, sizeof(*sa));
	sb = calloc(1, sizeof(*sb));
	ck_assert_int_eq(netsw_addr_for(&cfg, 0, mac_a, &ip_a), 0);
	ck_assert_int_eq(netsw_addr_for(&cfg, 1, mac_b, &ip_b), 0);
	ck_assert_uint_eq(ip_a, VM_A);
	ck_assert_uint_eq(ip_b, VM_B);
	ck_assert_int_eq(mac_a[5], 0x56);
	sw = netsw_new(&cfg);
	ck_assert_ptr_nonnull(sw);
	pa = netsw_port_add(sw, mac_a, ip_a, sink_deliver, sa);
	pb = netsw_port_add(sw, mac_b, ip_b, sink_deliver, sb);
	ck_assert_ptr_nonnull(pa);
	ck_assert_ptr_nonnull(pb);
}

static void teardown(void)
{
	netsw_free(sw);
	sw = NULL;
	free(sa);
	free(sb);
}

/* Rebuild the switch after changing cfg or pol (ports A and B again). */
static void rebuild(void)
{
	netsw_free(sw);
	sw = netsw_new(&cfg);
	ck_assert_ptr_nonnull(sw);
	pa = netsw_port_add(sw, mac_a, ip_a, sink_deliver, sa);
	pb = netsw_port_add(sw, mac_b, ip_b, sink_deliver, sb);
	ck_assert_ptr_nonnull(pa);
	ck_assert_ptr_nonnull(pb);
	sa->n = sb->n = 0;
}

/* cfg is refused: no switch, EINVAL (the one before is freed). */
static void check_refused(void)
{
	netsw_free(sw);
	sw = netsw_new(&cfg);
	ck_assert_ptr_null(sw);
	ck_assert_int_eq(errno, EINVAL);
}

START_TEST(test_unicast_between_ports)
{
	struct netsw_port_stats st;
	size_t n = fr_ip(f, mac_b, mac_a, ip_a, ip_b, IPPROTO_TCP, 1234, 80, TCP_SYN, 100);

	ck_assert_int_eq(netsw_port_input(pa, f, n), 0);
	ck_assert_int_eq(sb->n, 1);
	ck_assert_int_eq(sa->n, 0);
	ck_assert_uint_eq(sb->len, n);
	ck_assert_mem_eq(sb->last, f, n);
	/* And back: a UDP datagram. */
	n = fr_ip(f, mac_a, mac_b, ip_b, ip_a, IPPROTO_UDP, 53, 9999, 0, 10);
	ck_assert_int_eq(netsw_port_input(pb, f, n), 0);
	ck_assert_int_eq(sa->n, 1);
	netsw_port_stats(pa, &st);
	ck_assert_uint_eq(st.rx_frames, 1);
	ck_assert_uint_eq(st.tx_frames, 1);
	ck_assert_uint_eq(st.tx_bytes, n);
	/* To an unknown MAC in the subnet, or to itself: nowhere. */
	n = fr_ip(f, (const uint8_t[]){ 0x52, 0x54, 0, 0x12, 0x34, 0x99 }, mac_a, ip_a, VM_C,
	          IPPROTO_UDP, 1, 2, 0, 0);
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EHOSTUNREACH);
	n = fr_ip(f, mac_a, mac_a, ip_a, ip_a, IPPROTO_UDP, 1, 2, 0, 0);
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EHOSTUNREACH);
	netsw_port_stats(pa, &st);
	ck_assert_uint_eq(st.drop_nodest, 2);
	ck_assert_int_eq(sa->n, 1);
	ck_assert_int_eq(sb->n, 1);
}
END_TEST

/* An ARP request reaches the owner of the address only (idle VMs stay
 * asleep), a gratuitous one no port; IPv4 broadcasts reach every other port. */
START_TEST(test_broadcast_floods_other_ports)
{
	struct sink *sc = calloc(1, sizeof(*sc));
	uint8_t mac_c[6];
	uint32_t ip_c;
	size_t n;

	ck_assert_int_eq(netsw_addr_for(&cfg, 2, mac_c, &ip_c), 0);
	ck_assert_ptr_nonnull(netsw_port_add(sw, mac_c, ip_c, sink_deliver, sc));
	n = fr_arp(f, BCAST, mac_a, 1, mac_a, ip_a, NULL, ip_b);
	ck_assert_int_eq(netsw_port_input(pa, f, n), 0);
	ck_assert_int_eq(sa->n, 0);
	ck_assert_int_eq(sb->n, 1);
	ck_assert_int_eq(sc->n, 0);
	/* B's unicast reply reaches A only. */
	n = fr_arp(f, mac_a, mac_b, 2, mac_b, ip_b, mac_a, ip_a);
	ck_assert_int_eq(netsw_port_input(pb, f, n), 0);
	ck_assert_int_eq(sa->n, 1);
	ck_assert_int_eq(sc->n, 0);
	/* A request for an address nobody has, and a gratuitous one: no port. */
	n = fr_arp(f, BCAST, mac_a, 1, mac_a, ip_a, NULL, IP4(10, 0, 2, 99));
	ck_assert_int_eq(netsw_port_input(pa, f, n), 0);
	n = fr_arp(f, BCAST, mac_a, 1, mac_a, ip_a, NULL, ip_a);
	ck_assert_int_eq(netsw_port_input(pa, f, n), 0);
	ck_assert_int_eq(sb->n + sc->n, 1);
	/* An IPv4 broadcast reaches every other port of the segment. */
	n = fr_ip(f, BCAST, mac_a, ip_a, IP4(10, 0, 2, 255), IPPROTO_UDP, 1, 2, 0, 0);
	ck_assert_int_eq(netsw_port_input(pa, f, n), 0);
	ck_assert_int_eq(sb->n, 2);
	ck_assert_int_eq(sc->n, 1);
	free(sc);
}
END_TEST

START_TEST(test_anti_spoofing)
{
	static const uint8_t other[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x77 };
	struct netsw_port_stats st;
	size_t n;

	/* Source MAC not the port's (even B's own). */
	n = fr_ip(f, mac_b, other, ip_a, ip_b, IPPROTO_UDP, 1, 2, 0, 0);
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EPERM);
	n = fr_ip(f, mac_a, mac_b, ip_a, ip_a, IPPROTO_UDP, 1, 2, 0, 0);
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EPERM);
	/* IPv4 source not the port's. */
	n = fr_ip(f, mac_b, mac_a, VM_C, ip_b, IPPROTO_UDP, 1, 2, 0, 0);
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EPERM);
	n = fr_ip(f, GWMAC, mac_a, IP4(8, 8, 8, 8), IP4(1, 1, 1, 1), IPPROTO_TCP, 1, 2, TCP_SYN, 0);
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EPERM);
	/* ARP: sender IP (poisoning B's or the gateway's entry), sender MAC. */
	n = fr_arp(f, BCAST, mac_a, 2, mac_a, ip_b, NULL, ip_b);
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EPERM);
	n = fr_arp(f, BCAST, mac_a, 2, mac_a, GW, NULL, GW);
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EPERM);
	n = fr_arp(f, BCAST, mac_a, 1, other, ip_a, NULL, ip_b);
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EPERM);
	netsw_port_stats(pa, &st);
	ck_assert_uint_eq(st.drop_spoofed, 7);
	ck_assert_uint_eq(st.rx_frames, 7);
	ck_assert_int_eq(sb->n, 0);
}
END_TEST

START_TEST(test_malformed_frames)
{
	struct netsw_port_stats st;
	size_t n;

	memset(f, 0, sizeof(f));
	memcpy(f + 6, mac_a, 6);
	ck_assert_int_eq(netsw_port_input(pa, f, 0), -EMSGSIZE);
	ck_assert_int_eq(netsw_port_input(pa, f, 13), -EMSGSIZE);
	ck_assert_int_eq(netsw_port_input(pa, f, cfg.mtu + 15), -EMSGSIZE);
	/* IPv6 and other ethertypes. */
	fr_wr16(f + 12, 0x86dd);
	ck_assert_int_eq(netsw_port_input(pa, f, 60), -EPROTO);
	/* A header-only frame, then a short IPv4 header. */
	fr_wr16(f + 12, 0x0800);
	ck_assert_int_eq(netsw_port_input(pa, f, 14), -EPROTO);
	ck_assert_int_eq(netsw_port_input(pa, f, 30), -EPROTO);
	/* IHL below 5, IHL past the packet, total length past the frame, version 6. */
	n = fr_ip(f, mac_b, mac_a, ip_a, ip_b, IPPROTO_UDP, 1, 2, 0, 0);
	f[14] = 0x44;
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EPROTO);
	f[14] = 0x4f;
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EPROTO);
	f[14] = 0x45;
	fr_wr16(f + 16, (uint16_t)(n - 14 + 1));
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EPROTO);
	fr_wr16(f + 16, 10);
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EPROTO);
	n = fr_ip(f, mac_b, mac_a, ip_a, ip_b, IPPROTO_UDP, 1, 2, 0, 0);
	f[14] = 0x65;
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EPROTO);
	/* Outbound TCP too short for its header, or a data offset past the packet. */
	n = fr_ip(f, GWMAC, mac_a, ip_a, IP4(1, 2, 3, 4), IPPROTO_TCP, 1, 2, TCP_SYN, 0);
	fr_wr16(f + 16, 30);
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EPROTO);
	n = fr_ip(f, GWMAC, mac_a, ip_a, IP4(1, 2, 3, 4), IPPROTO_TCP, 1, 2, TCP_SYN, 0);
	f[14 + 20 + 12] = 0xf0;
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EPROTO);
	f[14 + 20 + 12] = 0x40;
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EPROTO);
	n = fr_ip(f, GWMAC, mac_a, ip_a, IP4(1, 2, 3, 4), IPPROTO_UDP, 1, 2, 0, 0);
	fr_wr16(f + 16, 24);
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EPROTO);
	/* ARP: truncated, wrong hardware type, wrong opcode. */
	n = fr_arp(f, BCAST, mac_a, 1, mac_a, ip_a, NULL, ip_b);
	ck_assert_int_eq(netsw_port_input(pa, f, n - 1), -EPROTO);
	f[15] = 6;
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EPROTO);
	n = fr_arp(f, BCAST, mac_a, 3, mac_a, ip_a, NULL, ip_b);
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EPROTO);
	netsw_port_stats(pa, &st);
	ck_assert_uint_eq(st.drop_malformed, 18);
	ck_assert_int_eq(sb->n, 0);
	ck_assert_int_eq(sa->n, 0);
	/* The largest legal frame passes. */
	n = fr_ip(f, mac_b, mac_a, ip_a, ip_b, IPPROTO_UDP, 1, 2, 0, cfg.mtu - 28);
	ck_assert_uint_eq(n, cfg.mtu + 14);
	ck_assert_int_eq(netsw_port_input(pa, f, n), 0);
	ck_assert_int_eq(sb->n, 1);
}
END_TEST

START_TEST(test_random_frames_never_crash)
{
	uint64_t x = 0x1234567;
	struct netsw_stats st;

	for (int i = 0; i < 20000; i++) {
		size_t len, j;

		x = x * 6364136223846793005ull + 1442695040888963407ull;
		len = (size_t)(x >> 33) % 200;
		for (j = 0; j < len; j++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			f[j] = (uint8_t)(x >> 56);
		}
		/* Mostly valid prefixes, so the deeper parsers are reached. */
		if (len >= 14 && (i & 1)) {
			memcpy(f + 6, mac_a, 6);
			fr_wr16(f + 12, (i & 2) ? 0x0800 : 0x0806);
			if (len >= 34 && (i & 2)) {
				f[14] = (uint8_t)(0x45 + (i % 3));
				fr_wr32(f + 26, ip_a);
			}
		}
		netsw_port_input(pa, f, len);
	}
	netsw_stats(sw, &st);
	ck_assert_uint_eq(st.ports.rx_frames, 20000);
}
END_TEST

/* Shaping (nanvixd --net-rate): past the rate the sender waits, nothing is dropped. */
START_TEST(test_rate_shape)
{
	struct netsw_port_stats st;
	struct timespec t0, t1;
	size_t n;

	cfg.mtu = 1500;
	cfg.rate = 1000000; /* bytes/s: a 1000-byte frame earns itself in 1 ms */
	cfg.burst = 1514;
	cfg.shape = true;
	rebuild();
	n = fr_ip(f, mac_b, mac_a, ip_a, ip_b, IPPROTO_UDP, 1, 2, 0, 1000 - 42);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(netsw_port_input(pa, f, n), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	netsw_port_stats(pa, &st);
	ck_assert_uint_eq(st.drop_rate, 0);
	ck_assert_int_eq(sb->n, 20);
	/* 19 frames past the first were earned by sleeping: at least 19 ms. */
	ck_assert_int_ge((t1.tv_sec - t0.tv_sec) * 1000000000l + (t1.tv_nsec - t0.tv_nsec),
	                 19000000l);
	cfg.shape = false;
}
END_TEST

START_TEST(test_rate_limit)
{
	struct netsw_port_stats st;
	size_t n;

	cfg.mtu = 1500;
	cfg.rate = 100000; /* bytes/s */
	cfg.burst = 1514;
	rebuild();
	n = fr_ip(f, mac_b, mac_a, ip_a, ip_b, IPPROTO_UDP, 1, 2, 0, 1000 - 42);
	ck_assert_uint_eq(n, 1000);
	ck_assert_int_eq(netsw_port_input(pa, f, n), 0);
	ck_assert_int_eq(netsw_port_input(pa, f, n), -ENOBUFS);
	fake_now += 4000000; /* 4 ms: 400 bytes, 914 in the bucket */
	ck_assert_int_eq(netsw_port_input(pa, f, n), -ENOBUFS);
	fake_now += 1000000; /* 1 ms more: 1014 */
	ck_assert_int_eq(netsw_port_input(pa, f, n), 0);
	fake_now += 3600ull * 1000000000ull; /* an hour: the bucket stays at its burst */
	ck_assert_int_eq(netsw_port_input(pa, f, n), 0);
	ck_assert_int_eq(netsw_port_input(pa, f, n), -ENOBUFS);
	netsw_port_stats(pa, &st);
	ck_assert_uint_eq(st.drop_rate, 3);
	ck_assert_int_eq(sb->n, 3);
	/* Another port's bucket is its own. */
	n = fr_ip(f, mac_a, mac_b, ip_b, ip_a, IPPROTO_UDP, 1, 2, 0, 1000 - 42);
	ck_assert_int_eq(netsw_port_input(pb, f, n), 0);
	/* A burst smaller than one frame is refused. */
	cfg.burst = 1000;
	check_refused();
}
END_TEST

/* The receive side (nanvixd --net-recv-rate): what reaches a port, policed by its own bucket. */
START_TEST(test_recv_rate)
{
	struct netsw_port_stats st;
	size_t n;

	cfg.mtu = 1500;
	cfg.rate = 0;
	cfg.recv_rate = 100000; /* bytes/s */
	cfg.recv_burst = 1514;
	rebuild();
	n = fr_ip(f, mac_b, mac_a, ip_a, ip_b, IPPROTO_UDP, 1, 2, 0, 1000 - 42);
	ck_assert_int_eq(netsw_port_input(pa, f, n), 0);
	ck_assert_int_eq(netsw_port_input(pa, f, n), 0); /* sent, not delivered */
	ck_assert_int_eq(sb->n, 1);
	fake_now += 10000000; /* 10 ms: 1000 bytes */
	ck_assert_int_eq(netsw_port_input(pa, f, n), 0);
	ck_assert_int_eq(sb->n, 2);
	netsw_port_stats(pb, &st);
	ck_assert_uint_eq(st.drop_recv_rate, 1);
	ck_assert_uint_eq(st.tx_frames, 2);
	netsw_port_stats(pa, &st);
	ck_assert_uint_eq(st.drop_rate, 0);
	ck_assert_uint_eq(st.drop_recv_rate, 0);
	/* The other way round: a's receive bucket is its own, and full. */
	n = fr_ip(f, mac_a, mac_b, ip_b, ip_a, IPPROTO_UDP, 1, 2, 0, 1000 - 42);
	ck_assert_int_eq(netsw_port_input(pb, f, n), 0);
	netsw_port_stats(pa, &st);
	ck_assert_uint_eq(st.tx_frames, 1);
	/* A receive burst smaller than one frame is refused. */
	cfg.recv_burst = 1000;
	check_refused();
}
END_TEST

/* --- the policy, table-driven ---------------------------------------------------------- */

struct pcase {
	const char *allow[4]; /* --net-allow specs */
	const char *publish;  /* -p spec or NULL */
	uint8_t proto;
	uint32_t src, dst;
	uint16_t sport, dport;
	bool syn;
	enum netsw_verdict want;
};

#define T IPPROTO_TCP
#define U IPPROTO_UDP
#define I IPPROTO_ICMP

static const struct pcase pcases[] = {
	/* Deny by default. */
	{ { NULL }, NULL, T, VM_A, IP4(10, 0, 0, 5), 4000, 443, true, NETSW_DENY },
	{ { NULL }, NULL, U, VM_A, IP4(10, 0, 0, 5), 4000, 443, false, NETSW_DENY },
	{ { NULL }, NULL, I, VM_A, IP4(10, 0, 0, 5), 0, 0, false, NETSW_DENY },
	{ { NULL }, NULL, 47, VM_A, IP4(10, 0, 0, 5), 0, 0, false, NETSW_DENY_PROTO },
	/* A host, a CIDR, with and without port. */
	{ { "10.0.0.5" }, NULL, T, VM_A, IP4(10, 0, 0, 5), 4000, 443, true, NETSW_ALLOW },
	{ { "10.0.0.5" }, NULL, T, VM_A, IP4(10, 0, 0, 6), 4000, 443, true, NETSW_DENY },
	{ { "10.0.0.0/8:443" }, NULL, T, VM_A, IP4(10, 9, 8, 7), 4000, 443, true, NETSW_ALLOW },
	{ { "10.0.0.0/8:443" }, NULL, U, VM_A, IP4(10, 9, 8, 7), 4000, 443, false, NETSW_ALLOW },
	{ { "10.0.0.0/8:443" }, NULL, T, VM_A, IP4(10, 9, 8, 7), 4000, 80, true, NETSW_DENY },
	{ { "10.0.0.0/8:443" }, NULL, T, VM_A, IP4(11, 0, 0, 1), 4000, 443, true, NETSW_DENY },
	{ { "10.0.0.0/8:443" }, NULL, I, VM_A, IP4(10, 9, 8, 7), 0, 0, false, NETSW_DENY },
	{ { "10.0.0.0/8" }, NULL, I, VM_A, IP4(10, 9, 8, 7), 0, 0, false, NETSW_ALLOW },
	{ { "0.0.0.0/0" }, NULL, T, VM_A, IP4(93, 184, 216, 34), 4000, 80, true, NETSW_ALLOW },
	{ { "1.1.1.1:53", "8.8.8.8" },
	  NULL,
	  U,
	  VM_A,
	  IP4(8, 8, 8, 8),
	  4000,
	  53,
	  false,
	  NETSW_ALLOW },
	/* TCP: only an opening SYN is judged. */
	{ { NULL }, NULL, T, VM_A, IP4(10, 0, 0, 5), 4000, 443, false, NETSW_ALLOW },
	/* DNS. */
	{ { NULL }, NULL, U, VM_A, DNS, 4000, 53, false, NETSW_ALLOW },
	{ { NULL }, NULL, T, VM_A, DNS, 4000, 53, true, NETSW_ALLOW },
	{ { NULL }, NULL, U, VM_A, DNS, 4000, 54, false, NETSW_DENY },
	{ { NULL }, NULL, I, VM_A, DNS, 0, 0, false, NETSW_DENY },
	/* The gateway is the host's loopback: 127.0.0.1:P opens gateway:P. */
	{ { NULL }, NULL, T, VM_A, GW, 4000, 8080, true, NETSW_DENY_SPECIAL },
	{ { "127.0.0.1:8080" }, NULL, T, VM_A, GW, 4000, 8080, true, NETSW_ALLOW },
	{ { "127.0.0.1:8080" }, NULL, T, VM_A, GW, 4000, 8081, true, NETSW_DENY_SPECIAL },
	{ { "0.0.0.0/0" }, NULL, T, VM_A, GW, 4000, 8080, true, NETSW_DENY_SPECIAL },
	{ { "127.0.0.0/8" }, NULL, T, VM_A, GW, 4000, 22, true, NETSW_ALLOW },
	{ { "0.0.0.0/0" }, NULL, T, VM_A, IP4(127, 0, 0, 1), 4000, 22, true, NETSW_DENY_SPECIAL },
	/* Link-local and the metadata address stay shut unless named. */
	{ { "0.0.0.0/0" },
	  NULL,
	  T,
	  VM_A,
	  IP4(169, 254, 169, 254),
	  4000,
	  80,
	  true,
	  NETSW_DENY_SPECIAL },
	{ { "0.0.0.0/1", "128.0.0.0/1" },
	  NULL,
	  T,
	  VM_A,
	  IP4(169, 254, 169, 254),
	  4000,
	  80,
	  true,
	  NETSW_DENY_SPECIAL },
	{ { "169.254.169.254:80" },
	  NULL,
	  T,
	  VM_A,
	  IP4(169, 254, 169, 254),
	  4000,
	  80,
	  true,
	  NETSW_ALLOW },
	{ { "169.254.0.0/16" },
	  NULL,
	  U,
	  VM_A,
	  IP4(169, 254, 1, 1),
	  4000,
	  5353,
	  false,
	  NETSW_ALLOW },
	{ { "0.0.0.0/0" },
	  NULL,
	  U,
	  VM_A,
	  IP4(224, 0, 0, 251),
	  4000,
	  5353,
	  false,
	  NETSW_DENY_SPECIAL },
	{ { "0.0.0.0/0" },
	  NULL,
	  U,
	  VM_A,
	  IP4(255, 255, 255, 255),
	  4000,
	  67,
	  false,
	  NETSW_DENY_SPECIAL },
	/* The reply side of a published UDP port. */
	{ { NULL }, "5353:53/udp", U, VM_A, GW, 53, 40000, false, NETSW_ALLOW },
	{ { NULL }, "5353:53/udp", U, VM_B, GW, 53, 40000, false, NETSW_DENY_SPECIAL },
	{ { NULL }, "5353:53/udp", U, VM_A, GW, 54, 40000, false, NETSW_DENY_SPECIAL },
	{ { NULL }, "5353:53/udp", U, VM_A, IP4(1, 2, 3, 4), 53, 40000, false, NETSW_DENY },
	{ { NULL }, "5353:53", U, VM_A, GW, 53, 40000, false, NETSW_DENY_SPECIAL },
	/* A published TCP port's replies are not SYNs: they pass. */
	{ { NULL }, "8080:80", T, VM_A, GW, 80, 40000, false, NETSW_ALLOW },
};

START_TEST(test_policy_table)
{
	const struct pcase *c = &pcases[_i];
	struct netsw_flow fl = { .proto = c->proto,
		                 .src = c->src,
		                 .dst = c->dst,
		                 .sport = c->sport,
		                 .dport = c->dport,
		                 .syn = c->syn };
	char err[256];

	netsw_policy_init(&pol);
	for (int i = 0; i < 4 && c->allow[i]; i++)
		ck_assert_msg(netsw_policy_allow(&pol, c->allow[i], NULL, err, sizeof(err)) == 0,
		              "%s", err);
	if (c->publish)
		ck_assert_msg(netsw_policy_publish(&pol, c->publish, err, sizeof(err)) == 0, "%s",
		              err);
	ck_assert_msg(netsw_policy_check(&pol, &cfg.net, &fl) == c->want,
	              "case %d: got %d, want %d", _i, netsw_policy_check(&pol, &cfg.net, &fl),
	              c->want);
}
END_TEST

START_TEST(test_policy_null_denies)
{
	struct netsw_flow fl = { .proto = IPPROTO_UDP, .src = VM_A, .dst = DNS, .dport = 53 };

	ck_assert_int_eq(netsw_policy_check(NULL, &cfg.net, &fl), NETSW_ALLOW);
	fl.dst = IP4(1, 1, 1, 1);
	ck_assert_int_eq(netsw_policy_check(NULL, &cfg.net, &fl), NETSW_DENY);
	ck_assert(!netsw_policy_needs_uplink(NULL));
}
END_TEST

/* --- spec parsing -------------------------------------------------------------------- */

static const struct {
	const char *spec;
	int err;
	const char *msg; /* a substring of the message */
} bad_allow[] = {
	{ "", -EINVAL, "want HOST" },
	{ "10.0.0.5:0", -EINVAL, "bad port '0'" },
	{ "10.0.0.5:65536", -EINVAL, "bad port" },
	{ "10.0.0.5:", -EINVAL, "bad port ''" },
	{ "10.0.0.5:http", -EINVAL, "bad port 'http'" },
	{ "10.0.0.0/33", -EINVAL, "bad prefix length '33'" },
	{ "10.0.0.0/", -EINVAL, "bad prefix length" },
	{ "10.0.0.5/8", -EINVAL, "did you mean 10.0.0.0/8?" },
	{ "256.0.0.1", -EINVAL, "want HOST" },
	{ "10.0.0", -EINVAL, "want HOST" },
	{ "10.0.0.1.2", -EINVAL, "want HOST" },
	{ "0010.0.0.1", -EINVAL, "want HOST" },
	{ "example.com", -EINVAL, "hostnames cannot be resolved here" },
	{ "example.com/24", -EINVAL, "want HOST" },
	{ "a b", -EINVAL, "want HOST" },
	{ "[::1]:80", -EINVAL, "want HOST" },
};

static const struct {
	const char *spec;
	int err;
	const char *msg;
} bad_publish[] = {
	{ "", -EINVAL, "empty" },
	{ "8080", -EINVAL, "want [HOSTADDR:]HOSTPORT:GUESTPORT" },
	{ "1:2:3:4", -EINVAL, "want [HOSTADDR:]HOSTPORT:GUESTPORT" },
	{ "8080:80/sctp", -EINVAL, "unknown protocol 'sctp'" },
	{ "0:80", -EINVAL, "bad host port '0'" },
	{ "8080:70000", -EINVAL, "bad guest port '70000'" },
	{ ":80", -EINVAL, "bad host port ''" },
	{ "localhost:8080:80", -EINVAL, "bad host address 'localhost'" },
	{ "1.2.3:8080:80", -EINVAL, "bad host address" },
	{ "8080:80", -EEXIST, "already published" },
	{ "127.0.0.1:8080:81/tcp", -EEXIST, "already published" },
	{ "0.0.0.0:8080:82", -EEXIST, "already published" },
};

START_TEST(test_bad_specs)
{
	char err[256];

	for (size_t i = 0; i < sizeof(bad_allow) / sizeof(bad_allow[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(netsw_policy_allow(&pol, bad_allow[i].spec, NULL, err, sizeof(err)) ==
		                      bad_allow[i].err,
		              "allow '%s'", bad_allow[i].spec);
		ck_assert_msg(strstr(err, bad_allow[i].msg) && strstr(err, "--net-allow"),
		              "allow '%s': message '%s'", bad_allow[i].spec, err);
	}
	ck_assert_uint_eq(pol.nrules, 0);
	ck_assert_int_eq(netsw_policy_publish(&pol, "8080:80", err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(bad_publish) / sizeof(bad_publish[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(netsw_policy_publish(&pol, bad_publish[i].spec, err, sizeof(err)) ==
		                      bad_publish[i].err,
		              "publish '%s'", bad_publish[i].spec);
		ck_assert_msg(strstr(err, bad_publish[i].msg) && strstr(err, "-p"),
		              "publish '%s': message '%s'", bad_publish[i].spec, err);
	}
	ck_assert_uint_eq(pol.npubs, 1);
	/* The same port over UDP, or on another host address, is another publish. */
	ck_assert_int_eq(netsw_policy_publish(&pol, "8080:80/udp", err, sizeof(err)), 0);
	ck_assert_int_eq(netsw_policy_publish(&pol, "10.1.1.1:8080:80", err, sizeof(err)), 0);
	ck_assert_uint_eq(pol.pubs[1].proto, IPPROTO_UDP);
	ck_assert_uint_eq(pol.pubs[2].host_addr, IP4(10, 1, 1, 1));
	ck_assert_uint_eq(pol.pubs[0].host_addr, IP4(127, 0, 0, 1));
	ck_assert_uint_eq(pol.pubs[0].host_port, 8080);
	ck_assert_uint_eq(pol.pubs[0].guest_port, 80);
	/* Too many. */
	for (int i = 0; i < NETSW_POLICY_MAX_RULES; i++)
		ck_assert_int_eq(netsw_policy_allow(&pol, "1.2.3.4", NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(netsw_policy_allow(&pol, "1.2.3.4", NULL, err, sizeof(err)), -ENOSPC);
}
END_TEST

static int fake_resolve(const char *name, uint32_t *out, size_t max)
{
	if (strcmp(name, "db.internal") == 0) {
		out[0] = IP4(10, 1, 0, 7);
		out[1] = IP4(10, 1, 0, 8);
		return 2;
	}
	return -ENOENT;
}

START_TEST(test_hostname_rules)
{
	struct netsw_flow fl = { .proto = IPPROTO_TCP, .src = VM_A, .dport = 5432, .syn = true };
	char err[256];

	ck_assert_int_eq(
	        netsw_policy_allow(&pol, "db.internal:5432", fake_resolve, err, sizeof(err)), 0);
	ck_assert_uint_eq(pol.nrules, 2);
	fl.dst = IP4(10, 1, 0, 8);
	ck_assert_int_eq(netsw_policy_check(&pol, &cfg.net, &fl), NETSW_ALLOW);
	fl.dport = 5433;
	ck_assert_int_eq(netsw_policy_check(&pol, &cfg.net, &fl), NETSW_DENY);
	ck_assert_int_eq(
	        netsw_policy_allow(&pol, "nowhere.example", fake_resolve, err, sizeof(err)),
	        -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "cannot resolve 'nowhere.example'"));
	ck_assert_uint_eq(pol.nrules, 2);
}
END_TEST

/* --- refusals through the switch ---------------------------------------------------------- */

START_TEST(test_refused_syn_gets_rst)
{
	struct netsw_port_stats st;
	const uint8_t *ip = sa->last + 14, *tcp = ip + 20;
	size_t n =
	        fr_ip(f, GWMAC, mac_a, ip_a, IP4(10, 0, 0, 5), IPPROTO_TCP, 40001, 443, TCP_SYN, 3);

	fr_wr32(f + 14 + 20 + 4, 0xfffffffeu); /* the ack wraps */
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EACCES);
	ck_assert_int_eq(sa->n, 1);
	ck_assert_int_eq(sb->n, 0);
	ck_assert_uint_eq(sa->len, 54);
	ck_assert_mem_eq(sa->last, mac_a, 6);
	ck_assert_mem_eq(sa->last + 6, GWMAC, 6);
	ck_assert_uint_eq(fr_rd16(sa->last + 12), 0x0800);
	ck_assert_uint_eq(ip[0], 0x45);
	ck_assert_uint_eq(fr_rd16(ip + 2), 40);
	ck_assert_uint_eq(ip[9], IPPROTO_TCP);
	ck_assert_uint_eq(fr_rd32(ip + 12), IP4(10, 0, 0, 5));
	ck_assert_uint_eq(fr_rd32(ip + 16), ip_a);
	ck_assert_uint_eq(fr_rd16(tcp), 443);
	ck_assert_uint_eq(fr_rd16(tcp + 2), 40001);
	ck_assert_uint_eq(fr_rd32(tcp + 4), 0);
	ck_assert_uint_eq(fr_rd32(tcp + 8), 0xfffffffeu + 1 + 3);
	ck_assert_uint_eq(tcp[13], TCP_RST | TCP_ACK);
	ck_assert(fr_checksums_ok(sa->last, sa->len));
	ck_assert_str_eq(logbuf, "refused 10.0.0.5:443/tcp (not in --net-allow)\n");
	/* Logged once per destination; counted every time. */
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EACCES);
	ck_assert_int_eq(nlog, 1);
	/* A refused UDP datagram: dropped, logged, no answer. */
	n = fr_ip(f, GWMAC, mac_a, ip_a, IP4(10, 0, 0, 5), IPPROTO_UDP, 1, 443, 0, 0);
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EACCES);
	ck_assert_int_eq(sa->n, 2);
	ck_assert_int_eq(nlog, 2);
	ck_assert_ptr_nonnull(strstr(logbuf, "refused 10.0.0.5:443/udp (not in --net-allow)"));
	/* The gateway, and the metadata address. */
	n = fr_ip(f, GWMAC, mac_a, ip_a, GW, IPPROTO_TCP, 40002, 8080, TCP_SYN, 0);
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EACCES);
	ck_assert_ptr_nonnull(strstr(logbuf, "refused 10.0.2.2:8080/tcp (the gateway is the "
	                                     "host's loopback: allow 127.0.0.1:8080"));
	ck_assert(fr_checksums_ok(sa->last, sa->len));
	n = fr_ip(f, GWMAC, mac_a, ip_a, IP4(169, 254, 169, 254), IPPROTO_TCP, 40003, 80, TCP_SYN,
	          0);
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EACCES);
	ck_assert_ptr_nonnull(
	        strstr(logbuf, "refused 169.254.169.254:80/tcp (loopback/link-local"));
	/* A SYN|FIN counts the FIN too; a fragment is refused unjudged. */
	n = fr_ip(f, GWMAC, mac_a, ip_a, IP4(10, 0, 0, 6), IPPROTO_TCP, 40004, 443,
	          TCP_SYN | TCP_FIN, 0);
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EACCES);
	ck_assert_uint_eq(fr_rd32(sa->last + 14 + 20 + 8), 1000 + 2);
	n = fr_ip(f, GWMAC, mac_a, ip_a, IP4(10, 0, 0, 6), IPPROTO_UDP, 1, 443, 0, 0);
	fr_wr16(f + 14 + 6, 0x2000); /* more fragments */
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EACCES);
	netsw_port_stats(pa, &st);
	ck_assert_uint_eq(st.drop_policy, 7);
	ck_assert_uint_eq(st.rst_sent, 5);
}
END_TEST

START_TEST(test_no_uplink)
{
	struct netsw_port_stats st;
	char msg[512];
	size_t n;

	/* Without any rule or publish no uplink is started. */
	ck_assert_int_eq(netsw_uplink_wait(sw, 0, msg, sizeof(msg)), 0);
	/* The switch answers ARP for the gateway and DNS itself. */
	n = fr_arp(f, BCAST, mac_a, 1, mac_a, ip_a, NULL, GW);
	ck_assert_int_eq(netsw_port_input(pa, f, n), 0);
	ck_assert_int_eq(sa->n, 1);
	ck_assert_int_eq(sb->n, 0);
	ck_assert_uint_eq(fr_rd16(sa->last + 14 + 6), 2);
	ck_assert_mem_eq(sa->last + 14 + 8, GWMAC, 6);
	ck_assert_uint_eq(fr_rd32(sa->last + 14 + 14), GW);
	ck_assert_mem_eq(sa->last + 14 + 18, mac_a, 6);
	ck_assert_uint_eq(fr_rd32(sa->last + 14 + 24), ip_a);
	n = fr_arp(f, BCAST, mac_a, 1, mac_a, ip_a, NULL, DNS);
	ck_assert_int_eq(netsw_port_input(pa, f, n), 0);
	ck_assert_uint_eq(sa->last[14 + 8 + 5], 3);
	/* Nothing else was tried. */
	ck_assert_int_eq(nlog, 0);
	/* The first DNS query starts the uplink (here it cannot: logged once, never retried). */
	n = fr_ip(f, GWMAC, mac_a, ip_a, DNS, IPPROTO_UDP, 1000, 53, 0, 20);
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EHOSTUNREACH);
	ck_assert_int_eq(nlog, 1);
	ck_assert_ptr_nonnull(strstr(logbuf, "cannot run the network uplink /nonexistent/"));
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EHOSTUNREACH);
	n = fr_ip(f, GWMAC, mac_a, ip_a, DNS, IPPROTO_TCP, 1001, 53, TCP_SYN, 0);
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EHOSTUNREACH);
	ck_assert_uint_eq(sa->last[14 + 20 + 13], TCP_RST | TCP_ACK);
	ck_assert_int_eq(nlog, 1);
	ck_assert_int_eq(netsw_fds(sw, (struct pollfd[1]){ 0 }, 1), 0);
	/* The switch still answers ARP itself. */
	sa->n = 0;
	n = fr_arp(f, BCAST, mac_a, 1, mac_a, ip_a, NULL, DNS);
	ck_assert_int_eq(netsw_port_input(pa, f, n), 0);
	ck_assert_int_eq(sa->n, 1);
	/* Nor does a query to another port of the DNS address, or a refused one, start it. */
	rebuild();
	nlog = 0;
	logbuf[0] = '\0';
	n = fr_ip(f, GWMAC, mac_a, ip_a, DNS, IPPROTO_UDP, 1000, 5353, 0, 20);
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EACCES);
	ck_assert_ptr_null(strstr(logbuf, "uplink"));
	ck_assert_int_eq(netsw_uplink_wait(sw, 0, msg, sizeof(msg)), 0);
	sa->n = 0;
	sb->n = 0;

	/* A policy needing an uplink that cannot run: a clear error, then RSTs. */
	nlog = 0;
	ck_assert_int_eq(netsw_policy_allow(&pol, "10.0.0.0/8", NULL, msg, sizeof(msg)), 0);
	rebuild();
	ck_assert_int_eq(netsw_uplink_wait(sw, 1000, msg, sizeof(msg)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(msg, "/nonexistent/nanvix-uplink"));
	n = fr_ip(f, GWMAC, mac_a, ip_a, IP4(10, 0, 0, 5), IPPROTO_TCP, 4000, 443, TCP_SYN, 0);
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EHOSTUNREACH);
	ck_assert_int_eq(sa->n, 1);
	ck_assert_uint_eq(sa->last[14 + 20 + 13], TCP_RST | TCP_ACK);
	netsw_port_stats(pa, &st);
	ck_assert_uint_eq(st.drop_nodest, 1);
	ck_assert_uint_eq(st.drop_policy, 0);
}
END_TEST

/* An ARP request for an address outside the subnet (lwIP asks for link-local
 * ones directly) is answered with the gateway's MAC, nothing is flooded, and
 * what is then sent there meets the policy: the metadata address is refused. */
START_TEST(test_proxy_arp_outside_subnet)
{
	struct netsw_port_stats st;
	size_t n = fr_arp(f, BCAST, mac_a, 1, mac_a, ip_a, NULL, IP4(169, 254, 169, 254));

	ck_assert_int_eq(netsw_port_input(pa, f, n), 0);
	ck_assert_int_eq(sa->n, 1);
	ck_assert_int_eq(sb->n, 0);
	ck_assert_uint_eq(fr_rd16(sa->last + 14 + 6), 2);
	ck_assert_mem_eq(sa->last + 14 + 8, GWMAC, 6);
	ck_assert_uint_eq(fr_rd32(sa->last + 14 + 14), IP4(169, 254, 169, 254));
	ck_assert_uint_eq(fr_rd32(sa->last + 14 + 24), ip_a);
	n = fr_ip(f, GWMAC, mac_a, ip_a, IP4(169, 254, 169, 254), IPPROTO_TCP, 4000, 80, TCP_SYN,
	          0);
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EACCES);
	ck_assert_uint_eq(sa->last[14 + 20 + 13], TCP_RST | TCP_ACK);
	netsw_port_stats(pa, &st);
	ck_assert_uint_eq(st.drop_policy, 1);
}
END_TEST

/* A port is told the gateway's and DNS's MACs by ARP requests "from" them. */
START_TEST(test_port_announce)
{
	netsw_port_announce(pa);
	ck_assert_int_eq(sa->n, 2);
	ck_assert_int_eq(sb->n, 0);
	ck_assert_mem_eq(sa->last, mac_a, 6);
	ck_assert_uint_eq(fr_rd16(sa->last + 14 + 6), 1);
	ck_assert_uint_eq(fr_rd32(sa->last + 14 + 14), DNS);
	ck_assert_uint_eq(sa->last[14 + 8 + 5], 3);
	ck_assert_uint_eq(fr_rd32(sa->last + 14 + 24), ip_a);
}
END_TEST

/* --- ports and switches ------------------------------------------------------------------ */

START_TEST(test_port_add_checks)
{
	static const uint8_t multicast[6] = { 0x53, 0x54, 0, 0x12, 0x34, 0x60 };
	uint8_t mac_c[6];
	uint32_t ip_c;

	ck_assert_int_eq(netsw_addr_for(&cfg, 2, mac_c, &ip_c), 0);
	ck_assert_ptr_null(netsw_port_add(sw, mac_a, ip_c, sink_deliver, NULL));
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_ptr_null(netsw_port_add(sw, mac_c, ip_a, sink_deliver, NULL));
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_ptr_null(netsw_port_add(sw, multicast, ip_c, sink_deliver, NULL));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(netsw_port_add(sw, GWMAC, ip_c, sink_deliver, NULL));
	ck_assert_ptr_null(netsw_port_add(sw, mac_c, GW, sink_deliver, NULL));
	ck_assert_ptr_null(netsw_port_add(sw, mac_c, DNS, sink_deliver, NULL));
	ck_assert_ptr_null(netsw_port_add(sw, mac_c, IP4(10, 0, 2, 0), sink_deliver, NULL));
	ck_assert_ptr_null(netsw_port_add(sw, mac_c, IP4(10, 0, 2, 255), sink_deliver, NULL));
	ck_assert_ptr_null(netsw_port_add(sw, mac_c, IP4(10, 0, 3, 1), sink_deliver, NULL));
	ck_assert_ptr_null(netsw_port_add(sw, mac_c, ip_c, NULL, NULL));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(netsw_addr_for(&cfg, 240, mac_c, &ip_c), -ERANGE);
	/* Removal keeps the counters in the totals; the freed address is reusable. */
	{
		struct netsw_stats st;
		size_t n = fr_ip(f, mac_b, mac_a, ip_a, ip_b, IPPROTO_UDP, 1, 2, 0, 0);

		ck_assert_int_eq(netsw_port_input(pa, f, n), 0);
		netsw_port_remove(pb);
		ck_assert_int_eq(netsw_port_input(pa, f, n), -EHOSTUNREACH);
		netsw_stats(sw, &st);
		ck_assert_uint_eq(st.ports.rx_frames, 2);
		ck_assert_uint_eq(st.ports.tx_frames, 1);
		pb = netsw_port_add(sw, mac_b, ip_b, sink_deliver, sb);
		ck_assert_ptr_nonnull(pb);
	}
}
END_TEST

START_TEST(test_bad_configs)
{
	struct netsw_config c = cfg;

	c.mtu = 100;
	ck_assert_ptr_null(netsw_new(&c));
	c = cfg;
	c.mtu = NETSW_MAX_MTU + 1;
	ck_assert_ptr_null(netsw_new(&c));
	c = cfg;
	c.net.netmask = 0xff00ff00u;
	ck_assert_ptr_null(netsw_new(&c));
	c = cfg;
	c.net.gateway = IP4(10, 0, 3, 2);
	ck_assert_ptr_null(netsw_new(&c));
	c = cfg;
	c.net.subnet = IP4(10, 0, 2, 1);
	ck_assert_ptr_null(netsw_new(&c));
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* A /16 tenant of thousands of ports: two MAC bytes, lookups by hash, removal. */
START_TEST(test_large_tenant)
{
	enum { PORTS = 3000 };
	struct netsw_config big;
	struct netsw *s;
	struct netsw_port **p = calloc(PORTS, sizeof(*p));
	int *hits = calloc(PORTS, sizeof(*hits));
	uint8_t mac[6], mac_x[6];
	uint32_t ip, ip_x;
	size_t n;

	netsw_config_large(&big);
	ck_assert_int_eq(netsw_addr_for(&big, 0, mac, &ip), 0);
	ck_assert_int_eq(mac[4], 0x34);
	ck_assert_int_eq(mac[5], 0x56);
	ck_assert_uint_eq(ip, IP4(10, 0, 2, 15));
	ck_assert_int_eq(netsw_addr_for(&big, 1000, mac, &ip), 0);
	ck_assert_int_eq(mac[4], 0x38);
	ck_assert_int_eq(mac[5], 0x3e);
	ck_assert_uint_eq(ip, IP4(10, 0, 5, 247));
	ck_assert_int_eq(netsw_addr_for(&big, 0xffff - 0x3456 + 1, mac, &ip), -ERANGE);
	s = netsw_new(&big);
	ck_assert_ptr_nonnull(s);
	for (int i = 0; i < PORTS; i++) {
		ck_assert_int_eq(netsw_addr_for(&big, (unsigned)i, mac, &ip), 0);
		p[i] = netsw_port_add(s, mac, ip, sink_count, &hits[i]);
		ck_assert_ptr_nonnull(p[i]);
	}
	ck_assert_int_eq(netsw_addr_for(&big, 17, mac, &ip), 0);
	ck_assert_ptr_null(netsw_port_add(s, mac, IP4(10, 0, 200, 1), sink_count, NULL));
	ck_assert_int_eq(errno, EEXIST);
	/* Port 0 asks for port 2999's MAC: only 2999 hears it; then a unicast. */
	ck_assert_int_eq(netsw_addr_for(&big, 0, mac, &ip), 0);
	ck_assert_int_eq(netsw_addr_for(&big, PORTS - 1, mac_x, &ip_x), 0);
	n = fr_arp(f, BCAST, mac, 1, mac, ip, NULL, ip_x);
	ck_assert_int_eq(netsw_port_input(p[0], f, n), 0);
	n = fr_ip(f, mac_x, mac, ip, ip_x, IPPROTO_UDP, 1, 2, 0, 0);
	ck_assert_int_eq(netsw_port_input(p[0], f, n), 0);
	for (int i = 0; i < PORTS - 1; i++)
		ck_assert_int_eq(hits[i], 0);
	ck_assert_int_eq(hits[PORTS - 1], 2);
	/* Removed from the middle: gone from both tables, its address free again. */
	netsw_port_remove(p[PORTS - 1]);
	ck_assert_int_eq(netsw_port_input(p[0], f, n), -EHOSTUNREACH);
	p[PORTS - 1] = netsw_port_add(s, mac_x, ip_x, sink_count, &hits[PORTS - 1]);
	ck_assert_ptr_nonnull(p[PORTS - 1]);
	ck_assert_int_eq(netsw_port_input(p[0], f, n), 0);
	ck_assert_int_eq(hits[PORTS - 1], 3);
	netsw_free(s);
	free(hits);
	free(p);
}
END_TEST

/* Two tenants: nothing one sends reaches the other, whatever MAC it aims at. */
START_TEST(test_switches_are_isolated)
{
	struct netsw *sw2 = netsw_new(&cfg);
	struct sink *s2 = calloc(1, sizeof(*s2));
	struct netsw_port *p2;
	uint8_t mac_c[6];
	uint32_t ip_c;
	size_t n;

	ck_assert_ptr_nonnull(sw2);
	ck_assert_int_eq(netsw_addr_for(&cfg, 2, mac_c, &ip_c), 0);
	p2 = netsw_port_add(sw2, mac_c, ip_c, sink_deliver, s2);
	ck_assert_ptr_nonnull(p2);
	n = fr_ip(f, mac_c, mac_a, ip_a, ip_c, IPPROTO_UDP, 1, 2, 0, 0);
	ck_assert_int_eq(netsw_port_input(pa, f, n), -EHOSTUNREACH);
	n = fr_arp(f, BCAST, mac_a, 1, mac_a, ip_a, NULL, ip_c);
	ck_assert_int_eq(netsw_port_input(pa, f, n), 0);
	n = fr_ip(f, BCAST, mac_a, ip_a, IP4(10, 0, 2, 255), IPPROTO_UDP, 1, 2, 0, 0);
	ck_assert_int_eq(netsw_port_input(pa, f, n), 0);
	ck_assert_int_eq(sb->n, 1);
	ck_assert_int_eq(s2->n, 0);
	/* The same addresses may exist on both switches. */
	ck_assert_ptr_nonnull(netsw_port_add(sw2, mac_a, ip_a, sink_deliver, s2));
	netsw_free(sw2);
	free(s2);
}
END_TEST

/* deliver() that answers at once: nesting is bounded. */
static struct netsw_port *echo_port;
static void echo_deliver(void *ctx, const void *frame, size_t len)
{
	uint8_t g[64];

	memcpy(g, frame, len < sizeof(g) ? len : sizeof(g));
	netsw_port_input(echo_port, g, fr_ip(g, mac_a, mac_b, ip_b, ip_a, IPPROTO_UDP, 1, 2, 0, 0));
}

static int a_count;
static void count_and_echo(void *ctx, const void *frame, size_t len)
{
	uint8_t g[64];

	a_count++;
	netsw_port_input(pa, g, fr_ip(g, mac_b, mac_a, ip_a, ip_b, IPPROTO_UDP, 1, 2, 0, 0));
}

START_TEST(test_reentrant_delivery_is_bounded)
{
	struct netsw_stats st;
	size_t n;

	netsw_free(sw);
	sw = netsw_new(&cfg);
	pa = netsw_port_add(sw, mac_a, ip_a, count_and_echo, NULL);
	pb = netsw_port_add(sw, mac_b, ip_b, echo_deliver, NULL);
	echo_port = pb;
	n = fr_ip(f, mac_b, mac_a, ip_a, ip_b, IPPROTO_UDP, 1, 2, 0, 0);
	netsw_port_input(pa, f, n);
	ck_assert_int_le(a_count, 4);
	netsw_stats(sw, &st);
	ck_assert_uint_ge(st.ports.drop_nodest, 1);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("netsw/netsw");
	TCase *tc = tcase_create("netsw");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_unicast_between_ports);
	tcase_add_test(tc, test_broadcast_floods_other_ports);
	tcase_add_test(tc, test_large_tenant);
	tcase_add_test(tc, test_anti_spoofing);
	tcase_add_test(tc, test_malformed_frames);
	tcase_add_test(tc, test_random_frames_never_crash);
	tcase_add_test(tc, test_rate_limit);
	tcase_add_test(tc, test_rate_shape);
	tcase_add_test(tc, test_recv_rate);
	tcase_add_loop_test(tc, test_policy_table, 0, sizeof(pcases) / sizeof(pcases[0]));
	tcase_add_test(tc, test_policy_null_denies);
	tcase_add_test(tc, test_bad_specs);
	tcase_add_test(tc, test_hostname_rules);
	tcase_add_test(tc, test_refused_syn_gets_rst);
	tcase_add_test(tc, test_no_uplink);
	tcase_add_test(tc, test_proxy_arp_outside_subnet);
	tcase_add_test(tc, test_port_announce);
	tcase_add_test(tc, test_port_add_checks);
	tcase_add_test(tc, test_bad_configs);
	tcase_add_test(tc, test_switches_are_isolated);
	tcase_add_test(tc, test_reentrant_delivery_is_bounded);
	suite_add_tcase(s, tc);
	return s;
}
