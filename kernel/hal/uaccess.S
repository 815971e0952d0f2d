/* Copies between kernel and user memory that turn a fault into -EFAULT. */
#include <abi/linux.h>

	.text
/*
 * Everything between uaccess_begin and uaccess_end may fault on user
 * memory: trap.c resumes a #PF or #GP there at uaccess_fault, which returns
 * -EFAULT.  Callers have already checked that the user side lies below the
 * user top.
 *
 * long uaccess_copy(void *dst, const void *src, size_t n): 0 or -EFAULT.
 */
	.globl uaccess_copy, uaccess_begin, uaccess_end, uaccess_fault
uaccess_copy:
	movq %rdx, %rcx
	shrq $3, %rcx
uaccess_begin:
	rep movsq
	movq %rdx, %rcx
	andq $7, %rcx
	rep movsb
	xorl %eax, %eax
	ret

/* long uaccess_fxsave(void *user16): save the FPU state to user memory; 0 or -EFAULT. */
	.globl uaccess_fxsave
uaccess_fxsave:
	fxsave (%rdi)
	xorl %eax, %eax
	ret

/*
 * long uaccess_fxrstor(const void *user16): load the FPU state from user
 * memory; 0, or -EFAULT when it is unreadable or invalid (a #GP on reserved
 * MXCSR bits is caught like a page fault).
 */
	.globl uaccess_fxrstor
uaccess_fxrstor:
	fxrstor (%rdi)
uaccess_end:
	xorl %eax, %eax
	ret
uaccess_fault:
	movq $-LINUX_EFAULT, %rax
	ret
