/* nanvix-serve's worker threads: the backend calls that may block, kept off the event loop. */
/*
 * The loop submits a job (one backend call: prepare, spawn, recycle,
 * destroy, unprepare) to a FIFO; a worker takes it, runs the call, puts
 * the job on the done list and writes the eventfd the loop watches
 * (w_jobs); the loop then reaps the done list.  Jobs live inside their
 * instance or pool, so nothing is allocated here, and an instance has at
 * most one job at a time, which is what serializes the calls for one
 * instance (serve/backend.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "serve_priv.h"

static void run(struct serve *s, struct job *j)
{
	const struct serve_backend *be = s->be;

	j->rc = 0;
	j->err[0] = 0;
	switch (j->kind) {
	case J_PREPARE:
		if (be->prepare)
			j->rc = be->prepare(s->be_state, j->pool->fn, j->err, sizeof(j->err));
		break;
	case J_UNPREPARE:
		if (be->unprepare)
			be->unprepare(s->be_state, j->pool->fn);
		break;
	case J_SPAWN: j->rc = be->spawn(s->be_state, &j->inst->pub, j->err, sizeof(j->err)); break;
	case J_RECYCLE:
		j->rc = be->recycle(s->be_state, &j->inst->pub, j->err, sizeof(j->err));
		break;
	case J_DESTROY: be->destroy(s->be_state, &j->inst->pub, j->err, sizeof(j->err)); break;
	}
	if (j->rc && !j->err[0])
		snprintf(j->err, sizeof(j->err), "the %s backend gave no reason", be->name);
}

static void *worker(void *arg)
{
	struct serve *s = arg;
	struct workers *w = &s->wk;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct job *j;
		uint64_t one = 1;

		while (!w->todo && !w->stop)
			pthread_cond_wait(&w->cond, &w->lock);
		if (!w->todo)
			break; /* stopping, and nothing left to run */
		j = w->todo;
		w->todo = j->next;
		if (!w->todo)
			w->todo_tail = NULL;
		pthread_mutex_unlock(&w->lock);

		run(s, j);

		pthread_mutex_lock(&w->lock);
		j->next = NULL;
		if (w->done_tail)
			w->done_tail->next = j;
		else
			w->done = j;
		w->done_tail = j;
		/* An eventfd write only fails when the counter would overflow: it is then readable. */
		if (write(s->w_jobs.fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			abort();
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int jobs_start(struct serve *s, char *err, size_t errlen)
{
	struct workers *w = &s->wk;
	int rc;

	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->threads = calloc(s->opt.workers, sizeof(*w->threads));
	if (!w->threads) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (w->n = 0; w->n < s->opt.workers; w->n++) {
		rc = pthread_create(&w->threads[w->n], NULL, worker, s);
		if (rc) {
			snprintf(err, errlen, "cannot start a worker thread: %s", strerror(rc));
			jobs_stop(s);
			return -1;
		}
	}
	return 0;
}

void jobs_submit(struct serve *s, struct job *j)
{
	struct workers *w = &s->wk;

	j->next = NULL;
	pthread_mutex_lock(&w->lock);
	if (w->todo_tail)
		w->todo_tail->next = j;
	else
		w->todo = j;
	w->todo_tail = j;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

void jobs_reap(struct serve *s, void (*done)(struct serve *s, struct job *j))
{
	struct workers *w = &s->wk;
	struct job *list;
	uint64_t n;

	if (read(s->w_jobs.fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		serve_log("reading the workers' eventfd: %s", strerror(errno));
	pthread_mutex_lock(&w->lock);
	list = w->done;
	w->done = w->done_tail = NULL;
	pthread_mutex_unlock(&w->lock);
	while (list) {
		struct job *j = list;

		list = j->next;
		done(s, j);
	}
}

void jobs_stop(struct serve *s)
{
	struct workers *w = &s->wk;

	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	for (unsigned i = 0; i < w->n; i++)
		pthread_join(w->threads[i], NULL);
	free(w->threads);
	w->threads = NULL;
	w->n = 0;
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
}
