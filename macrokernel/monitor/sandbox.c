/* nanvixd's own confinement: a system-call allowlist (libseccomp) once the VM is built. */
/*
 * Installed after everything that opens, maps or spawns at start is done
 * (the VM, its memory, the macro-kernel, the network switch, the signal
 * thread) and before the guest's first instruction, for every thread
 * (TSYNC), with no_new_privs.  What is left is what serving a running VM
 * needs: KVM's ioctls, memory, files and directories (the host fs
 * component, images, snapshots), time, signals, futexes, threads and
 * socket I/O on existing sockets.  Anything else (execve, ptrace, mount,
 * module loading, new namespaces, bpf, keyrings, io_uring, new sockets and
 * the like) traps: the handler writes one line and the process exits with
 * NANVIXD_EXIT_SECCOMP, whichever thread made the call.
 */
#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <monitor/sandbox.h>
#include <monitor/vm.h>

/* Everything a running nanvixd calls (x86-64 names; unknown ones are skipped). */
/* clang-format off */
static const char *const allowed[] = {
	/* KVM, memory */
	"ioctl", "mmap", "munmap", "mprotect", "madvise", "mremap", "mincore", "brk",
	"memfd_create", "fallocate",
	/* files: the host fs component, images, snapshots, the console */
	"read", "write", "pread64", "pwrite64", "readv", "writev", "preadv", "pwritev",
	"preadv2", "pwritev2", "openat", "openat2", "open", "close", "close_range", "lseek",
	"fstat", "stat", "lstat", "newfstatat", "statx", "fstatfs", "statfs", "getdents64",
	"mkdirat", "mkdir", "unlinkat", "unlink", "rmdir", "renameat", "renameat2", "rename",
	"linkat", "link", "symlinkat", "symlink", "readlinkat", "readlink", "fchmod",
	"fchmodat", "chmod", "fchown", "fchownat", "lchown", "chown", "utimensat", "futimesat",
	"truncate", "ftruncate", "fsync", "fdatasync", "sync_file_range", "faccessat",
	"faccessat2", "access", "fcntl", "dup", "dup2", "dup3", "flock", "copy_file_range",
	"sendfile", "getcwd", "chdir", "fchdir", "umask", "pipe", "pipe2", "fadvise64",
	"mknodat",
	/* waiting, time, events */
	"poll", "ppoll", "select", "pselect6", "epoll_create1", "epoll_ctl", "epoll_wait",
	"epoll_pwait", "epoll_pwait2", "eventfd2", "timerfd_create", "timerfd_settime",
	"timerfd_gettime", "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep",
	"gettimeofday", "time", "timer_create", "timer_settime", "timer_gettime",
	"timer_getoverrun", "timer_delete",
	/* threads, signals, the process */
	"futex", "set_robust_list", "get_robust_list", "clone", "clone3", "exit", "exit_group",
	"restart_syscall",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigtimedwait", "rt_sigpending",
	"rt_sigqueueinfo", "rt_tgsigqueueinfo", "sigaltstack", "signalfd4", "kill", "tgkill",
	"tkill", "getpid", "gettid", "getppid", "getuid", "geteuid", "getgid", "getegid",
	"sched_yield", "sched_getaffinity", "sched_setaffinity", "getrlimit", "setrlimit",
	"prlimit64", "getrusage", "getrandom", "prctl", "arch_prctl", "set_tid_address", "rseq",
	"uname", "sysinfo", "wait4", "waitid", "membarrier",
	/* I/O on sockets that exist (the macro-kernel, the uplink, published ports), and
	 * connected pairs (no address: a VM's socketpair in the host network component) */
	"socketpair", "sendmsg", "recvmsg", "sendto", "recvfrom", "sendmmsg", "recvmmsg", "accept", "accept4",
	"shutdown", "getsockopt", "setsockopt", "getsockname", "getpeername",
};
/* clang-format on */

/* What nanvix-uplink needs besides: it opens host sockets for the guest's
 * connections and its DNS lookups (getaddrinfo, NSS). */
static const char *const uplink_extra[] = { "socket", "connect", "bind", "listen" };

static const char *who = "nanvixd"; /* the stop line's first word */

static void forbidden(int sig, siginfo_t *si, void *uc)
{
	char line[96];
	int n;

	(void)sig;
	(void)uc;
	n = snprintf(line, sizeof(line),
	             "%s: seccomp: forbidden system call %d; stopping (status %d)\n", who,
	             si->si_syscall, NANVIXD_EXIT_SECCOMP);
	if (n > 0)
		(void)!write(STDERR_FILENO, line, (size_t)n);
	_exit(NANVIXD_EXIT_SECCOMP);
}

/* Install the allowlist plus extra[n]. */
static int install(const char *const *extra, size_t n, char *err, size_t errlen)
{
	struct sigaction sa;
	scmp_filter_ctx ctx;
	size_t i;
	int rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forbidden;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0) {
		snprintf(err, errlen, "cannot catch SIGSYS: %s", strerror(errno));
		return -1;
	}
	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx) {
		snprintf(err, errlen, "seccomp_init failed");
		return -1;
	}
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	for (i = 0; !rc && i < sizeof(allowed) / sizeof(allowed[0]) + n; i++) {
		const char *name = i < sizeof(allowed) / sizeof(allowed[0])
		                           ? allowed[i]
		                           : extra[i - sizeof(allowed) / sizeof(allowed[0])];
		int nr = seccomp_syscall_resolve_name(name);

		if (nr != __NR_SCMP_ERROR)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
	if (!rc)
		rc = seccomp_load(ctx); /* sets no_new_privs first (SCMP_FLTATR_CTL_NNP) */
	seccomp_release(ctx);
	if (rc) {
		snprintf(err, errlen, "cannot install the system-call filter: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

int sandbox_install(char *err, size_t errlen)
{
	int rc = install(NULL, 0, err, errlen);

#ifdef NANVIXD_SANDBOX_TEST
	/* The test-only build (bin/tests/nanvixd.sandbox): prove a forbidden call is stopped. */
	if (!rc && getenv("NANVIXD_TEST_FORBIDDEN"))
		syscall(SYS_ptrace, 0, 0, 0, 0);
#endif
	return rc;
}

void sandbox_set_name(const char *name)
{
	who = name;
}

int sandbox_install_uplink(char *err, size_t errlen)
{
	who = "nanvix-uplink";
	return install(uplink_extra, sizeof(uplink_extra) / sizeof(uplink_extra[0]), err, errlen);
}
