/* The tenant network's DNS responder: a bounded RFC 1035 query decoder and answer encoder. */
#ifndef NETSW_DNS_H
#define NETSW_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The responder answers standard queries sent to the network's DNS address
 * (10.0.2.3:53) over UDP, from inside bin/nanvix-uplink
 * (docs/decisions/0004): one question, QCLASS IN; QTYPE A is resolved
 * (the name `host.internal` is the gateway, every other name goes to a
 * resolver callback: getaddrinfo on the host); every other data type
 * gets an empty NOERROR answer (no IPv6 here: AAAA lookups end at once);
 * meta types (AXFR, ANY, ...) and other classes get NOTIMP.
 *
 * Every query is hostile.  The decoder reads only inside the message,
 * follows compression pointers only strictly backwards (no loops) and at
 * most DNS_MAX_JUMPS times, refuses names over 255 bytes and labels over
 * 63, counts that do not match the records present, and trailing bytes.
 * Nothing here allocates, blocks (but for the resolver callback) or keeps
 * state: every function is safe from any thread.
 *
 * Addresses are IPv4 in host byte order.
 */

#define DNS_PORT      53
#define DNS_HDR_LEN   12
#define DNS_NAME_MAX  255             /* a name in wire form, length octets and root included */
#define DNS_UDP_MAX   512             /* the largest answer without EDNS (RFC 1035 4.2.1) */
#define DNS_EDNS_MAX  1232            /* the payload size we advertise and never exceed */
#define DNS_MAX_JUMPS 16              /* compression pointers followed in one name */
#define DNS_MAX_ADDRS 16              /* A records in one answer */
#define DNS_TTL       10              /* seconds: the host's view may change */
#define DNS_HOST_NAME "host.internal" /* the gateway, i.e. the host's loopback */

/* Header flags and codes (RFC 1035 4.1.1, RFC 6891). */
#define DNS_QR        0x8000
#define DNS_AA        0x0400
#define DNS_TC        0x0200
#define DNS_RD        0x0100
#define DNS_RA        0x0080
#define DNS_OPCODE(f) (((f) >> 11) & 0xf)

enum dns_rcode {
	DNS_NOERROR = 0,
	DNS_FORMERR = 1,
	DNS_SERVFAIL = 2,
	DNS_NXDOMAIN = 3,
	DNS_NOTIMP = 4,
	DNS_REFUSED = 5,
	DNS_BADVERS = 16, /* extended (EDNS): the OPT record's version is not 0 */
};

#define DNS_TYPE_A    1
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_OPT  41
#define DNS_CLASS_IN  1

/* A decoded query: what an answer needs to echo. */
struct dns_query {
	uint16_t id;
	uint16_t flags; /* the query's header flags (opcode, RD are echoed) */
	uint16_t qtype, qclass;
	uint8_t qname[DNS_NAME_MAX]; /* wire form, decompressed, as sent (case kept) */
	size_t qname_len;            /* 0 when the query is answered without its question */
	bool edns;                   /* it carried an OPT record */
	uint8_t edns_version;
	uint16_t udp_size; /* the largest answer it takes: 512, or its OPT's (up to DNS_EDNS_MAX) */
};

/*
 * Decode the DNS message msg[len] into *q.  Returns 0 for a well-formed
 * standard query (one question, no answer or authority records; the
 * additional section may hold one OPT record and other records, which are
 * skipped); a positive rcode when it must be answered with that code and
 * no question (DNS_FORMERR: malformed; DNS_NOTIMP: an opcode other than
 * QUERY), with q->id and q->flags set; or -1 when it gets no answer at
 * all (shorter than a header, or a response: never answer a response).
 */
int dns_parse_query(const uint8_t *msg, size_t len, struct dns_query *q);

/*
 * Encode the answer to *q with `rcode` (DNS_BADVERS only when q->edns)
 * into out[cap]: the question when q->qname_len, then one A record per
 * addrs[0..naddrs) (TTL `ttl`, the name a pointer to the question), then
 * an OPT record when q->edns.  Records that do not fit in q->udp_size
 * (or cap) are left out and TC is set.  Returns the length, or 0 when cap
 * is too small for even the header, question and OPT.
 */
size_t dns_encode_answer(const struct dns_query *q, int rcode, const uint32_t *addrs, size_t naddrs,
                         uint32_t ttl, uint8_t *out, size_t cap);

/*
 * The dotted text of wire name `wire` (wire_len bytes, as in struct
 * dns_query) into text[DNS_NAME_MAX], without a trailing dot ("" for the
 * root).  Returns 0, or -1 when a label holds anything but letters,
 * digits, '-' and '_' (no host name has it; nothing else reaches the
 * host's resolver).
 */
int dns_name_text(const uint8_t *wire, size_t wire_len, char text[DNS_NAME_MAX]);

/*
 * The host's resolver for an A query: up to `max` addresses of `name` (a
 * checked host name) into out[].  Returns how many (0: the name exists
 * but has no IPv4 address), -ENOENT when it does not exist (NXDOMAIN), or
 * another negative errno (SERVFAIL).  May block.
 */
typedef int (*dns_resolve_fn)(void *ctx, const char *name, uint32_t *out, size_t max);

struct dns_server {
	uint32_t host_addr; /* DNS_HOST_NAME resolves to this: the gateway */
	uint32_t ttl;       /* of every record; 0: DNS_TTL */
	dns_resolve_fn resolve;
	void *ctx;
};

/*
 * Answer the query msg[len] (the payload of a UDP datagram to port 53)
 * into out[cap], cap at least DNS_UDP_MAX.  Calls s->resolve for an A
 * query of a name other than DNS_HOST_NAME (so it may block as long as
 * that does).  Returns the answer's length, or 0 when the message gets no
 * answer.
 */
size_t dns_answer(const struct dns_server *s, const uint8_t *msg, size_t len, uint8_t *out,
                  size_t cap);

/* --- the frames around it (Ethernet, IPv4, UDP) ------------------------------------------- */

/* Where a query came from: the reply goes back the same way. */
struct dns_frame_meta {
	uint8_t client_mac[6], server_mac[6];
	uint32_t client_ip, server_ip;
	uint16_t client_port;
};

/*
 * Whether Ethernet frame f[len] is a DNS query for the responder at
 * `server_ip`: an IPv4 datagram of UDP to server_ip.  Returns 1 (a valid
 * query to port 53: *m filled, the payload at *payload, *plen bytes), 0
 * (not UDP to server_ip: not ours), or -1 (UDP to server_ip but to
 * another port, a fragment, or malformed: bad lengths, a wrong IPv4 or
 * nonzero UDP checksum; drop it).
 */
int dns_frame_parse(const uint8_t *f, size_t len, uint32_t server_ip, struct dns_frame_meta *m,
                    const uint8_t **payload, size_t *plen);

/*
 * Build the reply frame (Ethernet, IPv4 with id `ip_id` and DF, UDP from
 * port 53, both checksums) carrying payload[plen] back along *m into
 * out[cap].  Returns the frame's length, or 0 when it does not fit.
 */
size_t dns_frame_build(const struct dns_frame_meta *m, uint16_t ip_id, const uint8_t *payload,
                       size_t plen, uint8_t *out, size_t cap);

#endif /* NETSW_DNS_H */
