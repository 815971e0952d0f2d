/* std, then into the kernel: a fault, a system call and a signal must all see DF clear. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static sigjmp_buf back;
static char buf[64];

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(back, 1);
}

int main(void)
{
	static const char msg[] = "write with DF set: intact\n";
	long n;

	signal(SIGSEGV, on_segv);
	/* A system call that copies a buffer: the kernel's copies must run forwards. */
	__asm__ volatile("std\n\t"
	                 "syscall\n\t"
	                 "cld"
	                 : "=a"(n)
	                 : "a"(1L), "D"(1L), "S"(msg), "d"(sizeof(msg) - 1)
	                 : "rcx", "r11", "memory");
	/* A fault with DF set: the kernel reports it and runs our handler. */
	if (sigsetjmp(back, 1) == 0)
		__asm__ volatile("std\n\t"
		                 "movb $1, 0\n\t" ::
		                         : "memory");
	__asm__ volatile("cld");
	/* The handler ran with DF clear (the ABI says so): memcpy works. */
	memcpy(buf, "handler ok\n", 11);
	if (write(1, buf, 11) != 11)
		return 1;
	printf("syscall returned %ld\n", n);
	return 0;
}
