/* The subset of the Linux x86-64 system-call ABI the microkernel serves. */
#ifndef NANVIX_ABI_LINUX_H
#define NANVIX_ABI_LINUX_H

/*
 * Numbers, error codes and struct layouts exactly as Linux x86-64 defines
 * them, so that unmodified static binaries (musl, newlib+ulib) run.
 * C99, self-contained.
 */

#include <stdint.h>

/* System-call numbers. */
#define LINUX_SYS_read 0
#define LINUX_SYS_write 1
#define LINUX_SYS_open 2
#define LINUX_SYS_close 3
#define LINUX_SYS_fstat 5
#define LINUX_SYS_lseek 8
#define LINUX_SYS_mmap 9
#define LINUX_SYS_mprotect 10
#define LINUX_SYS_munmap 11
#define LINUX_SYS_brk 12
#define LINUX_SYS_rt_sigaction 13
#define LINUX_SYS_rt_sigprocmask 14
#define LINUX_SYS_ioctl 16
#define LINUX_SYS_readv 19
#define LINUX_SYS_writev 20
#define LINUX_SYS_getpid 39
#define LINUX_SYS_exit 60
#define LINUX_SYS_kill 62
#define LINUX_SYS_uname 63
#define LINUX_SYS_gettimeofday 96
#define LINUX_SYS_getuid 102
#define LINUX_SYS_getgid 104
#define LINUX_SYS_geteuid 107
#define LINUX_SYS_getegid 108
#define LINUX_SYS_arch_prctl 158
#define LINUX_SYS_gettid 186
#define LINUX_SYS_time 201
#define LINUX_SYS_set_tid_address 218
#define LINUX_SYS_clock_gettime 228
#define LINUX_SYS_clock_getres 229
#define LINUX_SYS_exit_group 231
#define LINUX_SYS_tgkill 234
#define LINUX_SYS_NR 512 /* size of the dispatch table */

/* errno values. */
#define LINUX_EPERM 1
#define LINUX_ENOENT 2
#define LINUX_EINTR 4
#define LINUX_EIO 5
#define LINUX_EBADF 9
#define LINUX_ENOMEM 12
#define LINUX_EACCES 13
#define LINUX_EFAULT 14
#define LINUX_EEXIST 17
#define LINUX_EINVAL 22
#define LINUX_ENOTTY 25
#define LINUX_ENOSYS 38

/* mmap / mprotect. */
#define LINUX_PROT_READ 0x1
#define LINUX_PROT_WRITE 0x2
#define LINUX_PROT_EXEC 0x4
#define LINUX_MAP_SHARED 0x01
#define LINUX_MAP_PRIVATE 0x02
#define LINUX_MAP_FIXED 0x10
#define LINUX_MAP_ANONYMOUS 0x20
#define LINUX_MAP_NORESERVE 0x4000
#define LINUX_MAP_FIXED_NOREPLACE 0x100000

/* arch_prctl. */
#define LINUX_ARCH_SET_GS 0x1001
#define LINUX_ARCH_SET_FS 0x1002
#define LINUX_ARCH_GET_FS 0x1003
#define LINUX_ARCH_GET_GS 0x1004

/* ioctl. */
#define LINUX_TCGETS 0x5401
#define LINUX_TIOCGWINSZ 0x5413

/* Clocks. */
#define LINUX_CLOCK_REALTIME 0
#define LINUX_CLOCK_MONOTONIC 1
#define LINUX_CLOCK_PROCESS_CPUTIME_ID 2
#define LINUX_CLOCK_THREAD_CPUTIME_ID 3
#define LINUX_CLOCK_MONOTONIC_RAW 4
#define LINUX_CLOCK_REALTIME_COARSE 5
#define LINUX_CLOCK_MONOTONIC_COARSE 6
#define LINUX_CLOCK_BOOTTIME 7

/* Signals (numbers only, for exit statuses). */
#define LINUX_SIGILL 4
#define LINUX_SIGTRAP 5
#define LINUX_SIGBUS 7
#define LINUX_SIGFPE 8
#define LINUX_SIGKILL 9
#define LINUX_SIGSEGV 11

struct linux_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

struct linux_timeval {
	int64_t tv_sec;
	int64_t tv_usec;
};

struct linux_utsname {
	char sysname[65];
	char nodename[65];
	char release[65];
	char version[65];
	char machine[65];
	char domainname[65];
};

struct linux_iovec {
	uint64_t iov_base;
	uint64_t iov_len;
};

/* Auxiliary vector types. */
#define LINUX_AT_NULL 0
#define LINUX_AT_PHDR 3
#define LINUX_AT_PHENT 4
#define LINUX_AT_PHNUM 5
#define LINUX_AT_PAGESZ 6
#define LINUX_AT_BASE 7
#define LINUX_AT_FLAGS 8
#define LINUX_AT_ENTRY 9
#define LINUX_AT_UID 11
#define LINUX_AT_EUID 12
#define LINUX_AT_GID 13
#define LINUX_AT_EGID 14
#define LINUX_AT_PLATFORM 15
#define LINUX_AT_HWCAP 16
#define LINUX_AT_CLKTCK 17
#define LINUX_AT_SECURE 23
#define LINUX_AT_RANDOM 25
#define LINUX_AT_EXECFN 31

#endif /* NANVIX_ABI_LINUX_H */
