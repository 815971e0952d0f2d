/* nanvix-api's functions: a named VM spec, each invocation a new VM fed the request body. */
/*
 * A function is a FunctionSpec (a VmCreate without the per-VM fields),
 * checked when it is registered or updated exactly as a VM created from it
 * would be (vm_check: types, paths inside --allow-path, memory, limits).
 * An invocation makes a VM from the spec as it is then (an update does
 * not touch invocations under way), writes the request body to the VM's
 * stdin file, starts it and answers once it has exited: its stdout is
 * the body, its exit status and id are headers.  Its stderr, with
 * nanvixd's own messages, stays in the VM's console log; the VM is an
 * auto_remove one, so it is forgotten 60 s after it ended.  The VM's
 * wall time is the spec's timeout (60 s by default), so every invocation
 * ends.  A spec with `snapshot` instead of `program` makes each invocation
 * a VM restored from that snapshot (a warm start: what the program did
 * before the snapshot is not done again), fed its request body as well.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"

#define FN_MAX         1024
#define FN_TIMEOUT     60.0
#define FN_TIMEOUT_MAX 3600.0
#define FN_OUTPUT_MAX  (16u << 20) /* bytes of stdout an answer carries */
#define FN_WAIT_SLACK  10.0        /* s past the VM's timeout the connection waits */

struct api_fn {
	struct api_fn *next;
	char name[API_ID_MAX + 1];
	json_t *spec; /* the FunctionSpec, without its name */
	double created_at, updated_at;
	uint64_t invocations;
	uint64_t restores; /* invocations that were restores of the spec's snapshot */
};

static struct api_fn *fns, **fns_tail = &fns;
static int nfns;

/* The function a path names: /v1/functions/NAME[/...] (the router checked NAME). */
static struct api_fn *fn_of(const struct api_request *rq, char *name, size_t len)
{
	const char *p = rq->path + strlen("/v1/functions/");
	size_t n = strcspn(p, "/");

	snprintf(name, len, "%.*s", (int)n, p);
	for (struct api_fn *f = fns; f; f = f->next)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

static int running_of(const struct api_fn *f)
{
	int n = 0;

	for (const struct api_vm *vm = vm_list(); vm; vm = vm->next)
		n += vm->function && !strcmp(vm->function, f->name) && vm->state != VM_EXITED;
	return n;
}

static json_t *fn_object(const struct api_fn *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(f->name));
	json_object_set(o, "spec", f->spec);
	json_object_set_new(o, "created_at", routes_time(f->created_at));
	json_object_set_new(o, "updated_at", routes_time(f->updated_at));
	json_object_set_new(o, "invocations", json_integer((json_int_t)f->invocations));
	json_object_set_new(o, "running", json_integer(running_of(f)));
	return o;
}

/*
 * Check a FunctionSpec from a request body: its own fields, then what a VM
 * made from it would be.  The spec (a new reference, without "name"), or
 * NULL after an error reply.  *name is the body's name, if any.
 */
static json_t *spec_of(const struct api_request *rq, struct api_reply *rp, char *name,
                       size_t namelen)
{
	static const char *const fields[] = { "name",    "program", "args",     "env",     "memory",
		                              "workdir", "disk",    "in_vm",    "volumes", "net",
		                              "timeout", "limits",  "snapshot", "tmp",     NULL };
	json_t *o = routes_body_object(rq, rp), *v;
	char err[API_ERR_MAX];
	const char *key;
	int status;

	if (!o)
		return NULL;
	name[0] = '\0';
	json_object_foreach(o, key, v)
	{
		int i;

		for (i = 0; fields[i] && strcmp(fields[i], key); i++)
			;
		if (!fields[i]) {
			routes_error(rp, 400, "unknown field '%.64s' of a FunctionSpec", key);
			goto out_bad;
		}
	}
	v = json_object_get(o, "name");
	if (v && (!json_is_string(v) || json_string_length(v) >= namelen)) {
		routes_error(rp, 400, "name: expected [A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
		goto out_bad;
	}
	if (v)
		snprintf(name, namelen, "%s", json_string_value(v));
	json_object_del(o, "name");
	if (!json_object_get(o, "program") && !json_object_get(o, "snapshot")) {
		routes_error(rp, 400, "program: required (or snapshot)");
		goto out_bad;
	}
	v = json_object_get(o, "timeout");
	if (v && (!json_is_number(v) || !(json_number_value(v) > 0) ||
	          json_number_value(v) > FN_TIMEOUT_MAX)) {
		routes_error(rp, 400,
		             "timeout: expected seconds above 0, at most %g s for a function",
		             FN_TIMEOUT_MAX);
		goto out_bad;
	}
	if ((status = vm_check(o, err, sizeof(err)))) {
		routes_error(rp, status == 404 ? 400 : status, "%s", err);
		goto out_bad;
	}
	return o;

out_bad:
	json_decref(o);
	return NULL;
}

void fn_list(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp)
{
	json_t *a = json_array();

	(void)rq;
	(void)vm;
	for (struct api_fn *f = fns; f; f = f->next)
		json_array_append_new(a, fn_object(f));
	routes_reply_json(rp, 200, json_pack("{s:o}", "functions", a));
}

void fn_create(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp)
{
	char name[API_ID_MAX + 1];
	struct api_fn *f;
	json_t *spec = spec_of(rq, rp, name, sizeof(name));

	(void)vm;
	if (!spec)
		return;
	if (!api_name_ok(name)) {
		routes_error(rp, 400, "name: required, [A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
		goto out;
	}
	for (f = fns; f; f = f->next)
		if (!strcmp(f->name, name)) {
			routes_error(rp, 409, "a function named '%s' exists (PUT updates it)",
			             name);
			goto out;
		}
	if (nfns >= FN_MAX) {
		routes_error(rp, 429, "the daemon holds %d functions: delete some", nfns);
		goto out;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		routes_error(rp, 500, "out of memory");
		goto out;
	}
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->spec = spec;
	spec = NULL;
	f->created_at = f->updated_at = api_wall();
	*fns_tail = f;
	fns_tail = &f->next;
	nfns++;
	routes_reply_json(rp, 201, fn_object(f));
out:
	json_decref(spec);
}

void fn_get(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp)
{
	char name[API_ID_MAX + 1];
	struct api_fn *f = fn_of(rq, name, sizeof(name));

	(void)vm;
	if (!f)
		routes_error(rp, 404, "no function %s", name);
	else
		routes_reply_json(rp, 200, fn_object(f));
}

void fn_update(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp)
{
	char name[API_ID_MAX + 1], ignored[API_ID_MAX + 1];
	struct api_fn *f = fn_of(rq, name, sizeof(name));
	json_t *spec;

	(void)vm;
	if (!f) {
		routes_error(rp, 404, "no function %s", name);
		return;
	}
	spec = spec_of(rq, rp, ignored, sizeof(ignored));
	if (!spec)
		return;
	json_decref(f->spec);
	f->spec = spec;
	f->updated_at = api_wall();
	routes_reply_json(rp, 200, fn_object(f));
}

void fn_delete(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp)
{
	char name[API_ID_MAX + 1];
	struct api_fn *f = fn_of(rq, name, sizeof(name)), **pp;

	(void)vm;
	if (!f) {
		routes_error(rp, 404, "no function %s", name);
		return;
	}
	for (pp = &fns; *pp != f; pp = &(*pp)->next)
		;
	*pp = f->next;
	if (fns_tail == &f->next)
		fns_tail = pp;
	nfns--;
	json_decref(f->spec);
	free(f);
	rp->status = 204;
}

void fn_instances(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp)
{
	char name[API_ID_MAX + 1];
	struct api_fn *f = fn_of(rq, name, sizeof(name));
	json_t *a;

	(void)vm;
	if (!f) {
		routes_error(rp, 404, "no function %s", name);
		return;
	}
	a = json_array();
	for (const struct api_vm *v = vm_list(); v; v = v->next)
		if (v->function && !strcmp(v->function, f->name) && v->state != VM_EXITED)
			json_array_append_new(a, routes_vm_object(v));
	routes_reply_json(rp, 200, json_pack("{s:o}", "vms", a));
}

/* Write the request body to path; 0 or -errno. */
static int write_stdin(const char *path, const char *body, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), rc = 0;

	if (fd < 0)
		return -errno;
	while (len && !rc) {
		ssize_t n = write(fd, body, len);

		if (n < 0 && errno != EINTR)
			rc = -errno;
		if (n > 0) {
			body += n;
			len -= (size_t)n;
		}
	}
	close(fd);
	return rc;
}

void fn_invoke(const struct api_request *rq, struct api_vm *unused, struct api_reply *rp)
{
	char name[API_ID_MAX + 1], err[API_ERR_MAX], path[4096];
	struct api_fn *f = fn_of(rq, name, sizeof(name));
	struct api_vm *vm;
	json_t *create, *t;
	int status, rc = 0;

	(void)unused;
	if (!f) {
		routes_error(rp, 404, "no function %s", name);
		return;
	}
	create = json_deep_copy(f->spec);
	t = json_object_get(create, "timeout");
	if (!t)
		json_object_set_new(create, "timeout", json_real(FN_TIMEOUT));
	json_object_set_new(create, "auto_remove", json_true());
	vm = vm_create(create, rq->who, &status, err, sizeof(err));
	t = json_object_get(create, "timeout");
	rp->wait_deadline = api_now() + json_number_value(t) + FN_WAIT_SLACK;
	json_decref(create);
	if (!vm) {
		/* The spec was checked when registered: what changed since is the host's. */
		routes_error(rp, status == 400 ? 503 : status, "function %s: %s", f->name, err);
		return;
	}
	vm->function = strdup(f->name);
	snprintf(path, sizeof(path), "%s/stdin", vm->dir);
	if (!vm->function || (rc = write_stdin(path, rq->body, rq->body_len)) < 0) {
		routes_error(rp, 503, "function %s: cannot write its input: %s", f->name,
		             vm->function ? strerror(-rc) : "out of memory");
		vm_destroy(vm, true, NULL, 0);
		return;
	}
	if ((status = vm_start(vm, err, sizeof(err)))) {
		routes_error(rp, status, "%s", err);
		vm_destroy(vm, true, NULL, 0);
		return;
	}
	f->invocations++;
	f->restores += json_object_get(f->spec, "snapshot") != NULL;
	rp->kind = REPLY_INVOKE;
	snprintf(rp->vm_id, sizeof(rp->vm_id), "%s", vm->id);
}

void fn_invoke_reply(const struct api_vm *vm, struct api_reply *rp)
{
	char path[4096];
	size_t len = 0, cap = 0;
	char *body = NULL;
	bool cut = false;
	int fd;

	snprintf(path, sizeof(path), "%s/stdout", vm->dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd >= 0) {
		ssize_t n;

		if (len == cap) {
			char *b;

			if (cap >= FN_OUTPUT_MAX) {
				cut = true;
				break;
			}
			cap = cap ? cap * 2 : 65536;
			b = realloc(body, cap);
			if (!b)
				break;
			body = b;
		}
		n = read(fd, body + len, cap - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (fd >= 0)
		close(fd);
	rp->status = 200;
	rp->content_type = "application/octet-stream";
	rp->body = body;
	rp->len = len;
	snprintf(rp->headers, sizeof(rp->headers),
	         "X-Nanvix-Exit-Status: %d\r\nX-Nanvix-Vm: %s\r\n%s", vm->exit_status, vm->id,
	         cut ? "X-Nanvix-Output-Truncated: true\r\n" : "");
}

const char *fn_using_snapshot(const char *snapshot)
{
	for (const struct api_fn *f = fns; f; f = f->next) {
		json_t *v = json_object_get(f->spec, "snapshot");

		if (json_is_string(v) && !strcmp(json_string_value(v), snapshot))
			return f->name;
	}
	return NULL;
}

int fn_metrics(char *buf, size_t len)
{
	size_t off = 0;
	int n;

#define ADD(...)                                                                      \
	do {                                                                          \
		n = snprintf(off < len ? buf + off : NULL, off < len ? len - off : 0, \
		             __VA_ARGS__);                                            \
		off += n > 0 ? (size_t)n : 0;                                         \
	} while (0)
	ADD("# HELP nanvix_function_invocations_total Invocations of a function.\n"
	    "# TYPE nanvix_function_invocations_total counter\n");
	for (const struct api_fn *f = fns; f; f = f->next)
		ADD("nanvix_function_invocations_total{name=\"%s\"} %llu\n", f->name,
		    (unsigned long long)f->invocations);
	ADD("# HELP nanvix_function_running Invocations of a function running now.\n"
	    "# TYPE nanvix_function_running gauge\n");
	for (const struct api_fn *f = fns; f; f = f->next)
		ADD("nanvix_function_running{name=\"%s\"} %d\n", f->name, running_of(f));
	ADD("# HELP nanvix_function_restores_total Invocations of a function that were restores "
	    "of its snapshot.\n"
	    "# TYPE nanvix_function_restores_total counter\n");
	for (const struct api_fn *f = fns; f; f = f->next)
		ADD("nanvix_function_restores_total{name=\"%s\"} %llu\n", f->name,
		    (unsigned long long)f->restores);
#undef ADD
	return (int)off;
}
