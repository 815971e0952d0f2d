/* Threads and the scheduler. */
/*
 * One vCPU, so one running thread.  Runnable threads wait in a FIFO run
 * queue; blocked threads carry a key (a futex's physical address) and an
 * optional deadline.  schedule() picks the next runnable thread, waking any
 * whose deadline passed; when none is runnable the VM idles in the host
 * (the SLEEP hypercall: no host CPU) until the earliest deadline.
 *
 * Each thread has its own kernel stack (a guarded slot in a kernel virtual
 * area shared by every address space), its FS base and its FPU state
 * (fxsave/fxrstor, which work in emulated ring 0).  A new thread's stack is
 * built so that its first switch-in "returns" to trap_return with a copy of
 * its creator's trap frame.
 */
#include <abi/hypercall.h>
#include <abi/linux.h>
#include <fd/file.h>
#include <hal/hal.h>
#include <ipc/ring.h>
#include <ipc/server.h>
#include <mm/frame.h>
#include <mm/heap.h>
#include <mm/vmem.h>
#include <proc/proc.h>
#include <sched/sched.h>
#include <sig/signal.h>
#include <sys/syscall.h>

#define KSTACK_AREA  0xffffffffc0000000ull
#define KSTACK_SLOT  (16 * 1024) /* one guard page, then the stack */
#define KSTACK_PAGES 3
#define MAX_THREADS  1024
#define QUANTUM_NS   10000000ull /* 10 ms time slice when threads compete */

struct thread *thread_current;
static struct thread *threads[MAX_THREADS];
static struct thread *runq_head, *runq_tail;
static struct thread boot_thread;
static uint64_t tick_deadline; /* when the armed tick fires; 0: none armed */
static bool quantum_armed;     /* a tick within one quantum is armed */
static int ntimed;             /* blocked threads with a deadline */
bool sched_alarms_used;        /* some process set an ITIMER_REAL */
/* Blocked threads, oldest first: wake-ups and deadlines scan only these. */
/*
 * Blocked threads wait in FIFO queues hashed by key, so a wake-up scans only
 * its bucket; those with a deadline are also on the timed list.
 */
#define WAIT_BUCKETS 64
struct wait_queue {
	struct thread *head, *tail;
};
static struct wait_queue waitq[WAIT_BUCKETS];
static struct thread *timed_head;

extern char trap_return[];

/* Every thread in use, the boot thread first. */
#define FOR_EACH_THREAD(t, i)              \
	for (i = -1; i < MAX_THREADS; i++) \
		if (((t) = i < 0 ? &boot_thread : threads[i]) != NULL)

static void fx_align(struct thread *t)
{
	t->fx = (uint8_t *)(((uint64_t)t->fx_buf + 15) & ~15ull);
}

void sched_init(struct proc *p, int tid)
{
	struct thread *t = &boot_thread;

	t->tid = tid;
	t->state = THREAD_RUNNING;
	t->proc = p;
	t->slot = -1;
	t->kstack_top = *hal_tss_rsp0;
	fx_align(t);
	t->pnext = NULL;
	p->threads = t;
	p->nthreads = 1;
	thread_current = t;
}

static uint32_t nlive; /* threads made by sched_spawn and not yet dead */

bool sched_task_room(void)
{
	uint32_t limit = proc_limits()->tasks;

	/* The first thread is the boot's, not sched_spawn's: it counts too. */
	return !limit || nlive + 1 < limit;
}

/* Make sure a tick arrives by `deadline` (scheduler clock). */
static void arm(uint64_t deadline)
{
	uint64_t now;

	if (!hal->timer || (tick_deadline && tick_deadline <= deadline))
		return;
	now = clock_uptime_ns();
	hal->timer(deadline > now ? deadline - now : 1);
	tick_deadline = deadline;
}

static void enqueue(struct thread *t)
{
	/* Someone waits for the CPU: make sure a tick will take it back. */
	if (!quantum_armed && hal->timer) {
		arm(clock_uptime_ns() + QUANTUM_NS);
		quantum_armed = true;
	}
	t->state = THREAD_RUNNABLE;
	t->next = NULL;
	if (runq_tail)
		runq_tail->next = t;
	else
		runq_head = t;
	runq_tail = t;
}

static struct wait_queue *queue_of(uint64_t key)
{
	return &waitq[(key ^ (key >> 6) ^ (key >> 12)) % WAIT_BUCKETS];
}

/* Append `t` to the queue of its wait_key. */
static void queue_add(struct thread *t)
{
	struct wait_queue *q = queue_of(t->wait_key);

	t->bnext = NULL;
	t->bprev = q->tail;
	if (q->tail)
		q->tail->bnext = t;
	else
		q->head = t;
	q->tail = t;
}

static void queue_remove(struct thread *t)
{
	struct wait_queue *q = queue_of(t->wait_key);

	if (t->bprev)
		t->bprev->bnext = t->bnext;
	else
		q->head = t->bnext;
	if (t->bnext)
		t->bnext->bprev = t->bprev;
	else
		q->tail = t->bprev;
}

static void blocked_add(struct thread *t)
{
	queue_add(t);
	if (t->wake_at) {
		t->tprev = NULL;
		t->tnext = timed_head;
		if (timed_head)
			timed_head->tprev = t;
		timed_head = t;
	}
}

/* Take blocked `t` off its queue (and the timed list) only. */
static void unblock_quietly(struct thread *t)
{
	if (t->wake_at) {
		if (t->tprev)
			t->tprev->tnext = t->tnext;
		else
			timed_head = t->tnext;
		if (t->tnext)
			t->tnext->tprev = t->tprev;
		ntimed--;
		t->wake_at = 0;
	}
	queue_remove(t);
}

/* Take blocked `t` off the blocked list and make it runnable with `result`. */
static void unblock(struct thread *t, long result)
{
	unblock_quietly(t);
	t->wait_key = 0;
	t->wait_result = result;
	enqueue(t);
}

static struct thread *dequeue(void)
{
	struct thread *t = runq_head;

	if (t) {
		runq_head = t->next;
		if (!runq_head)
			runq_tail = NULL;
		t->next = NULL;
	}
	return t;
}

/*
 * Page tables of the whole stack area, made once: slots rotate through it,
 * and tables made on demand would look like a leak to the frame count.
 */
static bool kstack_tables(void)
{
	static bool made;
	uint64_t cr3 = hal_read_cr3() & PTE_ADDR, va;

	for (va = KSTACK_AREA; !made && va < KSTACK_AREA + (uint64_t)MAX_THREADS * KSTACK_SLOT;
	     va += 512 * PAGE_SIZE)
		if (!vmem_pte(cr3, va, true))
			return false;
	made = true;
	return true;
}

/* Give back the stack pages of slot `slot` (the tables stay). */
static void kstack_unmap(int slot)
{
	uint64_t base = KSTACK_AREA + (uint64_t)slot * KSTACK_SLOT, cr3 = hal_read_cr3() & PTE_ADDR;
	int i;

	for (i = 1; i <= KSTACK_PAGES; i++) {
		uint64_t va = base + i * PAGE_SIZE, *pte = vmem_pte(cr3, va, false);

		if (pte && (*pte & PTE_P)) {
			mm_frame_free(*pte & PTE_ADDR);
			*pte = 0;
			vmem_flush(va);
		}
	}
}

/* Map a guarded kernel stack in slot `slot`; its top, or 0. */
static uint64_t kstack_map(int slot)
{
	uint64_t base = KSTACK_AREA + (uint64_t)slot * KSTACK_SLOT, cr3 = hal_read_cr3() & PTE_ADDR;
	int i;

	for (i = 1; i <= KSTACK_PAGES; i++) {
		uint64_t va = base + i * PAGE_SIZE, *pte = vmem_pte(cr3, va, true);
		uint64_t pa;

		if (!pte)
			return 0;
		if (!(*pte & PTE_P)) {
			if (!(pa = mm_frame_alloc()))
				return 0;
			*pte = pa | PTE_P | PTE_W | PTE_G | PTE_NX;
		}
	}
	return base + KSTACK_SLOT;
}

struct thread *sched_spawn(struct proc *p, const struct trap_frame *tf, uint64_t sp, uint64_t tls,
                           bool set_tls)
{
	struct thread *t;
	struct trap_frame *child;
	uint64_t *switch_frame;
	int slot;

	static int hint = 1;
	int tries;

	/* The next free slot after the last one taken: tids are not reused at once. */
	for (tries = 0, slot = hint; tries < MAX_THREADS && threads[slot]; tries++)
		slot = slot + 1 < MAX_THREADS ? slot + 1 : 1;
	/* Frames for the stack and its tables, checked before anything changes. */
	if (threads[slot] || mm_frames_free() < KSTACK_PAGES + 4 || !kstack_tables())
		return NULL;
	hint = slot + 1 < MAX_THREADS ? slot + 1 : 1;
	t = kmalloc(sizeof(*t));
	if (!t)
		return NULL;
	t->kstack_top = kstack_map(slot);
	if (!t->kstack_top) {
		kfree(t);
		return NULL;
	}
	fx_align(t);
	t->cpu_ns = 0;
	t->run_since = 0; /* set when it first runs */
	/* A thread starts without an alternate signal stack; a process (fork)
	 * keeps its creator's (Linux: cleared for CLONE_VM without VFORK). */
	t->ss_sp = t->ss_size = 0;
	t->ss_flags = 0;
	if (p != thread_current->proc && p->mm != thread_current->proc->mm) {
		t->ss_sp = thread_current->ss_sp;
		t->ss_size = thread_current->ss_size;
		t->ss_flags = thread_current->ss_flags;
	}
	t->slot = slot;
	t->tid = slot + 1;
	t->proc = p;
	threads[slot] = t;
	t->pnext = p->threads;
	p->threads = t;
	p->nthreads++;
	nlive++;
	/* The caller's FPU and FS state, as clone(2) gives the child. */
	__asm__ volatile("fxsave (%0)" : : "r"(t->fx) : "memory");
	t->fs_base = set_tls ? tls : hal_rdmsr(MSR_FS_BASE);

	child = (struct trap_frame *)(t->kstack_top - sizeof(*child));
	*child = *tf;
	child->rax = 0;
	if (sp)
		child->rsp = sp;
	/* sched_switch_context pops six registers, then returns to trap_return. */
	switch_frame = (uint64_t *)child - 7;
	memset(switch_frame, 0, 6 * sizeof(uint64_t));
	switch_frame[6] = (uint64_t)trap_return;
	t->ksp = (uint64_t)switch_frame;
	enqueue(t);
	return t;
}

static void switch_to(struct thread *prev, struct thread *next)
{
	__asm__ volatile("fxsave (%0)" : : "r"(prev->fx) : "memory");
	prev->fs_base = hal_rdmsr(MSR_FS_BASE);
	hal_set_kstack(next->kstack_top);
	if (next->proc != prev->proc) {
		if (next->proc->cr3 != prev->proc->cr3)
			hal_write_cr3(next->proc->cr3);
		proc_current = next->proc;
	}
	signal_work = ((next->sigpending | next->proc->sigpending) & ~next->sigmask) != 0 ||
	              next->proc->stopped; /* it stops on its way back to ring 3 */
	hal_wrmsr(MSR_FS_BASE, next->fs_base);
	__asm__ volatile("fxrstor (%0)" : : "r"(next->fx) : "memory");
	thread_current = next;
	sched_switch_context(&prev->ksp, next->ksp);
}

/* Dead threads not yet freed, linked through `next` (no slot scans: ~1 us each here). */
static struct thread *dead_head;

/* Mark `t` dead: off its process's count, on the list to free. */
static void mark_dead(struct thread *t)
{
	struct thread **pp;

	/* The running thread's last slice is charged when it switches out. */
	if (t != thread_current)
		t->proc->cpu_dead_ns += t->cpu_ns;
	t->state = THREAD_DEAD;
	t->proc->nthreads--;
	for (pp = &t->proc->threads; *pp; pp = &(*pp)->pnext)
		if (*pp == t) {
			*pp = t->pnext;
			break;
		}
	if (t->slot >= 0) { /* the boot thread's record is static: nothing to free */
		nlive--;
		t->next = dead_head;
		dead_head = t;
	}
}

/* Free dead threads other than the running one. */
static void reap(void)
{
	struct thread **pp = &dead_head;

	while (*pp) {
		struct thread *t = *pp;

		if (t == thread_current) {
			pp = &t->next;
			continue;
		}
		*pp = t->next;
		kstack_unmap(t->slot);
		threads[t->slot] = NULL;
		kfree(t);
	}
}

/* Fire the process alarm (ITIMER_REAL) when due; its next deadline or 0. */
static uint64_t expire_alarm(struct proc *p, uint64_t now)
{
	if (!p->alarm_at || p->alarm_at > now)
		return p->alarm_at;
	p->alarm_at = !p->alarm_interval                     ? 0
	              : p->alarm_interval > UINT64_MAX - now ? UINT64_MAX
	                                                     : now + p->alarm_interval;
	proc_signal(p, LINUX_SIGALRM, LINUX_SI_KERNEL);
	return p->alarm_at;
}

/* Wake blocked threads whose deadline passed; the earliest remaining one. */
static uint64_t expire(uint64_t now)
{
	uint64_t earliest = 0, a;
	struct thread *t, *next;
	struct proc *p;

	for (p = sched_alarms_used ? proc_list : NULL; p; p = p->next)
		if (p->alarm_at && (a = expire_alarm(p, now)) && (!earliest || a < earliest))
			earliest = a;
	a = timer_expire(now);
	if (a && (!earliest || a < earliest))
		earliest = a;

	for (t = timed_head; t; t = next) {
		next = t->tnext;
		if (t->wake_at <= now)
			unblock(t, -LINUX_ETIMEDOUT);
		else if (!earliest || t->wake_at < earliest)
			earliest = t->wake_at;
	}
	return earliest;
}

/* Run the next runnable thread; the current one has already been queued or blocked. */
static void schedule(void)
{
	struct thread *prev = thread_current, *next;
	uint64_t left = clock_uptime_ns();

	prev->cpu_ns += left - prev->run_since;
	if (prev->state == THREAD_DEAD)
		prev->proc->cpu_dead_ns += prev->cpu_ns;

	for (;;) {
		uint64_t now = clock_uptime_ns(), earliest = expire(now);
		long rc;

		next = dequeue();
		if (next)
			break;
		/* Nothing to run: idle in the host until the earliest deadline. */
		if (!hal->sleep)
			panic("all threads blocked and the HAL cannot idle");
		/* Cut short (-EINTR): the host may have forwarded a signal.  Above
		 * 0: this VM is a restored copy of one the host snapshotted while it
		 * slept (the HAL reloaded the clocks); netd takes its new address. */
		rc = hal->sleep(earliest ? earliest - now : NANVIX_HC_SLEEP_FOREVER);
		if (rc < 0)
			proc_host_signals();
		else if (rc > 0)
			server_restored();
		if (ring_host_events)
			ring_host_events();
	}
	next->state = THREAD_RUNNING;
	next->run_since = clock_uptime_ns(); /* after any idle wait: not its time */
	if (next != prev)
		switch_to(prev, next);
	reap();
}

uint64_t sched_thread_cpu_ns(const struct thread *t)
{
	return t->cpu_ns + (t == thread_current ? clock_uptime_ns() - t->run_since : 0);
}

uint64_t sched_proc_cpu_ns(const struct proc *p)
{
	uint64_t ns = p->cpu_dead_ns;

	for (const struct thread *t = p->threads; t; t = t->pnext)
		ns += sched_thread_cpu_ns(t);
	return ns;
}

void sched_tick(void)
{
	uint64_t next_alarm;

	tick_deadline = 0;
	quantum_armed = false;
	if (ring_host_events)
		ring_host_events();
	next_alarm = expire(clock_uptime_ns());
	if (next_alarm)
		arm(next_alarm);
	if (runq_head) {
		enqueue(thread_current);
		schedule();
	}
}

void sched_timer_arm(uint64_t deadline)
{
	arm(deadline);
}

void sched_timer_update(void)
{
	if (proc_current->alarm_at)
		arm(proc_current->alarm_at);
}

void sched_yield(void)
{
	if (!runq_head)
		return;
	enqueue(thread_current);
	schedule();
}

long sched_block(uint64_t key, uint64_t wake_at)
{
	struct thread *t = thread_current;

	t->state = THREAD_BLOCKED;
	t->wait_key = key;
	t->wake_at = wake_at;
	t->wait_result = 0;
	if (wake_at)
		ntimed++;
	blocked_add(t);
	schedule();
	t->wake_at = 0;
	return t->wait_result;
}

bool sched_wake_thread(struct thread *t, long result)
{
	if (t->state != THREAD_BLOCKED)
		return false;
	unblock(t, result);
	return true;
}

/* Take `t` off the run queue if it is there. */
static void runq_remove(struct thread *t)
{
	struct thread **pp, *prev = NULL;

	for (pp = &runq_head; *pp; prev = *pp, pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			if (runq_tail == t)
				runq_tail = prev;
			return;
		}
}

void sched_kill_others(struct proc *p)
{
	struct thread *t, *next;

	for (t = p->threads; t; t = next) {
		next = t->pnext;
		if (t == thread_current)
			continue;
		if (t->state == THREAD_RUNNABLE)
			runq_remove(t);
		else if (t->state == THREAD_BLOCKED)
			unblock_quietly(t);
		mark_dead(t);
		/* Its file_block() reference: only local files, whose release never sleeps. */
		if (t->held) {
			struct file *f = t->held;

			t->held = NULL;
			file_put(f);
		}
	}
}

struct thread *sched_any_thread(struct proc *p)
{
	return p->threads;
}

struct thread *sched_find_thread(struct proc *p, long tid)
{
	struct thread *t = tid == boot_thread.tid           ? &boot_thread
	                   : tid >= 2 && tid <= MAX_THREADS ? threads[tid - 1]
	                                                    : NULL;

	return t && t->proc == p && t->state != THREAD_DEAD ? t : NULL;
}

struct thread *sched_thread_for_signal(struct proc *p, int sig)
{
	struct thread *t;

	if (thread_current->proc == p && !(thread_current->sigmask & SIG_BIT(sig)))
		return thread_current;
	for (t = p->threads; t; t = t->pnext)
		if (!(t->sigmask & SIG_BIT(sig)))
			return t;
	return NULL;
}

int sched_wake_key(uint64_t key, int n)
{
	struct thread *t, *next;
	int woken = 0;

	for (t = queue_of(key)->head; t && woken < n; t = next) {
		next = t->bnext;
		if (t->wait_key == key) {
			unblock(t, 0);
			woken++;
		}
	}
	return woken;
}

int sched_requeue(uint64_t key, uint64_t to, int n)
{
	struct thread *t, *next;
	int moved = 0;

	for (t = queue_of(key)->head; t && moved < n; t = next) {
		next = t->bnext;
		if (t->wait_key == key) {
			queue_remove(t);
			t->wait_key = to;
			queue_add(t);
			moved++;
		}
	}
	return moved;
}

int sched_live_threads(struct proc *p)
{
	return p->nthreads;
}

void sched_exit_thread(void)
{
	mark_dead(thread_current);
	schedule();
	panic("a dead thread was scheduled");
}

void sched_set_fs(uint64_t base)
{
	thread_current->fs_base = base;
	hal_wrmsr(MSR_FS_BASE, base);
}
