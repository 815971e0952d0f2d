/* Event calls: epoll, eventfd, select and pselect6. */
#include <abi/linux.h>
#include <fd/file.h>
#include <hal/uaccess.h>
#include <proc/proc.h>
#include <sched/sched.h>
#include <sig/signal.h>
#include <sys/syscall.h>

#define EP_MAX_EVENTS (0x7fffffff / (long)sizeof(struct linux_epoll_event))
#define SEL_WORDS     (FD_MAX / 64)
#define NSEC          1000000000ull

/* A timeout in ms as poll and epoll_wait take it: <0 forever, 0 no wait. */
static uint64_t ms_deadline(int ms, bool *nowait)
{
	*nowait = ms == 0;
	return ms <= 0 ? 0 : clock_deadline((uint64_t)ms * 1000000ull);
}

/* A user timespec (0: none, wait forever) as a deadline; 0, -EFAULT or -EINVAL. */
static long ts_deadline(uint64_t uts, uint64_t *deadline, bool *nowait)
{
	uint64_t ns = 0;
	long rc = uts ? clock_timespec_ns(uts, &ns) : 0;

	*nowait = uts && ns == 0;
	*deadline = uts && ns ? clock_deadline(ns) : 0;
	return rc;
}

long sys_epoll_create(SYSCALL_ARGS)
{
	struct file *f;

	if ((int)a0 <= 0)
		return -LINUX_EINVAL;
	f = epoll_create(0);
	return f ? fd_install(f, 0, -1, false) : -LINUX_ENOMEM;
}

long sys_epoll_create1(SYSCALL_ARGS)
{
	struct file *f;

	if (a0 & ~(long)LINUX_O_CLOEXEC)
		return -LINUX_EINVAL;
	f = epoll_create(0);
	return f ? fd_install(f, 0, -1, a0 & LINUX_O_CLOEXEC) : -LINUX_ENOMEM;
}

long sys_epoll_ctl(SYSCALL_ARGS)
{
	struct linux_epoll_event ev = { 0 };
	struct file *ep, *tf;

	if (a1 != LINUX_EPOLL_CTL_DEL && copy_from_user(&ev, a3, sizeof(ev)))
		return -LINUX_EFAULT;
	ep = fd_get(a0);
	tf = fd_get(a2);
	if (!ep || !tf)
		return -LINUX_EBADF;
	return epoll_ctl(ep, (int)a1, a2, tf, ev.events, ev.data);
}

/* Checks common to the epoll_wait family, then the wait. */
static long do_epoll_wait(long epfd, uint64_t uev, long max, uint64_t deadline, bool nowait)
{
	struct file *f;

	if ((int)max <= 0 || (int)max > EP_MAX_EVENTS)
		return -LINUX_EINVAL;
	if (!uaccess_ok(uev, (uint64_t)(int)max * sizeof(struct linux_epoll_event)))
		return -LINUX_EFAULT;
	f = fd_get(epfd);
	if (!f)
		return -LINUX_EBADF;
	if (!epoll_is(f))
		return -LINUX_EINVAL;
	return epoll_wait(f, uev, (int)max, deadline, nowait);
}

long sys_epoll_wait(SYSCALL_ARGS)
{
	bool nowait;
	uint64_t deadline = ms_deadline((int)a3, &nowait);

	return do_epoll_wait(a0, a1, a2, deadline, nowait);
}

/* epoll_pwait and epoll_pwait2: the wait under a temporary signal mask. */
static long masked_epoll_wait(SYSCALL_ARGS, uint64_t deadline, bool nowait)
{
	uint64_t mask;
	long rc;

	if (a4) {
		rc = signal_mask_read(a4, a5, &mask);
		if (rc)
			return rc;
		signal_mask_push(mask);
	}
	rc = do_epoll_wait(a0, a1, a2, deadline, nowait);
	if (a4)
		signal_mask_pop(rc);
	return rc;
}

long sys_epoll_pwait(SYSCALL_ARGS)
{
	bool nowait;
	uint64_t deadline = ms_deadline((int)a3, &nowait);

	return masked_epoll_wait(a0, a1, a2, a3, a4, a5, deadline, nowait);
}

long sys_epoll_pwait2(SYSCALL_ARGS)
{
	uint64_t deadline;
	bool nowait;
	long rc = ts_deadline(a3, &deadline, &nowait);

	return rc ? rc : masked_epoll_wait(a0, a1, a2, a3, a4, a5, deadline, nowait);
}

long sys_eventfd2(SYSCALL_ARGS)
{
	struct file *f;

	if (a1 & ~(long)(LINUX_O_CLOEXEC | LINUX_O_NONBLOCK | LINUX_EFD_SEMAPHORE))
		return -LINUX_EINVAL;
	f = eventfd_create((uint32_t)a0, (uint32_t)a1);
	return f ? fd_install(f, 0, -1, a1 & LINUX_O_CLOEXEC) : -LINUX_ENOMEM;
}

long sys_eventfd(SYSCALL_ARGS)
{
	return sys_eventfd2(a0, 0, 0, 0, 0, 0);
}

#define SEL_IN  (LINUX_POLLIN | LINUX_POLLRDNORM | LINUX_POLLRDBAND | LINUX_POLLHUP | LINUX_POLLERR)
#define SEL_OUT (LINUX_POLLOUT | LINUX_POLLWRNORM | LINUX_POLLWRBAND | LINUX_POLLERR)
#define SEL_EX  LINUX_POLLPRI

/*
 * select and pselect6: fd_sets of n bits (cut to FD_MAX, as Linux cuts
 * to its table size), polled each pass, one sleep on FD_POLL_KEY between
 * passes.  Cost: a poll of every fd named, each pass.
 */
static long do_select(long n, const uint64_t u[3], uint64_t deadline, bool nowait)
{
	uint64_t want[3][SEL_WORDS] = { { 0 } }, got[3][SEL_WORDS];
	long words, w, k, count, rc;
	bool first = true;

	if ((int)n < 0)
		return -LINUX_EINVAL;
	n = (int)n > FD_MAX ? FD_MAX : (int)n;
	words = (n + 63) / 64;
	for (k = 0; k < 3; k++) {
		if (u[k] && copy_from_user(want[k], u[k], words * 8))
			return -LINUX_EFAULT;
		if (n % 64)
			want[k][words - 1] &= (1ull << (n % 64)) - 1;
	}
	for (;;) {
		count = 0;
		for (w = 0; w < words; w++) {
			uint64_t all = want[0][w] | want[1][w] | want[2][w];

			got[0][w] = got[1][w] = got[2][w] = 0;
			while (all) {
				int b = __builtin_ctzll(all);
				uint64_t bit = 1ull << b;
				struct file *f = fd_get(w * 64 + b);
				int m;

				all &= all - 1;
				if (!f) {
					if (first)
						return -LINUX_EBADF;
					continue; /* closed while we slept: Linux skips it too */
				}
				m = file_poll(f);
				if ((want[0][w] & bit) && (m & SEL_IN))
					got[0][w] |= bit, count++;
				if ((want[1][w] & bit) && (m & SEL_OUT))
					got[1][w] |= bit, count++;
				if ((want[2][w] & bit) && (m & SEL_EX))
					got[2][w] |= bit, count++;
			}
		}
		first = false;
		if (count)
			break;
		/* A pending signal pselect6's mask unblocks: EINTR, even without waiting. */
		if (signal_work)
			return -LINUX_EINTR;
		if (nowait)
			break;
		rc = sched_block(FD_POLL_KEY, deadline);
		if (rc == -LINUX_ETIMEDOUT)
			break;
		if (rc == -LINUX_EINTR)
			return rc;
	}
	for (k = 0; k < 3; k++)
		if (u[k] && copy_to_user(u[k], got[k], words * 8))
			return -LINUX_EFAULT;
	return count;
}

/* Linux writes the time left back (not for a zero timeout; a fault there is ignored). */
static void time_left(uint64_t uva, uint64_t deadline, bool timeval)
{
	uint64_t now = clock_uptime_ns(), left = deadline > now ? deadline - now : 0;
	struct linux_timespec ts = { (int64_t)(left / NSEC), (int64_t)(left % NSEC) };

	if (timeval)
		ts.tv_nsec /= 1000;
	copy_to_user(uva, &ts, sizeof(ts));
}

long sys_select(SYSCALL_ARGS)
{
	const uint64_t u[3] = { (uint64_t)a1, (uint64_t)a2, (uint64_t)a3 };
	struct linux_timeval tv;
	uint64_t deadline = 0;
	bool nowait = false;
	long rc;

	if (a4) {
		int64_t sec, usec;

		if (copy_from_user(&tv, a4, sizeof(tv)))
			return -LINUX_EFAULT;
		/* As Linux: whole seconds of tv_usec move to tv_sec. */
		sec = tv.tv_sec;
		usec = tv.tv_usec % 1000000;
		if (tv.tv_usec / 1000000 > 0 && sec > INT64_MAX - tv.tv_usec / 1000000)
			sec = INT64_MAX;
		else
			sec += tv.tv_usec / 1000000;
		if (sec < 0 || usec < 0)
			return -LINUX_EINVAL;
		nowait = sec == 0 && usec == 0;
		deadline = nowait ? 0
		           : (uint64_t)sec >= UINT64_MAX / NSEC - 1
		                   ? UINT64_MAX
		                   : clock_deadline((uint64_t)sec * NSEC + (uint64_t)usec * 1000);
	}
	rc = do_select(a0, u, deadline, nowait);
	if (a4 && !nowait)
		time_left(a4, deadline, true);
	return rc;
}

long sys_pselect6(SYSCALL_ARGS)
{
	const uint64_t u[3] = { (uint64_t)a1, (uint64_t)a2, (uint64_t)a3 };
	struct {
		uint64_t set, size;
	} sig = { 0, 0 };
	uint64_t deadline, mask;
	bool nowait;
	long rc = ts_deadline(a4, &deadline, &nowait);

	if (rc)
		return rc;
	if (a5 && copy_from_user(&sig, a5, sizeof(sig)))
		return -LINUX_EFAULT;
	if (sig.set) {
		rc = signal_mask_read(sig.set, sig.size, &mask);
		if (rc)
			return rc;
		signal_mask_push(mask);
	}
	rc = do_select(a0, u, deadline, nowait);
	if (sig.set)
		signal_mask_pop(rc);
	if (a4 && !nowait)
		time_left(a4, deadline, false);
	return rc;
}
