/* The subset of the Linux x86-64 system-call ABI the microkernel serves. */
#ifndef NANVIX_ABI_LINUX_H
#define NANVIX_ABI_LINUX_H

/*
 * Numbers, error codes and struct layouts exactly as Linux x86-64 defines
 * them, so that unmodified static binaries (musl, newlib+ulib) run.
 * C99, self-contained.
 */

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

/* System-call numbers. */
#define LINUX_SYS_read            0
#define LINUX_SYS_write           1
#define LINUX_SYS_open            2
#define LINUX_SYS_close           3
#define LINUX_SYS_fstat           5
#define LINUX_SYS_lseek           8
#define LINUX_SYS_mmap            9
#define LINUX_SYS_mprotect        10
#define LINUX_SYS_munmap          11
#define LINUX_SYS_brk             12
#define LINUX_SYS_rt_sigaction    13
#define LINUX_SYS_rt_sigprocmask  14
#define LINUX_SYS_ioctl           16
#define LINUX_SYS_readv           19
#define LINUX_SYS_writev          20
#define LINUX_SYS_getpid          39
#define LINUX_SYS_exit            60
#define LINUX_SYS_kill            62
#define LINUX_SYS_uname           63
#define LINUX_SYS_gettimeofday    96
#define LINUX_SYS_getuid          102
#define LINUX_SYS_getgid          104
#define LINUX_SYS_getppid         110
#define LINUX_SYS_geteuid         107
#define LINUX_SYS_getegid         108
#define LINUX_SYS_arch_prctl      158
#define LINUX_SYS_gettid          186
#define LINUX_SYS_tkill           200
#define LINUX_SYS_time            201
#define LINUX_SYS_set_tid_address 218
#define LINUX_SYS_clock_gettime   228
#define LINUX_SYS_clock_getres    229
#define LINUX_SYS_exit_group      231
#define LINUX_SYS_tgkill          234
#define LINUX_SYS_sched_yield     24
#define LINUX_SYS_umask           95
#define LINUX_SYS_getrlimit       97
#define LINUX_SYS_sysinfo         99
#define LINUX_SYS_setrlimit       160
#define LINUX_SYS_clock_nanosleep 230
#define LINUX_SYS_prlimit64       302
/* Scheduling policy and affinity, memory locking, prctl (sys_sched.c). */
#define LINUX_SYS_sched_setparam         142
#define LINUX_SYS_sched_getparam         143
#define LINUX_SYS_sched_setscheduler     144
#define LINUX_SYS_sched_getscheduler     145
#define LINUX_SYS_sched_get_priority_max 146
#define LINUX_SYS_sched_get_priority_min 147
#define LINUX_SYS_sched_rr_get_interval  148
#define LINUX_SYS_mlock                  149
#define LINUX_SYS_munlock                150
#define LINUX_SYS_mlockall               151
#define LINUX_SYS_munlockall             152
#define LINUX_SYS_prctl                  157
#define LINUX_SYS_sched_setaffinity      203
#define LINUX_SYS_sched_getaffinity      204
#define LINUX_SYS_mlock2                 325
#define LINUX_SYS_waitid                 247
#define LINUX_SYS_timer_create           222
#define LINUX_SYS_timer_settime          223
#define LINUX_SYS_timer_gettime          224
#define LINUX_SYS_timer_getoverrun       225
#define LINUX_SYS_timer_delete           226
#define LINUX_SYS_mq_open                240
#define LINUX_SYS_mq_unlink              241
#define LINUX_SYS_mq_timedsend           242
#define LINUX_SYS_mq_timedreceive        243
#define LINUX_SYS_mq_notify              244
#define LINUX_SYS_mq_getsetattr          245
#define LINUX_SYS_times                  100
#define LINUX_SYS_getrusage              98
#define LINUX_SYS_sigaltstack            131
#define LINUX_SYS_clock_settime          227
#define LINUX_SYS_settimeofday           164
#define LINUX_SYS_rt_sigtimedwait        128
#define LINUX_SYS_rt_sigqueueinfo        129
#define LINUX_SYS_madvise                28
#define LINUX_SYS_msync                  26
#define LINUX_SYS_mremap                 25
#define LINUX_SYS_memfd_create           319
#define LINUX_SS_ONSTACK                 1
#define LINUX_SS_DISABLE                 2
#define LINUX_SS_AUTODISARM              (1u << 31)
#define LINUX_MINSIGSTKSZ                2048
#define LINUX_SYS_clone           56
#define LINUX_SYS_futex           202
#define LINUX_SYS_set_robust_list 273
#define LINUX_SYS_rt_sigreturn    15
#define LINUX_SYS_pause           34
#define LINUX_SYS_getitimer       36
#define LINUX_SYS_alarm           37
#define LINUX_SYS_setitimer       38
#define LINUX_SYS_rt_sigpending   127
#define LINUX_SYS_rt_sigsuspend   130
#define LINUX_SYS_sigaltstack     131
#define LINUX_SYS_poll            7
#define LINUX_SYS_openat          257
#define LINUX_SYS_ppoll           271
#define LINUX_SYS_dup3            292
#define LINUX_SYS_pipe2           293
#define LINUX_SYS_vfork           58
#define LINUX_SYS_setpgid         109
#define LINUX_SYS_getpgrp         111
#define LINUX_SYS_setsid          112
#define LINUX_SYS_getpgid         121
#define LINUX_SYS_getsid          124
#define LINUX_WNOHANG             1
#define LINUX_WUNTRACED           2
#define LINUX_WCONTINUED          8
#define LINUX_WSTOPPED            2 /* waitid's name for WUNTRACED */
#define LINUX_WEXITED             4
#define LINUX_WNOWAIT             0x01000000
#define LINUX_P_ALL               0
#define LINUX_P_PID               1
#define LINUX_P_PGID              2
#define LINUX_CLD_EXITED          1
#define LINUX_CLD_KILLED          2
#define LINUX_CLD_DUMPED          3
#define LINUX_CLD_STOPPED         5
#define LINUX_CLD_CONTINUED       6
#define LINUX_WALL                0x40000000
#define LINUX_WCLONE              0x80000000
#define LINUX_SYS_NR              512 /* size of the dispatch table */

/* errno values. */
#define LINUX_EPERM  1
#define LINUX_ENOENT 2
#define LINUX_EINTR  4
#define LINUX_EIO    5
#define LINUX_EBADF  9
#define LINUX_ENOMEM 12
#define LINUX_EACCES 13
#define LINUX_EFAULT 14
#define LINUX_EEXIST 17
#define LINUX_EINVAL 22
#define LINUX_ENOTTY 25
#define LINUX_ENOSYS 38

/* mmap / mprotect. */
#define LINUX_PROT_READ           0x1
#define LINUX_PROT_NONE           0x0
#define LINUX_PROT_WRITE          0x2
#define LINUX_PROT_EXEC           0x4
#define LINUX_MAP_SHARED          0x01
#define LINUX_MAP_PRIVATE         0x02
#define LINUX_MAP_FIXED           0x10
#define LINUX_MAP_ANONYMOUS       0x20
#define LINUX_MAP_NORESERVE       0x4000
#define LINUX_MAP_FIXED_NOREPLACE 0x100000

/* arch_prctl. */
#define LINUX_ARCH_SET_GS 0x1001
#define LINUX_ARCH_SET_FS 0x1002
#define LINUX_ARCH_GET_FS 0x1003
#define LINUX_ARCH_GET_GS 0x1004

/* ioctl. */
#define LINUX_TCGETS     0x5401
#define LINUX_TCSETS     0x5402
#define LINUX_TCSETSW    0x5403
#define LINUX_TCSETSF    0x5404
#define LINUX_TIOCGWINSZ 0x5413

/* The kernel's struct termios (ioctl TCGETS/TCSETS*), not libc's. */
#define LINUX_NCCS 19
#ifndef __ASSEMBLER__
struct linux_termios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[LINUX_NCCS];
};

struct linux_winsize {
	uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};
#endif

/* clone flags. */
#define LINUX_CSIGNAL              0x000000ff
#define LINUX_CLONE_VM             0x00000100
#define LINUX_CLONE_FS             0x00000200
#define LINUX_CLONE_FILES          0x00000400
#define LINUX_CLONE_SIGHAND        0x00000800
#define LINUX_CLONE_PIDFD          0x00001000
#define LINUX_CLONE_PTRACE         0x00002000
#define LINUX_CLONE_VFORK          0x00004000
#define LINUX_CLONE_PARENT         0x00008000
#define LINUX_CLONE_THREAD         0x00010000
#define LINUX_CLONE_SYSVSEM        0x00040000
#define LINUX_CLONE_SETTLS         0x00080000
#define LINUX_CLONE_PARENT_SETTID  0x00100000
#define LINUX_CLONE_CHILD_CLEARTID 0x00200000
#define LINUX_CLONE_DETACHED       0x00400000
#define LINUX_CLONE_UNTRACED       0x00800000
#define LINUX_CLONE_CHILD_SETTID   0x01000000
#define LINUX_CLONE_IO             0x80000000

/* futex operations. */
#define LINUX_FUTEX_WAIT           0
#define LINUX_FUTEX_WAKE           1
#define LINUX_FUTEX_REQUEUE        3
#define LINUX_FUTEX_CMP_REQUEUE    4
#define LINUX_FUTEX_WAIT_BITSET    9
#define LINUX_FUTEX_WAKE_BITSET    10
#define LINUX_FUTEX_PRIVATE_FLAG   128
#define LINUX_FUTEX_CLOCK_REALTIME 256

/* sigaction flags and special handlers. */
#define LINUX_SA_NOCLDSTOP 0x00000001
#define LINUX_SA_NOCLDWAIT 0x00000002
#define LINUX_SA_SIGINFO   0x00000004
#define LINUX_SA_RESTORER  0x04000000
#define LINUX_SA_ONSTACK   0x08000000
#define LINUX_SA_RESTART   0x10000000
#define LINUX_SA_NODEFER   0x40000000
#define LINUX_SA_RESETHAND 0x80000000
#define LINUX_SIG_DFL      0
#define LINUX_SIG_IGN      1
#define LINUX_NSIG         64

/* siginfo codes. */
#define LINUX_SI_USER     0
#define LINUX_SI_KERNEL   0x80
#define LINUX_SI_TKILL    (-6)
#define LINUX_SI_QUEUE    (-1)
#define LINUX_SI_TIMER    (-2)
#define LINUX_SI_MESGQ    (-3)
#define LINUX_SEGV_MAPERR 1
#define LINUX_SEGV_ACCERR 2

#define LINUX_ITIMER_REAL 0
#define LINUX_ITIMER_VIRTUAL 1
#define LINUX_ITIMER_PROF 2

/* Resource limits. */
#define LINUX_RLIMIT_CPU     0
#define LINUX_RLIMIT_FSIZE   1
#define LINUX_RLIMIT_DATA    2
#define LINUX_RLIMIT_STACK   3
#define LINUX_RLIMIT_CORE    4
#define LINUX_RLIMIT_RSS     5
#define LINUX_RLIMIT_NPROC   6
#define LINUX_RLIMIT_NOFILE  7
#define LINUX_RLIMIT_MEMLOCK 8
#define LINUX_RLIMIT_AS      9
#define LINUX_RLIM_NLIMITS   16
#define LINUX_RLIM_INFINITY  (~0ull)

/* getrandom flags; clock_nanosleep flags. */
#define LINUX_GRND_NONBLOCK 0x1
#define LINUX_GRND_RANDOM   0x2
#define LINUX_GRND_INSECURE 0x4
#define LINUX_TIMER_ABSTIME 0x1

/* Clocks. */
#define LINUX_CLOCK_REALTIME           0
#define LINUX_CLOCK_MONOTONIC          1
#define LINUX_CLOCK_PROCESS_CPUTIME_ID 2
#define LINUX_CLOCK_THREAD_CPUTIME_ID  3
#define LINUX_CLOCK_MONOTONIC_RAW      4
#define LINUX_CLOCK_REALTIME_COARSE    5
#define LINUX_CLOCK_MONOTONIC_COARSE   6
#define LINUX_CLOCK_BOOTTIME           7

/* Signals (numbers only, for exit statuses). */
#define LINUX_SIGILL  4
#define LINUX_SIGTRAP 5
#define LINUX_SIGBUS  7
#define LINUX_SIGFPE  8
#define LINUX_SIGKILL 9
#define LINUX_SIGSEGV 11

#ifndef __ASSEMBLER__
struct linux_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};
#endif

#ifndef __ASSEMBLER__
struct linux_timeval {
	int64_t tv_sec;
	int64_t tv_usec;
};
#endif

#ifndef __ASSEMBLER__
struct linux_utsname {
	char sysname[65];
	char nodename[65];
	char release[65];
	char version[65];
	char machine[65];
	char domainname[65];
};
#endif

#ifndef __ASSEMBLER__
/* struct stat of x86-64 (144 bytes). */
struct linux_stat {
	uint64_t st_dev;
	uint64_t st_ino;
	uint64_t st_nlink;
	uint32_t st_mode;
	uint32_t st_uid;
	uint32_t st_gid;
	uint32_t pad0;
	uint64_t st_rdev;
	int64_t st_size;
	int64_t st_blksize;
	int64_t st_blocks;
	struct linux_timespec st_atim;
	struct linux_timespec st_mtim;
	struct linux_timespec st_ctim;
	int64_t reserved[3];
};
#endif

#define LINUX_S_IFCHR  0020000
#define LINUX_S_IFIFO  0010000
#define LINUX_POLLIN   0x001
#define LINUX_POLLPRI  0x002
#define LINUX_POLLOUT  0x004
#define LINUX_POLLERR  0x008
#define LINUX_POLLHUP  0x010
#define LINUX_POLLNVAL 0x020
#define LINUX_FIONREAD 0x541b
#define LINUX_AT_FDCWD (-100)

#ifndef __ASSEMBLER__
struct linux_rlimit {
	uint64_t rlim_cur;
	uint64_t rlim_max;
};

/* struct sysinfo of x86-64 (112 bytes). */
struct linux_sysinfo {
	int64_t uptime;
	uint64_t loads[3];
	uint64_t totalram;
	uint64_t freeram;
	uint64_t sharedram;
	uint64_t bufferram;
	uint64_t totalswap;
	uint64_t freeswap;
	uint16_t procs;
	uint16_t pad;
	uint32_t pad2;
	uint64_t totalhigh;
	uint64_t freehigh;
	uint32_t mem_unit;
	char reserved[4];
};
#endif

#ifndef __ASSEMBLER__
/* The kernel's struct sigaction for rt_sigaction on x86-64. */
struct linux_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

/* siginfo_t: 128 bytes; the fields used here. */
struct linux_siginfo {
	int32_t si_signo;
	int32_t si_errno;
	int32_t si_code;
	int32_t pad;
	union {
		struct {
			int32_t pid;
			uint32_t uid;
		} kill;
		uint64_t addr; /* faults */
		uint8_t raw[112];
	} u;
};

/* struct sigcontext of x86-64 (256 bytes): the registers of a signal frame. */
struct linux_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate; /* user address of a 512-byte fxsave area, or 0 */
	uint64_t reserved[8];
};

struct linux_ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	uint64_t ss_sp;
	int32_t ss_flags;
	int32_t pad;
	uint64_t ss_size;
	struct linux_sigcontext mcontext;
	uint64_t sigmask;
};

struct linux_itimerval {
	struct linux_timeval interval;
	struct linux_timeval value;
};
#endif

#ifndef __ASSEMBLER__
struct linux_iovec {
	uint64_t iov_base;
	uint64_t iov_len;
};
#endif

/* Auxiliary vector types. */
#define LINUX_AT_NULL     0
#define LINUX_AT_PHDR     3
#define LINUX_AT_PHENT    4
#define LINUX_AT_PHNUM    5
#define LINUX_AT_PAGESZ   6
#define LINUX_AT_BASE     7
#define LINUX_AT_FLAGS    8
#define LINUX_AT_ENTRY    9
#define LINUX_AT_UID      11
#define LINUX_AT_EUID     12
#define LINUX_AT_GID      13
#define LINUX_AT_EGID     14
#define LINUX_AT_PLATFORM 15
#define LINUX_AT_HWCAP    16
#define LINUX_AT_CLKTCK   17
#define LINUX_AT_SECURE   23
#define LINUX_AT_RANDOM   25
#define LINUX_AT_EXECFN   31

/*
 * Appended for ulib (the newlib glue translates between newlib's numbering
 * and these).
 */
#define LINUX_SYS_stat      4
#define LINUX_SYS_nanosleep 35
#define LINUX_SYS_fork      57
#define LINUX_SYS_execve    59
#define LINUX_SYS_wait4     61
#define LINUX_SYS_fcntl     72
#define LINUX_SYS_flock     73
#define LINUX_SYS_mkdir     83
#define LINUX_SYS_link      86
#define LINUX_SYS_unlink    87
#define LINUX_SYS_times     100
#define LINUX_SYS_getrandom 318
#define LINUX_SYS_access    21
#define LINUX_SYS_pipe      22
#define LINUX_SYS_dup       32
#define LINUX_SYS_dup2      33
#define LINUX_SYS_getcwd    79
#define LINUX_SYS_chdir     80
#define LINUX_SYS_rmdir     84

/* File-system calls, served by the fs component (fd/remote.c). */
#define LINUX_SYS_lstat      6
#define LINUX_SYS_pread64    17
#define LINUX_SYS_pwrite64   18
#define LINUX_SYS_fsync      74
#define LINUX_SYS_fdatasync  75
#define LINUX_SYS_truncate   76
#define LINUX_SYS_ftruncate  77
#define LINUX_SYS_fchdir     81
#define LINUX_SYS_rename     82
#define LINUX_SYS_creat      85
#define LINUX_SYS_symlink    88
#define LINUX_SYS_readlink   89
#define LINUX_SYS_chmod      90
#define LINUX_SYS_fchmod     91
#define LINUX_SYS_statfs     137
#define LINUX_SYS_fstatfs    138
#define LINUX_SYS_getdents64 217
#define LINUX_SYS_mkdirat    258
#define LINUX_SYS_newfstatat 262
#define LINUX_SYS_unlinkat   263
#define LINUX_SYS_renameat   264
#define LINUX_SYS_linkat     265
#define LINUX_SYS_symlinkat  266
#define LINUX_SYS_readlinkat 267
#define LINUX_SYS_fchmodat   268
#define LINUX_SYS_faccessat  269
#define LINUX_SYS_utimensat  280
#define LINUX_SYS_renameat2  316
#define LINUX_SYS_statx      332
#define LINUX_SYS_faccessat2 439

/* errno values 1..34 are the classic Unix ones every libc shares. */
#define LINUX_ESRCH           3
#define LINUX_ENXIO           6
#define LINUX_E2BIG           7
#define LINUX_ENOEXEC         8
#define LINUX_ECHILD          10
#define LINUX_EAGAIN          11
#define LINUX_ENOTBLK         15
#define LINUX_EBUSY           16
#define LINUX_EXDEV           18
#define LINUX_ENODEV          19
#define LINUX_ENOTDIR         20
#define LINUX_EISDIR          21
#define LINUX_ENFILE          23
#define LINUX_EMFILE          24
#define LINUX_ETXTBSY         26
#define LINUX_EFBIG           27
#define LINUX_ENOSPC          28
#define LINUX_ESPIPE          29
#define LINUX_EROFS           30
#define LINUX_EMLINK          31
#define LINUX_EPIPE           32
#define LINUX_EDOM            33
#define LINUX_ERANGE          34
#define LINUX_EDEADLK         35
#define LINUX_ENAMETOOLONG    36
#define LINUX_ENOLCK          37
#define LINUX_ENOTEMPTY       39
#define LINUX_ELOOP           40
#define LINUX_ENOMSG          42
#define LINUX_EIDRM           43
#define LINUX_ENOSTR          60
#define LINUX_ENODATA         61
#define LINUX_ETIME           62
#define LINUX_ENOSR           63
#define LINUX_ENOLINK         67
#define LINUX_EPROTO          71
#define LINUX_EMULTIHOP       72
#define LINUX_EBADMSG         74
#define LINUX_EOVERFLOW       75
#define LINUX_EBADFD          77
#define LINUX_EILSEQ          84
#define LINUX_ESTRPIPE        86
#define LINUX_EUSERS          87
#define LINUX_ENOTSOCK        88
#define LINUX_EDESTADDRREQ    89
#define LINUX_EMSGSIZE        90
#define LINUX_EPROTOTYPE      91
#define LINUX_ENOPROTOOPT     92
#define LINUX_EPROTONOSUPPORT 93
#define LINUX_ESOCKTNOSUPPORT 94
#define LINUX_EOPNOTSUPP      95
#define LINUX_EPFNOSUPPORT    96
#define LINUX_EAFNOSUPPORT    97
#define LINUX_EADDRINUSE      98
#define LINUX_EADDRNOTAVAIL   99
#define LINUX_ENETDOWN        100
#define LINUX_ENETUNREACH     101
#define LINUX_ENETRESET       102
#define LINUX_ECONNABORTED    103
#define LINUX_ECONNRESET      104
#define LINUX_ENOBUFS         105
#define LINUX_EISCONN         106
#define LINUX_ENOTCONN        107
#define LINUX_ESHUTDOWN       108
#define LINUX_ETOOMANYREFS    109
#define LINUX_ETIMEDOUT       110
#define LINUX_ECONNREFUSED    111
#define LINUX_EHOSTDOWN       112
#define LINUX_EHOSTUNREACH    113
#define LINUX_EALREADY        114
#define LINUX_EINPROGRESS     115
#define LINUX_ESTALE          116
#define LINUX_EDQUOT          122
#define LINUX_ENOMEDIUM       123
#define LINUX_ECANCELED       125
#define LINUX_EOWNERDEAD      130
#define LINUX_ENOTRECOVERABLE 131
#define LINUX_ERRNO_MAX       4095 /* -4095..-1 from a syscall is an error */

/* open flags (octal, as Linux writes them). */
#define LINUX_O_RDONLY    00
#define LINUX_O_WRONLY    01
#define LINUX_O_RDWR      02
#define LINUX_O_ACCMODE   03
#define LINUX_O_CREAT     0100
#define LINUX_O_EXCL      0200
#define LINUX_O_NOCTTY    0400
#define LINUX_O_TRUNC     01000
#define LINUX_O_APPEND    02000
#define LINUX_O_NONBLOCK  04000
#define LINUX_O_DSYNC     010000
#define LINUX_O_DIRECT    040000
#define LINUX_O_DIRECTORY 0200000
#define LINUX_O_NOFOLLOW  0400000
#define LINUX_O_NOATIME   01000000
#define LINUX_O_CLOEXEC   02000000
#define LINUX_O_SYNC      04010000
#define LINUX_O_PATH      010000000

/* fcntl. */
#define LINUX_F_DUPFD         0
#define LINUX_F_GETFD         1
#define LINUX_F_SETFD         2
#define LINUX_F_GETFL         3
#define LINUX_F_SETFL         4
#define LINUX_F_DUPFD_CLOEXEC 1030
#define LINUX_F_GETLK         5
#define LINUX_F_SETLK         6
#define LINUX_F_SETLKW        7
#define LINUX_F_OFD_GETLK     36
#define LINUX_F_OFD_SETLK     37
#define LINUX_F_OFD_SETLKW    38
#define LINUX_FD_CLOEXEC      1

/* More signal numbers, and rt_sigprocmask's "how". */
#define LINUX_SIGHUP      1
#define LINUX_SIGINT      2
#define LINUX_SIGQUIT     3
#define LINUX_SIGABRT     6
#define LINUX_SIGUSR1     10
#define LINUX_SIGUSR2     12
#define LINUX_SIGPIPE     13
#define LINUX_SIGALRM     14
#define LINUX_SIGTERM     15
#define LINUX_SIGCHLD     17
#define LINUX_SIGCONT     18
#define LINUX_SIGSTOP     19
#define LINUX_SIGTSTP     20
#define LINUX_SIGTTIN     21
#define LINUX_SIGTTOU     22
#define LINUX_SIGURG      23
#define LINUX_SIGXCPU     24
#define LINUX_SIGXFSZ     25
#define LINUX_SIGVTALRM   26
#define LINUX_SIGPROF     27
#define LINUX_SIGWINCH    28
#define LINUX_SIGIO       29
#define LINUX_SIGSYS      31
#define LINUX_SIG_BLOCK   0
#define LINUX_SIG_UNBLOCK 1
#define LINUX_SIG_SETMASK 2

/* times(2) counts in USER_HZ ticks. */
#define LINUX_USER_HZ 100

#ifndef __ASSEMBLER__
/* struct statx of x86-64 (256 bytes) and its mask bits. */
struct linux_statx_timestamp {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};
struct linux_statx {
	uint32_t stx_mask;
	uint32_t stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink;
	uint32_t stx_uid;
	uint32_t stx_gid;
	uint16_t stx_mode;
	uint16_t pad0;
	uint64_t stx_ino;
	uint64_t stx_size;
	uint64_t stx_blocks;
	uint64_t stx_attributes_mask;
	struct linux_statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor;
	uint32_t stx_dev_major, stx_dev_minor;
	uint64_t spare[14];
};
#define LINUX_STATX_BASIC_STATS 0x7ffu

/* struct statfs of x86-64 (120 bytes). */
struct linux_statfs {
	int64_t f_type;
	int64_t f_bsize;
	uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	int32_t f_fsid[2];
	int64_t f_namelen;
	int64_t f_frsize;
	int64_t f_flags;
	int64_t f_spare[4];
};
#define LINUX_EXT2_SUPER_MAGIC 0xef53

/* One getdents64 record: 19 bytes of header, the name, NUL, padded to 8. */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
	char d_name[];
};
#endif

/* *at() flags and access(2) modes. */
#define LINUX_AT_SYMLINK_NOFOLLOW 0x100
#define LINUX_AT_REMOVEDIR        0x200
#define LINUX_AT_SYMLINK_FOLLOW   0x400
#define LINUX_AT_EMPTY_PATH       0x1000
#define LINUX_AT_EACCESS          0x200
#define LINUX_UTIME_NOW           ((1l << 30) - 1l)
#define LINUX_UTIME_OMIT          ((1l << 30) - 2l)
#define LINUX_F_OK                0
#define LINUX_X_OK                1
#define LINUX_W_OK                2
#define LINUX_R_OK                4
#define LINUX_SEEK_SET            0
#define LINUX_SEEK_CUR            1
#define LINUX_SEEK_END            2
#define LINUX_SEEK_DATA           3
#define LINUX_SEEK_HOLE           4
#define LINUX_S_IFMT              0170000
#define LINUX_S_IFDIR             0040000
#define LINUX_S_IFREG             0100000
#define LINUX_S_IFLNK             0120000

/* Event files, select, local sockets (fd/epoll.c, fd/eventfd.c, fd/unix.c). */
#define LINUX_SYS_select        23
#define LINUX_SYS_socket        41
#define LINUX_SYS_connect       42
#define LINUX_SYS_accept        43
#define LINUX_SYS_sendto        44
#define LINUX_SYS_recvfrom      45
#define LINUX_SYS_sendmsg       46
#define LINUX_SYS_recvmsg       47
#define LINUX_SYS_shutdown      48
#define LINUX_SYS_bind          49
#define LINUX_SYS_listen        50
#define LINUX_SYS_getsockname   51
#define LINUX_SYS_getpeername   52
#define LINUX_SYS_socketpair    53
#define LINUX_SYS_setsockopt    54
#define LINUX_SYS_getsockopt    55
#define LINUX_SYS_accept4       288
#define LINUX_SYS_epoll_create  213
#define LINUX_SYS_epoll_wait    232
#define LINUX_SYS_epoll_ctl     233
#define LINUX_SYS_pselect6      270
#define LINUX_SYS_epoll_pwait   281
#define LINUX_SYS_eventfd       284
#define LINUX_SYS_eventfd2      290
#define LINUX_SYS_epoll_create1 291
#define LINUX_SYS_epoll_pwait2  441

#define LINUX_POLLRDNORM 0x040
#define LINUX_POLLRDBAND 0x080
#define LINUX_POLLWRNORM 0x100
#define LINUX_POLLWRBAND 0x200
#define LINUX_POLLMSG    0x400
#define LINUX_POLLRDHUP  0x2000

#define LINUX_EPOLL_CTL_ADD  1
#define LINUX_EPOLL_CTL_DEL  2
#define LINUX_EPOLL_CTL_MOD  3
#define LINUX_EPOLLEXCLUSIVE (1u << 28)
#define LINUX_EPOLLWAKEUP    (1u << 29)
#define LINUX_EPOLLONESHOT   (1u << 30)
#define LINUX_EPOLLET        (1u << 31)
#define LINUX_EFD_SEMAPHORE  1
#define LINUX_FD_SETSIZE     1024

#ifndef __ASSEMBLER__
/* struct epoll_event of x86-64: packed, 12 bytes. */
struct linux_epoll_event {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));

/* struct msghdr of x86-64 (56 bytes). */
struct linux_msghdr {
	uint64_t msg_name;
	uint32_t msg_namelen;
	uint32_t pad0;
	uint64_t msg_iov;
	uint64_t msg_iovlen;
	uint64_t msg_control;
	uint64_t msg_controllen;
	int32_t msg_flags;
	uint32_t pad1;
};
#endif

#define LINUX_AF_UNIX          1
#define LINUX_AF_INET          2
#define LINUX_AF_INET6         10
#define LINUX_SOCK_STREAM      1
#define LINUX_SOCK_DGRAM       2
#define LINUX_SOCK_SEQPACKET   5
#define LINUX_SOCK_TYPE_MASK   0xf
#define LINUX_SOCK_NONBLOCK    LINUX_O_NONBLOCK
#define LINUX_SOCK_CLOEXEC     LINUX_O_CLOEXEC
#define LINUX_MSG_OOB          0x1
#define LINUX_MSG_PEEK         0x2
#define LINUX_MSG_CTRUNC       0x8
#define LINUX_MSG_TRUNC        0x20
#define LINUX_MSG_DONTWAIT     0x40
#define LINUX_MSG_EOR          0x80
#define LINUX_MSG_WAITALL      0x100
#define LINUX_MSG_NOSIGNAL     0x4000
#define LINUX_MSG_CMSG_CLOEXEC 0x40000000
#define LINUX_SHUT_RD          0
#define LINUX_SHUT_WR          1
#define LINUX_SHUT_RDWR        2
#define LINUX_SOL_SOCKET       1
#define LINUX_SO_TYPE          3
#define LINUX_SO_ERROR         4
#define LINUX_SO_SNDBUF        7
#define LINUX_SO_RCVBUF        8
#define LINUX_SO_RCVTIMEO      20
#define LINUX_SO_SNDTIMEO      21
#define LINUX_SO_ACCEPTCONN    30
#define LINUX_SO_PROTOCOL      38
#define LINUX_SO_DOMAIN        39
#define LINUX_S_IFSOCK         0140000
#define LINUX_TIOCOUTQ         0x5411
#define LINUX_FIONBIO          0x5421

#endif /* NANVIX_ABI_LINUX_H */
