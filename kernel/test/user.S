/* Ring-3 code for the self-tests; lives in the user-executable entry page. */
	.section .utext, "ax"

/*
 * Make a getpid system call with every other register set to a marker,
 * check that the call preserved them as Linux does, then exit with
 * 40 + getpid() (41), or with 100 + the number of the clobbered register.
 */
	.globl selftest_user_syscall
selftest_user_syscall:
	movq $0x1001, %rbx
	movq $0x1002, %rbp
	movq $0x1003, %rdi
	movq $0x1004, %rsi
	movq $0x1005, %rdx
	movq $0x1006, %r8
	movq $0x1007, %r9
	movq $0x1008, %r10
	movq $0x1009, %r12
	movq $0x100a, %r13
	movq $0x100b, %r14
	movq $0x100c, %r15
	movl $39, %eax
	syscall
	movq %rax, %r11
	movl $101, %eax
	cmpq $0x1001, %rbx
	jne 1f
	incl %eax
	cmpq $0x1002, %rbp
	jne 1f
	incl %eax
	cmpq $0x1003, %rdi
	jne 1f
	incl %eax
	cmpq $0x1004, %rsi
	jne 1f
	incl %eax
	cmpq $0x1005, %rdx
	jne 1f
	incl %eax
	cmpq $0x1006, %r8
	jne 1f
	incl %eax
	cmpq $0x1007, %r9
	jne 1f
	incl %eax
	cmpq $0x1008, %r10
	jne 1f
	incl %eax
	cmpq $0x1009, %r12
	jne 1f
	incl %eax
	cmpq $0x100a, %r13
	jne 1f
	incl %eax
	cmpq $0x100b, %r14
	jne 1f
	incl %eax
	cmpq $0x100c, %r15
	jne 1f
	leaq 40(%r11), %rax
1:	movq %rax, %rdi
	movl $60, %eax
	syscall
	ud2

/* Write "user\n" (from the user stack) through write(1); exit with the count. */
	.globl selftest_user_write
selftest_user_write:
	movabsq $0x0a72657375, %rax
	pushq %rax
	movq %rsp, %rsi
	movl $1, %edi
	movl $5, %edx
	movl $1, %eax
	syscall
	movq %rax, %rdi /* exit status = bytes written (5) */
	movl $60, %eax
	syscall
	ud2

/* Execute an invalid instruction: SIGILL. */
	.globl selftest_user_ud2
selftest_user_ud2:
	ud2

/* Write to a kernel address: SIGSEGV. */
	.globl selftest_user_segv
selftest_user_segv:
	movq $0xffffffff80100000, %rax
	movq %rax, (%rax)
	ud2
