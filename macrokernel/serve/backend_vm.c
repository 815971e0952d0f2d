/*
 * nanvix-serve's micro-VM backend ("vm", the default): each instance is a
 * VM restored from its function's snapshot.
 *
 *   prepare  boots the function once (--net=guest, its memory, argv and
 *            env), runs it until it asks for a snapshot
 *            (/dev/nanvix-snapshot, typically right before `accept`), and
 *            opens that snapshot: checked and hashed once, here.
 *   spawn    restores a VM from it into the process's one tenant network
 *            (a new address, which the VM's lwIP takes), publishes its
 *            port 8080 on a free 127.0.0.1 port for the gateway, and hands
 *            it to the backend's fleet (monitor/fleet.h): a thread runs it
 *            only while it runs; idle, it waits in the fleet's epoll set.
 *            The VM answers at once: it was snapshotted listening.
 *   recycle  resets the VM in place between requests (its private pages
 *            dropped back to the snapshot's, registers rewritten, a new
 *            generation, seed and clocks): no request sees another's state.
 *   destroy  stops the VM, takes it off the fleet, gives everything back.
 *
 * Every VM's console output goes to one pipe per instance (log_fd), and its
 * end to an eventfd (dead_fd).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <monitor/boot.h>
#include <monitor/fleet.h>
#include <monitor/instance.h>
#include <monitor/snapshot.h>
#include <monitor/vm.h>
#include <netsw/netsw.h>
#include <serve/backend.h>

#define GUEST_PORT     8080 /* where a function listens in its VM (PORT) */
#define GUEST_PORT_STR "8080"
#define STOP_STATUS    (128 + 9) /* how a VM the backend stops ends (as SIGKILL) */

/* The backend's shared state: the tenant network, the fleet, where snapshots go. */
struct vm_backend {
	struct netsw *net;
	struct fleet *fleet;
	struct netsw_policy policy; /* publishes nothing up front, allows nothing out */
	char dir[PATH_MAX];         /* snapshots: DIR/NAME/{state,mem} */
};

/* One function: its snapshot, opened once. */
struct vm_fn {
	struct snap_image *img;
	char dir[PATH_MAX];
	char disk[PATH_MAX + 4]; /* "IMAGE:ro" when the program is on a disk */
};

/* One instance: its VM, its place in the fleet, its pipes. */
struct vm_inst {
	struct instance *in;
	struct fleet_vm *fv;
	int dead;   /* eventfd: written when the VM ends */
	int log[2]; /* the console pipe */
};

static void say(char *err, size_t len, const char *what, const char *detail)
{
	snprintf(err, len, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
}

static int be_init(void **state, char *err, size_t errlen)
{
	struct vm_backend *b = calloc(1, sizeof(*b));
	struct netsw_config cfg;
	const char *tmp = getenv("TMPDIR");
	int rc;

	if (!b) {
		say(err, errlen, "out of memory", NULL);
		return -1;
	}
	snprintf(b->dir, sizeof(b->dir), "%s/nanvix-serve.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(b->dir)) {
		say(err, errlen, "cannot make a snapshot directory", strerror(errno));
		free(b);
		return -1;
	}
	netsw_policy_init(&b->policy);
	netsw_config_large(&cfg);
	cfg.policy = &b->policy;
	b->net = netsw_new(&cfg);
	if (!b->net) {
		say(err, errlen, "cannot make the tenant network switch", strerror(errno));
		rmdir(b->dir);
		free(b);
		return -1;
	}
	rc = fleet_new(&b->fleet);
	if (rc == 0)
		rc = fleet_pump_switch(b->fleet, b->net);
	if (rc < 0) {
		say(err, errlen, "cannot start the VMs' threads", strerror(-rc));
		fleet_free(b->fleet);
		netsw_free(b->net);
		rmdir(b->dir);
		free(b);
		return -1;
	}
	*state = b;
	return 0;
}

static void be_fini(void *state)
{
	struct vm_backend *b = state;

	if (!b)
		return;
	fleet_free(b->fleet); /* every instance is gone: its pump first */
	netsw_free(b->net);
	rmdir(b->dir);
	free(b);
}

/* The instance configuration common to a function's boot and its restores. */
static void base_config(struct vm_backend *b, struct instance_config *c, int console)
{
	memset(c, 0, sizeof(*c));
	c->stack = BOOT_STACK_SIZE_DEFAULT;
	c->tty = TTY_NONE;
	c->mk.net = MK_NET_GUEST;
	c->mk.notify_fd = -1;
	c->net_policy = &b->policy;
	c->net_switch = b->net;
	c->console_fd = console;
}

static int be_prepare(void *state, struct serve_fn *fn, char *err, size_t errlen)
{
	struct vm_backend *b = state;
	struct vm_fn *f = calloc(1, sizeof(*f));
	struct instance_config c;
	struct instance *in = NULL;
	int argc = 0, envc = 0, rc;
	char why[1024], **env;

	if (!f) {
		say(err, errlen, "out of memory", NULL);
		return -1;
	}
	if (!fn->snapshot) {
		say(err, errlen,
		    "the vm backend serves functions from a snapshot: set \"snapshot\": "
		    "true and have the program open /dev/nanvix-snapshot",
		    NULL);
		free(f);
		return -1;
	}
	if (snprintf(f->dir, sizeof(f->dir), "%s/%s", b->dir, fn->name) >= (int)sizeof(f->dir)) {
		say(err, errlen, "the snapshot directory's path is too long", b->dir);
		free(f);
		return -1;
	}
	while (fn->argv[argc])
		argc++;
	while (fn->envv && fn->envv[envc])
		envc++;
	/* The function's env, and what nanvix-serve sets itself (NANVIX_*, PORT). */
	env = calloc((size_t)envc + 3, sizeof(*env));
	if (!env) {
		say(err, errlen, "out of memory", NULL);
		free(f);
		return -1;
	}
	memcpy(env, fn->envv, (size_t)envc * sizeof(*env));
	env[envc++] = "NANVIX_SNAPSHOT=1";
	env[envc++] = "PORT=" GUEST_PORT_STR;
	base_config(b, &c, 2);
	c.mem = (fn->memory + 4095) & ~4095ull;
	c.timeout = fn->start_timeout_ms / 1000.0;
	c.argv = fn->argv;
	c.argc = argc;
	c.env = env;
	c.envc = envc;
	c.snapshot_out = f->dir;
	c.console_fd = 2;
	if (fn->disk) { /* the program is on the disk, its file system in the VM */
		snprintf(f->disk, sizeof(f->disk), "%s:ro", fn->disk);
		c.mk.disk = f->disk;
		c.mk.fs = MK_FS_GUEST;
		c.vm_program = true;
		c.user_fs = true;
	}
	rc = instance_create(&in, &c);
	if (!rc)
		while ((rc = instance_run(in)) == VM_PAUSED)
			;
	if (rc || !in || !instance_snapshot_saved(in)) {
		snprintf(why, sizeof(why),
		         "booting %s for its snapshot ended with status %d before it asked for "
		         "one (see above; it must open /dev/nanvix-snapshot and call "
		         "NANVIX_SNAPSHOT_TAKE once it listens on port %d)",
		         fn->program, rc, GUEST_PORT);
		say(err, errlen, why, NULL);
		instance_destroy(in);
		free(env);
		free(f);
		return -1;
	}
	instance_destroy(in);
	free(env);
	if (snapshot_open(&f->img, f->dir, why, sizeof(why)) < 0) {
		say(err, errlen, why, NULL);
		free(f);
		return -1;
	}
	fn->backend_priv = f;
	return 0;
}

static void remove_snapshot(const char *dir)
{
	char p[PATH_MAX + 8];

	snprintf(p, sizeof(p), "%s/state", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/mem", dir);
	unlink(p);
	rmdir(dir);
}

static void be_unprepare(void *state, struct serve_fn *fn)
{
	struct vm_fn *f = fn->backend_priv;

	(void)state;
	if (!f)
		return;
	snapshot_close(f->img);
	remove_snapshot(f->dir);
	free(f);
	fn->backend_priv = NULL;
}

/* The fleet's `ended`, under its lock: tell the gateway. */
static void vm_ended(void *ctx, int status)
{
	struct vm_inst *v = ctx;

	(void)status; /* fleet_status has it */
	if (write(v->dead, &(uint64_t){ 1 }, sizeof(uint64_t)) < 0)
		perror("nanvix-serve: vm backend");
}

static void inst_free(struct vm_inst *v)
{
	if (v->fv)
		fleet_remove(v->fv, STOP_STATUS);
	if (v->in)
		instance_destroy(v->in);
	if (v->dead >= 0)
		close(v->dead);
	if (v->log[0] >= 0)
		close(v->log[0]);
	if (v->log[1] >= 0)
		close(v->log[1]);
	free(v);
}

static int be_spawn(void *state, struct serve_inst *inst, char *err, size_t errlen)
{
	struct vm_backend *b = state;
	struct vm_fn *f = inst->fn->backend_priv;
	struct vm_inst *v = calloc(1, sizeof(*v));
	struct instance_config c;
	struct sockaddr_in *sa = (struct sockaddr_in *)&inst->addr;
	int rc, port = -1;

	if (!v) {
		say(err, errlen, "out of memory", NULL);
		return -1;
	}
	v->log[0] = v->log[1] = -1;
	v->dead = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (v->dead < 0 || pipe2(v->log, O_CLOEXEC) < 0 ||
	    fcntl(v->log[0], F_SETFL, O_NONBLOCK) < 0) {
		say(err, errlen, "cannot make the instance's pipes", strerror(errno));
		inst_free(v);
		return -1;
	}
	base_config(b, &c, v->log[1]);
	c.fleet = true;
	rc = instance_restore(&v->in, &c, f->img);
	if (!rc)
		port = instance_publish_any(v->in, GUEST_PORT);
	if (rc || port < 0) {
		say(err, errlen,
		    rc ? "cannot restore the function's snapshot (see above)"
		       : "cannot publish the instance's port",
		    NULL);
		inst_free(v);
		return -1;
	}
	v->fv = fleet_add(b->fleet, v->in, vm_ended, v);
	if (!v->fv) {
		say(err, errlen, "cannot run the VM", strerror(errno));
		inst_free(v);
		return -1;
	}
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa->sin_port = htons((uint16_t)port);
	inst->addrlen = sizeof(*sa);
	inst->dead_fd = v->dead;
	inst->log_fd = v->log[0];
	inst->priv = v;
	return 0;
}

static int be_recycle(void *state, struct serve_inst *inst, char *err, size_t errlen)
{
	struct vm_inst *v = inst->priv;
	int rc;

	(void)state;
	if (fleet_hold(v->fv) != 0) {
		say(err, errlen, "the VM ended before its reset", NULL);
		return -1;
	}
	rc = instance_reset(v->in);
	if (rc != 0) { /* held until destroyed: its state is the reset's half-work */
		say(err, errlen, "cannot reset the VM in place (see above)", NULL);
		return -1;
	}
	fleet_release(v->fv);
	return 0;
}

static void be_destroy(void *state, struct serve_inst *inst, char *how, size_t howlen)
{
	struct vm_inst *v = inst->priv;
	int status = fleet_status(v->fv);

	(void)state;
	if (status >= 128 && status < 128 + 65)
		snprintf(how, howlen, "killed by signal %d", status - 128);
	else if (status >= 0)
		snprintf(how, howlen, "exited with status %d", status);
	inst_free(v); /* stops it if it runs on */
	inst->priv = NULL;
	inst->dead_fd = inst->log_fd = -1;
}

static const struct serve_backend vm_backend = {
	.name = "vm",
	.summary = "each instance a micro-VM restored from its function's snapshot (the default)",
	.init = be_init,
	.fini = be_fini,
	.prepare = be_prepare,
	.unprepare = be_unprepare,
	.spawn = be_spawn,
	.recycle = be_recycle,
	.destroy = be_destroy,
};

SERVE_BACKEND(vm_backend);
