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
 *            port 8080 on a free 127.0.0.1 port for the gateway, and runs
 *            its vCPU on a thread of its own.  The VM answers at once: it
 *            was snapshotted listening.
 *   recycle  resets the VM in place between requests (its private pages
 *            dropped back to the snapshot's, registers rewritten, a new
 *            generation, seed and clocks): no request sees another's state.
 *   destroy  stops the vCPU, joins its thread, gives everything back.
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
#include <monitor/instance.h>
#include <monitor/snapshot.h>
#include <monitor/vm.h>
#include <netsw/netsw.h>
#include <serve/backend.h>

#define GUEST_PORT     8080 /* where a function listens in its VM (PORT) */
#define GUEST_PORT_STR "8080"
#define VCPU_STACK     (256u << 10) /* a vCPU thread's stack: the run loop is shallow */
#define STOP_STATUS    (128 + 9)    /* how a VM the backend stops ends (as SIGKILL) */

/* The backend's shared state: the tenant network and where snapshots go. */
struct vm_backend {
	struct netsw *net;
	struct netsw_policy policy; /* publishes nothing up front, allows nothing out */
	char dir[PATH_MAX];         /* snapshots: DIR/NAME/{state,mem} */
};

/* One function: its snapshot, opened once. */
struct vm_fn {
	struct snap_image *img;
	char dir[PATH_MAX];
};

/* What the instance's thread and the gateway's workers share. */
enum cmd { CMD_NONE, CMD_RESET, CMD_STOP };

struct vm_inst {
	struct instance *in;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	enum cmd cmd; /* what the paused thread is asked to do */
	bool paused;  /* the thread waits for a command */
	bool ended;   /* instance_run returned for good */
	int status;   /* ...with this */
	int reset_rc; /* the last CMD_RESET's result */
	int dead;     /* eventfd: written when the VM ends */
	int log[2];   /* the console pipe */
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
	netsw_config_default(&cfg);
	cfg.policy = &b->policy;
	b->net = netsw_new(&cfg);
	if (!b->net) {
		say(err, errlen, "cannot make the tenant network switch", strerror(errno));
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

/*
 * The vCPU's thread: run the VM; when a worker pauses it, wait for a
 * command (reset in place, or stop), do it, and run on.  The VM ends on
 * its own, or at CMD_STOP.
 */
static void *vcpu_main(void *arg)
{
	struct vm_inst *v = arg;
	int rc;

	for (;;) {
		rc = instance_run(v->in);
		if (rc != VM_PAUSED)
			break;
		pthread_mutex_lock(&v->lock);
		v->paused = true;
		pthread_cond_broadcast(&v->cond);
		while (v->cmd == CMD_NONE)
			pthread_cond_wait(&v->cond, &v->lock);
		if (v->cmd == CMD_RESET)
			v->reset_rc = instance_reset(v->in);
		rc = v->cmd == CMD_STOP ? -1 : v->reset_rc;
		v->cmd = CMD_NONE;
		v->paused = false;
		pthread_cond_broadcast(&v->cond);
		pthread_mutex_unlock(&v->lock);
		if (rc)
			break;
	}
	pthread_mutex_lock(&v->lock);
	v->ended = true;
	v->status = rc;
	pthread_cond_broadcast(&v->cond);
	pthread_mutex_unlock(&v->lock);
	if (write(v->dead, &(uint64_t){ 1 }, sizeof(uint64_t)) < 0)
		perror("nanvix-serve: vm backend");
	return NULL;
}

static void inst_free(struct vm_inst *v)
{
	if (v->in)
		instance_destroy(v->in);
	if (v->dead >= 0)
		close(v->dead);
	if (v->log[0] >= 0)
		close(v->log[0]);
	if (v->log[1] >= 0)
		close(v->log[1]);
	pthread_cond_destroy(&v->cond);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

static int be_spawn(void *state, struct serve_inst *inst, char *err, size_t errlen)
{
	struct vm_backend *b = state;
	struct vm_fn *f = inst->fn->backend_priv;
	struct vm_inst *v = calloc(1, sizeof(*v));
	struct instance_config c;
	struct sockaddr_in *sa = (struct sockaddr_in *)&inst->addr;
	pthread_attr_t attr;
	int rc, port = -1;

	if (!v) {
		say(err, errlen, "out of memory", NULL);
		return -1;
	}
	pthread_mutex_init(&v->lock, NULL);
	pthread_cond_init(&v->cond, NULL);
	v->log[0] = v->log[1] = -1;
	v->dead = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (v->dead < 0 || pipe2(v->log, O_CLOEXEC) < 0 ||
	    fcntl(v->log[0], F_SETFL, O_NONBLOCK) < 0) {
		say(err, errlen, "cannot make the instance's pipes", strerror(errno));
		inst_free(v);
		return -1;
	}
	base_config(b, &c, v->log[1]);
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
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, VCPU_STACK);
	rc = pthread_create(&v->thread, &attr, vcpu_main, v);
	pthread_attr_destroy(&attr);
	if (rc) {
		say(err, errlen, "cannot start the vCPU thread", strerror(rc));
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

/* Pause the VM and hand its paused thread `cmd`; the thread's answer. */
static int command(struct vm_inst *v, enum cmd cmd)
{
	int rc;

	pthread_mutex_lock(&v->lock);
	if (v->ended) {
		pthread_mutex_unlock(&v->lock);
		return -1;
	}
	instance_pause(v->in);
	while (!v->paused && !v->ended)
		pthread_cond_wait(&v->cond, &v->lock);
	if (v->ended) {
		pthread_mutex_unlock(&v->lock);
		return -1;
	}
	v->cmd = cmd;
	pthread_cond_broadcast(&v->cond);
	while (v->paused && !v->ended)
		pthread_cond_wait(&v->cond, &v->lock);
	rc = cmd == CMD_RESET ? v->reset_rc : 0;
	pthread_mutex_unlock(&v->lock);
	return rc;
}

static int be_recycle(void *state, struct serve_inst *inst, char *err, size_t errlen)
{
	(void)state;
	if (command(inst->priv, CMD_RESET) != 0) {
		say(err, errlen, "cannot reset the VM in place (see above)", NULL);
		return -1;
	}
	return 0;
}

static void be_destroy(void *state, struct serve_inst *inst, char *how, size_t howlen)
{
	struct vm_inst *v = inst->priv;
	bool ended;

	(void)state;
	pthread_mutex_lock(&v->lock);
	ended = v->ended;
	pthread_mutex_unlock(&v->lock);
	if (ended) {
		if (v->status >= 128 && v->status < 128 + 65)
			snprintf(how, howlen, "killed by signal %d", v->status - 128);
		else
			snprintf(how, howlen, "exited with status %d", v->status);
	} else if (command(v, CMD_STOP) != 0) {
		instance_stop(v->in, STOP_STATUS); /* it ended meanwhile, or will now */
	}
	pthread_join(v->thread, NULL);
	inst_free(v);
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
