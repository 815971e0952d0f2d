/*
 * snapbench: nanvixd's side of ./z bench start and ./z bench density, with
 * the instance API (monitor/instance.h) in one process, as nanvix-serve
 * holds its VMs: run by a fleet (monitor/fleet.h), with a thread only while
 * a VM runs.  The snapshot is an echo server's, taken in accept
 * (nanvixd --net=guest --snapshot-out).
 *
 *   snapbench start SNAPDIR N OUT   N fresh VMs, one after another: the time
 *                                   from the restore's start to the first
 *                                   full HTTP response through the
 *                                   published port; each VM then destroyed
 *   snapbench reset SNAPDIR N OUT   one VM reset in place N times: from the
 *                                   reset's start to the first response
 *   snapbench density SNAPDIR N [PER]
 *                                   N VMs held at once, each answered once,
 *                                   by processes of PER VMs (1000): memory
 *                                   per instance, creation rate, threads
 *                                   and CPU while they idle
 *
 * start and reset write one sample per line (microseconds) to OUT and print
 * p50 and p99; density prints key=value lines.
 */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <monitor/fleet.h>
#include <monitor/instance.h>
#include <monitor/snapshot.h>
#include <netsw/netsw.h>

#include "peers/httpclient.h" /* now_ns */

#define GUEST_PORT 8080
#define TENANT_VMS 16000 /* VMs per tenant switch (below its port limit) */

struct vmi {
	struct instance *in;
	struct fleet_vm *fv;
	int port;
};

static struct fleet *fleet;

/*
 * Tenant networks: a switch holds NETSW_MAX_PORTS VMs, so density spreads
 * its VMs over as many switches (each with its own uplink process) as it
 * needs; start and reset use the first.
 */
#define TENANTS_MAX 256
static struct netsw *tenants[TENANTS_MAX];
static struct netsw_config tenant_cfg;
static struct netsw_policy policy;

/* The switch for the VM numbered `i`, made on first use; NULL when out. */
static struct netsw *tenant(int i)
{
	int t = i / TENANT_VMS;

	if (t >= TENANTS_MAX)
		return NULL;
	if (!tenants[t]) {
		tenants[t] = netsw_new(&tenant_cfg);
		if (tenants[t] && fleet_pump_switch(fleet, tenants[t]) < 0)
			return NULL;
	}
	return tenants[t];
}

/* Restore a VM from `img`, publish its port, hand it to the fleet: 0 or -1. */
static int vmi_start(struct vmi *v, const struct snap_image *img, int console, int i)
{
	struct instance_config c;

	memset(&c, 0, sizeof(c));
	c.tty = TTY_NONE;
	c.fleet = true;
	c.mk.notify_fd = -1;
	c.net_policy = &policy;
	c.net_switch = tenant(i);
	if (!c.net_switch)
		return -1;
	c.console_fd = console;
	if (instance_restore(&v->in, &c, img) != 0)
		return -1;
	v->port = instance_publish_any(v->in, GUEST_PORT);
	v->fv = v->port > 0 ? fleet_add(fleet, v->in, NULL, NULL) : NULL;
	if (!v->fv) {
		instance_destroy(v->in);
		return -1;
	}
	return 0;
}

static void vmi_stop(struct vmi *v)
{
	fleet_remove(v->fv, 128 + 9);
	instance_destroy(v->in);
}

/*
 * One GET on a fresh connection to the VM's published port and its whole
 * response, within 10 s: 0 or -1.  One connection at a time: the VM was
 * snapshotted listening, so it answers the first one (httpclient's
 * overlapping attempts, made for peers that boot, would queue behind each
 * other in echo_http's one-connection-at-a-time loop).
 */
static int answer(const struct vmi *v)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: vm\r\nConnection: close\r\n\r\n";
	struct sockaddr_in a = { .sin_family = AF_INET,
		                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
		                 .sin_port = htons((uint16_t)v->port) };
	struct timeval tv = { 10, 0 };
	char buf[4096];
	size_t got = 0;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	ssize_t n;

	if (s < 0)
		return -1;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    write(s, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1)) {
		close(s);
		return -1;
	}
	while (got < sizeof(buf) - 1 && (n = read(s, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(s);
	if (strncmp(buf, "HTTP/1.1 200", 12) != 0) {
		fprintf(stderr, "snapbench: port %d: no answer (%zu bytes)\n", v->port, got);
		return -1;
	}
	return 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, double *us, int n, const char *out)
{
	FILE *f = fopen(out, "w");

	for (int i = 0; f && i < n; i++)
		fprintf(f, "%.1f\n", us[i]);
	if (f)
		fclose(f);
	qsort(us, (size_t)n, sizeof(*us), cmp);
	printf("%s: n=%d p50_us=%.0f p99_us=%.0f min_us=%.0f\n", what, n, us[n / 2],
	       us[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1], us[0]);
}

static int bench_start(const struct snap_image *img, int n, const char *out)
{
	double *us = calloc((size_t)n, sizeof(*us));

	for (int i = 0; us && i < n; i++) {
		struct vmi v;
		int64_t t0 = now_ns();

		if (vmi_start(&v, img, -1, 0) < 0)
			return 1;
		if (answer(&v) < 0) {
			vmi_stop(&v);
			return 1;
		}
		us[i] = (double)(now_ns() - t0) / 1000.0;
		vmi_stop(&v);
	}
	report("restore-fresh", us, n, out);
	free(us);
	return 0;
}

static int bench_reset(const struct snap_image *img, int n, const char *out)
{
	double *us = calloc((size_t)n, sizeof(*us));
	struct vmi v;

	if (!us || vmi_start(&v, img, -1, 0) < 0 || answer(&v) < 0)
		return 1;
	for (int i = 0; i < n; i++) {
		int64_t t0;

		/* The same steps as nanvix-serve's recycle: hold, reset, run on. */
		if (fleet_hold(v.fv) != 0)
			return 1;
		t0 = now_ns();
		if (instance_reset(v.in) != 0)
			return 1;
		fleet_release(v.fv);
		if (answer(&v) < 0)
			return 1;
		us[i] = (double)(now_ns() - t0) / 1000.0;
	}
	vmi_stop(&v);
	report("reset-in-place", us, n, out);
	free(us);
	return 0;
}

/* A field of /proc/meminfo (or of a /proc/PID file of the same layout), in KiB. */
static long meminfo(const char *file, const char *key)
{
	char line[256];
	long v = -1;
	size_t k = strlen(key);
	FILE *f = fopen(file, "r");

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, key, k) == 0 && line[k] == ':') {
			v = strtol(line + k + 1, NULL, 10);
			break;
		}
	if (f)
		fclose(f);
	return v;
}

#define IDLE_WINDOW_S       3
#define DENSITY_PER_PROCESS 1000 /* VMs a process holds in `density` */

/* This process's threads, and apart from them the ones KVM adds to it (its
 * per-VM "kvm-nx-lpage-recovery" workers, not ours to avoid). */
static long count_threads(long *kvm)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	long n = 0;

	*kvm = 0;
	while (d && (e = readdir(d)) != NULL) {
		char path[300], comm[64] = "";
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (f && fgets(comm, sizeof(comm), f) && strncmp(comm, "kvm-", 4) == 0)
			(*kvm)++;
		else
			n++;
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return n;
}

/* CPU time of this process (its VMs' guests included), in ms. */
static long cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
	       (long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

/* What one shard (a process of VMs) measured, sent to the parent as is. */
struct shard_report {
	int made, answered;
	double create_s;
	long dirty_kib, threads, kvm_threads, idle_cpu_ms;
	uint32_t parked, workers;
	uint64_t idle_wakes;
	char why[64];
};

/*
 * One shard: make n VMs (each with its own switch slot) in this process,
 * answer each once, let them settle, measure, report on `out`, then hold
 * them until `go` reads end of file.
 */
static int density_shard(const struct snap_image *img, int n, int out, int go)
{
	struct vmi *v = calloc((size_t)n, sizeof(*v));
	struct shard_report r = { .why = "all made" };
	struct fleet_stats fs;
	long dirty0, cpu0;
	uint64_t wakes;
	int64_t t0;
	char c;

	if (!v || fleet_new(&fleet) < 0 || !tenant(0))
		return 1;
	dirty0 = meminfo("/proc/self/smaps_rollup", "Private_Dirty");
	t0 = now_ns();
	for (; r.made < n; r.made++)
		if (vmi_start(&v[r.made], img, -1, r.made) < 0) {
			snprintf(r.why, sizeof(r.why), "a restore failed (see above)");
			break;
		}
	r.create_s = (double)(now_ns() - t0) / 1e9;
	for (int i = 0; i < r.made; i++)
		r.answered += answer(&v[i]) == 0;
	/* Let the guests settle: their network goes quiet 6 s after its last frame. */
	sleep(7);
	r.dirty_kib = meminfo("/proc/self/smaps_rollup", "Private_Dirty") - dirty0;
	fleet_stats(fleet, &fs);
	wakes = fs.wakes;
	cpu0 = cpu_ms();
	sleep(IDLE_WINDOW_S);
	r.idle_cpu_ms = cpu_ms() - cpu0;
	fleet_stats(fleet, &fs);
	r.idle_wakes = fs.wakes - wakes;
	r.parked = fs.parked;
	r.workers = fs.workers;
	r.threads = count_threads(&r.kvm_threads);
	if (write(out, &r, sizeof(r)) != sizeof(r))
		return 1;
	while (read(go, &c, 1) > 0)
		;
	for (int i = 0; i < r.made; i++)
		vmi_stop(&v[i]);
	free(v);
	fleet_free(fleet);
	for (int t = 0; t < TENANTS_MAX; t++)
		netsw_free(tenants[t]);
	return 0;
}

/*
 * N VMs over ceil(N / per) processes of at most `per` each (KVM's cost of
 * a VM grows with the VMs of its process: each registers with the process's
 * memory map), as several nanvix-serve daemons would hold them.
 */
static int bench_density(const struct snap_image *img, int n, int per)
{
	const char *keys[] = { "MemAvailable", "Slab", "PageTables", "KernelStack" };
	int shards = (n + per - 1) / per, go[2], rc = 0;
	struct shard_report sum = { .why = "all made" };
	long before[4], after[4];
	pid_t *pids = calloc((size_t)shards, sizeof(*pids));
	int *from = calloc((size_t)shards, sizeof(*from));
	double create_max = 0;

	if (!pids || !from || pipe(go) < 0)
		return 1;
	for (int k = 0; k < 4; k++)
		before[k] = meminfo("/proc/meminfo", keys[k]);
	for (int i = 0; i < shards; i++) {
		int p[2], count = i == shards - 1 ? n - per * (shards - 1) : per;

		if (pipe(p) < 0)
			return 1;
		fflush(stdout);
		pids[i] = fork();
		if (pids[i] == 0) {
			close(p[0]);
			close(go[1]);
			_exit(density_shard(img, count, p[1], go[0]));
		}
		close(p[1]);
		from[i] = p[0];
	}
	close(go[0]);
	for (int i = 0; i < shards; i++) {
		struct shard_report r;

		if (read(from[i], &r, sizeof(r)) != sizeof(r)) {
			snprintf(sum.why, sizeof(sum.why), "a shard process failed (see above)");
			rc = 1;
			continue;
		}
		sum.made += r.made;
		sum.answered += r.answered;
		sum.dirty_kib += r.dirty_kib;
		sum.threads += r.threads;
		sum.kvm_threads += r.kvm_threads;
		sum.idle_cpu_ms += r.idle_cpu_ms;
		sum.parked += r.parked;
		sum.workers += r.workers;
		sum.idle_wakes += r.idle_wakes;
		create_max = r.create_s > create_max ? r.create_s : create_max;
		if (strcmp(r.why, "all made") != 0)
			snprintf(sum.why, sizeof(sum.why), "%s", r.why);
	}
	for (int k = 0; k < 4; k++)
		after[k] = meminfo("/proc/meminfo", keys[k]);
	printf("density: instances=%d answered=%d processes=%d stopped=\"%s\"\n", sum.made,
	       sum.answered, shards, sum.why);
	printf("density: threads=%ld kvm_threads=%ld parked=%u workers=%u "
	       "idle_cpu_ms_per_s=%.1f idle_wakes_per_s=%.1f\n",
	       sum.threads, sum.kvm_threads, sum.parked, sum.workers,
	       (double)sum.idle_cpu_ms / IDLE_WINDOW_S, (double)sum.idle_wakes / IDLE_WINDOW_S);
	if (sum.made) {
		printf("density: memavailable_drop_kib_per_instance=%.0f\n",
		       (double)(before[0] - after[0]) / sum.made);
		printf("density: private_dirty_kib_per_instance=%.0f\n",
		       (double)sum.dirty_kib / sum.made);
		printf("density: slab_kib_per_instance=%.0f pagetables_kib_per_instance=%.1f "
		       "kernelstack_kib_per_instance=%.1f\n",
		       (double)(after[1] - before[1]) / sum.made,
		       (double)(after[2] - before[2]) / sum.made,
		       (double)(after[3] - before[3]) / sum.made);
		printf("density: creation_per_s=%.0f (all processes at once)\n",
		       sum.made / (create_max > 0 ? create_max : 1));
	}
	fflush(stdout);
	close(go[1]);
	for (int i = 0; i < shards; i++) {
		int st;

		waitpid(pids[i], &st, 0);
		close(from[i]);
	}
	free(pids);
	free(from);
	return rc == 0 && sum.answered == sum.made && sum.made == n ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct snap_image *img;
	struct rlimit rl;
	char err[1024], uplink[4096];
	int n, rc;

	if (argc < 4 || (strcmp(argv[1], "density") != 0 && argc < 5)) {
		fputs("usage: snapbench start|reset SNAPDIR N OUT | snapbench density SNAPDIR N "
		      "[PER_PROCESS]\n",
		      stderr);
		return 2;
	}
	n = atoi(argv[3]);
	if (n < 1)
		return 2;
	/* About six descriptors a VM (and one in the uplink for its port):
	 * as many as this user may have (root: up to fs.nr_open). */
	rl.rlim_cur = rl.rlim_max = 1 << 20;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 && getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	if (snapshot_open(&img, argv[2], err, sizeof(err)) < 0) {
		fprintf(stderr, "snapbench: %s\n", err);
		return 1;
	}
	netsw_policy_init(&policy);
	netsw_config_large(&tenant_cfg);
	tenant_cfg.policy = &policy;
	/* bin/bench/snapbench: the uplink is bin/nanvix-uplink. */
	n = (int)readlink("/proc/self/exe", uplink, sizeof(uplink) - 32);
	if (n > 0) {
		uplink[n] = '\0';
		strcpy(strrchr(uplink, '/'), "/../nanvix-uplink");
		tenant_cfg.uplink_path = uplink;
	}
	n = atoi(argv[3]);
	if (!strcmp(argv[1], "density")) {
		int per = argc > 4 ? atoi(argv[4]) : DENSITY_PER_PROCESS;

		rc = bench_density(img, n, per > 0 ? per : DENSITY_PER_PROCESS);
		snapshot_close(img);
		return rc;
	}
	if (fleet_new(&fleet) < 0 || !tenant(0))
		return 1;
	if (!strcmp(argv[1], "start"))
		rc = bench_start(img, n, argv[4]);
	else
		rc = bench_reset(img, n, argv[4]);
	fleet_free(fleet); /* its switch pumps first */
	for (int t = 0; t < TENANTS_MAX; t++)
		netsw_free(tenants[t]);
	snapshot_close(img);
	return rc;
}
