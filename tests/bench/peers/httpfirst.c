/* httpfirst: wait until an HTTP server at HOST:PORT gives a complete 200 answer to "GET /". */

/*
 * usage: httpfirst HOST PORT [TIMEOUT_MS]      (default timeout 10000)
 *
 * Tries again and again (overlapping attempts, pauses from 50 us doubling up
 * to 1 ms; see httpclient.h) until one attempt reads a whole response or the
 * timeout passes.  Prints nothing and exits 0 on a 200 answer; otherwise
 * prints one line on stderr and exits 1 (2 for bad usage).
 */

#include <stdio.h>
#include <stdlib.h>

#include "httpclient.h"

#define DEFAULT_TIMEOUT_MS 10000
#define BACKOFF_MAX_US     1000

int main(int argc, char **argv)
{
	struct http_first_opts o = { .backoff_max_us = BACKOFF_MAX_US };
	char err[256], *end;
	long timeout_ms = DEFAULT_TIMEOUT_MS;
	int status;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: httpfirst HOST PORT [TIMEOUT_MS]\n");
		return 2;
	}
	if (http_parse_addr(argv[1], argv[2], &o.addr, err, sizeof(err)) != 0) {
		fprintf(stderr, "httpfirst: %s\n", err);
		return 2;
	}
	if (argc == 4) {
		timeout_ms = strtol(argv[3], &end, 10);
		if (*argv[3] == '\0' || *end != '\0' || timeout_ms < 1) {
			fprintf(stderr, "httpfirst: bad timeout '%s'\n", argv[3]);
			return 2;
		}
	}
	o.deadline_ns = now_ns() + timeout_ms * 1000000LL;
	status = http_first(&o, NULL, err, sizeof(err));
	if (status < 0) {
		fprintf(stderr, "httpfirst: %s:%s: %s\n", argv[1], argv[2], err);
		return 1;
	}
	if (status != 200) {
		fprintf(stderr, "httpfirst: %s:%s: answered HTTP %d\n", argv[1], argv[2], status);
		return 1;
	}
	return 0;
}
