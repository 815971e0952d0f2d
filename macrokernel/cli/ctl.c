/* ctl: bin/nanvix's VM lifecycle commands, clients of nanvix-api (docs/api/openapi.yaml). */
/*
 * Each command is a few requests to the daemon's control API, one
 * connection each (httpc.c), and prints a human table or, with --json, the
 * API's own JSON.  The daemon is trusted but its answers are still checked
 * before use: bodies are bounded, must be JSON objects, and every field a
 * command reads is type-checked, so a malformed answer gives a message and
 * status 1, never a crash.  Strings from the daemon reach the terminal with
 * control characters replaced.
 *
 * Exit statuses: 0; 1 when something failed (the daemon's fault_message,
 * or why it could not be reached, on stderr); 2 for bad usage; `run`,
 * `wait` and `fn invoke` pass the VM's own exit status through.
 *
 * `fn` groups the function commands, each a command of its own with its
 * --help; `fn deploy` takes the options of what a VM runs as `run` does
 * (SPEC_LONGS, --snapshot among them: then no PROGRAM), and `fn invoke`
 * sends its input as the request's raw body and streams the answer's
 * body, the function's output, to stdout as is.
 *
 * `run` in the foreground follows the VM's log (a chunked stream that ends
 * when the VM has exited), then waits for its status.  SIGINT, SIGTERM and
 * SIGHUP sent to nanvix are passed to the VM's program through the kill
 * route (the VM does not share the terminal); the third kills the VM.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "httpc.h"

#define JSON_MAX        (16 << 20) /* the largest JSON answer taken */
#define CALL_TIMEOUT_MS 60000      /* the longest wait for an answer, but for waits and logs -f */
#define WAIT_STEP_S     300        /* a wait asks the daemon for this long, then asks again */
#define REF_MAX         64         /* a VM's id or name, as the API's VmId pattern */
#define PROGRAM_COLUMN  48         /* ps shows this much of the program and its arguments */
#define INVOKE_MAX      (64 << 20) /* fn invoke's input at most: nanvix-api's largest --max-body */
#define INVOKE_TIMEOUT_MS \
	((3600 + 60) * 1000) /* an invocation's answer: its timeout is <= 3600 s */

/* snapshot --timeout: the daemon's default and the most it takes, in seconds. */
#define SNAP_TIMEOUT_DEFAULT 30
#define SNAP_TIMEOUT_MAX     3600

/* The connection to the daemon, shared by a command's requests. */
struct ctl {
	const char *cmd;               /* the command, for messages ("ps", "fn deploy") */
	const struct command *command; /* its entry, for --help */
	const char *host;              /* -H's address, or NULL */
	const char *key;               /* $NANVIX_API_KEY, or NULL */
	struct httpc_target target;    /* the host, parsed at the first request */
	int target_ok;
};

/* A daemon's answer. */
struct reply {
	int status;                /* the HTTP status */
	json_t *json;              /* the body when it was a JSON object, else NULL */
	struct httpc_response raw; /* as read: its header fields for httpc_header */
};

/* One lifecycle command. */
struct command {
	const char *name;
	int (*run)(struct ctl *c, int argc, char **argv);
	const char *synopsis; /* nanvix --help's line */
	const char *summary;
	const char *help; /* nanvix NAME --help: examples first */
};

static const struct command *find(const char *name);

/* ---- output ---- */

/* S with control characters as '?', cut to max bytes (with "..."): malloc'd. */
static char *clean(const char *s, size_t max)
{
	size_t n = strlen(s);
	char *d;

	if (n > max)
		n = max;
	d = malloc(n + 1);
	if (!d)
		abort();
	for (size_t i = 0; i < n; i++)
		d[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	d[n] = '\0';
	if (strlen(s) > max && max >= 3)
		memcpy(d + max - 3, "...", 3);
	return d;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "nanvix: MESSAGE" on stderr, control characters replaced. */
static void say(const char *fmt, ...)
{
	char msg[1024], *m;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	m = clean(msg, sizeof(msg));
	fflush(stdout);
	fprintf(stderr, "nanvix: %s\n", m);
	free(m);
}

static int usage_error(struct ctl *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A usage mistake: said with a pointer to the command's help; returns 2. */
static int usage_error(struct ctl *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "nanvix %s: %s\nsee 'nanvix %s --help'\n", c->cmd, msg, c->cmd);
	return 2;
}

static int help(struct ctl *c)
{
	const struct command *cmd = c->command;

	printf("usage: nanvix [-H ADDR] %s\n\n%s.\n\n%s", cmd->synopsis, cmd->summary, cmd->help);
	return 0;
}

static void print_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
}

/* A table printed with columns as wide as their widest cell. */
#define TABLE_COLS 8
struct table {
	int ncols;
	size_t nrows;
	char **cells; /* nrows * ncols, each malloc'd */
};

/* Append a row of t->ncols cells (copied, cleaned). */
static void table_row(struct table *t, const char *const *cols)
{
	char **grown = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(*grown));

	if (!grown)
		abort();
	t->cells = grown;
	for (int i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = clean(cols[i] ? cols[i] : "-", 4096);
	t->nrows++;
}

/* Print the table and free its cells. */
static void table_print(struct table *t)
{
	size_t width[TABLE_COLS] = { 0 };

	for (size_t r = 0; r < t->nrows; r++)
		for (int i = 0; i < t->ncols; i++) {
			size_t n = strlen(t->cells[r * t->ncols + i]);

			if (n > width[i])
				width[i] = n;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		for (int i = 0; i < t->ncols; i++) {
			const char *cell = t->cells[r * t->ncols + i];

			if (i == t->ncols - 1)
				printf("%s\n", cell);
			else
				printf("%-*s   ", (int)width[i], cell);
			free(t->cells[r * t->ncols + i]);
		}
	}
	free(t->cells);
	t->cells = NULL;
	t->nrows = 0;
}

/* ---- values ---- */

static const char *str_of(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Whether S is a VM's id or name as the API's VmId pattern has it (and so safe in a path). */
static int ref_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > REF_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = s[i];
		int alnum = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
		            (ch >= 'A' && ch <= 'Z');

		if (!alnum && (i == 0 || !strchr("_.-", ch)))
			return 0;
	}
	return 1;
}

/* A VM as the API's Vm schema requires it: an object with id (safe), name and state. */
static int vm_ok(json_t *vm)
{
	const char *id = str_of(vm, "id");

	return json_is_object(vm) && id && ref_ok(id) && str_of(vm, "name") && str_of(vm, "state");
}

/* Seconds since an RFC 3339 date-time (…Z or …±HH:MM), or -1 when S is not one. */
static long long age_of(const char *s)
{
	struct tm tm = { 0 };
	int used = 0, oh, om;
	long long t;
	const char *p;

	if (!s ||
	    sscanf(s, "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	           &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &used) != 6 ||
	    !used)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	p = s + used;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if ((*p == 'Z' || *p == 'z') && !p[1])
		;
	else if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &oh, &om) == 2)
		t -= (*p == '+' ? 1 : -1) * (oh * 3600LL + om * 60);
	else
		return -1;
	t = (long long)time(NULL) - t;
	return t < 0 ? 0 : t;
}

static void fmt_age(char *buf, size_t n, long long secs)
{
	if (secs < 0)
		snprintf(buf, n, "-");
	else if (secs < 120)
		snprintf(buf, n, "%llds", secs);
	else if (secs < 7200)
		snprintf(buf, n, "%lldm", secs / 60);
	else if (secs < 172800)
		snprintf(buf, n, "%lldh", secs / 3600);
	else
		snprintf(buf, n, "%lldd", secs / 86400);
}

static void fmt_bytes(char *buf, size_t n, double b)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int u = 0;

	while (b >= 1024 && u < 4) {
		b /= 1024;
		u++;
	}
	snprintf(buf, n, u ? "%.1f%s" : "%.0f%s", b, unit[u]);
}

/* ---- requests ---- */

/* Parse the daemon's address once: -H, else $NANVIX_HOST, else the default socket. */
static int resolve(struct ctl *c)
{
	char def[PATH_MAX], err[512];
	const char *addr = c->host, *xdg = getenv("XDG_RUNTIME_DIR");

	if (c->target_ok)
		return 0;
	if (!addr || !*addr)
		addr = getenv("NANVIX_HOST");
	if (!addr || !*addr) {
		if (xdg && *xdg)
			snprintf(def, sizeof(def), "%s/nanvix/api.sock", xdg);
		else if (geteuid() == 0)
			snprintf(def, sizeof(def), "/run/nanvix/api.sock");
		else
			snprintf(def, sizeof(def), "/tmp/nanvix-%u/api.sock", (unsigned)geteuid());
		addr = def;
	}
	if (httpc_target_parse(&c->target, addr, err, sizeof(err)) < 0) {
		say("the daemon's address %s (see --host)", err);
		return -1;
	}
	c->target_ok = 1;
	return 0;
}

static void reply_free(struct reply *r)
{
	json_decref(r->json);
	r->json = NULL;
	httpc_response_free(&r->raw);
}

/*
 * Send RQ with BODY (a JSON value; NULL for RQ's own body, if any) and read
 * the answer into *r (free it with reply_free).
 * Returns 0 when the daemon answered, its body a JSON object, empty or
 * streamed; -1 (said on stderr) when it could not be reached or answered
 * something else.  A JSON body that is not an object is taken from an
 * error status (r->json NULL; fault() says the status).
 */
static int exchange(struct ctl *c, struct httpc_request *rq, json_t *body, struct reply *r)
{
	struct httpc_response rs;
	char err[512], *text = NULL;
	json_error_t jerr;
	int ret = -1, st;

	memset(r, 0, sizeof(*r));
	if (resolve(c) < 0)
		return -1;
	if (body && !(text = json_dumps(body, JSON_COMPACT))) {
		say("out of memory");
		return -1;
	}
	if (text) {
		rq->body = text;
		rq->body_len = strlen(text);
	}
	rq->bearer = c->key;
	if (!rq->max_body)
		rq->max_body = JSON_MAX;
	st = httpc_request(&c->target, rq, &rs, err, sizeof(err));
	if (st == HTTPC_ECONNECT) {
		say("cannot reach the daemon at %s: %s (is nanvix-api running? see --host)",
		    c->target.name, err);
		goto out;
	}
	if (st < 0) {
		say("the daemon at %s: %s", c->target.name, err);
		goto out;
	}
	r->status = rs.status;
	if (rs.body_len > 0) {
		r->json = json_loadb(rs.body, rs.body_len, 0, &jerr);
		if (!json_is_object(r->json)) {
			json_decref(r->json);
			r->json = NULL;
			if (rs.status >= 200 && rs.status < 300) {
				say("the daemon's answer to %s %s is not a JSON object", rq->method,
				    rq->path);
				goto out;
			}
		}
	}
	ret = 0;
out:
	if (ret == 0)
		r->raw = rs;
	else
		httpc_response_free(&rs);
	if (text)
		rq->body = NULL; /* freed here: RQ may be sent again */
	free(text);
	return ret;
}

/* Say the daemon's fault_message (or its status when it gave none); returns 1. */
static int fault(const struct reply *r)
{
	const char *msg = str_of(r->json, "fault_message");

	if (msg && *msg)
		say("%s", msg);
	else
		say("the daemon answered HTTP %d", r->status);
	return 1;
}

/*
 * METHOD PATH with BODY (or NULL): 0 when the daemon answered 2xx (its JSON
 * in r->json, NULL for none), else -1 with the reason said on stderr.
 */
static int call(struct ctl *c, const char *method, const char *path, json_t *body, struct reply *r)
{
	struct httpc_request rq = {
		.method = method,
		.path = path,
		.timeout_ms = CALL_TIMEOUT_MS,
	};

	if (exchange(c, &rq, body, r) < 0)
		return -1;
	if (r->status < 200 || r->status > 299) {
		fault(r);
		reply_free(r);
		return -1;
	}
	return 0;
}

/* Check REF before it goes into a path; says why not and returns -1. */
static int check_ref(const char *ref)
{
	if (ref_ok(ref))
		return 0;
	say("'%s': not a VM's id or name (letters, digits, '_', '.', '-'; at most %d)", ref,
	    REF_MAX);
	return -1;
}

/* The VM REF's route SUFFIX ("" for the VM itself) in buf. */
static const char *vm_path(char *buf, size_t n, const char *ref, const char *suffix)
{
	snprintf(buf, n, "/v1/vms/%s%s", ref, suffix);
	return buf;
}

/* ---- signals passed to the VM of `run` ---- */

static volatile sig_atomic_t pending_signal;

static void note_signal(int sig)
{
	pending_signal = sig;
}

struct forward {
	struct ctl *c;
	const char *ref;
	int count;
};

/* Pass a signal nanvix got on to the VM (httpc calls this outside the handler). */
static void forward_signal(void *arg)
{
	struct forward *f = arg;
	struct httpc_request rq = { .method = "POST", .timeout_ms = CALL_TIMEOUT_MS };
	struct reply r;
	char path[128];
	json_t *body;
	int sig = pending_signal;

	if (!sig)
		return;
	pending_signal = 0;
	if (++f->count >= 3) {
		say("killing %s", f->ref);
		sig = SIGKILL;
	}
	body = json_pack("{s:i}", "signal", sig);
	rq.path = vm_path(path, sizeof(path), f->ref, "/kill");
	/* 404 or 409: it is gone or exiting anyway. */
	if (body && exchange(f->c, &rq, body, &r) == 0) {
		if (r.status >= 300 && r.status != 404 && r.status != 409)
			fault(&r);
		reply_free(&r);
	}
	json_decref(body);
}

static void forward_signals(int on)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = on ? note_signal : SIG_DFL };

	/* No SA_RESTART: a blocked read must return to let forward_signal act. */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* ---- shared steps ---- */

/* httpc sink: the bytes to stdout as they come. */
static int write_out(void *arg, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, p, n);

		if (w < 0 && errno == EINTR) {
			if (arg)
				forward_signal(arg);
			continue;
		}
		if (w < 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

/* Copy REF's log to stdout, following it until the VM exited when FOLLOW. */
static int copy_log(struct ctl *c, const char *ref, int follow, struct forward *fwd)
{
	char path[128];
	struct httpc_request rq = {
		.method = "GET",
		.path = vm_path(path, sizeof(path), ref, follow ? "/logs?follow=true" : "/logs"),
		.timeout_ms = follow ? -1 : CALL_TIMEOUT_MS,
		.sink = write_out,
		.sink_arg = fwd,
		.on_signal = fwd ? forward_signal : NULL,
		.signal_arg = fwd,
	};
	struct reply r;

	fflush(stdout);
	if (exchange(c, &rq, NULL, &r) < 0)
		return -1;
	if (r.status < 200 || r.status > 299) {
		fault(&r);
		reply_free(&r);
		return -1;
	}
	reply_free(&r);
	return 0;
}

/* Wait for REF to exit: its exit status in *status; 0, or -1 (said). */
static int wait_exit(struct ctl *c, const char *ref, struct forward *fwd, int *status)
{
	char suffix[32], path[128];
	struct httpc_request rq = {
		.method = "GET",
		.path = path,
		.timeout_ms = (WAIT_STEP_S + 60) * 1000,
		.on_signal = fwd ? forward_signal : NULL,
		.signal_arg = fwd,
	};
	struct reply r;
	json_t *st;

	snprintf(suffix, sizeof(suffix), "/wait?timeout=%d", WAIT_STEP_S);
	vm_path(path, sizeof(path), ref, suffix);
	for (;;) {
		time_t asked = time(NULL);

		if (exchange(c, &rq, NULL, &r) < 0)
			return -1;
		if (r.status != 408)
			break;
		/* The wait's timeout passed: ask again (not in a busy loop if it was early). */
		reply_free(&r);
		if (time(NULL) - asked < 1)
			sleep(1);
	}
	if (r.status != 200) {
		fault(&r);
		reply_free(&r);
		return -1;
	}
	st = json_object_get(r.json, "exit_status");
	if (!json_is_integer(st) || json_integer_value(st) < 0 || json_integer_value(st) > 255) {
		say("%s ended without an exit status", ref);
		reply_free(&r);
		return -1;
	}
	*status = json_integer_value(st);
	reply_free(&r);
	return 0;
}

/* GET /v1/vms: the VMs (all, or those not exited) in *out, a new array; 0 or -1 (said). */
static int list_vms(struct ctl *c, int all, json_t **out)
{
	struct reply r;
	json_t *vms, *vm;
	size_t i;

	if (call(c, "GET", "/v1/vms", NULL, &r) < 0)
		return -1;
	vms = json_object_get(r.json, "vms");
	if (!json_is_array(vms)) {
		say("the daemon's list of VMs is malformed");
		reply_free(&r);
		return -1;
	}
	*out = json_array();
	json_array_foreach(vms, i, vm)
	{
		if (!vm_ok(vm)) {
			say("the daemon's list holds a malformed VM (#%zu)", i);
			json_decref(*out);
			reply_free(&r);
			return -1;
		}
		if (all || strcmp(str_of(vm, "state"), "exited"))
			json_array_append(*out, vm);
	}
	reply_free(&r);
	return 0;
}

/*
 * getopt_long over a command's arguments (argv[0] its name), saying what
 * is wrong with a bad option: returns the option, '?' after a bad one, -1
 * at the end.
 */
static int next_opt(struct ctl *c, int argc, char **argv, const char *shorts,
                    const struct option *longs)
{
	int o;

	opterr = 0;
	o = getopt_long(argc, argv, shorts, longs, NULL);
	if (o == '?' || o == ':') {
		const char *bad = argv[optind - 1];

		if (o == ':')
			usage_error(c, "option '%s' needs a value", bad);
		else if (optopt && bad[0] == '-' && bad[1] != '-')
			usage_error(c, "unknown option '-%c'", optopt);
		else
			usage_error(c, "unknown option '%s'", bad);
		return '?';
	}
	return o;
}

/* ---- run ---- */

/* A JSON string of S, or NULL (said) when S is not UTF-8, which JSON cannot carry. */
static json_t *text(struct ctl *c, const char *s, const char *what)
{
	json_t *j = json_string(s);

	if (!j)
		usage_error(c, "%s '%s' is not UTF-8 text", what, s);
	return j;
}

/* Append S to SPEC's array KEY (made when missing); 0 or 2 (said). */
static int append(struct ctl *c, json_t *spec, const char *key, const char *s, const char *what)
{
	json_t *a = json_object_get(spec, key), *v = text(c, s, what);

	if (!v)
		return 2;
	if (!a) {
		a = json_array();
		json_object_set_new(spec, key, a);
	}
	json_array_append_new(a, v);
	return 0;
}

/* Set SPEC's KEY to the string S; 0 or 2 (said). */
static int set_text(struct ctl *c, json_t *spec, const char *key, const char *s, const char *what)
{
	json_t *v = text(c, s, what);

	if (!v)
		return 2;
	json_object_set_new(spec, key, v);
	return 0;
}

/*
 * A host path made absolute (realpath) when it names something here, so a
 * daemon started elsewhere finds it; else S itself.  *buf holds the result.
 */
static const char *host_path(const char *s, char buf[PATH_MAX])
{
	return realpath(s, buf) ? buf : s;
}

/* SPEC's item of KEY from "HOSTPART:REST" with HOSTPART made absolute; 0 or 2. */
static int append_host_item(struct ctl *c, json_t *spec, const char *key, const char *arg,
                            const char *what)
{
	const char *colon = strchr(arg, ':');
	char host[PATH_MAX], abs[PATH_MAX], item[2 * PATH_MAX + 16];

	if (!colon || colon == arg || (size_t)(colon - arg) >= sizeof(host))
		return usage_error(c, "%s '%s': expected HOST:/PATH[:ro]", what, arg);
	memcpy(host, arg, colon - arg);
	host[colon - arg] = '\0';
	snprintf(item, sizeof(item), "%s%s", host_path(host, abs), colon);
	return append(c, spec, key, item, what);
}

/* --disk IMG[:ro|:cow] with IMG made absolute; 0 or 2. */
static int set_disk(struct ctl *c, json_t *spec, const char *arg)
{
	char img[PATH_MAX], abs[PATH_MAX], disk[PATH_MAX + 8];
	const char *mode = strrchr(arg, ':');

	if (!mode || (strcmp(mode, ":ro") && strcmp(mode, ":cow")))
		mode = arg + strlen(arg);
	if (mode == arg || (size_t)(mode - arg) >= sizeof(img))
		return usage_error(c, "--disk '%s': expected IMAGE[:ro|:cow]", arg);
	memcpy(img, arg, mode - arg);
	img[mode - arg] = '\0';
	snprintf(disk, sizeof(disk), "%s%s", host_path(img, abs), mode);
	return set_text(c, spec, "disk", disk, "--disk");
}

/* limits.KEY = the number in ARG (a fraction only if frac); the daemon checks the range. 0 or 2. */
static int set_limit(struct ctl *c, json_t *spec, const char *key, const char *arg, bool frac,
                     const char *opt)
{
	json_t *l = json_object_get(spec, "limits");
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v <= 0 ||
	    (!frac && v != (double)(long long)v))
		return usage_error(c, "%s '%s': expected a %s above 0", opt, arg,
		                   frac ? "number" : "whole number");
	if (!l) {
		l = json_object();
		json_object_set_new(spec, "limits", l);
	}
	json_object_set_new(l, key, frac ? json_real(v) : json_integer((json_int_t)v));
	return 0;
}

/* --tmp-size SIZE: limits.tmp_bytes, SIZE as -m takes it (K, M, G; bare: MiB). */
static int set_tmp_size(struct ctl *c, json_t *spec, const char *arg)
{
	unsigned long long v, unit = 1ull << 20;
	char *end;
	char bytes[32];

	errno = 0;
	v = strtoull(arg, &end, 10);
	switch (*end) {
	case 'k':
	case 'K': unit = 1ull << 10, end++; break;
	case 'm':
	case 'M': end++; break;
	case 'g':
	case 'G': unit = 1ull << 30, end++; break;
	}
	if (*end == 'i')
		end++;
	if (*end == 'B')
		end++;
	if (errno || end == arg || *end || arg[0] == '-' || !v || v > (1ull << 40) / unit)
		return usage_error(c, "--tmp-size '%s': expected a size such as 16M or 1G", arg);
	snprintf(bytes, sizeof(bytes), "%llu", v * unit);
	return set_limit(c, spec, "tmp_bytes", bytes, false, "--tmp-size");
}

/*
 * The options of what a VM runs, which run and fn deploy share: SPEC_SHORTS
 * goes into a command's short options, SPEC_LONGS into its long ones (its
 * own long-only options numbered from OPT_SPEC_END), and spec_option takes
 * them.  SPEC_HELP is their part of the command's --help.
 */
enum {
	OPT_TIMEOUT = 256,
	OPT_NET,
	OPT_DISK,
	OPT_PIDS,
	OPT_ULIMIT,
	OPT_CPUS,
	OPT_NET_SOCKETS,
	OPT_DISK_RATE,
	OPT_NET_RATE,
	OPT_NET_RECV_RATE,
	OPT_SNAPSHOT,
	OPT_NO_TMP,
	OPT_TMP_SIZE,
	OPT_SPEC_END
};

#define SPEC_SHORTS "e:v:m:w:"

/* clang-format off */
#define SPEC_LONGS \
	{ "env", required_argument, NULL, 'e' }, \
	{ "volume", required_argument, NULL, 'v' }, \
	{ "memory", required_argument, NULL, 'm' }, \
	{ "workdir", required_argument, NULL, 'w' }, \
	{ "timeout", required_argument, NULL, OPT_TIMEOUT }, \
	{ "net", required_argument, NULL, OPT_NET }, \
	{ "disk", required_argument, NULL, OPT_DISK }, \
	{ "pids-limit", required_argument, NULL, OPT_PIDS }, \
	{ "ulimit", required_argument, NULL, OPT_ULIMIT }, \
	{ "cpus", required_argument, NULL, OPT_CPUS }, \
	{ "net-sockets", required_argument, NULL, OPT_NET_SOCKETS }, \
	{ "disk-rate", required_argument, NULL, OPT_DISK_RATE }, \
	{ "net-rate", required_argument, NULL, OPT_NET_RATE }, \
	{ "net-recv-rate", required_argument, NULL, OPT_NET_RECV_RATE }, \
	{ "snapshot", required_argument, NULL, OPT_SNAPSHOT }, \
	{ "no-tmp", no_argument, NULL, OPT_NO_TMP }, \
	{ "tmp-size", required_argument, NULL, OPT_TMP_SIZE }
/* clang-format on */

#define SPEC_HELP                                                                           \
	"  -e, --env KEY=VALUE        set an environment variable (-e KEY: this shell's)\n" \
	"  -v, --volume HOST:/PATH[:ro]\n"                                                  \
	"                             share the host directory HOST at /PATH\n"             \
	"  -m, --memory SIZE          guest RAM (64M, 1G; default 64M)\n"                   \
	"  -w, --workdir DIR          the program's working directory\n"                    \
	"      --timeout SECONDS      kill it after this long (exit status 124)\n"          \
	"      --net host|guest|none  its network stack (none: no network)\n"               \
	"      --disk IMAGE[:ro|:cow] an ext2 image as its root; PROGRAM is a path in it\n" \
	"      --pids-limit N         at most N tasks (fork and clone fail with EAGAIN)\n"  \
	"      --ulimit nofile=N      at most N open files a process (at most 512)\n"       \
	"      --ulimit cpu=SECONDS   the program is killed after this much CPU time\n"     \
	"      --cpus F               at most F of a CPU (0.01 to 1)\n"                     \
	"      --net-sockets N        at most N sockets open in the VM (ENFILE past it)\n"  \
	"      --disk-rate BYTES      disk reads and writes at most BYTES a second\n"       \
	"      --net-rate BYTES       at most BYTES a second sent onto the network\n"       \
	"      --net-recv-rate BYTES  at most BYTES a second received from the network\n"   \
	"      --snapshot NAME        restore the snapshot NAME instead of a PROGRAM\n"     \
	"      --no-tmp               no /tmp of the host's (so it can be snapshotted)\n"   \
	"      --tmp-size SIZE        what it may store in /tmp (16M, 1G; default: -m)\n"

/* Take the spec option O (with ARG) into SPEC: 0, or 2 (said; also for next_opt's '?'). */
static int spec_option(struct ctl *c, json_t *spec, int o, const char *arg)
{
	char *end, env[4096];
	const char *val;
	double secs;

	switch (o) {
	case 'm': return set_text(c, spec, "memory", arg, "--memory");
	case 'w': return set_text(c, spec, "workdir", arg, "--workdir");
	case 'v': return append_host_item(c, spec, "volumes", arg, "--volume");
	case OPT_DISK: return set_disk(c, spec, arg);
	case 'e':
		/* -e KEY takes this shell's value, as docker does (none: not set). */
		if (!*arg || *arg == '=')
			return usage_error(c, "-e '%s': expected KEY=VALUE or KEY", arg);
		if (strchr(arg, '='))
			return append(c, spec, "env", arg, "-e");
		if ((val = getenv(arg))) {
			snprintf(env, sizeof(env), "%s=%s", arg, val);
			return append(c, spec, "env", env, "-e");
		}
		return 0;
	case OPT_TIMEOUT:
		errno = 0;
		secs = strtod(arg, &end);
		if (errno || end == arg || *end || !isfinite(secs) || secs < 0)
			return usage_error(c, "--timeout '%s': expected seconds", arg);
		json_object_set_new(spec, "timeout", json_real(secs));
		return 0;
	case OPT_PIDS: return set_limit(c, spec, "pids", arg, false, "--pids-limit");
	case OPT_ULIMIT:
		if (!strncmp(arg, "nofile=", 7))
			return set_limit(c, spec, "nofile", arg + 7, false, "--ulimit nofile");
		if (!strncmp(arg, "cpu=", 4))
			return set_limit(c, spec, "cpu_seconds", arg + 4, false, "--ulimit cpu");
		return usage_error(c, "--ulimit '%s': expected nofile=N or cpu=SECONDS", arg);
	case OPT_CPUS: return set_limit(c, spec, "cpus", arg, true, "--cpus");
	case OPT_NET_SOCKETS: return set_limit(c, spec, "net_sockets", arg, false, "--net-sockets");
	case OPT_DISK_RATE: return set_limit(c, spec, "disk_rate", arg, false, "--disk-rate");
	case OPT_NET_RATE: return set_limit(c, spec, "net_rate", arg, false, "--net-rate");
	case OPT_NET_RECV_RATE:
		return set_limit(c, spec, "net_recv_rate", arg, false, "--net-recv-rate");
	case OPT_SNAPSHOT: return set_text(c, spec, "snapshot", arg, "--snapshot");
	case OPT_NO_TMP: json_object_set_new(spec, "tmp", json_false()); return 0;
	case OPT_TMP_SIZE: return set_tmp_size(c, spec, arg);
	case OPT_NET:
		if (strcmp(arg, "host") && strcmp(arg, "guest") && strcmp(arg, "none"))
			return usage_error(c, "--net '%s': expected host, guest or none", arg);
		return set_text(c, spec, "net", arg, "--net");
	default: return 2;
	}
}

/*
 * After the options (SPEC's): SPEC's program, argv[optind], and its
 * arguments, the words after it; with --snapshot none may be given (a
 * restored VM runs what its snapshot holds).  A local program goes by its
 * absolute path (the daemon's --allow-path checks it), unless it is a path
 * of SPEC's disk.  0 or 2 (said).
 */
static int set_program(struct ctl *c, json_t *spec, int argc, char **argv)
{
	char abs[PATH_MAX];
	const char *program;
	int bad;

	if (json_object_get(spec, "snapshot")) {
		if (optind < argc)
			return usage_error(c, "--snapshot runs what it holds: no PROGRAM ('%s')",
			                   argv[optind]);
		return 0;
	}
	if (optind >= argc)
		return usage_error(c, "no PROGRAM to run (or --snapshot NAME)");
	program = argv[optind];
	if (!json_object_get(spec, "disk") && realpath(program, abs))
		program = abs;
	bad = set_text(c, spec, "program", program, "PROGRAM");
	for (int i = optind + 1; !bad && i < argc; i++)
		bad = append(c, spec, "args", argv[i], "argument");
	return bad;
}

/* Parse run's options, PROGRAM and its arguments into SPEC (a VmCreate): 0, 2, -1 for --help. */
static int run_options(struct ctl *c, int argc, char **argv, json_t *spec, int *detach, int *remove)
{
	enum { OPT_NAME = OPT_SPEC_END, OPT_RM, OPT_SNAPSHOT_OUT };
	static const struct option longs[] = {
		{ "detach", no_argument, NULL, 'd' },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "publish", required_argument, NULL, 'p' },
		{ "rm", no_argument, NULL, OPT_RM },
		{ "snapshot-out", required_argument, NULL, OPT_SNAPSHOT_OUT },
		SPEC_LONGS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int o, bad = 0;

	/* '+': options end at PROGRAM, so its own options pass through. */
	while (!bad && (o = next_opt(c, argc, argv, "+:dp:h" SPEC_SHORTS, longs)) != -1) {
		switch (o) {
		case 'd': *detach = 1; break;
		case OPT_RM: *remove = 1; break;
		case OPT_NAME: bad = set_text(c, spec, "name", optarg, "--name"); break;
		case OPT_SNAPSHOT_OUT:
			bad = set_text(c, spec, "snapshot_out", optarg, "--snapshot-out");
			break;
		case 'p': bad = append(c, spec, "publish", optarg, "--publish"); break;
		case 'h': help(c); return -1;
		default: bad = spec_option(c, spec, o, optarg); break;
		}
	}
	if (bad)
		return bad;
	return set_program(c, spec, argc, argv);
}

static int cmd_run(struct ctl *c, int argc, char **argv)
{
	json_t *spec = json_object();
	struct forward fwd = { .c = c };
	struct reply r = { 0 };
	int detach = 0, remove = 0, status = 1, ret;

	ret = run_options(c, argc, argv, spec, &detach, &remove);
	if (ret)
		goto out_spec;
	if (remove)
		json_object_set_new(spec, "auto_remove", json_true());
	json_object_set_new(spec, "start", json_true());

	ret = 1;
	if (call(c, "POST", "/v1/vms", spec, &r) < 0)
		goto out_spec;
	if (!vm_ok(r.json)) {
		say("the daemon's answer lacks the new VM's id");
		goto out_reply;
	}
	fwd.ref = str_of(r.json, "id");
	if (detach) {
		printf("%s\n", fwd.ref);
		ret = 0;
		goto out_reply;
	}
	forward_signals(1);
	copy_log(c, fwd.ref, 1, &fwd);
	if (wait_exit(c, fwd.ref, &fwd, &status) == 0)
		ret = status;
	forward_signals(0);
	if (remove) {
		/* auto_remove may have forgotten it already once waited for: 404 is fine. */
		char path[128];
		struct httpc_request rq = {
			.method = "DELETE",
			.path = vm_path(path, sizeof(path), fwd.ref, "?force=true"),
			.timeout_ms = CALL_TIMEOUT_MS,
		};
		struct reply d;

		if (exchange(c, &rq, NULL, &d) == 0) {
			if (d.status >= 300 && d.status != 404)
				fault(&d);
			reply_free(&d);
		}
	}
out_reply:
	reply_free(&r);
out_spec:
	json_decref(spec);
	return ret < 0 ? 0 : ret;
}

/* ---- ps, stats ---- */

/* Options of ps and stats: -a and --json.  0, or the exit status to return at once. */
static int list_options(struct ctl *c, int argc, char **argv, int *all, int *json)
{
	static const struct option longs[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	while ((o = next_opt(c, argc, argv, ":ah", longs)) != -1) {
		switch (o) {
		case 'a': *all = 1; break;
		case 'j': *json = 1; break;
		case 'h': help(c); return -1;
		default: return 2;
		}
	}
	if (optind != argc)
		return usage_error(c, "unexpected argument '%s'", argv[optind]);
	return 0;
}

/*
 * ps's and stats's common part: the options, the VMs, and with --json the
 * API's list printed whole.  0 with *vms to print as a table; -1 when
 * done (help or JSON printed); else the exit status.
 */
static int list_or_json(struct ctl *c, int argc, char **argv, json_t **vms)
{
	int all = 0, json = 0, ret = list_options(c, argc, argv, &all, &json);

	if (ret)
		return ret;
	if (list_vms(c, all, vms) < 0)
		return 1;
	if (json) {
		json_t *o = json_pack("{s:O}", "vms", *vms);

		print_json(o);
		json_decref(o);
		json_decref(*vms);
		return -1;
	}
	return 0;
}

/*
 * O's program and arguments as one line, or "--snapshot NAME" for a spec
 * that restores one, cut to PROGRAM_COLUMN (malloc'd, cleaned).
 */
static char *command_line(json_t *o)
{
	/* Room for more than the column, so that clean() marks a cut with "...". */
	char line[2 * PROGRAM_COLUMN];
	json_t *args = json_object_get(o, "args"), *arg;
	size_t i, len;

	/* A function's spec names a snapshot instead of a program; a Vm's program is it. */
	if (!str_of(o, "program") && str_of(o, "snapshot"))
		snprintf(line, sizeof(line), "--snapshot %s", str_of(o, "snapshot"));
	else
		snprintf(line, sizeof(line), "%s", str_of(o, "program") ?: "-");
	json_array_foreach(args, i, arg)
	{
		len = strlen(line);
		if (json_is_string(arg) && len < sizeof(line) - 1)
			snprintf(line + len, sizeof(line) - len, " %s", json_string_value(arg));
	}
	return clean(line, PROGRAM_COLUMN);
}

/* The table of ps: VMS, each checked by vm_ok. */
static void print_vms(json_t *vms)
{
	static const char *const head[] = { "ID", "NAME", "STATE", "STATUS", "AGE", "PROGRAM" };
	struct table t = { .ncols = 6 };
	json_t *vm;
	size_t i;

	table_row(&t, head);
	json_array_foreach(vms, i, vm)
	{
		char status[24] = "-", age[24], *program = command_line(vm);
		json_t *st = json_object_get(vm, "exit_status");
		const char *row[6];

		if (json_is_integer(st))
			snprintf(status, sizeof(status), "%lld", (long long)json_integer_value(st));
		fmt_age(age, sizeof(age), age_of(str_of(vm, "created_at")));
		row[0] = str_of(vm, "id");
		row[1] = str_of(vm, "name");
		row[2] = str_of(vm, "state");
		row[3] = status;
		row[4] = age;
		row[5] = program;
		table_row(&t, row);
		free(program);
	}
	table_print(&t);
}

static int cmd_ps(struct ctl *c, int argc, char **argv)
{
	json_t *vms;
	int ret = list_or_json(c, argc, argv, &vms);

	if (ret)
		return ret < 0 ? 0 : ret;
	print_vms(vms);
	json_decref(vms);
	return 0;
}

static int cmd_stats(struct ctl *c, int argc, char **argv)
{
	static const char *const head[] = { "ID", "NAME", "STATE", "CPU-SECONDS", "MEMORY" };
	struct table t = { .ncols = 5 };
	int ret;
	json_t *vms, *vm;
	size_t i;

	ret = list_or_json(c, argc, argv, &vms);
	if (ret)
		return ret < 0 ? 0 : ret;
	table_row(&t, head);
	json_array_foreach(vms, i, vm)
	{
		char cpu[32] = "-", mem[32] = "-";
		json_t *cs = json_object_get(vm, "cpu_seconds");
		json_t *mb = json_object_get(vm, "memory_bytes");
		const char *row[5];

		if (json_is_number(cs) && json_number_value(cs) >= 0)
			snprintf(cpu, sizeof(cpu), "%.2f", json_number_value(cs));
		if (json_is_integer(mb) && json_integer_value(mb) >= 0)
			fmt_bytes(mem, sizeof(mem), (double)json_integer_value(mb));
		row[0] = str_of(vm, "id");
		row[1] = str_of(vm, "name");
		row[2] = str_of(vm, "state");
		row[3] = cpu;
		row[4] = mem;
		table_row(&t, row);
	}
	table_print(&t);
	json_decref(vms);
	return 0;
}

/* ---- commands on named VMs ---- */

/*
 * Options of a command on VMs: SHORTS/LONGS besides -h; each other option
 * goes to take(c, o, optarg), which returns 0 or 2.  Afterwards at least
 * min and at most max VMs must be named (max 0: any number).  Returns 0,
 * or the exit status to return at once.
 */
static int vm_options(struct ctl *c, int argc, char **argv, const char *shorts,
                      const struct option *longs,
                      int (*take)(struct ctl *c, int o, const char *arg, void *ctx), void *ctx,
                      int min, int max)
{
	int o, bad;

	while ((o = next_opt(c, argc, argv, shorts, longs)) != -1) {
		if (o == 'h') {
			help(c);
			return -1;
		}
		if (o == '?' || !take)
			return 2;
		bad = take(c, o, optarg, ctx);
		if (bad)
			return bad;
	}
	if (argc - optind < min)
		return usage_error(c, "name the VM%s (an id or a name)", max == 1 ? "" : "s");
	if (max && argc - optind > max)
		return usage_error(c, "unexpected argument '%s'", argv[optind + max]);
	return 0;
}

static const struct option help_only[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/*
 * METHOD on each VM named in argv[first..] (route SUFFIX, BODY or NULL),
 * printing each one done, as docker does.  0, or 1 when any failed.
 */
static int each_vm(struct ctl *c, int argc, char **argv, int first, const char *method,
                   const char *suffix, json_t *body)
{
	int failed = 0;

	for (int i = first; i < argc; i++) {
		char path[128];
		struct reply r;

		if (check_ref(argv[i]) < 0 ||
		    call(c, method, vm_path(path, sizeof(path), argv[i], suffix), body, &r) < 0) {
			failed = 1;
			continue;
		}
		printf("%s\n", argv[i]);
		reply_free(&r);
	}
	return failed;
}

static int take_stop(struct ctl *c, int o, const char *arg, void *ctx)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(s) || s < 0 || s > 3600)
		return usage_error(c, "-t '%s': expected seconds, 0 to 3600", arg);
	json_object_set_new(ctx, "grace_seconds", json_real(s));
	return 0;
}

static int cmd_stop(struct ctl *c, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "time", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	json_t *body = json_object();
	int ret = vm_options(c, argc, argv, ":t:h", longs, take_stop, body, 1, 0);

	if (!ret)
		ret = each_vm(c, argc, argv, optind, "POST", "/stop",
		              json_object_size(body) ? body : NULL);
	json_decref(body);
	return ret < 0 ? 0 : ret;
}

static int take_kill(struct ctl *c, int o, const char *arg, void *ctx)
{
	json_t **sig = ctx;
	char *end;
	long n;

	/* A number goes as a number, a name (KILL, SIGTERM) as a string. */
	errno = 0;
	n = strtol(arg, &end, 10);
	if (!errno && end != arg && !*end && n > 0 && n < 65)
		*sig = json_integer(n);
	else if (*arg &&
	         strspn(arg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+"
	                     "-") == strlen(arg) &&
	         strlen(arg) < 16)
		*sig = json_string(arg);
	else
		return usage_error(c, "-s '%s': expected a signal's name or number", arg);
	return 0;
}

static int cmd_kill(struct ctl *c, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "signal", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	json_t *sig = NULL, *body = json_object();
	int ret = vm_options(c, argc, argv, ":s:h", longs, take_kill, &sig, 1, 0);

	if (sig)
		json_object_set_new(body, "signal", sig);
	if (!ret)
		ret = each_vm(c, argc, argv, optind, "POST", "/kill",
		              json_object_size(body) ? body : NULL);
	json_decref(body);
	return ret < 0 ? 0 : ret;
}

static int cmd_pause(struct ctl *c, int argc, char **argv)
{
	int ret = vm_options(c, argc, argv, ":h", help_only, NULL, NULL, 1, 0);

	if (!ret)
		ret = each_vm(c, argc, argv, optind, "POST", "/pause", NULL);
	return ret < 0 ? 0 : ret;
}

static int cmd_resume(struct ctl *c, int argc, char **argv)
{
	int ret = vm_options(c, argc, argv, ":h", help_only, NULL, NULL, 1, 0);

	if (!ret)
		ret = each_vm(c, argc, argv, optind, "POST", "/resume", NULL);
	return ret < 0 ? 0 : ret;
}

static int take_flag(struct ctl *c, int o, const char *arg, void *ctx)
{
	*(int *)ctx = 1;
	return 0;
}

static int cmd_rm(struct ctl *c, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int force = 0, ret = vm_options(c, argc, argv, ":fh", longs, take_flag, &force, 1, 0);

	if (!ret)
		ret = each_vm(c, argc, argv, optind, "DELETE", force ? "?force=true" : "", NULL);
	return ret < 0 ? 0 : ret;
}

static int cmd_logs(struct ctl *c, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int follow = 0, ret = vm_options(c, argc, argv, ":fh", longs, take_flag, &follow, 1, 1);

	if (ret)
		return ret < 0 ? 0 : ret;
	if (check_ref(argv[optind]) < 0 || copy_log(c, argv[optind], follow, NULL) < 0)
		return 1;
	return 0;
}

/* inspect's output: the object at PATH as JSON, if ok() finds it sound (`what` it must be). 0 or 1. */
static int print_object(struct ctl *c, const char *path, int (*ok)(json_t *), const char *what)
{
	struct reply r;

	if (call(c, "GET", path, NULL, &r) < 0)
		return 1;
	if (!ok(r.json)) {
		say("the daemon's answer is not %s", what);
		reply_free(&r);
		return 1;
	}
	print_json(r.json);
	reply_free(&r);
	return 0;
}

static int cmd_inspect(struct ctl *c, int argc, char **argv)
{
	int ret = vm_options(c, argc, argv, ":h", help_only, NULL, NULL, 1, 1);
	char path[128];

	if (ret)
		return ret < 0 ? 0 : ret;
	if (check_ref(argv[optind]) < 0)
		return 1;
	return print_object(c, vm_path(path, sizeof(path), argv[optind], ""), vm_ok, "a VM");
}

static int cmd_wait(struct ctl *c, int argc, char **argv)
{
	int status, ret = vm_options(c, argc, argv, ":h", help_only, NULL, NULL, 1, 1);

	if (ret)
		return ret < 0 ? 0 : ret;
	if (check_ref(argv[optind]) < 0 || wait_exit(c, argv[optind], NULL, &status) < 0)
		return 1;
	printf("%d\n", status);
	return status;
}

/* ---- the daemon ---- */

static const struct option json_only[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int cmd_version(struct ctl *c, int argc, char **argv)
{
	int json = 0, ret = vm_options(c, argc, argv, ":h", json_only, take_flag, &json, 0, 0);
	struct reply r;

	if (ret)
		return ret < 0 ? 0 : ret;
	if (optind != argc)
		return usage_error(c, "unexpected argument '%s'", argv[optind]);
	if (!json)
		printf("client:  %s\n", CTL_VERSION);
	if (call(c, "GET", "/v1/version", NULL, &r) < 0)
		return 1;
	if (!str_of(r.json, "version") || !str_of(r.json, "api")) {
		say("the daemon's version answer is malformed");
		reply_free(&r);
		return 1;
	}
	if (json) {
		json_t *o = json_pack("{s:{s:s},s:O}", "client", "version", CTL_VERSION, "daemon",
		                      r.json);

		print_json(o);
		json_decref(o);
	} else {
		char *v = clean(str_of(r.json, "version"), 256),
		     *a = clean(str_of(r.json, "api"), 16);

		printf("daemon:  %s (API %s)\n", v, a);
		free(v);
		free(a);
		if (str_of(r.json, "nanvixd")) {
			char *n = clean(str_of(r.json, "nanvixd"), PATH_MAX);

			printf("nanvixd: %s\n", n);
			free(n);
		}
	}
	reply_free(&r);
	return 0;
}

static int cmd_health(struct ctl *c, int argc, char **argv)
{
	int json = 0, ret = vm_options(c, argc, argv, ":h", json_only, take_flag, &json, 0, 0);
	struct httpc_request rq = {
		.method = "GET",
		.path = "/v1/health",
		.timeout_ms = CALL_TIMEOUT_MS,
	};
	struct reply r;
	const char *status, *name;
	json_t *checks, *v;

	if (ret)
		return ret < 0 ? 0 : ret;
	if (optind != argc)
		return usage_error(c, "unexpected argument '%s'", argv[optind]);
	if (exchange(c, &rq, NULL, &r) < 0)
		return 1;
	/* 503 carries a Health too: what fails. */
	status = str_of(r.json, "status");
	checks = json_object_get(r.json, "checks");
	if ((r.status != 200 && r.status != 503) || !status || !json_is_object(checks)) {
		if (r.status == 200)
			say("the daemon's health answer is malformed");
		else
			fault(&r);
		reply_free(&r);
		return 1;
	}
	if (json) {
		print_json(r.json);
	} else {
		char *s = clean(status, 32);

		printf("status: %s\n", s);
		free(s);
		json_object_foreach(checks, name, v)
		{
			char *n = clean(name, 64), *m = clean(json_string_value(v) ?: "?", 512);

			printf("  %s: %s\n", n, m);
			free(n);
			free(m);
		}
	}
	ret = strcmp(status, "ok") ? 1 : 0;
	reply_free(&r);
	return ret;
}

/* ---- functions ---- */

/* The function NAME's route SUFFIX ("" for the function itself) in buf. */
static const char *fn_path(char *buf, size_t n, const char *name, const char *suffix)
{
	snprintf(buf, n, "/v1/functions/%s%s", name, suffix);
	return buf;
}

/* Check a function's NAME before it goes into a path; says why not and returns -1. */
static int check_fn(const char *name)
{
	if (ref_ok(name))
		return 0;
	say("'%s': not a function's name (letters, digits, '_', '.', '-'; at most %d)", name,
	    REF_MAX);
	return -1;
}

/* A function as the API's Function schema requires it: an object with a name and a spec. */
static int fn_ok(json_t *fn)
{
	return json_is_object(fn) && str_of(fn, "name") &&
	       json_is_object(json_object_get(fn, "spec"));
}

/* Whether a is an array whose every element ok() finds sound. */
static bool all_ok(json_t *a, int (*ok)(json_t *))
{
	size_t i;
	json_t *v;

	if (!json_is_array(a))
		return false;
	json_array_foreach(a, i, v)
	{
		if (!ok(v))
			return false;
	}
	return true;
}

/*
 * GET path, whose answer holds the array `key` of elements ok() finds
 * sound: the array (r holds it: reply_free(r) once done), or NULL once
 * said why ("the daemon's list of WHAT is malformed").
 */
static json_t *get_list(struct ctl *c, const char *path, const char *key, int (*ok)(json_t *),
                        const char *what, struct reply *r)
{
	json_t *a;

	if (call(c, "GET", path, NULL, r) < 0)
		return NULL;
	a = json_object_get(r->json, key);
	if (!all_ok(a, ok)) {
		say("the daemon's list of %s is malformed", what);
		reply_free(r);
		return NULL;
	}
	return a;
}

/* After a fn command's options: at least min and at most max (0: any) names; 0 or 2. */
static int fn_named(struct ctl *c, int argc, char **argv, int min, int max)
{
	if (argc - optind < min)
		return usage_error(c, "name the function%s", max == 1 ? "" : "s");
	if (max && argc - optind > max)
		return usage_error(c, "unexpected argument '%s'", argv[optind + max]);
	return 0;
}

static int fn_deploy(struct ctl *c, int argc, char **argv)
{
	enum { OPT_UPDATE = OPT_SPEC_END, OPT_FORCE };
	static const struct option longs[] = {
		{ "update", no_argument, NULL, OPT_UPDATE },
		{ "force", no_argument, NULL, OPT_FORCE },
		SPEC_LONGS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct httpc_request rq = {
		.method = "POST",
		.path = "/v1/functions",
		.timeout_ms = CALL_TIMEOUT_MS,
	};
	json_t *spec = json_object();
	const char *name = NULL;
	char path[128];
	struct reply r;
	int o, update = 0, force = 0, ret = 0;

	/*
	 * NAME is the first word, before or among the options; PROGRAM, the
	 * second, ends them (none with --snapshot).
	 */
	while (!ret) {
		o = next_opt(c, argc, argv, "+:h" SPEC_SHORTS, longs);
		if (o == -1) {
			if (name || optind >= argc)
				break;
			name = argv[optind++];
			continue;
		}
		switch (o) {
		case OPT_UPDATE: update = 1; break;
		case OPT_FORCE: force = 1; break;
		case 'h':
			help(c);
			ret = -1;
			break;
		default: ret = spec_option(c, spec, o, optarg); break;
		}
	}
	if (!ret && !name)
		ret = usage_error(c, json_object_get(spec, "snapshot")
		                             ? "name the function"
		                             : "name the function and its PROGRAM");
	if (!ret)
		ret = set_program(c, spec, argc, argv);
	if (!ret)
		ret = set_text(c, spec, "name", name, "NAME");
	if (ret)
		goto out_spec;

	ret = 1;
	if (check_fn(name) < 0)
		goto out_spec;
	/* Register it (POST); with --force, a name taken is updated instead (PUT). */
	if (!update) {
		if (exchange(c, &rq, spec, &r) < 0)
			goto out_spec;
		update = force && r.status == 409;
		if (update) {
			reply_free(&r);
		} else if (r.status < 200 || r.status > 299) {
			fault(&r);
			if (r.status == 409)
				say("--update or --force replaces it");
			goto out_reply;
		}
	}
	if (update && call(c, "PUT", fn_path(path, sizeof(path), name, ""), spec, &r) < 0)
		goto out_spec;
	if (!fn_ok(r.json)) {
		say("the daemon's answer is not a function");
		goto out_reply;
	}
	printf("%s\n", name);
	ret = 0;
out_reply:
	reply_free(&r);
out_spec:
	json_decref(spec);
	return ret < 0 ? 0 : ret;
}

static int fn_ls(struct ctl *c, int argc, char **argv)
{
	static const char *const head[] = { "NAME", "PROGRAM", "INVOCATIONS", "RUNNING", "AGE" };
	struct table t = { .ncols = 5 };
	int json = 0, ret = vm_options(c, argc, argv, ":h", json_only, take_flag, &json, 0, 0);
	struct reply r;
	json_t *fns, *fn;
	size_t i;

	if (ret)
		return ret < 0 ? 0 : ret;
	if (optind != argc)
		return usage_error(c, "unexpected argument '%s'", argv[optind]);
	if (!(fns = get_list(c, "/v1/functions", "functions", fn_ok, "functions", &r)))
		return 1;
	if (json) {
		print_json(r.json);
		reply_free(&r);
		return 0;
	}
	table_row(&t, head);
	json_array_foreach(fns, i, fn)
	{
		char invocations[24] = "-", running[24] = "-", age[24];
		char *program = command_line(json_object_get(fn, "spec"));
		json_t *n = json_object_get(fn, "invocations"),
		       *now = json_object_get(fn, "running");
		const char *row[5];

		if (json_is_integer(n))
			snprintf(invocations, sizeof(invocations), "%lld",
			         (long long)json_integer_value(n));
		if (json_is_integer(now))
			snprintf(running, sizeof(running), "%lld",
			         (long long)json_integer_value(now));
		fmt_age(age, sizeof(age), age_of(str_of(fn, "created_at")));
		row[0] = str_of(fn, "name");
		row[1] = program;
		row[2] = invocations;
		row[3] = running;
		row[4] = age;
		table_row(&t, row);
		free(program);
	}
	table_print(&t);
	reply_free(&r);
	return 0;
}

static int fn_rm(struct ctl *c, int argc, char **argv)
{
	int failed = 0, ret = vm_options(c, argc, argv, ":h", help_only, NULL, NULL, 0, 0);

	if (!ret)
		ret = fn_named(c, argc, argv, 1, 0);
	if (ret)
		return ret < 0 ? 0 : ret;
	for (int i = optind; i < argc; i++) {
		char path[128];
		struct reply r;

		if (check_fn(argv[i]) < 0 ||
		    call(c, "DELETE", fn_path(path, sizeof(path), argv[i], ""), NULL, &r) < 0) {
			failed = 1;
			continue;
		}
		printf("%s\n", argv[i]);
		reply_free(&r);
	}
	return failed;
}

static int fn_inspect(struct ctl *c, int argc, char **argv)
{
	int ret = vm_options(c, argc, argv, ":h", help_only, NULL, NULL, 0, 0);
	char path[128];

	if (!ret)
		ret = fn_named(c, argc, argv, 1, 1);
	if (ret)
		return ret < 0 ? 0 : ret;
	if (check_fn(argv[optind]) < 0)
		return 1;
	return print_object(c, fn_path(path, sizeof(path), argv[optind], ""), fn_ok, "a function");
}

static int fn_ps(struct ctl *c, int argc, char **argv)
{
	int json = 0, ret = vm_options(c, argc, argv, ":h", json_only, take_flag, &json, 0, 0);
	char path[128];
	struct reply r;
	json_t *vms;

	if (!ret)
		ret = fn_named(c, argc, argv, 1, 1);
	if (ret)
		return ret < 0 ? 0 : ret;
	if (check_fn(argv[optind]) < 0 ||
	    !(vms = get_list(c, fn_path(path, sizeof(path), argv[optind], "/instances"), "vms",
	                     vm_ok, "the function's VMs", &r)))
		return 1;
	if (json)
		print_json(r.json);
	else
		print_vms(vms);
	reply_free(&r);
	return 0;
}

/* All of FD's bytes in *buf (malloc'd), *len of them; 0, or -1 with errno (EFBIG: over max). */
static int read_all(int fd, size_t max, char **buf, size_t *len)
{
	size_t cap = 0;
	ssize_t n;

	*buf = NULL;
	*len = 0;
	for (;;) {
		if (*len == cap) {
			char *grown = realloc(*buf, cap = cap ? 2 * cap : 65536);

			if (!grown) {
				errno = ENOMEM;
				goto out_free;
			}
			*buf = grown;
		}
		n = read(fd, *buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out_free;
		if (n == 0)
			return 0;
		*len += n;
		if (*len > max) {
			errno = EFBIG;
			goto out_free;
		}
	}
out_free:
	free(*buf);
	*buf = NULL;
	return -1;
}

static int fn_invoke(struct ctl *c, int argc, char **argv)
{
	enum { OPT_DATA = 256, OPT_DATA_FILE };
	static const struct option longs[] = {
		{ "data", required_argument, NULL, OPT_DATA },
		{ "data-file", required_argument, NULL, OPT_DATA_FILE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct httpc_request rq = {
		.method = "POST",
		.content_type = "application/octet-stream",
		/* It answers once the VM has exited: at most the function's timeout. */
		.timeout_ms = INVOKE_TIMEOUT_MS,
		.sink = write_out,
	};
	const char *data = NULL, *file = NULL, *st;
	char path[128], *input = NULL, *end;
	size_t len = 0;
	struct reply r;
	long status;
	int o, fd;

	while ((o = next_opt(c, argc, argv, ":h", longs)) != -1) {
		switch (o) {
		case OPT_DATA: data = optarg; break;
		case OPT_DATA_FILE: file = optarg; break;
		case 'h': help(c); return 0;
		default: return 2;
		}
	}
	if (data && file)
		return usage_error(c, "--data or --data-file, not both");
	if ((o = fn_named(c, argc, argv, 1, 1)))
		return o;
	if (check_fn(argv[optind]) < 0)
		return 1;

	/* The input: --data, --data-file, or stdin unless it is a terminal. */
	if (data) {
		rq.body = data;
		rq.body_len = strlen(data);
	} else if (file || !isatty(STDIN_FILENO)) {
		fd = !file || !strcmp(file, "-") ? STDIN_FILENO : open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || read_all(fd, INVOKE_MAX, &input, &len) < 0) {
			say("reading %s: %s", file ? file : "stdin",
			    errno == EFBIG ? "over 64 MiB, the most the daemon takes"
			                   : strerror(errno));
			if (fd > STDIN_FILENO)
				close(fd);
			return 1;
		}
		if (fd > STDIN_FILENO)
			close(fd);
		rq.body = input ? input : "";
		rq.body_len = len;
	}
	rq.path = fn_path(path, sizeof(path), argv[optind], "/invoke");
	fflush(stdout);
	o = exchange(c, &rq, NULL, &r);
	free(input);
	if (o < 0)
		return 1;
	if (r.status < 200 || r.status > 299) {
		fault(&r);
		reply_free(&r);
		return 1;
	}
	/* The output went to stdout as it came; the status is the function's. */
	st = httpc_header(&r.raw, "X-Nanvix-Exit-Status");
	errno = 0;
	status = st ? strtol(st, &end, 10) : -1;
	if (!st || errno || end == st || *end || status < 0 || status > 255) {
		say("the daemon's answer lacks the function's exit status");
		status = 1;
	}
	reply_free(&r);
	return status;
}

/* ---- snapshots ---- */

/* Check a snapshot's NAME before it goes into a path; says why not and returns -1. */
static int check_snap(const char *name)
{
	if (ref_ok(name))
		return 0;
	say("'%s': not a snapshot's name (letters, digits, '_', '.', '-'; at most %d)", name,
	    REF_MAX);
	return -1;
}

/* A snapshot as the API's Snapshot schema requires it: an object with a name (safe). */
static int snap_ok(json_t *s)
{
	const char *name = str_of(s, "name");

	return json_is_object(s) && name && ref_ok(name);
}

struct snap_opts {
	double timeout; /* --timeout, 0 for the daemon's default */
	int json;
};

static int take_snap(struct ctl *c, int o, const char *arg, void *ctx)
{
	struct snap_opts *so = ctx;
	char *end;
	double t;

	if (o == 'j') {
		so->json = 1;
		return 0;
	}
	errno = 0;
	t = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(t) || t <= 0 || t > SNAP_TIMEOUT_MAX)
		return usage_error(c, "--timeout '%s': expected seconds, above 0 and at most %d",
		                   arg, SNAP_TIMEOUT_MAX);
	so->timeout = t;
	return 0;
}

/* nanvix snapshot [create] VM NAME: POST /v1/vms/VM/snapshot, which answers once it is saved. */
static int snap_create(struct ctl *c, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct snap_opts so = { 0 };
	struct httpc_request rq = { .method = "POST" };
	int ret = vm_options(c, argc, argv, ":h", longs, take_snap, &so, 0, 0);
	const char *vm, *name;
	char path[128];
	struct reply r;
	json_t *body;

	if (ret)
		return ret < 0 ? 0 : ret;
	if (argc - optind < 2)
		return usage_error(c, "name the VM and the snapshot");
	if (argc - optind > 2)
		return usage_error(c, "unexpected argument '%s'", argv[optind + 2]);
	vm = argv[optind];
	name = argv[optind + 1];
	if (check_ref(vm) < 0 || check_snap(name) < 0)
		return 1;
	body = json_pack("{s:s}", "name", name);
	if (so.timeout > 0)
		json_object_set_new(body, "timeout", json_real(so.timeout));
	/* The daemon answers when the VM has idled and is saved, or at the timeout with 408. */
	rq.path = vm_path(path, sizeof(path), vm, "/snapshot");
	rq.timeout_ms = (int)(((so.timeout > 0 ? so.timeout : SNAP_TIMEOUT_DEFAULT) + 60) * 1000);
	ret = exchange(c, &rq, body, &r);
	json_decref(body);
	if (ret < 0)
		return 1;
	ret = 1;
	if (r.status < 200 || r.status > 299)
		fault(&r);
	else if (!snap_ok(r.json))
		say("the daemon's answer is not a snapshot");
	else
		ret = 0;
	if (!ret && so.json)
		print_json(r.json);
	else if (!ret)
		printf("%s\n", name);
	reply_free(&r);
	return ret;
}

/* Oldest first, as the daemon's other lists; then by name. */
static int snap_cmp(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	const char *tx = str_of(x, "created_at") ?: "", *ty = str_of(y, "created_at") ?: "";
	int d = strcmp(tx, ty);

	return d ? d : strcmp(str_of(x, "name"), str_of(y, "name"));
}

static int snap_ls(struct ctl *c, int argc, char **argv)
{
	static const char *const head[] = { "NAME", "CREATED" };
	struct table t = { .ncols = 2 };
	int json = 0, ret = vm_options(c, argc, argv, ":h", json_only, take_flag, &json, 0, 0);
	struct reply r;
	json_t *snaps, **sorted;
	size_t n;

	if (ret)
		return ret < 0 ? 0 : ret;
	if (optind != argc)
		return usage_error(c, "unexpected argument '%s'", argv[optind]);
	if (!(snaps = get_list(c, "/v1/snapshots", "snapshots", snap_ok, "snapshots", &r)))
		return 1;
	if (json) {
		print_json(r.json);
		reply_free(&r);
		return 0;
	}
	n = json_array_size(snaps);
	sorted = calloc(n ? n : 1, sizeof(*sorted));
	if (!sorted)
		abort();
	for (size_t i = 0; i < n; i++)
		sorted[i] = json_array_get(snaps, i);
	qsort(sorted, n, sizeof(*sorted), snap_cmp);
	table_row(&t, head);
	for (size_t i = 0; i < n; i++) {
		long long age = age_of(str_of(sorted[i], "created_at"));
		char created[32] = "-";
		const char *row[2];

		if (age >= 0) {
			fmt_age(created, sizeof(created), age);
			strcat(created, " ago");
		}
		row[0] = str_of(sorted[i], "name");
		row[1] = created;
		table_row(&t, row);
	}
	table_print(&t);
	free(sorted);
	reply_free(&r);
	return 0;
}

static int snap_rm(struct ctl *c, int argc, char **argv)
{
	int failed = 0, ret = vm_options(c, argc, argv, ":h", help_only, NULL, NULL, 0, 0);

	if (ret)
		return ret < 0 ? 0 : ret;
	if (optind >= argc)
		return usage_error(c, "name the snapshots");
	for (int i = optind; i < argc; i++) {
		char path[128];
		struct reply r;

		if (check_snap(argv[i]) < 0) {
			failed = 1;
			continue;
		}
		snprintf(path, sizeof(path), "/v1/snapshots/%s", argv[i]);
		if (call(c, "DELETE", path, NULL, &r) < 0) {
			failed = 1;
			continue;
		}
		printf("%s\n", argv[i]);
		reply_free(&r);
	}
	return failed;
}

/* ---- the tables ---- */

static const struct command fn_commands[] = {
	{ "deploy", fn_deploy, "fn deploy [OPTIONS] NAME PROGRAM [ARGS...]",
	  "Register (or replace) a function",
	  "examples:\n"
	  "  nanvix fn deploy echo bin/tests/cat.musl.elf\n"
	  "      register `echo`; each invocation's input is the program's stdin\n"
	  "  nanvix fn deploy greet -e GREETING=hi -m 32M --timeout 5 greet.elf --loud\n"
	  "      an environment variable, 32 MiB of RAM, killed after 5 s; --loud is greet.elf's\n"
	  "  nanvix fn deploy --update greet greet2.elf\n"
	  "      replace what it runs (invocations already running keep the old program)\n"
	  "  nanvix fn deploy --force greet greet.elf\n"
	  "      register it, or replace it if the name is taken\n"
	  "  nanvix run --net none --no-tmp -d --name init app.elf\n"
	  "  nanvix snapshot init warm\n"
	  "  nanvix fn deploy --snapshot warm fast\n"
	  "  echo hi | nanvix fn invoke fast\n"
	  "      warm starts: each invocation of `fast` is a new VM restored from where\n"
	  "      app.elf idled, its start-up skipped, and its input is the copy's stdin\n"
	  "      (a program that asks for its snapshot: run --snapshot-out warm app.elf)\n"
	  "\n"
	  "options (before PROGRAM: what follows it is PROGRAM's):\n"
	  "      --update               replace the function NAME (which must exist)\n"
	  "      --force                replace it if NAME is taken\n" SPEC_HELP
	  "  -h, --help                 this text\n"
	  "\n"
	  "As with run, a PROGRAM found here is sent as its absolute path, which must be\n"
	  "inside one of the daemon's --allow-path directories.  --timeout is at most 3600\n"
	  "(default 60).  With --snapshot there is no PROGRAM, and as the snapshot fixes\n"
	  "the VM's memory, environment, file system and network, only --timeout, --cpus\n"
	  "and the rates apply; the snapshot cannot be deleted while a function names it.\n"
	  "Prints NAME once registered.\n" },
	{ "invoke", fn_invoke, "fn invoke NAME [--data TEXT | --data-file FILE]",
	  "Run a function once: stdin in, stdout out",
	  "examples:\n"
	  "  echo hello | nanvix fn invoke echo\n"
	  "      stdin is the input; the function's stdout is printed as it is\n"
	  "  nanvix fn invoke echo --data 'hello'\n"
	  "  nanvix fn invoke echo --data-file request.json > reply.json\n"
	  "\n"
	  "options:\n"
	  "      --data TEXT       the input (default: stdin, unless it is a terminal)\n"
	  "      --data-file FILE  the input is FILE's bytes (-: stdin)\n"
	  "  -h, --help            this text\n"
	  "\n"
	  "nanvix exits with the function's exit status: its program's, 128+N for signal N,\n"
	  "124 when its timeout killed it.  Its stderr stays in its VM's log (nanvix logs)\n"
	  "for 60 s.\n" },
	{ "ls", fn_ls, "fn ls [--json]", "List the functions",
	  "examples:\n"
	  "  nanvix fn ls\n"
	  "      each function's program (or --snapshot NAME), its invocations so far and\n"
	  "      those running now\n"
	  "  nanvix fn ls --json\n"
	  "      the API's {\"functions\": [...]}, for scripts\n"
	  "\n"
	  "options:\n"
	  "      --json    the API's JSON instead of the table\n"
	  "  -h, --help    this text\n" },
	{ "ps", fn_ps, "fn ps [--json] NAME", "The VMs running a function's invocations now",
	  "examples:\n"
	  "  nanvix fn ps echo\n"
	  "      as nanvix ps shows them; nanvix logs, stop and kill take their ids\n"
	  "\n"
	  "options:\n"
	  "      --json    the API's {\"vms\": [...]} instead of the table\n"
	  "  -h, --help    this text\n" },
	{ "inspect", fn_inspect, "fn inspect NAME", "A function's spec and counts, as JSON",
	  "examples:\n"
	  "  nanvix fn inspect echo\n"
	  "      its spec (program or snapshot, args, env, limits...), times and invocations\n" },
	{ "rm", fn_rm, "fn rm NAME...", "Forget functions (running invocations go on)",
	  "examples:\n"
	  "  nanvix fn rm echo greet\n" },
};

#define NFN_COMMANDS (sizeof(fn_commands) / sizeof(fn_commands[0]))

/* Write each of CMDS's synopsis and summary to F, a line each (two for a long synopsis). */
static void list(FILE *f, const struct command *cmds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strlen(cmds[i].synopsis) > 32)
			fprintf(f, "  %s\n  %-32s %s\n", cmds[i].synopsis, "", cmds[i].summary);
		else
			fprintf(f, "  %-32s %s\n", cmds[i].synopsis, cmds[i].summary);
	}
}

/*
 * nanvix GROUP COMMAND ...: CMDS's COMMAND, run as a command of its own
 * ("GROUP COMMAND" in its messages and --help); GROUP --help lists them.
 * A first word that is none of them goes to dflt with the whole of argv,
 * or with no dflt is a usage error; none at all is one too (NEED says
 * what to give).
 */
static int group(struct ctl *c, int argc, char **argv, const struct command *cmds, size_t n,
                 int (*dflt)(struct ctl *c, int argc, char **argv), const char *need)
{
	char cmd[32];

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		help(c);
		printf("\ncommands (nanvix %s COMMAND --help for each):\n", c->cmd);
		list(stdout, cmds, n);
		return 0;
	}
	if (argc < 2)
		return usage_error(c, "%s", need);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(cmds[i].name, argv[1]))
			continue;
		snprintf(cmd, sizeof(cmd), "%s %s", c->cmd, argv[1]);
		c->cmd = cmd;
		c->command = &cmds[i];
		return cmds[i].run(c, argc - 1, argv + 1);
	}
	if (dflt)
		return dflt(c, argc, argv);
	return usage_error(c, "unknown command '%s'", argv[1]);
}

/* nanvix fn COMMAND ...: the function commands. */
static int cmd_fn(struct ctl *c, int argc, char **argv)
{
	return group(c, argc, argv, fn_commands, NFN_COMMANDS, NULL,
	             "name a command: deploy, invoke, ls, ps, inspect or rm");
}

static const struct command snap_commands[] = {
	{ "create", snap_create, "snapshot create VM NAME [--timeout S] [--json]",
	  "Save a running VM as the snapshot NAME",
	  "examples:\n"
	  "  nanvix snapshot create app warm\n"
	  "      as `nanvix snapshot app warm`; needed only for a VM named create, ls or rm\n"
	  "\n"
	  "options:\n"
	  "      --timeout SECONDS  wait at most this long for it to idle (default 30;\n"
	  "                         at most 3600)\n"
	  "      --json             the API's {\"name\", \"created_at\", \"vm\"} instead of NAME\n"
	  "  -h, --help             this text\n" },
	{ "ls", snap_ls, "snapshot ls [--json]", "List the snapshots",
	  "examples:\n"
	  "  nanvix snapshot ls\n"
	  "      each snapshot's name and when it was taken, oldest first\n"
	  "  nanvix snapshot ls --json\n"
	  "      the API's {\"snapshots\": [...]}, for scripts\n"
	  "\n"
	  "options:\n"
	  "      --json    the API's JSON instead of the table\n"
	  "  -h, --help    this text\n" },
	{ "rm", snap_rm, "snapshot rm NAME...", "Delete snapshots",
	  "examples:\n"
	  "  nanvix snapshot rm warm cold\n"
	  "      refused while a VM restored from one of them runs or a function names it\n" },
};

#define NSNAP_COMMANDS (sizeof(snap_commands) / sizeof(snap_commands[0]))

/* nanvix snapshot VM NAME, or a snapshot command (create, ls, rm). */
static int cmd_snapshot(struct ctl *c, int argc, char **argv)
{
	return group(c, argc, argv, snap_commands, NSNAP_COMMANDS, snap_create,
	             "name the VM and the snapshot, or a command: create, ls or rm");
}

static const struct command commands[] = {
	{ "run", cmd_run, "run [OPTIONS] PROGRAM [ARGS...]",
	  "Run a program (or a snapshot) in a new micro-VM",
	  "examples:\n"
	  "  nanvix run bin/hello.elf\n"
	  "      run a program; it prints here and nanvix exits with its status\n"
	  "  nanvix run -e GREETING=hi -m 128M app.elf --verbose\n"
	  "      an environment variable and 128 MiB of RAM; --verbose is app.elf's own\n"
	  "  nanvix run -d --name web -p 8080:80 -v /srv/www:/www:ro httpd.elf\n"
	  "      in the background (prints the id): the host's port 8080 to the VM's 80,\n"
	  "      /srv/www read-only at /www\n"
	  "  nanvix run --rm --timeout 10 job.elf\n"
	  "      killed after 10 s (status 124), forgotten once it ended\n"
	  "  nanvix run --disk root.img:cow /bin/sh -c 'ls /'\n"
	  "      a program of an ext2 image, its changes kept apart from the image\n"
	  "  nanvix run -d --snapshot warm\n"
	  "      a VM restored from the snapshot warm (see nanvix snapshot --help)\n"
	  "\n"
	  "options (before PROGRAM: what follows it is PROGRAM's):\n"
	  "  -d, --detach               start it, print its id and return\n"
	  "      --name NAME            a unique name that commands take for the id\n"
	  "  -p, --publish [ADDR:]HOSTPORT:GUESTPORT[/udp]\n"
	  "                             forward a port of the host into the VM\n"
	  "      --snapshot-out NAME    save the VM as the snapshot NAME when its program\n"
	  "                             asks (/dev/nanvix-snapshot); the VM then exits 0\n"
	  "      --rm                   forget the VM once it ended\n" SPEC_HELP
	  "  -h, --help                 this text\n"
	  "\n"
	  "A PROGRAM found here is sent as its absolute path, which must be inside one of\n"
	  "the daemon's --allow-path directories (so must -v's and --disk's host paths).\n"
	  "Ctrl-C, SIGTERM and SIGHUP are passed to the program; the third one kills the\n"
	  "VM.  Without -d, nanvix exits with the VM's status: the program's, 128+N for\n"
	  "signal N, 124 for --timeout.  With --snapshot, as the snapshot fixes the VM's\n"
	  "memory, environment, file system and network, only --timeout, --cpus and the\n"
	  "rates apply.\n" },
	{ "ps", cmd_ps, "ps [-a] [--json]", "List the VMs that have not exited",
	  "examples:\n"
	  "  nanvix ps\n"
	  "      the VMs that have not exited: created, running, paused or stopping\n"
	  "  nanvix ps -a\n"
	  "      every VM the daemon holds, exited ones too (STATUS: the exit status)\n"
	  "  nanvix ps --json | python3 -m json.tool\n"
	  "      the API's {\"vms\": [...]}, for scripts\n"
	  "\n"
	  "options:\n"
	  "  -a, --all     exited VMs too\n"
	  "      --json    the API's JSON instead of the table\n"
	  "  -h, --help    this text\n" },
	{ "logs", cmd_logs, "logs [-f] VM", "Print a VM's console output",
	  "examples:\n"
	  "  nanvix logs web\n"
	  "      everything it printed so far\n"
	  "  nanvix logs -f web\n"
	  "      and then what it prints, until it exits\n"
	  "\n"
	  "options:\n"
	  "  -f, --follow  keep printing until the VM has exited\n"
	  "  -h, --help    this text\n" },
	{ "stop", cmd_stop, "stop [-t SECONDS] VM...",
	  "SIGTERM to VMs, SIGKILL after a grace period",
	  "examples:\n"
	  "  nanvix stop web\n"
	  "      SIGTERM, and SIGKILL if it still runs 10 s later\n"
	  "  nanvix stop -t 0 web db\n"
	  "      two VMs, no grace\n"
	  "\n"
	  "options:\n"
	  "  -t, --time SECONDS  the grace period (default 10)\n"
	  "  -h, --help          this text\n" },
	{ "kill", cmd_kill, "kill [-s SIGNAL] VM...", "Send VMs a signal (SIGKILL by default)",
	  "examples:\n"
	  "  nanvix kill web\n"
	  "      end it at once (exit status 137)\n"
	  "  nanvix kill -s HUP web\n"
	  "      SIGHUP to its program (SIGTERM, SIGINT, SIGHUP and SIGWINCH reach it)\n"
	  "\n"
	  "options:\n"
	  "  -s, --signal SIGNAL  a name (TERM, SIGTERM) or a number\n"
	  "  -h, --help           this text\n" },
	{ "pause", cmd_pause, "pause VM...", "Freeze running VMs",
	  "examples:\n"
	  "  nanvix pause web\n"
	  "      its vCPU stops until `nanvix resume web`\n" },
	{ "resume", cmd_resume, "resume VM...", "Let paused VMs run again",
	  "examples:\n"
	  "  nanvix resume web\n" },
	{ "rm", cmd_rm, "rm [-f] VM...", "Forget exited VMs and delete their logs",
	  "examples:\n"
	  "  nanvix rm web\n"
	  "      refused while it runs\n"
	  "  nanvix rm -f web\n"
	  "      kill it first if it runs\n"
	  "\n"
	  "options:\n"
	  "  -f, --force  kill a running VM first\n"
	  "  -h, --help   this text\n" },
	{ "inspect", cmd_inspect, "inspect VM", "A VM's details, as JSON",
	  "examples:\n"
	  "  nanvix inspect web\n"
	  "      state, program, pid, exit status, times, CPU and memory\n" },
	{ "wait", cmd_wait, "wait VM", "Wait for a VM to exit; exit with its status",
	  "examples:\n"
	  "  nanvix wait web\n"
	  "      prints e.g. 0 once it exited, and exits with that status\n" },
	{ "stats", cmd_stats, "stats [-a] [--json]", "The VMs' CPU time and memory, once",
	  "examples:\n"
	  "  nanvix stats\n"
	  "      CPU seconds and resident memory of each VM's nanvixd\n"
	  "  nanvix stats --json\n"
	  "\n"
	  "options:\n"
	  "  -a, --all     exited VMs too\n"
	  "      --json    the API's JSON instead of the table\n"
	  "  -h, --help    this text\n" },
	{ "version", cmd_version, "version [--json]", "The client's and the daemon's versions",
	  "examples:\n"
	  "  nanvix version\n"
	  "  nanvix -H http://127.0.0.1:7070 version --json\n" },
	{ "health", cmd_health, "health [--json]", "Whether the daemon can run VMs",
	  "examples:\n"
	  "  nanvix health\n"
	  "      status: ok, and each check (KVM, nanvixd, the kernel); exit 0 when all pass\n" },
	{ "snapshot", cmd_snapshot, "snapshot VM NAME [--timeout S]",
	  "Save a running VM; snapshot ls, rm: the snapshots",
	  "examples:\n"
	  "  nanvix run -d --name app --net none --no-tmp bin/tests/snapshot/ticker.musl.elf\n"
	  "      a VM that can be snapshotted: no network stack or /tmp of the host's\n"
	  "  nanvix snapshot app warm\n"
	  "      save it as `warm` at its next idle point (it goes on); prints warm\n"
	  "  nanvix run -d --snapshot warm\n"
	  "      a new VM restored from it, going on from where app was saved\n"
	  "  nanvix snapshot ls; nanvix snapshot rm warm\n"
	  "      list the snapshots, delete one\n"
	  "\n"
	  "options:\n"
	  "      --timeout SECONDS  wait at most this long for it to idle (default 30;\n"
	  "                         at most 3600)\n"
	  "      --json             the API's {\"name\", \"created_at\", \"vm\"} instead of NAME\n"
	  "  -h, --help             this text\n"
	  "\n"
	  "A VM is saved when it next idles (its program waits for time or input, no file\n"
	  "or network call in flight), so a copy restored from it goes on from that wait\n"
	  "(the ticker above: from the tick it was saved at).  Refused for a VM that is\n"
	  "not running (resume a paused one first) or that keeps state outside its memory:\n"
	  "run it with --net guest or none, --no-tmp and no -v.  Past --timeout nanvix\n"
	  "exits 1 but the snapshot stays pending: it appears if the VM idles later.\n" },
	{ "fn", cmd_fn, "fn COMMAND [ARGS...]", "Functions: a program run in a new VM a call",
	  "examples:\n"
	  "  nanvix fn deploy echo bin/tests/cat.musl.elf\n"
	  "      register a function\n"
	  "  echo hello | nanvix fn invoke echo\n"
	  "      run it once in a new VM: stdin its input, its stdout printed here, its\n"
	  "      exit status nanvix's\n"
	  "  nanvix fn deploy --snapshot warm fast\n"
	  "      a function whose invocations are restores of the snapshot warm (warm\n"
	  "      starts; see nanvix fn deploy --help)\n"
	  "  nanvix fn ls; nanvix fn ps echo; nanvix fn rm echo\n"
	  "      list functions, the VMs running one now, forget one\n" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int ctl_is_command(const char *name)
{
	return find(name) != NULL;
}

void ctl_list(FILE *f)
{
	list(f, commands, NCOMMANDS);
	fprintf(f, "\nfunction commands (nanvix fn COMMAND --help for each):\n");
	list(f, fn_commands, NFN_COMMANDS);
	fprintf(f, "\nsnapshot commands (nanvix snapshot COMMAND --help for each):\n");
	list(f, snap_commands, NSNAP_COMMANDS);
}

int ctl_main(const char *host, int argc, char **argv)
{
	const struct command *cmd = find(argv[0]);
	struct ctl c = { .cmd = argv[0], .command = cmd, .host = host };

	if (!cmd)
		return 2;
	c.key = getenv("NANVIX_API_KEY");
	if (c.key && !*c.key)
		c.key = NULL;
	optind = 1;
	return cmd->run(&c, argc, argv);
}
