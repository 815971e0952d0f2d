/* The micro-VM: guest memory, one vCPU on /dev/kvm, its run loop and exit codes. */
#ifndef MONITOR_VM_H
#define MONITOR_VM_H

#include <linux/kvm.h>
#include <signal.h>
#include <stdbool.h>
#include <time.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <stdint.h>

#include <abi/bootinfo.h>
#include <abi/hypercall.h>
#include <abi/vvar.h>
#include <monitor/strace.h>
#include <monitor/tty.h>

/*
 * nanvixd's own exit statuses.  A program's status (0..255, 128 + signal
 * when killed) passes through unchanged; these mark failures of nanvixd or
 * of the VM itself, in the style of timeout(1) and env(1).
 */
enum nanvixd_status {
	NANVIXD_EXIT_SECCOMP = 119,  /* nanvixd made a system call its allowlist forbids */
	NANVIXD_EXIT_NOKVM = 120,    /* /dev/kvm missing or unusable */
	NANVIXD_EXIT_NOMEM = 121,    /* guest memory too small for the images */
	NANVIXD_EXIT_GUEST = 122,    /* the VM stopped on an error */
	NANVIXD_EXIT_HOST = 123,     /* a host-side failure (KVM ioctl, mmap) */
	NANVIXD_EXIT_TIMEOUT = 124,  /* --timeout expired */
	NANVIXD_EXIT_USAGE = 125,    /* bad command line */
	NANVIXD_EXIT_BADELF = 126,   /* kernel or program is not loadable */
	NANVIXD_EXIT_NOTFOUND = 127, /* kernel or program file not found */
};

/* The VM's timers (vm_timer_set), each a POSIX timer made on first use. */
enum vm_timer_id {
	VM_TIMER_TICK,     /* preemption tick (NANVIX_HC_TIMER) */
	VM_TIMER_DEADLINE, /* --timeout: vm_run returns NANVIXD_EXIT_TIMEOUT */
	VM_TIMER_GRACE,    /* the stop grace period (hostsig.c) */
	VM_TIMER_QUOTA,    /* --cpus: the vCPU's quota of this period may be used up */
	VM_TIMERS
};

struct vm_timer {
	volatile sig_atomic_t fired; /* set by the signal (or found expired) */
	bool made, armed;
	timer_t id;
};

/* vm_run's value when vm_pause stopped it: call vm_run again to resume. */
#define VM_PAUSED 256
/* vm_run's value when the guest idles and vm->park took it: call vm_run
 * again (on any thread) once something woke it. */
#define VM_PARKED 257

/* A program execve can start: a name and the host file behind it. */
struct vm_program {
	const char *name;
	const char *path;
};

/* Guest RAM: one region at guest-physical 0.  The host owns the mapping. */
struct vm_mem {
	uint8_t *base;
	uint64_t size; /* bytes, a multiple of 4 KiB */
	bool shared;   /* a MAP_SHARED memfd mapping (gpa_zero punches holes) */
	bool file;     /* a MAP_PRIVATE mapping of a snapshot's memory file */
};

/* Everything a later KVM_RUN of the vCPU depends on (no irqchip here). */
#define VM_CPU_MSRS 8
struct vm_cpu_state {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	uint32_t
	        xsave[1024]; /* struct kvm_xsave without its flexible tail (4 KiB: KVM_GET_XSAVE) */
	struct kvm_xcrs xcrs;
	struct kvm_vcpu_events events;
	struct kvm_debugregs debugregs;
	uint32_t nmsrs;
	uint32_t irq_pending; /* the host owed the guest a tick */
	struct kvm_msr_entry msrs[VM_CPU_MSRS];
};

/* What a snapshot may only be restored on: the same CPU model, features and TSC rate. */
#define VM_CPU_FEATURE_WORDS 9
struct vm_fingerprint {
	char vendor[12];    /* CPUID.0 */
	uint32_t signature; /* CPUID.1:EAX: family, model, stepping */
	/* KVM_GET_SUPPORTED_CPUID's feature words (what the guest sees):
	 * 1:ECX,EDX 7.0:EBX,ECX,EDX 0xD.0:EAX 0xD.1:EAX 0x80000001:ECX,EDX */
	uint32_t features[VM_CPU_FEATURE_WORDS];
	uint64_t tsc_khz;
};

struct vm {
	struct vm_mem mem;
	bool ram_memfd; /* set before vm_create: RAM in a memfd, to share with bin/macrokernel */
	bool mem_from_file; /* set before vm_create: RAM is the snapshot memory file mem_fd, */
	int mem_fd;         /* mapped MAP_PRIVATE (the VM does not own the fd) */
	int ram_fd;         /* that memfd (sealed against shrinking), or -1 */
	int kvm_fd, vm_fd, vcpu_fd;
	struct kvm_run *run;
	size_t run_size;

	/* Console: guest fd 1 and 2, kernel log, stdin. */
	int out_fd, err_fd, log_fd, in_fd;
	struct vm_tty tty; /* which console streams are terminals (tty.c) */
	bool strace;       /* print NANVIX_HC_STRACE reports to strace_fd */
	int strace_fd;     /* stderr, or the --strace-file */
	struct strace_state strace_st;
	bool sync_regs; /* KVM_CAP_SYNC_REGS: registers in the run area */

	/* The program images execve may start, and the user stack size. */
	const struct vm_program *programs;
	int nprograms;
	uint64_t stack_size;
	struct nanvix_vvar vvar; /* what every new address space's vvar page holds */

	/* The ring doorbell (NANVIX_HC_RING): serves the VM's ring, 0 or a
	 * nanvixd status that stops the VM (NULL: the VM has no macro-kernel). */
	int (*ring_kick)(void *ctx);
	void *ring_ctx;
	/* execve of a program on the VM's file system: the whole file at `path`
	 * (relative to fs handle `cwd`) in a malloc'd *buf, or -errno (NULL:
	 * only --program images can be exec'd). */
	int (*load_file)(void *ctx, uint64_t cwd, const char *path, void **buf, size_t *len);
	/* NANVIX_HC_SLEEP with host-side work to do meanwhile (mk_vm_idle,
	 * `ring_ctx`): 1 wakes the guest early, 0 after ns, -EINTR, -ENOSYS
	 * for a plain sleep.  NULL: a plain sleep. */
	int (*idle)(void *ctx, uint64_t ns);
	/* Host work another thread asked for (vm_kick): done on the vCPU's
	 * thread before it runs the guest again; 1 injects a tick (the guest
	 * has something to take).  `ring_ctx`.  NULL: vm_kick is not used. */
	int (*host_work)(void *ctx);
	int kick_ack;          /* eventfd written after host_work ran, or -1 */
	volatile bool in_idle; /* inside `idle` (NANVIX_HC_SLEEP) */
	/*
	 * NANVIX_HC_SLEEP for a VM that no thread waits for (monitor/fleet.h),
	 * before `idle`: `ns` is the guest's (NANVIX_HC_SLEEP_FOREVER: no
	 * deadline).  0 parks it: the guest will see the SLEEP return 0, and
	 * vm_run returns VM_PARKED; 1 returns to the guest at once.  NULL: idle.
	 */
	int (*park)(void *ctx, uint64_t ns);
	void *park_ctx;
	bool park_due; /* the SLEEP just served parked the VM */
	/* While parked: the guest-physical address of that SLEEP's `ret`; 0
	 * once the VM runs again. */
	uint64_t parked_ret_gpa;
	/*
	 * The fast file path (abi/vvar.h): serve call `nr` with args a[0..5]
	 * made in ring 3 of the address space `cr3` (read from the vCPU).
	 * 0 with the result in *ret, or 1: not served here (the guest traps).
	 * NULL: every store to the fast-call page is a guest error.
	 */
	int (*fastcall)(void *ctx, uint64_t cr3, uint64_t nr, const uint64_t a[6], int64_t *ret);
	bool fastmm; /* the fast mm path (abi/vvar.h): aspace_fastmm */
	uint64_t nfastcalls;
	/*
	 * NANVIX_HC_SNAPSHOT: save the VM, stopped at the call whose argument
	 * block is at guest-physical `hc_gpa`, and return the status vm_run
	 * ends with (0: saved).  NULL: no snapshot wanted; the call returns 0
	 * and the guest goes on.  `snapshot_ctx` is its context.
	 */
	int (*snapshot)(struct vm *vm, uint64_t hc_gpa, void *ctx);
	void *snapshot_ctx;
	uint64_t snapshot_due;  /* the call's hc_gpa + 1 once made, for the run loop */
	/*
	 * A snapshot the host asked for from another thread (vm_request_snapshot):
	 * taken at the guest's next idle NANVIX_HC_SLEEP, after which the VM
	 * goes on.  The run loop calls host_snapshot(vm, ret_gpa, snapshot_ctx)
	 * with the SLEEP's `ret` at guest-physical ret_gpa; it clears
	 * host_snap_due once the snapshot is saved or has failed, or sets
	 * host_snap_wait to let the guest sleep once before the next try.
	 * NULL: host snapshots are not served.
	 */
	void (*host_snapshot)(struct vm *vm, uint64_t ret_gpa, void *ctx);
	volatile sig_atomic_t host_snap_due;
	bool host_snap_wait;
	uint64_t host_snap_gpa; /* that SLEEP's ret + 1, for the run loop */
	struct iovec *copy_iov; /* NANVIX_HC_COPY's scratch (hypercall.c), or NULL */

	/* Filled by the run loop. */
	bool done;
	int status;      /* nanvixd exit status once done */
	uint64_t nexits; /* every return from KVM_RUN */

	/*
	 * A CPU quota (--cpus): the vCPU thread runs at most cpu_quota_ns of
	 * CPU time in each cpu_period_ns of wall-clock time, then sleeps to
	 * the period's end (cgroup v2 cpu.max's model, enforced by the vCPU
	 * thread itself).  0: none.  The rest is the run loop's state.
	 */
	uint64_t cpu_quota_ns, cpu_period_ns;
	uint64_t period_start_ns, period_cpu0_ns;
	uint64_t nthrottled; /* periods the quota ran out in */
	bool have_stats;
	struct nanvix_kstats stats;
	/* Where the kernel keeps them meanwhile (boot_entry): read when the VM
	 * stops without NANVIX_HC_EXIT.  0: unknown. */
	uint64_t kstats_gpa, frames_gpa;
	/*
	 * W^X refusals on the host's side (the kernel counts its own, mmap and
	 * mprotect, in `stats`): execve of an image with a writable and
	 * executable page (exec.c), and NANVIX_HC_MM maps asking for one
	 * (hypercall.c; only a hostile or broken kernel asks).
	 */
	uint64_t wx_exec, wx_hypercall;

	/*
	 * Timers and requests from other threads (vm_kick, vm_stop, vm_pause):
	 * each sets its flag and interrupts KVM_RUN on the vCPU's thread; the
	 * run loop acts on them between two KVM_RUNs.
	 */
	unsigned serial; /* names the VM in its timers' signals */
	pid_t tid;       /* the thread in vm_run, or 0 */
	pid_t timer_tid; /* the thread the timers signal */
	struct vm_timer timers[VM_TIMERS];
	volatile sig_atomic_t kick_due;  /* vm_kick: run host_work */
	volatile sig_atomic_t pause_due; /* vm_pause: vm_run returns VM_PAUSED */
	volatile int stop_status;        /* vm_stop: vm_run returns it */
	uint64_t signals_due;            /* vm_post_signal: bit (sig - 1) for process 1 */
	/* Called by the run loop between two KVM_RUNs (the CLI's host signals,
	 * hostsig_poll): 0, or a status vm_run returns.  NULL: none. */
	int (*poll)(struct vm *vm);
	bool irq_pending; /* NANVIX_TIMER_VECTOR waits for the guest's IF */

	/* Forwarded signals (hostsig.c): posted in the boot info (host view;
	 * NULL: never), and a SLEEP or console READ returns -EINTR at once
	 * until a tick has been injected for them. */
	struct nanvix_bootinfo *bootinfo;
	bool sig_posted;
};

/*
 * Open /dev/kvm and create a VM with `mem_size` bytes of zeroed RAM and one
 * vCPU (not yet initialised).  RAM is anonymous memory, or, when
 * vm->ram_memfd is set, a memfd (vm->ram_fd, sealed against shrinking)
 * mapped MAP_SHARED so that bin/macrokernel can map it too.  Returns 0, or
 * a nanvixd status after printing a one-line error.  On failure everything
 * acquired is released.
 */
int vm_create(struct vm *vm, uint64_t mem_size);

/* Release every fd and mapping of the VM.  Safe on a partly created VM. */
void vm_destroy(struct vm *vm);

/*
 * Set the vCPU's registers for 64-bit entry: CR3 `cr3`, RIP `rip`, RSP
 * `rsp`, RDI `rdi`, LSTAR `lstar`; the GDT/IDT/TSS at their fixed pages.
 * Returns 0 or a nanvixd status after printing an error.  *fsgsbase is set
 * to whether CR4.FSGSBASE could be enabled.
 */
int vm_setup_cpu(struct vm *vm, uint64_t cr3, uint64_t rip, uint64_t rsp, uint64_t rdi,
                 uint64_t lstar, bool *fsgsbase);

/*
 * Arm the VM's one-shot timer `id` `ns` from now (0 disarms).  It signals
 * the thread running the VM (moved with it when vm_run is called on
 * another thread); vm->timers[id].fired is set when it expires.  Call on
 * the thread that runs the VM, or while no thread does.  0 or -errno.
 */
int vm_timer_set(struct vm *vm, enum vm_timer_id id, uint64_t ns);

/* The preemption tick: the run loop injects NANVIX_TIMER_VECTOR when it fires. */
int vm_timer_arm(struct vm *vm, uint64_t ns);

/*
 * Snapshots (snapshot.c).  vm_cpu_save completes the exit the vCPU stopped
 * at (KVM_RUN with immediate_exit) and reads its whole state; vm_cpu_load
 * writes it back (`fresh`: a vCPU that never ran, which first gets the
 * same CPUID).  vm_fingerprint reads what a snapshot must match.  0, or
 * -1 after printing why.
 */
int vm_cpu_save(struct vm *vm, struct vm_cpu_state *st);
int vm_cpu_load(struct vm *vm, const struct vm_cpu_state *st, bool fresh);
int vm_fingerprint(struct vm *vm, struct vm_fingerprint *fp);

/* Map the snapshot memory file vm->mem_fd over guest RAM again (dropping private pages). */
int vm_mem_reset(struct vm *vm);

/* Read the guest TSC and its rate (kHz); returns 0 or -1. */
int vm_read_tsc(struct vm *vm, uint64_t *tsc, uint64_t *khz);

/*
 * Requests from any thread, and from signal handlers (they only set a
 * flag and signal the vCPU's thread): vm_kick runs vm->host_work before
 * the guest runs again; vm_stop makes vm_run return `status` (non-zero);
 * vm_pause makes it return VM_PAUSED; vm_interrupt only makes the run
 * loop look (at vm->poll).
 */
void vm_kick(struct vm *vm);
void vm_stop(struct vm *vm, int status);
void vm_pause(struct vm *vm);
void vm_interrupt(struct vm *vm);
/* Ask for a host snapshot (vm->host_snapshot, set): flag it and wake the vCPU. */
void vm_request_snapshot(struct vm *vm);

/*
 * Send signal `sig` (1..64) to the guest's process 1: posted in the boot
 * info's host_signals and taken by the kernel at the tick injected for it.
 * Callable from any thread and from signal handlers.
 */
void vm_post_signal(struct vm *vm, int sig);

/*
 * Run the vCPU on the calling thread until the guest exits or fails, a
 * timer or request stops it; returns the nanvixd status, VM_PAUSED or
 * VM_PARKED (call again to resume, on any thread).
 */
int vm_run(struct vm *vm);

/*
 * Serve the hypercall written to `port` with argument address `arg`.
 * Returns 0 to resume the guest, 1 to stop it (vm->done and vm->status
 * set, an error printed where it is one), or -1 when `port` is not a
 * hypercall port.  In hypercall.c.
 */
int vm_hypercall(struct vm *vm, uint16_t port, uint32_t arg);

/* Print "nanvixd: " and the message to stderr. */
void vm_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* MONITOR_VM_H */
