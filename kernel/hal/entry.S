/* Ring transitions: the 64-bit entry, exception vectors and the system-call entry. */
/*
 * System calls reach the kernel two ways (docs/syscalls.md):
 *  - hardware KVM: `syscall` enters ring 0 at LSTAR on the user stack;
 *  - the software KVM of PLATFORM.md: `syscall` jumps to LSTAR but stays in
 *    ring 3, so the entry page is user-executable and traps on with `int3`
 *    (a DPL-3 gate) from a fixed address the #BP vector recognises.
 * Both paths build the same iret frame and share syscall_common, which
 * preserves every register Linux preserves (all but rax, rcx, r11).
 */
#include <abi/bootinfo.h>
#include <abi/linux.h>
#include <abi/vvar.h>

#define KSTACK_SIZE 16384
#define ISTACK_SIZE 8192
/* User-controllable RFLAGS: CF PF AF ZF SF DF OF AC ID; IF forced on. */
#define RFLAGS_USER_MASK 0x240cd5
#define RFLAGS_USER_SET 0x202

	.section .bss
	.balign 4096
	.globl kstack_bottom, kstack_top, istack_top
kstack_bottom:
	.skip KSTACK_SIZE
kstack_top:
	.skip ISTACK_SIZE
istack_top:
	/* Scratch for the ring-0 syscall path (single vCPU). */
	.balign 8
syscall_user_rsp:
	.skip 8
	/* Top of the running thread's kernel stack (= TSS.RSP0), see hal_set_kstack. */
	.globl cpu_kstack_top
cpu_kstack_top:
	.skip 8

	.text
/* nanvixd enters here in long mode: RSP = kstack_top, RDI = boot info. */
	.globl kvm_entry
kvm_entry:
	call kvm_main
1:	hlt
	jmp 1b

/* user_enter(rip, rsp): first entry to ring 3, all other registers zeroed. */
	.globl user_enter
user_enter:
	pushq $NANVIX_SEL_UDATA
	pushq %rsi
	pushq $RFLAGS_USER_SET
	pushq $NANVIX_SEL_UCODE
	pushq %rdi
	xorl %eax, %eax
	xorl %ebx, %ebx
	xorl %ecx, %ecx
	xorl %edx, %edx
	xorl %esi, %esi
	xorl %edi, %edi
	xorl %ebp, %ebp
	xorl %r8d, %r8d
	xorl %r9d, %r9d
	xorl %r10d, %r10d
	xorl %r11d, %r11d
	xorl %r12d, %r12d
	xorl %r13d, %r13d
	xorl %r14d, %r14d
	xorl %r15d, %r15d
	iretq

/* Exception vectors: push a dummy error code where the CPU has none. */
.macro VEC_NOERR n
	.globl vec\n
vec\n:
	pushq $0
	pushq $\n
	jmp trap_common
.endm
.macro VEC_ERR n
	.globl vec\n
vec\n:
	pushq $\n
	jmp trap_common
.endm

VEC_NOERR 0
VEC_NOERR 1
VEC_NOERR 2
/* vec3 below */
VEC_NOERR 4
VEC_NOERR 5
VEC_NOERR 6
VEC_NOERR 7
VEC_ERR 8
VEC_NOERR 9
VEC_ERR 10
VEC_ERR 11
VEC_ERR 12
VEC_ERR 13
VEC_ERR 14
VEC_NOERR 15
VEC_NOERR 16
VEC_ERR 17
VEC_NOERR 18
VEC_NOERR 19
VEC_NOERR 20
VEC_ERR 21
VEC_NOERR 32 /* NANVIX_TIMER_VECTOR: the host's preemption tick */

/* #BP: the ring-3 syscall path, or a real breakpoint. */
	.globl vec3
vec3:
	cmpq $syscall_int3_ret, (%rsp)
	jne 1f
	/* iret frame: rip, cs, rflags, rsp, ss.  Return to the caller of syscall. */
	movq %rcx, 0(%rsp)
	andq $RFLAGS_USER_MASK, %r11
	orq $RFLAGS_USER_SET, %r11
	movq %r11, 16(%rsp)
	jmp syscall_common
1:	pushq $0
	pushq $3
	jmp trap_common

/* Full frame (struct trap_frame) for exceptions and system calls. */
.macro PUSH_GPRS
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm

/*
 * Every way in clears DF first: ring 3 may enter with it set (`std`), and
 * the kernel's string instructions and C code assume it clear.  AC needs
 * nothing: CR0.AM is off and SMAP unused, so it has no effect in ring 0.
 * The user's RFLAGS, DF included, come back with iretq.
 */
trap_common:
	cld
	PUSH_GPRS
	movq %rsp, %rdi
	call trap_handle

/*
 * Return to ring 3 from the struct trap_frame at RSP.  Also where a new
 * thread starts (sched/switch.S builds its stack to return here).
 */
	.globl trap_return
trap_return:
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp
	iretq

/*
 * Common system-call body; the iret frame is on the kernel stack, RAX holds
 * the number.  Two paths:
 *  - fast: save only the argument registers (Linux preserves them; C code
 *    preserves the callee-saved ones), call syscall_table[nr], restore;
 *  - slow (FRAME calls, unknown numbers, tracing): a full struct trap_frame
 *    (vector NANVIX_SYSCALL_VECTOR, error = number) for syscall_dispatch;
 *    fork, clone and signal delivery need every user register.
 * RCX and R11 come back as the user had them at `syscall`, i.e. return RIP
 * and RFLAGS, as Linux leaves them.
 */
#define NANVIX_SYSCALL_VECTOR 0x80
syscall_common:
	cld
	pushq %rax
	pushq $NANVIX_SYSCALL_VECTOR
	cmpq $LINUX_SYS_NR, %rax
	jae syscall_slow_path
	cmpb $0, syscall_slow
	jne syscall_slow_path
	cmpb $0, syscall_fast(%rax)
	je syscall_slow_path
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %r10
	pushq %r8
	pushq %r9
	movq %r10, %rcx
	incq kstats + 8 /* kstats.syscalls */
	call *syscall_table(,%rax,8)
	popq %r9
	popq %r8
	popq %r10
	popq %rdx
	popq %rsi
	popq %rdi
	cmpb $0, signal_work
	jne syscall_signal_path
	cmpq $-4, %rax /* -EINTR with nothing due: signal_deliver restarts the call */
	je syscall_signal_path
	addq $16, %rsp
	movq 0(%rsp), %rcx
	movq 16(%rsp), %r11
	iretq

/* A signal is due after a fast call: complete the frame, deliver, return. */
syscall_signal_path:
	movq 16(%rsp), %rcx /* user RIP, as `syscall` left it in RCX */
	movq 32(%rsp), %r11 /* user RFLAGS, as in R11 */
	PUSH_GPRS
	movq %rsp, %rdi
	call signal_deliver
	jmp trap_return

syscall_slow_path:
	PUSH_GPRS
	movq %rsp, %rdi
	call syscall_dispatch
	jmp trap_return

/* The LSTAR target: in its own page, executable from ring 3. */
	.section .utext, "ax"
	.globl syscall_entry
syscall_entry:
	/* Which ring are we in?  Step over the red zone to borrow a slot. */
	leaq -128(%rsp), %rsp
	pushq %rax
	movl %cs, %eax
	testb $3, %al
	popq %rax
	leaq 128(%rsp), %rsp
	jz syscall_ring0
	/* Ring 3.  Some calls are answered here from the vvar page (abi/vvar.h). */
	cmpq $LINUX_SYS_getpid, %rax
	je vdso_getpid
	cmpq $LINUX_SYS_clock_gettime, %rax
	je vdso_clock_gettime
	cmpq $LINUX_SYS_read, %rax
	je fast_fd
	cmpq $LINUX_SYS_pread64, %rax
	je fast_fd
	cmpq $LINUX_SYS_fstat, %rax
	je fast_fd
	cmpq $LINUX_SYS_lseek, %rax
	je fast_fd
	cmpq $LINUX_SYS_mmap, %rax
	je fast_mm
	cmpq $LINUX_SYS_munmap, %rax
	je fast_mm
	cmpq $LINUX_SYS_madvise, %rax
	je fast_mm
syscall_trap:
	/* Trap on; the kernel returns straight to RCX. */
	int3
	.globl syscall_int3_ret
syscall_int3_ret:
	ud2

/*
 * The routines below answer in ring 3.  R11 holds the caller's RFLAGS,
 * which the trap (vec3) takes from it, so every way on to syscall_trap
 * must leave R11 as it came: each routine keeps it below the red zone
 * while it uses R11 as a scratch register and restores it before either
 * falling back or returning (Linux's syscall clobbers R11 anyway).
 */
#define VDSO_ENTER leaq -128(%rsp), %rsp; pushq %r11
#define VDSO_LEAVE popq %r11; leaq 128(%rsp), %rsp

vdso_getpid:
	VDSO_ENTER
	movabsq $NANVIX_VVAR_VA, %r11
	testl $(NANVIX_VVAR_SLOW | NANVIX_VVAR_SHARED), NANVIX_VVAR_FLAGS(%r11)
	jnz vdso_fallback
	movl NANVIX_VVAR_PID(%r11), %eax
	VDSO_LEAVE
	jmp *%rcx

/* Back to the trap, with RAX still the call number and R11 the RFLAGS. */
vdso_fallback:
	VDSO_LEAVE
	jmp syscall_trap

/*
 * A call on a remote file's fd, served by the host without a trap
 * (abi/vvar.h, the fast file path): when the fd map has an entry, the
 * store to the fast-call page exits to the host, which answers in RAX and
 * clears R11, or sets R11 to send us on to the trap (RAX untouched).
 */
/* Open only when the vvar flags have `flag` and neither SLOW nor SHARED; R11 = the vvar page. */
#define FAST_PATH_OPEN(flag)                                                   \
	VDSO_ENTER;                                                            \
	movabsq $NANVIX_VVAR_VA, %r11;                                         \
	testl $(NANVIX_VVAR_SLOW | NANVIX_VVAR_SHARED), NANVIX_VVAR_FLAGS(%r11); \
	jnz vdso_fallback;                                                     \
	testl $(flag), NANVIX_VVAR_FLAGS(%r11);                                \
	jz vdso_fallback

fast_fd:
	FAST_PATH_OPEN(NANVIX_VVAR_FASTFS)
	cmpq $NANVIX_VVAR_FDMAP_COUNT, %rdi
	jae vdso_fallback
	cmpl $0, NANVIX_VVAR_FDMAP(%r11,%rdi,4)
	je vdso_fallback
fast_call:
	movabsq $NANVIX_FASTCALL_VA, %r11
	movq %rax, (%r11)
	testq %r11, %r11
	jnz vdso_fallback
	VDSO_LEAVE
	jmp *%rcx

/* mmap, munmap, madvise by the host (abi/vvar.h, the fast mm path); it sends on what it does not serve. */
fast_mm:
	FAST_PATH_OPEN(NANVIX_VVAR_FASTMM)
	jmp fast_call

/* clock_gettime(REALTIME or MONOTONIC, ts): ns = base + ((tsc - tsc_base) * mult >> 32). */
vdso_clock_gettime:
	VDSO_ENTER
	movabsq $NANVIX_VVAR_VA, %r11
	testl $(NANVIX_VVAR_SLOW | NANVIX_VVAR_SHARED), NANVIX_VVAR_FLAGS(%r11)
	jnz vdso_fallback
	cmpq $LINUX_CLOCK_MONOTONIC, %rdi
	ja vdso_fallback
	pushq %rdx
	rdtsc
	shlq $32, %rdx
	orq %rdx, %rax
	subq NANVIX_VVAR_TSC_BASE(%r11), %rax
	mulq NANVIX_VVAR_TSC_MULT(%r11)
	shrdq $32, %rdx, %rax
	addq NANVIX_VVAR_CLOCKS(%r11,%rdi,8), %rax
	xorl %edx, %edx
	movl $1000000000, %r11d
	divq %r11
	movq %rax, 0(%rsi) /* a bad pointer faults here, in ring 3, as with Linux's vDSO */
	movq %rdx, 8(%rsi)
	popq %rdx
	VDSO_LEAVE
	xorl %eax, %eax
	jmp *%rcx

syscall_ring0:
	/* Hardware: CPL 0, IF clear (SFMASK), still on the user stack. */
	movq %rsp, syscall_user_rsp
	movq cpu_kstack_top, %rsp
	pushq $NANVIX_SEL_UDATA
	pushq syscall_user_rsp
	andq $RFLAGS_USER_MASK, %r11
	orq $RFLAGS_USER_SET, %r11
	pushq %r11
	pushq $NANVIX_SEL_UCODE
	pushq %rcx
	jmp syscall_common
