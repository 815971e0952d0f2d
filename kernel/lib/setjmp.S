/* Kernel setjmp/longjmp (callee-saved registers, stack, return address). */
	.text
	.globl kset_jmp, klong_jmp
/* int kset_jmp(uint64_t buf[8]): 0 now, `val` when resumed by klong_jmp. */
kset_jmp:
	movq %rbx, 0(%rdi)
	movq %rbp, 8(%rdi)
	movq %r12, 16(%rdi)
	movq %r13, 24(%rdi)
	movq %r14, 32(%rdi)
	movq %r15, 40(%rdi)
	leaq 8(%rsp), %rax
	movq %rax, 48(%rdi)
	movq (%rsp), %rax
	movq %rax, 56(%rdi)
	xorl %eax, %eax
	ret
/* void klong_jmp(uint64_t buf[8], int val): resume kset_jmp returning val (!= 0). */
klong_jmp:
	movl %esi, %eax
	movq 0(%rdi), %rbx
	movq 8(%rdi), %rbp
	movq 16(%rdi), %r12
	movq 24(%rdi), %r13
	movq 32(%rdi), %r14
	movq 40(%rdi), %r15
	movq 48(%rdi), %rsp
	jmp *56(%rdi)
