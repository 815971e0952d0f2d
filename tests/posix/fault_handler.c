/* fault_handler: SIGSEGV and SIGFPE handlers see the fault, leave by siglongjmp; FPU state survives. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static sigjmp_buf env;
static volatile void *fault_addr;
static volatile int fault_code;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	volatile double x = 1.5;

	(void)uc;
	fault_addr = si->si_addr;
	fault_code = si->si_code;
	x = x * 3.0; /* the handler uses the FPU too */
	siglongjmp(env, sig + (x == 4.5 ? 0 : 1000));
}

int main(void)
{
	struct sigaction sa;
	volatile double kept = 2.25;
	volatile int zero = 0;
	int *volatile bad = (int *)16;
	int r;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL) || sigaction(SIGFPE, &sa, NULL)) {
		printf("FAIL: sigaction\n");
		return 1;
	}
	r = sigsetjmp(env, 1);
	if (r == 0)
		*(volatile int *)bad = 1;
	printf("SIGSEGV caught: %s, si_addr 16: %s, SEGV_MAPERR: %s\n", r == SIGSEGV ? "yes" : "no",
	       fault_addr == (void *)16 ? "yes" : "no", fault_code == SEGV_MAPERR ? "yes" : "no");
	r = sigsetjmp(env, 1);
	if (r == 0)
		r = 10 / zero;
	printf("SIGFPE caught: %s\n", r == SIGFPE ? "yes" : "no");
	printf("FPU value kept across handlers: %s\n", kept == 2.25 ? "yes" : "no");
	return 0;
}
