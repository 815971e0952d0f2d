/*
 * Many VMs, threads only while they run (monitor/fleet.h).
 *
 * A VM is in one of five states, changed under the fleet's lock:
 *
 *   QUEUED   on the run queue, waiting for a worker
 *   RUNNING  a worker is in instance_run for it
 *   PARKED   its guest idles; only the poller's epoll set waits for it
 *   HELD     kept off threads by fleet_hold
 *   ENDED    instance_run returned a final status
 *
 * Parking needs no race with the wake-ups: the park hook (on the VM's
 * worker, inside its NANVIX_HC_SLEEP) only asks vm_run to return; the
 * worker then marks the VM PARKED under the lock, unless the poller saw
 * its eventfd or timer fire meanwhile (`woken`, set when it found the VM
 * RUNNING), in which case it runs the VM on.  The network writes the
 * eventfd after it changed what the guest reads, and the poller reads the
 * eventfd before it looks at the state, so a wake-up is never lost.
 *
 * A handle removed by fleet_remove may still be named by events the
 * poller took before the removal: removed handles wait on a list that the
 * poller frees once it has handled its batch.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <abi/hypercall.h>
#include <mk/mk.h>
#include <monitor/fleet.h>
#include <monitor/instance.h>
#include <monitor/vm.h>

#define WORKER_STACK  (256u << 10) /* the run loop is shallow */
#define WORKER_IDLE_S 2            /* a worker without work ends after this */
#define POLL_BATCH    256
#define SWITCHES_MAX  64
#define TAG_TIMER     1ull /* epoll data: the handle's address | tag */
#define TAG_MASK      1ull

enum fv_state { FV_QUEUED, FV_RUNNING, FV_PARKED, FV_HELD, FV_ENDED };

struct fleet_vm {
	struct fleet *f;
	struct instance *in;
	struct vm *vm;
	int wake;  /* the instance's eventfd (not owned), or -1 */
	int timer; /* timerfd: the guest's deadline while parked */
	enum fv_state state;
	bool woken;    /* an event came while it ran: run it on */
	bool hold_req; /* fleet_hold waits for it */
	bool removed;  /* on the graveyard list */
	int status;
	void (*ended)(void *ctx, int status);
	void *ctx;
	struct fleet_vm *next; /* run queue, or graveyard */
};

struct pump {
	struct netsw *sw;
	int wake;
	volatile int stop;
	pthread_t thread;
};

struct fleet {
	pthread_mutex_t lock;
	pthread_cond_t work;    /* workers: the queue gained a VM, or stop */
	pthread_cond_t changed; /* fleet_hold, fleet_remove, fleet_free: a state changed */
	struct fleet_vm *qhead, *qtail;
	struct fleet_vm *graveyard;
	/* Workers waiting for work, and how many of them a signal already claimed. */
	uint32_t idle_workers, claimed;
	uint32_t workers, vms, running, parked;
	uint64_t wakes;
	bool stopping;
	int ep, stop_fd;
	pthread_t poller;
	struct pump pumps[SWITCHES_MAX];
	int npumps;
};

static void *worker_main(void *arg);

/* Queue `v` (lock held) and see that a worker takes it. */
static void enqueue(struct fleet *f, struct fleet_vm *v)
{
	pthread_attr_t attr;
	pthread_t t;

	v->state = FV_QUEUED;
	v->next = NULL;
	if (f->qtail)
		f->qtail->next = v;
	else
		f->qhead = v;
	f->qtail = v;
	if (f->idle_workers > f->claimed) { /* one that no other VM is waking */
		f->claimed++;
		pthread_cond_signal(&f->work);
		return;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, WORKER_STACK);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, worker_main, f) == 0)
		f->workers++;
	else if (f->workers == 0)
		vm_error("fleet: cannot start a worker thread; the VM waits for one");
	pthread_attr_destroy(&attr);
}

static void unqueue(struct fleet *f, struct fleet_vm *v)
{
	struct fleet_vm **pp = &f->qhead, *prev = NULL;

	for (; *pp; prev = *pp, pp = &(*pp)->next) {
		if (*pp != v)
			continue;
		*pp = v->next;
		if (f->qtail == v)
			f->qtail = prev;
		v->next = NULL;
		return;
	}
}

/* vm->park: inside the guest's SLEEP, on the worker.  Arm the deadline;
 * 0 parks (vm_run returns VM_PARKED), 1 goes back to a guest that has
 * something to take or is wanted by fleet_hold. */
static int park(void *ctx, uint64_t ns)
{
	struct fleet_vm *v = ctx;
	struct itimerspec its;
	bool held;

	memset(&its, 0, sizeof(its));
	if (ns != NANVIX_HC_SLEEP_FOREVER) {
		ns = ns ? ns : 1;
		its.it_value.tv_sec = (time_t)(ns / 1000000000ull);
		its.it_value.tv_nsec = (long)(ns % 1000000000ull);
	}
	pthread_mutex_lock(&v->f->lock);
	held = v->hold_req;
	pthread_mutex_unlock(&v->f->lock);
	if (held)
		return 1; /* the run loop takes the pause */
	if (timerfd_settime(v->timer, 0, &its, NULL) < 0) {
		vm_error("fleet: cannot arm a parked VM's deadline: %s", strerror(errno));
		return 1; /* run on: the guest sleeps again, at worst busily */
	}
	return 0;
}

/* Run `v` (taken off the queue, RUNNING) until it parks, is held or ends. */
static void run_vm(struct fleet *f, struct fleet_vm *v)
{
	for (;;) {
		int rc = instance_run(v->in);

		pthread_mutex_lock(&f->lock);
		if (rc == VM_PARKED || rc == VM_PAUSED) {
			if (v->hold_req) {
				v->state = FV_HELD;
			} else if (rc == VM_PAUSED || v->woken) {
				v->woken = false;
				pthread_mutex_unlock(&f->lock);
				continue;
			} else {
				v->state = FV_PARKED;
				f->parked++;
			}
		} else {
			v->state = FV_ENDED;
			v->status = rc;
			if (v->ended)
				v->ended(v->ctx, rc);
		}
		f->running--;
		pthread_cond_broadcast(&f->changed);
		pthread_mutex_unlock(&f->lock);
		return;
	}
}

static void *worker_main(void *arg)
{
	struct fleet *f = arg;

	pthread_mutex_lock(&f->lock);
	for (;;) {
		struct fleet_vm *v;

		while (!f->qhead && !f->stopping) {
			struct timespec until;
			int rc;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += WORKER_IDLE_S;
			f->idle_workers++;
			rc = pthread_cond_timedwait(&f->work, &f->lock, &until);
			f->idle_workers--;
			if (f->claimed > 0)
				f->claimed--;
			if (rc == ETIMEDOUT && !f->qhead)
				break;
		}
		v = f->qhead;
		if (!v)
			break;
		f->qhead = v->next;
		if (!f->qhead)
			f->qtail = NULL;
		v->next = NULL;
		v->state = FV_RUNNING;
		f->running++;
		pthread_mutex_unlock(&f->lock);
		run_vm(f, v);
		pthread_mutex_lock(&f->lock);
	}
	f->workers--;
	pthread_cond_broadcast(&f->changed);
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

/* One event of a VM's: drain its fd, then wake it or tell it. */
static void vm_event(struct fleet *f, struct fleet_vm *v, bool timer)
{
	uint64_t n;

	if (read(timer ? v->timer : v->wake, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	if (v->removed)
		return;
	switch (v->state) {
	case FV_PARKED:
		f->parked--;
		f->wakes++;
		enqueue(f, v);
		break;
	case FV_RUNNING:
		v->woken = true;
		if (!timer)
			vm_kick(v->vm); /* busy in ring 3: take the frames now */
		break;
	default: break; /* queued, held (fleet_release runs it) or ended */
	}
}

static void *poller_main(void *arg)
{
	struct fleet *f = arg;
	struct epoll_event ev[POLL_BATCH];

	for (;;) {
		int n = epoll_wait(f->ep, ev, POLL_BATCH, -1);

		if (n < 0 && errno != EINTR)
			return NULL;
		pthread_mutex_lock(&f->lock);
		for (int i = 0; i < n; i++) {
			uint64_t d = ev[i].data.u64;

			if (d == 0) {
				pthread_mutex_unlock(&f->lock);
				return NULL; /* fleet_free */
			}
			vm_event(f, (struct fleet_vm *)(uintptr_t)(d & ~TAG_MASK),
			         (d & TAG_MASK) == TAG_TIMER);
		}
		/* Handles removed before or during that batch: named by no later one. */
		while (f->graveyard) {
			struct fleet_vm *v = f->graveyard;

			f->graveyard = v->next;
			free(v);
		}
		pthread_mutex_unlock(&f->lock);
	}
}

int fleet_new(struct fleet **out)
{
	struct fleet *f = calloc(1, sizeof(*f));
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0 };
	int rc;

	if (!f)
		return -ENOMEM;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->work, NULL);
	pthread_cond_init(&f->changed, NULL);
	f->ep = epoll_create1(EPOLL_CLOEXEC);
	f->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (f->ep < 0 || f->stop_fd < 0 || epoll_ctl(f->ep, EPOLL_CTL_ADD, f->stop_fd, &ev) < 0) {
		rc = -errno;
		goto fail;
	}
	rc = pthread_create(&f->poller, NULL, poller_main, f);
	if (rc) {
		rc = -rc;
		goto fail;
	}
	*out = f;
	return 0;
fail:
	if (f->ep >= 0)
		close(f->ep);
	if (f->stop_fd >= 0)
		close(f->stop_fd);
	free(f);
	return rc;
}

static void *pump_main(void *arg)
{
	struct pump *p = arg;

	mk_net_run(p->sw, p->wake, &p->stop);
	return NULL;
}

int fleet_pump_switch(struct fleet *f, struct netsw *sw)
{
	struct pump *p;
	int rc;

	pthread_mutex_lock(&f->lock);
	if (f->npumps == SWITCHES_MAX) {
		pthread_mutex_unlock(&f->lock);
		return -ENOSPC;
	}
	p = &f->pumps[f->npumps];
	p->sw = sw;
	p->stop = 0;
	p->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	rc = p->wake < 0 ? errno : pthread_create(&p->thread, NULL, pump_main, p);
	if (rc) {
		if (p->wake >= 0)
			close(p->wake);
		pthread_mutex_unlock(&f->lock);
		return -rc;
	}
	f->npumps++;
	pthread_mutex_unlock(&f->lock);
	return 0;
}

void fleet_free(struct fleet *f)
{
	if (!f)
		return;
	if (write(f->stop_fd, &(uint64_t){ 1 }, sizeof(uint64_t)) < 0)
		vm_error("fleet: %s", strerror(errno));
	pthread_join(f->poller, NULL);
	pthread_mutex_lock(&f->lock);
	f->stopping = true;
	pthread_cond_broadcast(&f->work);
	while (f->workers > 0)
		pthread_cond_wait(&f->changed, &f->lock);
	while (f->graveyard) {
		struct fleet_vm *v = f->graveyard;

		f->graveyard = v->next;
		free(v);
	}
	pthread_mutex_unlock(&f->lock);
	for (int i = 0; i < f->npumps; i++) {
		f->pumps[i].stop = 1;
		if (write(f->pumps[i].wake, &(uint64_t){ 1 }, sizeof(uint64_t)) < 0)
			vm_error("fleet: %s", strerror(errno));
		pthread_join(f->pumps[i].thread, NULL);
		close(f->pumps[i].wake);
	}
	close(f->ep);
	close(f->stop_fd);
	pthread_cond_destroy(&f->work);
	pthread_cond_destroy(&f->changed);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

struct fleet_vm *fleet_add(struct fleet *f, struct instance *in,
                           void (*ended)(void *ctx, int status), void *ctx)
{
	struct fleet_vm *v = calloc(1, sizeof(*v));
	struct epoll_event ev = { .events = EPOLLIN };

	if (!v)
		return NULL;
	v->f = f;
	v->in = in;
	v->vm = instance_vm(in);
	v->wake = instance_wake_fd(in);
	v->ended = ended;
	v->ctx = ctx;
	v->timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (v->timer < 0) {
		free(v);
		return NULL;
	}
	ev.data.u64 = (uint64_t)(uintptr_t)v | TAG_TIMER;
	if (epoll_ctl(f->ep, EPOLL_CTL_ADD, v->timer, &ev) < 0) {
		int e = errno;

		close(v->timer);
		free(v);
		errno = e;
		return NULL;
	}
	ev.data.u64 = (uint64_t)(uintptr_t)v;
	if (v->wake >= 0 && epoll_ctl(f->ep, EPOLL_CTL_ADD, v->wake, &ev) < 0) {
		int e = errno;

		epoll_ctl(f->ep, EPOLL_CTL_DEL, v->timer, NULL);
		close(v->timer);
		free(v);
		errno = e;
		return NULL;
	}
	v->vm->park = park;
	v->vm->park_ctx = v;
	pthread_mutex_lock(&f->lock);
	/* Publishing its ports may have started its switch's uplink: the pumps
	 * look at their switches' descriptors again. */
	for (int i = 0; i < f->npumps; i++)
		if (write(f->pumps[i].wake, &(uint64_t){ 1 }, sizeof(uint64_t)) < 0)
			vm_error("fleet: %s", strerror(errno));
	f->vms++;
	enqueue(f, v);
	pthread_mutex_unlock(&f->lock);
	return v;
}

int fleet_hold(struct fleet_vm *v)
{
	struct fleet *f = v->f;
	int rc = 0;

	pthread_mutex_lock(&f->lock);
	switch (v->state) {
	case FV_QUEUED:
		unqueue(f, v);
		v->state = FV_HELD;
		break;
	case FV_PARKED:
		f->parked--;
		v->state = FV_HELD;
		break;
	case FV_RUNNING:
		v->hold_req = true;
		instance_pause(v->in);
		while (v->state == FV_RUNNING)
			pthread_cond_wait(&f->changed, &f->lock);
		v->hold_req = false;
		rc = v->state == FV_HELD ? 0 : -1;
		break;
	case FV_HELD: break;
	case FV_ENDED: rc = -1; break;
	}
	pthread_mutex_unlock(&f->lock);
	return rc;
}

void fleet_release(struct fleet_vm *v)
{
	struct fleet *f = v->f;

	pthread_mutex_lock(&f->lock);
	if (v->state == FV_HELD)
		enqueue(f, v);
	pthread_mutex_unlock(&f->lock);
}

int fleet_status(struct fleet_vm *v)
{
	int rc;

	pthread_mutex_lock(&v->f->lock);
	rc = v->state == FV_ENDED ? v->status : -1;
	pthread_mutex_unlock(&v->f->lock);
	return rc;
}

void fleet_remove(struct fleet_vm *v, int status)
{
	struct fleet *f = v->f;

	pthread_mutex_lock(&f->lock);
	v->ended = NULL; /* this stop is the caller's */
	if (v->state == FV_RUNNING) {
		instance_stop(v->in, status);
		while (v->state == FV_RUNNING)
			pthread_cond_wait(&f->changed, &f->lock);
	}
	if (v->state == FV_QUEUED)
		unqueue(f, v);
	if (v->state == FV_PARKED)
		f->parked--;
	if (v->state != FV_ENDED) {
		v->state = FV_ENDED;
		v->status = status;
	}
	epoll_ctl(f->ep, EPOLL_CTL_DEL, v->timer, NULL);
	if (v->wake >= 0)
		epoll_ctl(f->ep, EPOLL_CTL_DEL, v->wake, NULL);
	close(v->timer);
	v->vm->park = NULL;
	v->vm->park_ctx = NULL;
	v->removed = true;
	v->next = f->graveyard;
	f->graveyard = v;
	f->vms--;
	pthread_mutex_unlock(&f->lock);
}

void fleet_stats(struct fleet *f, struct fleet_stats *out)
{
	pthread_mutex_lock(&f->lock);
	out->vms = f->vms;
	out->parked = f->parked;
	out->running = f->running;
	out->workers = f->workers;
	out->wakes = f->wakes;
	pthread_mutex_unlock(&f->lock);
}
