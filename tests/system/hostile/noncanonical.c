/* Non-canonical RIP or RSP a program hands the kernel (clone stack, sigreturn frame, handler) never reaches iretq. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "common.h"

#define NONCANONICAL 0x800000000000ull

static void forged_sigreturn(void)
{
	/* An rt_sigframe's ucontext on the stack, all zero but a non-canonical rsp. */
	static uint64_t frame[128] __attribute__((aligned(16)));

	frame[5 + 15] = NONCANONICAL; /* uc_mcontext.rsp (after uc_flags, uc_link, uc_stack) */
	__asm__ volatile("mov %0, %%rsp\n\t"
	                 "mov $15, %%eax\n\t"
	                 "syscall" ::"r"(frame)
	                 : "rax", "memory");
}

static void bad_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	/* Raw rt_sigaction: libc wrappers may check. */
	sa.sa_handler = (void (*)(int))NONCANONICAL;
	sa.sa_flags = 0x04000000; /* SA_RESTORER */
	sa.sa_restorer = (void (*)(void))NONCANONICAL;
	syscall(SYS_rt_sigaction, SIGUSR1, &sa, NULL, 8);
	raise(SIGUSR1);
}

int main(void)
{
	long rc;

	setvbuf(stdout, NULL, _IONBF, 0);
	errno = 0;
	rc = syscall(SYS_clone, SIGCHLD, NONCANONICAL, 0, 0, 0);
	if (rc == 0)
		_exit(0);
	printf("clone on a non-canonical stack: %s\n", rc < 0 && errno == EINVAL ? "EINVAL" : "?");
	probe("rt_sigreturn to a non-canonical rsp", forged_sigreturn);
	probe("a non-canonical handler", bad_handler);
	printf("the VM goes on\n");
	return 0;
}
