/* httpc: bin/nanvix's small HTTP/1.1 client, over a Unix socket or TCP to 127.0.0.1. */
#ifndef NANVIX_CLI_HTTPC_H
#define NANVIX_CLI_HTTPC_H

#include <stddef.h>
#include <sys/un.h>

/* Where a server listens, as parsed by httpc_target_parse. */
struct httpc_target {
	int family;                                             /* AF_UNIX or AF_INET */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* AF_UNIX: the socket */
	unsigned int ipv4;   /* AF_INET: the address, network order */
	unsigned short port; /* AF_INET: the port, host order */
	char name[256];      /* how messages name it: the path or the URL */
};

/*
 * One request.  The connection carries only it (Connection: close).
 *
 * A response body with a 2xx status goes to sink as its bytes arrive, when
 * sink is set (chunked or not, the chunk framing removed); any other body
 * is kept in httpc_response.body, at most max_body bytes.
 */
struct httpc_request {
	const char *method; /* "GET", "POST", "PUT", "DELETE" */
	const char *path;   /* with its query, already safe to send as is */
	const char *body;   /* body_len bytes (NULs allowed), or NULL for none */
	size_t body_len;
	const char *content_type; /* the body's; NULL for application/json */
	const char *bearer;       /* sent as Authorization: Bearer, or NULL */
	int timeout_ms;           /* the longest wait for the server's next bytes; -1 for ever */
	size_t max_body;          /* a kept body over this fails the request */
	/* Takes the bytes of a 2xx body; returns 0, or -1 to give up (errno set). */
	int (*sink)(void *arg, const char *data, size_t len);
	void *sink_arg;
	/*
	 * Called before each wait for the server's bytes, and again when a
	 * signal interrupted one, so that the caller can act on signals it
	 * noted (outside their handler); the request goes on afterwards.
	 */
	void (*on_signal)(void *arg);
	void *signal_arg;
};

struct httpc_response {
	int status;      /* the HTTP status */
	char *body;      /* the kept body, NUL-terminated (malloc'd; NULL when none) */
	size_t body_len; /* its length, without the NUL */
	int streamed;    /* the body went to the request's sink */
	/* The head's fields as "name\0value\0" pairs (malloc'd): see httpc_header. */
	char *headers;
	size_t headers_len;
};

/* httpc_request's results, besides 0 (a response was read). */
#define HTTPC_ECONNECT (-1) /* the server could not be reached */
#define HTTPC_EFAIL    (-2) /* the exchange failed part-way or the answer was not HTTP */

/*
 * Parse ADDR (a Unix socket: "unix:PATH" or a path starting with '/'; TCP:
 * "http://HOST:PORT", HOST an IPv4 address or localhost) into T.
 * Returns 0, or -1 with the reason in err (errlen bytes).
 */
int httpc_target_parse(struct httpc_target *t, const char *addr, char *err, size_t errlen);

/*
 * Send RQ to T and read the response into RS (free it with
 * httpc_response_free, whatever the result).  Returns 0 when a response
 * was read, whatever its status; HTTPC_ECONNECT when nothing answered at T
 * (err: strerror of the reason); HTTPC_EFAIL otherwise (err: what failed).
 */
int httpc_request(const struct httpc_target *t, const struct httpc_request *rq,
                  struct httpc_response *rs, char *err, size_t errlen);

/*
 * The value of RS's header field NAME (case-insensitive; the first of
 * several), its surrounding blanks removed, or NULL when it has none.
 * Valid until httpc_response_free.
 */
const char *httpc_header(const struct httpc_response *rs, const char *name);

/* Free what httpc_request kept in RS. */
void httpc_response_free(struct httpc_response *rs);

#endif
