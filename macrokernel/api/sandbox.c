/* nanvix-api's confinement: a system-call allowlist once it listens, and a launcher that starts nanvixd outside it. */
/*
 * The daemon parses what any client sends (HTTP, JSON, paths), so once it
 * listens it confines itself (seccomp, libseccomp, with no_new_privs) to
 * what serving the API needs: its event loop (epoll, the signalfd and
 * timerfd, accepted sockets), the files of its state directory (console
 * logs, function bodies, snapshots, the audit log), /proc for metrics,
 * /dev/kvm for health (its API version, the only ioctl besides TCGETS),
 * and signals and waits for its VMs.  Forbidden: execve, fork and clone,
 * new sockets (but a connected pair for a VM's control channel), connect,
 * bind, listen, ptrace, mount, namespaces, module loading, bpf, keyrings,
 * io_uring and the rest.  A forbidden call traps: the handler writes one
 * line and the daemon exits with API_EXIT_SECCOMP (its VMs die with it:
 * PR_SET_PDEATHSIG).
 *
 * A filter is inherited across fork and execve, so a nanvixd the filtered
 * daemon started would run under the daemon's list, which would then
 * need all of nanvixd's (KVM, memfd, the uplink's sockets...) and execve:
 * hardly a confinement.  So the daemon forks a launcher first, before it
 * opens anything, reads its keys or listens: a process that keeps only
 * stdin, stdout, stderr and a socket pair, dies with the daemon and, on
 * request, starts nanvixd with the descriptors it is sent:
 *
 *   request: struct launch_req, then argc + envc NUL-terminated strings,
 *            with five descriptors (SCM_RIGHTS) on its first byte: the new
 *            process's stdin, stdout, stderr, fd 3, and the report pipe;
 *   reply:   struct launch_reply { errno (0: started), pid }.
 *
 * It clones the new process with CLONE_PARENT: a child of the daemon, as
 * when the daemon forked it itself, so the daemon's SIGCHLD, wait4 and
 * rusage, its process group and PR_SET_PDEATHSIG work as before.  It
 * starts only the daemon's own nanvixd (argv[0] must be api_opt.nanvixd),
 * so a compromised daemon gains nothing from it but the nanvixd command
 * lines it could already ask for; the launcher itself parses only the
 * daemon's requests.  With --no-seccomp there is no launcher and the
 * daemon forks nanvixd itself (launcher_spawn does either).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <monitor/sandbox.h>

#include "api.h"
#include "sandbox.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define LAUNCH_FDS      5         /* stdin, stdout, stderr, fd 3, the report pipe */
#define LAUNCH_BYTES    (4 << 20) /* of strings in a request, at most (execve's limit is less) */
#define LAUNCH_STRINGS  65536     /* argc + envc, at most */
#define LAUNCH_FD_FLOOR 64        /* descriptors are moved above this before dup2 */

struct launch_req {
	uint32_t len;  /* bytes of strings that follow */
	uint32_t argc; /* the first argc strings are argv, the next envc envp */
	uint32_t envc;
};

struct launch_reply {
	int32_t err;
	int32_t pid;
};

static int sock = -1;       /* the daemon's end of the launcher's socket pair */
static pid_t launcher = -1; /* the launcher's pid */

/* What the daemon calls once it listens (x86-64 names; unknown ones are skipped). */
/* clang-format off */
static const char *const allowed[] = {
	/* the event loop: epoll, the signalfd and timerfd, clients' sockets, the launcher's */
	"epoll_wait", "epoll_pwait", "epoll_ctl", "accept4", "accept", "read", "write", "readv",
	"writev", "recvfrom", "sendto", "recvmsg", "sendmsg", "getsockopt", "shutdown", "close",
	"fcntl", "poll", "ppoll",
	/* a VM's start: its control channel (a connected pair), the report pipe */
	"socketpair", "pipe2",
	/* the state directory (console logs, function bodies, snapshots, the audit log),
	 * /proc (metrics), /dev/kvm and the images (health, allowed paths) */
	"openat", "open", "newfstatat", "fstat", "stat", "lstat", "statx", "lseek", "pread64",
	"getdents64", "mkdir", "mkdirat", "unlink", "unlinkat", "rmdir", "rename", "renameat",
	"renameat2", "access", "faccessat", "faccessat2", "readlink", "readlinkat", "fsync",
	"fdatasync", "ftruncate", "ioctl",
	/* VMs: signalled and waited for (they are its children) */
	"kill", "wait4", "getpid", "getppid", "getuid", "geteuid",
	/* memory, time, randomness (ids, libsodium) */
	"brk", "mmap", "munmap", "mremap", "madvise", "mprotect", "clock_gettime",
	"clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time", "getrandom",
	/* signals and the end */
	"rt_sigprocmask", "rt_sigaction", "rt_sigreturn", "restart_syscall", "futex",
	"exit_group", "exit",
};
/* clang-format on */

/* ioctl only with these: health's KVM_GET_API_VERSION, stdio's terminal check. */
static const unsigned long allowed_ioctls[] = { KVM_GET_API_VERSION, TCGETS };

int api_sandbox_install(char *err, size_t errlen)
{
	/* The trap and its stop line are nanvixd's (monitor/sandbox.c), naming us:
	 * its status, NANVIXD_EXIT_SECCOMP, is API_EXIT_SECCOMP. */
	if (sandbox_install_list("nanvix-api", allowed, N(allowed), allowed_ioctls,
	                         N(allowed_ioctls), err, errlen) < 0)
		return -1;
#ifdef API_SANDBOX_TEST
	/* The test-only build (bin/tests/nanvix-api.sandbox): prove a forbidden call is
	 * stopped, a new socket (harmless were it allowed). */
	if (getenv("NANVIX_API_TEST_FORBIDDEN"))
		syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
#endif
	return 0;
}

/*
 * The new process, between fork (or clone) and exec (async-signal-safe
 * calls only): its own process group, killed with the daemon, fds[0..3]
 * as 0..3, default signals.  On failure the errno goes up `report`.
 */
static void __attribute__((noreturn))
spawn_child(char *const argv[], char *const envp[], const int fds[4], int report, pid_t daemon)
{
	static const int defaults[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGQUIT };
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	int high[4], rep, e;
	sigset_t none;

	/* Out of the way first: any of them may be 0..3 already (dup2 clears close-on-exec). */
	rep = fcntl(report, F_DUPFD_CLOEXEC, LAUNCH_FD_FLOOR);
	if (rep < 0) {
		rep = report;
		goto out_fail;
	}
	setpgid(0, 0);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != daemon)
		goto out_fail;
	for (int i = 0; i < 4; i++)
		if ((high[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, LAUNCH_FD_FLOOR)) < 0)
			goto out_fail;
	for (int i = 0; i < 4; i++)
		if (dup2(high[i], i) < 0)
			goto out_fail;
	for (size_t i = 0; i < N(defaults); i++)
		sigaction(defaults[i], &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(argv[0], argv, envp);
out_fail:
	e = errno;
	if (write(rep, &e, sizeof(e)) < 0) {
		/* the daemon sees the pipe close without a word: it reports an unknown error */
	}
	_exit(127);
}

/* In the launcher: start one request's program, a child of the daemon. */
static struct launch_reply launch(char *buf, const struct launch_req *h, const int fds[LAUNCH_FDS],
                                  pid_t daemon)
{
	struct launch_reply r = { 0, 0 };
	char **v = calloc((size_t)h->argc + 1 + h->envc + 1, sizeof(char *));
	size_t off = 0;
	uint32_t n = 0;
	pid_t pid;

	if (!v) {
		r.err = ENOMEM;
		return r;
	}
	/* argv, NULL, envp, NULL: every string terminated inside the buffer. */
	while (n < h->argc + h->envc && off < h->len) {
		size_t len = strnlen(buf + off, h->len - off);

		if (off + len == h->len)
			break;
		v[n < h->argc ? n : n + 1] = buf + off;
		off += len + 1;
		n++;
	}
	if (n != h->argc + h->envc || off != h->len || h->argc == 0 ||
	    strcmp(v[0], api_opt.nanvixd) != 0) {
		r.err = n == h->argc + h->envc && off == h->len && h->argc ? EPERM : EINVAL;
		free(v);
		return r;
	}
	pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0)
		spawn_child(v, v + h->argc + 1, fds, fds[4], daemon);
	if (pid < 0)
		r.err = errno;
	r.pid = pid < 0 ? 0 : pid;
	free(v);
	return r;
}

/* Exactly len bytes from s; false at end of file or on an error. */
static bool read_all(int s, void *p, size_t len)
{
	while (len) {
		ssize_t n = read(s, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p = (char *)p + n;
		len -= (size_t)n;
	}
	return true;
}

/* The launcher's life: requests until the daemon closes its end or dies. */
static void __attribute__((noreturn)) serve(int s, pid_t daemon)
{
	static const int group_signals[] = { SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGPIPE };
	char ctl[CMSG_SPACE(LAUNCH_FDS * sizeof(int))];

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != daemon)
		_exit(0);
	/* It is in the daemon's process group: a terminal's signals are the daemon's to
	 * act on (SIGHUP it ignores); the launcher goes when the daemon does. */
	for (size_t i = 0; i < N(group_signals); i++)
		signal(group_signals[i], SIG_IGN);
	if (s > 3)
		close_range(3, (unsigned)s - 1, 0);
	close_range((unsigned)s + 1, ~0u, 0);
	for (;;) {
		struct launch_req h;
		struct iovec iov = { &h, sizeof(h) };
		struct msghdr m = { .msg_iov = &iov,
			            .msg_iovlen = 1,
			            .msg_control = ctl,
			            .msg_controllen = sizeof(ctl) };
		struct launch_reply r = { EINVAL, 0 };
		int fds[LAUNCH_FDS], nfds = 0;
		struct cmsghdr *c;
		char *buf = NULL;
		ssize_t n = recvmsg(s, &m, MSG_CMSG_CLOEXEC | MSG_WAITALL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(h))
			_exit(0); /* the daemon is gone, or out of step */
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
				int got = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));

				for (int i = 0; i < got; i++) {
					int fd;

					memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
					if (nfds < LAUNCH_FDS)
						fds[nfds++] = fd;
					else
						close(fd);
				}
			}
		if (h.len > LAUNCH_BYTES || h.argc + (uint64_t)h.envc > LAUNCH_STRINGS)
			_exit(0); /* cannot skip it: out of step from here */
		buf = malloc(h.len ? h.len : 1);
		if (!buf || !read_all(s, buf, h.len))
			_exit(0);
		if (nfds == LAUNCH_FDS && !(m.msg_flags & MSG_CTRUNC))
			r = launch(buf, &h, fds, daemon);
		free(buf);
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		if (send(s, &r, sizeof(r), MSG_NOSIGNAL) != (ssize_t)sizeof(r))
			_exit(0);
	}
}

int launcher_start(void)
{
	pid_t daemon = getpid(), pid;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(sv[0]);
		close(sv[1]);
		return -e;
	}
	if (pid == 0) {
		close(sv[0]);
		serve(sv[1], daemon);
	}
	close(sv[1]);
	sock = sv[0];
	launcher = pid;
	return 0;
}

void launcher_stop(void)
{
	if (sock >= 0)
		close(sock); /* the launcher exits at end of file */
	sock = -1;
	if (launcher > 0)
		while (waitpid(launcher, NULL, 0) < 0 && errno == EINTR)
			;
	launcher = -1;
}

/* Send all of a request: its header with the descriptors, then the strings. */
static int send_request(const struct launch_req *h, const char *buf, const int fds[LAUNCH_FDS])
{
	char ctl[CMSG_SPACE(LAUNCH_FDS * sizeof(int))];
	struct iovec iov = { (void *)h, sizeof(*h) };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)
	};
	struct cmsghdr *c;
	size_t off = 0;

	memset(ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(LAUNCH_FDS * sizeof(int));
	memcpy(CMSG_DATA(c), fds, LAUNCH_FDS * sizeof(int));
	if (sendmsg(sock, &m, MSG_NOSIGNAL) != (ssize_t)sizeof(*h))
		return errno ? -errno : -EIO; /* a stream socket sends a header this small whole */
	while (off < h->len) {
		ssize_t n = send(sock, buf + off, h->len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		off += (size_t)n;
	}
	return 0;
}

pid_t launcher_spawn(char *const argv[], char *const envp[], const int fds[4], int report)
{
	struct launch_req h = { 0, 0, 0 };
	struct launch_reply r;
	int all[LAUNCH_FDS] = { fds[0], fds[1], fds[2], fds[3], report };
	size_t len = 0;
	char *buf;
	int rc;

	if (sock < 0) {
		pid_t daemon = getpid(), pid = fork();

		if (pid == 0)
			spawn_child(argv, envp, fds, report, daemon);
		return pid < 0 ? -errno : pid;
	}
	for (h.argc = 0; argv[h.argc]; h.argc++)
		len += strlen(argv[h.argc]) + 1;
	for (h.envc = 0; envp[h.envc]; h.envc++)
		len += strlen(envp[h.envc]) + 1;
	if (len > LAUNCH_BYTES || h.argc + (uint64_t)h.envc > LAUNCH_STRINGS)
		return -E2BIG;
	buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	h.len = (uint32_t)len;
	len = 0;
	for (uint32_t i = 0; i < h.argc + h.envc; i++) {
		const char *s = i < h.argc ? argv[i] : envp[i - h.argc];
		size_t n = strlen(s) + 1;

		memcpy(buf + len, s, n);
		len += n;
	}
	rc = send_request(&h, buf, all);
	free(buf);
	if (rc < 0)
		return rc;
	if (!read_all(sock, &r, sizeof(r)))
		return -EPIPE; /* the launcher is gone */
	return r.err ? -r.err : r.pid;
}
