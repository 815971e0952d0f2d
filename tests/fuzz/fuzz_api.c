/* libFuzzer target for nanvix-api's request handling (macrokernel/api): routes, queries, JSON bodies, keys. */
/*
 * Input: NUL-separated method, path (with its query), Authorization value
 * and body, as a hostile client would send them once the HTTP parser has
 * taken them apart.  Every request goes to routes_handle against a daemon
 * with API keys (one for each scope) and a --allow-path that holds one
 * empty directory, so VMs can be created (up to --max-vms) but none can
 * start: nanvixd is a path that does not exist.  Any crash or sanitizer
 * report, a reply that is not an HTTP status, a 500, or an error body
 * that is not the API's Error object aborts.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../macrokernel/api/api.h"

/* What main.c would define. */
struct api_options api_opt;
int api_epfd = -1;
double api_now(void)
{
	static double t;

	return t += 0.001; /* rates refill as the fuzzer goes */
}
double api_wall(void)
{
	return 1.7e9;
}

static void setup(void)
{
	static char dir[] = "/tmp/fuzz_api.XXXXXX";
	char path[256];
	FILE *f;

	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/allowed", dir);
	mkdir(path, 0700);
	api_opt.allow[0] = strdup(path);
	api_opt.nallow = 1;
	snprintf(path, sizeof(path), "%s/state", dir);
	mkdir(path, 0700);
	api_opt.state_dir = strdup(path);
	snprintf(path, sizeof(path), "%s/state/snapshots", dir);
	mkdir(path, 0700);
	api_opt.nanvixd = "/nonexistent/nanvixd";
	api_opt.max_vms = 16;
	api_opt.max_conns = 8;
	api_opt.max_body = 1 << 20;
	api_opt.max_memory = 1ull << 30;
	api_opt.client_timeout = 10;
	/* Keys "r", "i" and "m" (their SHA-256s), one scope each, a tight rate for "r". */
	snprintf(path, sizeof(path), "%s/keys.json", dir);
	f = fopen(path, "w");
	fputs("{\"keys\": ["
	      "{\"name\": \"r\", \"sha256\": "
	      "\"454349e422f05297191ead13e21d3db520e5abef52055e4964b82fb213f593a1\", "
	      "\"scopes\": [\"read\"], \"rate\": 5, \"burst\": 2},"
	      "{\"name\": \"i\", \"sha256\": "
	      "\"de7d1b721a1e0632b7cf04edf5032c8ecffa9f9a08492152b926f1a5a7e765d7\", "
	      "\"scopes\": [\"read\", \"invoke\"]},"
	      "{\"name\": \"m\", \"sha256\": "
	      "\"62c66a7a5dd70c3146618063c344e531e6d4b59e379808443ce962b3abd63c5a\", "
	      "\"scopes\": [\"read\", \"invoke\", \"manage\"]}]}",
	      f);
	fclose(f);
	if (auth_load(path, path, sizeof(path)) < 0)
		abort();
	snprintf(path, sizeof(path), "%s/audit.log", dir);
	audit_open(path);
}

/* The next NUL-terminated piece of the input, copied, or NULL past its end. */
static char *piece(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nul;
	char *s;

	if (*p >= end)
		return NULL;
	nul = memchr(*p, 0, (size_t)(end - *p));
	if (!nul)
		nul = end;
	s = strndup((const char *)*p, (size_t)(nul - *p));
	*p = nul < end ? nul + 1 : end;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	const uint8_t *p = data, *end = data + size;
	char *method, *target, *auth, *body;
	struct api_request rq = { 0 };
	struct api_reply rp;
	const char *q;

	if (!ready) {
		setup();
		ready = 1;
	}
	method = piece(&p, end);
	target = piece(&p, end);
	auth = piece(&p, end);
	body = p < end ? malloc((size_t)(end - p) + 1) : NULL;
	if (body)
		memcpy(body, p, (size_t)(end - p));
	if (!method || !target)
		goto out;
	q = strchr(target, '?');
	snprintf(rq.path, sizeof(rq.path), "%.*s", (int)(q ? q - target : (long)strlen(target)),
	         target);
	snprintf(rq.query, sizeof(rq.query), "%s", q ? q + 1 : "");
	rq.method = method;
	rq.auth = auth && *auth ? auth : NULL;
	rq.auth_len = rq.auth ? strlen(auth) : 0;
	rq.body = body;
	rq.body_len = body ? (size_t)(end - p) : 0;
	snprintf(rq.peer, sizeof(rq.peer), "fuzz");
	routes_handle(&rq, &rp);
	if (rp.kind == REPLY_NOW && (rp.status < 200 || rp.status > 599 || rp.status == 500))
		abort();
	if (rp.kind == REPLY_NOW && rp.status >= 400) {
		json_t *o = json_loadb(rp.body, rp.len, 0, NULL);

		if (!json_is_string(json_object_get(o, "code")) ||
		    !json_is_string(json_object_get(o, "fault_message")))
			abort();
		json_decref(o);
	}
	free(rp.body);
	free((char *)rp.allow);
	conn_reap();
out:
	free(method);
	free(target);
	free(auth);
	free(body);
	return 0;
}
