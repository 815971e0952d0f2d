/* libFuzzer target: hostile DNS queries, bare or in Ethernet frames, into the tenant network's DNS responder. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netsw/dns.h>

/*
 * Input: byte 0 picks the mode and the fake resolver's verdict.  Bit 0
 * clear: the rest is a DNS message for dns_answer; set: the rest is an
 * Ethernet frame for dns_frame_parse, whose query (if any) is answered
 * and wrapped by dns_frame_build.  Bits 1-3 pick what the resolver says
 * (NXDOMAIN, SERVFAIL, no address, one, DNS_MAX_ADDRS, more than asked).
 * Checked: nothing reads or writes out of bounds (ASan), every answer is a
 * response to the query's id within the size the client takes, and only
 * clean host names reach the resolver.
 */

#define SERVER 0x0a000203u

static int verdict;

static int resolve(void *ctx, const char *name, uint32_t *out, size_t max)
{
	static const int rcs[8] = { -ENOENT, -EIO, 0, 1, DNS_MAX_ADDRS, 1000, -EAGAIN, 2 };
	int rc = rcs[verdict & 7];

	for (const char *c = name; *c; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.')) {
			fprintf(stderr, "fuzz_dns: the resolver got a bad name\n");
			abort();
		}
	}
	if (strlen(name) >= DNS_NAME_MAX)
		abort();
	for (int i = 0; i < rc && (size_t)i < max; i++)
		out[i] = 0x01020300u + (uint32_t)i;
	return rc;
}

/* Answer msg[len] and check the answer against the query. */
static size_t answer(const uint8_t *msg, size_t len, uint8_t *out, size_t cap)
{
	static const struct dns_server srv = { .host_addr = 0x0a000202u, .resolve = resolve };
	struct dns_query q;
	int rc = dns_parse_query(msg, len, &q);
	size_t n = dns_answer(&srv, msg, len, out, cap);

	if (rc < 0 && n != 0)
		abort(); /* a response or a runt was answered */
	if (rc >= 0 &&
	    (n < DNS_HDR_LEN || out[0] != msg[0] || out[1] != msg[1] || !(out[2] & 0x80)))
		abort();
	if (n > (rc == 0 && q.edns ? q.udp_size : DNS_UDP_MAX))
		abort();
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[2048], frame[2048];
	struct dns_frame_meta m;
	const uint8_t *payload;
	size_t plen, n;

	if (size < 1)
		return 0;
	verdict = data[0] >> 1;
	if (!(data[0] & 1)) {
		answer(data + 1, size - 1, out, sizeof(out));
		return 0;
	}
	if (dns_frame_parse(data + 1, size - 1, SERVER, &m, &payload, &plen) != 1)
		return 0;
	if (payload < data + 1 || payload + plen > data + size)
		abort();
	n = answer(payload, plen, out, sizeof(out));
	if (n && dns_frame_build(&m, 1, out, n, frame, sizeof(frame)) != 14 + 20 + 8 + n)
		abort();
	return 0;
}
