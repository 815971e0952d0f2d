/* Kernel context switch: callee-saved registers and the stack pointer. */
	.text
	.globl sched_switch_context
/* void sched_switch_context(uint64_t *save_ksp, uint64_t load_ksp) */
sched_switch_context:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
