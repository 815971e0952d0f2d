/* sigreturn_forge: a forged rt_sigreturn frame can set user registers but never privilege. */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

/* The kernel's x86-64 ucontext: header, struct sigcontext, signal mask. */
struct frame {
	uint64_t uc_flags, uc_link, ss_sp, ss_flags, ss_size;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint64_t cs_gs_fs_ss, err, trapno, oldmask, cr2, fpstate, reserved[8];
	uint64_t sigmask;
};

static uint64_t stack[1024] __attribute__((aligned(16)));
static struct frame f;

static void landed(uint64_t marker)
{
	uint64_t flags;

	__asm__ volatile("pushfq; popq %0" : "=r"(flags));
	printf("landed: marker %s, IOPL %llu, IF %llu\n", marker == 0x1234 ? "ok" : "wrong",
	       (unsigned long long)(flags >> 12) & 3, (unsigned long long)(flags >> 9) & 1);
	fflush(stdout);
	_exit(0);
}

int main(void)
{
	f.rip = (uint64_t)landed;
	f.rdi = 0x1234;
	f.rsp = (uint64_t)&stack[1021]; /* as after a call: rsp + 8 is 16-aligned */
	f.eflags = 0x3202 | 0x100000;   /* asks for IOPL 3 and sets ID */
	/* Linux's user selectors (CS 0x33, SS 0x2b); nanvix ignores them and uses its own. */
	f.cs_gs_fs_ss = 0x33 | (0x2bull << 48);
	/* rt_sigreturn reads the ucontext at the stack pointer. */
	__asm__ volatile("movq %0, %%rsp\n\tmovl $15, %%eax\n\tsyscall" : : "r"(&f) : "memory");
	printf("FAIL: rt_sigreturn returned\n");
	return 1;
}
