/* signal_asm: the signal code that must be assembly: the handlers' restorer and sigsetjmp. */
#include <abi/linux.h>

	.text

/*
 * ulib_sigreturn: every handler ulib installs has this as its restorer
 * (SA_RESTORER; x86-64 has no kernel-provided return trampoline).  The
 * kernel starts a handler with this address as its return address and the
 * rt_sigframe above it, so when the handler returns, rsp points at the
 * frame's ucontext, which is where rt_sigreturn reads the registers and mask
 * to resume with.  It does not return.  The instruction bytes are the ones
 * debuggers recognise as a Linux x86-64 signal trampoline (mov $15, %rax
 * with REX.W; syscall), so backtraces go through handlers.
 */
	.globl	ulib_sigreturn
	.type	ulib_sigreturn, @function
ulib_sigreturn:
	movq	$LINUX_SYS_rt_sigreturn, %rax
	syscall
	ud2
	.size	ulib_sigreturn, . - ulib_sigreturn

/*
 * int sigsetjmp(sigjmp_buf env, int savemask): ulib_sigjmp_save(env,
 * savemask) (signal.c) records the mask, then this jumps to setjmp(env)
 * with our caller's return address still on top of the stack, so setjmp
 * saves the caller's context and "returns twice" to the caller, as if it
 * had been called directly.  env's jmp_buf is its first member.
 */
	.globl	sigsetjmp
	.type	sigsetjmp, @function
sigsetjmp:
	.cfi_startproc
	pushq	%rdi			/* keep env; aligns the stack for the call */
	.cfi_adjust_cfa_offset 8
	call	ulib_sigjmp_save	/* (env, savemask) are in rdi, esi already */
	popq	%rdi
	.cfi_adjust_cfa_offset -8
	jmp	setjmp
	.cfi_endproc
	.size	sigsetjmp, . - sigsetjmp

	.section .note.GNU-stack, "", @progbits
