/* A deliberately broken guest kernel: checks that nanvixd stops a misbehaving VM cleanly. */
/*
 * Built once per BAD_* variant (PORT, TRIPLE, HALT, SSE, RING, WX) with kernel/kernel.ld.
 * It carries a valid nanvix kernel header so nanvixd boots it, then does
 * one thing no correct kernel does.
 */
#include <abi/version.h>

	.section .nanvix_header, "a"
	.long 0x4b584e4e /* NANVIX_KHDR_MAGIC */
	.long NANVIX_ABI_VERSION
	.quad entry
	.quad sysentry
	.quad stack_top
	.quad stack_top
	.quad __utext_start
	.quad __utext_end
	.long 0, 0
	.fill 33, 8, 0   /* no vectors: any fault is a triple fault */

	.bss
	.balign 16
	.skip 4096
stack_top:

	.text
	.globl kvm_entry
kvm_entry:
entry:
#if defined(BAD_PORT)
	movw $0x80, %dx
	movb $0x42, %al
	outb %al, %dx
#elif defined(BAD_TRIPLE)
	ud2
#elif defined(BAD_HALT)
	hlt
#elif defined(BAD_RING)
	/*
	 * A hostile ring: garbage over the whole region (header included) from
	 * an LCG, doorbell; then plausible indices with garbage slots (random
	 * opcodes, handles, page-table roots and pointers), doorbell; then 64
	 * doorbells without ever consuming a completion.  The host must answer
	 * or refuse each and stay up; the VM then exits 0 through HC_EXIT.
	 */
	movabs $0xffff800000004000, %rdi /* the ring region in the direct map */
	movq $0x9e3779b97f4a7c15, %rax
	movq $0x5851f42d4c957f2d, %r8
	movq $(0xc000 / 8), %rcx
1:	imulq %r8, %rax
	addq $1442695040888963407 & 0x7fffffff, %rax
	movq %rax, (%rdi)
	addq $8, %rdi
	decq %rcx
	jnz 1b
	movw $0x50f, %dx
	movl $0x4000, %eax
	outl %eax, %dx
	/* Five slots that pass the transport's checks (opcode in range, flags
	 * 0) so their garbage arguments reach the fs service: OPEN, PWRITE,
	 * MKDIR, READLINK, CHMOD with random handles, roots and pointers. */
	movabs $0xffff800000004200, %rdi /* request slots at offset 512 */
	movl $2, (%rdi)
	movq $0, 8(%rdi) /* buf_off, buf_len: no transport buffer */
	movl $7, 64(%rdi)
	movq $0, 72(%rdi)
	movl $12, 128(%rdi)
	movq $0, 136(%rdi)
	movl $17, 192(%rdi)
	movq $0, 200(%rdi)
	movl $22, 256(%rdi)
	movq $0, 264(%rdi)
	/* Indices: req_tail 5 ahead of whatever the host's head is (0). */
	movabs $0xffff800000004000, %rdi
	movl $5, 32(%rdi)  /* req_tail */
	movl $0, 224(%rdi) /* cpl_head */
	movw $0x50f, %dx
	movl $0x4000, %eax
	outl %eax, %dx
	movl $0x7fffffff, 32(%rdi) /* an impossible tail */
	movq $64, %rcx
2:	movw $0x50f, %dx
	movl $0x4000, %eax
	outl %eax, %dx
	decq %rcx
	jnz 2b
	/* HC_EXIT with status 0: the struct at guest-physical 0x1000 (boot info page). */
	movabs $0xffff800000001000, %rdi
	movl $0, (%rdi)
	movw $0x500, %dx
	movl $0x1000, %eax
	outl %eax, %dx
#elif defined(BAD_WX)
	/*
	 * W^X from the kernel's side: NANVIX_HC_MM asks twice to map a user
	 * page writable and executable (P|W|U, no NX).  nanvixd refuses both,
	 * counts both (--stats: wx_hypercall=2) and says so once; the VM then
	 * exits 0 through HC_EXIT.  The struct nanvix_hc_mm is at
	 * guest-physical 0x1000 (the boot info page), zeroed first.
	 */
	movabs $0xffff800000001000, %rdi
	xorl %eax, %eax
	movq $32, %rcx
	rep stosq
	movabs $0xffff800000001000, %rdi
	movq $0x400000, 8(%rdi) /* va */
	movq $0x1000, 16(%rdi)  /* len */
	movq $7, 24(%rdi)       /* pte: P | W | U */
	movl $1, 32(%rdi)       /* op: NANVIX_MM_MAP */
	movw $0x512, %dx
	movl $0x1000, %eax
	outl %eax, %dx
	movw $0x512, %dx
	movl $0x1000, %eax
	outl %eax, %dx
	/* HC_EXIT with status 0 and zero counters, in the same page. */
	movabs $0xffff800000001000, %rdi
	xorl %eax, %eax
	movq $32, %rcx
	rep stosq
	movw $0x500, %dx
	movl $0x1000, %eax
	outl %eax, %dx
#elif defined(BAD_SSE)
	/* The emulator of a software KVM cannot run SSE in ring 0: emulation
	 * failure.  Hardware runs it and reaches the ud2: triple fault. */
	pxor %xmm0, %xmm0
#endif
	ud2

	.section .utext, "ax"
sysentry:
	ud2
