/* The micro-VM on /dev/kvm, x86-64: creation, 64-bit entry state, run loop. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <abi/bootinfo.h>
#include <abi/linux.h>
#include <abi/vvar.h>
#include <abi/x86_paging.h>
#include <monitor/aspace.h>
#include <monitor/guestmem.h>
#include <monitor/hostsig.h>
#include <monitor/sandbox.h>
#include <monitor/vm.h>

#define MSR_IA32_TSC       0x10
#define MSR_STAR           0xc0000081
#define MSR_LSTAR          0xc0000082
#define MSR_CSTAR          0xc0000083
#define MSR_SFMASK         0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102

#define CR0_PE         (1u << 0)
#define CR0_MP         (1u << 1)
#define CR0_ET         (1u << 4)
#define CR0_NE         (1u << 5)
#define CR0_WP         (1u << 16)
#define CR0_PG         (1u << 31)
#define CR4_PAE        (1u << 5)
#define CR4_OSFXSR     (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_UMIP       (1u << 11)
#define CR4_FSGSBASE   (1u << 16)
#define EFER_SCE       (1u << 0)
#define EFER_LME       (1u << 8)
#define EFER_LMA       (1u << 10)
#define EFER_NXE       (1u << 11)

#define RFLAGS_IF 0x200ull
#define PF_WRITE  0x2u
#define PF_USER   0x4u

/* RFLAGS bits cleared on SYSCALL: TF, IF, DF, IOPL, NT, AC. */
#define SFMASK_BITS 0x47700ull

/*
 * Every timer of a VM and every wake-up from another thread use one
 * signal, VM_SIGNAL, sent to the thread running the VM's vCPU: it makes
 * KVM_RUN (or a host wait) return EINTR.  Nothing in the handler points
 * at a VM: a timer's signal carries the VM's serial and the timer's id,
 * and counts only if that VM is the one this thread is running, so a
 * signal still queued for a VM that has moved to another thread or been
 * destroyed is dropped (vm_run finds timers that fired meanwhile).
 */
#define VM_SIGNAL SIGRTMIN
/* How soon to look again at a tick that found ring 3 unable to take it. */
#define TICK_RETRY_NS 200000ull
#define TIMER_ID_BITS 4

static __thread struct vm *running; /* the VM this thread is in vm_run for */
/* Names a VM in its timers' signals (not a pointer: a late signal finds no VM). */
#define VM_SERIAL_MASK ((1u << (31 - TIMER_ID_BITS)) - 1)
static unsigned serials;

static void on_vm_signal(int sig, siginfo_t *si, void *uc)
{
	struct vm *vm = running;

	(void)sig, (void)uc;
	if (!vm)
		return;
	if (si->si_code == SI_TIMER) {
		unsigned v = (unsigned)si->si_value.sival_int;

		if (v >> TIMER_ID_BITS != vm->serial ||
		    (v & ((1u << TIMER_ID_BITS) - 1)) >= VM_TIMERS)
			return;
		vm->timers[v & ((1u << TIMER_ID_BITS) - 1)].fired = 1;
	}
	vm->run->immediate_exit = 1;
}

/* The handler, installed once per process and never removed: a late signal is harmless. */
static int vm_signal_setup(void)
{
	struct sigaction sa = { .sa_sigaction = on_vm_signal, .sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask); /* no SA_RESTART: KVM_RUN and host waits return EINTR */
	return sigaction(VM_SIGNAL, &sa, NULL) < 0 ? -errno : 0;
}

void vm_interrupt(struct vm *vm)
{
	pid_t tid = vm->tid;

	if (vm->run && vm->run != MAP_FAILED)
		vm->run->immediate_exit = 1;
	if (tid > 0 && running != vm)
		syscall(SYS_tgkill, getpid(), tid, VM_SIGNAL);
}

void vm_kick(struct vm *vm)
{
	vm->kick_due = 1;
	vm_interrupt(vm);
}

void vm_request_snapshot(struct vm *vm)
{
	vm->host_snap_due = 1;
	vm_interrupt(vm);
}

void vm_stop(struct vm *vm, int status)
{
	vm->stop_status = status;
	vm_interrupt(vm);
}

void vm_post_signal(struct vm *vm, int sig)
{
	if (sig >= 1 && sig <= 64) {
		__atomic_fetch_or(&vm->signals_due, 1ull << (sig - 1), __ATOMIC_SEQ_CST);
		vm_interrupt(vm);
	}
}

void vm_pause(struct vm *vm)
{
	vm->pause_due = 1;
	vm_interrupt(vm);
}

/* Make timer `id` signal thread `tid`; 0 or -errno. */
static int timer_make(struct vm *vm, int id, pid_t tid)
{
	struct sigevent sev;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = VM_SIGNAL;
	sev.sigev_value.sival_int = (int)(vm->serial << TIMER_ID_BITS | (unsigned)id);
	sev._sigev_un._tid = tid;
	if (timer_create(CLOCK_MONOTONIC, &sev, &vm->timers[id].id) < 0)
		return -errno;
	vm->timers[id].made = true;
	return 0;
}

int vm_timer_set(struct vm *vm, enum vm_timer_id id, uint64_t ns)
{
	struct itimerspec its = { .it_value = { (time_t)(ns / 1000000000ull),
		                                (long)(ns % 1000000000ull) } };
	struct vm_timer *t = &vm->timers[id];
	pid_t tid = vm->tid > 0 ? vm->tid : (pid_t)syscall(SYS_gettid);

	if (!t->made) {
		int rc = timer_make(vm, id, tid);

		if (rc)
			return rc;
		vm->timer_tid = tid;
	}
	t->fired = 0;
	t->armed = ns != 0;
	return timer_settime(t->id, 0, &its, NULL) < 0 ? -errno : 0;
}

int vm_timer_arm(struct vm *vm, uint64_t ns)
{
	return vm_timer_set(vm, VM_TIMER_TICK, ns);
}

/*
 * On entry to vm_run: timers that expired while no thread ran the VM
 * count as fired, and timers aimed at another thread (the VM ran there
 * last) are made again for this one, with what they had left.
 */
static int timers_adopt(struct vm *vm)
{
	for (int id = 0; id < VM_TIMERS; id++) {
		struct vm_timer *t = &vm->timers[id];
		struct itimerspec left;

		if (!t->made)
			continue;
		if (timer_gettime(t->id, &left) < 0)
			return -errno;
		if (t->armed && left.it_value.tv_sec == 0 && left.it_value.tv_nsec == 0) {
			t->fired = 1;
			t->armed = false;
		}
		if (vm->timer_tid == vm->tid)
			continue;
		timer_delete(t->id);
		t->made = false;
		if (timer_make(vm, id, vm->tid) < 0 ||
		    (t->armed && timer_settime(t->id, 0, &left, NULL) < 0))
			return -errno;
	}
	vm->timer_tid = vm->tid;
	return 0;
}

static void timers_delete(struct vm *vm)
{
	for (int id = 0; id < VM_TIMERS; id++)
		if (vm->timers[id].made) {
			timer_delete(vm->timers[id].id);
			vm->timers[id].made = false;
			vm->timers[id].armed = false;
		}
}

/*
 * Ring 3 with interrupts "off": on the software hypervisor of
 * docs/syscalls.md, a `syscall` answered in ring 3 by the entry page
 * leaves the vCPU's IF cleared by SFMASK although it never left ring 3,
 * and no interrupt window would open until the thread next traps.  Ring 3
 * never legitimately runs with IF clear here (the kernel enters it with IF
 * set and user code cannot clear it), so set it back (in `r`, `cr3` the
 * address space).  Not just after an `int3` (0xcc): the exit may have come
 * as the entry page's int3 trapped, RIP already past it, and an interrupt
 * injected then is taken in the trap's place (seen here); such a tick
 * waits: IF_LATER.  Ring 0 with IF clear opens its window by itself:
 * IF_RING0.
 */
enum if_state { IF_REPAIRED, IF_RING0, IF_LATER };

static enum if_state if_repair(struct vm *vm, struct kvm_regs *r, uint16_t cs, uint64_t cr3)
{
	uint8_t before = 0;

	if ((cs & 3) != 3)
		return IF_RING0;
	if (r->rflags & RFLAGS_IF)
		return IF_LATER; /* not the case above; the window will tell */
	if (gva_read(&vm->mem, cr3 & PTE_ADDR, r->rip - 1, &before, 1) < 0 || before == 0xcc)
		return IF_LATER;
	r->rflags |= RFLAGS_IF;
	return IF_REPAIRED;
}

static enum if_state ring3_if_repair(struct vm *vm)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	enum if_state st;

	/* Registers a fast call left for the next KVM_RUN (sync_regs) win over KVM_SET_REGS. */
	if (vm->run->kvm_dirty_regs & KVM_SYNC_X86_REGS)
		return if_repair(vm, &vm->run->s.regs.regs, vm->run->s.regs.sregs.cs.selector,
		                 vm->run->s.regs.sregs.cr3);
	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0 ||
	    ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) < 0)
		return IF_LATER;
	st = if_repair(vm, &regs, sregs.cs.selector, sregs.cr3);
	if (st == IF_REPAIRED && ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0)
		return IF_LATER;
	return st;
}

/*
 * Deliver a due tick: inject it now if the guest can take an interrupt,
 * else ask KVM to exit as soon as it can (KVM_EXIT_IRQ_WINDOW_OPEN).
 */
static int inject_tick(struct vm *vm)
{
	struct kvm_interrupt irq = { .irq = NANVIX_TIMER_VECTOR };
	bool can = vm->run->ready_for_interrupt_injection && vm->run->if_flag;

	if (!can && !vm->run->if_flag) {
		enum if_state st = ring3_if_repair(vm);

		if (st == IF_REPAIRED)
			can = true; /* ring 3 with nothing in flight: it can take it now */
		else if (st == IF_LATER)
			vm_timer_arm(vm, TICK_RETRY_NS); /* a window may never open: look again */
	}
	if (can) {
		if (ioctl(vm->vcpu_fd, KVM_INTERRUPT, &irq) < 0) {
			vm_error("KVM_INTERRUPT: %s", strerror(errno));
			return -1;
		}
		vm->irq_pending = false;
		vm->sig_posted = false; /* the kernel takes forwarded signals at the tick */
		vm->run->request_interrupt_window = 0;
	} else {
		vm->run->request_interrupt_window = 1;
	}
	return 0;
}

void vm_error(const char *fmt, ...)
{
	va_list ap;

	fputs("nanvixd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * Guest RAM in a memfd, mapped shared, for a VM served by bin/macrokernel:
 * sealed against shrinking (the server maps it too and must never see it
 * truncated) and against further seals.  Returns 0 with vm->mem.base set
 * (or MAP_FAILED, for the caller to report), or a nanvixd status.
 */
static int ram_memfd(struct vm *vm, uint64_t mem_size)
{
	vm->ram_fd = memfd_create("nanvix-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (vm->ram_fd < 0 || ftruncate(vm->ram_fd, (off_t)mem_size) < 0 ||
	    fcntl(vm->ram_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) < 0) {
		vm_error("cannot make a %llu-byte memfd for guest memory: %s",
		         (unsigned long long)mem_size, strerror(errno));
		return NANVIXD_EXIT_HOST;
	}
	vm->mem.base = mmap(NULL, mem_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
	                    vm->ram_fd, 0);
	vm->mem.shared = true;
	return 0;
}

int vm_create(struct vm *vm, uint64_t mem_size)
{
	struct kvm_userspace_memory_region region;
	int mmap_size, rc = NANVIXD_EXIT_HOST;

	vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = vm->ram_fd = -1;
	vm->run = MAP_FAILED;
	vm->mem.base = MAP_FAILED;
	vm->serial = __atomic_add_fetch(&serials, 1, __ATOMIC_RELAXED) & VM_SERIAL_MASK;
	if (vm_signal_setup() < 0) {
		vm_error("cannot catch the VM's timer signal: %s", strerror(errno));
		goto out_err;
	}

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		int e = errno;

		if (e == EACCES || e == EPERM)
			vm_error("cannot open /dev/kvm: %s: your user may not use KVM; join the "
			         "group that owns it ('sudo usermod -aG kvm $USER', then log in "
			         "again) or make it accessible ('ls -l /dev/kvm' shows who may)",
			         strerror(e));
		else if (e == ENOENT || e == ENXIO || e == ENODEV)
			vm_error("cannot open /dev/kvm: %s: KVM is not available here; load the "
			         "module ('sudo modprobe kvm_intel' or kvm_amd), enable "
			         "virtualisation in the firmware, or, in a VM, nested "
			         "virtualisation",
			         strerror(e));
		else
			vm_error("cannot open /dev/kvm: %s (is KVM available and accessible?)",
			         strerror(e));
		rc = NANVIXD_EXIT_NOKVM;
		goto out_err;
	}
	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		vm_error("/dev/kvm speaks an unsupported API version");
		rc = NANVIXD_EXIT_NOKVM;
		goto out_err;
	}
	do /* another VM's signal may land on this thread */
		vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	while (vm->vm_fd < 0 && errno == EINTR);
	if (vm->vm_fd < 0) {
		vm_error("KVM_CREATE_VM: %s", strerror(errno));
		rc = NANVIXD_EXIT_NOKVM;
		goto out_err;
	}
	/* Zeroed by the host kernel, touched lazily: untouched RAM costs nothing. */
	vm->mem.size = mem_size;
	if (vm->ram_memfd) {
		rc = ram_memfd(vm, mem_size);
		if (rc)
			goto out_err;
		rc = NANVIXD_EXIT_HOST;
	} else if (vm->mem_from_file) {
		/* A snapshot's pages, shared with every VM restored from it until written. */
		vm->mem.base = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		                    MAP_PRIVATE | MAP_NORESERVE, vm->mem_fd, 0);
		vm->mem.file = true;
	} else {
		vm->mem.base = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	}
	if (vm->mem.base == MAP_FAILED) {
		vm_error("cannot map %llu bytes of guest memory: %s", (unsigned long long)mem_size,
		         strerror(errno));
		goto out_err;
	}
	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = mem_size,
		.userspace_addr = (uintptr_t)vm->mem.base,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		vm_error("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		goto out_err;
	}
	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0) {
		vm_error("KVM_CREATE_VCPU: %s", strerror(errno));
		goto out_err;
	}
	mmap_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < (int)sizeof(struct kvm_run)) {
		vm_error("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		goto out_err;
	}
	vm->run_size = mmap_size;
	/* The fast file path reads and writes registers at its exits through
	 * the run area when KVM can sync them there (no ioctls). */
	vm->sync_regs = (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) &
	                 (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS)) ==
	                (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS);
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED) {
		vm_error("cannot map the vCPU run area: %s", strerror(errno));
		goto out_err;
	}
	return 0;

out_err:
	vm_destroy(vm);
	return rc;
}

void vm_destroy(struct vm *vm)
{
	timers_delete(vm);
	free(vm->copy_iov);
	vm->copy_iov = NULL;
	if (vm->run != MAP_FAILED && vm->run)
		munmap(vm->run, vm->run_size);
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->mem.base != MAP_FAILED && vm->mem.base)
		munmap(vm->mem.base, vm->mem.size);
	if (vm->ram_fd >= 0)
		close(vm->ram_fd);
	vm->run = MAP_FAILED;
	vm->mem.base = MAP_FAILED;
	vm->vcpu_fd = vm->vm_fd = vm->kvm_fd = vm->ram_fd = -1;
}

/*
 * Give the guest the CPUID the host supports: KVM checks EFER and CR4 bits
 * against it.  *umip: whether it offers UMIP (CPUID.(7,0):ECX[2]).
 */
#define CPUID_NENT 128
struct cpuid_table {
	struct kvm_cpuid2 c;
	struct kvm_cpuid_entry2 e[CPUID_NENT];
};

static int supported_cpuid(struct vm *vm, struct cpuid_table *cpuid)
{
	memset(cpuid, 0, sizeof(*cpuid));
	cpuid->c.nent = CPUID_NENT;
	if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0) {
		vm_error("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int setup_cpuid(struct vm *vm, bool *umip)
{
	enum { NENT = CPUID_NENT };
	struct cpuid_table cpuid;

	if (supported_cpuid(vm, &cpuid) < 0)
		return -1;
	if (ioctl(vm->vcpu_fd, KVM_SET_CPUID2, &cpuid) < 0) {
		vm_error("KVM_SET_CPUID2: %s", strerror(errno));
		return -1;
	}
	*umip = false;
	for (unsigned i = 0; i < cpuid.c.nent && i < NENT; i++)
		if (cpuid.e[i].function == 7 && cpuid.e[i].index == 0)
			*umip = (cpuid.e[i].ecx >> 2) & 1;
	return 0;
}

static void set_seg(struct kvm_segment *s, uint16_t sel, uint8_t type, int code)
{
	*s = (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = sel,
		.type = type,
		.present = 1,
		.dpl = sel & 3,
		.db = code ? 0 : 1,
		.s = 1,
		.l = code ? 1 : 0,
		.g = 1,
	};
}

int vm_setup_cpu(struct vm *vm, uint64_t cr3, uint64_t rip, uint64_t rsp, uint64_t rdi,
                 uint64_t lstar, bool *fsgsbase)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct {
		struct kvm_msrs m;
		struct kvm_msr_entry e[5];
	} msrs;
	bool umip;

	if (setup_cpuid(vm, &umip) < 0)
		return NANVIXD_EXIT_HOST;
	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0) {
		vm_error("KVM_GET_SREGS: %s", strerror(errno));
		return NANVIXD_EXIT_HOST;
	}
	set_seg(&sregs.cs, NANVIX_SEL_KCODE, 0xb, 1);
	set_seg(&sregs.ds, NANVIX_SEL_KDATA, 0x3, 0);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.tr = (struct kvm_segment){
		.base = NANVIX_DMAP_BASE + NANVIX_GDT_PADDR + NANVIX_TSS_OFFSET,
		.limit = 0x67,
		.selector = NANVIX_SEL_TSS,
		.type = 0xb, /* busy 64-bit TSS */
		.present = 1,
	};
	sregs.gdt.base = NANVIX_DMAP_BASE + NANVIX_GDT_PADDR;
	sregs.gdt.limit = 7 * 8 - 1;
	sregs.idt.base = NANVIX_DMAP_BASE + NANVIX_IDT_PADDR;
	sregs.idt.limit = 256 * 16 - 1;
	sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	sregs.cr3 = cr3;
	/*
	 * UMIP makes sgdt/sidt/sldt/smsw/str fault in ring 3 (they would show
	 * kernel addresses); FSGSBASE lets ring 3 set its TLS base.  Both are
	 * optional: what KVM refuses is dropped, UMIP first.
	 */
	sregs.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_FSGSBASE | (umip ? CR4_UMIP : 0);
	sregs.efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
	while (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0) {
		if (sregs.cr4 & CR4_UMIP) {
			sregs.cr4 &= ~CR4_UMIP;
		} else if (sregs.cr4 & CR4_FSGSBASE) {
			sregs.cr4 &= ~CR4_FSGSBASE;
		} else {
			vm_error("KVM_SET_SREGS: %s", strerror(errno));
			return NANVIXD_EXIT_HOST;
		}
	}
	*fsgsbase = sregs.cr4 & CR4_FSGSBASE;

	memset(&regs, 0, sizeof(regs));
	regs.rip = rip;
	regs.rsp = rsp;
	regs.rdi = rdi;
	regs.rflags = 0x2;
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0) {
		vm_error("KVM_SET_REGS: %s", strerror(errno));
		return NANVIXD_EXIT_HOST;
	}

	memset(&msrs, 0, sizeof(msrs));
	msrs.m.nmsrs = 5;
	msrs.e[0] = (struct kvm_msr_entry){ .index = MSR_STAR,
		                            .data = ((uint64_t)(NANVIX_SEL_UDATA - 8) << 48) |
		                                    ((uint64_t)NANVIX_SEL_KCODE << 32) };
	msrs.e[1] = (struct kvm_msr_entry){ .index = MSR_LSTAR, .data = lstar };
	msrs.e[2] = (struct kvm_msr_entry){ .index = MSR_CSTAR, .data = 0 };
	msrs.e[3] = (struct kvm_msr_entry){ .index = MSR_SFMASK, .data = SFMASK_BITS };
	msrs.e[4] = (struct kvm_msr_entry){ .index = MSR_KERNEL_GS_BASE, .data = 0 };
	if (ioctl(vm->vcpu_fd, KVM_SET_MSRS, &msrs) != 5) {
		vm_error("KVM_SET_MSRS: could not set the syscall MSRs");
		return NANVIXD_EXIT_HOST;
	}
	return 0;
}

int vm_read_tsc(struct vm *vm, uint64_t *tsc, uint64_t *khz)
{
	struct {
		struct kvm_msrs m;
		struct kvm_msr_entry e[1];
	} msrs;
	int rate;

	memset(&msrs, 0, sizeof(msrs));
	msrs.m.nmsrs = 1;
	msrs.e[0].index = MSR_IA32_TSC;
	if (ioctl(vm->vcpu_fd, KVM_GET_MSRS, &msrs) != 1)
		return -1;
	rate = ioctl(vm->vcpu_fd, KVM_GET_TSC_KHZ, 0);
	if (rate <= 0)
		return -1;
	*tsc = msrs.e[0].data;
	*khz = (uint64_t)rate;
	return 0;
}

/* One line naming the reason and where the guest was. */
static int guest_failed(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int guest_failed(struct vm *vm, const char *fmt, ...)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	char what[256], bytes[64] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) < 0)
		memset(&regs, 0, sizeof(regs));
	if (vm->run->exit_reason == KVM_EXIT_INTERNAL_ERROR &&
	    ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) == 0) {
		/* Show the instruction the emulator could not handle. */
		uint64_t gpa, off = 0;
		size_t len = 0;
		int i;

		if (regs.rip >= NANVIX_KERNEL_VBASE)
			gpa = regs.rip - NANVIX_KERNEL_VBASE, off = 1;
		else if (regs.rip >= NANVIX_DMAP_BASE)
			gpa = regs.rip - NANVIX_DMAP_BASE, off = 1;
		else if (gva_translate(&vm->mem, sregs.cr3, regs.rip, false, &gpa) == 0)
			off = 1;
		for (i = 0; off && i < 15; i++) {
			const uint8_t *b = gpa_ptr(&vm->mem, gpa + i, 1);

			if (!b)
				break;
			len += snprintf(bytes + len, sizeof(bytes) - len, "%s%02x", i ? " " : "",
			                *b);
		}
	}
	if (bytes[0])
		vm_error("guest error: %s at rip %#llx (bytes: %s)", what,
		         (unsigned long long)regs.rip, bytes);
	else
		vm_error("guest error: %s at rip %#llx", what, (unsigned long long)regs.rip);
	vm->done = true;
	vm->status = NANVIXD_EXIT_GUEST;
	return vm->status;
}

static int handle_io(struct vm *vm)
{
	struct kvm_run *run = vm->run;
	uint32_t value;

	if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 4 && run->io.count == 1) {
		int rc;

		memcpy(&value, (uint8_t *)run + run->io.data_offset, 4);
		rc = vm_hypercall(vm, run->io.port, value);
		if (rc >= 0)
			return rc;
	}
	return guest_failed(vm, "%s of %u byte(s) to unknown port %#x",
	                    run->io.direction == KVM_EXIT_IO_OUT ? "write" : "read",
	                    (unsigned)run->io.size, (unsigned)run->io.port);
}

/*
 * Make the access the vCPU is in the middle of fault as a user page fault
 * at `va` (the guest kernel turns it into SIGSEGV for that process alone):
 * CR2 and a pending #PF, delivered when the access completes.
 */
static void fault_access(struct vm *vm, uint64_t va, bool write)
{
	struct kvm_vcpu_events ev;
	struct kvm_sregs sregs;

	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0 ||
	    ioctl(vm->vcpu_fd, KVM_GET_VCPU_EVENTS, &ev) < 0) {
		guest_failed(vm, "cannot fault a bad access at %#llx: %s", (unsigned long long)va,
		             strerror(errno));
		return;
	}
	sregs.cr2 = va;
	ev.exception.injected = 1;
	ev.exception.nr = 14;
	ev.exception.has_error_code = 1;
	ev.exception.error_code = PF_USER | (write ? PF_WRITE : 0); /* not present */
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0 ||
	    ioctl(vm->vcpu_fd, KVM_SET_VCPU_EVENTS, &ev) < 0)
		guest_failed(vm, "cannot fault a bad access at %#llx: %s", (unsigned long long)va,
		             strerror(errno));
}

/*
 * A store to the fast-call page (abi/vvar.h): the call is in the vCPU's
 * registers and the address space is its CR3, both read here, so nothing
 * the guest wrote to memory names them.  Only from ring 3.
 */
static void handle_fastcall(struct vm *vm)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	int64_t ret = 0;
	int rc = 1;

	if (vm->sync_regs) {
		regs = vm->run->s.regs.regs;
		sregs = vm->run->s.regs.sregs;
	} else if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) < 0 ||
	           ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0) {
		guest_failed(vm, "fast call: cannot read the vCPU's registers: %s",
		             strerror(errno));
		return;
	}
	/*
	 * A tick waits for an interrupt window, which a thread making nothing
	 * but fast calls would never open (each exit comes mid-instruction):
	 * while one is pending, calls take the trap path, where it lands.
	 */
	if ((sregs.cs.selector & 3) == 3 && !vm->irq_pending && !vm->timers[VM_TIMER_TICK].fired) {
		const uint64_t a[6] = { regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9 };

		if (regs.rax == LINUX_SYS_mmap || regs.rax == LINUX_SYS_munmap ||
		    regs.rax == LINUX_SYS_madvise)
			rc = vm->fastmm ? aspace_fastmm(&vm->mem, vm->frames_gpa,
			                                sregs.cr3 & PTE_ADDR, regs.rax, a, &ret)
			                : 1;
		else if (vm->fastcall)
			rc = vm->fastcall(vm->ring_ctx, sregs.cr3 & PTE_ADDR, regs.rax, a, &ret);
	}
	if (rc == 0) {
		regs.rax = (uint64_t)ret;
		vm->nfastcalls++;
	}
	regs.r11 = rc == 0 ? 0 : 1;
	if (vm->sync_regs) {
		vm->run->s.regs.regs = regs;
		vm->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
	} else if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0)
		guest_failed(vm, "fast call: cannot set the vCPU's registers: %s", strerror(errno));
}

/* Is this MMIO exit an access to the fast-call page (abi/vvar.h)? */
static bool fastcall_page(const struct vm *vm)
{
	uint64_t gpa = vm->run->mmio.phys_addr;

	/* Also with no fast path on: a restored snapshot's pages may still say
	 * there is one, and the call then goes on to the trap. */
	return gpa >= NANVIX_FASTCALL_GPA && gpa < NANVIX_FASTCALL_GPA + 4096;
}

/*
 * An access to the fast-call page.  Only one is a call: an 8-byte store
 * to its start from ring 3 (the entry page's; a program may make the same
 * store itself, and its registers are checked just the same).  Any other
 * access, a load or a store elsewhere on the page, is a bad access: it
 * faults that process, as an access to an unmapped kernel address would,
 * and the VM goes on.
 */
static void fastcall_access(struct vm *vm)
{
	struct kvm_run *run = vm->run;
	uint64_t off = run->mmio.phys_addr - NANVIX_FASTCALL_GPA;

	if (run->mmio.is_write && off == 0 && run->mmio.len == 8) {
		handle_fastcall(vm);
		return;
	}
	if (!run->mmio.is_write)
		memset(run->mmio.data, 0, sizeof(run->mmio.data));
	fault_access(vm, NANVIX_FASTCALL_VA + off, run->mmio.is_write);
}

/* Whether timer `id` has fired since it was last set; consumes it. */
static bool timer_take(struct vm *vm, enum vm_timer_id id)
{
	if (!vm->timers[id].fired)
		return false;
	vm->timers[id].fired = 0;
	vm->timers[id].armed = false;
	return true;
}

/*
 * What other threads, timers and the CLI's hook asked for, between two
 * KVM_RUNs: 0 to run the guest on, else the value vm_run returns.
 */
static int take_requests(struct vm *vm)
{
	if (vm->stop_status)
		return vm->stop_status;
	if (vm->timers[VM_TIMER_DEADLINE].fired)
		return NANVIXD_EXIT_TIMEOUT;
	if (vm->poll) {
		int rc = vm->poll(vm);

		if (rc)
			return rc;
	}
	if (vm->pause_due) {
		vm->pause_due = 0;
		return VM_PAUSED;
	}
	if (vm->signals_due && vm->bootinfo) {
		uint64_t bits = __atomic_exchange_n(&vm->signals_due, 0, __ATOMIC_SEQ_CST);

		/* The guest may scribble on the field; it only ever gains our bits. */
		__atomic_fetch_or(&vm->bootinfo->host_signals, bits, __ATOMIC_SEQ_CST);
		vm->irq_pending = true;
		vm->sig_posted = true;
	}
	if (timer_take(vm, VM_TIMER_TICK))
		vm->irq_pending = true;
	if (vm->kick_due) {
		uint64_t one = 1;

		vm->kick_due = 0;
		if (vm->host_work && vm->host_work(vm->ring_ctx) > 0)
			vm->irq_pending = true;
		if (vm->kick_ack >= 0 && write(vm->kick_ack, &one, sizeof(one)) < 0)
			vm_error("kick: %s", strerror(errno));
	}
	if (vm->irq_pending && inject_tick(vm) < 0)
		return NANVIXD_EXIT_HOST;
	return 0;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * The CPU quota, between two KVM_RUNs on the vCPU thread: once this
 * period's quota is used up, sleep to the period's end; then make sure
 * KVM_RUN returns by the time the quota left could be used (CPU time
 * never outruns wall-clock time, so a wall-clock timer of that length is
 * soon enough).  Returns true when a signal cut the sleep short: the run
 * loop looks at its requests (a stop, the deadline) and comes back.
 */
static bool throttle(struct vm *vm)
{
	uint64_t now = clock_ns(CLOCK_MONOTONIC), cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID), used;

	timer_take(vm, VM_TIMER_QUOTA);
	if (now >= vm->period_start_ns + vm->cpu_period_ns) {
		vm->period_start_ns = now;
		vm->period_cpu0_ns = cpu;
	}
	used = cpu - vm->period_cpu0_ns;
	if (used >= vm->cpu_quota_ns) {
		uint64_t end = vm->period_start_ns + vm->cpu_period_ns;
		struct timespec ts = { (time_t)(end / 1000000000ull), (long)(end % 1000000000ull) };

		vm->nthrottled++;
		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0)
			return true;
		vm->period_start_ns = end;
		vm->period_cpu0_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		used = 0;
	}
	if (vm_timer_set(vm, VM_TIMER_QUOTA, vm->cpu_quota_ns - used) < 0)
		vm_error("cannot arm the CPU quota timer: %s", strerror(errno));
	return false;
}

static int run_loop(struct vm *vm)
{
	struct kvm_run *run = vm->run;

	while (!vm->done) {
		int rc;

		/* Cleared before the requests are read: one made meanwhile exits the next KVM_RUN. */
		run->immediate_exit = 0;
		rc = take_requests(vm);
		if (rc)
			return rc;
		if (vm->cpu_quota_ns && throttle(vm))
			continue;
		run->kvm_valid_regs = (vm->fastcall || vm->fastmm) && vm->sync_regs
		                              ? KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS
		                              : 0;
		if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			vm_error("KVM_RUN: %s", strerror(errno));
			return NANVIXD_EXIT_HOST;
		}
		vm->nexits++;
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			handle_io(vm);
			if (vm->snapshot_due && !vm->done) {
				uint64_t gpa = vm->snapshot_due - 1;

				vm->snapshot_due = 0;
				return vm->snapshot(vm, gpa, vm->snapshot_ctx);
			}
			if (vm->host_snap_gpa && !vm->done) {
				uint64_t gpa = vm->host_snap_gpa - 1;

				vm->host_snap_gpa = 0;
				vm->host_snapshot(vm, gpa, vm->snapshot_ctx);
			}
			if (vm->park_due && !vm->done) {
				vm->park_due = false;
				return VM_PARKED;
			}
			break;
		case KVM_EXIT_HLT: guest_failed(vm, "halted with nothing to run"); break;
		case KVM_EXIT_MMIO:
			if (fastcall_page(vm)) {
				fastcall_access(vm);
				break;
			}
			guest_failed(vm, "MMIO %s of %u bytes at guest-physical %#llx",
			             run->mmio.is_write ? "write" : "read", (unsigned)run->mmio.len,
			             (unsigned long long)run->mmio.phys_addr);
			break;
		case KVM_EXIT_SHUTDOWN: guest_failed(vm, "triple fault (shutdown)"); break;
		case KVM_EXIT_INTERNAL_ERROR:
			guest_failed(vm, "%s (KVM internal error, suberror %u)",
			             run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION
			                     ? "instruction emulation failed"
			                     : "internal error",
			             run->internal.suberror);
			break;
		case KVM_EXIT_FAIL_ENTRY:
			guest_failed(
			        vm, "VM entry failed (reason %#llx)",
			        (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
			break;
		case KVM_EXIT_INTR: break; /* the loop's top looks at what interrupted it */
		case KVM_EXIT_IRQ_WINDOW_OPEN: break; /* the loop's top injects the pending tick */
		default:
			guest_failed(vm, "unexpected exit (KVM exit reason %u)", run->exit_reason);
			break;
		}
	}
	return vm->status;
}

int vm_run(struct vm *vm)
{
	struct vm *outer = running;
	char why[160];
	int rc;

	/* The thread that runs the guest keeps a narrower list (monitor/sandbox.c). */
	if (sandbox_thread && sandbox_thread(SANDBOX_VCPU, why, sizeof(why)) < 0) {
		vm_error("%s", why);
		return NANVIXD_EXIT_HOST;
	}
	vm->done = false;
	vm->parked_ret_gpa = 0;
	vm->tid = (pid_t)syscall(SYS_gettid);
	running = vm;
	rc = timers_adopt(vm);
	if (rc < 0) {
		vm_error("cannot move the VM's timers to this thread: %s", strerror(-rc));
		rc = NANVIXD_EXIT_HOST;
	} else {
		rc = run_loop(vm);
	}
	running = outer;
	vm->tid = 0;
	return rc;
}

/* ---- Snapshots: the vCPU's whole state, and what it may be restored on ---- */

/* The MSRs the kernel sets or the CPU keeps for it; the rest are KVM's defaults. */
static const uint32_t saved_msrs[] = { MSR_STAR,   MSR_LSTAR,          MSR_CSTAR,
	                               MSR_SFMASK, MSR_KERNEL_GS_BASE, 0x277 /* PAT */ };

int vm_cpu_save(struct vm *vm, struct vm_cpu_state *st)
{
	struct {
		struct kvm_msrs m;
		struct kvm_msr_entry e[VM_CPU_MSRS];
	} msrs;
	const unsigned n = sizeof(saved_msrs) / sizeof(saved_msrs[0]);

	memset(st, 0, sizeof(*st));
	/* Finish the exit the vCPU is in (the port write's completion, registers
	 * a fast call left in the run area) without running the guest. */
	vm->run->kvm_valid_regs = 0;
	vm->run->immediate_exit = 1;
	if (ioctl(vm->vcpu_fd, KVM_RUN, 0) == 0 || (errno != EINTR && errno != EAGAIN)) {
		vm_error("snapshot: cannot complete the vCPU's exit: %s",
		         errno ? strerror(errno) : "it ran");
		vm->run->immediate_exit = 0;
		return -1;
	}
	vm->run->immediate_exit = 0;
	memset(&msrs, 0, sizeof(msrs));
	msrs.m.nmsrs = n;
	for (unsigned i = 0; i < n; i++)
		msrs.e[i].index = saved_msrs[i];
	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &st->regs) < 0 ||
	    ioctl(vm->vcpu_fd, KVM_GET_SREGS, &st->sregs) < 0 ||
	    ioctl(vm->vcpu_fd, KVM_GET_XSAVE, st->xsave) < 0 ||
	    ioctl(vm->vcpu_fd, KVM_GET_XCRS, &st->xcrs) < 0 ||
	    ioctl(vm->vcpu_fd, KVM_GET_VCPU_EVENTS, &st->events) < 0 ||
	    ioctl(vm->vcpu_fd, KVM_GET_DEBUGREGS, &st->debugregs) < 0) {
		vm_error("snapshot: cannot read the vCPU's state: %s", strerror(errno));
		return -1;
	}
	if (ioctl(vm->vcpu_fd, KVM_GET_MSRS, &msrs) != (int)n) {
		vm_error("snapshot: cannot read the vCPU's MSRs");
		return -1;
	}
	st->nmsrs = n;
	memcpy(st->msrs, msrs.e, n * sizeof(msrs.e[0]));
	st->irq_pending = vm->irq_pending;
	return 0;
}

int vm_cpu_load(struct vm *vm, const struct vm_cpu_state *st, bool fresh)
{
	struct {
		struct kvm_msrs m;
		struct kvm_msr_entry e[VM_CPU_MSRS];
	} msrs;
	struct kvm_vcpu_events ev = st->events;
	bool umip;

	if (st->nmsrs > VM_CPU_MSRS) {
		vm_error("snapshot: %u MSRs, at most %d", st->nmsrs, VM_CPU_MSRS);
		return -1;
	}
	if (fresh && setup_cpuid(vm, &umip) < 0)
		return -1;
	memset(&msrs, 0, sizeof(msrs));
	msrs.m.nmsrs = st->nmsrs;
	memcpy(msrs.e, st->msrs, st->nmsrs * sizeof(msrs.e[0]));
	/* The events a later KVM_RUN takes: what was pending then, nothing else. */
	ev.flags &= KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW |
	            KVM_VCPUEVENT_VALID_SMM;
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &st->sregs) < 0 ||
	    ioctl(vm->vcpu_fd, KVM_SET_REGS, &st->regs) < 0 ||
	    ioctl(vm->vcpu_fd, KVM_SET_XCRS, &st->xcrs) < 0 ||
	    ioctl(vm->vcpu_fd, KVM_SET_XSAVE, st->xsave) < 0 ||
	    ioctl(vm->vcpu_fd, KVM_SET_VCPU_EVENTS, &ev) < 0 ||
	    ioctl(vm->vcpu_fd, KVM_SET_DEBUGREGS, &st->debugregs) < 0) {
		vm_error("restore: the vCPU refused the snapshot's state: %s", strerror(errno));
		return -1;
	}
	if (ioctl(vm->vcpu_fd, KVM_SET_MSRS, &msrs) != (int)st->nmsrs) {
		vm_error("restore: the vCPU refused the snapshot's MSRs");
		return -1;
	}
	vm->irq_pending = st->irq_pending != 0;
	return 0;
}

int vm_fingerprint(struct vm *vm, struct vm_fingerprint *fp)
{
	struct cpuid_table cpuid;
	unsigned a, b, c, d;
	int khz;

	memset(fp, 0, sizeof(*fp));
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	memcpy(fp->vendor, &b, 4);
	memcpy(fp->vendor + 4, &d, 4);
	memcpy(fp->vendor + 8, &c, 4);
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	fp->signature = a;
	if (supported_cpuid(vm, &cpuid) < 0)
		return -1;
	/*
	 * Only the feature words the guest can act on: other fields of the
	 * supported CPUID (APIC ids, cache topology) follow the host CPU the
	 * caller happens to run on.
	 */
	for (unsigned i = 0; i < cpuid.c.nent && i < CPUID_NENT; i++) {
		const struct kvm_cpuid_entry2 *e = &cpuid.e[i];
		uint32_t *w = fp->features;

		if (e->function == 1)
			w[0] = e->ecx, w[1] = e->edx;
		else if (e->function == 7 && e->index == 0)
			w[2] = e->ebx, w[3] = e->ecx, w[4] = e->edx;
		else if (e->function == 0xd && e->index == 0)
			w[5] = e->eax;
		else if (e->function == 0xd && e->index == 1)
			w[6] = e->eax;
		else if (e->function == 0x80000001)
			w[7] = e->ecx, w[8] = e->edx;
	}
	khz = ioctl(vm->vcpu_fd, KVM_GET_TSC_KHZ, 0);
	if (khz <= 0) {
		vm_error("KVM_GET_TSC_KHZ: %s", strerror(errno));
		return -1;
	}
	fp->tsc_khz = (uint64_t)khz;
	return 0;
}

int vm_mem_reset(struct vm *vm)
{
	void *p = mmap(vm->mem.base, vm->mem.size, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_NORESERVE | MAP_FIXED, vm->mem_fd, 0);

	if (p == MAP_FAILED) {
		vm_error("restore: cannot map the snapshot's memory again: %s", strerror(errno));
		return -1;
	}
	return 0;
}
