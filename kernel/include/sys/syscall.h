/* System calls: the Linux x86-64 calls the kernel serves, defined once. */
#ifndef SYS_SYSCALL_H
#define SYS_SYSCALL_H

#include <abi/bootinfo.h>
#include <abi/linux.h>
#include <lib/klib.h>

/*
 * Every served call, by its Linux name.  The dispatch table, the handler
 * prototypes and the --strace names (later) all expand this one list.
 * Handlers return the result or a negative errno.
 */
#define SYSCALL_LIST(X)                                                        \
	X(read) X(write) X(writev) X(ioctl) X(close) X(fstat) X(mmap) X(mprotect) X(munmap) X(brk) \
	X(getpid) X(gettid) X(getppid) X(getuid) X(geteuid) X(getgid) X(getegid) \
	X(exit) X(exit_group) X(kill) X(tkill) X(tgkill) X(uname) X(arch_prctl)  \
	X(set_tid_address) X(clock_gettime) X(clock_getres) X(gettimeofday)     \
	X(time) X(nanosleep) X(clock_nanosleep) X(getrandom) X(sched_yield) X(umask)  \
	X(getrlimit) X(setrlimit) X(prlimit64) X(sysinfo) X(clone) X(futex)       \
	X(set_robust_list)

#define SYSCALL_ARGS long a0, long a1, long a2, long a3, long a4, long a5
#define SYSCALL_DECLARE(name) long sys_##name(SYSCALL_ARGS);
SYSCALL_LIST(SYSCALL_DECLARE)

struct trap_frame;

/*
 * Entry from syscall_common (entry.S): the user's registers in `tf`, the
 * number in tf->error; the result is left in tf->rax.
 */
void syscall_dispatch(struct trap_frame *tf);

/* Clock bases from the boot info (sys_time.c). */
void clock_init(const struct nanvix_bootinfo *bi);

/* Nanoseconds since boot (sys_time.c): the scheduler's clock. */
uint64_t clock_uptime_ns(void);

/* Clock `id` in ns since the epoch of that clock; 0 or -EINVAL (sys_time.c). */
long clock_read(long id, uint64_t *ns);

/* Read and check a user struct timespec as ns; 0, -EFAULT or -EINVAL. */
long clock_timespec_ns(uint64_t uva, uint64_t *ns);

#endif /* SYS_SYSCALL_H */
