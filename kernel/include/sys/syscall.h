/* System calls: the Linux x86-64 calls the kernel serves, defined once. */
#ifndef SYS_SYSCALL_H
#define SYS_SYSCALL_H

#include <abi/bootinfo.h>
#include <abi/linux.h>
#include <lib/klib.h>

/*
 * Every served call, by its Linux name, with how it is entered: FAST calls
 * take the short path of entry.S (only the argument registers are saved),
 * FRAME calls get the full user register frame (clone copies it).  The
 * dispatch table, the fast-path map and the handler prototypes all expand
 * this one list.  Handlers return the result or a negative errno.
 */
/* clang-format off */
#define SYSCALL_LIST(X)                                                                   \
	X(read, FAST) X(write, FAST) X(writev, FAST) X(ioctl, FAST) X(close, FAST)      \
	X(fstat, FAST) X(mmap, FAST) X(mprotect, FAST) X(munmap, FAST) X(brk, FAST)     \
	X(getpid, FAST) X(gettid, FAST) X(getppid, FAST) X(getuid, FAST)                \
	X(geteuid, FAST) X(getgid, FAST) X(getegid, FAST) X(exit, FAST)                 \
	X(exit_group, FAST) X(kill, FAST) X(tkill, FAST) X(tgkill, FAST) X(uname, FAST) \
	X(arch_prctl, FAST) X(set_tid_address, FAST) X(clock_gettime, FAST)            \
	X(clock_getres, FAST) X(gettimeofday, FAST) X(time, FAST) X(nanosleep, FAST)    \
	X(clock_nanosleep, FAST) X(getrandom, FAST) X(sched_yield, FAST) X(umask, FAST) \
	X(getrlimit, FAST) X(setrlimit, FAST) X(prlimit64, FAST) X(sysinfo, FAST)       \
	X(clone, FRAME) X(futex, FAST) X(set_robust_list, FAST)                         \
	X(rt_sigaction, FAST) X(rt_sigprocmask, FAST) X(rt_sigreturn, FRAME)            \
	X(rt_sigpending, FAST) X(rt_sigsuspend, FAST) X(pause, FAST) X(alarm, FAST)     \
	X(getitimer, FAST) X(setitimer, FAST) X(readv, FAST) X(lseek, FAST) X(pipe, FAST) \
	X(pipe2, FAST) X(dup, FAST) X(dup2, FAST) X(dup3, FAST) X(fcntl, FAST) X(open, FAST) \
	X(openat, FAST) X(poll, FAST) X(ppoll, FAST) X(fork, FRAME) X(vfork, FRAME)       \
	X(wait4, FAST) X(setpgid, FAST) X(getpgid, FAST) X(getpgrp, FAST) X(setsid, FAST) \
	X(getsid, FAST) X(execve, FRAME)                                                  \
	X(pread64, FAST) X(pwrite64, FAST) X(getdents64, FAST) X(fsync, FAST)             \
	X(fdatasync, FAST) X(truncate, FAST) X(ftruncate, FAST) X(getcwd, FAST)           \
	X(chdir, FAST) X(fchdir, FAST) X(mkdir, FAST) X(mkdirat, FAST) X(rmdir, FAST)     \
	X(unlink, FAST) X(unlinkat, FAST) X(rename, FAST) X(renameat, FAST)               \
	X(renameat2, FAST) X(link, FAST) X(linkat, FAST) X(symlink, FAST)                 \
	X(symlinkat, FAST) X(readlink, FAST) X(readlinkat, FAST) X(stat, FAST)            \
	X(lstat, FAST) X(newfstatat, FAST) X(statx, FAST) X(access, FAST)                 \
	X(faccessat, FAST) X(faccessat2, FAST) X(chmod, FAST) X(fchmod, FAST)             \
	X(fchmodat, FAST) X(utimensat, FAST) X(statfs, FAST) X(fstatfs, FAST)             \
	X(creat, FAST)
/* clang-format on */

#define SYSCALL_ARGS                 long a0, long a1, long a2, long a3, long a4, long a5
#define SYSCALL_DECLARE(name, entry) long sys_##name(SYSCALL_ARGS);
SYSCALL_LIST(SYSCALL_DECLARE)

struct trap_frame;

/*
 * The slow entry from syscall_common (entry.S): FRAME calls, unknown
 * numbers and every call while tracing.  The user's registers are in `tf`,
 * the number in tf->error; the result is left in tf->rax.
 */
void syscall_dispatch(struct trap_frame *tf);

/* Read by entry.S: the handlers, which numbers may take the fast path, and a
 * switch sending every call down the slow path (tracing). */
extern long (*const syscall_table[LINUX_SYS_NR])(SYSCALL_ARGS);
extern const uint8_t syscall_fast[LINUX_SYS_NR];
extern uint8_t syscall_slow;

/* Clock bases from the boot info (sys_time.c). */
void clock_init(const struct nanvix_bootinfo *bi);

/* Nanoseconds since boot (sys_time.c): the scheduler's clock. */
uint64_t clock_uptime_ns(void);

/* Clock `id` in ns since the epoch of that clock; 0 or -EINVAL (sys_time.c). */
long clock_read(long id, uint64_t *ns);

/* Read and check a user struct timespec as ns; 0, -EFAULT or -EINVAL. */
long clock_timespec_ns(uint64_t uva, uint64_t *ns);

#endif /* SYS_SYSCALL_H */
