/* nanvix-serve's pools: each function's instances, the requests waiting for them, their lives. */
/*
 * A pool holds one function's instances.  Each serves one request at a
 * time (concurrency 1, as Lambda's), so an instance is in exactly one of
 * these states, each with its own counter in the pool:
 *
 *   STARTING   a worker runs the backend's spawn
 *   IDLE       on the idle list (most recently used first, so the warm
 *              ones are reused and the cold ones reach their idle timeout)
 *   BUSY       serving one client's request (proxy.c)
 *   RECYCLING  a worker resets it between requests (backends with recycle)
 *   DESTROYING a worker runs the backend's destroy; it still counts
 *              against `max` until that returns, since it still holds
 *              what an instance holds
 *
 * A complete request goes to an idle instance, else waits in the pool's
 * queue (at most fn->queue requests), else gets 503.  pool_kick() is the
 * one place that matches waiting requests with idle instances and decides
 * to start instances: as many as there are waiting requests not already
 * covered by instances on their way (starting or recycling), up to max;
 * and enough to keep min up.  An idle instance above min goes after
 * idle_timeout.  A spawn that fails backs the pool off (250 ms, doubling
 * up to 30 s) so that a broken function does not spin, and when nothing
 * is left that could serve the waiting requests they get 502 at once.
 *
 * An instance that dies, breaks its connection or times out is destroyed
 * through inst_fail(), which also answers its client; the pool then
 * replaces it through pool_kick() if it is needed.  Everything here runs
 * on the event loop; the backend calls run on workers (jobs.c), and their
 * completion comes back through pool_job_done().
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "serve_priv.h"

void pool_init(struct serve *s, struct pool *p, struct serve_fn *fn)
{
	memset(p, 0, sizeof(*p));
	p->srv = s;
	p->fn = fn;
	p->state = P_NEW;
	list_init(&p->insts);
	list_init(&p->idle);
	list_init(&p->queue);
	p->retry.kind = T_POOL;
	p->job.pool = p;
}

void pool_start(struct pool *p)
{
	p->state = P_PREPARING;
	p->job.kind = J_PREPARE;
	jobs_submit(p->srv, &p->job);
}

static void inst_spawn(struct pool *p)
{
	struct serve *s = p->srv;
	struct inst *in = calloc(1, sizeof(*in));

	if (!in) {
		serve_log("function %s: out of memory for an instance", p->fn->name);
		return;
	}
	in->pool = p;
	in->pub.id = ++s->next_id;
	in->pub.fn = p->fn;
	in->pub.dead_fd = in->pub.log_fd = -1;
	in->state = I_STARTING;
	in->w_up = (struct watch){ .kind = W_UPSTREAM, .fd = -1 };
	in->w_dead = (struct watch){ .kind = W_DEAD, .fd = -1 };
	in->w_log = (struct watch){ .kind = W_LOG, .fd = -1 };
	in->timer.kind = T_INST;
	list_init(&in->idle_link);
	list_init(&in->grave);
	list_add_tail(&p->insts, &in->link);
	p->ninst++;
	p->nstarting++;
	in->t_start = serve_now();
	in->job = (struct job){ .kind = J_SPAWN, .pool = p, .inst = in };
	jobs_submit(s, &in->job);
}

static void to_idle(struct inst *in)
{
	struct pool *p = in->pool;

	in->state = I_IDLE;
	p->nidle++;
	list_add_head(&p->idle, &in->idle_link);
	timer_arm(&p->srv->th, &in->timer, serve_now() + p->fn->idle_timeout_ms);
}

static void dispatch(struct inst *in, struct client *c)
{
	struct pool *p = in->pool;

	list_del(&in->idle_link);
	p->nidle--;
	timer_disarm(&p->srv->th, &in->timer);
	in->state = I_BUSY;
	p->nbusy++;
	in->client = c;
	c->inst = in;
	client_set_state(c, C_EXEC);
	proxy_start(in, c);
}

/* Watch the instance's dead_fd and log_fd, as the backend set them. */
static void watch_fds(struct inst *in)
{
	struct serve *s = in->pool->srv;

	if (in->pub.dead_fd >= 0) {
		in->w_dead.fd = in->pub.dead_fd;
		gateway_watch(s, &in->w_dead, EPOLLIN);
	}
	if (in->pub.log_fd >= 0) {
		in->w_log.fd = in->pub.log_fd;
		/* The loop must never block on it, whatever the backend made it. */
		fcntl(in->w_log.fd, F_SETFL, fcntl(in->w_log.fd, F_GETFL) | O_NONBLOCK);
		gateway_watch(s, &in->w_log, EPOLLIN);
	}
}

/* Stop watching them (before a job that may close them), with the last of its output. */
static void unwatch_fds(struct inst *in)
{
	struct pool *p = in->pool;
	struct serve *s = p->srv;

	if (in->w_log.fd >= 0) {
		inst_log_event(in);
		if (in->w_log.fd >= 0)
			gateway_unwatch(s, &in->w_log);
		in->w_log.fd = -1;
	}
	if (in->loglen) {
		serve_log("%s/%lu: %.*s", p->fn->name, in->pub.id, (int)in->loglen, in->log);
		in->loglen = 0;
	}
	if (in->w_dead.fd >= 0)
		gateway_unwatch(s, &in->w_dead);
	in->w_dead.fd = -1;
}

/* Hand the instance, detached from every list and counter of its state, to a worker to destroy. */
static void begin_destroy(struct inst *in)
{
	struct pool *p = in->pool;
	struct serve *s = p->srv;

	timer_disarm(&s->th, &in->timer);
	proxy_close_upstream(in);
	unwatch_fds(in);
	in->state = I_DESTROYING;
	p->ndestroying++;
	in->job = (struct job){ .kind = J_DESTROY, .pool = p, .inst = in };
	jobs_submit(s, &in->job);
}

/* Destroy an instance in any state (one with a job running goes when the job ends). */
static void inst_destroy(struct inst *in, const char *why)
{
	struct pool *p = in->pool;

	if (!in->why[0])
		snprintf(in->why, sizeof(in->why), "%s", why);
	switch (in->state) {
	case I_STARTING:
	case I_RECYCLING: in->doomed = true; return;
	case I_DESTROYING: return;
	case I_IDLE:
		list_del(&in->idle_link);
		p->nidle--;
		break;
	case I_BUSY: p->nbusy--; break;
	}
	begin_destroy(in);
}

void inst_fail(struct inst *in, int status, bool crash, const char *why)
{
	struct pool *p = in->pool;
	struct client *c = in->client;

	if (in->state == I_DESTROYING || in->failed)
		return;
	snprintf(in->why, sizeof(in->why), "%s", why);
	in->failed = true;
	in->crashed = crash;
	if (crash)
		p->st.crashes++;
	if (c) {
		in->client = NULL;
		c->inst = NULL;
		if (status == 504)
			client_error(c, 504, "timeout", "function %s did not answer within %.1f s",
			             p->fn->name, p->fn->timeout_ms / 1000.0);
		else
			client_error(c, status, "instance_failed",
			             "function %s: instance %lu failed: %s", p->fn->name,
			             in->pub.id, why);
	}
	inst_destroy(in, why);
	pool_kick(p);
}

/* Answer every waiting request with 502: nothing is left that could serve them. */
static void fail_queue(struct pool *p, const char *why)
{
	while (p->nqueue) {
		struct client *c = list_entry(&p->queue, struct client, qlink);

		pool_unqueue(p, c);
		client_error(c, 502, "no_instance", "function %s: no instance could be started: %s",
		             p->fn->name, why);
	}
}

void pool_unqueue(struct pool *p, struct client *c)
{
	list_del(&c->qlink);
	p->nqueue--;
}

void pool_submit(struct pool *p, struct client *c)
{
	p->st.invocations++;
	if (p->state == P_READY && p->nidle && !p->nqueue) {
		dispatch(list_entry(&p->idle, struct inst, idle_link), c);
		return;
	}
	if (p->nqueue >= p->fn->queue) {
		p->st.rejected++;
		client_error(c, 503, "queue_full",
		             "function %s: its %u instances are busy and %u requests wait already",
		             p->fn->name, p->ninst, p->nqueue);
		return;
	}
	client_set_state(c, C_QUEUED);
	list_add_tail(&p->queue, &c->qlink);
	p->nqueue++;
	pool_kick(p);
}

void pool_kick(struct pool *p)
{
	struct serve *s = p->srv;
	unsigned coming, live, want_q, want_m, want;

	if (p->state != P_READY)
		return;
	while (p->nqueue && p->nidle) {
		struct client *c = list_entry(&p->queue, struct client, qlink);

		pool_unqueue(p, c);
		dispatch(list_entry(&p->idle, struct inst, idle_link), c);
	}
	if (s->stopping && !p->nqueue) {
		while (p->nidle)
			inst_destroy(list_entry(&p->idle, struct inst, idle_link), "stopping");
		return;
	}
	if (p->backoff)
		return;
	coming = p->nstarting + p->nrecycling;
	live = p->ninst - p->ndestroying;
	want_q = p->nqueue > coming ? p->nqueue - coming : 0;
	want_m = !s->stopping && live < p->fn->min ? p->fn->min - live : 0;
	want = want_q > want_m ? want_q : want_m;
	while (want-- > 0 && p->ninst < p->fn->max)
		inst_spawn(p);
}

void inst_release(struct inst *in)
{
	struct pool *p = in->pool;
	struct serve *s = p->srv;

	in->client = NULL;
	p->nbusy--;
	if (s->be->recycle) {
		proxy_close_upstream(in); /* a reset instance has no connections */
		unwatch_fds(in);          /* the recycle may replace them */
		in->state = I_RECYCLING;
		p->nrecycling++;
		in->job = (struct job){ .kind = J_RECYCLE, .pool = p, .inst = in };
		jobs_submit(s, &in->job);
	} else {
		to_idle(in);
	}
	pool_kick(p);
}

static void prepare_done(struct pool *p, struct job *j)
{
	struct serve *s = p->srv;

	if (j->rc) {
		serve_log("function %s: %s", p->fn->name, j->err);
		p->state = P_DONE; /* nothing to unprepare */
		s->exit_code = 1;
		gateway_stop(s, true);
		return;
	}
	p->state = P_READY;
	pool_kick(p);
	gateway_check_ready(s);
}

static void spawn_done(struct inst *in, struct job *j)
{
	struct pool *p = in->pool;
	struct serve *s = p->srv;

	p->nstarting--;
	if (j->rc) {
		unsigned shift = p->failures < 7 ? p->failures : 7;
		unsigned delay = SERVE_RETRY_MIN << shift;

		p->st.spawn_failures++;
		serve_log("function %s: instance %lu did not start: %s", p->fn->name, in->pub.id,
		          j->err);
		list_del(&in->link);
		p->ninst--;
		list_add_tail(&s->grave_insts, &in->grave);
		p->failures++;
		p->backoff = true;
		timer_arm(&s->th, &p->retry,
		          serve_now() + (delay < SERVE_RETRY_MAX ? delay : SERVE_RETRY_MAX));
		if (!p->nstarting && !p->nidle && !p->nbusy && !p->nrecycling)
			fail_queue(p, j->err);
		if (!s->ready && !s->stopping && p->ninst - p->ndestroying < p->fn->min) {
			serve_log("function %s: its min instances (%u) did not start: stopping",
			          p->fn->name, p->fn->min);
			s->exit_code = 1;
			gateway_stop(s, true);
		}
		return;
	}
	p->failures = 0;
	p->st.started++;
	if (s->opt.verbose)
		serve_log("function %s: instance %lu started in %" PRIu64 " ms", p->fn->name,
		          in->pub.id, serve_now() - in->t_start);
	if (in->doomed || (s->stopping && !p->nqueue)) {
		begin_destroy(in);
		return;
	}
	watch_fds(in);
	to_idle(in);
	pool_kick(p);
	gateway_check_ready(s);
}

static void recycle_done(struct inst *in, struct job *j)
{
	struct pool *p = in->pool;

	p->nrecycling--;
	if (j->rc) {
		snprintf(in->why, sizeof(in->why), "its recycle failed: %.150s", j->err);
		in->failed = true;
		begin_destroy(in);
	} else if (in->doomed || (p->srv->stopping && !p->nqueue)) {
		begin_destroy(in);
	} else {
		p->st.recycles++;
		watch_fds(in);
		to_idle(in);
	}
	pool_kick(p);
}

static void destroy_done(struct inst *in, struct job *j)
{
	struct pool *p = in->pool;
	struct serve *s = p->srv;
	const char *how = j->err;

	p->ndestroying--;
	p->ninst--;
	p->st.destroyed++;
	if (in->failed || s->opt.verbose)
		serve_log("function %s: instance %lu %s: %s%s%s%s", p->fn->name, in->pub.id,
		          in->crashed ? "crashed" : "destroyed", in->why, how[0] ? " (" : "", how,
		          how[0] ? ")" : "");
	list_del(&in->link);
	list_add_tail(&s->grave_insts, &in->grave);
	pool_kick(p);
}

void pool_job_done(struct serve *s, struct job *j)
{
	switch (j->kind) {
	case J_PREPARE: prepare_done(j->pool, j); break;
	case J_UNPREPARE: j->pool->state = P_DONE; break;
	case J_SPAWN: spawn_done(j->inst, j); break;
	case J_RECYCLE: recycle_done(j->inst, j); break;
	case J_DESTROY: destroy_done(j->inst, j); break;
	}
}

void pool_timer(struct serve *s, struct timer *t)
{
	if (t->kind == T_POOL) {
		struct pool *p = container_of(t, struct pool, retry);

		p->backoff = false;
		pool_kick(p);
	} else {
		struct inst *in = container_of(t, struct inst, timer);
		struct pool *p = in->pool;

		if (in->state != I_IDLE)
			return;
		if (p->ninst - p->ndestroying > p->fn->min) {
			inst_destroy(in, "idle");
			pool_kick(p);
		} else {
			timer_arm(&s->th, &in->timer, serve_now() + p->fn->idle_timeout_ms);
		}
	}
}

void inst_dead_event(struct inst *in)
{
	/* Watched only while IDLE or BUSY (not while a job runs for it). */
	if (in->state == I_BUSY)
		inst_fail(in, 502, true, "it died while serving a request");
	else if (in->state == I_IDLE)
		inst_fail(in, 502, true, "it died while idle");
}

void inst_log_event(struct inst *in)
{
	struct pool *p = in->pool;
	size_t budget = 64 * 1024; /* per event: a chatty instance does not starve the loop */

	while (budget > 0 && in->w_log.fd >= 0) {
		size_t room = sizeof(in->log) - in->loglen;
		ssize_t n = read(in->w_log.fd, in->log + in->loglen, room);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
				gateway_unwatch(
				        p->srv,
				        &in->w_log); /* it closed its output; still ours to close */
				in->w_log.fd = -1;
			}
			break;
		}
		budget -= (size_t)n < budget ? (size_t)n : budget;
		in->loglen += (size_t)n;
		while ((nl = memchr(in->log, '\n', in->loglen)) != NULL) {
			size_t line = (size_t)(nl - in->log);

			serve_log("%s/%lu: %.*s", p->fn->name, in->pub.id, (int)line, in->log);
			memmove(in->log, nl + 1, in->loglen - line - 1);
			in->loglen -= line + 1;
		}
		if (in->loglen == sizeof(in->log)) { /* a line too long: cut it */
			serve_log("%s/%lu: %.*s", p->fn->name, in->pub.id, (int)in->loglen,
			          in->log);
			in->loglen = 0;
		}
	}
}

void pool_print_stats(const struct pool *p)
{
	const struct fn_stats *st = &p->st;

	serve_log("stats %s: invocations=%" PRIu64 " 2xx=%" PRIu64 " 3xx=%" PRIu64 " 4xx=%" PRIu64
	          " 5xx=%" PRIu64 " 503=%" PRIu64 " 504=%" PRIu64 " crashes=%" PRIu64
	          " started=%" PRIu64 " destroyed=%" PRIu64 " recycles=%" PRIu64
	          " spawn_failures=%" PRIu64 " aborted=%" PRIu64 " instances=%u busy=%u queued=%u",
	          p->fn->name, st->invocations, st->s2xx, st->s3xx, st->s4xx, st->s5xx,
	          st->rejected, st->timeouts, st->crashes, st->started, st->destroyed, st->recycles,
	          st->spawn_failures, st->aborted, p->ninst, p->nbusy, p->nqueue);
}

bool pool_wind_down(struct pool *p)
{
	struct serve *s = p->srv;

	timer_disarm(&s->th, &p->retry);
	p->backoff = false;
	switch (p->state) {
	case P_NEW: p->state = P_DONE; return true;
	case P_READY:
		pool_kick(p);
		if (p->ninst)
			return false;
		p->state = P_UNPREPARING;
		p->job.kind = J_UNPREPARE;
		jobs_submit(s, &p->job);
		return false;
	case P_DONE: return p->ninst == 0;
	default: return false;
	}
}

bool pools_ready(const struct serve *s)
{
	for (unsigned i = 0; i < s->npools; i++) {
		const struct pool *p = &s->pools[i];

		if (p->state != P_READY || p->nidle + p->nbusy + p->nrecycling < p->fn->min)
			return false;
	}
	return true;
}

void inst_free(struct inst *in)
{
	free(in);
}
