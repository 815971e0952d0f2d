/* The spawner: a process forked before nanvixd confines itself, which starts programs for it later. */
/*
 * A nanvixd under its seccomp filter cannot make processes (execve is
 * forbidden), yet the network uplink (nanvix-uplink) starts lazily, at the
 * VM's first name lookup.  So, when that may happen, nanvixd forks this
 * small helper at its very start, before the VM's memory or any thread
 * exists (a later fork would share the guest's pages copy-on-write).  The
 * helper keeps only stdin, stdout, stderr and its end of a socket pair,
 * dies with nanvixd (PR_SET_PDEATHSIG), and serves one request a time:
 *
 *   request: the program's path and arguments as NUL-terminated strings,
 *            with one descriptor (SCM_RIGHTS) that becomes the program's fd 3;
 *   reply:   struct spawner_reply { errno (0: started), pid }.
 *
 * The program's exec is reported truthfully (a close-on-exec pipe).  Its
 * children are reaped by the helper (SIGCHLD ignored), so nanvixd sees
 * them as not its own: netsw's uplink_stop waits for them with kill(pid, 0).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <monitor/spawner.h>

#define REQ_MAX  8192 /* bytes of path and arguments */
#define ARGS_MAX 64
#define PROG_FD  3

struct spawner_reply {
	int32_t err;
	int32_t pid;
};

static int sock = -1;     /* nanvixd's end */
static pid_t helper = -1; /* the spawner */

/* In the new program's process: fd becomes 3, signals back to their defaults, exec. */
static void __attribute__((noreturn)) exec_child(char *const argv[], int fd, int report)
{
	sigset_t none;
	int e, f, rep;

	/* Out of the way first: either may be 3 or 4 already. */
	f = fcntl(fd, F_DUPFD, 64);
	rep = fcntl(report, F_DUPFD_CLOEXEC, 64);
	if (f < 0 || rep < 0 || dup2(f, PROG_FD) < 0 || dup2(rep, PROG_FD + 1) < 0) {
		e = errno;
		(void)!write(report, &e, sizeof(e));
		_exit(127);
	}
	fcntl(PROG_FD + 1, F_SETFD, FD_CLOEXEC);
	close_range(PROG_FD + 2, ~0u, 0);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execv(argv[0], argv);
	e = errno;
	(void)!write(PROG_FD + 1, &e, sizeof(e));
	_exit(127);
}

/* Start the program a request names; the reply to send. */
static struct spawner_reply spawn_one(char *buf, size_t len, int fd)
{
	struct spawner_reply r = { 0, 0 };
	char *argv[ARGS_MAX + 1];
	int argc = 0, pipefd[2], e = 0;
	size_t off = 0;
	pid_t pid;

	while (off < len && argc < ARGS_MAX) {
		size_t n = strnlen(buf + off, len - off);

		if (off + n == len)
			break; /* not terminated */
		argv[argc++] = buf + off;
		off += n + 1;
	}
	argv[argc] = NULL;
	if (argc == 0 || off != len || fd < 0) {
		r.err = EINVAL;
		return r;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		r.err = errno;
		return r;
	}
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		exec_child(argv, fd, pipefd[1]);
	}
	close(pipefd[1]);
	if (pid < 0) {
		r.err = errno;
	} else {
		while (read(pipefd[0], &e, sizeof(e)) < 0 && errno == EINTR)
			;
		r.err = e;
		r.pid = e ? 0 : pid;
	}
	close(pipefd[0]);
	return r;
}

/* The helper's life: requests until nanvixd closes its end or dies. */
static void __attribute__((noreturn)) serve(int s, pid_t parent)
{
	char buf[REQ_MAX], ctl[CMSG_SPACE(sizeof(int))];

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	signal(SIGCHLD, SIG_IGN); /* its programs are reaped as they end */
	if (s > 3)
		close_range(3, (unsigned)s - 1, 0);
	close_range((unsigned)s + 1, ~0u, 0);
	for (;;) {
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr m = { .msg_iov = &iov,
			            .msg_iovlen = 1,
			            .msg_control = ctl,
			            .msg_controllen = sizeof(ctl) };
		struct spawner_reply r;
		struct cmsghdr *c;
		ssize_t n = recvmsg(s, &m, MSG_CMSG_CLOEXEC);
		int fd = -1;

		if (n == 0 || (n < 0 && errno != EINTR))
			_exit(0);
		if (n < 0)
			continue;
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
			    c->cmsg_len == CMSG_LEN(sizeof(int)))
				memcpy(&fd, CMSG_DATA(c), sizeof(int));
		r = (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ? (struct spawner_reply){ E2BIG, 0 }
		                                             : spawn_one(buf, (size_t)n, fd);
		if (fd >= 0)
			close(fd);
		if (send(s, &r, sizeof(r), MSG_NOSIGNAL) != sizeof(r))
			_exit(0);
	}
}

int spawner_start(void)
{
	int sv[2];
	pid_t parent = getpid();

	if (helper > 0)
		return 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	helper = fork();
	if (helper < 0) {
		int e = errno;

		close(sv[0]);
		close(sv[1]);
		return -e;
	}
	if (helper == 0) {
		close(sv[0]);
		serve(sv[1], parent);
	}
	close(sv[1]);
	sock = sv[0];
	return 0;
}

bool spawner_running(void)
{
	return helper > 0;
}

int spawner_spawn(const char *path, char *const argv[], int fd, pid_t *pid)
{
	char buf[REQ_MAX], ctl[CMSG_SPACE(sizeof(int))];
	struct spawner_reply r;
	size_t len = 0, n;
	struct iovec iov;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (sock < 0)
		return ENOSYS;
	/* argv[0] is the path the program runs from (execv takes argv[0]). */
	for (int i = 0; argv[i]; i++) {
		const char *a = i == 0 ? path : argv[i];

		n = strlen(a) + 1;
		if (i >= ARGS_MAX || len + n > sizeof(buf))
			return E2BIG;
		memcpy(buf + len, a, n);
		len += n;
	}
	iov = (struct iovec){ buf, len };
	memset(ctl, 0, sizeof(ctl));
	m.msg_control = ctl;
	m.msg_controllen = sizeof(ctl);
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sock, &m, MSG_NOSIGNAL) != (ssize_t)len)
		return errno ? errno : EIO;
	for (;;) {
		ssize_t got = recv(sock, &r, sizeof(r), 0);

		if (got == (ssize_t)sizeof(r))
			break;
		if (got < 0 && errno == EINTR)
			continue;
		return got < 0 ? errno : EIO;
	}
	if (r.err)
		return r.err;
	*pid = r.pid;
	return 0;
}

void spawner_stop(void)
{
	if (sock >= 0)
		close(sock); /* the helper exits at end of file */
	sock = -1;
	if (helper > 0)
		while (waitpid(helper, NULL, 0) < 0 && errno == EINTR)
			;
	helper = -1;
}
