/* Guest placement: file calls forwarded to the in-VM fs server (abi/fsd.h). */
/*
 * A client's call takes a request record, queues it, wakes the server and
 * sleeps until the record is done.  The server takes the oldest queued
 * record in NANVIX_FSD_SERVE, serves it in ring 3 (reaching the client's
 * memory only through NANVIX_FSD_COPY, which the host performs natively)
 * and completes it in its next SERVE.  One record is served at a time.
 *
 * A client may die while its record is queued or served (exit_group from
 * another thread, a kill): its thread and address space go away without
 * telling us.  So a record remembers who made it (pid, tid, the thread and
 * its address space) and the server side checks that this client is still
 * there, waiting, before it touches the client's memory or completes the
 * record; a record whose client is gone is dropped and freed then.
 */
#include <abi/fsd.h>
#include <abi/linux.h>
#include <fd/file.h>
#include <fd/fsd.h>
#include <fd/remote.h>
#include <hal/hal.h>
#include <mm/frame.h>
#include <mm/vmem.h>
#include <proc/proc.h>
#include <sched/sched.h>

#define FSD_RECORDS 32

enum rec_state { REC_FREE, REC_QUEUED, REC_SERVING, REC_DONE };

struct record {
	enum rec_state state;
	uint32_t seq;              /* queue order */
	struct nanvix_ring_req q;  /* args[0]: the client's address space */
	int pid, tid;              /* the client... */
	struct thread *thread;     /* ...exactly: a later thread may reuse the tid */
	long status;
	uint64_t value;
};

static struct record records[FSD_RECORDS];
static uint32_t seq_next;
static struct record *serving;
static struct proc *server;     /* NULL until /dev/fsd is opened */
static bool server_gone;        /* the server opened it and has gone since */
static bool enabled;            /* guest placement */
static volatile struct nanvix_fsd_page *page;

/* Wait keys: kernel virtual addresses, never physical ones (futexes). */
#define KEY_SERVER ((uint64_t)&server + 1)
#define KEY_RECORD ((uint64_t)records + 3)
#define key_of(r)  ((uint64_t)(r) + 5)

void fsd_init(bool guest)
{
	enabled = guest;
}

bool fsd_enabled(void)
{
	return enabled;
}

/* The record's client, still alive and in the same address space. */
static bool client_alive(const struct record *r)
{
	struct proc *p = proc_find(r->pid);

	return p && p->state == PROC_ALIVE && p->cr3 == r->q.args[0] &&
	       sched_find_thread(p, r->tid) == r->thread;
}

static void record_free(struct record *r)
{
	r->state = REC_FREE;
	sched_wake_key(KEY_RECORD, 1);
}

/* Finish `r` (being served) for its client, or drop it when the client is gone. */
static void complete(struct record *r, long status, uint64_t value)
{
	if (!client_alive(r)) {
		record_free(r);
		return;
	}
	r->status = status;
	r->value = value;
	r->state = REC_DONE;
	sched_wake_key(key_of(r), 1);
}

long fsd_call(uint16_t op, uint64_t cr3, const uint64_t a[5], uint64_t *value)
{
	struct record *r = NULL;
	long rc;

	if (server && proc_current == server)
		return -LINUX_EDEADLK; /* the server cannot wait for itself */
	for (;;) {
		if (server_gone)
			return -LINUX_EIO;
		for (int i = 0; i < FSD_RECORDS && !r; i++)
			if (records[i].state == REC_FREE)
				r = &records[i];
		if (r)
			break;
		sched_block(KEY_RECORD, 0);
	}
	r->state = REC_QUEUED;
	r->seq = seq_next++;
	r->q = (struct nanvix_ring_req){ .opcode = op, .id = r->seq };
	r->q.args[0] = cr3;
	for (int i = 0; i < 5; i++)
		r->q.args[i + 1] = a[i];
	r->pid = proc_current->pid;
	r->tid = thread_current->tid;
	r->thread = thread_current;
	sched_wake_key(KEY_SERVER, 1);
	/* Not interruptible: the server holds our request (signals stay pending). */
	while (r->state != REC_DONE)
		sched_block(key_of(r), 0);
	rc = r->status;
	if (value)
		*value = r->value;
	record_free(r);
	return rc;
}

/* The server is gone: every waiting client fails with EIO, for good. */
static void server_lost(void)
{
	server_gone = true;
	server = NULL;
	page = NULL;
	serving = NULL;
	for (int i = 0; i < FSD_RECORDS; i++)
		if (records[i].state == REC_QUEUED || records[i].state == REC_SERVING) {
			records[i].state = REC_SERVING;
			complete(&records[i], -LINUX_EIO, 0);
		}
	sched_wake_key(KEY_RECORD, FSD_RECORDS);
}

void fsd_proc_gone(struct proc *p)
{
	if (server && p == server)
		server_lost();
}

uint64_t fsd_server_cr3(void)
{
	return server ? server->cr3 : 0;
}

/* The oldest queued record whose client is still there (others are freed). */
static struct record *next_request(void)
{
	struct record *best = NULL;

	for (int i = 0; i < FSD_RECORDS; i++) {
		struct record *r = &records[i];

		if (r->state != REC_QUEUED)
			continue;
		if (!client_alive(r)) {
			record_free(r);
			continue;
		}
		if (!best || (int32_t)(r->seq - best->seq) < 0)
			best = r;
	}
	return best;
}

static long serve(void)
{
	struct record *r;

	if (serving) {
		complete(serving, (long)page->status, page->value);
		serving = NULL;
	}
	while (!(r = next_request())) {
		long rc = sched_block(KEY_SERVER, 0);

		if (rc == -LINUX_EINTR)
			return rc;
	}
	r->state = REC_SERVING;
	serving = r;
	page->req = r->q;
	page->req.args[0] = 0; /* the client's address space stays ours */
	page->status = 0;
	page->value = 0;
	return 0;
}

static long copy(void)
{
	uint64_t client = page->copy.client, local = page->copy.local, len = page->copy.len;
	uint64_t ccr3, scr3 = server->cr3;
	long rc;

	if (!serving || !client_alive(serving))
		return -LINUX_ESRCH;
	if (len > NANVIX_HC_COPY_MAX)
		return -LINUX_EINVAL;
	if (!len)
		return 0;
	ccr3 = serving->q.args[0];
	if (page->copy.dir == NANVIX_FSD_FROM_CLIENT)
		rc = hal->copy(scr3, local, ccr3, client, len);
	else if (page->copy.dir == NANVIX_FSD_TO_CLIENT)
		rc = hal->copy(ccr3, client, scr3, local, len);
	else
		return -LINUX_EINVAL;
	return rc < 0 ? rc : 0;
}

static long blk(void)
{
	uint16_t op = page->blk.op;
	uint64_t a[5] = { 0, page->blk.buf, page->blk.len, page->blk.off };

	if (op != NANVIX_BLK_READ && op != NANVIX_BLK_WRITE && op != NANVIX_BLK_FLUSH)
		return -LINUX_EINVAL;
	return ring_call(op, server->cr3, a, NULL);
}

/* The page must be the server's own, user-writable and page-aligned. */
static long do_register(uint64_t va)
{
	uint64_t *pte;

	if (page)
		return -LINUX_EBUSY;
	if (va & PAGE_MASK || va >= NANVIX_USER_TOP)
		return -LINUX_EINVAL;
	pte = vmem_pte(server->cr3, va, false);
	if (!pte || (*pte & (PTE_P | PTE_U | PTE_W)) != (PTE_P | PTE_U | PTE_W))
		return -LINUX_EFAULT;
	page = (volatile struct nanvix_fsd_page *)P2V(*pte & PTE_ADDR);
	return 0;
}

static long fsd_ioctl(struct file *f, uint64_t req, uint64_t arg)
{
	(void)f;
	if (!server || proc_current != server)
		return -LINUX_EPERM; /* a child that inherited the fd */
	if (req == NANVIX_FSD_REGISTER)
		return do_register(arg);
	if (!page)
		return -LINUX_EINVAL;
	switch (req) {
	case NANVIX_FSD_SERVE: return serve();
	case NANVIX_FSD_COPY: return copy();
	case NANVIX_FSD_BLK: return blk();
	default: return -LINUX_ENOTTY;
	}
}

static const struct file_ops fsd_ops = {
	.ioctl = fsd_ioctl,
	.mode = LINUX_S_IFCHR | 0600,
};

long fsd_open(uint32_t flags, struct file **out)
{
	struct proc *p = proc_current;

	if (!enabled)
		return -LINUX_ENOENT;
	if (server || server_gone)
		return -LINUX_EBUSY;
	*out = file_new(&fsd_ops, flags, NULL);
	if (!*out)
		return -LINUX_ENOMEM;
	server = p;
	proc_detach(p);
	return 0;
}
