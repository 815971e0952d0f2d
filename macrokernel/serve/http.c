/* HTTP/1.x parsing for nanvix-serve: request and response heads, chunked bodies (serve/http.h). */
#include <string.h>
#include <strings.h>

#include <serve/http.h>

#define METHOD_MAX     32
#define CHUNK_LINE_MAX 4096  /* a chunk-size line with its extensions */
#define TRAILER_MAX    16384 /* every trailer line together */

static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A field value's bytes: visible ASCII, obs-text, space and tab; no other control. */
static bool is_vbyte(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/*
 * The head's length (through its blank line) once buf[0, len) holds it,
 * else 0.  Leading CR and LF bytes are skipped: a client may send a blank
 * line between requests.  *scan records how far the search got.
 */
static size_t head_end(const char *buf, size_t len, uint32_t *scan)
{
	size_t start = 0, i;

	while (start < len && (buf[start] == '\r' || buf[start] == '\n'))
		start++;
	i = *scan > start ? *scan : start;
	for (; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
		if (i + 2 >= len) /* the blank line may still be arriving: look here again */
			break;
	}
	*scan = (uint32_t)i;
	return 0;
}

/* The line at buf[pos, end): its end (a CR before the LF excluded) and the next line's start. */
static bool next_line(const char *buf, size_t pos, size_t end, size_t *line_end, size_t *next)
{
	const char *lf = memchr(buf + pos, '\n', end - pos);

	if (!lf)
		return false;
	*next = (size_t)(lf - buf) + 1;
	*line_end = (size_t)(lf - buf);
	if (*line_end > pos && buf[*line_end - 1] == '\r')
		(*line_end)--;
	return true;
}

static bool token_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

/* Connection: a comma-separated list of options. */
static void connection_options(const char *v, size_t n, struct http_framing *fr)
{
	size_t i = 0;

	while (i < n) {
		size_t s, e;

		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (token_is(v + s, e - s, "close"))
			fr->conn_close = true;
		else if (token_is(v + s, e - s, "keep-alive"))
			fr->conn_keep_alive = true;
	}
}

/* Transfer-Encoding: the message is chunked when the last coding listed is. */
static void transfer_codings(const char *v, size_t n, struct http_framing *fr)
{
	size_t e = n, s;

	while (e > 0 && (v[e - 1] == ' ' || v[e - 1] == '\t' || v[e - 1] == ','))
		e--;
	s = e;
	while (s > 0 && v[s - 1] != ',')
		s--;
	while (s < e && (v[s] == ' ' || v[s] == '\t'))
		s++;
	fr->te = true;
	fr->chunked = token_is(v + s, e - s, "chunked");
}

/* Content-Length: digits only (no list), agreeing with an earlier one.  0 or -1. */
static int content_length(const char *v, size_t n, struct http_framing *fr)
{
	int64_t x = 0;

	if (n == 0 || n > 18)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit((unsigned char)v[i]))
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	if (fr->content_length >= 0 && fr->content_length != x)
		return -1;
	fr->content_length = x;
	return 0;
}

/*
 * The header fields of buf[pos, end), end being just past the blank line.
 * Fills f[], *nf and *fr.  0, -400 (malformed) or -431 (too many).
 */
static int parse_fields(const char *buf, size_t pos, size_t end, struct http_field *f, unsigned *nf,
                        struct http_framing *fr)
{
	size_t le, next;

	*nf = 0;
	fr->content_length = -1;
	fr->te = fr->chunked = fr->conn_close = fr->conn_keep_alive = false;
	for (; next_line(buf, pos, end, &le, &next); pos = next) {
		size_t i = pos, vs, ve;
		struct http_field *x;

		if (le == pos) /* the blank line */
			return next == end ? 0 : -400;
		if (buf[pos] == ' ' || buf[pos] == '\t')
			return -400; /* obsolete line folding */
		while (i < le && is_tchar((unsigned char)buf[i]))
			i++;
		if (i == pos || i == le || buf[i] != ':')
			return -400; /* no name, no colon, or a space before it */
		vs = i + 1;
		while (vs < le && (buf[vs] == ' ' || buf[vs] == '\t'))
			vs++;
		ve = le;
		while (ve > vs && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t'))
			ve--;
		for (size_t k = vs; k < ve; k++)
			if (!is_vbyte((unsigned char)buf[k]))
				return -400;
		if (*nf == HTTP_MAX_FIELDS)
			return -431;
		x = &f[(*nf)++];
		*x = (struct http_field){ (uint32_t)pos, (uint32_t)(i - pos), (uint32_t)vs,
			                  (uint32_t)(ve - vs) };
		if (http_field_is(buf, x, "content-length")) {
			if (content_length(buf + vs, ve - vs, fr))
				return -400;
		} else if (http_field_is(buf, x, "transfer-encoding")) {
			transfer_codings(buf + vs, ve - vs, fr);
		} else if (http_field_is(buf, x, "connection")) {
			connection_options(buf + vs, ve - vs, fr);
		}
	}
	return -400; /* cannot happen: end is just past a blank line */
}

bool http_field_is(const char *buf, const struct http_field *f, const char *name)
{
	return token_is(buf + f->name, f->name_len, name);
}

/* The request line buf[s, e): fills method, target and minor.  0 or a negative status. */
static int request_line(const char *buf, size_t s, size_t e, struct http_req *r)
{
	size_t i = s, t;

	while (i < e && is_tchar((unsigned char)buf[i]))
		i++;
	if (i == s || i - s > METHOD_MAX || i == e || buf[i] != ' ')
		return -400;
	r->method = (uint32_t)s;
	r->method_len = (uint32_t)(i - s);
	t = ++i;
	while (i < e && buf[i] > 0x20 && buf[i] < 0x7f)
		i++;
	if (i == t || i == e || buf[i] != ' ' || buf[t] != '/')
		return -400;
	r->target = (uint32_t)t;
	r->target_len = (uint32_t)(i - t);
	i++;
	if (e - i != 8 || memcmp(buf + i, "HTTP/", 5) != 0 || !is_digit(buf[i + 5]) ||
	    buf[i + 6] != '.' || !is_digit(buf[i + 7]))
		return -400;
	if (buf[i + 5] != '1')
		return -505;
	r->minor = buf[i + 7] - '0';
	return r->minor <= 1 ? 0 : -505;
}

int http_parse_request(const char *buf, size_t len, size_t max_head, struct http_req *r)
{
	size_t start = 0, le = 0, next = 0, end;
	int rc;

	while (start < len && (buf[start] == '\r' || buf[start] == '\n'))
		start++;
	if (!r->line_ok) {
		size_t lim = len < max_head ? len : max_head;

		if (!next_line(buf, start, lim, &le, &next))
			return len >= max_head ? -431 : 0;
		rc = request_line(buf, start, le, r);
		if (rc)
			return rc;
		r->line_ok = true;
	}
	end = head_end(buf, len < max_head ? len : max_head, &r->scan);
	if (!end)
		return len >= max_head ? -431 : 0;
	next_line(buf, start, end, &le, &next);
	rc = parse_fields(buf, next, end, r->f, &r->nf, &r->fr);
	if (rc)
		return rc;
	r->head_len = (uint32_t)end;
	r->host = -1;
	r->expect_continue = false;
	for (unsigned k = 0; k < r->nf; k++) {
		const struct http_field *x = &r->f[k];

		if (http_field_is(buf, x, "host")) {
			if (r->host >= 0)
				return -400;
			r->host = (int)k;
		} else if (http_field_is(buf, x, "expect")) {
			if (!token_is(buf + x->value, x->value_len, "100-continue"))
				return -417;
			r->expect_continue = true;
		}
	}
	if (r->minor == 1 && r->host < 0)
		return -400; /* RFC 9112: an HTTP/1.1 request has a Host */
	if (r->fr.te && r->fr.content_length >= 0)
		return -400; /* both framings: refused, not guessed (request smuggling) */
	if (r->fr.te && !r->fr.chunked)
		return -501;
	return 1;
}

int http_parse_response(const char *buf, size_t len, size_t max_head, struct http_resp *r)
{
	size_t le = 0, next = 0, end, i;
	int rc;

	end = head_end(buf, len < max_head ? len : max_head, &r->scan);
	if (!end)
		return len >= max_head ? -2 : 0;
	next_line(buf, 0, end, &le, &next);
	/* HTTP/1.x SP 3DIGIT [SP reason] */
	if (le < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || !is_digit(buf[7]) || buf[8] != ' ' ||
	    !is_digit(buf[9]) || !is_digit(buf[10]) || !is_digit(buf[11]) || buf[9] == '0')
		return -1;
	if (le > 12 && buf[12] != ' ')
		return -1;
	r->minor = buf[7] - '0';
	r->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	r->reason = le > 12 ? 13 : 12;
	r->reason_len = (uint32_t)(le - r->reason);
	for (i = r->reason; i < le; i++)
		if (!is_vbyte((unsigned char)buf[i]))
			return -1;
	rc = parse_fields(buf, next, end, r->f, &r->nf, &r->fr);
	if (rc)
		return rc == -431 ? -2 : -1;
	if (r->fr.te && r->fr.content_length >= 0)
		return -1;
	r->head_len = (uint32_t)end;
	return 1;
}

enum {
	CH_SIZE,
	CH_EXT,
	CH_SIZE_LF,
	CH_DATA,
	CH_DATA_CR,
	CH_DATA_LF,
	CH_TRAILER,
	CH_TRAILER_LINE,
	CH_END_LF,
	CH_DONE,
};

static int hex_value(unsigned char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The size line ended: start the chunk, or the trailer after the last one.  0, -1 or -2. */
static int chunk_start(struct http_chunked *c, size_t out, size_t max_out)
{
	if (c->line == 0)
		return -1;
	c->line = 0;
	if (c->left == 0) {
		c->state = CH_TRAILER;
		return 0;
	}
	if (c->left > max_out - out)
		return -2;
	c->state = CH_DATA;
	return 0;
}

int http_chunked_decode(struct http_chunked *c, char *buf, size_t *in, size_t end, size_t *out,
                        size_t max_out)
{
	while (*in < end) {
		unsigned char ch = (unsigned char)buf[*in];
		int rc = 0;

		switch (c->state) {
		case CH_SIZE:
			if (hex_value(ch) >= 0) {
				if (c->line == 15)
					return -1;
				c->left = c->left * 16 + (uint64_t)hex_value(ch);
				c->line++;
			} else if (ch == ';' || ch == ' ' || ch == '\t') {
				if (c->line == 0)
					return -1;
				c->state = CH_EXT;
			} else if (ch == '\r') {
				c->state = CH_SIZE_LF;
			} else if (ch == '\n') {
				rc = chunk_start(c, *out, max_out);
			} else {
				return -1;
			}
			break;
		case CH_EXT:
			/* Extensions are skipped; c->line keeps counting the line. */
			if (ch == '\r')
				c->state = CH_SIZE_LF;
			else if (ch == '\n')
				rc = chunk_start(c, *out, max_out);
			else if (!is_vbyte(ch) || ++c->line > CHUNK_LINE_MAX)
				return -1;
			break;
		case CH_SIZE_LF:
			if (ch != '\n')
				return -1;
			rc = chunk_start(c, *out, max_out);
			break;
		case CH_DATA: {
			size_t n = end - *in;

			if (n > c->left)
				n = (size_t)c->left;
			memmove(buf + *out, buf + *in, n);
			*out += n;
			*in += n;
			c->left -= n;
			if (c->left == 0)
				c->state = CH_DATA_CR;
			continue;
		}
		case CH_DATA_CR:
			if (ch == '\r')
				c->state = CH_DATA_LF;
			else if (ch == '\n')
				c->state = CH_SIZE;
			else
				return -1;
			break;
		case CH_DATA_LF:
			if (ch != '\n')
				return -1;
			c->state = CH_SIZE;
			break;
		case CH_TRAILER:
			/* c->left counts the trailer's bytes. */
			if (ch == '\r') {
				c->state = CH_END_LF;
			} else if (ch == '\n') {
				c->state = CH_DONE;
				(*in)++;
				return 1;
			} else {
				c->state = CH_TRAILER_LINE;
			}
			break;
		case CH_TRAILER_LINE:
			if (ch == '\n')
				c->state = CH_TRAILER;
			break;
		case CH_END_LF:
			if (ch != '\n')
				return -1;
			c->state = CH_DONE;
			(*in)++;
			return 1;
		default: return -1;
		}
		if (rc)
			return rc;
		if (c->state >= CH_TRAILER && ++c->left > TRAILER_MAX)
			return -2;
		(*in)++;
	}
	return 0;
}

const char *http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 417: return "Expectation Failed";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}
