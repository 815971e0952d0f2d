/* The Linux system calls the microkernel serves: one list for both sides. */
#ifndef NANVIX_ABI_SYSCALLS_H
#define NANVIX_ABI_SYSCALLS_H

/*
 * X(name, entry) for every served call, by its Linux name: its number is
 * LINUX_SYS_<name> (abi/linux.h).  `entry` is how the kernel enters it:
 * FAST calls take the short path of entry.S (only the argument registers
 * are saved), FRAME calls get the full user register frame (clone copies
 * it).  The kernel expands this list into its dispatch table, fast-path
 * map and handler prototypes (sys/syscall.h); nanvixd into the names
 * --strace prints (macrokernel/monitor/strace.c), so a call added here is
 * served and named at once.  C99, self-contained.
 */
#include <abi/linux.h>

/* clang-format off */
#define NANVIX_SYSCALLS(X)                                                                \
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
	X(socket, FAST) X(bind, FAST) X(listen, FAST) X(accept, FAST) X(accept4, FAST)    \
	X(connect, FAST)                                                                  \
	X(pread64, FAST) X(pwrite64, FAST) X(getdents64, FAST) X(fsync, FAST)             \
	X(fdatasync, FAST) X(truncate, FAST) X(ftruncate, FAST) X(getcwd, FAST)           \
	X(chdir, FAST) X(fchdir, FAST) X(mkdir, FAST) X(mkdirat, FAST) X(rmdir, FAST)     \
	X(unlink, FAST) X(unlinkat, FAST) X(rename, FAST) X(renameat, FAST)               \
	X(renameat2, FAST) X(link, FAST) X(linkat, FAST) X(symlink, FAST)                 \
	X(symlinkat, FAST) X(readlink, FAST) X(readlinkat, FAST) X(stat, FAST)            \
	X(lstat, FAST) X(newfstatat, FAST) X(statx, FAST) X(access, FAST)                 \
	X(faccessat, FAST) X(faccessat2, FAST) X(chmod, FAST) X(fchmod, FAST)             \
	X(fchmodat, FAST) X(utimensat, FAST) X(statfs, FAST) X(fstatfs, FAST)             \
	X(creat, FAST) X(select, FAST) X(pselect6, FAST) X(epoll_create, FAST)            \
	X(epoll_create1, FAST) X(epoll_ctl, FAST) X(epoll_wait, FAST)                     \
	X(epoll_pwait, FAST) X(epoll_pwait2, FAST) X(eventfd, FAST) X(eventfd2, FAST)     \
	X(socketpair, FAST) X(sendto, FAST) X(recvfrom, FAST) X(sendmsg, FAST)            \
	X(recvmsg, FAST) X(shutdown, FAST) X(getsockopt, FAST) X(setsockopt, FAST)        \
	X(getsockname, FAST) X(getpeername, FAST)                                         \
	X(sched_setparam, FAST) X(sched_getparam, FAST) X(sched_setscheduler, FAST)       \
	X(sched_getscheduler, FAST) X(sched_get_priority_max, FAST)                       \
	X(sched_get_priority_min, FAST) X(sched_rr_get_interval, FAST)                    \
	X(sched_setaffinity, FAST) X(sched_getaffinity, FAST) X(mlock, FAST)              \
	X(mlock2, FAST) X(munlock, FAST) X(mlockall, FAST) X(munlockall, FAST)            \
	X(prctl, FAST) X(waitid, FAST) X(times, FAST) X(getrusage, FAST)                 \
	X(sigaltstack, FRAME) X(clock_settime, FAST) X(settimeofday, FAST)              \
	X(rt_sigtimedwait, FAST) X(rt_sigqueueinfo, FAST) X(madvise, FAST) \
	X(flock, FAST) X(mq_open, FAST) X(mq_unlink, FAST) X(mq_timedsend, FAST)         \
	X(mq_timedreceive, FAST) X(mq_notify, FAST) X(mq_getsetattr, FAST)              \
	X(timer_create, FAST) X(timer_settime, FAST) X(timer_gettime, FAST)              \
	X(timer_getoverrun, FAST) X(timer_delete, FAST) X(msync, FAST) X(mremap, FAST)       \
	X(memfd_create, FAST)
/* clang-format on */

#endif /* NANVIX_ABI_SYSCALLS_H */
