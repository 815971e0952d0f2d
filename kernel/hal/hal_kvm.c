/* HAL backend for nanvixd's micro-VM: hypercalls on I/O ports, host-built boot state. */
/*
 * nanvixd has already built the GDT, IDT, TSS, page tables and the first
 * process, so this boot path only checks the boot info and records it:
 * a few hundred emulated instructions from the first one to ring 3.
 */
#include <abi/bootinfo.h>
#include <abi/hypercall.h>
#include <fd/remote.h>
#include <hal/hal.h>
#include <mm/frame.h>
#include <net/inet.h>
#include <proc/proc.h>
#include <sys/syscall.h>

/* Hypercall argument blocks: one of each, single vCPU, physical via kphys. */
static union nanvix_hc_args hc __attribute__((aligned(64)));

extern char kstack_top[];

/* Physical address of kernel memory in the image window or the direct map. */
static uint64_t kphys(const void *p)
{
	uint64_t va = (uint64_t)p;

	return va >= NANVIX_KERNEL_VBASE ? va - NANVIX_KERNEL_VBASE : V2P(va);
}

static void hypercall(uint16_t port, const void *args)
{
	hal_outl(port, (uint32_t)kphys(args));
}

/*
 * Console text goes through one buffer in the kernel image: callers' strings
 * may sit on a thread's kernel stack, whose pages are not contiguous.
 */
static char log_buf[512];

static void log_via(uint16_t port, const char *s, size_t n)
{
	if (n > sizeof(log_buf))
		n = sizeof(log_buf);
	memcpy(log_buf, s, n);
	hc.log.buf = kphys(log_buf);
	hc.log.len = n;
	hypercall(port, &hc.log);
}

static void kvm_log(const char *s, size_t n)
{
	log_via(NANVIX_HC_LOG, s, n);
}

__attribute__((noreturn)) static void kvm_exit(int status)
{
	hc.exit.status = status;
	hc.exit.stats.traps = kstats.traps + kstats.syscalls + kstats.enosys;
	hc.exit.stats.syscalls = kstats.syscalls;
	hc.exit.stats.enosys = kstats.enosys;
	hc.exit.stats.last_enosys = kstats.last_enosys;
	hc.exit.stats.wx_mmap = kstats.wx_mmap;
	hc.exit.stats.wx_mprotect = kstats.wx_mprotect;
	hc.exit.stats.frames_free = mm_frames_free();
	hc.exit.stats.frames_total = mm_frames_total();
	for (;;)
		hypercall(NANVIX_HC_EXIT, &hc.exit);
}

__attribute__((noreturn)) static void kvm_panic(const char *msg, size_t n)
{
	for (;;)
		log_via(NANVIX_HC_PANIC, msg, n);
}

static int kvm_frames_scrub(uint32_t *pfns, uint32_t n)
{
	hc.scrub.pfns = kphys(pfns);
	hc.scrub.count = n;
	hypercall(NANVIX_HC_FRAMES_SCRUB, &hc.scrub);
	return (int)hc.scrub.ret;
}

static long kvm_user_write(int fd, uint64_t buf, uint64_t len)
{
	hc.write.cr3 = proc_current->cr3;
	hc.write.fd = fd;
	hc.write.buf = buf;
	hc.write.len = len;
	hypercall(NANVIX_HC_WRITE, &hc.write);
	return hc.write.ret;
}

static long kvm_user_writev(int fd, uint64_t iov, uint32_t iovcnt)
{
	hc.writev.cr3 = proc_current->cr3;
	hc.writev.fd = fd;
	hc.writev.iov = iov;
	hc.writev.iovcnt = iovcnt;
	hypercall(NANVIX_HC_WRITEV, &hc.writev);
	return hc.writev.ret;
}

static long kvm_user_read(int fd, uint64_t buf, uint64_t len)
{
	(void)fd; /* only the console: nanvixd's stdin */
	hc.read.cr3 = proc_current->cr3;
	hc.read.buf = buf;
	hc.read.len = len;
	hypercall(NANVIX_HC_READ, &hc.read);
	return hc.read.ret;
}

static long kvm_random(uint64_t buf, uint64_t len)
{
	hc.random.cr3 = proc_current->cr3;
	hc.random.buf = buf;
	hc.random.len = len;
	hypercall(NANVIX_HC_RANDOM, &hc.random);
	return hc.random.ret;
}

/* The boot info stays mapped (direct map): the host posts signals in it. */
static struct nanvix_bootinfo *boot_info;

/* Above 0 (the new generation): restored from a snapshot the host took
 * while this SLEEP waited; the host rewrote the clock bases. */
static long kvm_sleep(uint64_t ns)
{
	hc.sleep.ns = ns;
	hypercall(NANVIX_HC_SLEEP, &hc.sleep);
	if (hc.sleep.ret > 0)
		clock_restored(boot_info);
	return hc.sleep.ret;
}

static void kvm_timer(uint64_t ns)
{
	hc.timer.ns = ns;
	hypercall(NANVIX_HC_TIMER, &hc.timer);
}

static long kvm_copy(uint64_t dst_cr3, uint64_t dst, uint64_t src_cr3, uint64_t src, uint64_t len)
{
	hc.copy.dst_cr3 = dst_cr3;
	hc.copy.dst = dst;
	hc.copy.src_cr3 = src_cr3;
	hc.copy.src = src;
	hc.copy.len = len;
	hypercall(NANVIX_HC_COPY, &hc.copy);
	return hc.copy.ret;
}

static long kvm_fork_aspace(uint64_t src_cr3, uint64_t dst_cr3, struct nanvix_frames_lent *lent)
{
	hc.fork.src_cr3 = src_cr3;
	hc.fork.dst_cr3 = dst_cr3;
	hc.fork.frames = *lent;
	hypercall(NANVIX_HC_FORK, &hc.fork);
	lent->used = hc.fork.frames.used;
	return hc.fork.ret;
}

static long kvm_release(uint64_t cr3, uint64_t pfns, uint32_t max, uint32_t *count)
{
	hc.release.cr3 = cr3;
	hc.release.pfns = pfns;
	hc.release.max = max;
	hypercall(NANVIX_HC_RELEASE, &hc.release);
	*count = hc.release.count;
	return hc.release.ret;
}

/* In place: the request is a kernel static (mm/frame.c), and copying it costs emulated stores. */
static long kvm_mm(struct nanvix_hc_mm *a)
{
	hypercall(NANVIX_HC_MM, a);
	return a->ret;
}

static long kvm_exec(struct nanvix_hc_exec *x)
{
	hc.exec = *x;
	hypercall(NANVIX_HC_EXEC, &hc.exec);
	*x = hc.exec;
	return x->ret;
}

static void kvm_strace(long nr, const long args[6], long ret, bool noreturn)
{
	int i;

	hc.strace.cr3 = proc_current->cr3;
	hc.strace.pid = proc_current->pid;
	hc.strace.nr = nr;
	for (i = 0; i < 6; i++)
		hc.strace.args[i] = args[i];
	hc.strace.ret = ret;
	hc.strace.flags = noreturn ? NANVIX_STRACE_NORETURN : 0;
	hypercall(NANVIX_HC_STRACE, &hc.strace);
}

static uint64_t kvm_host_signals(void)
{
	/* A plain read first: the exchange is a locked, emulated instruction. */
	if (!*(volatile uint64_t *)&boot_info->host_signals)
		return 0;
	return __atomic_exchange_n(&boot_info->host_signals, 0, __ATOMIC_SEQ_CST);
}

static long kvm_tty(int stream, uint32_t req, uint64_t arg)
{
	if (stream < 0 || stream > 2 || !(boot_info->flags & NANVIX_BOOT_TTY(stream)))
		return -LINUX_ENOTTY;
	hc.tty.cr3 = proc_current->cr3;
	hc.tty.fd = (uint32_t)stream;
	hc.tty.req = req;
	hc.tty.arg = arg;
	hypercall(NANVIX_HC_TTY, &hc.tty);
	return hc.tty.ret;
}

/*
 * A snapshot point.  The call returns in the VM that made it (no snapshot,
 * or the host refused) or, with the same registers, in every VM restored
 * from the snapshot: there the host has rewritten the boot info's clock
 * bases, and they are reloaded before anything else runs.
 */
static long kvm_snapshot(bool take, struct nanvix_snapshot_info *info)
{
	long rc = 0;

	if (take) {
		hc.snapshot.ret = -LINUX_ENOSYS;
		hypercall(NANVIX_HC_SNAPSHOT, &hc.snapshot);
		rc = hc.snapshot.ret;
		if (rc > 0)
			clock_restored(boot_info);
	}
	if (rc < 0)
		return rc;
	info->generation = boot_info->generation;
	info->realtime_ns = boot_info->restored_ns;
	memcpy(info->seed, boot_info->seed, sizeof(info->seed));
	info->taken = rc > 0;
	return 0;
}

static void kvm_ring_kick(void)
{
	hal_outl(NANVIX_HC_RING, (uint32_t)NANVIX_RING_PADDR);
}

static struct hal_ops kvm_ops = {
	.name = "kvm",
	.log = kvm_log,
	.exit = kvm_exit,
	.panic = kvm_panic,
	.frames_scrub = kvm_frames_scrub,
	.user_write = kvm_user_write,
	.user_writev = kvm_user_writev,
	.user_read = kvm_user_read,
	.random = kvm_random,
	.sleep = kvm_sleep,
	.timer = kvm_timer,
	.copy = kvm_copy,
	.fork_aspace = kvm_fork_aspace,
	.exec = kvm_exec,
	.release = kvm_release,
	.mm = kvm_mm,
	.ring_kick = kvm_ring_kick,
	.host_signals = kvm_host_signals,
	.tty = kvm_tty,
	.snapshot = kvm_snapshot,
};

const struct hal_ops *hal;

/* Called from kvm_entry (entry.S) on the boot stack. */
__attribute__((noreturn)) void kvm_main(struct nanvix_bootinfo *bi)
{
	hal = &kvm_ops;
	boot_info = bi;
	if (bi->magic != NANVIX_BOOTINFO_MAGIC || bi->abi_version != NANVIX_ABI_VERSION)
		panic("boot info has magic %#x version %u, want %#x version %u", bi->magic,
		      bi->abi_version, NANVIX_BOOTINFO_MAGIC, NANVIX_ABI_VERSION);
	if (bi->flags & NANVIX_BOOT_STRACE) {
		kvm_ops.strace = kvm_strace;
		syscall_slow = 1; /* every call through syscall_dispatch */
	}
	hal_tss_rsp0 = (uint64_t *)(NANVIX_DMAP_BASE + NANVIX_GDT_PADDR + NANVIX_TSS_OFFSET + 4);
	hal_set_kstack((uint64_t)kstack_top);
	mm_frame_init(bi->free, bi->nranges, P2V(bi->pfn_stacks), bi->mem_size / PAGE_SIZE);
	clock_init(bi);
	remote_init(bi);
	inet_init(bi);
	proc_init_boot(bi);
	user_enter(bi->entry, bi->sp);
}
