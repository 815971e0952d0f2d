/* Hypercall handlers: decode and validate a guest request, then act on it. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <sys/uio.h>
#include <unistd.h>

#include <abi/bootinfo.h>
#include <abi/x86_paging.h>
#include <monitor/aspace.h>
#include <monitor/exec.h>
#include <monitor/guestmem.h>
#include <monitor/strace.h>
#include <monitor/tty.h>
#include <monitor/vm.h>

#define HOST_IOV_MAX 1024
#define PAGE         4096ull

/*
 * Write one output field of the handler's private copy `local` back into
 * the guest's argument block `args` (of type `type`): only that field, so
 * nothing else the guest wrote meanwhile is overwritten.
 */
#define PUT_FIELD(args, type, local, field) \
	memcpy((char *)(args) + offsetof(type, field), &(local).field, sizeof((local).field))

/*
 * Each handler gets its argument struct, already checked to lie in RAM, and
 * returns 0 to resume the guest or 1 to stop it with vm->status.
 */
struct hc_desc {
	int (*handle)(struct vm *vm, void *args);
	size_t size;
};

static int stop(struct vm *vm, int status)
{
	vm->done = true;
	vm->status = status;
	return 1;
}

static int hc_exit(struct vm *vm, void *args)
{
	struct nanvix_hc_exit a;

	memcpy(&a, args, sizeof(a)); /* one snapshot: the guest cannot change it under us */
	vm->stats = a.stats;
	vm->have_stats = true;
	return stop(vm, a.status & 0xff);
}

/* Kernel log and panic text: a physical buffer. */
static int hc_log_common(struct vm *vm, void *args, bool panic)
{
	struct nanvix_hc_log a;
	const char *buf;
	ssize_t n;

	memcpy(&a, args, sizeof(a));
	if (a.len > NANVIX_HC_LOG_MAX || !(buf = gpa_ptr(&vm->mem, a.buf, a.len))) {
		vm_error("guest error: bad kernel log buffer %#llx+%llu", (unsigned long long)a.buf,
		         (unsigned long long)a.len);
		return stop(vm, NANVIXD_EXIT_GUEST);
	}
	n = write(vm->log_fd, buf, a.len);
	(void)n; /* the console is best effort */
	if (panic) {
		vm_error("guest error: kernel panic");
		return stop(vm, NANVIXD_EXIT_GUEST);
	}
	return 0;
}

static int hc_log(struct vm *vm, void *args)
{
	return hc_log_common(vm, args, false);
}

static int hc_panic(struct vm *vm, void *args)
{
	return hc_log_common(vm, args, true);
}

/* Host fd behind guest console fd 1 or 2, or -1. */
static int console_fd(struct vm *vm, uint32_t fd)
{
	return fd == 1 ? vm->out_fd : fd == 2 ? vm->err_fd : -1;
}

static int64_t flush(int fd, const struct iovec *host, int niov)
{
	ssize_t n;

	if (niov == 0)
		return 0;
	n = writev(fd, host, niov);
	return n < 0 ? -errno : n;
}

static int hc_write(struct vm *vm, void *args)
{
	struct nanvix_hc_write a;
	struct iovec host[HOST_IOV_MAX];
	int niov = 0, fd, rc;

	memcpy(&a, args, sizeof(a));
	fd = console_fd(vm, a.fd);
	if (fd < 0) {
		a.ret = -EBADF;
	} else if (a.len > SSIZE_MAX) {
		a.ret = -EINVAL;
	} else {
		rc = gva_iovec(&vm->mem, a.cr3, a.buf, a.len, false, host, &niov, HOST_IOV_MAX);
		a.ret = rc < 0 && rc != -E2BIG ? rc : flush(fd, host, niov);
	}
	PUT_FIELD(args, struct nanvix_hc_write, a, ret);
	return 0;
}

static int64_t do_writev(struct vm *vm, const struct nanvix_hc_writev *a)
{
	struct iovec host[HOST_IOV_MAX];
	int niov = 0, fd = console_fd(vm, a->fd);
	uint32_t i;

	if (fd < 0)
		return -EBADF;
	if (a->iovcnt > NANVIX_HC_IOV_MAX)
		return -EINVAL;
	for (i = 0; i < a->iovcnt; i++) {
		struct nanvix_iovec v;
		int rc;

		if (gva_read(&vm->mem, a->cr3, a->iov + i * sizeof(v), &v, sizeof(v)) < 0)
			return -EFAULT;
		if (v.len > SSIZE_MAX)
			return -EINVAL;
		rc = gva_iovec(&vm->mem, a->cr3, v.base, v.len, false, host, &niov, HOST_IOV_MAX);
		if (rc == -E2BIG)
			break; /* a short write, as Linux may do */
		if (rc < 0)
			return rc;
	}
	return flush(fd, host, niov);
}

static int hc_writev(struct vm *vm, void *args)
{
	struct nanvix_hc_writev a;

	memcpy(&a, args, sizeof(a));
	a.ret = do_writev(vm, &a);
	PUT_FIELD(args, struct nanvix_hc_writev, a, ret);
	return 0;
}

static int hc_read(struct vm *vm, void *args)
{
	struct nanvix_hc_read a;
	struct iovec host[HOST_IOV_MAX];
	int niov = 0, rc;
	ssize_t n;

	memcpy(&a, args, sizeof(a));
	if (a.len > SSIZE_MAX)
		a.len = SSIZE_MAX;
	if (vm->sig_posted) {
		/* A forwarded signal: let the kernel take it before blocking here. */
		vm->sig_posted = false;
		a.ret = -EINTR;
		PUT_FIELD(args, struct nanvix_hc_read, a, ret);
		return 0;
	}
	rc = gva_iovec(&vm->mem, a.cr3, a.buf, a.len, true, host, &niov, HOST_IOV_MAX);
	if (rc < 0 && rc != -E2BIG) {
		a.ret = rc;
	} else if (niov == 0) {
		a.ret = 0;
	} else {
		n = readv(vm->in_fd, host, niov);
		a.ret = n < 0 ? -errno : n;
	}
	PUT_FIELD(args, struct nanvix_hc_read, a, ret);
	return 0;
}

static int hc_frames_scrub(struct vm *vm, void *args)
{
	struct nanvix_hc_frames_scrub a;
	const uint32_t *pfns;
	uint64_t npages = vm->mem.size / PAGE;
	uint32_t i, run;

	memcpy(&a, args, sizeof(a));
	a.ret = 0;
	pfns = gpa_ptr(&vm->mem, a.pfns, (uint64_t)a.count * sizeof(uint32_t));
	if (!pfns || (a.pfns & 3)) {
		a.ret = -EINVAL;
		goto out;
	}
	/*
	 * Check every frame before touching any.  A frame holding the array
	 * itself is refused too: scrubbing it would change the rest of the
	 * list between this check and its use below.
	 */
	for (i = 0; i < a.count; i++) {
		uint64_t frame = (uint64_t)pfns[i] * PAGE;

		if (pfns[i] >= npages || (frame < a.pfns + (uint64_t)a.count * sizeof(uint32_t) &&
		                          frame + PAGE > a.pfns)) {
			a.ret = -EINVAL;
			goto out;
		}
	}
	/* Drop runs of consecutive frames with one call each. */
	for (i = 0; i < a.count; i += run) {
		uint32_t first = pfns[i];

		for (run = 1; i + run < a.count && pfns[i + run] == first + run; run++)
			;
		gpa_zero(&vm->mem, (uint64_t)first * PAGE, (uint64_t)run * PAGE);
	}
out:
	PUT_FIELD(args, struct nanvix_hc_frames_scrub, a, ret);
	return 0;
}

static int hc_strace(struct vm *vm, void *args)
{
	struct nanvix_hc_strace a;
	char line[512];
	size_t n;

	if (!vm->strace)
		return 0; /* not asked for: ignore */
	memcpy(&a, args, sizeof(a));
	n = strace_line(&vm->strace_st, &vm->mem, &a, line, sizeof(line));
	if (write(vm->strace_fd, line, n) < 0)
		return 0; /* tracing is best effort */
	return 0;
}

static int hc_random(struct vm *vm, void *args)
{
	struct nanvix_hc_random a;
	struct iovec host[HOST_IOV_MAX];
	int niov = 0, i, rc;

	memcpy(&a, args, sizeof(a));
	if (a.len > NANVIX_HC_RANDOM_MAX)
		a.len = NANVIX_HC_RANDOM_MAX;
	rc = gva_iovec(&vm->mem, a.cr3, a.buf, a.len, true, host, &niov, HOST_IOV_MAX);
	a.ret = 0;
	if (rc < 0 && rc != -E2BIG) {
		a.ret = rc;
	} else {
		for (i = 0; i < niov; i++) {
			ssize_t n = getrandom(host[i].iov_base, host[i].iov_len, 0);

			if (n < 0) {
				a.ret = a.ret ? a.ret : -errno;
				break;
			}
			a.ret += n;
			if ((size_t)n < host[i].iov_len)
				break;
		}
	}
	PUT_FIELD(args, struct nanvix_hc_random, a, ret);
	return 0;
}

static int hc_sleep(struct vm *vm, void *args)
{
	struct nanvix_hc_sleep a;
	struct timespec ts;

	memcpy(&a, args, sizeof(a));
	/* Interrupted by the --timeout or a forwarded signal: let the run loop
	 * and the kernel see it; one already posted is not slept through. */
	if (vm->sig_posted) {
		vm->sig_posted = false;
		a.ret = -EINTR;
	} else if (vm->host_snap_due && vm->host_snapshot && !vm->host_snap_wait) {
		/* The guest idles: the run loop takes the snapshot the host asked
		 * for here, where every copy restored from it will resume. */
		vm->host_snap_gpa = (uint64_t)((uint8_t *)args - vm->mem.base) +
		                    offsetof(struct nanvix_hc_sleep, ret) + 1;
		a.ret = 0;
	} else if (vm->park) {
		/* No thread waits: parked, the guest's wait returns 0 when it runs again. */
		vm->park_due = vm->park(vm->park_ctx, a.ns) == 0;
		if (vm->park_due) /* a host snapshot restores here (instance_snapshot) */
			vm->parked_ret_gpa = (uint64_t)((uint8_t *)args - vm->mem.base) +
			                     offsetof(struct nanvix_hc_sleep, ret);
		a.ret = 0;
	} else {
		int rc;

		if (a.ns > NANVIX_HC_SLEEP_MAX_NS)
			a.ns = NANVIX_HC_SLEEP_MAX_NS;
		ts.tv_sec = a.ns / 1000000000ull;
		ts.tv_nsec = a.ns % 1000000000ull;
		vm->in_idle = true;
		rc = vm->idle ? vm->idle(vm->ring_ctx, a.ns) : -ENOSYS;
		vm->in_idle = false;
		vm->host_snap_wait = false;

		if (rc == -ENOSYS)
			rc = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL) ? -EINTR : 0;
		a.ret = rc < 0 ? -EINTR : 0;
	}
	PUT_FIELD(args, struct nanvix_hc_sleep, a, ret);
	return 0;
}

static int hc_timer(struct vm *vm, void *args)
{
	struct nanvix_hc_timer a;
	int rc;

	memcpy(&a, args, sizeof(a));
	/* Anything up to a minute; beyond that the guest is confused. */
	if (a.ns > 60000000000ull)
		a.ns = 60000000000ull;
	rc = vm_timer_arm(vm, a.ns);
	if (rc < 0) {
		vm_error("cannot arm the guest's preemption timer: %s", strerror(-rc));
		return stop(vm, NANVIXD_EXIT_HOST);
	}
	return 0;
}

/* One side of a COPY as host iovecs: user virtual through cr3, or physical when cr3 is 0. */
static int copy_side(struct vm *vm, uint64_t cr3, uint64_t addr, uint64_t len, bool write,
                     struct iovec *iov, int *niov)
{
	if (cr3 == 0) {
		void *p = gpa_ptr(&vm->mem, addr, len);

		if (!p)
			return -EFAULT;
		iov[0] = (struct iovec){ p, len };
		*niov = 1;
		return 0;
	}
	*niov = 0;
	return gva_iovec(&vm->mem, cr3, addr, len, write, iov, niov, HOST_IOV_MAX);
}

static int hc_copy(struct vm *vm, void *args)
{
	struct iovec *dst, *src;
	struct nanvix_hc_copy a;
	int nd, ns, i = 0, j = 0;
	size_t di = 0, si = 0;

	memcpy(&a, args, sizeof(a));
	/* Both sides' pieces (32 KiB), made on the VM's first copy. */
	if (!vm->copy_iov && !(vm->copy_iov = malloc(2 * HOST_IOV_MAX * sizeof(struct iovec)))) {
		a.ret = -ENOMEM;
		PUT_FIELD(args, struct nanvix_hc_copy, a, ret);
		return 0;
	}
	dst = vm->copy_iov, src = vm->copy_iov + HOST_IOV_MAX;
	/* Check both sides wholly before copying a byte. */
	if (a.len > NANVIX_HC_COPY_MAX ||
	    copy_side(vm, a.dst_cr3, a.dst, a.len, true, dst, &nd) < 0 ||
	    copy_side(vm, a.src_cr3, a.src, a.len, false, src, &ns) < 0) {
		a.ret = -EFAULT;
	} else {
		while (i < nd && j < ns) {
			size_t n = dst[i].iov_len - di < src[j].iov_len - si ? dst[i].iov_len - di
			                                                     : src[j].iov_len - si;

			memmove((char *)dst[i].iov_base + di, (char *)src[j].iov_base + si, n);
			di += n, si += n;
			if (di == dst[i].iov_len)
				i++, di = 0;
			if (si == src[j].iov_len)
				j++, si = 0;
		}
		a.ret = (int64_t)a.len;
	}
	PUT_FIELD(args, struct nanvix_hc_copy, a, ret);
	return 0;
}

static int hc_fork(struct vm *vm, void *args)
{
	struct nanvix_hc_fork a;
	struct aspace_frames f;

	memcpy(&a, args, sizeof(a));
	a.frames.used = 0;
	a.ret = aspace_lent(&vm->mem, &a.frames, &f);
	if (a.ret == 0)
		a.ret = aspace_fork(&vm->mem, a.src_cr3, a.dst_cr3, &f, &a.frames.used);
	PUT_FIELD(args, struct nanvix_hc_fork, a, frames.used);
	PUT_FIELD(args, struct nanvix_hc_fork, a, ret);
	return 0;
}

static int hc_exec(struct vm *vm, void *args)
{
	struct nanvix_hc_exec x;

	memcpy(&x, args, sizeof(x));
	x.ret = exec_program(vm, &x);
	/* Only the output fields go back. */
	PUT_FIELD(args, struct nanvix_hc_exec, x, frames.used);
	memcpy((char *)args + offsetof(struct nanvix_hc_exec, entry), &x.entry,
	       sizeof(x) - offsetof(struct nanvix_hc_exec, entry));
	return 0;
}

static int hc_release(struct vm *vm, void *args)
{
	struct nanvix_hc_release a;
	uint32_t *pfns;

	memcpy(&a, args, sizeof(a));
	pfns = gpa_ptr(&vm->mem, a.pfns, (uint64_t)a.max * sizeof(uint32_t));
	a.count = 0;
	if (!pfns || (a.pfns & 3))
		a.ret = -EINVAL;
	else
		a.ret = aspace_release(&vm->mem, a.cr3, pfns, a.max, &a.count);
	PUT_FIELD(args, struct nanvix_hc_release, a, count);
	PUT_FIELD(args, struct nanvix_hc_release, a, ret);
	return 0;
}

static int hc_mm(struct vm *vm, void *args)
{
	struct nanvix_hc_mm a;
	struct aspace_frames f = { 0 };
	uint32_t *freed = NULL;

	memcpy(&a, args, sizeof(a));
	a.count = 0;
	a.ret = 0;
	if (a.op == NANVIX_MM_MAP) {
		a.ret = aspace_lent(&vm->mem, &a.frames, &f);
		f.dirty = gpa_ptr(&vm->mem, a.dirty, (uint64_t)a.ndirty * sizeof(uint32_t));
		f.ndirty = a.ndirty;
		if ((a.ndirty && !f.dirty) || (a.dirty & 3))
			a.ret = -EINVAL;
	} else if (a.op == NANVIX_MM_UNMAP) {
		freed = gpa_ptr(&vm->mem, a.freed, (uint64_t)a.freed_max * sizeof(uint32_t));
		if (!freed || (a.freed & 3))
			a.ret = -EINVAL;
	}
	/* A W+X page, which aspace_mm refuses (-EINVAL): counted, and said the first time. */
	if (a.op == NANVIX_MM_MAP && (a.pte & (PTE_P | PTE_W | PTE_NX)) == (PTE_P | PTE_W) &&
	    vm->wx_hypercall++ == 0)
		vm_error("W^X: the kernel asked to map %#llx writable and executable: refused "
		         "(later refusals are only counted)",
		         (unsigned long long)a.va);
	if (a.ret == 0)
		aspace_mm(&vm->mem, &a, &f, freed);
	PUT_FIELD(args, struct nanvix_hc_mm, a, count);
	PUT_FIELD(args, struct nanvix_hc_mm, a, ret);
	return 0;
}

static int hc_tty(struct vm *vm, void *args)
{
	struct nanvix_hc_tty a;

	memcpy(&a, args, sizeof(a));
	a.ret = tty_ioctl(vm, a.cr3, a.fd, a.req, a.arg);
	PUT_FIELD(args, struct nanvix_hc_tty, a, ret);
	return 0;
}

/* The snapshot point (abi/snapshot.h): the run loop saves the VM after this exit. */
static int hc_snapshot(struct vm *vm, void *args)
{
	struct nanvix_hc_snapshot a = { .ret = 0 };

	if (vm->snapshot) {
		vm->snapshot_due = (uint64_t)((uint8_t *)args - vm->mem.base) + 1;
		return 0; /* `ret` is written by the restore */
	}
	PUT_FIELD(args, struct nanvix_hc_snapshot, a, ret);
	return 0;
}

#define HC(port, fn, type) [(port)-NANVIX_HC_PORT_BASE] = { fn, sizeof(type) }

static const struct hc_desc hypercalls[NANVIX_HC_PORT_COUNT] = {
	HC(NANVIX_HC_EXIT, hc_exit, struct nanvix_hc_exit),
	HC(NANVIX_HC_LOG, hc_log, struct nanvix_hc_log),
	HC(NANVIX_HC_WRITE, hc_write, struct nanvix_hc_write),
	HC(NANVIX_HC_WRITEV, hc_writev, struct nanvix_hc_writev),
	HC(NANVIX_HC_READ, hc_read, struct nanvix_hc_read),
	HC(NANVIX_HC_FRAMES_SCRUB, hc_frames_scrub, struct nanvix_hc_frames_scrub),
	HC(NANVIX_HC_PANIC, hc_panic, struct nanvix_hc_log),
	HC(NANVIX_HC_STRACE, hc_strace, struct nanvix_hc_strace),
	HC(NANVIX_HC_RANDOM, hc_random, struct nanvix_hc_random),
	HC(NANVIX_HC_SLEEP, hc_sleep, struct nanvix_hc_sleep),
	HC(NANVIX_HC_TIMER, hc_timer, struct nanvix_hc_timer),
	HC(NANVIX_HC_COPY, hc_copy, struct nanvix_hc_copy),
	HC(NANVIX_HC_FORK, hc_fork, struct nanvix_hc_fork),
	HC(NANVIX_HC_EXEC, hc_exec, struct nanvix_hc_exec),
	HC(NANVIX_HC_RELEASE, hc_release, struct nanvix_hc_release),
	HC(NANVIX_HC_TTY, hc_tty, struct nanvix_hc_tty),
	HC(NANVIX_HC_SNAPSHOT, hc_snapshot, struct nanvix_hc_snapshot),
	HC(NANVIX_HC_MM, hc_mm, struct nanvix_hc_mm),
};

/* The doorbell carries the ring's address, not an argument struct. */
static int hc_ring(struct vm *vm, uint32_t arg)
{
	int rc;

	if (arg != NANVIX_RING_PADDR || !vm->ring_kick) {
		vm_error("guest error: ring doorbell %s (value %#x)",
		         vm->ring_kick ? "with a wrong ring address" : "but the VM has no rings",
		         (unsigned)arg);
		return stop(vm, NANVIXD_EXIT_GUEST);
	}
	rc = vm->ring_kick(vm->ring_ctx);
	return rc ? stop(vm, rc) : 0;
}

int vm_hypercall(struct vm *vm, uint16_t port, uint32_t arg)
{
	const struct hc_desc *hc;
	void *args;

	if (port == NANVIX_HC_RING)
		return hc_ring(vm, arg);
	if (port < NANVIX_HC_PORT_BASE || port >= NANVIX_HC_PORT_BASE + NANVIX_HC_PORT_COUNT ||
	    !hypercalls[port - NANVIX_HC_PORT_BASE].handle)
		return -1; /* not a hypercall port: the caller reports it */
	hc = &hypercalls[port - NANVIX_HC_PORT_BASE];
	args = gpa_ptr(&vm->mem, arg, hc->size);
	if (!args || (arg & 7)) {
		vm_error("guest error: hypercall %#x with bad argument address %#x", (unsigned)port,
		         (unsigned)arg);
		return stop(vm, NANVIXD_EXIT_GUEST);
	}
	return hc->handle(vm, args);
}
