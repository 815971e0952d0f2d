/* nanvix-serve's deadlines: a binary min-heap of timers embedded in clients, instances, pools. */
#include <stdint.h>
#include <stdlib.h>

#include "serve_priv.h"

int timer_heap_init(struct timer_heap *h, unsigned cap)
{
	h->n = 0;
	h->cap = cap;
	h->v = calloc(cap, sizeof(*h->v));
	return h->v ? 0 : -1;
}

void timer_heap_free(struct timer_heap *h)
{
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}

static void place(struct timer_heap *h, unsigned i, struct timer *t)
{
	h->v[i] = t;
	t->slot = i + 1;
}

static void sift_up(struct timer_heap *h, unsigned i)
{
	struct timer *t = h->v[i];

	while (i > 0) {
		unsigned parent = (i - 1) / 2;

		if (h->v[parent]->when <= t->when)
			break;
		place(h, i, h->v[parent]);
		i = parent;
	}
	place(h, i, t);
}

static void sift_down(struct timer_heap *h, unsigned i)
{
	struct timer *t = h->v[i];

	for (;;) {
		unsigned c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1]->when < h->v[c]->when)
			c++;
		if (t->when <= h->v[c]->when)
			break;
		place(h, i, h->v[c]);
		i = c;
	}
	place(h, i, t);
}

void timer_disarm(struct timer_heap *h, struct timer *t)
{
	unsigned i;
	struct timer *last;

	if (!t->slot)
		return;
	i = t->slot - 1;
	t->slot = 0;
	last = h->v[--h->n];
	if (i == h->n)
		return;
	place(h, i, last);
	sift_down(h, i);
	sift_up(h, last->slot - 1);
}

void timer_arm(struct timer_heap *h, struct timer *t, uint64_t when)
{
	timer_disarm(h, t);
	if (h->n == h->cap)
		abort(); /* the capacity covers every timer that exists (gateway_run) */
	t->when = when;
	place(h, h->n++, t);
	sift_up(h, h->n - 1);
}

struct timer *timer_pop_due(struct timer_heap *h, uint64_t now)
{
	struct timer *t;

	if (h->n == 0 || h->v[0]->when > now)
		return NULL;
	t = h->v[0];
	timer_disarm(h, t);
	return t;
}

uint64_t timer_next(const struct timer_heap *h)
{
	return h->n ? h->v[0]->when : UINT64_MAX;
}
