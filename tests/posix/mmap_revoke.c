/* mmap_revoke: rights taken away stay taken away (mprotect, munmap, madvise), for every
 * size of range, also when the freed frames are reused at once by the next mapping. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE 4096

static sigjmp_buf env;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(env, 1);
}

/* 1 if writing one byte at p faults. */
static int write_faults(volatile char *p)
{
	if (sigsetjmp(env, 1))
		return 1;
	*p = 2;
	return 0;
}

/* 1 if reading one byte at p faults. */
static int read_faults(volatile char *p)
{
	if (sigsetjmp(env, 1))
		return 1;
	(void)*p;
	return 0;
}

int main(void)
{
	struct sigaction sa;
	int n, fails = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	for (n = 1; n <= 256; n *= 4) {
		size_t len = (size_t)n * PAGE;
		char *p =
		        mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		char *q;
		int wf, rf, zero;

		if (p == MAP_FAILED) {
			printf("%d pages: mmap failed\n", n);
			return 1;
		}
		memset(p, 1, len);
		mprotect(p, len, PROT_READ);
		wf = write_faults(p + len - 1);
		madvise(p, len, MADV_DONTNEED);
		zero = p[0] == 0 && p[len - 1] == 0;
		munmap(p, len);
		rf = read_faults(p) && read_faults(p + len - 1);
		/* The next mapping may get the same frames: zeroed, and the old addresses still gone. */
		q = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		zero = zero && q != MAP_FAILED && q[0] == 0 && q[len - 1] == 0;
		if (q != MAP_FAILED)
			memset(q, 3, len);
		rf = rf && (q == p || read_faults(p));
		printf("%d pages: write after mprotect(PROT_READ) faults: %s; zero after "
		       "MADV_DONTNEED and in the next mapping: %s; read after munmap faults: %s\n",
		       n, wf ? "yes" : "no", zero ? "yes" : "no", rf ? "yes" : "no");
		fails += !wf + !zero + !rf;
		if (q != MAP_FAILED)
			munmap(q, len);
	}
	return fails != 0;
}
