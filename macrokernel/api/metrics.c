/* nanvix-api's /v1/metrics (Prometheus text format 0.0.4) and /v1/health. */
#include <fcntl.h>
#include <jansson.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "api.h"

/* Start latency: seconds from the start request to nanvixd running (posix_spawn). */
static const double spawn_bounds[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25 };
#define NBOUNDS (sizeof(spawn_bounds) / sizeof(spawn_bounds[0]))

#define CODES_MAX 32

static struct {
	uint64_t spawn_bucket[NBOUNDS], spawn_count;
	double spawn_sum;
	uint64_t starts, exits_ok, exits_failed;
	struct {
		char method[8];
		int status;
		uint64_t n;
	} req[CODES_MAX];
	int nreq;
	struct {
		char event[32];
		uint64_t n;
	} audit[16];
	int naudit;
} m;

void metrics_request(const char *method, int status)
{
	int i;

	for (i = 0; i < m.nreq; i++)
		if (m.req[i].status == status && !strcmp(m.req[i].method, method))
			break;
	if (i == m.nreq) {
		if (m.nreq == CODES_MAX)
			return;
		snprintf(m.req[i].method, sizeof(m.req[i].method), "%s", method);
		m.req[i].status = status;
		m.nreq++;
	}
	m.req[i].n++;
}

void metrics_vm_started(double spawn_s)
{
	m.starts++;
	for (size_t i = 0; i < NBOUNDS; i++)
		if (spawn_s <= spawn_bounds[i])
			m.spawn_bucket[i]++;
	m.spawn_count++;
	m.spawn_sum += spawn_s;
}

void metrics_vm_exited(int status)
{
	if (status == 0)
		m.exits_ok++;
	else
		m.exits_failed++;
}

void metrics_audit(const char *event)
{
	int i;

	for (i = 0; i < m.naudit && strcmp(m.audit[i].event, event); i++)
		;
	if (i == m.naudit) {
		if (m.naudit == (int)(sizeof(m.audit) / sizeof(m.audit[0])))
			return;
		snprintf(m.audit[i].event, sizeof(m.audit[i].event), "%s", event);
		m.naudit++;
	}
	m.audit[i].n++;
}

struct text {
	char *buf;
	size_t len, cap;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf ? t->buf + t->len : NULL, t->buf ? t->cap - t->len : 0, fmt,
		              ap);
		va_end(ap);
		if (n < 0)
			return;
		if (t->buf && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = (t->cap ? t->cap * 2 : 8192) + (size_t)n;
		char *b = realloc(t->buf, cap);

		if (!b)
			return;
		t->buf = b;
		t->cap = cap;
	}
}

static void header(struct text *t, const char *name, const char *type, const char *help)
{
	put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

char *metrics_render(size_t *len)
{
	struct text t = { 0 }, mem = { 0 };
	const char *key;
	uint64_t n;

	header(&t, "nanvix_api_requests_total", "counter",
	       "API requests answered, by method and status.");
	for (int i = 0; i < m.nreq; i++)
		put(&t, "nanvix_api_requests_total{method=\"%s\",code=\"%d\"} %llu\n",
		    m.req[i].method, m.req[i].status, (unsigned long long)m.req[i].n);
	header(&t, "nanvix_api_rate_limited_total", "counter",
	       "Requests refused with 429, by API key.");
	for (int i = 0; (n = auth_rate_limited(&key, i)) || key; i++)
		put(&t, "nanvix_api_rate_limited_total{key=\"%s\"} %llu\n", key,
		    (unsigned long long)n);
	header(&t, "nanvix_api_connections", "gauge", "Client connections open.");
	put(&t, "nanvix_api_connections %d\n", conn_count());
	header(&t, "nanvix_audit_events_total", "counter", "Audit log events, by event.");
	for (int i = 0; i < m.naudit; i++)
		put(&t, "nanvix_audit_events_total{event=\"%s\"} %llu\n", m.audit[i].event,
		    (unsigned long long)m.audit[i].n);
	header(&t, "nanvix_vms", "gauge", "VMs held, by state.");
	for (int s = 0; s < VM_NSTATES; s++)
		put(&t, "nanvix_vms{state=\"%s\"} %d\n", vm_state_names[s], vm_count_state(s));
	header(&t, "nanvix_vm_starts_total", "counter", "VMs started.");
	put(&t, "nanvix_vm_starts_total %llu\n", (unsigned long long)m.starts);
	header(&t, "nanvix_vm_exits_total", "counter",
	       "VMs that exited, by whether their status was 0.");
	put(&t, "nanvix_vm_exits_total{result=\"success\"} %llu\n", (unsigned long long)m.exits_ok);
	put(&t, "nanvix_vm_exits_total{result=\"failure\"} %llu\n",
	    (unsigned long long)m.exits_failed);
	header(&t, "nanvix_vm_start_seconds", "histogram",
	       "Seconds from a start request to the VM's nanvixd running.");
	for (size_t i = 0; i < NBOUNDS; i++)
		put(&t, "nanvix_vm_start_seconds_bucket{le=\"%g\"} %llu\n", spawn_bounds[i],
		    (unsigned long long)m.spawn_bucket[i]);
	put(&t, "nanvix_vm_start_seconds_bucket{le=\"+Inf\"} %llu\n",
	    (unsigned long long)m.spawn_count);
	put(&t, "nanvix_vm_start_seconds_sum %.6f\nnanvix_vm_start_seconds_count %llu\n",
	    m.spawn_sum, (unsigned long long)m.spawn_count);

	/* Per VM: the id and name are [A-Za-z0-9_.-], safe as label values. */
	header(&t, "nanvix_vm_info", "gauge", "One series a VM, its state as a label.");
	for (const struct api_vm *vm = vm_list(); vm; vm = vm->next)
		put(&t, "nanvix_vm_info{id=\"%s\",name=\"%s\",state=\"%s\"} 1\n", vm->id, vm->name,
		    vm_state_names[vm->state]);
	/* One read of /proc a VM: the memory series wait in `mem` for their header. */
	header(&t, "nanvix_vm_cpu_seconds_total", "counter",
	       "CPU time of a VM's nanvixd (in all, once it exited).");
	header(&mem, "nanvix_vm_memory_bytes", "gauge",
	       "Resident memory of a running VM's nanvixd.");
	for (const struct api_vm *vm = vm_list(); vm; vm = vm->next) {
		double cpu;
		uint64_t rss;

		vm_usage(vm, &cpu, &rss);
		if (vm->state != VM_CREATED)
			put(&t, "nanvix_vm_cpu_seconds_total{id=\"%s\",name=\"%s\"} %.2f\n", vm->id,
			    vm->name, cpu);
		if (vm->pid)
			put(&mem, "nanvix_vm_memory_bytes{id=\"%s\",name=\"%s\"} %llu\n", vm->id,
			    vm->name, (unsigned long long)rss);
	}
	if (mem.buf)
		put(&t, "%s", mem.buf);
	free(mem.buf);
	/* nanvixd's own counters: at exit (--stats-file), and asked for while a VM runs. */
	static const struct {
		const char *key, *metric, *help;
	} counters[] = {
		{ "exits", "kvm_exits", "KVM exits of a VM." },
		{ "traps", "traps", "Traps into the guest kernel of a VM." },
		{ "syscalls", "syscalls", "System calls of a VM." },
		{ "fast_calls", "fast_calls",
		  "Calls served without a trap (the fast path) of a VM." },
		{ "throttled", "throttled", "100 ms periods a VM ran out of its --cpus quota in." },
		{ "fs_calls", "fs_calls", "File-system calls the macro-kernel served for a VM." },
		{ "net_calls", "net_calls", "Network calls the macro-kernel served for a VM." },
		{ "blk_reads", "blk_reads", "Disk blocks read for a VM." },
		{ "blk_writes", "blk_writes", "Disk blocks written for a VM." },
		{ "wx_refused", "wx_refused",
		  "Requests for writable and executable memory refused (W^X) in a VM." },
	};
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		char name[64];

		snprintf(name, sizeof(name), "nanvix_vm_%s_total", counters[i].metric);
		header(&t, name, "counter", counters[i].help);
		for (const struct api_vm *vm = vm_list(); vm; vm = vm->next) {
			json_t *st = vm->stats ? vm->stats : snap_live_stats(vm),
			       *v = st ? json_object_get(st, counters[i].key) : NULL;

			if (json_is_integer(v))
				put(&t, "%s{id=\"%s\",name=\"%s\"} %lld\n", name, vm->id, vm->name,
				    (long long)json_integer_value(v));
		}
	}
	/* The default /tmp (host memory) against its size limit. */
	static const struct {
		const char *key, *metric, *help;
	} gauges[] = {
		{ "tmp_bytes", "nanvix_vm_tmp_bytes",
		  "What a VM's default /tmp holds (host memory)." },
		{ "tmp_max", "nanvix_vm_tmp_limit_bytes",
		  "The size limit of a VM's default /tmp." },
	};
	for (size_t i = 0; i < sizeof(gauges) / sizeof(gauges[0]); i++) {
		header(&t, gauges[i].metric, "gauge", gauges[i].help);
		for (const struct api_vm *vm = vm_list(); vm; vm = vm->next) {
			json_t *st = vm->stats ? vm->stats : snap_live_stats(vm),
			       *v = st ? json_object_get(st, gauges[i].key) : NULL;

			if (json_is_integer(v))
				put(&t, "%s{id=\"%s\",name=\"%s\"} %lld\n", gauges[i].metric,
				    vm->id, vm->name, (long long)json_integer_value(v));
		}
	}
	header(&t, "nanvix_vm_exit_status", "gauge", "The exit status of an exited VM.");
	for (const struct api_vm *vm = vm_list(); vm; vm = vm->next)
		if (vm->state == VM_EXITED)
			put(&t, "nanvix_vm_exit_status{id=\"%s\",name=\"%s\"} %d\n", vm->id,
			    vm->name, vm->exit_status);
	{
		int need = fn_metrics(NULL, 0);
		char *f = need > 0 ? malloc((size_t)need + 1) : NULL;

		if (f) {
			fn_metrics(f, (size_t)need + 1);
			put(&t, "%s", f);
			free(f);
		}
	}
	*len = t.len;
	return t.buf;
}

/* "ok", or what is wrong with /dev/kvm. */
static const char *kvm_check(char *buf, size_t len)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC), v;

	if (fd < 0) {
		snprintf(buf, len, "/dev/kvm: %m");
		return buf;
	}
	v = ioctl(fd, KVM_GET_API_VERSION, 0);
	close(fd);
	if (v != KVM_API_VERSION) {
		snprintf(buf, len, "/dev/kvm: API version %d, not %d", v, KVM_API_VERSION);
		return buf;
	}
	return "ok";
}

char *health_render(size_t *len, bool *healthy)
{
	char kvm[128], nd[512], kern[4200], kpath[4096], st[512];
	const char *slash = strrchr(api_opt.nanvixd, '/');
	json_t *checks = json_object(), *o;
	const char *k;
	json_t *v;
	char *text;

	json_object_set_new(checks, "kvm", json_string(kvm_check(kvm, sizeof(kvm))));
	snprintf(nd, sizeof(nd), "%s", access(api_opt.nanvixd, X_OK) == 0 ? "ok" : "");
	if (!nd[0])
		snprintf(nd, sizeof(nd), "%s: %m", api_opt.nanvixd);
	json_object_set_new(checks, "nanvixd", json_string(nd));
	/* Where nanvixd looks: $NANVIX_GUEST_DIR, beside it, ../lib/nanvix from it. */
	if (getenv("NANVIX_GUEST_DIR"))
		snprintf(kpath, sizeof(kpath), "%.4000s/kernel.elf", getenv("NANVIX_GUEST_DIR"));
	else
		snprintf(kpath, sizeof(kpath), "%.*skernel.elf",
		         slash ? (int)(slash - api_opt.nanvixd + 1) : 0, api_opt.nanvixd);
	if (access(kpath, R_OK) < 0 && !getenv("NANVIX_GUEST_DIR"))
		snprintf(kpath, sizeof(kpath), "%.*s../lib/nanvix/kernel.elf",
		         slash ? (int)(slash - api_opt.nanvixd + 1) : 0, api_opt.nanvixd);
	snprintf(kern, sizeof(kern), "%s", access(kpath, R_OK) == 0 ? "ok" : "");
	if (!kern[0])
		snprintf(kern, sizeof(kern), "%s: %m", kpath);
	json_object_set_new(checks, "kernel", json_string(kern));
	snprintf(st, sizeof(st), "%s", access(api_opt.state_dir, W_OK | X_OK) == 0 ? "ok" : "");
	if (!st[0])
		snprintf(st, sizeof(st), "%s: %m", api_opt.state_dir);
	json_object_set_new(checks, "state_dir", json_string(st));
	*healthy = true;
	json_object_foreach(checks, k, v) if (strcmp(json_string_value(v), "ok")) *healthy = false;
	o = json_pack("{s:s, s:o}", "status", *healthy ? "ok" : "unhealthy", "checks", checks);
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	*len = text ? strlen(text) : 0;
	return text;
}
