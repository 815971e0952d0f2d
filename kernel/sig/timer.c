/* POSIX per-process timers: timer_create, timer_settime, timer_gettime, timer_getoverrun, timer_delete. */
/*
 * One table for the VM (TIMER_MAX timers; walks stop at the highest slot
 * in use), each owned by a process and
 * named by a small id unique in it, the lowest free as on Linux.  A timer
 * counts on CLOCK_REALTIME, CLOCK_MONOTONIC or CLOCK_BOOTTIME; expiries are kept as deadlines on the scheduler clock,
 * which the scheduler looks at with its own (timer_expire).  An expiry
 * sends the timer's signal (SIGEV_SIGNAL: to the process; SIGEV_THREAD_ID:
 * to one thread, which is how the libcs run SIGEV_THREAD) with SI_TIMER,
 * or nothing (SIGEV_NONE).  While the signal is still pending, further
 * expiries count as overruns (timer_getoverrun), as on Linux.  A
 * process's timers go at exec and exit.  Other clocks (CPU time, the
 * _ALARM ones) are refused with EINVAL.
 *
 * The table also holds the CPU-time interval timers of setitimer,
 * ITIMER_VIRTUAL and ITIMER_PROF (one each a process, kept across exec as
 * on Linux): their times count the process's CPU time (the VM does not
 * split user from system time, so both count all of it), and the
 * scheduler looks at them at least every time slice while one is armed.
 * A third CPU-time timer a process enforces its RLIMIT_CPU: SIGXCPU at
 * the soft limit and every second of CPU time past it, SIGKILL at the
 * hard one, as on Linux.
 */
#include <abi/linux.h>
#include <hal/uaccess.h>
#include <proc/proc.h>
#include <sched/sched.h>
#include <sig/signal.h>
#include <sys/syscall.h>

#define TIMER_MAX 256

#define SIGEV_SIGNAL    0
#define SIGEV_NONE      1
#define SIGEV_THREAD_ID 4

#define TIMER_ABSTIME 1

/*
 * The scheduler looks at a periodic timer at most this often (the time
 * slice): one of a shorter interval (down to 1 ns) fires once a look with
 * the expiries in between counted as overruns, so it cannot flood the VM
 * with ticks (a tick costs about a millisecond of emulated ring 0 here).
 */
#define TIMER_LOOK_NS 10000000ull

/* The id of the CPU-time timer that enforces a process's RLIMIT_CPU. */
#define TIMER_RLIMIT_CPU 3

struct ptimer {
	struct proc *owner; /* NULL: free */
	int id;             /* timer_create's; ITIMER_VIRTUAL/PROF (1, 2) for a CPU itimer */
	bool cpu;           /* a setitimer CPU-time timer: at and interval in CPU ns */
	int clock;
	int notify, signo, tid;
	uint64_t value;    /* sigev_value */
	uint64_t at;       /* next expiry on the scheduler clock, 0: disarmed */
	uint64_t interval; /* ns, 0: one-shot */
	bool abs_realtime; /* set for an absolute CLOCK_REALTIME time: moves with that clock */
	int overrun;       /* expiries while the signal was pending (last delivery's) */
	int pending_overrun;
	bool queued; /* its signal is pending */
};

struct linux_sigevent {
	uint64_t value;
	int32_t signo, notify;
	int32_t tid;
	uint8_t pad[44];
};

struct linux_itimerspec {
	struct linux_timespec interval, value;
};

static struct ptimer timers[TIMER_MAX];

/* a + b, saturating at UINT64_MAX ("never"): a huge setitimer or
 * timer_settime time must not wrap into a deadline already past, which
 * would make every tick fire it again and starve the VM. */
static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}
static int ntimers, ttop; /* timers in use; one past the highest slot in use */

/* p's timer `id`: a POSIX one, or (cpu) its ITIMER_VIRTUAL/PROF. */
static struct ptimer *find(struct proc *p, long id, bool cpu)
{
	int i;

	for (i = 0; i < ttop; i++)
		if (timers[i].owner == p && timers[i].id == id && timers[i].cpu == cpu)
			return &timers[i];
	return NULL;
}

static struct ptimer *timer_of(struct proc *p, long id)
{
	return find(p, id, false);
}

/* A free slot, counted in use (the caller sets its owner), or NULL. */
static struct ptimer *slot_take(void)
{
	int i;

	for (i = 0; i < TIMER_MAX; i++)
		if (!timers[i].owner) {
			if (i >= ttop)
				ttop = i + 1;
			ntimers++;
			return &timers[i];
		}
	return NULL;
}

static void slot_give(struct ptimer *t)
{
	t->owner = NULL;
	ntimers--;
	while (ttop > 0 && !timers[ttop - 1].owner)
		ttop--;
}

static bool clock_ok(int clock)
{
	return clock == LINUX_CLOCK_REALTIME || clock == LINUX_CLOCK_MONOTONIC ||
	       clock == LINUX_CLOCK_BOOTTIME;
}

long sys_timer_create(SYSCALL_ARGS)
{
	int clock = (int)a0, id;
	struct linux_sigevent ev = { .signo = LINUX_SIGALRM, .notify = SIGEV_SIGNAL };
	struct ptimer *t = NULL;

	if (!clock_ok(clock))
		return -LINUX_EINVAL;
	if (a1) {
		if (copy_from_user(&ev, (uint64_t)a1, sizeof(ev)))
			return -LINUX_EFAULT;
		if (ev.notify != SIGEV_SIGNAL && ev.notify != SIGEV_NONE &&
		    ev.notify != SIGEV_THREAD_ID)
			return -LINUX_EINVAL;
		if (ev.notify != SIGEV_NONE && (ev.signo <= 0 || ev.signo > LINUX_NSIG))
			return -LINUX_EINVAL;
		if (ev.notify == SIGEV_THREAD_ID && !sched_find_thread(proc_current, ev.tid))
			return -LINUX_EINVAL;
	} else {
		ev.value = 0; /* si_value: the timer id, set below */
	}
	/* The lowest id this process does not use: one pass over the table. */
	{
		uint64_t used[TIMER_MAX / 64] = { 0 };
		int i;

		for (i = 0; i < ttop; i++)
			if (timers[i].owner == proc_current && !timers[i].cpu)
				used[timers[i].id / 64] |= 1ull << (timers[i].id % 64);
		for (id = 0; id < TIMER_MAX && (used[id / 64] >> (id % 64)) & 1; id++)
			;
	}
	if (id == TIMER_MAX || ntimers == TIMER_MAX)
		return -LINUX_EAGAIN;
	if (copy_to_user((uint64_t)a2, &id, sizeof(id)))
		return -LINUX_EFAULT;
	t = slot_take();
	memset(t, 0, sizeof(*t));
	t->owner = proc_current;
	t->id = id;
	t->clock = clock;
	t->notify = ev.notify;
	t->signo = ev.signo;
	t->tid = ev.tid;
	t->value = a1 ? ev.value : (uint64_t)id;
	return 0;
}

/* The time left to t's expiry, and its interval. */
static void remaining(const struct ptimer *t, struct linux_itimerspec *its)
{
	uint64_t now = clock_uptime_ns(), left = t->at > now ? t->at - now : (t->at ? 1 : 0);

	its->value.tv_sec = (int64_t)(left / 1000000000ull);
	its->value.tv_nsec = (int64_t)(left % 1000000000ull);
	its->interval.tv_sec = (int64_t)(t->interval / 1000000000ull);
	its->interval.tv_nsec = (int64_t)(t->interval % 1000000000ull);
}

long sys_timer_settime(SYSCALL_ARGS)
{
	struct ptimer *t = timer_of(proc_current, (int)a0);
	struct linux_itimerspec its, old;
	uint64_t value, interval;
	long rc;

	if (!t)
		return -LINUX_EINVAL;
	if (copy_from_user(&its, (uint64_t)a2, sizeof(its)))
		return -LINUX_EFAULT;
	if ((rc = clock_ts_ns(&its.value, &value)) || (rc = clock_ts_ns(&its.interval, &interval)))
		return rc;
	if (a3) {
		remaining(t, &old);
		if (copy_to_user((uint64_t)a3, &old, sizeof(old)))
			return -LINUX_EFAULT;
	}
	t->interval = value ? interval : 0;
	t->overrun = t->pending_overrun = 0;
	t->abs_realtime = (a1 & TIMER_ABSTIME) && t->clock == LINUX_CLOCK_REALTIME;
	if (!value) {
		t->at = 0;
		return 0;
	}
	if (a1 & TIMER_ABSTIME) {
		uint64_t now;

		/* An absolute time on the timer's clock: the span from now. */
		clock_read(t->clock, &now);
		value = value > now ? value - now : 0;
	}
	t->at = clock_deadline(value ? value : 1);
	sched_timer_arm(t->at);
	return 0;
}

long sys_timer_gettime(SYSCALL_ARGS)
{
	struct ptimer *t = timer_of(proc_current, (int)a0);
	struct linux_itimerspec its;

	if (!t)
		return -LINUX_EINVAL;
	remaining(t, &its);
	return copy_to_user((uint64_t)a1, &its, sizeof(its)) ? -LINUX_EFAULT : 0;
}

void timer_realtime_moved(int64_t delta)
{
	uint64_t now = clock_uptime_ns();
	int i;

	for (i = 0; i < ttop; i++) {
		struct ptimer *t = &timers[i];

		if (!t->owner || !t->at || !t->abs_realtime || t->cpu)
			continue;
		/* The clock went forward by delta: the time comes delta sooner. */
		if (delta > 0)
			t->at = t->at > now + (uint64_t)delta ? t->at - (uint64_t)delta : now;
		else
			t->at = t->at > UINT64_MAX + (uint64_t)delta ? UINT64_MAX
			                                             : t->at - (uint64_t)delta;
		sched_timer_arm(t->at);
	}
}

long sys_timer_delete(SYSCALL_ARGS)
{
	struct ptimer *t = timer_of(proc_current, (int)a0);

	if (!t)
		return -LINUX_EINVAL;
	slot_give(t);
	return 0;
}

void timer_proc_gone(struct proc *p, bool exec)
{
	int i;

	for (i = ttop - 1; i >= 0; i--)
		if (timers[i].owner == p && !(exec && timers[i].cpu))
			slot_give(&timers[i]);
}

/* ITIMER_VIRTUAL and ITIMER_PROF's signals. */
static int itimer_signal(int which)
{
	return which == 1 ? LINUX_SIGVTALRM : LINUX_SIGPROF;
}

/* A new CPU-time timer `id` of p sending signo, disarmed; NULL when the table is full. */
static struct ptimer *cpu_timer_new(struct proc *p, int id, int signo)
{
	struct ptimer *t = slot_take();

	if (!t)
		return NULL;
	memset(t, 0, sizeof(*t));
	t->owner = p;
	t->id = id;
	t->cpu = true;
	t->notify = SIGEV_SIGNAL;
	t->signo = signo;
	return t;
}

long timer_itimer(int which, uint64_t value, uint64_t interval, uint64_t *old_value,
                  uint64_t *old_interval)
{
	struct proc *p = proc_current;
	struct ptimer *t = find(p, which, true);
	uint64_t cpu = sched_proc_cpu_ns(p);

	*old_value = t && t->at ? (t->at > cpu ? t->at - cpu : 1) : 0;
	*old_interval = t ? t->interval : 0;
	if (value == UINT64_MAX)
		return 0; /* getitimer */
	if (!value) {
		if (t)
			slot_give(t);
		return 0;
	}
	if (!t && !(t = cpu_timer_new(p, which, itimer_signal(which))))
		return -LINUX_EAGAIN;
	t->at = add_sat(cpu, value);
	t->interval = interval;
	sched_timer_arm(clock_deadline(TIMER_LOOK_NS));
	return 0;
}

/* Seconds of an rlimit in ns, saturating (LINUX_RLIM_INFINITY: UINT64_MAX). */
static uint64_t rlimit_ns(uint64_t s)
{
	return s > UINT64_MAX / 1000000000ull ? UINT64_MAX : s * 1000000000ull;
}

bool timer_slot_free(void)
{
	return ntimers < TIMER_MAX;
}

long timer_rlimit_cpu(struct proc *p)
{
	struct ptimer *t = find(p, TIMER_RLIMIT_CPU, true);
	uint64_t cur = p->rlimits[LINUX_RLIMIT_CPU].rlim_cur;

	if (cur == LINUX_RLIM_INFINITY) {
		if (t)
			slot_give(t);
		return 0;
	}
	if (!t && !(t = cpu_timer_new(p, TIMER_RLIMIT_CPU, LINUX_SIGXCPU)))
		return -LINUX_EAGAIN;
	/* The process's CPU time counts from its start: the limit is absolute. */
	t->at = rlimit_ns(cur) ? rlimit_ns(cur) : 1;
	t->interval = 1000000000ull;
	sched_timer_arm(clock_deadline(TIMER_LOOK_NS));
	return 0;
}

/* A CPU itimer: fire when the process has run long enough; the next look. */
static uint64_t expire_cpu(struct ptimer *t, uint64_t now)
{
	uint64_t cpu = sched_proc_cpu_ns(t->owner), left;
	uint64_t hard = t->id == TIMER_RLIMIT_CPU
	                        ? rlimit_ns(t->owner->rlimits[LINUX_RLIMIT_CPU].rlim_max)
	                        : UINT64_MAX;

	if (cpu >= hard) {
		proc_signal(t->owner, LINUX_SIGKILL, LINUX_SI_KERNEL);
		t->at = 0;
		return 0;
	}
	if (cpu >= t->at) {
		proc_signal(t->owner, t->signo, LINUX_SI_KERNEL);
		t->at = t->interval ? add_sat(cpu, t->interval) : 0;
		if (!t->at)
			return 0;
	}
	left = (t->at < hard ? t->at : hard) - cpu;
	return add_sat(now, left > TIMER_LOOK_NS ? left : TIMER_LOOK_NS);
}

static struct thread *target(const struct ptimer *t)
{
	return t->notify == SIGEV_THREAD_ID ? sched_find_thread(t->owner, t->tid) : NULL;
}

/*
 * Once t's signal is no longer pending it has been taken: the expiries
 * counted meanwhile become the overrun timer_getoverrun reports.
 */
static void settle(struct ptimer *t)
{
	struct thread *th = target(t);
	uint64_t pending = t->owner->sigpending | (th ? th->sigpending : 0);

	if (!t->queued || (pending & SIG_BIT(t->signo)))
		return;
	t->queued = false;
	t->overrun = t->pending_overrun;
	t->pending_overrun = 0;
}

static void add_overrun(struct ptimer *t, uint64_t n)
{
	t->pending_overrun = n > (uint64_t)(INT32_MAX - t->pending_overrun)
	                             ? INT32_MAX
	                             : t->pending_overrun + (int)n;
}

static void fire(struct ptimer *t)
{
	struct sig_info info = { .code = LINUX_SI_TIMER, .pid = t->id, .addr = t->value };
	struct thread *th;

	if (t->notify == SIGEV_NONE)
		return;
	settle(t);
	if (t->queued) {
		add_overrun(t, 1);
		return;
	}
	th = target(t);
	if (!th && t->notify == SIGEV_THREAD_ID)
		return; /* the thread is gone */
	if (!th)
		th = sched_thread_for_signal(t->owner, t->signo);
	if (!th)
		th = sched_any_thread(t->owner);
	if (!th)
		return;
	t->queued = true;
	signal_send(th, t->signo, t->notify == SIGEV_THREAD_ID, &info);
}

long sys_timer_getoverrun(SYSCALL_ARGS)
{
	struct ptimer *t = timer_of(proc_current, (int)a0);

	if (!t)
		return -LINUX_EINVAL;
	settle(t);
	return t->overrun;
}

uint64_t timer_expire(uint64_t now)
{
	uint64_t earliest = 0;
	int i;

	for (i = 0; i < ttop; i++) {
		struct ptimer *t = &timers[i];

		if (!t->owner || !t->at)
			continue;
		if (t->cpu) {
			uint64_t look = expire_cpu(t, now);

			if (look && (!earliest || look < earliest))
				earliest = look;
			continue;
		}
		if (t->at <= now) {
			if (!t->interval) {
				t->at = 0;
			} else {
				/* Expiries missed while the VM did not look count as overruns. */
				uint64_t missed = (now - t->at) / t->interval;

				add_overrun(t, missed);
				t->at = (missed + 1) > UINT64_MAX / t->interval
				                ? UINT64_MAX
				                : add_sat(t->at, (missed + 1) * t->interval);
			}
			fire(t);
		}
		if (t->at) {
			uint64_t look = t->interval && t->interval < TIMER_LOOK_NS &&
			                                t->at < add_sat(now, TIMER_LOOK_NS)
			                        ? add_sat(now, TIMER_LOOK_NS)
			                        : t->at;

			if (!earliest || look < earliest)
				earliest = look;
		}
	}
	return earliest;
}
