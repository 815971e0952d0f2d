/* Hardware abstraction: what the kernel needs from the machine it runs on. */
#ifndef HAL_HAL_H
#define HAL_HAL_H

#include <abi/hypercall.h>
#include <abi/snapshot.h>
#include <lib/klib.h>

/*
 * Two backends fill this table at their entry point: hal_kvm.c (nanvixd's
 * micro-VM, hypercalls on I/O ports) and hal_pvh.c (QEMU -M microvm: 16550
 * console, isa-debug-exit).  Everything above the HAL calls through it.
 */
struct hal_ops {
	const char *name;
	/* Kernel console output. */
	void (*log)(const char *s, size_t n);
	/* End the VM with a shell-style status; does not return. */
	__attribute__((noreturn)) void (*exit)(int status);
	/* Print `msg` as a panic report and stop the VM; does not return. */
	__attribute__((noreturn)) void (*panic)(const char *msg, size_t n);
	/* Zero `n` frames listed in pfns[] (may give their memory back). 0 or -errno. */
	int (*frames_scrub)(uint32_t *pfns, uint32_t n);
	/* Console I/O for user buffers (virtual, current address space). */
	long (*user_write)(int fd, uint64_t buf, uint64_t len);
	long (*user_writev)(int fd, uint64_t iov, uint32_t iovcnt);
	long (*user_read)(int fd, uint64_t buf, uint64_t len);
	/* Fill user buffer with random bytes: count or -EFAULT (NULL: none). */
	long (*random)(uint64_t buf, uint64_t len);
	/* Idle the VM for `ns` (<= 1 s): 0 or -EINTR (NULL: cannot sleep). */
	long (*sleep)(uint64_t ns);
	/* Arm the one-shot preemption tick `ns` ahead (NULL: no preemption). */
	void (*timer)(uint64_t ns);
	/*
	 * Copy `len` bytes natively: each side a user address in the space of
	 * its cr3, or physical when its cr3 is 0.  len or -EFAULT.
	 */
	long (*copy)(uint64_t dst_cr3, uint64_t dst, uint64_t src_cr3, uint64_t src, uint64_t len);
	/*
	 * fork's address-space copy (NANVIX_HC_FORK): the user half of src_cr3
	 * into dst_cr3 in the `lent` frames (lent->used is set either way).
	 * 0 or -errno.  NULL: no fork.
	 */
	long (*fork_aspace)(uint64_t src_cr3, uint64_t dst_cr3, struct nanvix_frames_lent *lent);
	/*
	 * Tear down the user half of `cr3` on the host (NANVIX_HC_RELEASE): its
	 * frames, zeroed, listed at physical `pfns` (room for `max`).  0 or
	 * -errno; *count listed.  NULL: the kernel walks the tables itself.
	 */
	long (*release)(uint64_t cr3, uint64_t pfns, uint32_t max, uint32_t *count);
	/* mmap's page-table work on the host (NANVIX_HC_MM) on the request
	 * `a` in place (a kernel static, 8-byte aligned): returns a->ret,
	 * a->count is set (NULL: the kernel walks the tables itself). */
	long (*mm)(struct nanvix_hc_mm *a);
	/* execve on the host (NANVIX_HC_EXEC): fills `x`'s outputs, returns its ret (NULL: none). */
	long (*exec)(struct nanvix_hc_exec *x);
	/* Ring the doorbell of the ring region; answers are in place on return
	 * (NULL: no ring). */
	void (*ring_kick)(void);
	/* Report one system call to the host's tracer (NULL: no tracing). */
	void (*strace)(long nr, const long args[6], long ret, bool noreturn);
	/* Take the signals the host forwarded for process 1: bit (sig - 1)
	 * each, unvalidated (NULL: none ever). */
	uint64_t (*host_signals)(void);
	/* A terminal ioctl `req` on console stream 0..2 with user argument
	 * `arg`: 0 or -errno, -ENOTTY when the stream is no terminal (NULL:
	 * no terminals). */
	long (*tty)(int stream, uint32_t req, uint64_t arg);
	/* The program asked for a snapshot here (`take`) or only for the
	 * state (abi/snapshot.h): fills *info; 0 or -errno.  After a restore
	 * it has reloaded the clocks (NULL: no snapshots). */
	long (*snapshot)(bool take, struct nanvix_snapshot_info *info);
};

extern const struct hal_ops *hal;

/* Saved by trap entry (kernel/hal/entry.S), innermost register first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/*
 * Statistics reported at VM exit.  entry.S increments `syscalls` at a fixed
 * offset (8): keep the order.  `traps` counts faults and ticks; the report
 * adds the system calls.  wx_mmap and wx_mprotect count the calls refused
 * for asking PROT_WRITE|PROT_EXEC (W^X).
 */
struct kstats {
	uint64_t traps, syscalls, enosys, last_enosys;
	uint64_t wx_mmap, wx_mprotect;
};
extern struct kstats kstats;

/* Make `top` the kernel stack of traps and system calls from ring 3. */
void hal_set_kstack(uint64_t top);

/* Set by the backend at boot: RSP0 inside the TSS. */
extern uint64_t *hal_tss_rsp0;

/* Enter ring 3 at rip with stack rsp and zeroed registers. */
__attribute__((noreturn)) void user_enter(uint64_t rip, uint64_t rsp);

/* Exception dispatch, called from entry.S. */
void trap_handle(struct trap_frame *tf);

/* CPU helpers. */
static inline uint64_t hal_read_cr2(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t hal_read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void hal_write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline void hal_invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline uint64_t hal_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void hal_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t hal_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void hal_outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void hal_outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint8_t hal_inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

#define MSR_FS_BASE 0xc0000100

#endif /* HAL_HAL_H */
