/* nanvix-api's routes: docs/api/openapi.yaml, one handler an operation. */
/*
 * A request is matched on its path's segments first (404 when no route
 * has that shape, 405 with Allow when the route lacks the method), then
 * authorised for the route's scope, then handled.  Path segments that
 * name a VM must look like an id or a name ([A-Za-z0-9][A-Za-z0-9_.-]*),
 * so percent-encoding, "..", empty segments and the like never reach a
 * lookup: they are 404s.
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api.h"

#define SEGS_MAX 4

struct route {
	const char *method;
	const char *pattern; /* segments; "{id}" matches a VM id or name */
	int scope;
	void (*fn)(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp);
};

static void reply_json(struct api_reply *rp, int status, json_t *o)
{
	rp->status = status;
	rp->content_type = "application/json";
	rp->body = json_dumps(o, JSON_COMPACT);
	rp->len = rp->body ? strlen(rp->body) : 0;
	json_decref(o);
}

static const char *code_of(int status)
{
	switch (status) {
	case 400: return "bad_request";
	case 401: return "unauthorized";
	case 403: return "forbidden";
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 408: return "timeout";
	case 409: return "conflict";
	case 411:
	case 417:
	case 431:
	case 501:
	case 505: return "bad_request";
	case 413: return "payload_too_large";
	case 429: return "rate_limited";
	case 503: return "unavailable";
	default: return "internal";
	}
}

void routes_error(struct api_reply *rp, int status, const char *fmt, ...)
{
	char msg[API_ERR_MAX];
	va_list ap;
	json_t *o;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "nanvix-api: %d %s: %s\n", status, code_of(status), msg);
	o = json_pack("{s:s, s:s}", "code", code_of(status), "fault_message", msg);
	if (!o) /* msg is not UTF-8 */
		o = json_pack("{s:s, s:s}", "code", code_of(status), "fault_message",
		              "(a message that is not UTF-8; see the daemon's log)");
	reply_json(rp, status, o);
}

static json_t *time_or_null(double t)
{
	char buf[40];
	struct tm tm;
	time_t s = (time_t)t;

	if (!t)
		return json_null();
	gmtime_r(&s, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ".%03dZ",
	         (int)((t - (double)s) * 1000));
	return json_string(buf);
}

static json_t *vm_object(const struct api_vm *vm)
{
	char log[4096];
	struct stat st = { 0 };
	double cpu;
	uint64_t rss;
	json_t *args = json_loads(vm->args_json, 0, NULL), *o;

	vm_log_path(vm, log, sizeof(log));
	if (stat(log, &st) < 0)
		st.st_size = 0;
	vm_usage(vm, &cpu, &rss);
	o = json_pack("{s:s, s:s, s:s, s:o, s:s}", "id", vm->id, "name", vm->name, "state",
	              vm_state_names[vm->state], "args", args ? args : json_array(), "memory",
	              vm->memory);
	if (!o)
		return json_object();
	json_object_set_new(o, "program",
	                    json_string(vm->program)); /* NULL (left out) if not UTF-8 */
	if (vm->pid)
		json_object_set_new(o, "pid", json_integer(vm->pid));
	json_object_set_new(o, "exit_status",
	                    vm->state == VM_EXITED ? json_integer(vm->exit_status) : json_null());
	json_object_set_new(o, "created_at", time_or_null(vm->created_at));
	json_object_set_new(o, "started_at", time_or_null(vm->started_at));
	json_object_set_new(o, "finished_at", time_or_null(vm->finished_at));
	json_object_set_new(o, "log_bytes", json_integer((json_int_t)st.st_size));
	json_object_set_new(o, "cpu_seconds", json_real(cpu));
	json_object_set_new(o, "memory_bytes", json_integer((json_int_t)rss));
	if (vm->stats || snap_live_stats(vm))
		json_object_set(o, "stats", vm->stats ? vm->stats : snap_live_stats(vm));
	return o;
}

char *routes_vm_json(const struct api_vm *vm, size_t *len)
{
	json_t *o = vm_object(vm);
	char *text = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	*len = text ? strlen(text) : 0;
	return text;
}

/* The value of query parameter `name` (copied, at most len-1 bytes), or NULL. */
static const char *query_get(const struct api_request *rq, const char *name, char *buf, size_t len)
{
	size_t n = strlen(name);

	for (const char *p = rq->query; *p;) {
		const char *end = p + strcspn(p, "&");

		if ((size_t)(end - p) > n && !strncmp(p, name, n) && p[n] == '=') {
			snprintf(buf, len, "%.*s", (int)(end - p - (ptrdiff_t)n - 1), p + n + 1);
			return buf;
		}
		if ((size_t)(end - p) == n && !strncmp(p, name, n)) {
			snprintf(buf, len, "true");
			return buf;
		}
		p = *end ? end + 1 : end;
	}
	return NULL;
}

/* A boolean query parameter: 0 false or absent, 1 true, -1 malformed. */
static int query_bool(const struct api_request *rq, const char *name)
{
	char v[16];

	if (!query_get(rq, name, v, sizeof(v)))
		return 0;
	if (!strcmp(v, "true") || !strcmp(v, "1"))
		return 1;
	if (!strcmp(v, "false") || !strcmp(v, "0"))
		return 0;
	return -1;
}

/* The body as a JSON object; an empty body is {}.  NULL after an error reply. */
static json_t *body_object(const struct api_request *rq, struct api_reply *rp)
{
	json_error_t je;
	json_t *o;

	if (rq->body_len == 0)
		return json_object();
	o = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!o) {
		routes_error(rp, 400, "the body is not JSON: %s at byte %d", je.text, je.position);
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		routes_error(rp, 400, "the body must be a JSON object");
		return NULL;
	}
	return o;
}

static void reply_vm(struct api_reply *rp, int status, const struct api_vm *vm)
{
	reply_json(rp, status, vm_object(vm));
}

static void get_version(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp)
{
	(void)rq;
	(void)vm;
	reply_json(rp, 200,
	           json_pack("{s:s, s:s, s:s}", "version", API_VERSION, "api", "v1", "nanvixd",
	                     api_opt.nanvixd));
}

static void get_health(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp)
{
	bool ok;

	(void)rq;
	(void)vm;
	rp->body = health_render(&rp->len, &ok);
	rp->status = ok ? 200 : 503;
	rp->content_type = "application/json";
}

static void get_metrics(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp)
{
	(void)rq;
	(void)vm;
	snap_refresh_stats(NULL); /* running VMs' counters as they are now */
	rp->body = metrics_render(&rp->len);
	rp->status = 200;
	rp->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

static void list_vms(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp)
{
	char want[16];
	int state = -1;
	json_t *a = json_array();

	(void)vm;
	if (query_get(rq, "state", want, sizeof(want))) {
		for (state = 0; state < VM_NSTATES && strcmp(vm_state_names[state], want); state++)
			;
		if (state == VM_NSTATES) {
			json_decref(a);
			routes_error(
			        rp, 400,
			        "state: expected created, running, paused, stopping or exited");
			return;
		}
	}
	for (struct api_vm *v = vm_list(); v; v = v->next)
		if (state < 0 || (int)v->state == state)
			json_array_append_new(a, vm_object(v));
	reply_json(rp, 200, json_pack("{s:o}", "vms", a));
}

static void create_vm(const struct api_request *rq, struct api_vm *unused, struct api_reply *rp)
{
	char err[API_ERR_MAX];
	struct api_vm *vm;
	json_t *o = body_object(rq, rp);
	int status;
	bool start;

	(void)unused;
	if (!o)
		return;
	start = json_is_true(json_object_get(o, "start"));
	vm = vm_create(o, rq->who, &status, err, sizeof(err));
	json_decref(o);
	if (!vm) {
		routes_error(rp, status, "%s", err);
		return;
	}
	if (start && (status = vm_start(vm, err, sizeof(err)))) {
		vm_destroy(vm, true, NULL, 0);
		routes_error(rp, status, "%s", err);
		return;
	}
	reply_vm(rp, 201, vm);
}

static void get_vm(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp)
{
	(void)rq;
	snap_refresh_stats(vm); /* a running VM's counters as they are now */
	reply_vm(rp, 200, vm);
}

static void delete_vm(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp)
{
	char err[API_ERR_MAX];
	int force = query_bool(rq, "force"), status;

	if (force < 0) {
		routes_error(rp, 400, "force: expected true or false");
		return;
	}
	if ((status = vm_destroy(vm, force, err, sizeof(err)))) {
		routes_error(rp, status, "%s", err);
		return;
	}
	rp->status = 204;
}

static void start_vm(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp)
{
	char err[API_ERR_MAX];
	int status;

	(void)rq;
	if ((status = vm_start(vm, err, sizeof(err))))
		routes_error(rp, status, "%s", err);
	else
		reply_vm(rp, 200, vm);
}

static void wait_vm(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp)
{
	char v[32], *end;
	double timeout = 60;

	if (query_get(rq, "timeout", v, sizeof(v))) {
		timeout = strtod(v, &end);
		if (end == v || *end || !(timeout >= 0 && timeout <= 3600)) {
			routes_error(rp, 400, "timeout: expected seconds from 0 to 3600");
			return;
		}
	}
	if (vm->state == VM_EXITED) {
		vm->waited = true;
		reply_vm(rp, 200, vm);
		return;
	}
	if (vm->state == VM_CREATED) {
		routes_error(rp, 409, "VM %s was never started: nothing to wait for", vm->id);
		return;
	}
	rp->kind = REPLY_WAIT;
	snprintf(rp->vm_id, sizeof(rp->vm_id), "%s", vm->id);
	rp->wait_deadline = api_now() + timeout;
}

static void stop_vm(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp)
{
	char err[API_ERR_MAX];
	json_t *o = body_object(rq, rp), *g;
	double grace = 10;
	const char *key;
	int status;

	if (!o)
		return;
	json_object_foreach(o, key, g) if (strcmp(key, "grace_seconds"))
	{
		json_decref(o);
		routes_error(rp, 400, "unknown field '%.64s'", key);
		return;
	}
	g = json_object_get(o, "grace_seconds");
	if (g && (!json_is_number(g) || json_number_value(g) < 0 || json_number_value(g) > 3600)) {
		json_decref(o);
		routes_error(rp, 400, "grace_seconds: expected seconds from 0 to 3600");
		return;
	}
	if (g)
		grace = json_number_value(g);
	json_decref(o);
	if ((status = vm_stop(vm, grace, err, sizeof(err))))
		routes_error(rp, status, "%s", err);
	else
		reply_vm(rp, 202, vm);
}

/* A signal by name (SIGTERM, TERM, any case) or number; 0 when unknown. */
static int signal_of(json_t *v)
{
	static const struct {
		const char *name;
		int sig;
	} names[] = { { "KILL", SIGKILL },
		      { "TERM", SIGTERM },
		      { "INT", SIGINT },
		      { "HUP", SIGHUP },
		      { "WINCH", SIGWINCH } };
	const char *s;

	if (!v)
		return SIGKILL;
	if (json_is_integer(v))
		return json_integer_value(v) > 0 && json_integer_value(v) < 65
		               ? (int)json_integer_value(v)
		               : 0;
	s = json_string_value(v);
	if (!s)
		return 0;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(s, names[i].name))
			return names[i].sig;
	return 0;
}

static void kill_vm(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp)
{
	char err[API_ERR_MAX];
	json_t *o = body_object(rq, rp), *v;
	const char *key;
	int sig, status;

	if (!o)
		return;
	json_object_foreach(o, key, v) if (strcmp(key, "signal"))
	{
		json_decref(o);
		routes_error(rp, 400, "unknown field '%.64s'", key);
		return;
	}
	sig = signal_of(json_object_get(o, "signal"));
	json_decref(o);
	if (!sig) {
		routes_error(rp, 400,
		             "signal: expected a name such as SIGTERM or a number from 1 to 64");
		return;
	}
	if ((status = vm_signal(vm, sig, err, sizeof(err))))
		routes_error(rp, status, "%s", err);
	else
		reply_vm(rp, 202, vm);
}

static void pause_or_resume(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp,
                            bool pause)
{
	char err[API_ERR_MAX];
	int status;

	(void)rq;
	if ((status = vm_pause(vm, pause, err, sizeof(err))))
		routes_error(rp, status, "%s", err);
	else
		reply_vm(rp, 200, vm);
}

static void pause_vm(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp)
{
	pause_or_resume(rq, vm, rp, true);
}

static void resume_vm(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp)
{
	pause_or_resume(rq, vm, rp, false);
}

/* POST /v1/vms/{id}/snapshot {"name", "timeout"}: answered by conn.c when nanvixd has it. */
static void snapshot_vm(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp)
{
	char err[API_ERR_MAX];
	json_t *o = body_object(rq, rp), *name, *t;
	double timeout = 30;
	const char *key;
	json_t *v;
	int status;

	if (!o)
		return;
	json_object_foreach(o, key, v) if (strcmp(key, "name") && strcmp(key, "timeout"))
	{
		routes_error(rp, 400, "unknown field '%.64s' (name, timeout)", key);
		goto out;
	}
	name = json_object_get(o, "name");
	if (!json_is_string(name) || !api_name_ok(json_string_value(name))) {
		routes_error(rp, 400, "name: required, as [A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
		goto out;
	}
	if ((t = json_object_get(o, "timeout"))) {
		timeout = json_is_number(t) ? json_number_value(t) : -1;
		if (!(timeout > 0 && timeout <= 3600)) {
			routes_error(rp, 400,
			             "timeout: expected seconds, above 0 and at most 3600");
			goto out;
		}
	}
	if ((status = snap_request(vm, json_string_value(name), err, sizeof(err)))) {
		routes_error(rp, status, "%s", err);
		goto out;
	}
	rp->kind = REPLY_SNAPSHOT;
	snprintf(rp->vm_id, sizeof(rp->vm_id), "%s", vm->id);
	rp->wait_deadline = api_now() + timeout;
out:
	json_decref(o);
}

static void get_logs(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp)
{
	char v[32], *end;
	int follow = query_bool(rq, "follow");
	unsigned long long since = 0;

	if (follow < 0) {
		routes_error(rp, 400, "follow: expected true or false");
		return;
	}
	if (query_get(rq, "since", v, sizeof(v))) {
		errno = 0;
		since = strtoull(v, &end, 10);
		if (end == v || *end || errno || v[0] == '-') {
			routes_error(rp, 400, "since: expected a byte offset");
			return;
		}
	}
	rp->kind = REPLY_LOG_STREAM;
	rp->since = since;
	rp->wait_deadline = follow; /* conn.c: 1 follows, 0 sends what there is */
	snprintf(rp->vm_id, sizeof(rp->vm_id), "%s", vm->id);
	rp->status = 200;
	rp->content_type = "text/plain; charset=utf-8";
}

static void snapshot_dir(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/snapshots/%s", api_opt.state_dir, name);
}

static void list_snapshots(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp)
{
	char dir[4096], path[4500];
	json_t *a = json_array();
	struct dirent *e;
	DIR *d;

	(void)rq;
	(void)vm;
	snprintf(dir, sizeof(dir), "%s/snapshots", api_opt.state_dir);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		struct stat st;
		json_t *o;

		if (!api_name_ok(e->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		o = json_pack("{s:s, s:o}", "name", e->d_name, "created_at",
		              time_or_null((double)st.st_mtime));
		if (o)
			json_array_append_new(a, o);
	}
	if (d)
		closedir(d);
	reply_json(rp, 200, json_pack("{s:o}", "snapshots", a));
}

static void delete_snapshot(const struct api_request *rq, struct api_vm *vm, struct api_reply *rp)
{
	char dir[4200], name[API_ID_MAX + 1];
	struct stat st;

	(void)vm;
	/* The route matched v1/snapshots/{id}: the name is the last segment. */
	snprintf(name, sizeof(name), "%s", strrchr(rq->path, '/') + 1);
	snapshot_dir(name, dir, sizeof(dir));
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		routes_error(rp, 404, "no snapshot %s", name);
		return;
	}
	if (fn_using_snapshot(name)) {
		routes_error(rp, 409, "function %s restores snapshot %s: update or delete it first",
		             fn_using_snapshot(name), name);
		return;
	}
	for (struct api_vm *v = vm_list(); v; v = v->next)
		if (v->state != VM_EXITED && v->snapshot && !strcmp(v->snapshot, name)) {
			routes_error(rp, 409,
			             "VM %s was restored from snapshot %s and has not exited",
			             v->id, name);
			return;
		}
	if (api_rm_tree(dir) < 0) {
		routes_error(rp, 500, "cannot delete %s: %s", dir, strerror(errno));
		return;
	}
	rp->status = 204;
}

void *routes_body_object(const struct api_request *rq, struct api_reply *rp)
{
	return body_object(rq, rp);
}

void routes_reply_json(struct api_reply *rp, int status, void *o)
{
	reply_json(rp, status, o);
}

void *routes_vm_object(const struct api_vm *vm)
{
	return vm_object(vm);
}

void *routes_time(double t)
{
	return time_or_null(t);
}

static const struct route routes[] = {
	{ "GET", "v1/version", SCOPE_READ, get_version },
	{ "GET", "v1/health", SCOPE_READ, get_health },
	{ "GET", "v1/metrics", SCOPE_READ, get_metrics },
	{ "GET", "v1/vms", SCOPE_READ, list_vms },
	{ "POST", "v1/vms", SCOPE_INVOKE, create_vm },
	{ "GET", "v1/vms/{id}", SCOPE_READ, get_vm },
	{ "DELETE", "v1/vms/{id}", SCOPE_MANAGE, delete_vm },
	{ "POST", "v1/vms/{id}/start", SCOPE_INVOKE, start_vm },
	{ "GET", "v1/vms/{id}/wait", SCOPE_INVOKE, wait_vm },
	{ "POST", "v1/vms/{id}/stop", SCOPE_MANAGE, stop_vm },
	{ "POST", "v1/vms/{id}/kill", SCOPE_MANAGE, kill_vm },
	{ "POST", "v1/vms/{id}/pause", SCOPE_MANAGE, pause_vm },
	{ "POST", "v1/vms/{id}/resume", SCOPE_MANAGE, resume_vm },
	{ "GET", "v1/vms/{id}/logs", SCOPE_READ, get_logs },
	{ "POST", "v1/vms/{id}/snapshot", SCOPE_MANAGE, snapshot_vm },
	{ "GET", "v1/snapshots", SCOPE_READ, list_snapshots },
	{ "DELETE", "v1/snapshots/{name}", SCOPE_MANAGE, delete_snapshot },
	{ "GET", "v1/functions", SCOPE_READ, fn_list },
	{ "POST", "v1/functions", SCOPE_MANAGE, fn_create },
	{ "GET", "v1/functions/{name}", SCOPE_READ, fn_get },
	{ "PUT", "v1/functions/{name}", SCOPE_MANAGE, fn_update },
	{ "DELETE", "v1/functions/{name}", SCOPE_MANAGE, fn_delete },
	{ "GET", "v1/functions/{name}/instances", SCOPE_READ, fn_instances },
	{ "POST", "v1/functions/{name}/invoke", SCOPE_INVOKE, fn_invoke },
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* Does path (without its leading '/') have pattern's shape?  The {id} segment goes to id. */
static bool match(const char *pattern, const char *path, char *id, size_t idlen)
{
	while (*pattern) {
		size_t pl = strcspn(pattern, "/"), sl = strcspn(path, "/");

		if ((!strncmp(pattern, "{id}", 4) && pl == 4) ||
		    (!strncmp(pattern, "{name}", 6) && pl == 6)) {
			if (sl == 0 || sl > API_ID_MAX || sl >= idlen)
				return false;
			memcpy(id, path, sl);
			id[sl] = '\0';
			if (!api_name_ok(id))
				return false;
		} else if (pl != sl || strncmp(pattern, path, pl)) {
			return false;
		}
		pattern += pl;
		path += sl;
		if (*pattern != *path)
			return false;
		if (*pattern) {
			pattern++;
			path++;
		}
	}
	return *path == '\0';
}

static bool mutating(const char *method)
{
	return strcmp(method, "GET") != 0;
}

void routes_handle(const struct api_request *rq, struct api_reply *rp)
{
	const struct route *r = NULL;
	struct api_request asked;
	char id[API_ID_MAX + 1] = "", allow[64] = "", who[API_ID_MAX + 1], err[API_ERR_MAX];
	const char *path = rq->path[0] == '/' ? rq->path + 1 : rq->path;
	struct api_vm *vm = NULL;
	int status, retry = 0;

	memset(rp, 0, sizeof(*rp));
	for (size_t i = 0; i < NROUTES; i++) {
		if (!match(routes[i].pattern, path, id, sizeof(id)))
			continue;
		snprintf(allow + strlen(allow), sizeof(allow) - strlen(allow), "%s%s",
		         allow[0] ? ", " : "", routes[i].method);
		if (!strcmp(routes[i].method, rq->method))
			r = &routes[i];
	}
	if (!allow[0]) {
		routes_error(rp, 404, "no route %s %.200s", rq->method, rq->path);
		return;
	}
	if (!r) {
		routes_error(rp, 405, "%.200s takes %s, not %s", rq->path, allow, rq->method);
		rp->allow = strdup(allow);
		return;
	}
	status = auth_check(rq->auth, rq->auth_len, r->scope, who, sizeof(who), &retry, err,
	                    sizeof(err));
	if (status) {
		routes_error(rp, status, "%s", err);
		rp->retry_after = retry;
		audit(status == 429 ? "rate_limited" : "auth_refused", "who",
		      status == 401 ? rq->peer : who, "method", rq->method, "path", rq->path,
		      "message", err, NULL);
		return;
	}
	if (id[0] && strstr(r->pattern, "{id}") && !(vm = vm_find(id))) {
		routes_error(rp, 404, "no VM %s", id);
		return;
	}
	/* The handler knows who asked (a VM keeps its creator for the audit log). */
	asked = *rq;
	snprintf(asked.who, sizeof(asked.who), "%s", strcmp(who, "local") ? who : rq->peer);
	r->fn(&asked, vm, rp);
	if (mutating(rq->method)) {
		char st[8];

		snprintf(st, sizeof(st), "%d", rp->status);
		audit("api", "who", asked.who, "method", rq->method, "path", rq->path, "status", st,
		      NULL);
	}
}
