/* nanvixd's own confinement: seccomp allowlists (libseccomp), one for the process, narrower ones a thread. */
/*
 * Two layers, as seccomp stacks them (a thread runs every filter it has on
 * each of its calls, and the strictest answer wins):
 *
 *   the process's list  sandbox_install, once the VM is built (memory,
 *                       kernel and program loaded, macro-kernel and
 *                       network attached, helper threads started) and
 *                       before the guest's first instruction: on every
 *                       thread (TSYNC), with no_new_privs.  What serving
 *                       a running VM needs: KVM's ioctls, memory, files
 *                       and directories, time, signals, futexes, threads
 *                       and I/O on sockets that exist.
 *   a thread's list     sandbox_thread, which each long-lived thread calls
 *                       with its role once its own set-up is done: a
 *                       second filter, on that thread only.
 *
 * What each role keeps was measured (strace -f of the system, fs, net,
 * posix, api and signal tests, each call after the process's list went
 * on, grouped by thread), then checked against the code that can run
 * there:
 *
 *   vcpu     the thread in vm_run.  It serves the guest inline: hypercalls,
 *            the macro-kernel's ring calls (the host fs component's
 *            volumes and /tmp, the disk), the console, --strace, snapshots
 *            (--snapshot-out and --control-fd's, saved at an exit), the
 *            network's frames and the uplink's lazy start (a socket pair
 *            sent to the spawner); after the VM's end it tears it down
 *            (the uplink stopped and waited for, /tmp removed).  So it
 *            keeps the file calls.  It loses making threads or processes,
 *            every new descriptor but files and a socket pair (eventfd,
 *            timerfd, signalfd, epoll, pipes, memfd), accept, prctl,
 *            rlimits, affinity, umask, chdir, seccomp; and of ioctl it
 *            keeps only KVM's vCPU requests and the terminal's termios
 *            (no TIOCSTI, no other KVM or device request).
 *   io       a helper that waits on descriptors and wakes the vCPU (the
 *            network watcher): poll, read, tgkill, sleeps, futex, exit.
 *   control  the --control-fd thread: reads requests on its socket and
 *            sets flags on the VM.
 *
 * bin/macrokernel (server/) uses the same process list and two roles of
 * its own (measured the same way over macrokernel.sh, net.sh and
 * hostile.sh's shared macro-kernel, each thread after the list went on):
 *
 *   mk-vm    a VM's connection thread: the VM's hello (its descriptors by
 *            SCM_RIGHTS, its memory mapped), then its rings: the fs
 *            component (all the file calls, as the vCPU's), the disk
 *            (flock, fdatasync), programs handed over as sealed memfds,
 *            the network component's calls (the uplink's lazy start, as
 *            the vCPU's); ioctl only SIOCOUTQ.  No threads, processes,
 *            accept, prctl or seccomp.
 *   mk-net   the tenant network's pump: frames between the VMs' ports and
 *            the uplink, lwIP's memory, the uplink's start and stop.
 *
 * Its main thread, which accepts, starts those threads and tears the
 * process down, keeps the process's list.
 *
 * Each list also has what the stop handler below calls (write,
 * exit_group) and a thread's exit (madvise, munmap, exit).
 *
 * A helper thread starts before the VM is complete, so it may call
 * sandbox_thread before sandbox_install; it cannot load its list then
 * (TSYNC refuses a process whose threads' filters differ), so it is
 * noted, and sandbox_install, right after the process's list is on,
 * sends each thread noted SANDBOX_SIGNAL and waits for it: the handler
 * loads the thread's list on that thread, with a raw seccomp call of a
 * program compiled beforehand (nothing else would be safe in a handler).
 *
 * Anything forbidden traps: the handler writes one line naming the call
 * and the thread's role, and the process exits with NANVIXD_EXIT_SECCOMP,
 * whichever thread made the call.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/kvm.h>
#include <linux/sockios.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <monitor/sandbox.h>
#include <monitor/vm.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Tells a thread noted before the process's list to load its own (SIGRTMIN is the VM's). */
#define SANDBOX_SIGNAL (SIGRTMIN + 1)
#define WAITING_MAX    8       /* threads noted before sandbox_install */
#define WAIT_US        2000000 /* for each of them to load its list */
#define WAIT_STEP_US   20      /* a look every (it takes a few microseconds) */

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
	/* seccomp itself, for a thread's narrower list (SECCOMP_SET_MODE_FILTER only: a
	 * filter only ever takes calls away) */
	"seccomp",
};

/* The vCPU's thread: the guest's exits and what they serve inline, then the VM's end. */
static const char *const vcpu[] = {
	/* the guest: ioctl (vcpu_ioctls only), its memory, the allocator */
	"ioctl", "mmap", "munmap", "mprotect", "madvise", "mremap", "brk", "mincore",
	/* files: the host fs component's volumes and /tmp, the disk, snapshots, the
	 * console, --strace, the VM's end (its /tmp removed) */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "lseek",
	"openat", "openat2", "open", "close", "newfstatat", "fstat", "stat", "lstat", "statx",
	"fstatfs", "getdents64", "mkdirat", "mkdir", "unlinkat", "unlink", "rmdir", "renameat",
	"renameat2", "rename", "linkat", "symlinkat", "readlinkat", "readlink", "fchmodat",
	"fchmod", "chmod", "utimensat", "ftruncate", "truncate", "fsync", "fdatasync", "fcntl",
	"faccessat", "faccessat2", "access",
	/* waiting and time: idle sleeps, the console, the CPU quota, the VM's timers */
	"poll", "ppoll", "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep",
	"gettimeofday", "time", "timer_create", "timer_settime", "timer_gettime", "timer_delete",
	"getrandom",
	/* the network: frames to and from the uplink, started at the first DNS query
	 * (a socket pair, one end sent to the spawner) */
	"sendmsg", "recvmsg", "sendto", "recvfrom", "setsockopt", "getsockopt", "socketpair",
	/* the end: the uplink stopped, helper threads joined; signals; exit */
	"futex", "kill", "tgkill", "wait4", "getpid", "gettid", "rt_sigaction", "rt_sigprocmask",
	"rt_sigreturn", "restart_syscall", "sched_yield", "exit_group",
};

/* The only ioctls of the vCPU's thread: the vCPU's run and state (snapshots, resets,
 * the fast paths), the fingerprint a snapshot is checked against, the terminal. */
static const unsigned long vcpu_ioctls[] = {
	KVM_RUN, KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS, KVM_GET_MSRS,
	KVM_SET_MSRS, KVM_INTERRUPT, KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS, KVM_GET_XSAVE,
	KVM_SET_XSAVE, KVM_GET_XCRS, KVM_SET_XCRS, KVM_GET_DEBUGREGS, KVM_SET_DEBUGREGS,
	KVM_GET_TSC_KHZ, KVM_SET_CPUID2, KVM_GET_SUPPORTED_CPUID, KVM_SET_USER_MEMORY_REGION,
	TCGETS, TCSETS, TCSETSW, TCSETSF, TIOCGWINSZ,
};

/* A helper that waits on descriptors and wakes the vCPU (instance.c's network watcher). */
static const char *const io_thread[] = {
	"poll", "ppoll", "read", "write", "clock_gettime", "clock_nanosleep", "nanosleep",
	"futex", "tgkill", "tkill", "getpid", "gettid", "rt_sigprocmask", "rt_sigreturn",
	"restart_syscall", "madvise", "munmap", "exit", "exit_group",
};

/* The --control-fd thread: requests on its socket, flags set on the VM, the live
 * counters ("stats": an allocated reply, the shared macro-kernel asked on its socket). */
static const char *const control[] = {
	"read", "write", "recvmsg", "sendmsg", "recvfrom", "sendto", "poll", "ppoll", "close",
	"futex", "tgkill", "tkill", "getpid", "gettid", "clock_gettime", "rt_sigprocmask",
	"rt_sigreturn", "restart_syscall", "mmap", "mprotect", "mremap", "brk", "madvise",
	"munmap", "exit", "exit_group",
};
/* bin/macrokernel: a VM's connection thread (server/conn.c): the hello, then the rings. */
static const char *const mk_vm[] = {
	/* the VM's memory, the allocator */
	"mmap", "munmap", "mprotect", "madvise", "mremap", "brk",
	/* files: volumes, disks (flock, fdatasync), programs as sealed memfds (load) */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2",
	"pwritev2", "lseek", "openat", "openat2", "open", "close", "newfstatat", "fstat", "stat",
	"lstat", "statx", "fstatfs", "getdents64", "mkdirat", "mkdir", "unlinkat", "unlink",
	"rmdir", "renameat", "renameat2", "rename", "linkat", "symlinkat", "readlinkat",
	"readlink", "fchmodat", "fchmod", "chmod", "utimensat", "ftruncate", "truncate", "fsync",
	"fdatasync", "fcntl", "faccessat", "faccessat2", "access", "flock", "memfd_create",
	/* waiting and time: kicks, the disk's rate */
	"poll", "ppoll", "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep",
	"gettimeofday", "time", "getrandom",
	/* its socket (answers, SCM_RIGHTS), the network component's uplink (lazy start) */
	"sendmsg", "recvmsg", "sendto", "recvfrom", "setsockopt", "getsockopt", "socketpair",
	"ioctl",
	/* locks, the uplink stopped, signals, the thread's end */
	"futex", "kill", "wait4", "getpid", "gettid", "rt_sigprocmask", "rt_sigreturn",
	"restart_syscall", "sched_yield", "exit", "exit_group",
};

/* A VM connection's only ioctl: how much of its answers the client has not read. */
static const unsigned long mk_vm_ioctls[] = { SIOCOUTQ };

/* bin/macrokernel: the tenant network's pump (mk_net_run). */
static const char *const mk_net[] = {
	"poll", "ppoll", "read", "write", "sendmsg", "recvmsg", "sendto", "recvfrom",
	"mmap", "munmap", "mprotect", "madvise", "mremap", "brk",
	"clock_gettime", "clock_nanosleep", "nanosleep", "getrandom",
	/* the uplink: started through the spawner, stopped */
	"access", "readlink", "socketpair", "setsockopt", "fcntl", "close", "kill", "wait4",
	"futex", "getpid", "gettid", "rt_sigprocmask", "rt_sigreturn", "restart_syscall",
	"sched_yield", "exit", "exit_group",
};
/* clang-format on */

static const struct role {
	const char *name; /* in the stop line */
	const char *const *calls;
	size_t ncalls;
	const unsigned long *ioctls; /* if not NULL, ioctl only with these requests */
	size_t nioctls;
} roles[SANDBOX_ROLES] = {
	[SANDBOX_VCPU] = { "vcpu", vcpu, N(vcpu), vcpu_ioctls, N(vcpu_ioctls) },
	[SANDBOX_IO_THREAD] = { "io", io_thread, N(io_thread), NULL, 0 },
	[SANDBOX_CONTROL] = { "control", control, N(control), NULL, 0 },
	[SANDBOX_MK_VM] = { "mk-vm", mk_vm, N(mk_vm), mk_vm_ioctls, N(mk_vm_ioctls) },
	[SANDBOX_MK_NET] = { "mk-net", mk_net, N(mk_net), NULL, 0 },
};

/* What nanvix-uplink needs besides: it opens host sockets for the guest's
 * connections and its DNS lookups (getaddrinfo, NSS). */
static const char *const uplink_extra[] = { "socket", "connect", "bind", "listen" };

static const char *who = "nanvixd";      /* the stop line's first word */
static int event_fd = -1;                /* a control channel for the stop line, or -1 */
static __thread const char *thread_role; /* the calling thread's role, once narrowed */

static struct sock_fprog progs[SANDBOX_ROLES]; /* each role's list, compiled when first needed */

/* Threads that asked for their list before the process's was on. */
struct waiter {
	pid_t tid;
	pthread_t self;
	enum sandbox_role role;
	int done; /* 0 waiting, 1 narrowed, -1 failed: written by the thread's handler */
};
static struct waiter waiting[WAITING_MAX];
static int nwaiting;
static bool installed; /* the process's list is on; both under `lock` */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void forbidden(int sig, siginfo_t *si, void *uc)
{
	const char *role = thread_role;
	char line[128];
	int n;

	(void)sig;
	(void)uc;
	n = snprintf(line, sizeof(line),
	             "%s: seccomp: forbidden system call %d%s%s%s; stopping (status %d)\n", who,
	             si->si_syscall, role ? " (" : "", role ? role : "", role ? " thread)" : "",
	             NANVIXD_EXIT_SECCOMP);
	if (n > 0)
		(void)!write(STDERR_FILENO, line,
		             (size_t)n < sizeof(line) ? (size_t)n : sizeof(line));
	if (n > 0 && event_fd >= 0) {
		char ev[160];
		int m = snprintf(ev, sizeof(ev), "event seccomp_kill %s", line);

		if (m > 0)
			(void)!write(event_fd, ev, (size_t)m < sizeof(ev) ? (size_t)m : sizeof(ev));
	}
	_exit(NANVIXD_EXIT_SECCOMP);
}

static int catch_sigsys(char *err, size_t errlen)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forbidden;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0) {
		snprintf(err, errlen, "cannot catch SIGSYS: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Allow calls[n] in ctx (names this kernel lacks are skipped); 0 or -errno. */
static int allow(scmp_filter_ctx ctx, const char *const *calls, size_t n, bool any_ioctl)
{
	int rc = 0;

	for (size_t i = 0; !rc && i < n; i++) {
		int nr = seccomp_syscall_resolve_name(calls[i]);

		if (nr == __NR_SCMP_ERROR || (nr == SCMP_SYS(ioctl) && !any_ioctl))
			continue;
		if (nr == SCMP_SYS(seccomp))
			rc = seccomp_rule_add(
			        ctx, SCMP_ACT_ALLOW, nr, 1,
			        (struct scmp_arg_cmp){ .arg = 0,
			                               .op = SCMP_CMP_EQ,
			                               .datum_a = SECCOMP_SET_MODE_FILTER });
		else
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
	return rc;
}

/* Allow calls[ncalls] in ctx, ioctl only with ioctls[nioctls] (any: NULL); 0 or -errno. */
static int allow_list(scmp_filter_ctx ctx, const char *const *calls, size_t ncalls,
                      const unsigned long *ioctls, size_t nioctls)
{
	int rc = allow(ctx, calls, ncalls, !ioctls);

	/* The request is an unsigned int to the kernel: only the low 32 bits count. */
	for (size_t i = 0; !rc && i < nioctls; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
		                      SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, ioctls[i]));
	return rc;
}

/*
 * Load a filter of calls[ncalls] and extra[nextra], ioctl only with
 * ioctls[nioctls] (any: NULL), with no_new_privs: on every thread (tsync),
 * or on the calling one and those it starts later.  0, or -1 with why.
 */
static int load(bool tsync, const char *const *calls, size_t ncalls, const char *const *extra,
                size_t nextra, const unsigned long *ioctls, size_t nioctls, char *err,
                size_t errlen)
{
	scmp_filter_ctx ctx;
	int rc;

	if (catch_sigsys(err, errlen) < 0)
		return -1;
	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx) {
		snprintf(err, errlen, "seccomp_init failed");
		return -1;
	}
	rc = tsync ? seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) : 0;
	if (!rc)
		rc = allow_list(ctx, calls, ncalls, ioctls, nioctls);
	if (!rc)
		rc = allow(ctx, extra, nextra, !ioctls);
	if (!rc)
		rc = seccomp_load(ctx); /* sets no_new_privs first (SCMP_FLTATR_CTL_NNP) */
	seccomp_release(ctx);
	if (rc) {
		snprintf(err, errlen, "cannot install the system-call filter: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

/* Install the process's allowlist plus extra[n], on every thread. */
static int install(const char *const *extra, size_t n, char *err, size_t errlen)
{
	return load(true, allowed, N(allowed), extra, n, NULL, 0, err, errlen);
}

/* A role's list as a BPF program, to load later with a bare seccomp call; 0 or -errno. */
static int compile(const struct role *r, struct sock_fprog *out)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
	struct sock_filter *prog = NULL;
	int rc, fd = -1;
	off_t size = 0;

	if (!ctx)
		return -ENOMEM;
	rc = allow_list(ctx, r->calls, r->ncalls, r->ioctls, r->nioctls);
	if (!rc && (fd = memfd_create("sandbox", MFD_CLOEXEC)) < 0)
		rc = -errno;
	if (!rc)
		rc = seccomp_export_bpf(ctx, fd);
	if (!rc && ((size = lseek(fd, 0, SEEK_END)) <= 0 || size % (off_t)sizeof(*prog) != 0 ||
	            size / (off_t)sizeof(*prog) > BPF_MAXINSNS))
		rc = -EINVAL;
	if (!rc && !(prog = malloc((size_t)size)))
		rc = -ENOMEM;
	if (!rc && pread(fd, prog, (size_t)size, 0) != size)
		rc = -EIO;
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	if (rc) {
		free(prog);
		return rc;
	}
	*out = (struct sock_fprog){ .len = (unsigned short)(size / (off_t)sizeof(*prog)),
		                    .filter = prog };
	return 0;
}

/* Compile role's list unless it is (under `lock`); 0, or -1 with why. */
static int ready(enum sandbox_role role, char *err, size_t errlen)
{
	int rc;

	if (progs[role].filter)
		return 0;
	rc = compile(&roles[role], &progs[role]);
	if (rc < 0) {
		snprintf(err, errlen, "cannot make the %s thread's system-call filter: %s",
		         roles[role].name, strerror(-rc));
		return -1;
	}
	return 0;
}

/* Load role's list on the calling thread (async-signal-safe); 0 or -errno. */
static int narrow_self(enum sandbox_role role)
{
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &progs[role]) < 0)
		return -errno;
	thread_role = roles[role].name;
	return 0;
}

/* SANDBOX_SIGNAL: the process's list is on; a thread noted waiting loads its own. */
static void on_signal(int sig)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);
	int e = errno;

	(void)sig;
	for (int i = 0; i < nwaiting; i++)
		if (waiting[i].tid == tid && pthread_equal(waiting[i].self, pthread_self()) &&
		    !__atomic_load_n(&waiting[i].done, __ATOMIC_ACQUIRE))
			__atomic_store_n(&waiting[i].done, narrow_self(waiting[i].role) ? -1 : 1,
			                 __ATOMIC_RELEASE);
	errno = e;
}

/* After the process's list: each thread noted loads its own; 0, or -1 with why. */
static int narrow_waiting(char *err, size_t errlen)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	struct timespec step = { 0, WAIT_STEP_US * 1000 };
	int n;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SANDBOX_SIGNAL, &sa, NULL) < 0) {
		snprintf(err, errlen, "cannot catch signal %d: %s", SANDBOX_SIGNAL,
		         strerror(errno));
		return -1;
	}
	pthread_mutex_lock(&lock);
	installed = true;
	n = nwaiting; /* no more are noted from now on */
	for (int i = 0; i < n; i++)
		if (ready(waiting[i].role, err, errlen) < 0) {
			pthread_mutex_unlock(&lock);
			return -1;
		}
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < n; i++) {
		int done = 0;

		if (syscall(SYS_tgkill, getpid(), waiting[i].tid, SANDBOX_SIGNAL) < 0) {
			if (errno == ESRCH)
				continue; /* that thread has ended */
			snprintf(err, errlen, "cannot signal the %s thread: %s",
			         roles[waiting[i].role].name, strerror(errno));
			return -1;
		}
		for (int t = 0; t < WAIT_US / WAIT_STEP_US && !done; t++) {
			done = __atomic_load_n(&waiting[i].done, __ATOMIC_ACQUIRE);
			if (!done)
				nanosleep(&step, NULL);
		}
		if (done != 1) {
			snprintf(err, errlen, "the %s thread %s its system-call filter",
			         roles[waiting[i].role].name,
			         done ? "cannot load" : "did not load");
			return -1;
		}
	}
	return 0;
}

int sandbox_install(char *err, size_t errlen)
{
	if (install(NULL, 0, err, errlen) < 0)
		return -1;
#ifdef NANVIXD_SANDBOX_TEST
	/* The test-only build (bin/tests/nanvixd.sandbox): prove a forbidden call is stopped. */
	{
		const char *req = getenv("NANVIXD_TEST_FORBIDDEN");

		if (req && strcmp(req, "vcpu") != 0)
			syscall(SYS_ptrace, 0, 0, 0, 0);
	}
#endif
	return narrow_waiting(err, errlen);
}

int sandbox_thread(enum sandbox_role role, char *err, size_t errlen)
{
	int rc = 0;

	if ((unsigned)role >= SANDBOX_ROLES) {
		snprintf(err, errlen, "no such thread role %d", (int)role);
		return -1;
	}
	if (thread_role) {
		if (thread_role == roles[role].name)
			return 0; /* already narrowed (vm_run is called again) */
		snprintf(err, errlen, "the %s thread cannot become a %s thread", thread_role,
		         roles[role].name);
		return -1;
	}
	pthread_mutex_lock(&lock);
	if (!installed) {
		/* sandbox_install will signal it (or never comes: --seccomp=off). */
		for (int i = 0; i < nwaiting; i++)
			if (pthread_equal(waiting[i].self, pthread_self()))
				goto out_unlock;
		if (nwaiting == WAITING_MAX) {
			snprintf(err, errlen, "more than %d threads wait for their filter",
			         WAITING_MAX);
			rc = -1;
			goto out_unlock;
		}
		waiting[nwaiting++] = (struct waiter){ .tid = (pid_t)syscall(SYS_gettid),
			                               .self = pthread_self(),
			                               .role = role };
		goto out_unlock;
	}
	rc = ready(role, err, errlen);
	pthread_mutex_unlock(&lock);
	if (rc < 0)
		return -1;
	if ((rc = narrow_self(role)) < 0) {
		snprintf(err, errlen, "cannot load the %s thread's system-call filter: %s",
		         roles[role].name, strerror(-rc));
		return -1;
	}
#ifdef NANVIXD_SANDBOX_TEST
	/* The test-only build: a call the process's list allows and the vCPU's does not
	 * (clone, with flags it refuses: EINVAL, were it allowed). */
	{
		const char *req = getenv("NANVIXD_TEST_FORBIDDEN");

		if (role == SANDBOX_VCPU && req && strcmp(req, "vcpu") == 0)
			syscall(SYS_clone, CLONE_THREAD, 0, 0, 0, 0);
	}
#endif
	return 0;
out_unlock:
	pthread_mutex_unlock(&lock);
	return rc;
}

void sandbox_set_name(const char *name)
{
	who = name;
}

void sandbox_set_event_fd(int fd)
{
	event_fd = fd;
}

int sandbox_install_list(const char *name, const char *const *calls, size_t ncalls,
                         const unsigned long *ioctls, size_t nioctls, char *err, size_t errlen)
{
	who = name;
	return load(false, calls, ncalls, NULL, 0, ioctls, nioctls, err, errlen);
}

int sandbox_install_uplink(char *err, size_t errlen)
{
	who = "nanvix-uplink";
	return install(uplink_extra, N(uplink_extra), err, errlen);
}
