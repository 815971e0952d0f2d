/* HTTP/1.x message parsing for nanvix-serve: request heads, response heads, chunked bodies. */
#ifndef SERVE_HTTP_H
#define SERVE_HTTP_H

/*
 * Everything here reads bytes a client or an instance sent: nothing is
 * trusted, every length is bounded, and a parsed head is a set of offsets
 * into the caller's buffer (which may move: the offsets stay valid).
 * Lines end in CRLF or a bare LF; obsolete line folding, control
 * characters, spaces before a colon and conflicting framing are refused.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_FIELDS 100 /* header fields of one head */

/* One header field: offsets into the buffer parsed (value without surrounding spaces). */
struct http_field {
	uint32_t name, name_len;
	uint32_t value, value_len;
};

/* What a message's header fields say about its framing and connection. */
struct http_framing {
	int64_t content_length; /* -1: no Content-Length */
	bool te;                /* a Transfer-Encoding field is present */
	bool chunked;           /* ... and its last coding is chunked */
	bool conn_close;        /* Connection: close */
	bool conn_keep_alive;   /* Connection: keep-alive */
};

struct http_req {
	/* The caller zeroes these two before the first call for a request. */
	uint32_t scan; /* where the search for the blank line resumes */
	bool line_ok;  /* the request line was checked */

	uint32_t head_len; /* the head's bytes, its blank line included */
	uint32_t method, method_len;
	uint32_t target, target_len; /* origin form: starts with '/' */
	int minor;                   /* HTTP/1.minor: 0 or 1 */
	struct http_field f[HTTP_MAX_FIELDS];
	unsigned nf;
	struct http_framing fr;
	int host;             /* index of the Host field in f, or -1 */
	bool expect_continue; /* Expect: 100-continue */
};

struct http_resp {
	uint32_t scan; /* zeroed by the caller before the first call, as http_req's */
	uint32_t head_len;
	int minor;
	int status; /* 100..999 */
	uint32_t reason, reason_len;
	struct http_field f[HTTP_MAX_FIELDS];
	unsigned nf;
	struct http_framing fr;
};

/*
 * Parse the request head at the start of buf[0, len), at most max_head
 * bytes long (blank lines before it are skipped and counted).  Call it
 * again as more bytes arrive, with the same *r: a head trickling in is
 * scanned once, and a bad request line is refused before the head is
 * complete.  Returns 1
 * with *r filled; 0 when more bytes are needed; or the negative status
 * code to answer: -400 (malformed), -431 (head or a field too large, too
 * many fields), -417 (an Expect other than 100-continue), -501 (a
 * transfer coding other than chunked), -505 (not HTTP/1.x).
 */
int http_parse_request(const char *buf, size_t len, size_t max_head, struct http_req *r);

/*
 * Parse the response head at the start of buf[0, len), at most max_head
 * bytes long; called again with the same *r as more bytes arrive.  Returns 1 with *r filled; 0 when more bytes are needed; -1
 * when it is malformed; -2 when it is longer than max_head.
 */
int http_parse_response(const char *buf, size_t len, size_t max_head, struct http_resp *r);

/* True when the field's name is `name` (ASCII, any case). */
bool http_field_is(const char *buf, const struct http_field *f, const char *name);

/* A chunked body being decoded (zero it to start). */
struct http_chunked {
	int state;
	uint64_t left; /* bytes left in the current chunk, or the size being read */
	unsigned line; /* bytes of the current size or trailer line */
};

/*
 * Decode a chunked body in place: the raw bytes buf[*in, end) are consumed
 * and the data they carry is appended at buf[*out] (*out <= *in always
 * holds, so the data ends up contiguous from where the body began).
 * Refuses to decode more than max_out data bytes.  Returns 1 when the last
 * chunk and the trailer were consumed (*in is then just past the message),
 * 0 when more bytes are needed, -1 when the encoding is malformed, -2 when
 * the data is larger than max_out.
 */
int http_chunked_decode(struct http_chunked *c, char *buf, size_t *in, size_t end, size_t *out,
                        size_t max_out);

/* The standard reason phrase of `status`, or "Unknown". */
const char *http_reason(int status);

#endif /* SERVE_HTTP_H */
