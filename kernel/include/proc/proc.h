/* Processes: the user program's address space and lifetime. */
#ifndef PROC_PROC_H
#define PROC_PROC_H

#include <abi/bootinfo.h>
#include <abi/linux.h>
#include <lib/klib.h>

struct file;

struct proc {
	int pid;
	uint64_t cr3;        /* physical PML4 */
	uint64_t brk_start;  /* initial break: page-aligned end of the image */
	uint64_t brk;        /* current break */
	uint64_t mmap_next;  /* mmap without a hint allocates below this */
	uint64_t stack_lo;   /* lowest stack page */
	struct file **fds;   /* FD_MAX open files (fd/file.h), one frame */
	uint64_t cloexec[8]; /* FD_CLOEXEC bits of fds */
	uint32_t umask;
	/* Signals: actions, process-directed pending set and the reasons. */
	struct linux_sigaction actions[LINUX_NSIG];
	uint64_t sigpending;
	struct {
		int code, pid;
		uint64_t addr;
	} siginfo[LINUX_NSIG];
	/* ITIMER_REAL: deadline on the scheduler clock (0: off) and period. */
	uint64_t alarm_at;
	uint64_t alarm_interval;
	struct linux_rlimit rlimits[LINUX_RLIM_NLIMITS];
	char name[32];
};

extern struct proc *proc_current;

/* Adopt the process nanvixd built (boot info); O(1). */
void proc_init_boot(const struct nanvix_bootinfo *bi);

/* End the VM with exit status `status` (0..255), reporting statistics. */
__attribute__((noreturn)) void proc_exit(int status);

/*
 * Kill the current process with signal `sig` (exit status 128 + sig),
 * after printing a one-line report made of `fmt` (may be NULL).
 */
__attribute__((noreturn)) void proc_kill(int sig, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* Name of a signal ("SIGSEGV"), or "signal N" in buf. */
const char *proc_signame(int sig, char *buf, size_t n);

#endif /* PROC_PROC_H */
