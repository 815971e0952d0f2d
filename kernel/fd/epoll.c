/* epoll: interest lists, ready queues fed by file_changed(), and epoll_wait's reporting. */
/*
 * An instance keeps its registrations (epitems) on an interest list; each
 * epitem is also on its file's `watchers` list, so file_changed(f) finds
 * exactly the registrations of f and queues them on their instance's ready
 * list (waking its sleepers) without looking at any other file.
 * epoll_wait polls only the queued items: a level-triggered item that is
 * still ready goes back to the tail after being reported, an edge-triggered
 * one waits for the next file_changed(), a one-shot one is disabled until
 * EPOLL_CTL_MOD.  Registrations hold no reference: when the file's last
 * reference goes, file_put() calls epoll_file_gone(), which unlinks them
 * (as Linux drops them when the open file description goes); when an
 * instance goes, its release unlinks its items from their files.
 *
 * Epolls inside epolls are allowed to EPOLL_MAX_NESTS levels without
 * cycles (checked on ADD); propagation and polling stop at that depth.
 * One vCPU and a kernel that is not preempted: no locks.
 */
#include <abi/linux.h>
#include <fd/file.h>
#include <hal/uaccess.h>
#include <mm/heap.h>
#include <proc/proc.h>
#include <sched/sched.h>
#include <sig/signal.h>

#define EP_PRIVATE (LINUX_EPOLLONESHOT | LINUX_EPOLLET | LINUX_EPOLLWAKEUP | LINUX_EPOLLEXCLUSIVE)
#define EP_ALWAYS  (LINUX_POLLERR | LINUX_POLLHUP)

struct epoll;

struct epitem {
	struct epoll *ep;
	struct file *file;
	long fd;
	uint32_t events; /* interest, with EPOLLET/EPOLLONESHOT; only EP_PRIVATE: disabled */
	uint64_t data;
	bool ready;                   /* on ep's ready list */
	struct epitem *fnext, *fprev; /* the file's watchers */
	struct epitem *inext, *iprev; /* the instance's interest list */
	struct epitem *rnext, *rprev; /* the instance's ready list */
};

struct epoll {
	struct file *file;
	struct epitem *items;
	struct epitem *rhead, *rtail;
	int nitems, nready;
	/* Nesting check: the generation that last measured it, and its depths. */
	uint32_t visit, visit_up;
	int down, up;
};

static const struct file_ops epoll_ops;

bool epoll_is(const struct file *f)
{
	return f->ops == &epoll_ops;
}

/* Sleepers of epoll_wait: an odd kernel address, never a futex key. */
static uint64_t key_of(struct epoll *ep)
{
	return (uint64_t)ep + 1;
}

static void ready_add(struct epoll *ep, struct epitem *it)
{
	it->ready = true;
	it->rnext = NULL;
	it->rprev = ep->rtail;
	if (ep->rtail)
		ep->rtail->rnext = it;
	else
		ep->rhead = it;
	ep->rtail = it;
	ep->nready++;
}

static void ready_remove(struct epoll *ep, struct epitem *it)
{
	if (!it->ready)
		return;
	if (it->rprev)
		it->rprev->rnext = it->rnext;
	else
		ep->rhead = it->rnext;
	if (it->rnext)
		it->rnext->rprev = it->rprev;
	else
		ep->rtail = it->rprev;
	it->ready = false;
	ep->nready--;
}

/* Take `it` off its file's watchers and its instance's lists, and free it. */
static void item_free(struct epitem *it)
{
	struct epoll *ep = it->ep;

	ready_remove(ep, it);
	if (it->fprev)
		it->fprev->fnext = it->fnext;
	else
		it->file->watchers = it->fnext;
	if (it->fnext)
		it->fnext->fprev = it->fprev;
	if (it->iprev)
		it->iprev->inext = it->inext;
	else
		ep->items = it->inext;
	if (it->inext)
		it->inext->iprev = it->iprev;
	ep->nitems--;
	kfree(it);
}

/* Depth of nested epoll propagation or polling now under way (bounded recursion). */
static int depth;

/* Queue `it` if it is enabled and not queued yet; wake the instance's sleepers. */
static void item_queue(struct epitem *it)
{
	struct epoll *ep = it->ep;

	if (it->ready || !(it->events & ~EP_PRIVATE))
		return;
	ready_add(ep, it);
	sched_wake_key(key_of(ep), FD_MAX * 64);
	/* The instance became readable: its own watchers (nested epolls, poll()). */
	file_changed(ep->file, LINUX_POLLIN);
}

void epoll_notify(struct file *f, int bits)
{
	struct epitem *it;

	if (depth > EPOLL_MAX_NESTS)
		return;
	depth++;
	for (it = f->watchers; it; it = it->fnext)
		if (!bits || (bits & (it->events | EP_ALWAYS)))
			item_queue(it);
	depth--;
}

void epoll_file_gone(struct file *f)
{
	while (f->watchers)
		item_free(f->watchers);
}

/* The instance is readable when a queued item is really ready. */
static int epoll_poll(struct file *f)
{
	struct epoll *ep = f->priv;
	struct epitem *it;
	int m = 0;

	if (depth > EPOLL_MAX_NESTS)
		return 0;
	depth++;
	for (it = ep->rhead; it; it = it->rnext)
		if (file_poll(it->file) & (it->events | EP_ALWAYS)) {
			m = LINUX_POLLIN;
			break;
		}
	depth--;
	return m;
}

static void epoll_release(struct file *f)
{
	struct epoll *ep = f->priv;

	while (ep->items)
		item_free(ep->items);
	kfree(ep);
}

static const struct file_ops epoll_ops = {
	.poll = epoll_poll,
	.release = epoll_release,
	.mode = 0600, /* an anonymous inode, as Linux's */
};

struct file *epoll_create(uint32_t flags)
{
	struct epoll *ep = kmalloc(sizeof(*ep));
	struct file *f = ep ? file_new(&epoll_ops, LINUX_O_RDWR | flags, ep) : NULL;

	if (!f) {
		kfree(ep);
		return NULL;
	}
	ep->file = f;
	return f;
}

static struct epitem *lookup(struct epoll *ep, struct file *tf, long fd)
{
	struct epitem *it;

	for (it = tf->watchers; it; it = it->fnext)
		if (it->ep == ep && it->fd == fd)
			return it;
	return NULL;
}

/*
 * Nesting checks for putting epoll `target` into `ep` (as Linux's
 * ep_loop_check): no cycle, and no chain of more than EPOLL_MAX_NESTS
 * epolls-in-epolls through the new link.  Depths are memoized per check
 * (generation `gen`), so each instance above ep and below target is
 * visited once: the cost is what exists, never the number of paths.
 */
static int depth_down(struct epoll *ep, struct epoll *find, uint32_t gen, bool *found)
{
	struct epitem *it;
	int d = 0;

	if (ep == find)
		*found = true;
	if (ep->visit == gen)
		return ep->down;
	ep->visit = gen;
	for (it = ep->items; it && !*found; it = it->inext)
		if (epoll_is(it->file)) {
			int x = 1 + depth_down(it->file->priv, find, gen, found);

			d = x > d ? x : d;
		}
	ep->down = d;
	return d;
}

static int depth_up(struct epoll *ep, uint32_t gen)
{
	struct epitem *it;
	int d = 0;

	if (ep->visit_up == gen)
		return ep->up;
	ep->visit_up = gen;
	for (it = ep->file->watchers; it; it = it->fnext) {
		int x = 1 + depth_up(it->ep, gen);

		d = x > d ? x : d;
	}
	ep->up = d;
	return d;
}

static bool loops(struct epoll *ep, struct epoll *target, uint32_t gen)
{
	bool found = false;
	int down = depth_down(target, ep, gen, &found);

	return found || depth_up(ep, gen) + 1 + down > EPOLL_MAX_NESTS;
}

/* Set interest and queue the item if its file is ready now (as Linux's insert/modify). */
static void item_arm(struct epitem *it, uint32_t events, uint64_t data)
{
	it->events = events | EP_ALWAYS;
	it->data = data;
	if (file_poll(it->file) & it->events)
		item_queue(it);
}

long epoll_ctl(struct file *epf, int op, long fd, struct file *tf, uint32_t events, uint64_t data)
{
	static uint32_t gen;
	struct epoll *ep;
	struct epitem *it;

	/* Files without a poll method (disk files) cannot be watched, as on Linux. */
	if (!tf->ops->poll)
		return -LINUX_EPERM;
	if (tf == epf || !epoll_is(epf))
		return -LINUX_EINVAL;
	ep = epf->priv;
	events &= ~LINUX_EPOLLWAKEUP; /* needs CAP_BLOCK_SUSPEND on Linux: dropped */
	if ((events & LINUX_EPOLLEXCLUSIVE) &&
	    (op == LINUX_EPOLL_CTL_MOD ||
	     (op == LINUX_EPOLL_CTL_ADD && (epoll_is(tf) || (events & LINUX_EPOLLONESHOT)))))
		return -LINUX_EINVAL;
	it = lookup(ep, tf, fd);
	switch (op) {
	case LINUX_EPOLL_CTL_ADD:
		if (it)
			return -LINUX_EEXIST;
		if (epoll_is(tf) && loops(ep, tf->priv, ++gen))
			return -LINUX_ELOOP;
		if (ep->nitems >= EPOLL_MAX_ITEMS)
			return -LINUX_ENOSPC;
		it = kmalloc(sizeof(*it));
		if (!it)
			return -LINUX_ENOMEM;
		it->ep = ep;
		it->file = tf;
		it->fd = fd;
		it->fnext = tf->watchers;
		if (tf->watchers)
			tf->watchers->fprev = it;
		tf->watchers = it;
		it->inext = ep->items;
		if (ep->items)
			ep->items->iprev = it;
		ep->items = it;
		ep->nitems++;
		item_arm(it, events, data);
		return 0;
	case LINUX_EPOLL_CTL_MOD:
		if (!it)
			return -LINUX_ENOENT;
		if (it->events & LINUX_EPOLLEXCLUSIVE)
			return -LINUX_EINVAL;
		ready_remove(ep, it);
		item_arm(it, events, data);
		return 0;
	case LINUX_EPOLL_CTL_DEL:
		if (!it)
			return -LINUX_ENOENT;
		item_free(it);
		return 0;
	default: return -LINUX_EINVAL;
	}
}

/* One pass over the items queued now; the number of events written or -EFAULT. */
static long report(struct epoll *ep, uint64_t uev, int max)
{
	int pass = ep->nready, out = 0;

	while (pass-- > 0 && out < max && ep->rhead) {
		struct epitem *it = ep->rhead;
		struct linux_epoll_event ev;

		ready_remove(ep, it);
		ev.events = (uint32_t)file_poll(it->file) & it->events;
		if (!ev.events)
			continue; /* not ready after all: wait for the next change */
		ev.data = it->data;
		if (copy_to_user(uev + (uint64_t)out * sizeof(ev), &ev, sizeof(ev))) {
			ready_add(ep, it);
			return out ? out : -LINUX_EFAULT;
		}
		out++;
		if (it->events & LINUX_EPOLLONESHOT)
			it->events &= EP_PRIVATE;
		else if (!(it->events & LINUX_EPOLLET))
			ready_add(ep, it); /* level-triggered: look again next time */
	}
	return out;
}

long epoll_wait(struct file *epf, uint64_t uev, int max, uint64_t deadline, bool nowait)
{
	struct epoll *ep = epf->priv;
	long n, rc;

	for (;;) {
		n = report(ep, uev, max);
		if (n || nowait)
			return n;
		/* A signal epoll_pwait's mask just unblocked: no sleep, as Linux. */
		if (signal_work)
			return -LINUX_EINTR;
		rc = file_block(epf, key_of(ep), deadline);
		if (rc == -LINUX_ETIMEDOUT)
			return 0;
		if (rc == -LINUX_EINTR || rc == -LINUX_EBADF)
			return rc;
	}
}
