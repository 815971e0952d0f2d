/* A deliberately broken guest kernel: checks that nanvixd stops a misbehaving VM cleanly. */
/*
 * Built once per BAD_* variant (PORT, TRIPLE, HALT, SSE) with kernel/kernel.ld.
 * It carries a valid nanvix kernel header so nanvixd boots it, then does
 * one thing no correct kernel does.
 */
	.section .nanvix_header, "a"
	.long 0x4b584e4e /* NANVIX_KHDR_MAGIC */
	.long 2          /* NANVIX_ABI_VERSION */
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
#elif defined(BAD_SSE)
	/* The emulator of a software KVM cannot run SSE in ring 0: emulation
	 * failure.  Hardware runs it and reaches the ud2: triple fault. */
	pxor %xmm0, %xmm0
#endif
	ud2

	.section .utext, "ax"
sysentry:
	ud2
