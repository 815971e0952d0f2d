/* nanvix-serve's configuration file: a JSON list of functions, checked field by field. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <serve/config.h>

#define MEMORY_MIN     (1ULL << 20)
#define MEMORY_MAX     (64ULL << 30)
#define MEMORY_DEFAULT (64ULL << 20)

static const char *const known_fields[] = {
	"name", "program", "disk", "args", "env", "memory", "host", "min", "max", "queue",
	"timeout", "idle_timeout", "start_timeout", "snapshot", NULL,
};

/* Where an error is: the file, and the function being read (its index, its name once known). */
struct where {
	const char *path;
	int index;
	const char *name;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4))) static int fail(struct where *w, const char *field,
                                                      const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->index < 0)
		n = snprintf(w->err, w->errlen, "%s: ", w->path);
	else if (w->name)
		n = snprintf(w->err, w->errlen, "%s: function \"%s\" (functions[%d]): ", w->path,
		             w->name, w->index);
	else
		n = snprintf(w->err, w->errlen, "%s: functions[%d]: ", w->path, w->index);
	if (n >= 0 && (size_t)n < w->errlen && field)
		n += snprintf(w->err + n, w->errlen - n, "\"%s\": ", field);
	if (n >= 0 && (size_t)n < w->errlen) {
		va_start(ap, fmt);
		vsnprintf(w->err + n, w->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int serve_parse_size(const char *s, uint64_t *bytes)
{
	uint64_t x = 0, unit = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (x > (UINT64_MAX - 9) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*p - '0');
	}
	switch (*p) {
	case 0: break;
	case 'K':
		unit = 1ULL << 10;
		p++;
		break;
	case 'M':
		unit = 1ULL << 20;
		p++;
		break;
	case 'G':
		unit = 1ULL << 30;
		p++;
		break;
	default: return -1;
	}
	if (*p || x > UINT64_MAX / unit)
		return -1;
	*bytes = x * unit;
	return 0;
}

/* A JSON string without NUL bytes, at most max bytes long, or NULL. */
static const char *plain_string(json_t *v, size_t max)
{
	const char *s;

	if (!json_is_string(v))
		return NULL;
	s = json_string_value(v);
	if (json_string_length(v) != strlen(s) || strlen(s) > max)
		return NULL;
	return s;
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > SERVE_NAME_MAX || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
	return true;
}

/* A DNS name in lower case: labels of [a-z0-9-], 1 to 63 bytes, not starting or ending in '-'. */
static bool valid_host(const char *s)
{
	size_t n = strlen(s), label = 0;

	if (n == 0 || n > SERVE_HOST_MAX)
		return false;
	for (size_t i = 0; i <= n; i++) {
		char c = s[i];

		if (c == '.' || c == 0) {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
			if (label == 0 && c == '-')
				return false;
			label++;
		} else {
			return false;
		}
	}
	return true;
}

static bool valid_env_name(const char *s)
{
	if (!*s || strlen(s) > 255 || (*s >= '0' && *s <= '9'))
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

/* An integer field in [lo, hi], or `def` when absent. */
static int get_uint(struct where *w, json_t *o, const char *field, unsigned lo, unsigned hi,
                    unsigned def, unsigned *out)
{
	json_t *v = json_object_get(o, field);
	json_int_t x;

	if (!v) {
		*out = def;
		return 0;
	}
	if (!json_is_integer(v))
		return fail(w, field, "must be an integer from %u to %u", lo, hi);
	x = json_integer_value(v);
	if (x < (json_int_t)lo || x > (json_int_t)hi)
		return fail(w, field, "must be from %u to %u, not %lld", lo, hi, (long long)x);
	*out = (unsigned)x;
	return 0;
}

/* A duration in seconds (a number, fractions allowed) in [lo, hi], as milliseconds. */
static int get_secs(struct where *w, json_t *o, const char *field, double lo, double hi, double def,
                    unsigned *ms)
{
	json_t *v = json_object_get(o, field);
	double x = def;

	if (v) {
		if (!json_is_number(v))
			return fail(w, field, "must be a number of seconds from %g to %g", lo, hi);
		x = json_number_value(v);
		if (!(x >= lo && x <= hi))
			return fail(w, field, "must be from %g to %g seconds, not %g", lo, hi, x);
	}
	*ms = (unsigned)llround(x * 1000.0);
	return 0;
}

/* Join the config's folder and a relative program path. */
static char *resolve_program(const char *cfg_path, const char *prog)
{
	const char *slash = strrchr(cfg_path, '/');
	size_t dl;
	char *out;

	if (prog[0] == '/' || !slash)
		return strdup(prog);
	dl = (size_t)(slash - cfg_path);
	out = malloc(dl + 1 + strlen(prog) + 1);
	if (out)
		sprintf(out, "%.*s/%s", (int)dl, cfg_path, prog);
	return out;
}

/* "args" into fn->argv (program first). */
static int get_args(struct where *w, json_t *o, struct serve_fn *fn)
{
	json_t *a = json_object_get(o, "args"), *v;
	size_t n = 0, i;

	if (a && (!json_is_array(a) || json_array_size(a) > SERVE_MAX_ARGS))
		return fail(w, "args", "must be an array of at most %d strings", SERVE_MAX_ARGS);
	if (a)
		n = json_array_size(a);
	fn->argv = calloc(n + 2, sizeof(char *));
	if (!fn->argv || !(fn->argv[0] = strdup(fn->program)))
		return fail(w, "args", "out of memory");
	json_array_foreach(a, i, v)
	{
		const char *s = plain_string(v, SERVE_STRING_MAX);

		if (!s)
			return fail(w, "args",
			            "element %zu must be a string of at most %d bytes without NUL",
			            i, SERVE_STRING_MAX);
		if (!(fn->argv[i + 1] = strdup(s)))
			return fail(w, "args", "out of memory");
	}
	return 0;
}

/* "env" into fn->envv. */
static int get_env(struct where *w, json_t *o, struct serve_fn *fn)
{
	json_t *e = json_object_get(o, "env"), *v;
	const char *k;
	size_t i = 0;

	if (e && (!json_is_object(e) || json_object_size(e) > SERVE_MAX_ENV))
		return fail(w, "env", "must be an object of at most %d string values",
		            SERVE_MAX_ENV);
	fn->envv = calloc((e ? json_object_size(e) : 0) + 1, sizeof(char *));
	if (!fn->envv)
		return fail(w, "env", "out of memory");
	json_object_foreach(e, k, v)
	{
		const char *s = plain_string(v, SERVE_STRING_MAX);

		if (!valid_env_name(k))
			return fail(w, "env",
			            "\"%.64s\" is not a variable name ([A-Za-z_][A-Za-z0-9_]*)", k);
		if (!strcmp(k, "PORT") || !strncmp(k, "NANVIX_", 7))
			return fail(w, "env", "\"%s\" is set by nanvix-serve itself", k);
		if (!s)
			return fail(w, "env",
			            "the value of \"%s\" must be a string of at most %d bytes "
			            "without NUL",
			            k, SERVE_STRING_MAX);
		if (asprintf(&fn->envv[i++], "%s=%s", k, s) < 0) {
			fn->envv[--i] = NULL;
			return fail(w, "env", "out of memory");
		}
	}
	return 0;
}

static int get_memory(struct where *w, json_t *o, struct serve_fn *fn)
{
	json_t *v = json_object_get(o, "memory");
	uint64_t x = MEMORY_DEFAULT;

	if (json_is_integer(v) && json_integer_value(v) > 0)
		x = (uint64_t)json_integer_value(v);
	else if (json_is_string(v) && plain_string(v, 32) &&
	         serve_parse_size(json_string_value(v), &x) == 0)
		;
	else if (v)
		return fail(w, "memory",
		            "must be a size such as \"64M\" (K, M, G: binary units) or a number of "
		            "bytes");
	if (x < MEMORY_MIN || x > MEMORY_MAX)
		return fail(w, "memory", "must be from 1M to 64G, not %llu bytes",
		            (unsigned long long)x);
	fn->memory = x;
	return 0;
}

/* One entry of "functions" into *fn; the entries before it are in fns[0, w->index). */
static int get_function(struct where *w, json_t *o, struct serve_fn *fn, const struct serve_fn *fns)
{
	json_t *v;
	const char *key, *s;

	if (!json_is_object(o))
		return fail(w, NULL, "must be an object");
	v = json_object_get(o, "name");
	if (!v)
		return fail(w, "name", "is missing");
	s = plain_string(v, SERVE_NAME_MAX);
	if (!s || !valid_name(s))
		return fail(w, "name",
		            "must be 1 to %d characters of a-z, 0-9 and '-' (not first or last)",
		            SERVE_NAME_MAX);
	for (int i = 0; i < w->index; i++)
		if (!strcmp(fns[i].name, s))
			return fail(w, "name", "\"%s\" is already the name of functions[%d]", s, i);
	if (!(fn->name = strdup(s)))
		return fail(w, "name", "out of memory");
	w->name = fn->name;

	json_object_foreach(o, key, v)
	{
		bool known = false;

		for (const char *const *k = known_fields; *k; k++)
			known = known || !strcmp(*k, key);
		if (!known)
			return fail(w, NULL,
			            "unknown field \"%.64s\" (known: name, program, disk, args, env, "
			            "memory, host, min, max, queue, timeout, idle_timeout, "
			            "start_timeout, snapshot)",
			            key);
	}

	v = json_object_get(o, "program");
	if (!v)
		return fail(w, "program", "is missing");
	s = plain_string(v, SERVE_STRING_MAX);
	if (!s || !*s)
		return fail(w, "program", "must be a path (a non-empty string of at most %d bytes)",
		            SERVE_STRING_MAX);
	v = json_object_get(o, "disk");
	if (v) {
		const char *d = plain_string(v, SERVE_STRING_MAX);

		if (!d || !*d || strchr(d, ':'))
			return fail(w, "disk",
			            "must be the path of a disk image (a non-empty string of at most "
			            "%d bytes, without ':')",
			            SERVE_STRING_MAX);
		if (s[0] != '/')
			return fail(w, "program", "with \"disk\", must be an absolute path in the disk");
		if (!(fn->disk = resolve_program(w->path, d)) || !(fn->program = strdup(s)))
			return fail(w, "disk", "out of memory");
	} else if (!(fn->program = resolve_program(w->path, s))) {
		return fail(w, "program", "out of memory");
	}
	if (get_args(w, o, fn) || get_env(w, o, fn) || get_memory(w, o, fn))
		return -1;

	v = json_object_get(o, "host");
	if (v) {
		s = plain_string(v, SERVE_HOST_MAX);
		if (!s || !valid_host(s))
			return fail(w, "host",
			            "must be a DNS name in lower case (a-z, 0-9, '-' and '.')");
		for (int i = 0; i < w->index; i++)
			if (fns[i].host && !strcmp(fns[i].host, s))
				return fail(w, "host",
				            "\"%s\" is already the host of function \"%s\"", s,
				            fns[i].name);
		if (!(fn->host = strdup(s)))
			return fail(w, "host", "out of memory");
	}

	if (get_uint(w, o, "max", 1, SERVE_MAX_INSTANCES, 4, &fn->max) ||
	    get_uint(w, o, "min", 0, fn->max, 0, &fn->min) ||
	    get_uint(w, o, "queue", 0, 100000, 64, &fn->queue) ||
	    get_secs(w, o, "timeout", 0.1, 3600, 10, &fn->timeout_ms) ||
	    get_secs(w, o, "idle_timeout", 0.1, 86400, 30, &fn->idle_timeout_ms) ||
	    get_secs(w, o, "start_timeout", 0.1, 600, 30, &fn->start_timeout_ms))
		return -1;
	if (fn->min == 0 && fn->queue == 0)
		return fail(w, "queue",
		            "must be at least 1 when \"min\" is 0 (a request waits while the first "
		            "instance starts)");

	v = json_object_get(o, "snapshot");
	if (v && !json_is_boolean(v))
		return fail(w, "snapshot", "must be true or false");
	fn->snapshot = v ? json_is_true(v) : true;
	return 0;
}

static void free_strv(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

void serve_config_free(struct serve_config *cfg)
{
	for (unsigned i = 0; i < cfg->nfns; i++) {
		struct serve_fn *fn = &cfg->fns[i];

		free(fn->name);
		free(fn->program);
		free(fn->disk);
		free(fn->host);
		free_strv(fn->argv);
		free_strv(fn->envv);
	}
	free(cfg->fns);
	cfg->fns = NULL;
	cfg->nfns = 0;
}

int serve_config_load(const char *path, struct serve_config *cfg, char *err, size_t errlen)
{
	struct where w = { .path = path, .index = -1, .err = err, .errlen = errlen };
	json_error_t je;
	json_t *root, *list, *v;
	const char *key;
	struct stat st;
	unsigned total = 0;
	size_t i;
	int rc = -1;

	memset(cfg, 0, sizeof(*cfg));
	if (stat(path, &st) < 0)
		return fail(&w, NULL, "%s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(&w, NULL, "not a regular file");
	if (st.st_size > SERVE_CONFIG_MAX)
		return fail(&w, NULL, "larger than %d bytes", SERVE_CONFIG_MAX);
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return fail(&w, NULL, "line %d, column %d: %s", je.line, je.column, je.text);
	if (!json_is_object(root)) {
		fail(&w, NULL, "the top level must be an object: {\"functions\": [...]}");
		goto out;
	}
	json_object_foreach(root, key, v)
	{
		if (strcmp(key, "functions") != 0) {
			fail(&w, NULL, "unknown top-level field \"%.64s\" (known: functions)", key);
			goto out;
		}
	}
	list = json_object_get(root, "functions");
	if (!json_is_array(list) || json_array_size(list) == 0 ||
	    json_array_size(list) > SERVE_MAX_FUNCTIONS) {
		fail(&w, "functions", "must be an array of 1 to %d functions", SERVE_MAX_FUNCTIONS);
		goto out;
	}
	cfg->fns = calloc(json_array_size(list), sizeof(*cfg->fns));
	if (!cfg->fns) {
		fail(&w, NULL, "out of memory");
		goto out;
	}
	json_array_foreach(list, i, v)
	{
		w.index = (int)i;
		w.name = NULL;
		cfg->nfns = (unsigned)i + 1; /* so that serve_config_free sees it */
		if (get_function(&w, v, &cfg->fns[i], cfg->fns))
			goto out;
		total += cfg->fns[i].max;
	}
	w.index = -1;
	if (total > SERVE_MAX_TOTAL) {
		fail(&w, NULL, "the functions' \"max\" add up to %u, more than %d instances", total,
		     SERVE_MAX_TOTAL);
		goto out;
	}
	rc = 0;
out:
	json_decref(root);
	if (rc)
		serve_config_free(cfg);
	return rc;
}
