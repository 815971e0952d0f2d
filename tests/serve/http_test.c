/* tests/serve: nanvix-serve's HTTP parsing (serve/http.h): cases, then random mutations. */
/*
 * Built with AddressSanitizer and UBSan (serve.mk), so that the mutation
 * loop also checks that no input makes the parsers read or write out of
 * bounds.  Prints one line per group, "ok ..." or "FAIL ...", and exits 1
 * on a failure.  The mutations are seeded (argv[1], default 1) and
 * bounded (argv[2] rounds, default 1000000).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <serve/http.h>

#define HEAD_MAX 16384

static int failures;

#define EXPECT(cond, ...)                                           \
	do {                                                        \
		if (!(cond)) {                                      \
			printf("FAIL %s:%d: ", __FILE__, __LINE__); \
			printf(__VA_ARGS__);                        \
			printf("\n");                               \
			failures++;                                 \
		}                                                   \
	} while (0)

static int req(const char *s, struct http_req *r)
{
	memset(r, 0, sizeof(*r));
	return http_parse_request(s, strlen(s), HEAD_MAX, r);
}

static void request_cases(void)
{
	struct http_req r;
	char big[HEAD_MAX + 64];
	static const struct {
		const char *in;
		int rc;
	} cases[] = {
		{ "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 1 },
		{ "GET / HTTP/1.1\nHost: a\n\n", 1 },
		{ "\r\n\r\nGET /x?y HTTP/1.0\r\n\r\n", 1 },
		{ "GET / HTTP/1.1\r\nHost: a\r\n", 0 },
		{ "GET / HTTP/1.1\r\nHost: a\r\n\r", 0 },
		{ "GET / HT", 0 },
		{ "GARBAGE\r\n", -400 },
		{ "GET / HTTP/2.0\r\n", -505 },
		{ "GET / HTTP/1.2\r\nHost: a\r\n\r\n", -505 },
		{ "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET * HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET http://x/ HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", -400 },
		{ "G\x01T / HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\n continued\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost : a\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\n: novalue\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01"
		  "b\r\n\r\n",
		  -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", -400 },
		{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: "
		  "chunked\r\n\r\n",
		  -400 },
		{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", -501 },
		{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
		  -400 },
		{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", -400 },
		{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", -400 },
		{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n", -400 },
		{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1234567890123456789\r\n\r\n",
		  -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nExpect: something\r\n\r\n", -417 },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG / HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = req(cases[i].in, &r);

		EXPECT(rc == cases[i].rc, "request case %zu: %d, expected %d", i, rc, cases[i].rc);
	}

	EXPECT(req("\r\nPOST /p?q=1 HTTP/1.1\r\nhOsT:  h:80 \r\ncontent-length: 5\r\n"
	           "Content-Length: 5\r\nConnection: Keep-Alive, Upgrade\r\nExpect: "
	           "100-Continue\r\n\r\nhello",
	           &r) == 1,
	       "full request");
	EXPECT(r.head_len ==
	               strlen("\r\nPOST /p?q=1 HTTP/1.1\r\nhOsT:  h:80 \r\ncontent-length: 5\r\n"
	                      "Content-Length: 5\r\nConnection: Keep-Alive, Upgrade\r\n"
	                      "Expect: 100-Continue\r\n\r\n"),
	       "head_len %u", r.head_len);
	EXPECT(r.fr.content_length == 5 && r.fr.conn_keep_alive && !r.fr.conn_close &&
	               r.expect_continue && r.minor == 1 && r.host == 0 && r.nf == 5,
	       "fields");
	EXPECT(r.target == 7 && r.target_len == 6 && r.method == 2 && r.method_len == 4, "line");
	EXPECT(r.f[0].value_len == 4, "value trimmed: %u", r.f[0].value_len);

	EXPECT(req("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", &r) ==
	                       1 &&
	               r.fr.chunked,
	       "chunked last");
	EXPECT(req("GET / HTTP/1.0\r\nConnection: close\r\n\r\n", &r) == 1 && r.fr.conn_close &&
	               r.minor == 0 && r.host == -1,
	       "1.0 close");

	/* Too many fields, a head too long. */
	strcpy(big, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (int i = 0; i < HTTP_MAX_FIELDS; i++)
		strcat(big, "X: y\r\n");
	strcat(big, "\r\n");
	EXPECT(req(big, &r) == -431, "too many fields");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	EXPECT(req(big, &r) == -431, "head too long");

	/* Fed a byte at a time: the same result, and a bad line refused early. */
	{
		const char *s = "GET /abc HTTP/1.1\r\nHost: a\r\nX-Y: z\r\n\r\n";
		size_t n = strlen(s), k;
		int rc = 0;

		memset(&r, 0, sizeof(r));
		for (k = 1; k <= n && rc == 0; k++)
			rc = http_parse_request(s, k, HEAD_MAX, &r);
		EXPECT(rc == 1 && k - 1 == n && r.head_len == n, "trickled: rc %d at %zu", rc,
		       k - 1);
		s = "BAD LINE\r\nHost: a\r\n";
		memset(&r, 0, sizeof(r));
		rc = 0;
		for (k = 1; k <= strlen(s) && rc == 0; k++)
			rc = http_parse_request(s, k, HEAD_MAX, &r);
		EXPECT(rc == -400 && k - 1 == 10, "bad line refused at its end: %d at %zu", rc,
		       k - 1);
	}
	printf("%s request heads\n", failures ? "FAIL" : "ok  ");
}

static void response_cases(void)
{
	struct http_resp r;
	static const struct {
		const char *in;
		int rc, status;
	} cases[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 1, 200 },
		{ "HTTP/1.1 204\r\n\r\n", 1, 204 },
		{ "HTTP/1.0 404 Not Found\n\n", 1, 404 },
		{ "HTTP/1.1 200 OK\r\n", 0, 0 },
		{ "HTTP/1.1 099 X\r\n\r\n", -1, 0 },
		{ "HTTP/1.1 20 OK\r\n\r\n", -1, 0 },
		{ "HTTP/2 200 OK\r\n\r\n", -1, 0 },
		{ "HTTP/1.1 200OK\r\n\r\n", -1, 0 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", -1,
		  0 },
		{ "HTTP/1.1 200 O\x01K\r\n\r\n", -1, 0 },
		{ "NOT HTTP\r\n\r\n", -1, 0 },
	};
	int before = failures;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;

		memset(&r, 0, sizeof(r));
		rc = http_parse_response(cases[i].in, strlen(cases[i].in), HEAD_MAX, &r);
		EXPECT(rc == cases[i].rc, "response case %zu: %d, expected %d", i, rc, cases[i].rc);
		if (rc == 1)
			EXPECT(r.status == cases[i].status, "response case %zu: status %d", i,
			       r.status);
	}
	memset(&r, 0, sizeof(r));
	EXPECT(http_parse_response("HTTP/1.1 200 OK\r\nX: ", 20, 16, &r) == -2, "too large");
	printf("%s response heads\n", failures > before ? "FAIL" : "ok  ");
}

/* Decode s (a chunked body) fed in pieces of `step` bytes; the data in out. */
static int chunked(const char *s, size_t step, size_t max, char *out, size_t *outlen, size_t *used)
{
	char buf[4096];
	struct http_chunked c = { 0 };
	size_t n = strlen(s), in = 0, o = 0, end = 0;
	int rc = 0;

	memcpy(buf, s, n);
	while (rc == 0 && end < n) {
		end = end + step < n ? end + step : n;
		rc = http_chunked_decode(&c, buf, &in, end, &o, max);
	}
	memcpy(out, buf, o);
	*outlen = o;
	*used = in;
	return rc;
}

static void chunked_cases(void)
{
	static const struct {
		const char *in, *data;
		int rc;
		size_t used;
	} cases[] = {
		{ "5\r\nhello\r\n0\r\n\r\n", "hello", 1, 15 },
		{ "3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: v\r\n\r\nEXTRA", "abcde", 1, 30 },
		{ "3\nabc\n0\n\n", "abc", 1, 9 },
		{ "A\r\n0123456789\r\n0\r\n\r\n", "0123456789", 1, 20 },
		{ "5\r\nhel", "hel", 0, 6 },
		{ "g\r\n", "", -1, 0 },
		{ "\r\n", "", -1, 0 },
		{ ";ext\r\n", "", -1, 0 },
		{ "3\r\nabcX", "abc", -1, 0 },
		{ "1234567890abcdef\r\n", "", -1, 0 },
		{ "100\r\n", "", -2, 0 },
	};
	int before = failures;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (size_t step = 1; step <= 64; step *= 4) {
			char out[4096];
			size_t olen, used;
			int rc = chunked(cases[i].in, step, 200, out, &olen, &used);

			EXPECT(rc == cases[i].rc, "chunked case %zu step %zu: %d", i, step, rc);
			if (rc >= 0)
				EXPECT(olen == strlen(cases[i].data) &&
				               !memcmp(out, cases[i].data, olen),
				       "chunked case %zu step %zu: data '%.*s'", i, step, (int)olen,
				       out);
			if (rc == 1)
				EXPECT(used == cases[i].used, "chunked case %zu: used %zu", i,
				       used);
		}
	printf("%s chunked bodies\n", failures > before ? "FAIL" : "ok  ");
}

static const char *const seeds[] = {
	"GET /fn/a/b?c=d HTTP/1.1\r\nHost: x.example:80\r\nConnection: keep-alive\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello",
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
	"5;a=b\r\nhello\r\n0\r\nTrailer: x\r\n\r\n",
};

static unsigned long long rng;

static unsigned rnd(void)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(rng >> 33);
}

/* Random edits of the seeds through every parser: results in range, offsets in bounds. */
static void mutations(unsigned long long seed, long rounds)
{
	static const char alphabet[] = "\r\n :;,0123456789abcdefABCDEF/?HTTP\t\x01\x7f\x80";
	int before = failures;

	rng = seed;
	for (long i = 0; i < rounds; i++) {
		char buf[512];
		const char *s = seeds[rnd() % 4];
		size_t n = strlen(s), edits = 1 + rnd() % 8, max = 1 + rnd() % 300;
		struct http_req rq;
		struct http_resp rs;
		struct http_chunked c = { 0 };
		size_t in = 0, out = 0;
		char *heap;
		int rc;

		memcpy(buf, s, n);
		for (size_t e = 0; e < edits && n > 0; e++) {
			size_t at = rnd() % n;

			switch (rnd() % 3) {
			case 0: buf[at] = alphabet[rnd() % (sizeof(alphabet) - 1)]; break;
			case 1:
				if (n < sizeof(buf)) {
					memmove(buf + at + 1, buf + at, n - at);
					buf[at] = alphabet[rnd() % (sizeof(alphabet) - 1)];
					n++;
				}
				break;
			default: memmove(buf + at, buf + at + 1, n - at - 1); n--;
			}
		}
		/* An exact-size heap copy: ASan sees any read past its end. */
		heap = malloc(n ? n : 1);
		memcpy(heap, buf, n);
		memset(&rq, 0, sizeof(rq));
		rc = http_parse_request(heap, n, max, &rq);
		EXPECT(rc == 1 || rc == 0 || rc == -400 || rc == -431 || rc == -417 || rc == -501 ||
		               rc == -505,
		       "request rc %d", rc);
		if (rc == 1) {
			EXPECT(rq.head_len <= n && rq.head_len <= max, "head_len %u of %zu",
			       rq.head_len, n);
			for (unsigned k = 0; k < rq.nf; k++)
				EXPECT(rq.f[k].value + rq.f[k].value_len <= rq.head_len,
				       "field out of head");
		}
		memset(&rs, 0, sizeof(rs));
		rc = http_parse_response(heap, n, max, &rs);
		EXPECT(rc >= -2 && rc <= 1, "response rc %d", rc);
		if (rc == 1)
			EXPECT(rs.head_len <= n && rs.reason + rs.reason_len <= rs.head_len,
			       "response bounds");
		rc = http_chunked_decode(&c, heap, &in, n, &out, max);
		EXPECT(rc >= -2 && rc <= 1 && out <= in && in <= n && out <= max,
		       "chunked %d %zu %zu", rc, in, out);
		free(heap);
		if (failures - before > 10)
			break;
	}
	printf("%s %ld random mutations (seed %llu)\n", failures > before ? "FAIL" : "ok  ", rounds,
	       seed);
}

int main(int argc, char **argv)
{
	request_cases();
	response_cases();
	chunked_cases();
	mutations(argc > 1 ? strtoull(argv[1], NULL, 10) : 1, argc > 2 ? atol(argv[2]) : 1000000);
	return failures ? 1 : 0;
}
