/* Frame builders and checksum checks shared by the netsw tests (header-only). */
#ifndef TESTS_UNIT_NETSW_FRAMES_H
#define TESTS_UNIT_NETSW_FRAMES_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define TCP_FIN         0x01
#define TCP_SYN         0x02
#define TCP_RST         0x04
#define TCP_ACK         0x10

static inline uint16_t fr_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t fr_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void fr_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void fr_wr32(uint8_t *p, uint32_t v)
{
	fr_wr16(p, (uint16_t)(v >> 16));
	fr_wr16(p + 2, (uint16_t)v);
}

/* The folded ones'-complement sum of b[n] plus sum: 0xffff over a correct checksummed span. */
static inline uint16_t fr_sum(uint32_t sum, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += fr_rd16(b + i);
	if (n & 1)
		sum += (uint32_t)b[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Whether the IPv4 header checksum and the TCP/UDP checksum of frame f are right. */
static inline int fr_checksums_ok(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14;
	size_t ihl = (size_t)(ip[0] & 15) * 4, tot = fr_rd16(ip + 2);
	uint8_t pseudo[12];

	if (len < 14 + ihl || tot > len - 14)
		return 0;
	if (fr_sum(0, ip, ihl) != 0xffff)
		return 0;
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = ip[9];
	fr_wr16(pseudo + 10, (uint16_t)(tot - ihl));
	return fr_sum(fr_sum(0, pseudo, 12), ip + ihl, tot - ihl) == 0xffff;
}

/* Ethernet + ARP (28 bytes) into f; returns 42. */
static inline size_t fr_arp(uint8_t *f, const uint8_t *dmac, const uint8_t *smac, uint16_t op,
                            const uint8_t *sha, uint32_t spa, const uint8_t *tha, uint32_t tpa)
{
	static const uint8_t zero[6];
	uint8_t *a = f + 14;

	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	fr_wr16(f + 12, 0x0806);
	fr_wr16(a, 1);
	fr_wr16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	fr_wr16(a + 6, op);
	memcpy(a + 8, sha, 6);
	fr_wr32(a + 14, spa);
	memcpy(a + 18, tha ? tha : zero, 6);
	fr_wr32(a + 24, tpa);
	return 42;
}

/*
 * Ethernet + IPv4 (20) + TCP (20) / UDP (8) / ICMP echo (8) + `payload`
 * zero bytes into f, with correct checksums; returns the frame length.
 */
static inline size_t fr_ip(uint8_t *f, const uint8_t *dmac, const uint8_t *smac, uint32_t src,
                           uint32_t dst, uint8_t proto, uint16_t sport, uint16_t dport,
                           uint8_t tcpflags, size_t payload)
{
	uint8_t *ip = f + 14, *l4 = ip + 20, pseudo[12];
	size_t l4len = (proto == IPPROTO_TCP ? 20 : 8) + payload;
	uint16_t s;

	memset(f, 0, 14 + 20 + l4len);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	fr_wr16(f + 12, 0x0800);
	ip[0] = 0x45;
	fr_wr16(ip + 2, (uint16_t)(20 + l4len));
	ip[8] = 64;
	ip[9] = proto;
	fr_wr32(ip + 12, src);
	fr_wr32(ip + 16, dst);
	fr_wr16(ip + 10, (uint16_t)~fr_sum(0, ip, 20));
	if (proto == IPPROTO_TCP) {
		fr_wr16(l4, sport);
		fr_wr16(l4 + 2, dport);
		fr_wr32(l4 + 4, 1000);
		l4[12] = 5 << 4;
		l4[13] = tcpflags;
		fr_wr16(l4 + 14, 65535);
	} else if (proto == IPPROTO_UDP) {
		fr_wr16(l4, sport);
		fr_wr16(l4 + 2, dport);
		fr_wr16(l4 + 4, (uint16_t)l4len);
	} else {
		l4[0] = 8; /* echo request */
	}
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		memcpy(pseudo, ip + 12, 8);
		pseudo[8] = 0;
		pseudo[9] = proto;
		fr_wr16(pseudo + 10, (uint16_t)l4len);
		s = (uint16_t)~fr_sum(fr_sum(0, pseudo, 12), l4, l4len);
		fr_wr16(l4 + (proto == IPPROTO_TCP ? 16 : 6), s);
	}
	return 14 + 20 + l4len;
}

#endif /* TESTS_UNIT_NETSW_FRAMES_H */
