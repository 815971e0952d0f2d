/* The tenant network's DNS responder: decode a hostile query, answer it, wrap it in a frame. */

/*
 * Design.  Guests ask 10.0.2.3 for names; the answer comes from the host's
 * resolver (getaddrinfo, so /etc/hosts names work), reached through a
 * callback that bin/nanvix-uplink runs in its worker threads.  This file
 * is pure: bytes in, bytes out, every read checked against the message
 * length before it happens.  A query is decoded completely (the question,
 * then every additional record, then nothing left over) before anything
 * is answered: check, then act.
 *
 * Compression pointers are legal anywhere a name is, so the decoder
 * follows them, but only strictly backwards from where the current run of
 * labels began: each jump lands lower than the last, so a loop cannot be
 * written, and DNS_MAX_JUMPS bounds the work.  Answers use one pointer per
 * record, to the question at offset 12.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <netsw/dns.h>

#include "wire.h"

#define ETH_HLEN 14
#define IP_HLEN  20
#define UDP_HLEN 8

/*
 * Decode the name at m[*off] into wire[DNS_NAME_MAX] (decompressed),
 * *wlen bytes; *off moves past the name as it sits in the message (after
 * its first pointer, if any).  0, or -1 when malformed.
 */
static int name_decode(const uint8_t *m, size_t len, size_t *off, uint8_t *wire, size_t *wlen)
{
	size_t p = *off, run = *off, w = 0, end = 0;
	int jumps = 0;

	for (;;) {
		uint8_t l;

		if (p >= len)
			return -1;
		l = m[p];
		if ((l & 0xc0) == 0xc0) {
			size_t t;

			if (p + 1 >= len || ++jumps > DNS_MAX_JUMPS)
				return -1;
			t = (size_t)(l & 0x3f) << 8 | m[p + 1];
			/* Strictly before this run of labels, and not into the header. */
			if (t < DNS_HDR_LEN || t >= run)
				return -1;
			if (jumps == 1)
				end = p + 2;
			p = run = t;
			continue;
		}
		if (l & 0xc0) /* 0x40 and 0x80: extended and reserved label types */
			return -1;
		if (l == 0) {
			if (w + 1 > DNS_NAME_MAX)
				return -1;
			wire[w++] = 0;
			*wlen = w;
			*off = jumps ? end : p + 1;
			return 0;
		}
		if (p + 1 + l > len || w + 1 + l + 1 > DNS_NAME_MAX)
			return -1;
		memcpy(wire + w, m + p, 1 + (size_t)l);
		w += 1 + (size_t)l;
		p += 1 + (size_t)l;
	}
}

int dns_name_text(const uint8_t *wire, size_t wire_len, char text[DNS_NAME_MAX])
{
	size_t p = 0, t = 0;

	if (wire_len > DNS_NAME_MAX)
		return -1;
	while (p < wire_len && wire[p] != 0) {
		size_t l = wire[p];

		if (l > 63 || p + 1 + l >= wire_len)
			return -1;
		if (t)
			text[t++] = '.';
		for (size_t i = 0; i < l; i++) {
			char c = (char)wire[p + 1 + i];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-' || c == '_'))
				return -1;
			text[t++] = c;
		}
		p += 1 + l;
	}
	if (p >= wire_len) /* no root label */
		return -1;
	text[t] = '\0'; /* t < wire_len <= DNS_NAME_MAX: each label's length octet became a dot */
	return 0;
}

/* Skip one resource record at m[*off]; an OPT record fills q's EDNS fields.  0 or -1. */
static int skip_rr(const uint8_t *m, size_t len, size_t *off, struct dns_query *q)
{
	uint8_t name[DNS_NAME_MAX];
	size_t nlen, p = *off, rdlen;
	uint16_t type;

	if (name_decode(m, len, &p, name, &nlen) < 0 || len - p < 10)
		return -1;
	type = rd16(m + p);
	rdlen = rd16(m + p + 8);
	if (len - p - 10 < rdlen)
		return -1;
	if (type == DNS_TYPE_OPT) {
		uint16_t size = rd16(m + p + 2);

		/* One OPT, owned by the root (RFC 6891 6.1.1). */
		if (q->edns || nlen != 1)
			return -1;
		q->edns = true;
		q->edns_version = m[p + 5];
		q->udp_size = size < DNS_UDP_MAX    ? DNS_UDP_MAX
		              : size > DNS_EDNS_MAX ? DNS_EDNS_MAX
		                                    : size;
	}
	*off = p + 10 + rdlen;
	return 0;
}

int dns_parse_query(const uint8_t *msg, size_t len, struct dns_query *q)
{
	size_t off = DNS_HDR_LEN;
	uint16_t flags, qd, an, ns, ar;

	memset(q, 0, sizeof(*q));
	q->udp_size = DNS_UDP_MAX;
	if (len < DNS_HDR_LEN)
		return -1;
	flags = rd16(msg + 2);
	if (flags & DNS_QR)
		return -1;
	q->id = rd16(msg);
	q->flags = flags;
	if (DNS_OPCODE(flags) != 0)
		return DNS_NOTIMP;
	qd = rd16(msg + 4);
	an = rd16(msg + 6);
	ns = rd16(msg + 8);
	ar = rd16(msg + 10);
	if (qd != 1 || an != 0 || ns != 0)
		return DNS_FORMERR;
	if (name_decode(msg, len, &off, q->qname, &q->qname_len) < 0 || len - off < 4)
		goto formerr;
	q->qtype = rd16(msg + off);
	q->qclass = rd16(msg + off + 2);
	off += 4;
	for (unsigned i = 0; i < ar; i++)
		if (skip_rr(msg, len, &off, q) < 0)
			goto formerr;
	if (off != len) /* trailing bytes */
		goto formerr;
	return 0;
formerr:
	/* Answer without the question, and as if no OPT had come: it was not understood. */
	q->qname_len = 0;
	q->edns = false;
	q->udp_size = DNS_UDP_MAX;
	return DNS_FORMERR;
}

size_t dns_encode_answer(const struct dns_query *q, int rcode, const uint32_t *addrs, size_t naddrs,
                         uint32_t ttl, uint8_t *out, size_t cap)
{
	size_t limit = q->edns ? q->udp_size : DNS_UDP_MAX;
	size_t fixed = DNS_HDR_LEN + (q->qname_len ? q->qname_len + 4 : 0) + (q->edns ? 11 : 0);
	size_t n = naddrs, off = DNS_HDR_LEN;
	uint16_t flags;
	bool tc = false;

	if (limit > cap)
		limit = cap;
	if (q->qname_len > DNS_NAME_MAX || fixed > limit || (rcode > 15 && !q->edns) || rcode < 0 ||
	    rcode > 0xfff || (!q->qname_len && n))
		return 0;
	if (n > (limit - fixed) / 16) {
		n = (limit - fixed) / 16;
		tc = true;
	}
	flags = DNS_QR | (q->flags & (0xf << 11)) | (q->flags & DNS_RD) | DNS_RA |
	        (uint16_t)(rcode & 0xf);
	if (tc)
		flags |= DNS_TC;
	wr16(out, q->id);
	wr16(out + 2, flags);
	wr16(out + 4, q->qname_len ? 1 : 0);
	wr16(out + 6, (uint16_t)n);
	wr16(out + 8, 0);
	wr16(out + 10, q->edns ? 1 : 0);
	if (q->qname_len) {
		memcpy(out + off, q->qname, q->qname_len);
		off += q->qname_len;
		wr16(out + off, q->qtype);
		wr16(out + off + 2, q->qclass);
		off += 4;
	}
	for (size_t i = 0; i < n; i++) {
		wr16(out + off, 0xc000 | DNS_HDR_LEN); /* the question's name */
		wr16(out + off + 2, DNS_TYPE_A);
		wr16(out + off + 4, DNS_CLASS_IN);
		wr32(out + off + 6, ttl);
		wr16(out + off + 10, 4);
		wr32(out + off + 12, addrs[i]);
		off += 16;
	}
	if (q->edns) {
		out[off] = 0; /* the root */
		wr16(out + off + 1, DNS_TYPE_OPT);
		wr16(out + off + 3, DNS_EDNS_MAX);
		wr32(out + off + 5, (uint32_t)(rcode >> 4) << 24); /* version 0, no DO */
		wr16(out + off + 9, 0);
		off += 11;
	}
	return off;
}

/* Query types that are not data: IXFR, AXFR, MAILB, MAILA, ANY; and type 0. */
static bool meta_type(uint16_t t)
{
	return t == 0 || (t >= 251 && t <= 255);
}

size_t dns_answer(const struct dns_server *s, const uint8_t *msg, size_t len, uint8_t *out,
                  size_t cap)
{
	uint32_t addrs[DNS_MAX_ADDRS], ttl = s->ttl ? s->ttl : DNS_TTL;
	char name[DNS_NAME_MAX];
	struct dns_query q;
	int rc, n = 0;

	if (cap < DNS_UDP_MAX)
		return 0;
	rc = dns_parse_query(msg, len, &q);
	if (rc < 0)
		return 0;
	if (rc > 0)
		return dns_encode_answer(&q, rc, NULL, 0, ttl, out, cap);
	if (q.edns && q.edns_version != 0)
		return dns_encode_answer(&q, DNS_BADVERS, NULL, 0, ttl, out, cap);
	if (q.qclass != DNS_CLASS_IN || meta_type(q.qtype))
		return dns_encode_answer(&q, DNS_NOTIMP, NULL, 0, ttl, out, cap);
	if (q.qtype != DNS_TYPE_A) /* AAAA and the rest: no data here */
		return dns_encode_answer(&q, DNS_NOERROR, NULL, 0, ttl, out, cap);
	if (dns_name_text(q.qname, q.qname_len, name) < 0)
		return dns_encode_answer(&q, DNS_NXDOMAIN, NULL, 0, ttl, out, cap);
	if (strcasecmp(name, DNS_HOST_NAME) == 0) {
		addrs[0] = s->host_addr;
		n = 1;
	} else if (name[0] != '\0' && s->resolve) {
		n = s->resolve(s->ctx, name, addrs, DNS_MAX_ADDRS);
		if (n == -ENOENT)
			return dns_encode_answer(&q, DNS_NXDOMAIN, NULL, 0, ttl, out, cap);
		if (n < 0)
			return dns_encode_answer(&q, DNS_SERVFAIL, NULL, 0, ttl, out, cap);
		if (n > DNS_MAX_ADDRS)
			n = DNS_MAX_ADDRS;
	}
	return dns_encode_answer(&q, DNS_NOERROR, addrs, (size_t)n, ttl, out, cap);
}

/* --- frames -------------------------------------------------------------------------------- */

int dns_frame_parse(const uint8_t *f, size_t len, uint32_t server_ip, struct dns_frame_meta *m,
                    const uint8_t **payload, size_t *plen)
{
	const uint8_t *ip = f + ETH_HLEN, *udp;
	size_t ihl, tot, ulen;

	if (len < ETH_HLEN + IP_HLEN || rd16(f + 12) != 0x0800 || (ip[0] >> 4) != 4 ||
	    ip[9] != 17 || rd32(ip + 16) != server_ip)
		return 0;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	tot = rd16(ip + 2);
	if (ihl < IP_HLEN || tot < ihl + UDP_HLEN || tot > len - ETH_HLEN ||
	    (rd16(ip + 6) & 0x3fff) || csum_fold(csum_add(0, ip, ihl)) != 0xffff)
		return -1;
	udp = ip + ihl;
	ulen = rd16(udp + 4);
	if (ulen < UDP_HLEN || ulen > tot - ihl || rd16(udp + 2) != DNS_PORT ||
	    (rd16(udp + 6) != 0 && l4_sum(ip, 17, udp, ulen) != 0xffff))
		return -1;
	memcpy(m->client_mac, f + 6, 6);
	memcpy(m->server_mac, f, 6);
	m->client_ip = rd32(ip + 12);
	m->server_ip = server_ip;
	m->client_port = rd16(udp);
	*payload = udp + UDP_HLEN;
	*plen = ulen - UDP_HLEN;
	return 1;
}

size_t dns_frame_build(const struct dns_frame_meta *m, uint16_t ip_id, const uint8_t *payload,
                       size_t plen, uint8_t *out, size_t cap)
{
	uint8_t *ip = out + ETH_HLEN, *udp = ip + IP_HLEN;
	size_t ulen = UDP_HLEN + plen, tot = IP_HLEN + ulen;
	uint16_t sum;

	if (plen > 0xffff - IP_HLEN - UDP_HLEN || cap < ETH_HLEN + tot)
		return 0;
	memcpy(out, m->client_mac, 6);
	memcpy(out + 6, m->server_mac, 6);
	wr16(out + 12, 0x0800);
	memset(ip, 0, IP_HLEN);
	ip[0] = 0x45;
	wr16(ip + 2, (uint16_t)tot);
	wr16(ip + 4, ip_id);
	wr16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = 17;
	wr32(ip + 12, m->server_ip);
	wr32(ip + 16, m->client_ip);
	wr16(ip + 10, (uint16_t)~csum_fold(csum_add(0, ip, IP_HLEN)));
	wr16(udp, DNS_PORT);
	wr16(udp + 2, m->client_port);
	wr16(udp + 4, (uint16_t)ulen);
	wr16(udp + 6, 0);
	memmove(udp + UDP_HLEN, payload, plen);
	sum = (uint16_t)~l4_sum(ip, 17, udp, ulen);
	wr16(udp + 6, sum ? sum : 0xffff);
	return ETH_HLEN + tot;
}
