/* Check tests of the DNS responder's codec: valid queries, every malformed case, the answers' wire format, the frames. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netsw/dns.h>

#include "frames.h"
#include "runner.h"

#define GW  IP4(10, 0, 2, 2)
#define DNS IP4(10, 0, 2, 3)
#define VM  IP4(10, 0, 2, 15)

/* The fake host resolver: what it saw and what it answers. */
static struct {
	int calls;
	char name[DNS_NAME_MAX];
	int rc; /* >= 0: that many addresses 1.2.3.(1..rc) */
} res;

static int fake_resolve(void *ctx, const char *name, uint32_t *out, size_t max)
{
	res.calls++;
	snprintf(res.name, sizeof(res.name), "%s", name);
	for (int i = 0; i < res.rc && (size_t)i < max; i++)
		out[i] = IP4(1, 2, 3, i + 1);
	return res.rc;
}

static const struct dns_server srv = { .host_addr = GW, .resolve = fake_resolve };
static uint8_t q[2048], a[2048];

static void setup(void)
{
	memset(&res, 0, sizeof(res));
	res.rc = 1;
}

/* Header: id, flags and the four counts. */
static size_t hdr(uint8_t *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns,
                  uint16_t ar)
{
	fr_wr16(m, id);
	fr_wr16(m + 2, flags);
	fr_wr16(m + 4, qd);
	fr_wr16(m + 6, an);
	fr_wr16(m + 8, ns);
	fr_wr16(m + 10, ar);
	return 12;
}

/* A dotted name in wire form at m; returns its length. */
static size_t name(uint8_t *m, const char *dotted)
{
	size_t o = 0;
	const char *s = dotted;

	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);

		m[o++] = (uint8_t)l;
		memcpy(m + o, s, l);
		o += l;
		s += l + (dot ? 1 : 0);
	}
	m[o++] = 0;
	return o;
}

/* A standard query (RD) for dotted/qtype/IN with id 0x1234; returns its length. */
static size_t query(uint8_t *m, const char *dotted, uint16_t qtype)
{
	size_t o = hdr(m, 0x1234, DNS_RD, 1, 0, 0, 0);

	o += name(m + o, dotted);
	fr_wr16(m + o, qtype);
	fr_wr16(m + o + 2, DNS_CLASS_IN);
	return o + 4;
}

/* An OPT record (payload size, version) at m; returns 11. */
static size_t opt(uint8_t *m, uint16_t size, uint8_t version)
{
	m[0] = 0;
	fr_wr16(m + 1, DNS_TYPE_OPT);
	fr_wr16(m + 3, size);
	m[5] = 0;
	m[6] = version;
	fr_wr16(m + 7, 0x8000); /* DO */
	fr_wr16(m + 9, 0);
	return 11;
}

static size_t answer(size_t qlen)
{
	return dns_answer(&srv, q, qlen, a, sizeof(a));
}

static int rcode(void)
{
	return a[3] & 0xf;
}

/* An answer with no question and rcode rc, to a query of id 0x1234. */
static void assert_bare(size_t n, int rc)
{
	ck_assert_uint_eq(n, 12);
	ck_assert_uint_eq(fr_rd16(a), 0x1234);
	ck_assert(a[2] & 0x80);
	ck_assert_int_eq(rcode(), rc);
	ck_assert_uint_eq(fr_rd16(a + 4), 0);
	ck_assert_uint_eq(fr_rd16(a + 6), 0);
	ck_assert_uint_eq(fr_rd16(a + 10), 0);
}

/* --- valid queries ------------------------------------------------------------------------ */

/* The whole wire format of an A answer with two records. */
START_TEST(test_a_wire_format)
{
	size_t n = query(q, "Example.com", DNS_TYPE_A), ql = n - 12;
	const uint8_t *r;

	res.rc = 2;
	n = answer(n);
	ck_assert_int_eq(res.calls, 1);
	ck_assert_str_eq(res.name, "Example.com");
	ck_assert_uint_eq(n, 12 + ql + 2 * 16);
	ck_assert_uint_eq(fr_rd16(a), 0x1234);
	ck_assert_uint_eq(fr_rd16(a + 2), DNS_QR | DNS_RD | DNS_RA); /* NOERROR, no TC, no AA */
	ck_assert_uint_eq(fr_rd16(a + 4), 1);
	ck_assert_uint_eq(fr_rd16(a + 6), 2);
	ck_assert_uint_eq(fr_rd16(a + 8), 0);
	ck_assert_uint_eq(fr_rd16(a + 10), 0);
	ck_assert_mem_eq(a + 12, q + 12, ql); /* the question, case kept */
	for (int i = 0; i < 2; i++) {
		r = a + 12 + ql + 16 * i;
		ck_assert_uint_eq(fr_rd16(r), 0xc00c);
		ck_assert_uint_eq(fr_rd16(r + 2), DNS_TYPE_A);
		ck_assert_uint_eq(fr_rd16(r + 4), DNS_CLASS_IN);
		ck_assert_uint_eq(fr_rd32(r + 6), DNS_TTL);
		ck_assert_uint_eq(fr_rd16(r + 10), 4);
		ck_assert_uint_eq(fr_rd32(r + 12), IP4(1, 2, 3, i + 1));
	}
	/* Without RD, none in the answer. */
	n = query(q, "example.com", DNS_TYPE_A);
	fr_wr16(q + 2, 0);
	ck_assert_uint_gt(answer(n), 0);
	ck_assert_uint_eq(fr_rd16(a + 2), DNS_QR | DNS_RA);
}
END_TEST

/* host.internal is the gateway, in any case, without asking the host. */
START_TEST(test_host_internal)
{
	size_t n = query(q, "HOST.Internal", DNS_TYPE_A);

	ck_assert_uint_eq(answer(n), n + 16);
	ck_assert_int_eq(res.calls, 0);
	ck_assert_uint_eq(fr_rd16(a + 6), 1);
	ck_assert_uint_eq(fr_rd32(a + n + 12), GW);
	/* Only the exact name. */
	n = query(q, "x.host.internal", DNS_TYPE_A);
	answer(n);
	ck_assert_int_eq(res.calls, 1);
}
END_TEST

/* AAAA and other data types: an empty NOERROR answer with the question; meta types and classes: NOTIMP. */
START_TEST(test_other_types)
{
	static const uint16_t empty[] = { DNS_TYPE_AAAA, 15 /* MX */, 16 /* TXT */, 12 /* PTR */ };
	static const uint16_t notimp[] = { 0, 251, 252, 255 };
	size_t n;

	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		n = query(q, "localhost", empty[i]);
		ck_assert_uint_eq(answer(n), n);
		ck_assert_int_eq(rcode(), DNS_NOERROR);
		ck_assert_uint_eq(fr_rd16(a + 4), 1);
		ck_assert_uint_eq(fr_rd16(a + 6), 0);
		ck_assert_mem_eq(a + 12, q + 12, n - 12);
	}
	for (size_t i = 0; i < sizeof(notimp) / sizeof(notimp[0]); i++) {
		n = query(q, "localhost", notimp[i]);
		ck_assert_uint_eq(answer(n), n);
		ck_assert_int_eq(rcode(), DNS_NOTIMP);
	}
	n = query(q, "localhost", DNS_TYPE_A);
	fr_wr16(q + n - 2, 3); /* CHAOS */
	ck_assert_uint_eq(answer(n), n);
	ck_assert_int_eq(rcode(), DNS_NOTIMP);
	ck_assert_int_eq(res.calls, 0);
}
END_TEST

/* The resolver's verdicts: NXDOMAIN, SERVFAIL, no address, too many addresses. */
START_TEST(test_resolver_results)
{
	size_t n = query(q, "nowhere.example", DNS_TYPE_A);

	res.rc = -ENOENT;
	ck_assert_uint_eq(answer(n), n);
	ck_assert_int_eq(rcode(), DNS_NXDOMAIN);
	res.rc = -EIO;
	ck_assert_uint_eq(answer(n), n);
	ck_assert_int_eq(rcode(), DNS_SERVFAIL);
	res.rc = 0;
	ck_assert_uint_eq(answer(n), n);
	ck_assert_int_eq(rcode(), DNS_NOERROR);
	ck_assert_uint_eq(fr_rd16(a + 6), 0);
	res.rc = 100; /* a resolver that overstates: at most DNS_MAX_ADDRS */
	ck_assert_uint_eq(answer(n), n + 16 * DNS_MAX_ADDRS);
	ck_assert_uint_eq(fr_rd16(a + 6), DNS_MAX_ADDRS);
	/* The root has no address; nothing is asked. */
	res.calls = 0;
	n = query(q, "", DNS_TYPE_A);
	ck_assert_uint_eq(answer(n), n);
	ck_assert_int_eq(rcode(), DNS_NOERROR);
	ck_assert_int_eq(res.calls, 0);
}
END_TEST

/* Names no host can have never reach the host's resolver: NXDOMAIN. */
START_TEST(test_bad_name_chars)
{
	static const char *bad[] = { "a b.com", "a\\.com", "x/y", "*.example", "caf\xc3\xa9" };
	size_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = query(q, bad[i], DNS_TYPE_A);
		ck_assert_uint_eq(answer(n), n);
		ck_assert_int_eq(rcode(), DNS_NXDOMAIN);
	}
	/* A dot and a NUL inside a label. */
	n = hdr(q, 0x1234, 0, 1, 0, 0, 0);
	memcpy(q + n,
	       "\x03"
	       "a.b\x03"
	       "c\0d\0\0\x01\0\x01",
	       13);
	ck_assert_uint_eq(answer(n + 13), n + 13);
	ck_assert_int_eq(rcode(), DNS_NXDOMAIN);
	ck_assert_int_eq(res.calls, 0);
	n = query(q, "ok-name_1.example", DNS_TYPE_A);
	answer(n);
	ck_assert_int_eq(res.calls, 1);
}
END_TEST

/* EDNS: our OPT in the answer (size 1232, DO cleared); version 1 is BADVERS. */
START_TEST(test_edns)
{
	size_t n = query(q, "localhost", DNS_TYPE_A);
	const uint8_t *o;

	fr_wr16(q + 10, 1);
	n += opt(q + n, 4096, 0);
	ck_assert_uint_eq(answer(n), n + 16);
	ck_assert_uint_eq(fr_rd16(a + 10), 1);
	o = a + n + 16 - 11;
	ck_assert_uint_eq(o[0], 0);
	ck_assert_uint_eq(fr_rd16(o + 1), DNS_TYPE_OPT);
	ck_assert_uint_eq(fr_rd16(o + 3), DNS_EDNS_MAX);
	ck_assert_uint_eq(fr_rd32(o + 5), 0);
	ck_assert_uint_eq(fr_rd16(o + 9), 0);

	n = query(q, "localhost", DNS_TYPE_A);
	fr_wr16(q + 10, 1);
	n += opt(q + n, 4096, 1);
	ck_assert_uint_eq(answer(n), n);
	ck_assert_int_eq(rcode(), 0);
	ck_assert_uint_eq(fr_rd32(a + n - 11 + 5), 1u << 24); /* extended rcode 16 */
	ck_assert_uint_eq(fr_rd16(a + 6), 0);

	/* Two OPTs, or one owned by a name: FORMERR. */
	n = query(q, "localhost", DNS_TYPE_A);
	fr_wr16(q + 10, 2);
	n += opt(q + n, 4096, 0);
	n += opt(q + n, 4096, 0);
	assert_bare(answer(n), DNS_FORMERR);
	n = query(q, "localhost", DNS_TYPE_A);
	fr_wr16(q + 10, 1);
	q[n] = 1;
	q[n + 1] = 'x';
	n += 2 + opt(q + n + 2, 4096, 0); /* owned by "x" */
	assert_bare(answer(n), DNS_FORMERR);
}
END_TEST

/* Compression in the additional section: backwards pointers, chains of them. */
START_TEST(test_valid_pointers)
{
	size_t n = query(q, "example.com", DNS_TYPE_A), r1;

	fr_wr16(q + 10, 2);
	r1 = n;
	memcpy(q + n, "\x01x\xc0\x0c", 4); /* x.example.com */
	n += 4;
	memset(q + n, 0, 10);
	n += 10;
	fr_wr16(q + n, (uint16_t)(0xc000 | r1)); /* -> x.example.com */
	n += 2;
	memset(q + n, 0, 8);
	fr_wr16(q + n + 8, 2); /* rdlength 2 */
	n += 10 + 2;
	ck_assert_uint_eq(answer(n), query(q + 1024, "example.com", DNS_TYPE_A) + 16);
	ck_assert_int_eq(rcode(), DNS_NOERROR);
	ck_assert_int_eq(res.calls, 1);
}
END_TEST

/* TC when the records do not fit in 512 bytes: whole records only. */
START_TEST(test_truncation)
{
	char big[256];
	size_t n;

	/* 4 labels of 61 + "x": 251 bytes on the wire. */
	memset(big, 'a', sizeof(big));
	big[61] = big[123] = big[185] = big[247] = '.';
	big[248] = 'x';
	big[249] = '\0';
	n = query(q, big, DNS_TYPE_A);
	ck_assert_uint_eq(n, 12 + 251 + 4);
	res.rc = DNS_MAX_ADDRS;
	ck_assert_uint_eq(answer(n), n + 16 * ((512 - n) / 16));
	ck_assert(fr_rd16(a + 2) & DNS_TC);
	ck_assert_uint_eq(fr_rd16(a + 6), (512 - n) / 16);
	/* With EDNS the larger size holds them all. */
	fr_wr16(q + 10, 1);
	n += opt(q + n, 1232, 0);
	ck_assert_uint_eq(answer(n), n + 16 * DNS_MAX_ADDRS);
	ck_assert(!(fr_rd16(a + 2) & DNS_TC));
	/* An EDNS size below 512 counts as 512. */
	n -= 11;
	n += opt(q + n, 100, 0);
	ck_assert_uint_le(answer(n), 512);
	ck_assert(fr_rd16(a + 2) & DNS_TC);
}
END_TEST

/* --- malformed queries -------------------------------------------------------------------- */

/* No answer at all: shorter than a header, or a response. */
START_TEST(test_dropped)
{
	size_t n = query(q, "localhost", DNS_TYPE_A);

	for (size_t l = 0; l < 12; l++)
		ck_assert_uint_eq(answer(l), 0);
	ck_assert_uint_eq(dns_answer(&srv, q, n, a, 511), 0); /* too small an out buffer */
	q[2] |= 0x80;                                         /* QR */
	ck_assert_uint_eq(answer(n), 0);
	ck_assert_int_eq(res.calls, 0);
}
END_TEST

START_TEST(test_bad_opcode)
{
	size_t n = query(q, "localhost", DNS_TYPE_A);

	fr_wr16(q + 2, 2 << 11 | DNS_RD); /* STATUS */
	n = answer(n);
	assert_bare(n, DNS_NOTIMP);
	ck_assert_uint_eq(fr_rd16(a + 2), DNS_QR | 2 << 11 | DNS_RD | DNS_RA | DNS_NOTIMP);
}
END_TEST

START_TEST(test_bad_counts)
{
	static const uint16_t counts[][4] = { { 0, 0, 0, 0 },    { 2, 0, 0, 0 }, { 1, 1, 0, 0 },
		                              { 1, 0, 1, 0 },    { 1, 0, 0, 1 }, { 65535, 0, 0, 0 },
		                              { 1, 0, 0, 65535 } };

	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		size_t n = query(q, "localhost", DNS_TYPE_A);

		hdr(q, 0x1234, DNS_RD, counts[i][0], counts[i][1], counts[i][2], counts[i][3]);
		assert_bare(answer(n), DNS_FORMERR);
	}
	ck_assert_int_eq(res.calls, 0);
}
END_TEST

/* Every prefix of a valid query short of the whole is malformed. */
START_TEST(test_truncated_query)
{
	size_t n = query(q, "www.example.com", DNS_TYPE_A);

	for (size_t l = 12; l < n; l++)
		assert_bare(answer(l), DNS_FORMERR);
	ck_assert_int_eq(res.calls, 0);
}
END_TEST

START_TEST(test_trailing_garbage)
{
	size_t n = query(q, "localhost", DNS_TYPE_A);

	q[n] = 0;
	assert_bare(answer(n + 1), DNS_FORMERR);
	/* An additional record with rdata past the end. */
	fr_wr16(q + 10, 1);
	memset(q + n, 0, 11);
	fr_wr16(q + n + 9, 5);
	assert_bare(answer(n + 11), DNS_FORMERR);
}
END_TEST

/* Length octets 0x40..0xbf (labels over 63, reserved types) are refused. */
START_TEST(test_label_too_long)
{
	char l64[65];
	size_t n;

	memset(l64, 'a', 64);
	l64[64] = '\0';
	n = query(q, l64, DNS_TYPE_A);
	assert_bare(answer(n), DNS_FORMERR);
	n = query(q, "x", DNS_TYPE_A);
	q[12] = 0x81; /* a reserved label type */
	assert_bare(answer(n), DNS_FORMERR);
	l64[63] = '\0'; /* 63 is fine */
	n = query(q, l64, DNS_TYPE_A);
	ck_assert_uint_eq(answer(n), n + 16);
}
END_TEST

/* Over 255 bytes on the wire; exactly 255 passes (test_truncation). */
START_TEST(test_name_too_long)
{
	char big[300];
	size_t n;

	memset(big, 'a', sizeof(big));
	big[61] = big[123] = big[185] = big[247] = '.';
	big[254] = '\0'; /* 4 labels of 61 + 6: 256 bytes on the wire */
	n = query(q, big, DNS_TYPE_A);
	assert_bare(answer(n), DNS_FORMERR);
	/* Built from pointers to a long name in the additional section. */
	n = query(q, "localhost", DNS_TYPE_A);
	fr_wr16(q + 10, 2);
	{
		size_t r1 = n;

		big[247] = '\0'; /* 249 bytes on the wire, with its root */
		n += name(q + n, big);
		memset(q + n, 0, 10);
		n += 10;
		memcpy(q + n,
		       "\x07"
		       "abcdefg",
		       8); /* 8 + 249 = 257 */
		n += 8;
		fr_wr16(q + n, (uint16_t)(0xc000 | r1));
		n += 2;
		memset(q + n, 0, 10);
		n += 10;
	}
	assert_bare(answer(n), DNS_FORMERR);
	ck_assert_int_eq(res.calls, 0);
}
END_TEST

/* Loops, forward pointers, pointers into the header or past the end. */
START_TEST(test_bad_pointers)
{
	size_t base = query(q, "localhost", DNS_TYPE_A), n;
	uint16_t bad[] = { 0, 5, 11, 0x3fff, 0 /* self */, 0 /* forward */,
		           0 /* question pointing at itself */ };

	bad[4] = (uint16_t)base;
	bad[5] = (uint16_t)(base + 2);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = base;
		fr_wr16(q + 10, 1);
		fr_wr16(q + n, (uint16_t)(0xc000 | bad[i]));
		n += 2;
		q[n] = 0; /* a root name at base+2, in case a pointer lands there */
		memset(q + n, 0, 10);
		n += 10;
		if (i == 6) { /* the question's own name is a pointer to itself */
			n = hdr(q, 0x1234, DNS_RD, 1, 0, 0, 0);
			fr_wr16(q + n, 0xc00c);
			n += 2;
			fr_wr32(q + n, 0x00010001);
			n += 4;
		}
		assert_bare(answer(n), DNS_FORMERR);
	}
	/* A two-pointer loop: A -> B -> A. */
	n = base;
	fr_wr16(q + 10, 2);
	fr_wr16(q + n, (uint16_t)(0xc000 | (base + 12)));
	memset(q + n + 2, 0, 10);
	fr_wr16(q + n + 12, (uint16_t)(0xc000 | base));
	memset(q + n + 14, 0, 10);
	assert_bare(answer(n + 24), DNS_FORMERR);
	/* A pointer cut off by the end. */
	n = base;
	fr_wr16(q + 10, 1);
	q[n] = 0xc0;
	assert_bare(answer(n + 1), DNS_FORMERR);
	ck_assert_int_eq(res.calls, 0);
}
END_TEST

/* More than DNS_MAX_JUMPS pointers in one name, each backwards. */
START_TEST(test_pointer_chain_too_long)
{
	size_t n = query(q, "localhost", DNS_TYPE_A), prev = 12;

	fr_wr16(q + 10, DNS_MAX_JUMPS + 1);
	for (int i = 0; i <= DNS_MAX_JUMPS; i++) {
		size_t here = n;

		fr_wr16(q + n, (uint16_t)(0xc000 | prev));
		memset(q + n + 2, 0, 10);
		n += 12;
		prev = here;
	}
	/* The last record's name takes DNS_MAX_JUMPS + 1 jumps. */
	assert_bare(answer(n), DNS_FORMERR);
	/* One fewer record: each name at most DNS_MAX_JUMPS. */
	fr_wr16(q + 10, DNS_MAX_JUMPS);
	ck_assert_uint_gt(answer(n - 12), 12);
	ck_assert_int_eq(rcode(), DNS_NOERROR);
}
END_TEST

/* --- pieces ------------------------------------------------------------------------------- */

START_TEST(test_name_text)
{
	char t[DNS_NAME_MAX];
	uint8_t w[300];

	ck_assert_int_eq(dns_name_text((const uint8_t *)"\x03"
	                                                "www\x01"
	                                                "a",
	                               8, t),
	                 0);
	ck_assert_str_eq(t, "www.a");
	ck_assert_int_eq(dns_name_text((const uint8_t *)"", 1, t), 0);
	ck_assert_str_eq(t, "");
	ck_assert_int_eq(dns_name_text((const uint8_t *)"\x03"
	                                                "www",
	                               4, t),
	                 -1); /* no root */
	ck_assert_int_eq(dns_name_text((const uint8_t *)"\x05"
	                                                "ww",
	                               4, t),
	                 -1); /* past the end */
	ck_assert_int_eq(dns_name_text((const uint8_t *)"", 0, t), -1);
	memset(w, 1, sizeof(w));
	ck_assert_int_eq(dns_name_text(w, sizeof(w), t), -1); /* longer than a name */
}
END_TEST

START_TEST(test_encode_limits)
{
	struct dns_query dq;
	uint32_t ad[2] = { 1, 2 };

	ck_assert_int_eq(dns_parse_query(q, query(q, "localhost", DNS_TYPE_A), &dq), 0);
	ck_assert_uint_eq(dns_encode_answer(&dq, 0, ad, 2, 10, a, 20), 0); /* cap too small */
	ck_assert_uint_eq(dns_encode_answer(&dq, DNS_BADVERS, NULL, 0, 10, a, 512),
	                  0); /* no EDNS */
	ck_assert_uint_eq(dns_encode_answer(&dq, -1, NULL, 0, 10, a, 512), 0);
	dq.qname_len = 0;
	ck_assert_uint_eq(dns_encode_answer(&dq, 0, ad, 2, 10, a, 512),
	                  0); /* records, no question */
	dq.qname_len = DNS_NAME_MAX + 1;
	ck_assert_uint_eq(dns_encode_answer(&dq, 0, NULL, 0, 10, a, 2048), 0);
}
END_TEST

/* A UDP datagram to dst:dport carrying p[plen], checksums right; returns the frame length. */
static size_t udp_frame(uint8_t *f, uint32_t dst, uint16_t dport, const uint8_t *p, size_t plen)
{
	static const uint8_t vmmac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
	static const uint8_t dnsmac[6] = { 0x52, 0x55, 10, 0, 2, 3 };
	size_t n = fr_ip(f, dnsmac, vmmac, VM, dst, IPPROTO_UDP, 40000, dport, 0, plen);
	uint8_t *udp = f + 34, pseudo[12];

	memcpy(udp + 8, p, plen);
	fr_wr16(udp + 6, 0);
	memcpy(pseudo, f + 26, 8);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_UDP;
	fr_wr16(pseudo + 10, (uint16_t)(8 + plen));
	fr_wr16(udp + 6, (uint16_t)~fr_sum(fr_sum(0, pseudo, 12), udp, 8 + plen));
	return n;
}

START_TEST(test_frames)
{
	static uint8_t f[1024], out[1024];
	struct dns_frame_meta m;
	const uint8_t *p;
	size_t plen, ql = query(q, "localhost", DNS_TYPE_A), n = udp_frame(f, DNS, 53, q, ql), r;

	ck_assert_int_eq(dns_frame_parse(f, n, DNS, &m, &p, &plen), 1);
	ck_assert_ptr_eq(p, f + 42);
	ck_assert_uint_eq(plen, ql);
	ck_assert_uint_eq(m.client_ip, VM);
	ck_assert_uint_eq(m.client_port, 40000);
	ck_assert_mem_eq(m.client_mac, f + 6, 6);
	ck_assert_mem_eq(m.server_mac, f, 6);
	/* Trailing Ethernet padding is not payload. */
	ck_assert_int_eq(dns_frame_parse(f, n + 10, DNS, &m, &p, &plen), 1);
	ck_assert_uint_eq(plen, ql);

	r = dns_frame_build(&m, 7, a, 40, out, sizeof(out));
	ck_assert_uint_eq(r, 14 + 20 + 8 + 40);
	ck_assert(fr_checksums_ok(out, r));
	ck_assert_mem_eq(out, f + 6, 6);
	ck_assert_mem_eq(out + 6, f, 6);
	ck_assert_uint_eq(fr_rd16(out + 12), 0x0800);
	ck_assert_uint_eq(fr_rd32(out + 26), DNS);
	ck_assert_uint_eq(fr_rd32(out + 30), VM);
	ck_assert_uint_eq(fr_rd16(out + 34), 53);
	ck_assert_uint_eq(fr_rd16(out + 36), 40000);
	ck_assert_uint_eq(fr_rd16(out + 38), 48);
	ck_assert_mem_eq(out + 42, a, 40);
	ck_assert_uint_eq(dns_frame_build(&m, 7, a, 40, out, 81), 0);

	/* Not ours: another address, TCP, ARP, short. */
	ck_assert_int_eq(dns_frame_parse(f, n, GW, &m, &p, &plen), 0);
	ck_assert_int_eq(dns_frame_parse(f, 33, DNS, &m, &p, &plen), 0);
	f[23] = IPPROTO_TCP;
	ck_assert_int_eq(dns_frame_parse(f, n, DNS, &m, &p, &plen), 0);
	f[23] = IPPROTO_UDP;
	fr_wr16(f + 12, 0x0806);
	ck_assert_int_eq(dns_frame_parse(f, n, DNS, &m, &p, &plen), 0);
	fr_wr16(f + 12, 0x0800);

	/* Ours but bad: port, checksums, lengths, fragments. */
	n = udp_frame(f, DNS, 54, q, ql);
	ck_assert_int_eq(dns_frame_parse(f, n, DNS, &m, &p, &plen), -1);
	n = udp_frame(f, DNS, 53, q, ql);
	f[42] ^= 1;
	ck_assert_int_eq(dns_frame_parse(f, n, DNS, &m, &p, &plen), -1);
	fr_wr16(f + 40, 0); /* no UDP checksum: accepted */
	ck_assert_int_eq(dns_frame_parse(f, n, DNS, &m, &p, &plen), 1);
	n = udp_frame(f, DNS, 53, q, ql);
	f[24] ^= 1; /* IPv4 checksum */
	ck_assert_int_eq(dns_frame_parse(f, n, DNS, &m, &p, &plen), -1);
	n = udp_frame(f, DNS, 53, q, ql);
	ck_assert_int_eq(dns_frame_parse(f, n - 1, DNS, &m, &p, &plen), -1); /* tot > len */
	fr_wr16(f + 38, (uint16_t)(8 + ql + 1));                             /* ulen > tot */
	ck_assert_int_eq(dns_frame_parse(f, n, DNS, &m, &p, &plen), -1);
	fr_wr16(f + 38, 7);
	ck_assert_int_eq(dns_frame_parse(f, n, DNS, &m, &p, &plen), -1);
	n = udp_frame(f, DNS, 53, q, ql);
	f[14] = 0x44; /* ihl 16 */
	ck_assert_int_eq(dns_frame_parse(f, n, DNS, &m, &p, &plen), -1);
	n = udp_frame(f, DNS, 53, q, ql);
	fr_wr16(f + 20, 0x2000); /* more fragments */
	fr_wr16(f + 24, 0);
	fr_wr16(f + 24, (uint16_t)~fr_sum(0, f + 14, 20));
	ck_assert_int_eq(dns_frame_parse(f, n, DNS, &m, &p, &plen), -1);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("netsw/dns");
	TCase *tc = tcase_create("valid");
	TCase *bad = tcase_create("malformed");
	TCase *pieces = tcase_create("pieces");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_a_wire_format);
	tcase_add_test(tc, test_host_internal);
	tcase_add_test(tc, test_other_types);
	tcase_add_test(tc, test_resolver_results);
	tcase_add_test(tc, test_bad_name_chars);
	tcase_add_test(tc, test_edns);
	tcase_add_test(tc, test_valid_pointers);
	tcase_add_test(tc, test_truncation);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(bad, setup, NULL);
	tcase_add_test(bad, test_dropped);
	tcase_add_test(bad, test_bad_opcode);
	tcase_add_test(bad, test_bad_counts);
	tcase_add_test(bad, test_truncated_query);
	tcase_add_test(bad, test_trailing_garbage);
	tcase_add_test(bad, test_label_too_long);
	tcase_add_test(bad, test_name_too_long);
	tcase_add_test(bad, test_bad_pointers);
	tcase_add_test(bad, test_pointer_chain_too_long);
	suite_add_tcase(s, bad);
	tcase_add_checked_fixture(pieces, setup, NULL);
	tcase_add_test(pieces, test_name_text);
	tcase_add_test(pieces, test_encode_limits);
	tcase_add_test(pieces, test_frames);
	suite_add_tcase(s, pieces);
	return s;
}
