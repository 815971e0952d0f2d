/* Clocks from the TSC, scaled with factors nanvixd computed at boot. */
#include <abi/hypercall.h>
#include <hal/hal.h>
#include <hal/uaccess.h>
#include <proc/proc.h>
#include <sched/sched.h>
#include <sig/signal.h>
#include <sys/syscall.h>

#define NSEC 1000000000ull

static struct {
	uint64_t tsc_base, mult, realtime, monotonic;
} clk;

void clock_init(const struct nanvix_bootinfo *bi)
{
	clk.tsc_base = bi->tsc_base;
	clk.mult = bi->tsc_mult;
	clk.realtime = bi->realtime_base_ns;
	clk.monotonic = bi->monotonic_base_ns;
}

/*
 * After a restore: the host moved the boot info's TSC base (this vCPU's
 * TSC is not the saved one's) and realtime base (the host's time now).
 * Reload them, and every address space's vvar page, whose clock ring 3
 * reads without the kernel.  Bounded by the processes that exist.
 */
void clock_restored(const struct nanvix_bootinfo *bi)
{
	clock_init(bi);
	proc_vvar_clocks(bi->tsc_base, bi->tsc_mult, bi->realtime_base_ns, bi->monotonic_base_ns);
}

void clock_bases(uint64_t *tsc_base, uint64_t *mult, uint64_t *realtime, uint64_t *monotonic)
{
	*tsc_base = clk.tsc_base;
	*mult = clk.mult;
	*realtime = clk.realtime;
	*monotonic = clk.monotonic;
}

/* Nanoseconds since the boot-info bases. */
static uint64_t elapsed_ns(void)
{
	uint64_t d = hal_rdtsc() - clk.tsc_base;

	return (uint64_t)(((unsigned __int128)d * clk.mult) >> 32);
}

/*
 * A CPU-time clock of another process or thread, as clock_getcpuclockid
 * and pthread_getcpuclockid make them: ~pid << 3 | (4: a thread) | kind
 * (0 profiling, 1 virtual, 2 scheduler: all the same time here).  A
 * thread of the caller's process, or any live process.
 */
static long cpu_clock_read(long id, uint64_t *ns)
{
	int pid = (int)~(id >> 3);
	struct proc *p;

	if ((id & 3) == 3)
		return -LINUX_EINVAL;
	if (id & 4) {
		struct thread *t = pid ? sched_find_thread(proc_current, pid) : thread_current;

		if (!t)
			return -LINUX_EINVAL;
		*ns = sched_thread_cpu_ns(t);
		return 0;
	}
	p = pid ? proc_find(pid) : proc_current;
	if (!p || p->state != PROC_ALIVE)
		return -LINUX_EINVAL;
	*ns = sched_proc_cpu_ns(p);
	return 0;
}

long clock_read(long id, uint64_t *ns)
{
	switch (id) {
	case LINUX_CLOCK_REALTIME:
	case LINUX_CLOCK_REALTIME_COARSE: *ns = clk.realtime + elapsed_ns(); return 0;
	case LINUX_CLOCK_MONOTONIC:
	case LINUX_CLOCK_MONOTONIC_RAW:
	case LINUX_CLOCK_MONOTONIC_COARSE:
	case LINUX_CLOCK_BOOTTIME: *ns = clk.monotonic + elapsed_ns(); return 0;
	case LINUX_CLOCK_PROCESS_CPUTIME_ID: *ns = sched_proc_cpu_ns(proc_current); return 0;
	case LINUX_CLOCK_THREAD_CPUTIME_ID: *ns = sched_thread_cpu_ns(thread_current); return 0;
	default: return id < 0 ? cpu_clock_read(id, ns) : -LINUX_EINVAL;
	}
}

long sys_clock_gettime(SYSCALL_ARGS)
{
	struct linux_timespec ts;
	uint64_t ns;
	long rc = clock_read((int)a0, /* a clockid_t: an int */ &ns);

	if (rc)
		return rc;
	ts.tv_sec = ns / 1000000000ull;
	ts.tv_nsec = ns % 1000000000ull;
	return copy_to_user(a1, &ts, sizeof(ts));
}

long sys_clock_getres(SYSCALL_ARGS)
{
	struct linux_timespec ts = { 0, 1 };
	uint64_t ns;
	long rc = clock_read((int)a0, /* a clockid_t: an int */ &ns);

	if (rc || !a1)
		return rc;
	return copy_to_user(a1, &ts, sizeof(ts));
}

long sys_gettimeofday(SYSCALL_ARGS)
{
	uint64_t ns = clk.realtime + elapsed_ns();
	struct linux_timeval tv = { ns / 1000000000ull, (ns % 1000000000ull) / 1000 };
	static const uint32_t tz[2]; /* UTC, no DST */
	long rc = 0;

	if (a0)
		rc = copy_to_user(a0, &tv, sizeof(tv));
	if (!rc && a1)
		rc = copy_to_user(a1, tz, sizeof(tz));
	return rc;
}

long sys_time(SYSCALL_ARGS)
{
	int64_t s = (clk.realtime + elapsed_ns()) / 1000000000ull;

	if (a0 && copy_to_user(a0, &s, sizeof(s)))
		return -LINUX_EFAULT;
	return s;
}

uint64_t clock_uptime_ns(void)
{
	return elapsed_ns();
}

/* Block the calling thread for `ns`; other threads run meanwhile, or the VM idles. */
/* A signal cutting it short (-EINTR) writes the time left to `urem` (0: nowhere). */
static long sleep_ns(uint64_t ns, uint64_t urem)
{
	uint64_t deadline, now;
	long rc;

	if (ns == 0)
		return 0;
	deadline = clock_deadline(ns);
	rc = sched_block(0, deadline);
	if (rc == -LINUX_EINTR && urem) {
		uint64_t left = deadline > (now = clock_uptime_ns()) ? deadline - now : 0;
		struct linux_timespec ts = { (int64_t)(left / NSEC), (int64_t)(left % NSEC) };

		if (copy_to_user(urem, &ts, sizeof(ts)))
			return -LINUX_EFAULT;
	}
	return rc == -LINUX_ETIMEDOUT ? 0 : rc;
}

uint64_t clock_deadline(uint64_t ns)
{
	uint64_t now = clock_uptime_ns();

	return ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
}

long clock_timeout(uint64_t uts, long clock, uint64_t *deadline)
{
	uint64_t ns, now;
	long rc;

	*deadline = 0;
	if (!uts)
		return 0;
	rc = clock_timespec_ns(uts, &ns);
	if (rc)
		return rc;
	if (clock >= 0) {
		clock_read(clock, &now);
		ns = ns > now ? ns - now : 0; /* already past: the wait times out at once */
	}
	*deadline = clock_deadline(ns);
	if (*deadline == 0)
		*deadline = 1;
	return 0;
}

long clock_ts_ns(const struct linux_timespec *ts, uint64_t *ns)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= (int64_t)NSEC)
		return -LINUX_EINVAL;
	*ns = (uint64_t)ts->tv_sec > UINT64_MAX / NSEC - 1
	              ? UINT64_MAX
	              : (uint64_t)ts->tv_sec * NSEC + ts->tv_nsec;
	return 0;
}

long clock_timespec_ns(uint64_t uva, uint64_t *ns)
{
	struct linux_timespec ts;

	if (copy_from_user(&ts, uva, sizeof(ts)))
		return -LINUX_EFAULT;
	return clock_ts_ns(&ts, ns);
}

long sys_nanosleep(SYSCALL_ARGS)
{
	uint64_t ns;
	long rc = clock_timespec_ns(a0, &ns);

	return rc ? rc : sleep_ns(ns, (uint64_t)a1);
}

/* What absolute CLOCK_REALTIME sleepers wait on besides their deadline. */
static uint64_t realtime_key(void)
{
	return (uint64_t)(uintptr_t)&clk + 1;
}

long sys_clock_nanosleep(SYSCALL_ARGS)
{
	uint64_t ns, now;
	long rc;

	a0 = (int)a0, a1 = (int)a1; /* clockid_t and flags: ints, whatever the upper halves */
	if (a0 != LINUX_CLOCK_REALTIME && a0 != LINUX_CLOCK_MONOTONIC && a0 != LINUX_CLOCK_BOOTTIME)
		return -LINUX_EINVAL;
	if (a1 & ~LINUX_TIMER_ABSTIME)
		return -LINUX_EINVAL;
	rc = clock_timespec_ns(a2, &ns);
	if (rc)
		return rc;
	if (a1 & LINUX_TIMER_ABSTIME) {
		/* Until the clock reads `ns`: a CLOCK_REALTIME sleeper looks
		 * again when clock_settime moves that clock (realtime_key). */
		for (;;) {
			clock_read(a0, &now);
			if (now >= ns)
				return 0;
			rc = sched_block(a0 == LINUX_CLOCK_REALTIME ? realtime_key() : 0,
			                 clock_deadline(ns - now));
			if (rc != 0 && rc != -LINUX_ETIMEDOUT)
				return rc;
		}
	}
	return sleep_ns(ns, (uint64_t)a3);
}

/* Nanoseconds as clock ticks of sysconf(_SC_CLK_TCK): 100 a second. */
static int64_t ticks(uint64_t ns)
{
	return (int64_t)(ns / 10000000ull);
}

/* times: all CPU time counts as user time (the VM does not split it). */
long sys_times(SYSCALL_ARGS)
{
	int64_t tms[4] = { ticks(sched_proc_cpu_ns(proc_current)), 0,
		           ticks(proc_current->cpu_children_ns), 0 };

	if (a0 && copy_to_user((uint64_t)a0, tms, sizeof(tms)))
		return -LINUX_EFAULT;
	return (long)ticks(clk.monotonic + elapsed_ns());
}

long sys_getrusage(SYSCALL_ARGS)
{
	int64_t ru[18] = { 0 }; /* struct rusage: utime, stime (timevals), 14 counters */
	uint64_t ns;

	switch ((int)a0) {
	case 0 /* RUSAGE_SELF */: ns = sched_proc_cpu_ns(proc_current); break;
	case -1 /* RUSAGE_CHILDREN */: ns = proc_current->cpu_children_ns; break;
	case 1 /* RUSAGE_THREAD */: ns = sched_thread_cpu_ns(thread_current); break;
	default: return -LINUX_EINVAL;
	}
	ru[0] = (int64_t)(ns / 1000000000ull);
	ru[1] = (int64_t)(ns % 1000000000ull / 1000);
	return copy_to_user((uint64_t)a1, ru, sizeof(ru));
}

/* Set CLOCK_REALTIME to `ns`: the VM's own (the host's clock is untouched). */
static long set_realtime(uint64_t ns)
{
	uint64_t old = clk.realtime;

	clk.realtime = ns - elapsed_ns();
	proc_vvar_clocks(clk.tsc_base, clk.mult, clk.realtime, clk.monotonic);
	/* Timers set for an absolute CLOCK_REALTIME time move with it. */
	timer_realtime_moved((int64_t)(clk.realtime - old));
	sched_wake_key(realtime_key(), 1 << 20);
	return 0;
}

long sys_clock_settime(SYSCALL_ARGS)
{
	uint64_t ns;
	long rc;

	if ((int)a0 != LINUX_CLOCK_REALTIME)
		return -LINUX_EINVAL; /* the monotonic and CPU clocks are not settable */
	rc = clock_timespec_ns((uint64_t)a1, &ns);
	return rc ? rc : set_realtime(ns);
}

long sys_settimeofday(SYSCALL_ARGS)
{
	struct linux_timeval tv;

	if (!a0)
		return 0; /* only a time zone: kept nowhere (UTC) */
	if (copy_from_user(&tv, (uint64_t)a0, sizeof(tv)))
		return -LINUX_EFAULT;
	if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -LINUX_EINVAL;
	return set_realtime((uint64_t)tv.tv_sec * NSEC + (uint64_t)tv.tv_usec * 1000);
}
