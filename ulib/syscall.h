/* Raw system calls with the Linux x86-64 convention, for ulib's own use. */
#ifndef ULIB_SYSCALL_H
#define ULIB_SYSCALL_H

/*
 * The number goes in rax and up to six arguments in rdi, rsi, rdx, r10, r8
 * and r9; the result comes back in rax, a value in [-4095, -1] being a
 * negated errno.  The `syscall` instruction overwrites rcx (return rip) and
 * r11 (rflags); "memory" tells the compiler the kernel may read and write
 * any buffer passed by address.
 *
 * These return the raw result; ulib_ret() (xlate.h) turns it into the libc
 * convention (-1 and errno).
 */

#include <abi/linux.h>

static inline long ulib_syscall0(long nr)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr) : "rcx", "r11", "memory");
	return ret;
}

static inline long ulib_syscall1(long nr, long a1)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a1) : "rcx", "r11", "memory");
	return ret;
}

static inline long ulib_syscall2(long nr, long a1, long a2)
{
	long ret;

	__asm__ volatile("syscall"
	                 : "=a"(ret)
	                 : "a"(nr), "D"(a1), "S"(a2)
	                 : "rcx", "r11", "memory");
	return ret;
}

static inline long ulib_syscall3(long nr, long a1, long a2, long a3)
{
	long ret;

	__asm__ volatile("syscall"
	                 : "=a"(ret)
	                 : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
	                 : "rcx", "r11", "memory");
	return ret;
}

static inline long ulib_syscall4(long nr, long a1, long a2, long a3, long a4)
{
	long ret;
	register long r10 __asm__("r10") = a4;

	__asm__ volatile("syscall"
	                 : "=a"(ret)
	                 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10)
	                 : "rcx", "r11", "memory");
	return ret;
}

static inline long ulib_syscall5(long nr, long a1, long a2, long a3, long a4, long a5)
{
	long ret;
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;

	__asm__ volatile("syscall"
	                 : "=a"(ret)
	                 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8)
	                 : "rcx", "r11", "memory");
	return ret;
}

static inline long ulib_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	long ret;
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;

	__asm__ volatile("syscall"
	                 : "=a"(ret)
	                 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
	                 : "rcx", "r11", "memory");
	return ret;
}

#endif /* ULIB_SYSCALL_H */
