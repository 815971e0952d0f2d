/* crt0: the entry point of every newlib+ulib guest program. */

/*
 * The kernel (or Linux) enters _start with the SysV x86-64 process stack:
 *
 *	(%rsp)		argc
 *	8(%rsp)		argv[0] .. argv[argc-1], NULL
 *			envp[0] .. NULL
 *			auxv pairs .. AT_NULL
 *
 * and no promise about any register but rsp (rdx may hold a function for
 * atexit in the dynamic-linker case; a static program ignores it).  We clear
 * rbp so that backtraces end here, hand the initial stack pointer to
 * ulib_start() (ulib/start.c) which parses it, and align rsp to 16 bytes as
 * the ABI wants at a call.  ulib_start never returns.
 */

	.text
	.globl	_start
	.type	_start, @function
_start:
	.cfi_startproc
	.cfi_undefined rip
	xorl	%ebp, %ebp
	movq	%rsp, %rdi
	andq	$-16, %rsp
	call	ulib_start
	ud2
	.cfi_endproc
	.size	_start, . - _start

	.section .note.GNU-stack, "", @progbits
