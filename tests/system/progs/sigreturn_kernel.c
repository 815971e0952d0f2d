/* sigreturn_kernel: a forged signal frame aiming at kernel code and selectors only gets SIGSEGV. */
#include <stdint.h>
#include <stdio.h>

/* The kernel's x86-64 ucontext: header, struct sigcontext, signal mask. */
static uint64_t frame[64];

int main(void)
{
	printf("forging\n");
	fflush(stdout);
	frame[5 + 16] = 0xffffffff80100000ull;  /* rip: the kernel image */
	frame[5 + 15] = 0xffffffff80110000ull;  /* rsp: the kernel stack */
	frame[5 + 17] = 0x3202;                 /* eflags: IOPL 3 */
	frame[5 + 18] = 0x08 | (0x10ull << 48); /* cs, ss: the kernel's */
	__asm__ volatile("movq %0, %%rsp\n\tmovl $15, %%eax\n\tsyscall" : : "r"(frame) : "memory");
	printf("FAIL: rt_sigreturn returned\n");
	return 1;
}
