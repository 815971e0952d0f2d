/* A minimal guest kernel that times bare int3 round trips and VM exits for ./z bench kernel. */
/*
 * Built with kernel/kernel.ld into bin/bench/trap.kernel.elf and run as
 *
 *   bin/nanvixd --stats --kernel bin/bench/trap.kernel.elf -- bin/tests/hello.musl.elf
 *
 * nanvixd loads the program and maps its stack as usual; this kernel
 * ignores the program and uses the stack pages as scratch memory.  It
 * measures the platform costs the kernel benchmark (tests/bench/kernel.sh)
 * compares every operation against:
 *
 *   T_trap  ring 3 -> ring 0 -> ring 3: `int3` from ring 3 through a DPL-3
 *           gate (vector 3) to a handler that is one `iretq`.  Counted and
 *           timed in ring 3 (native there), so only the round trip itself
 *           runs in the emulated ring 0.
 *   T_exit  one `out` hypercall from ring 0 that nanvixd handles and
 *           resumes: NANVIX_HC_LOG with an empty buffer.  Timed in ring 0,
 *           net of the same timed loop body without the `out`.
 *   T_insn  one emulated ring-0 instruction: batches of 50 `dec; jnz`.
 *
 * Every round trip and every exit is timed on its own (rdtsc before and
 * after), so that a host preemption spoils a few samples rather than the
 * figure: the results are medians, like those of kernel_ops.  Sorting runs
 * in ring 3, where it is native.  The flow:
 *
 *   entry (ring 0) --iretq--> user_main (ring 3): int3 samples
 *   --ud2--> phase 1 (ring 0, vector 6): exit and instruction samples,
 *   written to the same user scratch pages --iretq--> user_sort (ring 3):
 *   medians --ud2--> phase 2 (ring 0): NANVIX_HC_EXIT with the results.
 *
 * The vector-3 handler needs no marker check: the ends of the ring-3 parts
 * are `ud2` (#UD, vector 6), told apart by the faulting RIP.  The results
 * leave the VM in the stats of NANVIX_HC_EXIT, whose fields this guest
 * repurposes (nanvixd --stats prints them; all figures are TSC cycles):
 *
 *   traps        all N_TRAPS timed round trips, rdtsc to rdtsc
 *   syscalls     N_TRAPS
 *   enosys       median of one round trip (T_trap)
 *   frames_free  median of one timed exit minus median of the same timed
 *                body without the `out` (T_exit, net)
 *   frames_total median of one batch of 100 emulated instructions
 *
 * and nanvixd's own `exits` is N_EXITS + 1 (the LOG calls and the EXIT).
 * Any other exception ends the VM with status 99.
 *
 * Constants mirror kernel/include/abi/ (C headers the assembler cannot
 * read): kernel_header.h, bootinfo.h and hypercall.h; the ABI version comes
 * from abi/version.h, which it can.
 */

#include <abi/version.h>

#define KHDR_MAGIC  0x4b584e4e         /* NANVIX_KHDR_MAGIC */
#define ABI_VERSION NANVIX_ABI_VERSION
#define KVBASE      0xffffffff80000000 /* NANVIX_KERNEL_VBASE: virt = phys + this */
#define SEL_UCODE   0x23               /* NANVIX_SEL_UCODE */
#define SEL_UDATA   0x1b               /* NANVIX_SEL_UDATA */
#define HC_EXIT     0x500              /* NANVIX_HC_EXIT */
#define HC_LOG      0x501              /* NANVIX_HC_LOG */

#define N_WARM  100  /* untimed round trips first (shadow page tables, caches) */
#define N_TRAPS 2000 /* timed int3 round trips */
#define N_EXITS 500  /* timed LOG hypercalls, and as many timed bodies without */
#define N_BATCH 50   /* timed batches of 50 x (dec; jnz) */

/*
 * User scratch memory inside the program stack nanvixd maps (the default
 * 256 KiB below NANVIX_USER_TOP, from 0x7ffffffbf000): sample arrays of
 * uint64_t, and the ring-3 stack.  Ring 0 writes the arrays directly
 * (no SMAP).
 */
#define BUF_TRAP  0x7ffffffc0000 /* N_TRAPS samples (16,000 bytes) */
#define BUF_EXIT  0x7ffffffc4000 /* N_EXITS samples */
#define BUF_EBASE 0x7ffffffc5000 /* N_EXITS samples */
#define BUF_INSN  0x7ffffffc6000 /* N_BATCH samples */
#define USER_SP   0x7ffffffd0000

/* struct nanvix_hc_exit: status, pad, then struct nanvix_kstats. */
#define EX_STATUS       0
#define EX_TRAPS        8
#define EX_SYSCALLS     16
#define EX_ENOSYS       24
#define EX_FRAMES_FREE  32
#define EX_FRAMES_TOTAL 40
#define EX_SIZE         72 /* + last_enosys, wx_mmap, wx_mprotect */

/* %rdx = the 64-bit TSC; clobbers %rax. */
.macro TSC
	rdtsc
	shl $32, %rdx
	or %rax, %rdx
.endm

	.section .nanvix_header, "a"
	.long KHDR_MAGIC
	.long ABI_VERSION
	.quad entry
	.quad sysentry
	.quad stack_top
	.quad ist_top
	.quad __utext_start
	.quad __utext_end
	.long 1 << 3 /* user_vectors: only gate 3 (int3) has DPL 3 */
	.long 0      /* ist_vectors */
	.quad unexpected, unexpected, unexpected /* 0..2 */
	.quad trap_iret                          /* 3: #BP, the measured gate */
	.quad unexpected, unexpected             /* 4, 5 */
	.quad phase                              /* 6: #UD, the end of a ring-3 part */
	.rept 25
	.quad unexpected                         /* 7..31 */
	.endr
	.quad 0                                  /* 32: no timer */

	.bss
	.balign 16
	.skip 4096
stack_top:
	.skip 1024
ist_top:
	.balign 8
exit_args:
	.skip EX_SIZE
log_args: /* struct nanvix_hc_log: buf 0, len 0 */
	.skip 16

	.text
	.globl kvm_entry
kvm_entry:
entry:
	/* nanvixd enters on stack_top with the program's page tables: go to
	 * ring 3 at user_main with an iret frame. */
	pushq $SEL_UDATA
	movabs $USER_SP, %rax
	pushq %rax
	pushq $0x202 /* IF on, as for a real program */
	pushq $SEL_UCODE
	leaq user_main(%rip), %rax
	pushq %rax
	iretq

/* Vector 3: the whole ring-0 side of T_trap. */
trap_iret:
	iretq

/* Vector 6 (#UD, no error code: the faulting RIP is on top of the frame). */
phase:
	leaq user_end1(%rip), %rax
	cmpq %rax, (%rsp)
	je phase1
	leaq user_end2(%rip), %rax
	cmpq %rax, (%rsp)
	je phase2
	jmp unexpected

/* Ring 3 timed its traps: time exits and instructions, then back to ring 3. */
phase1:
	leaq exit_args(%rip), %rbx
	movq %r8, EX_TRAPS(%rbx)
	movq $N_TRAPS, EX_SYSCALLS(%rbx)

	/* One LOG exit (length 0) per sample. */
	movabs $BUF_EXIT, %rdi
	movl $N_EXITS, %ecx
1:	TSC
	movq %rdx, %r10
	movl $(log_args - KVBASE), %eax
	movl $HC_LOG, %edx
	outl %eax, %dx
	TSC
	subq %r10, %rdx
	movq %rdx, (%rdi)
	addq $8, %rdi
	decl %ecx
	jnz 1b

	/* The same body without the `out`. */
	movabs $BUF_EBASE, %rdi
	movl $N_EXITS, %ecx
2:	TSC
	movq %rdx, %r10
	movl $(log_args - KVBASE), %eax
	movl $HC_LOG, %edx
	TSC
	subq %r10, %rdx
	movq %rdx, (%rdi)
	addq $8, %rdi
	decl %ecx
	jnz 2b

	/* Batches of 100 emulated instructions. */
	movabs $BUF_INSN, %rdi
	movl $N_BATCH, %esi
3:	TSC
	movq %rdx, %r10
	movl $50, %ecx
4:	decl %ecx
	jnz 4b
	TSC
	subq %r10, %rdx
	movq %rdx, (%rdi)
	addq $8, %rdi
	decl %esi
	jnz 3b

	leaq user_sort(%rip), %rax
	movq %rax, (%rsp) /* resume ring 3 there, not at the ud2 */
	iretq

/* Ring 3 computed the medians: report them. */
phase2:
	leaq exit_args(%rip), %rbx
	movq %r12, EX_ENOSYS(%rbx)
	movq %r13, EX_FRAMES_FREE(%rbx)
	movq %r15, EX_FRAMES_TOTAL(%rbx)
	movl $0, EX_STATUS(%rbx)
	jmp hc_exit

/* Any other exception: status 99, no figures. */
unexpected:
	leaq exit_args(%rip), %rbx
	movl $99, EX_STATUS(%rbx)
hc_exit:
	movl $(exit_args - KVBASE), %eax
	movl $HC_EXIT, %edx
	outl %eax, %dx
	hlt /* not reached: EXIT does not return */

	/* Ring 3: user-executable (nanvixd maps .utext for the user). */
	.section .utext, "ax"
user_main:
	movl $N_WARM, %ecx
1:	int3
	decl %ecx
	jnz 1b

	movabs $BUF_TRAP, %rdi
	movl $N_TRAPS, %ecx
	TSC
	movq %rdx, %r8
2:	TSC
	movq %rdx, %r10
	int3
	TSC
	subq %r10, %rdx
	movq %rdx, (%rdi)
	addq $8, %rdi
	decl %ecx
	jnz 2b
	TSC
	subq %r8, %rdx
	movq %rdx, %r8 /* cycles of the whole timed loop */
user_end1:
	ud2 /* -> phase1, in ring 0; resumes at user_sort */

user_sort:
	movabs $BUF_TRAP, %rdi
	movl $N_TRAPS, %esi
	call median
	movq %rax, %r12
	movabs $BUF_EXIT, %rdi
	movl $N_EXITS, %esi
	call median
	movq %rax, %r13
	movabs $BUF_EBASE, %rdi
	movl $N_EXITS, %esi
	call median
	subq %rax, %r13
	movabs $BUF_INSN, %rdi
	movl $N_BATCH, %esi
	call median
	movq %rax, %r15
user_end2:
	ud2 /* -> phase2, in ring 0 */

/*
 * %rax = median of the %rsi (even, >= 2) uint64_t at %rdi: the mean of the
 * two middle ones.  Sorts them in place (insertion sort: native here, and
 * at most a few million steps).  Clobbers %rcx, %rdx, %r9, %r10.
 */
median:
	movl $1, %ecx
1:	cmpq %rsi, %rcx
	jae 4f
	movq (%rdi,%rcx,8), %r9
	movq %rcx, %rdx
2:	testq %rdx, %rdx
	jz 3f
	movq -8(%rdi,%rdx,8), %r10
	cmpq %r9, %r10
	jbe 3f
	movq %r10, (%rdi,%rdx,8)
	decq %rdx
	jmp 2b
3:	movq %r9, (%rdi,%rdx,8)
	incq %rcx
	jmp 1b
4:	movq %rsi, %rcx
	shrq %rcx
	movq (%rdi,%rcx,8), %rax
	addq -8(%rdi,%rcx,8), %rax
	shrq %rax
	ret

/* The LSTAR target the header must name; never used (#UD -> status 99). */
sysentry:
	ud2
