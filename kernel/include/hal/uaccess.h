/* Checked access to user memory from the kernel. */
#ifndef HAL_UACCESS_H
#define HAL_UACCESS_H

#include <abi/bootinfo.h>
#include <abi/linux.h>
#include <lib/klib.h>

long uaccess_copy(void *dst, const void *src, size_t n);
long uaccess_fxsave(uint64_t user16);
long uaccess_fxrstor(uint64_t user16);
extern char uaccess_begin[], uaccess_end[], uaccess_fault[];

/* True when [uva, uva + n) lies wholly in the user half. */
/*
 * Is `va` canonical?  iretq to ring 3 with a non-canonical RIP or RSP
 * faults in ring 0, on the kernel's own iretq: every RIP and RSP a
 * program chooses (a signal frame, a handler, a clone stack) is checked
 * with this before it goes into a trap frame.  A canonical kernel-half
 * address is harmless there: ring 3 faults on it as on any other.
 */
static inline bool uaccess_canonical(uint64_t va)
{
	int64_t top = (int64_t)va >> 47;

	return top == 0 || top == -1;
}

static inline bool uaccess_ok(uint64_t uva, uint64_t n)
{
	return uva < NANVIX_USER_TOP && n <= NANVIX_USER_TOP - uva;
}

/* Copy n bytes to user address `uva`: 0 or -EFAULT (bad range or fault). */
static inline long copy_to_user(uint64_t uva, const void *src, size_t n)
{
	if (!uaccess_ok(uva, n))
		return -LINUX_EFAULT;
	return uaccess_copy((void *)uva, src, n);
}

/* Copy n bytes from user address `uva`: 0 or -EFAULT. */
static inline long copy_from_user(void *dst, uint64_t uva, size_t n)
{
	if (!uaccess_ok(uva, n))
		return -LINUX_EFAULT;
	return uaccess_copy(dst, (const void *)uva, n);
}

#endif /* HAL_UACCESS_H */
