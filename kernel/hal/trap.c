/* Exceptions: user faults become signals, kernel faults a panic report. */
#include <abi/linux.h>
#include <hal/hal.h>
#include <abi/hypercall.h>
#include <hal/uaccess.h>
#include <sched/sched.h>
#include <sig/signal.h>
#include <proc/proc.h>

struct kstats kstats;
uint64_t *hal_tss_rsp0;
extern uint64_t cpu_kstack_top;

void hal_set_kstack(uint64_t top)
{
	*hal_tss_rsp0 = top;
	cpu_kstack_top = top;
}

static const char *const names[32] = {
	"divide error",
	"debug",
	"NMI",
	"breakpoint",
	"overflow",
	"bound range",
	"invalid opcode",
	"device not available",
	"double fault",
	"coprocessor overrun",
	"invalid TSS",
	"segment not present",
	"stack fault",
	"general protection",
	"page fault",
	"reserved",
	"x87 floating point",
	"alignment check",
	"machine check",
	"SIMD floating point",
	"virtualization",
	"control protection",
};

static int signal_of(uint64_t vector)
{
	switch (vector) {
	case 0:
	case 16:
	case 19: return LINUX_SIGFPE;
	case 1:
	case 3: return LINUX_SIGTRAP;
	case 6: return LINUX_SIGILL;
	case 17: return LINUX_SIGBUS;
	default: return LINUX_SIGSEGV;
	}
}

/*
 * `int $N` from ring 3.  On hardware, a gate without DPL 3 (all but #BP
 * here) raises #GP, which Linux reports as SIGSEGV; the software
 * hypervisor raises #UD instead.  Report it as Linux would.
 */
static bool is_int_n(const struct trap_frame *tf)
{
	uint8_t op = 0;

	return tf->vector == 6 && copy_from_user(&op, tf->rip, 1) == 0 && op == 0xcd;
}

static void user_fault(struct trap_frame *tf)
{
	/* A not-present page in the stack's growth area: map it and retry. */
	if (tf->vector == 14 && !(tf->error & 1) && mm_stack_grow(hal_read_cr2()))
		return;
	int sig = is_int_n(tf) ? LINUX_SIGSEGV : signal_of(tf->vector);
	const struct linux_sigaction *sa = &proc_current->actions[sig - 1];
	uint64_t addr = tf->vector == 14 ? hal_read_cr2() : tf->rip;

	/* A handler the thread does not block takes the fault (delivered on return). */
	if (sa->handler != LINUX_SIG_DFL && sa->handler != LINUX_SIG_IGN &&
	    !(thread_current->sigmask & SIG_BIT(sig))) {
		signal_send(thread_current, sig, true,
		            &(struct sig_info){ .code = tf->vector == 14 && (tf->error & 1)
		                                                ? LINUX_SEGV_ACCERR
		                                                : LINUX_SEGV_MAPERR,
		                                .addr = addr });
		return;
	}

	if (tf->vector == 14) {
		proc_kill(sig, "segmentation fault at %#lx (%s %s), rip %#lx", addr,
		          tf->error & 0x10  ? "instruction fetch"
		          : tf->error & 0x2 ? "write"
		                            : "read",
		          tf->error & 0x1 ? "denied by protection" : "of an unmapped address",
		          tf->rip);
	}
	if (is_int_n(tf))
		proc_kill(sig, "int $N with no ring-3 gate at rip %#lx", tf->rip);
	proc_kill(sig, "%s (error %#lx) at rip %#lx", names[tf->vector & 31], tf->error, tf->rip);
}

__attribute__((noreturn)) static void kernel_fault(struct trap_frame *tf)
{
	panic("%s in ring 0 (vector %lu, error %#lx) at rip %#lx, cr2 %#lx, rsp %#lx\n"
	      "  rax %#lx rbx %#lx rcx %#lx rdx %#lx rsi %#lx rdi %#lx\n"
	      "  rbp %#lx r8 %#lx r9 %#lx r10 %#lx r11 %#lx",
	      names[tf->vector & 31], tf->vector, tf->error, tf->rip, hal_read_cr2(), tf->rsp,
	      tf->rax, tf->rbx, tf->rcx, tf->rdx, tf->rsi, tf->rdi, tf->rbp, tf->r8, tf->r9,
	      tf->r10, tf->r11);
}

void trap_handle(struct trap_frame *tf)
{
	kstats.traps++;
	if (tf->vector == NANVIX_TIMER_VECTOR) {
		/* The host injects the tick for its forwarded signals too. */
		proc_host_signals();
		sched_tick();
		if ((tf->cs & 3) && signal_work)
			signal_deliver(tf);
		return;
	}
	if (tf->cs & 3) {
		user_fault(tf);
		if (signal_work)
			signal_deliver(tf);
		return;
	}
	/* A user access that faulted: resume at its -EFAULT exit. */
	if ((tf->vector == 14 || tf->vector == 13) && tf->rip >= (uint64_t)uaccess_begin &&
	    tf->rip < (uint64_t)uaccess_end) {
		tf->rip = (uint64_t)uaccess_fault;
		return;
	}
	kernel_fault(tf);
}
