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
 *   snapbench density SNAPDIR N     N VMs held at once, each answered once:
 *                                   memory per instance, creation rate
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

#define IDLE_WINDOW_S 3

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

static int bench_density(const struct snap_image *img, int n)
{
	struct vmi *v = calloc((size_t)n, sizeof(*v));
	const char *keys[] = { "MemAvailable", "Slab", "PageTables", "KernelStack" };
	long before[4], after[4], dirty0, dirty1, threads, kvm_threads, cpu0, cpu1;
	struct fleet_stats fs;
	uint64_t wakes;
	int made = 0, answered = 0;
	int64_t t0, t1;
	const char *why = "all made";

	for (int k = 0; k < 4; k++)
		before[k] = meminfo("/proc/meminfo", keys[k]);
	dirty0 = meminfo("/proc/self/smaps_rollup", "Private_Dirty");
	t0 = now_ns();
	for (; v && made < n; made++)
		if (vmi_start(&v[made], img, -1, made) < 0) {
			why = "a restore failed (see above)";
			break;
		}
	t1 = now_ns();
	for (int i = 0; i < made; i++)
		answered += answer(&v[i]) == 0;
	/* Let the guests settle: their network goes quiet 6 s after its last frame. */
	sleep(7);
	for (int k = 0; k < 4; k++)
		after[k] = meminfo("/proc/meminfo", keys[k]);
	dirty1 = meminfo("/proc/self/smaps_rollup", "Private_Dirty");
	fleet_stats(fleet, &fs);
	wakes = fs.wakes;
	cpu0 = cpu_ms();
	sleep(IDLE_WINDOW_S);
	cpu1 = cpu_ms();
	fleet_stats(fleet, &fs);
	threads = count_threads(&kvm_threads);
	printf("density: instances=%d answered=%d stopped=\"%s\"\n", made, answered, why);
	printf("density: threads=%ld kvm_threads=%ld parked=%u workers=%u "
	       "idle_cpu_ms_per_s=%.1f idle_wakes_per_s=%.1f\n",
	       threads, kvm_threads, fs.parked, fs.workers, (double)(cpu1 - cpu0) / IDLE_WINDOW_S,
	       (double)(fs.wakes - wakes) / IDLE_WINDOW_S);
	if (made) {
		printf("density: memavailable_drop_kib_per_instance=%.0f\n",
		       (double)(before[0] - after[0]) / made);
		printf("density: private_dirty_kib_per_instance=%.0f\n",
		       (double)(dirty1 - dirty0) / made);
		printf("density: slab_kib_per_instance=%.0f pagetables_kib_per_instance=%.1f "
		       "kernelstack_kib_per_instance=%.1f\n",
		       (double)(after[1] - before[1]) / made, (double)(after[2] - before[2]) / made,
		       (double)(after[3] - before[3]) / made);
		printf("density: creation_per_s=%.0f\n", made / ((double)(t1 - t0) / 1e9));
	}
	for (int i = 0; i < made; i++)
		vmi_stop(&v[i]);
	free(v);
	return answered == made && made == n ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct snap_image *img;
	struct rlimit rl;
	char err[1024], uplink[4096];
	int n, rc;

	if (argc < 4 || (strcmp(argv[1], "density") != 0 && argc < 5)) {
		fputs("usage: snapbench start|reset SNAPDIR N OUT | snapbench density SNAPDIR N\n",
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
	if (fleet_new(&fleet) < 0 || !tenant(0))
		return 1;
	if (!strcmp(argv[1], "start"))
		rc = bench_start(img, n, argv[4]);
	else if (!strcmp(argv[1], "reset"))
		rc = bench_reset(img, n, argv[4]);
	else
		rc = bench_density(img, n);
	fleet_free(fleet); /* its switch pumps first */
	for (int t = 0; t < TENANTS_MAX; t++)
		netsw_free(tenants[t]);
	snapshot_close(img);
	return rc;
}
