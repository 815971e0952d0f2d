/* nanvix-api's VMs: each a nanvixd child process, from create to destroy. */
/*
 * A request's VmCreate is checked whole before anything is made (every
 * field's type and range, host paths inside --allow-path, memory within
 * --max-memory) and becomes a nanvixd command line kept with the VM.
 * Starting it spawns that nanvixd in a process group of its own, killed
 * with the daemon (PR_SET_PDEATHSIG: a daemon killed by SIGKILL leaves no
 * VM running), its stdin /dev/null and its stdout and stderr appended to the VM's console
 * log, its signals at their defaults and its environment only what it
 * needs (the daemon's own never reaches a guest: `-e KEY` without a value
 * is refused).  nanvixd's stop grace is made practically endless so that
 * the daemon alone decides when a stop becomes a kill: a second SIGTERM
 * (nanvixd then kills the VM and cleans up itself), and SIGKILL to the
 * group 5 s after that if nanvixd has still not gone.
 *
 * The VM's default /tmp is made by nanvixd under a base directory of the
 * daemon's (NANVIXD_TMPDIR), which the daemon removes once nanvixd has
 * gone however it went, so a SIGKILL leaves nothing behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api.h"
#include "sandbox.h"

#define VM_ARGV_MAX     (2 * 4096 + 64)
#define VM_KILL_AFTER   5.0  /* s from the second SIGTERM to SIGKILL */
#define VM_RM_AFTER     60.0 /* s an exited --rm VM waits for its waiter */
#define VM_STATS_EVERY  5.0  /* s between asks for a running VM's counters (vm_tick) */
#define VM_STOP_FOREVER "86400"

const char *const vm_state_names[VM_NSTATES] = { "created", "running", "paused", "stopping",
	                                         "exited" };

static struct api_vm *vms, **vms_tail = &vms;
static int nvms;

struct api_vm *vm_list(void)
{
	return vms;
}

int vm_count(void)
{
	return nvms;
}

int vm_count_state(enum vm_state s)
{
	int n = 0;

	for (struct api_vm *vm = vms; vm; vm = vm->next)
		n += vm->state == s;
	return n;
}

struct api_vm *vm_find(const char *key)
{
	for (struct api_vm *vm = vms; vm; vm = vm->next)
		if (!strcmp(vm->id, key) || !strcmp(vm->name, key))
			return vm;
	return NULL;
}

static int fail(char *err, size_t errlen, int status, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return status;
}

/* A name or snapshot name: [A-Za-z0-9][A-Za-z0-9_.-]{0,63}. */
bool api_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > API_ID_MAX ||
	    !strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", s[0]))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* A JSON string with no NUL inside, or NULL. */
static const char *str_of(json_t *v)
{
	const char *s = json_string_value(v);

	return s && strlen(s) == json_string_length(v) ? s : NULL;
}

/* Is host path p (resolved) inside one of --allow-path? */
static bool allowed(const char *p, char *real, size_t reallen)
{
	char buf[PATH_MAX];

	if (!realpath(p, buf) || strlen(buf) >= reallen)
		return false;
	snprintf(real, reallen, "%s", buf);
	if (api_opt.allow_any)
		return true;
	for (int i = 0; i < api_opt.nallow; i++) {
		size_t n = strlen(api_opt.allow[i]);

		if (!strncmp(buf, api_opt.allow[i], n) &&
		    (buf[n] == '/' || buf[n] == '\0' || (n == 1 && buf[0] == '/')))
			return true;
	}
	return false;
}

uint64_t api_size(const char *s, uint64_t bare)
{
	char *end;
	unsigned long long n = strtoull(s, &end, 10);
	uint64_t unit = bare;

	if (end == s || s[0] == '-' || n == 0 || n > (1ull << 40))
		return 0;
	if (*end) {
		switch (*end | 0x20) {
		case 'k': unit = 1ull << 10; break;
		case 'm': unit = 1ull << 20; break;
		case 'g': unit = 1ull << 30; break;
		case 'b': unit = 1; break;
		default: return 0;
		}
		if ((*end | 0x20) != 'b') {
			end++;
			if (*end == 'i')
				end++;
			if ((*end | 0x20) == 'b')
				end++;
		} else {
			end++;
		}
		if (*end)
			return 0;
	}
	return n > UINT64_MAX / unit ? 0 : n * unit;
}

struct argv_builder {
	char **v;
	int n;
	bool full;
};

static void push(struct argv_builder *b, const char *s)
{
	if (b->n + 1 >= VM_ARGV_MAX) {
		b->full = true;
		return;
	}
	b->v[b->n++] = strdup(s);
	if (!b->v[b->n - 1])
		b->full = true;
}

static void pushf(struct argv_builder *b, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static void pushf(struct argv_builder *b, const char *fmt, ...)
{
	char buf[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	push(b, buf);
}

static void argv_free(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static const char *const create_fields[] = {
	"name",     "program",      "args",        "env",     "memory", "workdir",
	"disk",     "in_vm",        "volumes",     "publish", "net",    "timeout",
	"snapshot", "snapshot_out", "auto_remove", "start",   "limits", "tmp", NULL
};

/* A string array field: each element checked by ok (may be NULL). */
static int string_array(json_t *o, const char *key, size_t max, bool (*ok)(const char *), char *err,
                        size_t errlen)
{
	json_t *a = json_object_get(o, key), *v;
	size_t i;

	if (!a)
		return 0;
	if (!json_is_array(a))
		return fail(err, errlen, 400, "%s: expected an array of strings", key);
	if (json_array_size(a) > max)
		return fail(err, errlen, 400, "%s: more than %zu entries", key, max);
	json_array_foreach(a, i, v)
	{
		const char *s = str_of(v);

		if (!s)
			return fail(err, errlen, 400, "%s[%zu]: expected a string without NUL", key,
			            i);
		if (strlen(s) > 4000)
			return fail(err, errlen, 400, "%s[%zu]: longer than 4000 bytes", key, i);
		if (ok && !ok(s))
			return fail(err, errlen, 400, "%s[%zu]: '%s' is malformed", key, i, s);
	}
	return 0;
}

/* KEY=VALUE with a non-empty KEY (a bare KEY would copy the daemon's own variable). */
static bool env_ok(const char *s)
{
	const char *eq = strchr(s, '=');

	return eq && eq != s;
}

/*
 * [ADDR:]HOSTPORT:GUESTPORT[/udp] with ADDR, when given, a loopback
 * address: a client of the API cannot open the host's other interfaces.
 */
static bool publish_ok(const char *s)
{
	const char *first = strchr(s, ':'), *last = strrchr(s, ':');

	if (!*s || strspn(s, "0123456789.:/udp") != strlen(s) || !first)
		return false;
	return first == last || !strncmp(s, "127.", 4);
}

static int random_id(char id[13])
{
	uint8_t b[6];

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		return -errno;
	for (int i = 0; i < 6; i++)
		snprintf(id + 2 * i, 3, "%02x", b[i]);
	return 0;
}

/*
 * What a snapshot fixes, which a VM restored from it cannot be given (nanvixd
 * refuses them with --restore): 0, or 400 with err.  Left: name, timeout,
 * publish, auto_remove, start and the cpus, disk_rate, net_rate and
 * net_recv_rate limits.
 */
static int restore_fixed(json_t *o, char *err, size_t errlen)
{
	static const char *const fixed[] = { "memory", "args",  "env", "volumes",     "workdir",
		                             "disk",   "in_vm", "net", "snapshot_out" };
	static const char *const fixed_limits[] = { "pids", "nofile", "cpu_seconds", "net_sockets",
		                                    "tmp_bytes" };
	json_t *limits = json_object_get(o, "limits");

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (json_object_get(o, fixed[i]))
			return fail(
			        err, errlen, 400,
			        "%s: a VM restored from a snapshot has the snapshot's (it takes "
			        "only name, timeout, publish, auto_remove, start and the cpus, "
			        "disk_rate, net_rate and net_recv_rate limits)",
			        fixed[i]);
	if (json_is_false(json_object_get(o, "tmp")))
		return fail(err, errlen, 400,
		            "tmp: a VM restored from a snapshot has the snapshot's file system");
	for (size_t i = 0; limits && i < sizeof(fixed_limits) / sizeof(fixed_limits[0]); i++)
		if (json_object_get(limits, fixed_limits[i]))
			return fail(err, errlen, 400,
			            "limits.%s: a VM restored from a snapshot has the snapshot's "
			            "(only cpus, disk_rate, net_rate and net_recv_rate apply)",
			            fixed_limits[i]);
	if (api_opt.trust)
		return fail(err, errlen, 400,
		            "snapshot: this daemon runs with --trust, which checks signed images "
		            "at boot: a VM cannot be restored from a snapshot");
	return 0;
}

static int check_field_types(json_t *o, char *err, size_t errlen)
{
	static const struct {
		const char *key;
		json_type type;
	} types[] = {
		{ "name", JSON_STRING },     { "program", JSON_STRING },
		{ "memory", JSON_STRING },   { "workdir", JSON_STRING },
		{ "disk", JSON_STRING },     { "net", JSON_STRING },
		{ "snapshot", JSON_STRING }, { "snapshot_out", JSON_STRING },
	};
	static const char *const bools[] = { "in_vm", "auto_remove", "start", "tmp" };
	const char *key;
	json_t *v;

	if (!json_is_object(o))
		return fail(err, errlen, 400, "the body must be a JSON object (VmCreate)");
	json_object_foreach(o, key, v)
	{
		int i;

		for (i = 0; create_fields[i] && strcmp(create_fields[i], key); i++)
			;
		if (!create_fields[i])
			return fail(err, errlen, 400, "unknown field '%.64s'", key);
	}
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		v = json_object_get(o, types[i].key);
		if (v && (json_typeof(v) != types[i].type || !str_of(v)))
			return fail(err, errlen, 400, "%s: expected a string without NUL",
			            types[i].key);
		if (v && json_string_length(v) > 4000)
			return fail(err, errlen, 400, "%s: longer than 4000 bytes", types[i].key);
	}
	for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		v = json_object_get(o, bools[i]);
		if (v && !json_is_boolean(v))
			return fail(err, errlen, 400, "%s: expected true or false", bools[i]);
	}
	v = json_object_get(o, "timeout");
	if (v && (!json_is_number(v) || json_number_value(v) <= 0 || json_number_value(v) > 1e7))
		return fail(err, errlen, 400, "timeout: expected seconds, above 0 and at most 1e7");
	return 0;
}

/*
 * limits.tmp_bytes sizes nanvixd's own /tmp (host memory here: /dev/shm),
 * so it is at most --max-memory, and the VM must have that /tmp: not with
 * tmp false, a disk, snapshot_out, or a volume at / or under /tmp.  0 or 400.
 */
static int tmp_limit_ok(json_t *o, json_t *v, char *err, size_t errlen)
{
	json_t *vol;
	size_t i;

	if ((uint64_t)json_integer_value(v) > api_opt.max_memory)
		return fail(err, errlen, 400,
		            "limits.tmp_bytes: more than this daemon's --max-memory (%llu MiB): "
		            "/tmp is host memory",
		            (unsigned long long)(api_opt.max_memory >> 20));
	if (json_is_false(json_object_get(o, "tmp")) || json_object_get(o, "disk") ||
	    json_object_get(o, "snapshot_out"))
		return fail(err, errlen, 400,
		            "limits.tmp_bytes: sizes nanvixd's own /tmp, which a VM with tmp false, "
		            "a disk or snapshot_out does not have");
	json_array_foreach(json_object_get(o, "volumes"), i, vol)
	{
		/* HOST:/PATH[:ro], HOST absolute: the guest path follows ":/". */
		const char *at = strstr(json_string_value(vol), ":/");
		size_t n;

		if (!at)
			continue;
		at++;
		n = strcspn(at, ":");
		while (n > 1 && at[n - 1] == '/')
			n--;
		if (strspn(at, "/") >= n || (n >= 4 && !strncmp(at, "/tmp", 4) &&
		                             (n == 4 || at[4] == '/')))
			return fail(err, errlen, 400,
			            "limits.tmp_bytes: a volume at / or /tmp replaces nanvixd's own "
			            "/tmp");
	}
	return 0;
}

/*
 * The limits object, each field optional, as nanvixd's options: pids
 * (--pids-limit), nofile (--ulimit nofile=N), cpu_seconds (--ulimit
 * cpu=N), cpus (--cpus, the one fraction), net_sockets, disk_rate and
 * net_rate and net_recv_rate (bytes a second), tmp_bytes (--tmp-size: see
 * tmp_limit_ok).
 */
static int push_limits(json_t *o, struct argv_builder *b, char *err, size_t errlen)
{
	static const struct {
		const char *key, *option;
		double lo, hi;
	} limits[] = {
		{ "pids", "--pids-limit=", 1, 1000000 },
		{ "nofile", "--ulimit=nofile=", 1, 512 },
		{ "cpu_seconds", "--ulimit=cpu=", 1, 1000000000 },
		{ "cpus", "--cpus=", 0.01, 1 },
		{ "net_sockets", "--net-sockets=", 1, 1023 },
		{ "disk_rate", "--disk-rate=", 4096, 1099511627776.0 },
		{ "net_rate", "--net-rate=", 4096, 1099511627776.0 },
		{ "net_recv_rate", "--net-recv-rate=", 4096, 1099511627776.0 },
		{ "tmp_bytes", "--tmp-size=", 65536, 1099511627776.0 },
	};
	const size_t n = sizeof(limits) / sizeof(limits[0]);
	json_t *l = json_object_get(o, "limits"), *v;
	const char *key;
	size_t i;
	int rc;

	if (!l)
		return 0;
	if (!json_is_object(l))
		return fail(err, errlen, 400, "limits: expected an object");
	json_object_foreach(l, key, v)
	{
		bool frac;

		for (i = 0; i < n && strcmp(key, limits[i].key); i++)
			;
		if (i == n)
			return fail(
			        err, errlen, 400,
			        "limits: unknown field '%.64s' (pids, nofile, cpu_seconds, cpus, "
			        "net_sockets, disk_rate, net_rate, net_recv_rate, tmp_bytes)",
			        key);
		frac = !strcmp(key, "cpus");
		if (!json_is_number(v) || json_number_value(v) < limits[i].lo ||
		    json_number_value(v) > limits[i].hi || (!frac && !json_is_integer(v)))
			return fail(err, errlen, 400, "limits.%s: expected %s from %.15g to %.15g",
			            key, frac ? "a number" : "a whole number", limits[i].lo,
			            limits[i].hi);
		if (!strcmp(key, "tmp_bytes") && (rc = tmp_limit_ok(o, v, err, errlen)))
			return rc;
		if (frac)
			pushf(b, "%s%g", limits[i].option, json_number_value(v));
		else /* "B": nanvixd reads a bare --tmp-size as MiB */
			pushf(b, "%s%lld%s", limits[i].option, (long long)json_integer_value(v),
			      strcmp(key, "tmp_bytes") ? "" : "B");
	}
	return 0;
}

/* Build nanvixd's command line for o into b; 0 or a status. */
static int build_argv(json_t *o, struct argv_builder *b, const char *id, char *memory,
                      size_t memlen, char *err, size_t errlen)
{
	const char *program = str_of(json_object_get(o, "program"));
	const char *disk = str_of(json_object_get(o, "disk"));
	const char *net = str_of(json_object_get(o, "net"));
	const char *workdir = str_of(json_object_get(o, "workdir"));
	const char *snap = str_of(json_object_get(o, "snapshot"));
	const char *snap_out = str_of(json_object_get(o, "snapshot_out"));
	const char *mem = str_of(json_object_get(o, "memory"));
	bool in_vm = json_is_true(json_object_get(o, "in_vm"));
	json_t *timeout = json_object_get(o, "timeout"), *v;
	char real[PATH_MAX];
	uint64_t bytes;
	size_t i;
	int rc;

	if ((rc = string_array(o, "args", 4096, NULL, err, errlen)) ||
	    (rc = string_array(o, "env", 4096, env_ok, err, errlen)) ||
	    (rc = string_array(o, "volumes", 64, NULL, err, errlen)) ||
	    (rc = string_array(o, "publish", 64, publish_ok, err, errlen)))
		return rc;
	if (!program && !snap)
		return fail(err, errlen, 400, "program: required (or snapshot)");
	if (program && snap)
		return fail(err, errlen, 400, "program and snapshot: give one");
	if (snap && !api_name_ok(snap))
		return fail(err, errlen, 400,
		            "snapshot: a name as [A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
	if (snap && (rc = restore_fixed(o, err, errlen)))
		return rc;
	if (snap_out && !api_name_ok(snap_out))
		return fail(err, errlen, 400,
		            "snapshot_out: a name as [A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
	if (net && strcmp(net, "host") && strcmp(net, "guest") && strcmp(net, "none"))
		return fail(err, errlen, 400, "net: expected host, guest or none");
	if (workdir && workdir[0] != '/')
		return fail(err, errlen, 400, "workdir: expected an absolute path");
	bytes = api_size(mem ? mem : "64M", 1ull << 20);
	if (!bytes)
		return fail(err, errlen, 400, "memory: '%s' is not a size (e.g. 64M, 1G)", mem);
	if (bytes > api_opt.max_memory)
		return fail(err, errlen, 400,
		            "memory: %s is more than this daemon's --max-memory (%llu MiB)", mem,
		            (unsigned long long)(api_opt.max_memory >> 20));
	snprintf(memory, memlen, "%s", mem ? mem : "64M");

	push(b, api_opt.nanvixd);
	push(b, "--stop-timeout");
	push(b, VM_STOP_FOREVER);
	/* Always filtered (with a network, its uplink comes from nanvixd's spawner). */
	push(b, "--seccomp=on");
	/* Its counters at the end, for the Vm object and /v1/metrics. */
	push(b, "--stats-file");
	pushf(b, "%s/vms/%s/stats", api_opt.state_dir, id);
	/* Its control channel (snap.c): fd 3 of the child. */
	push(b, "--control-fd=3");
	if (!snap) {
		push(b, "-m");
		push(b, memory);
	}
	if (timeout)
		pushf(b, "--timeout=%.3f", json_number_value(timeout));
	if ((rc = push_limits(o, b, err, errlen)))
		return rc;
	if (api_opt.trust) {
		push(b, "--trust");
		push(b, api_opt.trust);
	}
	if (net)
		pushf(b, "--net=%s", net);
	/* No /tmp of nanvixd's own: with no volume either, a VM that can be snapshotted. */
	if (json_is_false(json_object_get(o, "tmp")))
		push(b, "--no-tmp");
	json_array_foreach(json_object_get(o, "publish"), i, v)
	{
		push(b, "-p");
		push(b, json_string_value(v));
	}
	json_array_foreach(json_object_get(o, "volumes"), i, v)
	{
		const char *s = json_string_value(v), *colon = strchr(s, ':');
		char host[PATH_MAX];

		if (!colon || colon == s || (size_t)(colon - s) >= sizeof(host) || colon[1] != '/')
			return fail(err, errlen, 400, "volumes[%zu]: expected HOSTDIR:/PATH[:ro]",
			            i);
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
		if (!allowed(host, real, sizeof(real)))
			return fail(err, errlen, 400,
			            "volumes[%zu]: %s is missing or outside --allow-path", i, host);
		push(b, "-v");
		pushf(b, "%s%s", real, colon);
	}
	if (disk) {
		const char *colon = strrchr(disk, ':');
		char host[PATH_MAX];
		size_t n = colon && (!strcmp(colon, ":ro") || !strcmp(colon, ":cow"))
		                   ? (size_t)(colon - disk)
		                   : strlen(disk);

		if (n == 0 || n >= sizeof(host))
			return fail(err, errlen, 400, "disk: expected IMAGE[:ro|:cow]");
		memcpy(host, disk, n);
		host[n] = '\0';
		if (!allowed(host, real, sizeof(real)))
			return fail(err, errlen, 400, "disk: %s is missing or outside --allow-path",
			            host);
		push(b, "--disk");
		pushf(b, "%s%s", real, disk + n);
	}
	if (workdir) {
		push(b, "-w");
		push(b, workdir);
	}
	json_array_foreach(json_object_get(o, "env"), i, v)
	{
		push(b, "-e");
		push(b, json_string_value(v));
	}
	if (snap_out) {
		push(b, "--snapshot-out");
		pushf(b, "%s/snapshots/%s", api_opt.state_dir, snap_out);
	}
	if (snap) {
		char dir[PATH_MAX];
		struct stat st;

		snprintf(dir, sizeof(dir), "%s/snapshots/%s", api_opt.state_dir, snap);
		if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
			return fail(err, errlen, 404, "snapshot: no snapshot named '%s'", snap);
		/* Its memory is the snapshot's (nanvixd takes no -m with --restore). */
		snprintf(dir, sizeof(dir), "%s/snapshots/%s/mem", api_opt.state_dir, snap);
		if (stat(dir, &st) == 0 && S_ISREG(st.st_mode))
			snprintf(memory, memlen, "%lluM", (unsigned long long)(st.st_size >> 20));
		snprintf(dir, sizeof(dir), "%s/snapshots/%s", api_opt.state_dir, snap);
		push(b, "--restore");
		push(b, dir);
		return b->full ? fail(err, errlen, 400, "the command line is too long") : 0;
	}
	if (disk || in_vm) {
		if (program[0] != '/')
			return fail(err, errlen, 400, "program: a path in the VM must be absolute");
		if (in_vm)
			push(b, "--in-vm");
		push(b, "--");
		push(b, program);
	} else {
		if (program[0] != '/')
			return fail(err, errlen, 400, "program: expected an absolute host path");
		if (!allowed(program, real, sizeof(real)))
			return fail(err, errlen, 400,
			            "program: %s is missing or outside --allow-path", program);
		push(b, "--");
		push(b, real);
	}
	json_array_foreach(json_object_get(o, "args"), i, v) push(b, json_string_value(v));
	return b->full ? fail(err, errlen, 400, "the command line is too long") : 0;
}

int api_mkdirs(const char *path, bool last)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, 0700) < 0 && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	return last && mkdir(buf, 0700) < 0 && errno != EEXIST ? -errno : 0;
}

static bool rm_failed; /* api_rm_tree's walk met something it could not remove */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT)
		rm_failed = true;
	return 0;
}

int api_rm_tree(const char *dir)
{
	if (!dir[0])
		return 0;
	rm_failed = false;
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 || rm_failed ? -1 : 0;
}

/* Remove a VM's directory or /tmp base; what cannot go stays (nothing to tell). */
static void rm_tree(const char *dir)
{
	(void)api_rm_tree(dir);
}

int vm_check(void *json_obj, char *err, size_t errlen)
{
	struct argv_builder b = { 0 };
	char memory[24];
	int rc;

	if ((rc = check_field_types(json_obj, err, errlen)))
		return rc;
	b.v = calloc(VM_ARGV_MAX, sizeof(char *));
	if (!b.v)
		return fail(err, errlen, 500, "out of memory");
	rc = build_argv(json_obj, &b, "000000000000", memory, sizeof(memory), err, errlen);
	argv_free(b.v, b.n);
	return rc;
}

struct api_vm *vm_create(void *json_obj, const char *who, int *status, char *err, size_t errlen)
{
	json_t *o = json_obj;
	const char *name = NULL, *program;
	struct argv_builder b = { 0 };
	struct api_vm *vm = NULL;
	char *args = NULL;
	int rc;

	*status = 0;
	if ((rc = check_field_types(o, err, errlen)))
		goto out_fail;
	name = str_of(json_object_get(o, "name"));
	if (name && !api_name_ok(name)) {
		rc = fail(err, errlen, 400, "name: expected [A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
		goto out_fail;
	}
	if (name && vm_find(name)) {
		rc = fail(err, errlen, 409, "name: a VM named '%s' exists", name);
		goto out_fail;
	}
	if (nvms >= api_opt.max_vms) {
		rc = fail(err, errlen, 429, "the daemon holds %d VMs, its --max-vms: delete some",
		          nvms);
		goto out_fail;
	}
	vm = calloc(1, sizeof(*vm));
	b.v = calloc(VM_ARGV_MAX, sizeof(char *));
	if (!vm || !b.v) {
		rc = fail(err, errlen, 500, "out of memory");
		goto out_fail;
	}
	do {
		if (random_id(vm->id) < 0) {
			rc = fail(err, errlen, 500, "getrandom: %s", strerror(errno));
			goto out_fail;
		}
	} while (vm_find(vm->id));
	if ((rc = build_argv(o, &b, vm->id, vm->memory, sizeof(vm->memory), err, errlen)))
		goto out_fail;
	snprintf(vm->name, sizeof(vm->name), "%s", name ? name : vm->id);
	snprintf(vm->owner, sizeof(vm->owner), "%s", who ? who : "");
	snprintf(vm->dir, sizeof(vm->dir), "%s/vms/%s", api_opt.state_dir, vm->id);
	if ((rc = api_mkdirs(vm->dir, true)) < 0) {
		rc = fail(err, errlen, 500, "cannot make %s: %s", vm->dir, strerror(-rc));
		goto out_fail;
	}
	program = str_of(json_object_get(o, "program"));
	vm->program = strdup(program ? program : str_of(json_object_get(o, "snapshot")));
	args = json_object_get(o, "args") ? json_dumps(json_object_get(o, "args"), JSON_COMPACT)
	                                  : strdup("[]");
	vm->args_json = args;
	if (!vm->program || !args) {
		rm_tree(vm->dir);
		rc = fail(err, errlen, 500, "out of memory");
		goto out_fail;
	}
	/* Built in a buffer for the longest line: keep only what it holds. */
	vm->argv = realloc(b.v, (size_t)(b.n + 1) * sizeof(char *));
	if (!vm->argv)
		vm->argv = b.v;
	vm->argc = b.n;
	if (str_of(json_object_get(o, "snapshot")))
		vm->snapshot = strdup(str_of(json_object_get(o, "snapshot")));
	vm->state = VM_CREATED;
	vm->exit_status = -1;
	vm->created_at = api_wall();
	vm->auto_remove = json_is_true(json_object_get(o, "auto_remove"));
	*vms_tail = vm;
	vms_tail = &vm->next;
	nvms++;
	return vm;

out_fail:
	*status = rc;
	if (b.v)
		argv_free(b.v, b.n);
	if (vm) {
		free(vm->program);
		free(vm->args_json);
	}
	free(vm);
	return NULL;
}

void vm_log_path(const struct api_vm *vm, char *buf, size_t len)
{
	snprintf(buf, len, "%s/console.log", vm->dir);
}

static void tmp_base(struct api_vm *vm)
{
	struct stat st;

	if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
	    access("/dev/shm", W_OK | X_OK) == 0)
		snprintf(vm->tmp, sizeof(vm->tmp), "/dev/shm/nanvix-api.%d.%s", (int)getpid(),
		         vm->id);
	else
		snprintf(vm->tmp, sizeof(vm->tmp), "%s/tmp", vm->dir);
}

/* Close a VM's stdin, stdout and stderr in the daemon (fd 3, its control channel, is snap.c's). */
static void close_fds(const int fds[4])
{
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0 && fds[1] != fds[2])
		close(fds[1]);
	if (fds[2] >= 0)
		close(fds[2]);
}

int vm_start(struct api_vm *vm, char *err, size_t errlen)
{
	char log[PATH_MAX], in[PATH_MAX], out[PATH_MAX], tmpenv[PATH_MAX + 32],
	        guestenv[PATH_MAX + 32];
	const char *guest = getenv("NANVIX_GUEST_DIR");
	char *envp[] = { "PATH=/usr/local/bin:/usr/bin:/bin", tmpenv, guest ? guestenv : NULL,
		         NULL };
	pid_t pid;
	int rc, pipefd[2], child_errno = 0, ctl, fds[4];
	ssize_t n;
	double t0;

	if (vm->state != VM_CREATED)
		return fail(err, errlen, 409, "VM %s is %s: only a created VM starts", vm->id,
		            vm_state_names[vm->state]);
	tmp_base(vm);
	if ((rc = api_mkdirs(vm->tmp, true)) < 0)
		return fail(err, errlen, 500, "cannot make %s: %s", vm->tmp, strerror(-rc));
	snprintf(tmpenv, sizeof(tmpenv), "NANVIXD_TMPDIR=%s", vm->tmp);
	if (guest)
		snprintf(guestenv, sizeof(guestenv), "NANVIX_GUEST_DIR=%.4000s", guest);
	vm_log_path(vm, log, sizeof(log));
	/* An invocation's stdin and stdout are files of its directory (fn.c). */
	snprintf(in, sizeof(in), "%s/stdin", vm->dir);
	snprintf(out, sizeof(out), "%s/stdout", vm->dir);
	if (!vm->function)
		snprintf(in, sizeof(in), "/dev/null");
	if ((ctl = snap_ctl_open(vm)) < 0) {
		rm_tree(vm->tmp);
		return fail(err, errlen, 503, "cannot start a VM: socketpair: %s", strerror(-ctl));
	}
	/* Its stdin; the console log as stderr and stdout (an invocation's stdout is a
	 * file of its own); the control channel as fd 3. */
	fds[0] = open(in, O_RDONLY | O_CLOEXEC);
	fds[2] = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	fds[1] = vm->function ? open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : fds[2];
	fds[3] = ctl;
	if (fds[0] < 0 || fds[1] < 0 || fds[2] < 0) {
		rc = errno;
		close_fds(fds);
		snap_ctl_started(vm, ctl, false);
		rm_tree(vm->tmp);
		return fail(err, errlen, 503, "cannot start %s: %s", vm->argv[0], strerror(rc));
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		rc = errno;
		close_fds(fds);
		snap_ctl_started(vm, ctl, false);
		rm_tree(vm->tmp);
		return fail(err, errlen, 503, "cannot start a VM: pipe: %s", strerror(rc));
	}
	t0 = api_now();
	pid = launcher_spawn(vm->argv, envp, fds, pipefd[1]); /* sandbox.c */
	close(pipefd[1]);
	close_fds(fds);
	/* Nothing comes before exec succeeds (the write end closes with it). */
	while (pid > 0 && (n = read(pipefd[0], &child_errno, sizeof(child_errno))) < 0 &&
	       errno == EINTR)
		;
	close(pipefd[0]);
	snap_ctl_started(vm, ctl, pid > 0 && !child_errno);
	if (pid < 0 || child_errno) {
		rc = pid < 0 ? -pid : child_errno;
		if (pid > 0)
			waitpid(pid, NULL, 0);
		rm_tree(vm->tmp);
		return fail(err, errlen, 503, "cannot start %s: %s", vm->argv[0], strerror(rc));
	}
	vm->pid = pid;
	vm->state = VM_RUNNING;
	vm->started_at = api_wall();
	vm->started_mono = api_now();
	metrics_vm_started(vm->started_mono - t0);
	return 0;
}

static bool alive(const struct api_vm *vm)
{
	return vm->state == VM_RUNNING || vm->state == VM_PAUSED || vm->state == VM_STOPPING;
}

int vm_signal(struct api_vm *vm, int sig, char *err, size_t errlen)
{
	if (!alive(vm))
		return fail(err, errlen, 409, "VM %s is %s: it is not running", vm->id,
		            vm_state_names[vm->state]);
	if (sig == SIGKILL) {
		kill(-vm->pid, SIGKILL);
		return 0;
	}
	if (sig != SIGTERM && sig != SIGINT && sig != SIGHUP && sig != SIGWINCH)
		return fail(
		        err, errlen, 400,
		        "signal %d: only SIGKILL, SIGTERM, SIGINT, SIGHUP and SIGWINCH reach a VM",
		        sig);
	kill(vm->pid, sig);
	if (vm->state == VM_PAUSED) {
		kill(-vm->pid, SIGCONT); /* a signal is for a program that runs */
		vm->state = VM_RUNNING;
	}
	return 0;
}

int vm_stop(struct api_vm *vm, double grace, char *err, size_t errlen)
{
	int rc;

	if (vm->state == VM_EXITED)
		return 0;
	if (vm->state == VM_STOPPING)
		return 0; /* the first stop's grace period stands */
	if (vm->state == VM_CREATED)
		return fail(err, errlen, 409, "VM %s was never started", vm->id);
	if ((rc = vm_signal(vm, grace > 0 ? SIGTERM : SIGKILL, err, errlen)))
		return rc;
	vm->state = VM_STOPPING;
	vm->stop_deadline = api_now() + grace;
	return 0;
}

int vm_pause(struct api_vm *vm, bool pause, char *err, size_t errlen)
{
	enum vm_state want = pause ? VM_RUNNING : VM_PAUSED;

	if (vm->state != want)
		return fail(err, errlen, 409, "VM %s is %s: %s needs a %s VM", vm->id,
		            vm_state_names[vm->state], pause ? "pause" : "resume",
		            vm_state_names[want]);
	kill(-vm->pid, pause ? SIGSTOP : SIGCONT);
	vm->state = pause ? VM_PAUSED : VM_RUNNING;
	return 0;
}

static void unlink_vm(struct api_vm *vm)
{
	struct api_vm **pp;

	for (pp = &vms; *pp && *pp != vm; pp = &(*pp)->next)
		;
	if (!*pp)
		return;
	*pp = vm->next;
	if (vms_tail == &vm->next)
		vms_tail = pp;
	nvms--;
	rm_tree(vm->dir);
	argv_free(vm->argv, vm->argc);
	free(vm->program);
	free(vm->snapshot);
	free(vm->function);
	free(vm->args_json);
	json_decref(vm->stats);
	free(vm);
}

/* nanvixd's --stats-file: "nanvixd: stats: [ring ]KEY=N ..." lines, as a JSON object. */
static json_t *read_stats(const struct api_vm *vm)
{
	char path[PATH_MAX], line[1024];
	json_t *o = json_object();
	FILE *f;

	snprintf(path, sizeof(path), "%s/stats", vm->dir);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "nanvixd: stats: ", 16))
			api_stats_parse(o, line + 16);
	if (f)
		fclose(f);
	return o;
}

void api_stats_parse(void *json_obj, char *text)
{
	char *tok, *save;

	for (tok = strtok_r(text, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		char *eq = strchr(tok, '='), *end;
		unsigned long long v;

		if (!eq || eq == tok || eq - tok > 32)
			continue;
		*eq = '\0';
		v = strtoull(eq + 1, &end, 10);
		if (!*end && end != eq + 1)
			json_object_set_new(json_obj, tok,
			                    json_integer((json_int_t)(v > INT64_MAX ? INT64_MAX : v)));
	}
}

/*
 * nanvixd's own refusals are security events: it sends each down the VM's
 * control channel (monitor/control.c), never through the console log,
 * which the guest writes too and could forge lines in.  Each destination
 * the network switch refused (it reports each once; at most
 * EGRESS_AUDIT_MAX a VM), a stop by its seccomp filter, a --trust refusal,
 * and a program nanvixd would not load for W^X.
 */
#define EGRESS_AUDIT_MAX 32
#define VM_EVENTS_MAX    64 /* a VM's nanvixd cannot flood the audit log */
void vm_event(struct api_vm *vm, const char *kind, const char *msg)
{
	if (vm->events++ >= VM_EVENTS_MAX)
		return;
	if (!strcmp(kind, "egress_refused")) {
		if (vm->egress_audited++ < EGRESS_AUDIT_MAX)
			audit("egress_refused", "vm", vm->id, "who", vm->owner, "message", msg, NULL);
	} else if (!strcmp(kind, "seccomp_kill") || !strcmp(kind, "trust_refused")) {
		audit(kind, "vm", vm->id, "who", vm->owner, "message", msg, NULL);
	} else if (!strcmp(kind, "wx_load")) {
		audit("wx_refused", "vm", vm->id, "name", vm->name, "who", vm->owner, "kind", "load",
		      "count", "1", "message", msg, NULL);
	} else {
		fprintf(stderr, "nanvix-api: VM %s: nanvixd sent an unknown event '%.64s'\n", vm->id,
		        kind);
	}
}

/*
 * W^X refusals in nanvixd's counters (docs/security.md), live (each
 * "stats" answer) or final: a wx_refused event a kind with refusals not
 * audited yet, `count` those.
 */
void vm_audit_wx(struct api_vm *vm, void *stats)
{
	static const struct {
		const char *key, *kind, *message;
	} kinds[] = {
		{ "wx_mmap", "mmap", "mmap asked for PROT_WRITE|PROT_EXEC" },
		{ "wx_mprotect", "mprotect", "mprotect asked for PROT_WRITE|PROT_EXEC" },
		{ "wx_exec", "exec", "execve of an image with a writable and executable page" },
		{ "wx_hypercall", "hypercall",
		  "the guest kernel asked nanvixd for a writable and executable page" },
	};
	_Static_assert(sizeof(kinds) / sizeof(kinds[0]) ==
	                       sizeof(vm->wx_audited) / sizeof(vm->wx_audited[0]),
	               "a count a kind");

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		json_t *v = stats ? json_object_get(stats, kinds[i].key) : NULL;
		char count[24];

		if (!json_is_integer(v) || json_integer_value(v) <= vm->wx_audited[i])
			continue;
		snprintf(count, sizeof(count), "%lld",
		         (long long)json_integer_value(v) - vm->wx_audited[i]);
		vm->wx_audited[i] = (long long)json_integer_value(v);
		audit("wx_refused", "vm", vm->id, "name", vm->name, "who", vm->owner, "kind",
		      kinds[i].kind, "count", count, "message", kinds[i].message, NULL);
	}
}

/* nanvixd has gone with wait status ws, having used ru. */
static void exited(struct api_vm *vm, int ws, const struct rusage *ru)
{
	vm->exit_status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	vm->cpu_final = (double)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) +
	                (double)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1e6;
	vm->maxrss_final = (uint64_t)ru->ru_maxrss * 1024;
	vm->stats = read_stats(vm);
	vm->state = VM_EXITED;
	vm->pid = 0;
	vm->finished_at = api_wall();
	vm->finished_mono = api_now();
	rm_tree(vm->tmp);
	snap_ctl_close(vm); /* its last events, too */
	metrics_vm_exited(vm->exit_status);
	vm_audit_wx(vm, vm->stats);
	conn_vm_exited(vm);
}

void vm_reap(void)
{
	struct rusage ru;
	int ws;
	pid_t pid;

	while ((pid = wait4(-1, &ws, WNOHANG, &ru)) > 0)
		for (struct api_vm *vm = vms; vm; vm = vm->next)
			if (vm->pid == pid && alive(vm)) {
				exited(vm, ws, &ru);
				break;
			}
}

int vm_destroy(struct api_vm *vm, bool force, char *err, size_t errlen)
{
	struct rusage ru;
	int ws;

	if (alive(vm)) {
		if (!force)
			return fail(err, errlen, 409, "VM %s is %s: stop it first, or force",
			            vm->id, vm_state_names[vm->state]);
		kill(-vm->pid, SIGKILL);
		if (wait4(vm->pid, &ws, 0, &ru) == vm->pid)
			exited(vm, ws, &ru);
	}
	unlink_vm(vm);
	return 0;
}

void vm_tick(double now)
{
	struct api_vm *vm, *next;

	for (vm = vms; vm; vm = next) {
		next = vm->next;
		if (vm->state == VM_STOPPING && vm->stop_deadline && now >= vm->stop_deadline) {
			/* The grace period is over: nanvixd kills the VM at a second SIGTERM. */
			kill(vm->pid, SIGTERM);
			kill(-vm->pid, SIGCONT);
			vm->stop_deadline = 0;
			vm->kill_at = now + VM_KILL_AFTER;
		} else if (vm->state == VM_STOPPING && vm->kill_at && now >= vm->kill_at) {
			kill(-vm->pid, SIGKILL);
			vm->kill_at = 0;
		} else if (vm->state == VM_EXITED && vm->auto_remove && !conn_vm_watched(vm) &&
		           (vm->waited || now - vm->finished_mono > VM_RM_AFTER)) {
			unlink_vm(vm);
		} else if (vm->state == VM_RUNNING && now - vm->stats_asked >= VM_STATS_EVERY) {
			/* Its counters now and then: W^X refusals are audited as they come. */
			vm->stats_asked = now;
			snap_ask_stats(vm);
		}
	}
}

void vm_shutdown(void)
{
	struct rusage ru;
	int ws;

	for (struct api_vm *vm = vms; vm; vm = vm->next)
		if (alive(vm))
			kill(-vm->pid, SIGKILL);
	for (struct api_vm *vm = vms; vm; vm = vm->next)
		if (alive(vm) && wait4(vm->pid, &ws, 0, &ru) == vm->pid)
			exited(vm, ws, &ru);
}

void vm_usage(const struct api_vm *vm, double *cpu_s, uint64_t *rss)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	long long pages = 0;
	FILE *f;

	*cpu_s = vm->state == VM_EXITED ? vm->cpu_final : 0;
	*rss = vm->state == VM_EXITED ? vm->maxrss_final : 0;
	if (!alive(vm))
		return;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)vm->pid);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
	    sscanf(p + 2,
	           "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d "
	           "%*d %*u %*u %lld",
	           &ut, &st, &pages) == 3) {
		*cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
		*rss = (uint64_t)(pages > 0 ? pages : 0) * (uint64_t)sysconf(_SC_PAGESIZE);
	}
	fclose(f);
}
