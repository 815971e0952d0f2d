/*
 * fastpath: the ring-3 fast file path (abi/vvar.h) against a hostile
 * process.  It stores to the fast-call page itself with registers of its
 * choosing, and tries to forge its fd map.  Run under --fs=host with a
 * disk; prints one line per check and exits 1 if any fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define FASTCALL_VA 0xffffff0000000000ull
#define VVAR_VA     0x7ffffffff000ull
#define FDMAP       2048

static int fails;

static void check(int ok, const char *what)
{
	printf("%s %s\n", ok ? "ok  " : "FAIL", what);
	fails += !ok;
}

/* A raw store to the fast-call page: returns RAX, *fallback = R11. */
static long fastcall(long nr, long a0, long a1, long a2, long a3, long *fallback)
{
	register long r10 __asm__("r10") = a3;
	register long r11 __asm__("r11") = 7;

	__asm__ volatile("movq %%rax, (%[page])"
	                 : "+a"(nr), "+r"(r11)
	                 : [page] "r"(FASTCALL_VA), "D"(a0), "S"(a1), "d"(a2), "r"(r10)
	                 : "rcx", "memory");
	*fallback = r11;
	return nr;
}

/* Run f in a child; true when the child died of signal sig. */
static int dies_of(void (*f)(void), int sig)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		f();
		_exit(0);
	}
	return waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

static void write_fdmap(void)
{
	*(volatile uint32_t *)(VVAR_VA + FDMAP + 4 * 5) = 2; /* forge fd 5 -> root handle */
}

int main(void)
{
	char buf[64] = { 0 };
	struct stat st;
	long fb, rc;
	int fd, wfd;

	fd = open("data", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "fast path data", 14) != 14) {
		printf("FAIL setup: %s\n", strerror(errno));
		return 1;
	}
	wfd = open("data", O_WRONLY);

	/* What the entry page does, done by hand: served. */
	rc = fastcall(17 /* pread64 */, fd, (long)buf, 4, 5, &fb);
	check(fb == 0 && rc == 4 && memcmp(buf, "path", 4) == 0, "hand-made pread is served");
	rc = fastcall(5 /* fstat */, fd, (long)&st, 0, 0, &fb);
	check(fb == 0 && rc == 0 && st.st_size == 14, "hand-made fstat is served");

	/* Not served here: the trap path decides. */
	rc = fastcall(0, 1 /* the console: no map entry */, (long)buf, 1, 0, &fb);
	check(fb == 1 && rc == 0, "console fd: sent on to the trap");
	rc = fastcall(0, 100000, (long)buf, 1, 0, &fb);
	check(fb == 1, "fd beyond the map: sent on");
	rc = fastcall(999, fd, 0, 0, 0, &fb);
	check(fb == 1 && rc == 999, "unknown call number: sent on, RAX kept");
	rc = fastcall(0, wfd, (long)buf, 4, 0, &fb);
	check(fb == 1, "read of a write-only fd: sent on (the kernel says EBADF)");
	check(read(wfd, buf, 4) < 0 && errno == EBADF, "read of a write-only fd: EBADF");

	/* Served, with the process's own bad pointers: errors, not harm. */
	rc = fastcall(17, fd, (long)0xffff800000001000ull, 4, 0, &fb);
	check(fb == 0 && rc == -EFAULT, "pread into kernel memory: EFAULT");
	rc = fastcall(5, fd, 16, 0, 0, &fb);
	check(fb == 0 && rc == -EFAULT, "fstat to an unmapped address: EFAULT");
	rc = fastcall(17, fd, (long)buf, 4, -1, &fb);
	check(fb == 1, "pread at a negative offset: sent on");
	check(pread(fd, buf, 4, -1) < 0 && errno == EINVAL, "pread at a negative offset: EINVAL");
	rc = fastcall(8 /* lseek */, fd, 0, 99, 0, &fb);
	check(fb == 0 && rc == -EINVAL, "lseek with a bad whence: EINVAL");

	/* The fd map cannot be forged. */
	check(dies_of(write_fdmap, SIGSEGV), "writing the fd map: SIGSEGV");
	check(mprotect((void *)VVAR_VA, 4096, PROT_READ | PROT_WRITE) != 0,
	      "mprotect of the vvar page refused");
	check(munmap((void *)VVAR_VA, 4096) != 0 ||
	              *(volatile uint32_t *)(VVAR_VA + FDMAP) == 0,
	      "munmap of the vvar page refused");

	/* And plain calls still see the right file after all that. */
	check(pread(fd, buf, 14, 0) == 14 && memcmp(buf, "fast path data", 14) == 0,
	      "pread after the hostile calls");
	close(fd);
	close(wfd);
	unlink("data");
	printf("%s\n", fails ? "fastpath: FAILED" : "fastpath: all checks passed");
	return fails != 0;
}
