/* Copies between kernel and user memory that turn a fault into -EFAULT. */
#include <abi/linux.h>

	.text
/*
 * long uaccess_copy(void *dst, const void *src, size_t n): 0, or -EFAULT
 * when a page fault hits between uaccess_begin and uaccess_end (trap.c
 * resumes at uaccess_fault).  Callers have already checked that the user
 * side lies below the user top.
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
uaccess_end:
	xorl %eax, %eax
	ret
uaccess_fault:
	movq $-LINUX_EFAULT, %rax
	ret
