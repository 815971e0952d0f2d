/*
 * One micro-VM as a value (instance.h): everything `nanvixd -- app` used
 * to hold in main()'s locals, owned by the instance, so that one process
 * can hold many.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <abi/kernel_header.h>
#include <blksw/blksw.h>
#include <mk/mk.h>
#include <monitor/boot.h>
#include <monitor/client.h>
#include <monitor/guestmem.h>
#include <monitor/instance.h>
#include <monitor/sandbox.h>
#include <monitor/snapshot.h>
#include <monitor/control.h>
#include <monitor/elf.h>
#include <monitor/tmpvol.h>
#include <monitor/tty.h>
#include <monitor/vm.h>
#include <netsw/netsw.h>

#define MEM_MAX        (64ull << 30) /* for boot_min_memory's search */
#define UPLINK_WAIT_MS 2000          /* the uplink binds the published ports in ~2 ms */

/*
 * The network watcher: a VM busy in ring 3 makes no exits, so neither its
 * calls nor its idle wait take what the network brought it, and a
 * connection to it would wait.  This thread polls what the VM's network
 * waits on while the VM runs (embedded: the uplink and lwIP's next timer;
 * with a shared macro-kernel: the notify eventfd its pump writes) and
 * kicks the vCPU (vm_kick): its thread pumps (or takes the notification),
 * injects a tick when the guest has readiness changes to take, and
 * acknowledges; only then does the watcher poll again.  While the VM
 * idles it leaves the idle wait to do it.
 */
struct net_watch {
	struct vm *vm;
	void *ctx; /* vm->ring_ctx: the mk_vm, or the shared macro-kernel's client */
	/* What to poll and lwIP's next timer (mk_vm_net_fds, client_net_fds). */
	int (*fds)(void *ctx, struct pollfd *out, int max, int *timeout_ms);
	int stop; /* eventfd: end the thread */
	pthread_t thread;
	bool running;
};

struct instance {
	struct instance_config c; /* c.mk gains the default /tmp and /etc volumes */
	struct vm vm;
	/* What execve may start: the configuration's, the program, netd. */
	struct vm_program *programs;
	int nprograms;
	const void *kernel, *program, *helper; /* mapped images */
	size_t kernel_size, program_size, helper_size;
	char **helper_argv;
	char name[64];           /* argv[0]'s basename */
	char npath[PATH_MAX];    /* netd.elf, when execve starts it by name */
	int console;             /* --console-file, or -1 */
	struct blksw *sw;        /* the embedded macro-kernel's storage switch, */
	struct netsw *net;       /* its network switch, */
	struct mk_vm *mk;        /* and this VM in it (NULL: none or shared) */
	struct mk_client client; /* the shared macro-kernel's connection */
	struct net_watch watch;
	int wake; /* c.fleet: the network's readiness eventfd (mk notify_fd), or -1 */
	bool deadline_armed;
	const struct snap_image *img; /* restored from it (NULL: booted) */
	bool snapshot_saved;
	/* A host snapshot asked for (instance_request_snapshot): where, and whom to tell. */
	char snap_dir[PATH_MAX];
	void (*snap_done)(void *ctx, int rc, const char *msg);
	void *snap_done_ctx;
	uint64_t nhost_snapshots; /* taken */
	char tmpdir[PATH_MAX]; /* the default /tmp's host directory, once made ("" before) */
	char etcdir[PATH_MAX]; /* the network's /etc (hosts, resolv.conf), once made */
};

bool instance_volume_covers(const struct mk_config *mk, const char *dir)
{
	size_t n = strlen(dir);

	for (int i = 0; i < mk->nvolumes; i++) {
		const char *at = mk->volumes[i].at;

		while (at[0] == '/' && at[1] == '/')
			at++;
		if (strspn(at, "/") == strlen(at) ||
		    (strncmp(at, dir, n) == 0 && (at[n] == '\0' || at[n] == '/')))
			return true;
	}
	return false;
}

/* Map a whole file read-only.  Returns 0 or a nanvixd status. */
static int map_file(const char *what, const char *path, const void **data, size_t *size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	void *p;

	if (fd < 0) {
		vm_error("cannot open %s '%s': %s", what, path, strerror(errno));
		return errno == ENOENT || errno == ENOTDIR ? NANVIXD_EXIT_NOTFOUND
		                                           : NANVIXD_EXIT_BADELF;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		vm_error("%s '%s' is not a regular file", what, path);
		close(fd);
		return NANVIXD_EXIT_BADELF;
	}
	if (st.st_size == 0) {
		vm_error("%s '%s' is empty", what, path);
		close(fd);
		return NANVIXD_EXIT_BADELF;
	}
	p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		vm_error("cannot map %s '%s': %s", what, path, strerror(errno));
		return NANVIXD_EXIT_HOST;
	}
	*data = p;
	*size = st.st_size;
	return 0;
}

/*
 * Where a guest file (kernel.elf, fsd.elf) is looked for, in order: the
 * directory $NANVIX_GUEST_DIR names (when set), beside the nanvixd binary
 * (the build tree's bin/), then ../lib/nanvix from it (`make install
 * PREFIX=...`: PREFIX/bin/nanvixd, PREFIX/lib/nanvix/).
 */
static const char *const guest_dirs[] = { "", "/../lib/nanvix" };

/*
 * The path of guest file `name` in buf[len]: the first of guest_dirs that
 * holds it, or, when none does, NULL with buf naming every place tried.
 */
static const char *find_guest_file(const char *name, char *buf, size_t len)
{
	char exe[PATH_MAX], tried[2 * PATH_MAX + 8] = "";
	const char *dir = getenv("NANVIX_GUEST_DIR");
	ssize_t n;

	if (dir && *dir && snprintf(buf, len, "%s/%s", dir, name) < (int)len &&
	    access(buf, F_OK) == 0)
		return buf;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		snprintf(buf, len, "%s", name);
		return access(name, F_OK) == 0 ? buf : NULL;
	}
	exe[n] = '\0';
	dirname(exe);
	for (size_t i = 0; i < sizeof(guest_dirs) / sizeof(guest_dirs[0]); i++) {
		size_t t = strlen(tried);

		if (snprintf(buf, len, "%s%s/%s", exe, guest_dirs[i], name) >= (int)len)
			continue; /* too long a path to open anyway */
		if (access(buf, F_OK) == 0)
			return buf;
		if (snprintf(tried + t, sizeof(tried) - t, "%s%s", t ? " nor " : "", buf) < 0)
			break;
	}
	snprintf(buf, len, "%s", tried);
	return NULL;
}

/* The microkernel image: --kernel, else found by find_guest_file. */
static int open_kernel(struct instance *in, char *path, size_t len, const void **data, size_t *size)
{
	if (in->c.kernel)
		return map_file("kernel", in->c.kernel, data, size);
	if (!find_guest_file("kernel.elf", path, len)) {
		vm_error("cannot find the microkernel: no %s; give its path with --kernel PATH "
		         "(nanvixd looks beside itself, then in ../lib/nanvix from there, as "
		         "'make install' lays it out)",
		         path);
		return NANVIXD_EXIT_NOTFOUND;
	}
	return map_file("kernel", path, data, size);
}

/*
 * A guest program that starts the user's (`file`: fsd.elf, --fs=guest's
 * server, or launch.elf; `what` names it in errors): beside the kernel
 * given with --kernel, else found by find_guest_file.
 */
static int open_helper(struct instance *in, const char *file, const char *what, char *path,
                       size_t len, const void **data, size_t *size)
{
	if (in->c.kernel) {
		char k[PATH_MAX];

		snprintf(k, sizeof(k), "%s", in->c.kernel);
		snprintf(path, len, "%s/%s", dirname(k), file);
	} else if (!find_guest_file(file, path, len)) {
		vm_error("cannot find the %s: no %s (it belongs beside kernel.elf; with "
		         "--kernel, nanvixd looks beside that file)",
		         what, path);
		return NANVIXD_EXIT_NOTFOUND;
	}
	return map_file(what, path, data, size);
}

/* Seed the guest clock (boot info, vvar pages): host time at one guest TSC reading. */
static int seed_clock(struct vm *vm, struct nanvix_bootinfo *bi, struct nanvix_vvar *first)
{
	struct timespec rt, mono;
	uint64_t tsc, khz;

	if (vm_read_tsc(vm, &tsc, &khz) < 0)
		return -1;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	bi->tsc_base = tsc;
	bi->tsc_khz = khz;
	bi->tsc_mult = (uint64_t)(((unsigned __int128)1000000 << 32) / khz);
	bi->realtime_base_ns = (uint64_t)rt.tv_sec * 1000000000ull + rt.tv_nsec;
	bi->monotonic_base_ns = (uint64_t)mono.tv_sec * 1000000000ull + mono.tv_nsec;
	vm->vvar.tsc_base = bi->tsc_base;
	vm->vvar.tsc_mult = bi->tsc_mult;
	vm->vvar.clock_base_ns[0] = bi->realtime_base_ns;
	vm->vvar.clock_base_ns[1] = bi->monotonic_base_ns;
	vm->vvar.flags = (vm->strace ? NANVIX_VVAR_SLOW : 0) |
	                 (vm->fastcall ? NANVIX_VVAR_FASTFS : 0) |
	                 (vm->fastmm ? NANVIX_VVAR_FASTMM : 0);
	*first = vm->vvar; /* the kernel sets the pid */
	return 0;
}

/*
 * The kernel's counters when it did not report them at exit (--timeout, a
 * guest error): read from guest memory, where the stopped kernel keeps
 * them.  Counters the kernel image does not locate stay zero.
 */
static void read_kcounters(const struct vm *vm, struct nanvix_kstats *out)
{
	const struct nanvix_kcounters *k =
	        vm->kstats_gpa ? gpa_ptr(&vm->mem, vm->kstats_gpa, sizeof(*k)) : NULL;
	const uint64_t *f = vm->frames_gpa ? gpa_ptr(&vm->mem, vm->frames_gpa, 16) : NULL;

	if (k) {
		/* As the kernel's exit report counts them: traps include the calls. */
		out->traps = k->traps + k->syscalls + k->enosys;
		out->syscalls = k->syscalls;
		out->enosys = k->enosys;
		out->last_enosys = k->last_enosys;
		out->wx_mmap = k->wx_mmap;
		out->wx_mprotect = k->wx_mprotect;
	}
	if (f) {
		out->frames_free = f[0];
		out->frames_total = f[1];
	}
}

static void live_stats(struct vm *vm)
{
	read_kcounters(vm, &vm->stats);
}

void instance_kstats_now(struct instance *in, struct nanvix_kstats *out)
{
	if (in->vm.have_stats) {
		*out = in->vm.stats;
		return;
	}
	memset(out, 0, sizeof(*out));
	read_kcounters(&in->vm, out);
}

static int embedded_kick(void *ctx)
{
	return mk_vm_kick(ctx);
}

/* The switch's log lines, as its default has them; a refused destination is an event too. */
static void net_log(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "nanvixd: net: %s\n", line);
	if (!strncmp(line, "refused ", 8))
		control_event("egress_refused", line);
}

/*
 * The tenant network of the embedded macro-kernel: a switch, and its uplink
 * when -p or --net-allow need one.  0 or a nanvixd status.  The uplink is
 * started here and waited for only in macrokernel_attach, so it comes up
 * while nanvixd loads the kernel and builds the VM.
 */
static int network_create(struct instance *in, struct netsw **net)
{
	struct netsw_config cfg;

	netsw_config_default(&cfg);
	cfg.policy = in->c.net_policy;
	cfg.spawn = in->c.uplink_spawn;
	cfg.log = net_log;
	/* A tenth of a second's bytes in hand, and at least one full frame. */
	if (in->c.net_rate) {
		cfg.rate = in->c.net_rate;
		cfg.burst = netsw_burst_for(&cfg, cfg.rate);
		cfg.shape = true;
	}
	if (in->c.net_recv_rate) {
		cfg.recv_rate = in->c.net_recv_rate;
		cfg.recv_burst = netsw_burst_for(&cfg, cfg.recv_rate);
		cfg.shape = true; /* one VM's own switch: waiting slows only that VM */
	}
	*net = netsw_new(&cfg);
	if (!*net) {
		vm_error("network switch: %s", strerror(errno));
		return NANVIXD_EXIT_HOST;
	}
	return 0;
}

/* The embedded macro-kernel: this VM's rings served inside nanvixd (`net`:
 * network_create's switch, or NULL). */
static int macrokernel_attach(struct vm *vm, struct instance *in, struct blksw **sw,
                              struct netsw **net, struct mk_vm **mk)
{
	char err[512];
	int rc = blksw_new(sw, AT_FDCWD);

	if (rc) {
		vm_error("storage switch: %s", strerror(-rc));
		return NANVIXD_EXIT_HOST;
	}
	rc = mk_vm_attach(mk, &(struct mk_host){ .blk = *sw, .net = *net }, &vm->mem, &in->c.mk,
	                  err, sizeof(err));
	if (rc) {
		vm_error("%s", err);
		return rc == -ENOENT ? NANVIXD_EXIT_NOTFOUND : NANVIXD_EXIT_USAGE;
	}
	vm->ring_kick = embedded_kick;
	vm->ring_ctx = *mk;
	vm->load_file = mk_vm_load_file;
	vm->idle = mk_vm_idle;
	if (in->c.mk.fs == MK_FS_HOST && !in->c.no_fast)
		vm->fastcall = mk_vm_fastcall;
	/* Published ports are bound by the uplink: a port in use is an error now. */
	if (*net && (rc = netsw_uplink_wait(*net, UPLINK_WAIT_MS, err, sizeof(err))) != 0) {
		vm_error("%s",
		         rc == -ETIMEDOUT ? "network uplink: no answer from nanvix-uplink" : err);
		return NANVIXD_EXIT_HOST;
	}
	return 0;
}

/*
 * The argv of a process 1 that starts the user's program: the fs server
 * (sysapps/fs/fsd.c, --fs=guest: once the disk is mounted), the network
 * server (sysapps/net/netd.c, --net=guest: once its netif is up) or the
 * launcher (sysapps/launch/launch.c).  Each changes to -w's directory and
 * execs `name` (a program nanvixd registered, which execve finds by that
 * name, or a path in the VM's file system) with the user's argv.  With
 * both servers in the VM, the fs server execs the network server
 * (registered as NETD_NAME), which execs the program.  NULL when out of
 * memory.
 */
#define NETD_FILE "netd.elf" /* the network server's guest file */
#define NETD_NAME "netd"     /* ...and its name as a registered program */

static char **helper_args(struct instance *in, const char *name, int *argc)
{
	char **v = calloc((size_t)in->c.argc + 16, sizeof(*v));
	const char *colon = in->c.mk.disk ? strrchr(in->c.mk.disk, ':') : NULL;
	bool fsd = in->c.mk.fs == MK_FS_GUEST, netd = in->c.mk.net == MK_NET_GUEST;
	int n = 0;

	if (!v)
		return NULL;
	if (fsd) {
		v[n++] = "fsd";
		if (colon && strcmp(colon, ":ro") == 0)
			v[n++] = "--ro";
		if (netd) {
			v[n++] = "--exec";
			v[n++] = NETD_NAME;
			v[n++] = "--";
		}
	}
	if (netd)
		v[n++] = NETD_NAME;
	else if (!fsd)
		v[n++] = "launch";
	if (in->c.vm_program)
		v[n++] = "--vm";
	if (in->c.workdir) {
		v[n++] = "--cd";
		v[n++] = (char *)in->c.workdir;
	}
	v[n++] = "--exec";
	v[n++] = (char *)(in->c.vm_program ? in->c.argv[0] : name);
	v[n++] = "--";
	for (int i = 0; i < in->c.argc; i++)
		v[n++] = in->c.argv[i];
	*argc = n;
	return v;
}

/*
 * A host program refused as not loadable (`err`): when the VM's file
 * system may hold a file at the same path, say how to run that one.
 */
static void program_error(struct instance *in, const char *err)
{
	if (strstr(err, ELF_WX_REASON))
		control_event("wx_load", err); /* a W^X refusal: audited (control.c) */
	if (in->c.user_fs && in->c.argv[0][0] == '/')
		vm_error("%s (the host's %s; to run %s from the VM's file system, add --in-vm)",
		         err, in->c.argv[0], in->c.argv[0]);
	else
		vm_error("%s", err);
}

/* The default /tmp: a fresh private host directory as a volume at /tmp. */
static int add_default_tmp(struct instance *in)
{
	struct mk_volume *v;

	if (in->c.mk.nvolumes == MK_VOLUMES_MAX)
		return 0; /* no room: the user's volumes matter more */
	if (tmpvol_create(in->tmpdir, sizeof(in->tmpdir)) < 0)
		return NANVIXD_EXIT_HOST;
	v = &in->c.mk.volumes[in->c.mk.nvolumes++];
	v->hostdir = in->tmpdir;
	v->at = "/tmp";
	v->readonly = false;
	v->max_bytes = in->c.tmp_size;
	return 0;
}

/*
 * The network's names for a VM without a disk: /etc/hosts (localhost, the
 * VM, host.internal for the gateway, i.e. the host's loopback) and
 * /etc/resolv.conf (the switch's DNS address), as a read-only volume at
 * /etc, so libcs resolve unmodified.  Not with a disk (its /etc is the
 * user's) nor over a volume of the user's.
 */
static int add_net_etc(struct instance *in)
{
	static const char hosts[] = "127.0.0.1\tlocalhost\n"
	                            "10.0.2.15\tnanvix\n"
	                            "10.0.2.2\thost.internal\n";
	static const char resolv[] = "nameserver 10.0.2.3\n";
	struct mk_volume *v;
	char path[PATH_MAX + 32];
	int fd;

	if (in->c.mk.net == MK_NET_NONE || in->c.mk.fs != MK_FS_HOST || in->c.mk.disk ||
	    in->c.macrokernel || instance_volume_covers(&in->c.mk, "/etc") ||
	    in->c.mk.nvolumes == MK_VOLUMES_MAX)
		return 0;
	if (tmpvol_create(in->etcdir, sizeof(in->etcdir)) < 0)
		return NANVIXD_EXIT_HOST;
	for (int i = 0; i < 2; i++) {
		const char *text = i ? resolv : hosts;

		snprintf(path, sizeof(path), "%s/%s", in->etcdir, i ? "resolv.conf" : "hosts");
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
			vm_error("cannot write %s: %s", path, strerror(errno));
			if (fd >= 0)
				close(fd);
			return NANVIXD_EXIT_HOST;
		}
		close(fd);
	}
	v = &in->c.mk.volumes[in->c.mk.nvolumes++];
	v->hostdir = in->etcdir;
	v->at = "/etc";
	v->readonly = true;
	return 0;
}

#define WATCH_FDS 4

static void *net_watch_main(void *arg)
{
	struct net_watch *w = arg;
	char why[160];

	/* Its own, narrower list (monitor/sandbox.c): it only polls, reads and wakes the vCPU. */
	if (sandbox_thread && sandbox_thread(SANDBOX_IO_THREAD, why, sizeof(why)) < 0) {
		vm_error("network watcher: %s", why);
		return NULL;
	}
	for (;;) {
		struct pollfd p[WATCH_FDS + 1];
		int timer = -1, n = w->fds(w->ctx, p, WATCH_FDS, &timer), rc;

		if (n < 0)
			return NULL;
		p[n] = (struct pollfd){ .fd = w->stop, .events = POLLIN };
		rc = poll(p, (nfds_t)n + 1, timer < 0 || timer > 1000 ? 1000 : timer + 1);
		if (rc < 0 && errno != EINTR)
			return NULL;
		if (p[n].revents)
			return NULL;
		if (w->vm->in_idle) {
			/* The idle wait pumps; let it drain what woke us. */
			usleep(1000);
			continue;
		}
		if (rc > 0 || timer >= 0) {
			struct pollfd a[2] = { { .fd = w->vm->kick_ack, .events = POLLIN },
				               { .fd = w->stop, .events = POLLIN } };
			uint64_t v;

			vm_kick(w->vm);
			/* Until the vCPU's thread has pumped (bounded: it may be in a
			 * long host call). */
			if (poll(a, 2, 100) > 0 && a[0].revents &&
			    read(w->vm->kick_ack, &v, sizeof(v)) < 0 && errno != EAGAIN)
				return NULL;
		}
	}
}

/* With a shared macro-kernel: its pump writes our notify eventfd. */
static int client_net_fds(void *ctx, struct pollfd *out, int max, int *timeout_ms)
{
	struct mk_client *cl = ctx;

	if (max < 1 || cl->notify < 0)
		return -1;
	out[0] = (struct pollfd){ .fd = cl->notify, .events = POLLIN };
	*timeout_ms = -1;
	return 1;
}

static int client_host_work(void *ctx)
{
	struct mk_client *cl = ctx;
	uint64_t v;

	return read(cl->notify, &v, sizeof(v)) == sizeof(v);
}

static void net_watch_start(struct net_watch *w, struct vm *vm, bool shared)
{
	w->vm = vm;
	w->ctx = vm->ring_ctx;
	w->fds = shared ? client_net_fds : mk_vm_net_fds;
	w->stop = eventfd(0, EFD_CLOEXEC);
	vm->kick_ack = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vm->host_work = shared ? client_host_work : mk_vm_net_pump;
	if (w->stop < 0 || vm->kick_ack < 0 ||
	    pthread_create(&w->thread, NULL, net_watch_main, w) != 0) {
		/* Without it a busy VM answers late, not wrongly: go on. */
		vm_error("network watcher: %s (a VM busy in ring 3 may answer late)",
		         strerror(errno));
		return;
	}
	w->running = true;
}

static void net_watch_stop(struct net_watch *w, struct vm *vm)
{
	if (w->running) {
		if (write(w->stop, &(uint64_t){ 1 }, sizeof(uint64_t)) < 0)
			vm_error("network watcher: %s", strerror(errno));
		pthread_join(w->thread, NULL);
		w->running = false;
	}
	if (w->stop > 0)
		close(w->stop);
	if (vm->kick_ack >= 0)
		close(vm->kick_ack);
	vm->kick_ack = -1;
	vm->host_work = NULL;
}

/*
 * The images the VM starts from: the kernel, the program (unless it is a
 * file of the VM's file system) and process 1 when that is a helper that
 * starts the program (fsd, netd or the launcher).  0 or a nanvixd status.
 */
static int load_images(struct instance *in)
{
	/* Process 1 is a server placed in the VM, or the launcher, which start the program. */
	bool fsd = in->c.mk.fs == MK_FS_GUEST, netd = in->c.mk.net == MK_NET_GUEST;
	bool launch = !fsd && !netd && (in->c.vm_program || in->c.workdir);
	char kpath[PATH_MAX], hpath[PATH_MAX], err[256];
	int rc;

	rc = open_kernel(in, kpath, sizeof(kpath), &in->kernel, &in->kernel_size);
	if (rc)
		return rc;
	if (!in->c.vm_program) {
		rc = map_file("program", in->c.argv[0], &in->program, &in->program_size);
		if (rc)
			return rc;
	}
	if (netd) {
		/* Process 1 itself, or the program the fs server starts. */
		const void *data;
		size_t size;

		rc = open_helper(in, NETD_FILE, "network server for --net=guest", in->npath,
		                 sizeof(in->npath), &data, &size);
		if (rc)
			return rc;
		if (fsd) {
			munmap((void *)data, size);
			in->programs[in->nprograms].name = NETD_NAME;
			in->programs[in->nprograms].path = in->npath;
			in->nprograms++;
		} else {
			in->helper = data, in->helper_size = size;
		}
	}
	if (fsd || netd || launch) {
		if (!in->helper)
			rc = open_helper(in, fsd ? "fsd.elf" : "launch.elf",
			                 fsd ? "fs server for --fs=guest" : "launcher", hpath,
			                 sizeof(hpath), &in->helper, &in->helper_size);
		if (rc)
			return rc;
		/* The VM execs a host program later: refuse a bad one now, and say why. */
		rc = in->program ? boot_check_program(in->program, in->program_size, in->c.stack,
		                                      in->name, err, sizeof(err))
		                 : 0;
		if (rc)
			program_error(in, err);
	}
	return rc;
}

/* Lay out guest memory for the first instruction (boot.c); 0 or a nanvixd status. */
static int prepare_boot(struct instance *in, struct boot_entry *entry)
{
	struct boot_config cfg;
	char err[256];
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	cfg.name = in->name;
	cfg.kernel = in->kernel, cfg.kernel_size = in->kernel_size;
	cfg.program = in->program, cfg.program_size = in->program_size;
	cfg.argc = in->c.argc, cfg.argv = in->c.argv;
	cfg.envc = in->c.envc, cfg.envp = in->c.env;
	if (in->helper) {
		in->helper_argv = helper_args(in, cfg.name, &cfg.argc);
		if (!in->helper_argv) {
			vm_error("out of memory");
			return NANVIXD_EXIT_HOST;
		}
		cfg.argv = in->helper_argv;
		cfg.program = in->helper, cfg.program_size = in->helper_size;
	}
	cfg.stack_size = in->c.stack;
	if (getrandom(cfg.random, sizeof(cfg.random), 0) != sizeof(cfg.random)) {
		vm_error("getrandom: %s", strerror(errno));
		return NANVIXD_EXIT_HOST;
	}
	cfg.fs = in->c.mk.fs != MK_FS_NONE;
	cfg.fs_guest = in->c.mk.fs == MK_FS_GUEST;
	cfg.net = in->c.mk.net != MK_NET_NONE;
	cfg.net_guest = in->c.mk.net == MK_NET_GUEST;
	/* The fast file path needs the fs service in this process. */
	/* The fast mm path needs only nanvixd; --no-fast-path turns it off too.
	 * (Set again by attach_components, for restored VMs.) */
	in->vm.fastmm = !in->c.no_fast;
	cfg.fastcall = (in->c.mk.fs == MK_FS_HOST && !in->c.macrokernel && !in->c.no_fast) ||
	               in->vm.fastmm;
	rc = boot_prepare(&in->vm.mem, &cfg, entry, err, sizeof(err));
	if (rc == NANVIXD_EXIT_NOMEM) {
		uint64_t need = boot_min_memory(&cfg, MEM_MAX);

		if (need)
			vm_error("%s: it needs -m %llu (MiB) at least to start, more for what the "
			         "program allocates",
			         err, (unsigned long long)(need >> 20));
		else
			vm_error("%s; raise -m", err);
	} else if (rc) {
		if (rc == NANVIXD_EXIT_BADELF && !in->helper)
			program_error(in, err);
		else
			vm_error("%s", err);
	}
	return rc;
}

/* Open --console-file and --strace-file; 0 or a nanvixd status. */
static int open_outputs(struct instance *in)
{
	if (in->c.console_fd >= 0) {
		in->vm.out_fd = in->vm.err_fd = in->vm.log_fd = in->c.console_fd;
	} else if (in->c.console_file) {
		in->console =
		        open(in->c.console_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (in->console < 0) {
			vm_error("cannot open console file '%s': %s", in->c.console_file,
			         strerror(errno));
			return NANVIXD_EXIT_USAGE;
		}
		in->vm.out_fd = in->vm.err_fd = in->vm.log_fd = in->console;
	}
	if (in->c.strace_file) {
		in->vm.strace_fd =
		        open(in->c.strace_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (in->vm.strace_fd < 0) {
			vm_error("cannot open strace file '%s': %s", in->c.strace_file,
			         strerror(errno));
			return NANVIXD_EXIT_USAGE;
		}
	}
	return 0;
}

/* Connect the VM to its macro-kernel and network; 0 or a nanvixd status. */
static int attach_components(struct instance *in)
{
	int rc;

	in->vm.fastmm = !in->c.no_fast; /* abi/vvar.h: the fast mm path */

	if (in->c.mk.fs == MK_FS_NONE && in->c.mk.net == MK_NET_NONE)
		return 0;
	if (in->c.fleet) {
		/* No watcher: the fleet's poller waits on this for the VM. */
		if (in->c.macrokernel) {
			vm_error("a VM of a fleet cannot use a shared macro-kernel");
			return NANVIXD_EXIT_USAGE;
		}
		in->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (in->wake < 0) {
			vm_error("cannot make the VM's wake-up eventfd: %s", strerror(errno));
			return NANVIXD_EXIT_HOST;
		}
		in->c.mk.notify_fd = in->wake;
	}
	rc = in->c.macrokernel
	             ? mk_client_attach(&in->client, &in->vm, in->c.macrokernel, &in->c.mk)
	             : macrokernel_attach(&in->vm, in, &in->sw,
	                                  in->c.net_switch ? &in->c.net_switch : &in->net, &in->mk);
	if (rc)
		return rc;
	if (in->c.mk.net != MK_NET_NONE && in->vm.ring_ctx && in->c.fleet)
		in->vm.host_work = mk_vm_net_pump; /* at the fleet's vm_kick */
	else if (in->c.mk.net != MK_NET_NONE && in->vm.ring_ctx)
		net_watch_start(&in->watch, &in->vm, in->c.macrokernel != NULL);
	/* A shared macro-kernel's uplink publishes this VM's ports now. */
	for (size_t i = 0; in->c.macrokernel && i < in->c.net_policy->npubs; i++)
		if (mk_client_publish(&in->client, &in->c.net_policy->pubs[i]) < 0)
			return NANVIXD_EXIT_HOST;
	return 0;
}

/* The instance, empty: every resource marked absent so that destroy may always run. */
static struct instance *instance_new(const struct instance_config *cfg)
{
	struct instance *in = calloc(1, sizeof(*in));
	const char *slash;

	if (!in)
		return NULL;
	in->c = *cfg;
	/* The configuration's programs, the program itself and netd. */
	in->programs = calloc((size_t)cfg->nprograms + 2, sizeof(*in->programs));
	if (!in->programs) {
		free(in);
		return NULL;
	}
	memcpy(in->programs, cfg->programs, (size_t)cfg->nprograms * sizeof(*in->programs));
	in->nprograms = cfg->nprograms;
	if (cfg->argv) {
		slash = strrchr(cfg->argv[0], '/');
		snprintf(in->name, sizeof(in->name), "%s", slash ? slash + 1 : cfg->argv[0]);
	}
	in->console = -1;
	in->watch.stop = -1;
	in->wake = -1;
	mk_client_init(&in->client);
	in->vm.kick_ack = -1;
	in->vm.kvm_fd = in->vm.vm_fd = in->vm.vcpu_fd = in->vm.ram_fd = -1;
	in->vm.ram_memfd = cfg->macrokernel != NULL; /* the server maps guest RAM too */
	in->vm.out_fd = 1, in->vm.err_fd = 2, in->vm.log_fd = 2, in->vm.in_fd = 0;
	in->vm.strace_fd = 2;
	in->vm.mem_fd = -1;
	return in;
}

/* Why the VM cannot be snapshotted at all (state outside its memory): 0, or -1 with err. */
static int snapshot_blocked(const struct instance *in, char *err, size_t errlen)
{
	if (in->c.mk.fs == MK_FS_HOST || (in->c.mk.disk && !strstr(in->c.mk.disk, ":ro")) ||
	    in->c.mk.net == MK_NET_HOST || in->c.macrokernel) {
		snprintf(err, errlen,
		         "the VM keeps state outside its memory (a host file system or volume, the "
		         "default /tmp, a writable disk, --net=host or a shared macro-kernel): it "
		         "cannot be snapshotted (run it with --net=guest or none, --no-tmp, no "
		         "volumes, a disk only as IMAGE:ro --fs=guest)");
		return -1;
	}
	return 0;
}

/* The network and file servers' state is in the VM's memory; the host
 * keeps none to save (a read-only disk is named, not copied). */
static uint32_t snapshot_flags_of(const struct instance *in)
{
	return (in->c.mk.net == MK_NET_GUEST ? SNAP_NET_GUEST : 0) |
	       (in->c.mk.disk ? SNAP_DISK_RO : 0);
}

/* vm->snapshot for --snapshot-out: the VM stopped at its snapshot call. */
static int save_snapshot(struct vm *vm, uint64_t hc_gpa, void *ctx)
{
	struct instance *in = ctx;
	char err[512];

	if (snapshot_save(vm, in->c.snapshot_out, hc_gpa, in->kernel, in->kernel_size,
	                  snapshot_flags_of(in), in->c.mk.disk, err, sizeof(err)) < 0) {
		vm_error("snapshot: %s", err);
		return NANVIXD_EXIT_HOST;
	}
	in->snapshot_saved = true;
	vm->done = true;
	vm->status = 0;
	return 0;
}

int instance_snapshot(struct instance *in, const char *dir, char *err, size_t errlen)
{
	if (snapshot_blocked(in, err, errlen) < 0)
		return -1;
	if (!in->vm.parked_ret_gpa) {
		snprintf(err, errlen,
		         "the VM is not idle: the host snapshots a VM parked in its idle wait "
		         "(held by its fleet while parked), not one stopped mid-computation");
		return -1;
	}
	if (in->mk && !mk_vm_quiet(in->mk)) {
		snprintf(err, errlen, "the VM has calls in flight on its ring: try again");
		return -1;
	}
	return snapshot_save(&in->vm, dir, in->vm.parked_ret_gpa, in->kernel, in->kernel_size,
	                     snapshot_flags_of(in), in->c.mk.disk, err, errlen);
}

/* vm->host_snapshot: on the vCPU thread, the guest idle in its SLEEP. */
static void take_host_snapshot(struct vm *vm, uint64_t ret_gpa, void *ctx)
{
	struct instance *in = ctx;
	char err[512];
	int rc;

	if (in->mk && !mk_vm_quiet(in->mk)) {
		vm->host_snap_wait = true; /* calls in flight: after the next sleep */
		return;
	}
	rc = snapshot_save(vm, in->snap_dir, ret_gpa, in->kernel, in->kernel_size,
	                   snapshot_flags_of(in), in->c.mk.disk, err, sizeof(err));
	if (rc == 0)
		in->nhost_snapshots++;
	vm->host_snap_due = 0;
	in->snap_done(in->snap_done_ctx, rc, rc ? err : in->snap_dir);
}

int instance_request_snapshot(struct instance *in, const char *dir,
                              void (*done)(void *ctx, int rc, const char *msg), void *ctx,
                              char *err, size_t errlen)
{
	if (snapshot_blocked(in, err, errlen) < 0)
		return -1;
	if (in->vm.host_snap_due) {
		snprintf(err, errlen, "a snapshot of this VM is already being taken");
		return -1;
	}
	if (strlen(dir) >= sizeof(in->snap_dir)) {
		snprintf(err, errlen, "the snapshot directory's path is too long");
		return -1;
	}
	snprintf(in->snap_dir, sizeof(in->snap_dir), "%s", dir);
	in->snap_done = done;
	in->snap_done_ctx = ctx;
	in->vm.snapshot_ctx = in;
	in->vm.host_snapshot = take_host_snapshot;
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* all of it seen before the flag */
	vm_request_snapshot(&in->vm);
	return 0;
}

bool instance_snapshot_saved(const struct instance *in)
{
	return in->snapshot_saved;
}

int instance_create(struct instance **out, const struct instance_config *cfg)
{
	struct instance *in = instance_new(cfg);
	struct boot_entry entry;
	bool fsgsbase;
	int rc;

	*out = NULL;
	if (!in) {
		vm_error("out of memory");
		return NANVIXD_EXIT_HOST;
	}
	if (in->c.mk.net != MK_NET_NONE && !in->c.macrokernel) {
		rc = in->c.net_switch
		             ? 0
		             : network_create(in,
		                              &in->net); /* first: its uplink starts meanwhile */
		if (rc)
			goto fail;
	}
	rc = load_images(in);
	if (rc)
		goto fail;
	if (in->c.default_tmp) {
		rc = add_default_tmp(in);
		if (rc)
			goto fail;
	}
	rc = add_net_etc(in);
	if (rc)
		goto fail;
	rc = open_outputs(in);
	if (rc)
		goto fail;
	rc = tty_setup(&in->vm, in->c.tty);
	if (rc)
		goto fail;
	rc = vm_create(&in->vm, in->c.mem);
	if (rc)
		goto fail;
	/* execve can start a host program itself by its name, and any image given. */
	if (in->program) {
		in->programs[in->nprograms].name = in->name;
		in->programs[in->nprograms].path = in->c.argv[0];
		in->nprograms++;
	}
	in->vm.programs = in->programs;
	in->vm.nprograms = in->nprograms;
	in->vm.stack_size = in->c.stack;
	if (in->c.cpus > 0) {
		in->vm.cpu_period_ns = 100000000ull;
		in->vm.cpu_quota_ns = (uint64_t)(in->c.cpus * 1e8);
	}
	rc = prepare_boot(in, &entry);
	if (rc)
		goto fail;
	rc = attach_components(in);
	if (rc)
		goto fail;
	rc = vm_setup_cpu(&in->vm, entry.cr3, entry.rip, entry.rsp, entry.bootinfo, entry.lstar,
	                  &fsgsbase);
	if (rc)
		goto fail;
	if (fsgsbase)
		entry.bi->flags |= NANVIX_BOOT_FSGSBASE;
	if (in->c.strace) {
		entry.bi->flags |= NANVIX_BOOT_STRACE;
		in->vm.strace = true;
	}
	entry.bi->flags |= tty_boot_flags(&in->vm);
	entry.bi->limits = in->c.limits;
	if (seed_clock(&in->vm, entry.bi, entry.vvar) < 0) {
		vm_error("cannot read the guest TSC");
		rc = NANVIXD_EXIT_HOST;
		goto fail;
	}
	in->vm.kstats_gpa = entry.kstats_gpa;
	in->vm.frames_gpa = entry.frames_gpa;
	in->vm.bootinfo = entry.bi;
	if (in->c.snapshot_out) {
		in->vm.snapshot = save_snapshot;
		in->vm.snapshot_ctx = in;
	}
	*out = in;
	return 0;
fail:
	instance_destroy(in);
	return rc;
}

int instance_restore(struct instance **out, const struct instance_config *cfg,
                     const struct snap_image *img)
{
	struct instance_config c = *cfg;
	struct instance *in;
	int rc;

	*out = NULL;
	/* What the snapshot fixed. */
	c.argv = NULL, c.argc = 0, c.env = NULL, c.envc = 0;
	c.programs = snapshot_programs(img, &c.nprograms);
	c.mem = snapshot_mem_size(img);
	c.default_tmp = false;
	/* A read-only disk is served again to the VM's own file server. */
	c.mk.disk = snapshot_disk(img);
	c.mk.fs = c.mk.disk ? MK_FS_GUEST : MK_FS_NONE;
	c.mk.net = snapshot_flags(img) & SNAP_NET_GUEST ? MK_NET_GUEST : MK_NET_NONE;
	c.mk.nvolumes = 0;
	c.snapshot_out = NULL;
	in = instance_new(&c);
	if (!in) {
		vm_error("out of memory");
		return NANVIXD_EXIT_HOST;
	}
	snprintf(in->name, sizeof(in->name), "%s", snapshot_name(img));
	in->img = img;
	/* The VM's network: a new switch port (its address and MAC are the
	 * snapshot's, written again into the VM's net state), the uplink
	 * publishing this run's -p ports; lwIP itself is in the VM's memory. */
	rc = in->c.mk.net != MK_NET_NONE && !in->c.macrokernel && !in->c.net_switch
	             ? network_create(in, &in->net)
	             : 0;
	if (!rc)
		rc = open_outputs(in);
	if (!rc)
		rc = tty_setup(&in->vm, in->c.tty);
	if (!rc) {
		in->vm.mem_from_file = true;
		in->vm.mem_fd = snapshot_mem_fd(img);
		rc = vm_create(&in->vm, in->c.mem);
	}
	if (!rc) {
		in->vm.programs = in->programs;
		in->vm.nprograms = in->nprograms;
		rc = attach_components(in);
	}
	if (!rc)
		rc = snapshot_restore(&in->vm, img, false);
	if (rc) {
		instance_destroy(in);
		return rc;
	}
	*out = in;
	return 0;
}

int instance_reset(struct instance *in)
{
	struct vm *vm = &in->vm;
	int rc;

	if (!in->img) {
		vm_error("reset: the instance was not restored from a snapshot");
		return NANVIXD_EXIT_USAGE;
	}
	/* The host's view of the VM as a restore leaves it. */
	vm->done = false;
	vm->status = 0;
	vm->stop_status = 0;
	vm->pause_due = 0;
	vm->kick_due = 0;
	vm->signals_due = 0;
	vm->sig_posted = false;
	vm->irq_pending = false;
	vm->snapshot_due = 0;
	vm->have_stats = false;
	vm->nexits = vm->nfastcalls = 0;
	vm->wx_exec = vm->wx_hypercall = 0;
	memset(&vm->stats, 0, sizeof(vm->stats));
	memset(&vm->strace_st, 0, sizeof(vm->strace_st));
	for (int id = 0; id < VM_TIMERS; id++)
		if (vm->timers[id].made)
			vm_timer_set(vm, (enum vm_timer_id)id, 0);
	in->deadline_armed = false;
	rc = snapshot_restore(vm, in->img, true);
	if (!rc && in->mk && mk_vm_reset(in->mk) < 0) {
		vm_error("reset: the macro-kernel cannot take the VM's memory back");
		rc = NANVIXD_EXIT_HOST;
	}
	return rc;
}

int instance_run(struct instance *in)
{
	int rc;

	if (in->c.timeout > 0 && !in->deadline_armed) {
		uint64_t ns = (uint64_t)(in->c.timeout * 1e9);

		rc = vm_timer_set(&in->vm, VM_TIMER_DEADLINE, ns ? ns : 1);
		if (rc < 0) {
			vm_error("cannot arm the timeout: %s", strerror(-rc));
			return NANVIXD_EXIT_HOST;
		}
		in->deadline_armed = true;
	}
	rc = vm_run(&in->vm);
	if (rc != VM_PAUSED && rc != VM_PARKED && !in->vm.have_stats)
		live_stats(&in->vm);
	return rc;
}

void instance_stop(struct instance *in, int status)
{
	vm_stop(&in->vm, status);
}

void instance_pause(struct instance *in)
{
	vm_pause(&in->vm);
}

void instance_signal(struct instance *in, int sig)
{
	vm_post_signal(&in->vm, sig);
}

/* Publish; 0, or a negative errno after a line saying why (unless `quiet`
 * and the port was taken: the caller tries another). */
static int publish(struct instance *in, const struct netsw_publish *pub, bool quiet)
{
	char err[256];
	int rc;

	if (in->c.macrokernel)
		return mk_client_publish(&in->client, pub) < 0 ? -EIO : 0;
	if (!in->mk) {
		vm_error("publish: the VM has no network");
		return -ENETDOWN;
	}
	rc = mk_vm_net_publish(in->mk, pub, err, sizeof(err));
	if (rc < 0 && !(quiet && rc == -EADDRINUSE))
		vm_error("publish: %s", err);
	return rc < 0 ? rc : 0;
}

int instance_publish(struct instance *in, const struct netsw_publish *pub)
{
	return publish(in, pub, false) < 0 ? -1 : 0;
}

/* A 127.0.0.1 TCP port nobody listens on now (bound and released: the uplink takes it). */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(s, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (s >= 0)
		close(s);
	return port;
}

int instance_publish_any(struct instance *in, uint16_t guest_port)
{
	struct netsw_publish pub = { .proto = IPPROTO_TCP,
		                     .host_addr = INADDR_LOOPBACK,
		                     .guest_port = guest_port };

	/* Another process may take the port between free_port and the uplink's
	 * bind: try others, quietly, and say why only for the last. */
	for (int tries = 0; tries < 8; tries++) {
		int port = free_port(), rc;

		if (port <= 0)
			break;
		pub.host_port = (uint16_t)port;
		rc = publish(in, &pub, tries < 7);
		if (rc == 0)
			return port;
		if (rc != -EADDRINUSE)
			break;
	}
	return -1;
}

int instance_wake_fd(const struct instance *in)
{
	return in->wake;
}

bool instance_uplink_pending(const struct instance *in)
{
	return in->net && netsw_uplink_pending(in->net);
}

void instance_uplink_start(struct instance *in)
{
	if (in->net)
		netsw_uplink_start_now(in->net);
}

struct vm *instance_vm(struct instance *in)
{
	return &in->vm;
}

const char *instance_name(const struct instance *in)
{
	return in->name;
}

int instance_mk_stats(struct instance *in, struct mk_stats *out, bool live)
{
	memset(out, 0, sizeof(*out));
	if (in->mk) {
		mk_vm_stats(in->mk, out);
		return 0;
	}
	/* The connection is the vCPU's while the VM runs: no stats request on it then. */
	if (in->client.sock >= 0 && !live)
		return mk_client_stats(&in->client, out);
	return -1;
}

void instance_destroy(struct instance *in)
{
	if (!in)
		return;
	tty_restore(&in->vm);
	net_watch_stop(&in->watch, &in->vm);
	mk_vm_detach(in->mk);
	netsw_free(in->net);
	/* Closing the connection detaches the VM from a shared macro-kernel. */
	mk_client_close(&in->client);
	if (in->sw)
		blksw_free(in->sw);
	vm_destroy(&in->vm);
	if (in->console >= 0)
		close(in->console);
	if (in->wake >= 0)
		close(in->wake);
	if (in->vm.strace_fd > 2)
		close(in->vm.strace_fd);
	if (in->kernel)
		munmap((void *)in->kernel, in->kernel_size);
	if (in->program)
		munmap((void *)in->program, in->program_size);
	if (in->helper)
		munmap((void *)in->helper, in->helper_size);
	free(in->helper_argv);
	/* Every way out of the VM passes here: the default /tmp goes with it. */
	tmpvol_remove(in->tmpdir);
	tmpvol_remove(in->etcdir);
	free(in->programs);
	free(in);
}
