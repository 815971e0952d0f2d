/* Private to the network switch: network-order fields and Internet checksums of frames. */
#ifndef NETSW_WIRE_H
#define NETSW_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

/* Ones'-complement sum of b[n] added to sum (not folded). */
static inline uint32_t csum_add(uint32_t sum, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += rd16(b + i);
	if (n & 1)
		sum += (uint32_t)b[n - 1] << 8;
	return sum;
}

/* The folded sum, not inverted: 0xffff over data whose checksum is right. */
static inline uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The folded sum of a TCP or UDP segment l4[len] of IPv4 header ip, its
 * pseudo header included (the checksum field is whatever l4 holds). */
static inline uint16_t l4_sum(const uint8_t *ip, uint8_t proto, const uint8_t *l4, size_t len)
{
	uint8_t pseudo[12];

	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = proto;
	wr16(pseudo + 10, (uint16_t)len);
	return csum_fold(csum_add(csum_add(0, pseudo, 12), l4, len));
}

#endif /* NETSW_WIRE_H */
