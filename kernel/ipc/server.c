/* In-VM servers: calls forwarded to a component's ring-3 server (abi/server.h). */
/*
 * Each component placed in the VM has one instance here: its device, a
 * fixed pool of request records, the record being served, its server
 * process and message page.  Everything below is written once and
 * parameterised by the instance.
 *
 * A client's call takes a request record, queues it, wakes the server and
 * sleeps until the record is done.  The server takes the oldest queued
 * record in NANVIX_SERVER_SERVE, serves it in ring 3 (reaching the client's
 * memory only through NANVIX_SERVER_COPY, which the host performs natively)
 * and completes it in its next SERVE.  One record is served at a time.
 *
 * A client may die while its record is queued or served (exit_group from
 * another thread, a kill): its thread and address space go away without
 * telling us.  So a record remembers who made it (pid, tid, the thread and
 * its address space) and the server side checks that this client is still
 * there, waiting, before it touches the client's memory or completes the
 * record; a record whose client is gone is dropped and freed then.
 */
#include <abi/linux.h>
#include <abi/server.h>
#include <fd/file.h>
#include <hal/hal.h>
#include <ipc/server.h>
#include <mm/frame.h>
#include <mm/vmem.h>
#include <proc/proc.h>
#include <sched/sched.h>
#include <sys/syscall.h>

#define SERVER_RECORDS 32 /* per instance; callers beyond it wait */

enum rec_state { REC_FREE, REC_QUEUED, REC_SERVING, REC_DONE };

struct record {
	enum rec_state state;
	uint32_t seq;             /* queue order */
	struct record *next;      /* in the server's queue, while REC_QUEUED */
	struct nanvix_ring_req q; /* args[0]: the client's address space */
	int pid, tid;             /* the client... */
	struct thread *thread;    /* ...exactly: a later thread may reuse the tid */
	long status;
	uint64_t value;
};

struct server {
	const struct server_ops *ops; /* NULL until placed */
	struct proc *proc;            /* NULL until the device is opened */
	bool gone;                    /* the server opened it and has gone since */
	volatile struct nanvix_server_page *page;
	uint32_t events; /* NANVIX_SERVER_EV_* for the next SERVE (server_wake) */
	struct record *serving;
	uint32_t seq_next;
	/* The REC_QUEUED records, oldest first: SERVE takes the head (no scan:
	 * every ring-0 instruction is emulated). */
	struct record *head, *tail;
	struct record records[SERVER_RECORDS];
};

/* The devices, by component (their state below starts zeroed: in .bss). */
static const struct {
	const char *path;
	size_t size; /* with the NUL */
} devices[SERVER_COUNT] = {
	[SERVER_FS] = { NANVIX_SERVER_FS_PATH, sizeof(NANVIX_SERVER_FS_PATH) },
	[SERVER_NET] = { NANVIX_SERVER_NET_PATH, sizeof(NANVIX_SERVER_NET_PATH) },
};

static struct server servers[SERVER_COUNT];

/* Wait keys: kernel virtual addresses, never physical ones (futexes). */
#define key_server(s) ((uint64_t)(uintptr_t)(&(s)->proc) + 1)
#define key_record(s) ((uint64_t)(s)->records + 3)
#define key_of(r)     ((uint64_t)(r) + 5)

void server_place(enum server_id id, const struct server_ops *ops)
{
	servers[id].ops = ops;
}

bool server_placed(enum server_id id)
{
	return servers[id].ops != NULL;
}

/* The record's client, still alive and in the same address space. */
static bool client_alive(const struct record *r)
{
	struct proc *p = proc_find(r->pid);

	return p && p->state == PROC_ALIVE && p->cr3 == r->q.args[0] &&
	       sched_find_thread(p, r->tid) == r->thread;
}

/* Take a queued record out of the queue (at most SERVER_RECORDS steps). */
static void unqueue(struct server *s, struct record *r)
{
	struct record **pp = &s->head, *prev = NULL;

	for (int i = 0; *pp && i < SERVER_RECORDS; i++, prev = *pp, pp = &(*pp)->next) {
		if (*pp != r)
			continue;
		*pp = r->next;
		if (s->tail == r)
			s->tail = prev;
		r->next = NULL;
		return;
	}
}

static void record_free(struct server *s, struct record *r)
{
	if (r->state == REC_QUEUED)
		unqueue(s, r);
	r->state = REC_FREE;
	sched_wake_key(key_record(s), 1);
}

/* Finish `r` (being served) for its client, or drop it when the client is gone. */
static void complete(struct server *s, struct record *r, long status, uint64_t value)
{
	if (!client_alive(r)) {
		record_free(s, r);
		return;
	}
	r->status = status;
	r->value = value;
	r->state = REC_DONE;
	sched_wake_key(key_of(r), 1);
}

long server_call_until(enum server_id id, uint16_t op, uint64_t cr3, const uint64_t a[5],
                       uint64_t *value, uint64_t deadline)
{
	struct server *s = &servers[id];
	struct record *r = NULL;
	long rc;

	if (s->proc && proc_current == s->proc)
		return -LINUX_EDEADLK; /* the server cannot wait for itself */
	for (;;) {
		if (s->gone)
			return -LINUX_EIO;
		for (int i = 0; i < SERVER_RECORDS && !r; i++)
			if (s->records[i].state == REC_FREE)
				r = &s->records[i];
		if (r)
			break;
		if (sched_block(key_record(s), deadline) == -LINUX_ETIMEDOUT)
			return -LINUX_ETIMEDOUT;
	}
	r->state = REC_QUEUED;
	r->next = NULL;
	if (s->tail)
		s->tail->next = r;
	else
		s->head = r;
	s->tail = r;
	r->seq = s->seq_next++;
	r->q = (struct nanvix_ring_req){ .opcode = op, .id = r->seq };
	r->q.args[0] = cr3;
	for (int i = 0; i < 5; i++)
		r->q.args[i + 1] = a[i];
	r->pid = proc_current->pid;
	r->tid = thread_current->tid;
	r->thread = thread_current;
	sched_wake_key(key_server(s), 1);
	/* Not interruptible: the server holds our request (signals stay pending). */
	while (r->state != REC_DONE) {
		if (sched_block(key_of(r), deadline) != -LINUX_ETIMEDOUT)
			continue;
		if (r->state == REC_QUEUED) {
			record_free(s, r);
		} else if (r->state == REC_SERVING) {
			r->thread = NULL; /* abandoned: the server finds its client gone */
		} else {
			break; /* done just now */
		}
		if (r->state != REC_DONE)
			return -LINUX_ETIMEDOUT;
	}
	rc = r->status;
	if (value)
		*value = r->value;
	record_free(s, r);
	return rc;
}

long server_call(enum server_id id, uint16_t op, uint64_t cr3, const uint64_t a[5], uint64_t *value)
{
	return server_call_until(id, op, cr3, a, value, 0);
}

/* The server is gone: every waiting client fails with EIO, for good. */
static void server_lost(struct server *s)
{
	s->gone = true;
	s->proc = NULL;
	s->page = NULL;
	s->serving = NULL;
	for (int i = 0; i < SERVER_RECORDS; i++) {
		struct record *r = &s->records[i];

		if (r->state == REC_QUEUED || r->state == REC_SERVING) {
			r->next = NULL;
			r->state = REC_SERVING;
			complete(s, r, -LINUX_EIO, 0);
		}
	}
	s->head = s->tail = NULL;
	sched_wake_key(key_record(s), SERVER_RECORDS);
}

void server_proc_gone(struct proc *p)
{
	for (int id = 0; id < SERVER_COUNT; id++)
		if (servers[id].proc == p)
			server_lost(&servers[id]);
}

uint64_t server_cr3(enum server_id id)
{
	return servers[id].proc ? servers[id].proc->cr3 : 0;
}

/* Take the oldest queued record whose client is still there (others are freed). */
static struct record *next_request(struct server *s)
{
	struct record *r;

	while ((r = s->head) != NULL) {
		s->head = r->next;
		if (!s->head)
			s->tail = NULL;
		r->next = NULL;
		r->state = REC_SERVING; /* out of the queue */
		if (client_alive(r))
			return r;
		record_free(s, r);
	}
	return NULL;
}

void server_wake(enum server_id id)
{
	struct server *s = &servers[id];

	s->events |= NANVIX_SERVER_EV_WAKE;
	sched_wake_key(key_server(s), 1);
}

void server_restored(void)
{
	for (int id = 0; id < SERVER_COUNT; id++) {
		servers[id].events |= NANVIX_SERVER_EV_RESTORED;
		sched_wake_key(key_server(&servers[id]), 1);
	}
}

/* Complete the record being served, then take the next request (or, with
 * timeout_ms > 0, return without one after that long or on server_wake). */
static long serve(struct server *s, uint64_t timeout_ms)
{
	volatile struct nanvix_server_page *page = s->page;
	uint64_t deadline = 0;
	struct record *r;

	if (s->serving) {
		complete(s, s->serving, (long)page->status, page->value);
		s->serving = NULL;
	}
	if (timeout_ms)
		deadline = clock_deadline((timeout_ms < 3600000 ? timeout_ms : 3600000) * 1000000);
	page->req.opcode = 0;
	while (!(r = next_request(s))) {
		long rc;

		if (timeout_ms && (s->events & (NANVIX_SERVER_EV_WAKE | NANVIX_SERVER_EV_RESTORED)))
			break;
		rc = sched_block(key_server(s), deadline);
		if (rc == -LINUX_EINTR)
			return rc;
		if (rc == -LINUX_ETIMEDOUT)
			break;
	}
	page->events = s->events;
	s->events = 0;
	if (!r)
		return 0;
	s->serving = r;
	page->req = r->q;
	page->req.args[0] = 0; /* the client's address space stays ours */
	page->status = 0;
	page->value = 0;
	return 0;
}

static long copy(struct server *s)
{
	volatile struct nanvix_server_page *page = s->page;
	uint64_t client = page->copy.client, local = page->copy.local, len = page->copy.len;
	uint32_t dir = page->copy.dir;
	uint64_t ccr3, scr3 = s->proc->cr3;
	long rc;

	if (!s->serving || !client_alive(s->serving))
		return -LINUX_ESRCH;
	if (len > NANVIX_HC_COPY_MAX)
		return -LINUX_EINVAL;
	if (!len)
		return 0;
	ccr3 = s->serving->q.args[0];
	if (dir == NANVIX_SERVER_FROM_CLIENT)
		rc = hal->copy(scr3, local, ccr3, client, len);
	else if (dir == NANVIX_SERVER_TO_CLIENT)
		rc = hal->copy(ccr3, client, scr3, local, len);
	else
		return -LINUX_EINVAL;
	return rc < 0 ? rc : 0;
}

/* The page must be the server's own, user-writable and page-aligned. */
static long do_register(struct server *s, uint64_t va)
{
	uint64_t *pte;

	if (s->page)
		return -LINUX_EBUSY;
	if (va & PAGE_MASK || va >= NANVIX_USER_TOP)
		return -LINUX_EINVAL;
	pte = vmem_pte(s->proc->cr3, va, false);
	if (!pte || (*pte & (PTE_P | PTE_U | PTE_W)) != (PTE_P | PTE_U | PTE_W))
		return -LINUX_EFAULT;
	s->page = (volatile struct nanvix_server_page *)P2V(*pte & PTE_ADDR);
	return 0;
}

static long server_ioctl(struct file *f, uint64_t req, uint64_t arg)
{
	struct server *s = f->priv;

	if (!s->proc || proc_current != s->proc)
		return -LINUX_EPERM; /* a child that inherited the fd */
	if (req == NANVIX_SERVER_REGISTER)
		return do_register(s, arg);
	if (!s->page)
		return -LINUX_EINVAL;
	switch (req) {
	case NANVIX_SERVER_SERVE: return serve(s, arg);
	case NANVIX_SERVER_COPY: return copy(s);
	default:
		if (!s->ops->ioctl)
			return -LINUX_ENOTTY;
		return s->ops->ioctl(s->page, s->proc->cr3, req, arg);
	}
}

static const struct file_ops server_file_ops = {
	.ioctl = server_ioctl,
	.mode = LINUX_S_IFCHR | 0600,
};

struct server *server_find(const char *path)
{
	for (int id = 0; id < SERVER_COUNT; id++)
		if (servers[id].ops && memcmp(path, devices[id].path, devices[id].size) == 0)
			return &servers[id];
	return NULL;
}

long server_open(struct server *s, uint32_t flags, struct file **out)
{
	struct proc *p = proc_current;

	if (s->proc || s->gone)
		return -LINUX_EBUSY;
	*out = file_new(&server_file_ops, flags, s);
	if (!*out)
		return -LINUX_ENOMEM;
	s->proc = p;
	proc_detach(p);
	return 0;
}
