/* Creating and starting a container: the waiting child, the exec fifo and nanvixd's command line. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "log.h"
#include "proc.h"
#include "spec.h"
#include "state.h"

#define WHY_MAX 1024

/* A growing NULL-terminated argument vector; out of memory ends the command. */
struct argv {
	char **v;
	size_t n, cap;
};

static void argv_add(struct argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void argv_add(struct argv *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (a->n + 2 > a->cap) {
		size_t cap = a->cap == 0 ? 64 : a->cap * 2;
		char **v = realloc(a->v, cap * sizeof(*v));

		if (v == NULL)
			goto oom;
		a->v = v;
		a->cap = cap;
	}
	va_start(ap, fmt);
	int rc = vasprintf(&s, fmt, ap);

	va_end(ap);
	if (rc < 0)
		goto oom;
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
	return;
oom:
	oci_error("out of memory");
	exit(1);
}

static void argv_free(struct argv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
}

/* nanvixd's path: beside nanvix-runc's own binary (both go to one bin directory). */
static int find_nanvixd(char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n < 0)
		return -1;
	self[n] = '\0';
	char *slash = strrchr(self, '/');

	if (slash == NULL)
		return -1;
	*slash = '\0';
	if (snprintf(out, len, "%s/nanvixd", self) >= (int)len)
		return -1;
	return access(out, X_OK);
}

/*
 * nanvixd's command line for SPEC (tmpfs directories under DIR/tmpfs):
 * the rootfs is the VM's / and PROGRAM a file of it (--in-vm).
 */
static void build_argv(struct argv *a, const char *nanvixd, const struct oci_spec *spec,
                       const char *dir)
{
	argv_add(a, "%s", nanvixd);
	argv_add(a, "-m");
	argv_add(a, "%lluM", (unsigned long long)spec->mem_mib);
	/* The caller's SIGKILL ends a stop (containerd, the kubelet's grace period). */
	argv_add(a, "--stop-timeout=86400");
	if (spec->pids)
		argv_add(a, "--pids-limit=%u", spec->pids);
	if (spec->cpus > 0)
		argv_add(a, "--cpus=%.3f", spec->cpus);
	argv_add(a, "%s", spec->terminal ? "--tty" : "--no-tty");
	argv_add(a, "-v");
	argv_add(a, "%s:/%s", spec->rootfs, spec->root_ro ? ":ro" : "");
	for (size_t i = 0; i < spec->nvols; i++) {
		const struct oci_volume *v = &spec->vols[i];

		argv_add(a, "-v");
		if (v->src != NULL)
			argv_add(a, "%s:%s%s", v->src, v->dst, v->ro ? ":ro" : "");
		else
			argv_add(a, "%s/tmpfs/%zu:%s%s", dir, i, v->dst, v->ro ? ":ro" : "");
	}
	for (size_t i = 0; i < spec->nenv; i++) {
		argv_add(a, "-e");
		argv_add(a, "%s", spec->env[i]);
	}
	argv_add(a, "-w");
	argv_add(a, "%s", spec->cwd);
	argv_add(a, "--in-vm");
	argv_add(a, "--");
	for (size_t i = 0; i < spec->nargs; i++)
		argv_add(a, "%s", spec->args[i]);
}

/* A private directory for each tmpfs mount: DIR/tmpfs/INDEX. */
static int make_tmpfs_dirs(const struct oci_spec *spec, const char *dir)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < spec->nvols; i++) {
		if (spec->vols[i].src != NULL)
			continue;
		if (snprintf(path, sizeof(path), "%s/tmpfs", dir) >= (int)sizeof(path))
			goto too_long;
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			goto fail;
		if (snprintf(path, sizeof(path), "%s/tmpfs/%zu", dir, i) >= (int)sizeof(path))
			goto too_long;
		/* mkdir's mode is masked by the umask: set tmpfs's 1777 explicitly. */
		if (mkdir(path, 0700) < 0 || chmod(path, 01777) < 0)
			goto fail;
	}
	return 0;
too_long:
	errno = ENAMETOOLONG;
fail:
	oci_error("cannot make a tmpfs directory in %s: %m", dir);
	return -1;
}

/*
 * A pseudo-terminal for a process.terminal container: the master goes to
 * the console socket (the shim copies its I/O), the slave becomes the
 * process's stdio.  Returns the slave, or -1 with the error logged.
 */
static int console_setup(const char *sock, const struct oci_spec *spec)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char name[64];
	int master = -1, slave = -1, s = -1;

	if (strlen(sock) >= sizeof(sa.sun_path)) {
		oci_error("console socket path %s is too long", sock);
		return -1;
	}
	strcpy(sa.sun_path, sock);
	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
	    ptsname_r(master, name, sizeof(name)) != 0) {
		oci_error("cannot allocate a pseudo-terminal: %m");
		goto fail;
	}
	slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0) {
		oci_error("cannot open %s: %m", name);
		goto fail;
	}
	if (spec->rows > 0 && spec->cols > 0) {
		struct winsize ws = { .ws_row = (unsigned short)spec->rows,
			              .ws_col = (unsigned short)spec->cols };

		ioctl(master, TIOCSWINSZ, &ws);
	}
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		oci_error("cannot connect to the console socket %s: %m", sock);
		goto fail;
	}
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = name, .iov_len = strlen(name) };
	struct msghdr msg = { .msg_iov = &iov,
		              .msg_iovlen = 1,
		              .msg_control = u.buf,
		              .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	memset(&u, 0, sizeof(u));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &master, sizeof(int));
	if (sendmsg(s, &msg, MSG_NOSIGNAL) < 0) {
		oci_error("cannot send the terminal to the console socket %s: %m", sock);
		goto fail;
	}
	close(s);
	close(master);
	return slave;
fail:
	if (s >= 0)
		close(s);
	if (master >= 0)
		close(master);
	if (slave >= 0)
		close(slave);
	return -1;
}

/*
 * A sandbox's placeholder: the pod's network namespace stays alive as long
 * as it does; it ends as the pause program does, at SIGTERM, SIGINT or
 * SIGHUP (status 0), or at SIGKILL.
 */
static void __attribute__((noreturn)) sandbox_wait(void)
{
	sigset_t set;
	int null = open("/dev/null", O_RDWR);

	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	prctl(PR_SET_NAME, "nanvix-sandbox");
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (;;) {
		if (sigwaitinfo(&set, NULL) > 0)
			_exit(0);
	}
}

/* In the child, before start: report WHY on the sync pipe and die. */
static void __attribute__((noreturn)) child_fail(int sync, const char *what, const char *arg)
{
	dprintf(sync, "%s %s: %s", what, arg, strerror(errno));
	_exit(1);
}

/*
 * The container's process: joins the network namespace, says it is ready
 * on SYNC, then blocks opening the fifo for writing until start opens it
 * for reading.  It writes one byte there and execs nanvixd (the fifo closes
 * on exec: start sees EOF) or, failing, writes why before exiting 127.
 */
static void __attribute__((noreturn))
child_main(int sync, int tty, const char *fifo, const struct oci_spec *spec, char **argv)
{
	sigset_t none;

	oci_log_close();
	setsid();
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	if (tty >= 0) {
		if (ioctl(tty, TIOCSCTTY, 0) < 0)
			child_fail(sync, "cannot make the terminal", "controlling");
		dup2(tty, 0);
		dup2(tty, 1);
		dup2(tty, 2);
		if (tty > 2)
			close(tty);
	}
	/* Nothing but stdio and the sync pipe reaches nanvixd (as runc without --preserve-fds). */
	if (sync > 3)
		close_range(3, (unsigned)sync - 1, 0);
	close_range((unsigned)sync + 1, ~0u, 0);
	if (spec->netns != NULL) {
		int fd = open(spec->netns, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			child_fail(sync, "cannot open the network namespace", spec->netns);
		if (setns(fd, CLONE_NEWNET) < 0)
			child_fail(sync, "cannot join the network namespace", spec->netns);
		close(fd);
	}
	if (spec->has_oom_score_adj) {
		int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

		if (fd < 0 || dprintf(fd, "%d", spec->oom_score_adj) < 0)
			child_fail(sync, "cannot set", "oom_score_adj");
		close(fd);
	}
	if (chdir("/") < 0)
		child_fail(sync, "cannot change directory to", "/");
	if (write(sync, "R", 1) != 1)
		_exit(1);
	close(sync);

	int fd = open(fifo, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, "0", 1) != 1)
		_exit(1);
	if (spec->sandbox) {
		close(fd);
		sandbox_wait();
	}
	execv(argv[0], argv);
	dprintf(fd, "cannot run %s: %s", argv[0], strerror(errno));
	_exit(127);
}

/* PATH written with the decimal PID, by rename of a temporary file beside it. */
static int write_pid_file(const char *path, pid_t pid)
{
	char tmp[PATH_MAX];

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0)
		return -1;
	if (dprintf(fd, "%d", (int)pid) < 0) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	return rename(tmp, path);
}

/* The child's report on the sync pipe: 0 when it is ready, else -1 with why logged. */
static int wait_ready(int sync, pid_t pid)
{
	char buf[WHY_MAX];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(buf) - 1 && ((n = read(sync, buf + got, sizeof(buf) - 1 - got)) > 0 ||
	                                 (n < 0 && errno == EINTR)))
		got += n > 0 ? (size_t)n : 0;
	buf[got] = '\0';
	if (got == 1 && buf[0] == 'R')
		return 0;
	waitpid(pid, NULL, 0);
	oci_error("%s", got > 0 ? buf : "the container's process died before it was ready");
	return -1;
}

static int create_in(const struct oci_create *c, const char *dir, struct oci_spec *spec)
{
	char nanvixd[PATH_MAX], fifo[PATH_MAX];
	struct argv a = { 0 };
	int sync[2] = { -1, -1 }, tty = -1, rc = -1;
	pid_t pid;

	if (!spec->sandbox && find_nanvixd(nanvixd, sizeof(nanvixd)) < 0) {
		oci_error("nanvixd is not beside nanvix-runc (%s): install both in one directory",
		          nanvixd);
		return -1;
	}
	if (make_tmpfs_dirs(spec, dir) < 0)
		return -1;
	if (!spec->sandbox) {
		char tmp[PATH_MAX];

		/* nanvixd's /tmp goes under the state directory: delete removes it even
		 * after the SIGKILL that ends a stop (nanvixd cannot clean up then). */
		if (snprintf(tmp, sizeof(tmp), "%s/tmp", dir) >= (int)sizeof(tmp) ||
		    (mkdir(tmp, 0700) < 0 && errno != EEXIST) ||
		    setenv("NANVIXD_TMPDIR", tmp, 1) < 0) {
			oci_error("cannot make %s: %m", tmp);
			return -1;
		}
		build_argv(&a, nanvixd, spec, dir);
		for (size_t i = 0; i < a.n; i++)
			oci_debug("nanvixd argv[%zu] = %s", i, a.v[i]);
	}
	if (snprintf(fifo, sizeof(fifo), "%s/%s", dir, OCI_FIFO_FILE) >= (int)sizeof(fifo) ||
	    mkfifo(fifo, 0600) < 0) {
		oci_error("cannot make %s: %m", fifo);
		goto out;
	}
	if (spec->terminal && (tty = console_setup(c->console_socket, spec)) < 0)
		goto out;
	if (pipe2(sync, O_CLOEXEC) < 0) {
		oci_error("pipe: %m");
		goto out;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		oci_error("fork: %m");
		goto out;
	}
	if (pid == 0) {
		close(sync[0]);
		child_main(sync[1], tty, fifo, spec, a.v);
	}
	close(sync[1]);
	sync[1] = -1;
	if (wait_ready(sync[0], pid) < 0)
		goto out;

	struct oci_state st = { .id = (char *)c->id,
		                .version = spec->version,
		                .bundle = spec->bundle,
		                .rootfs = spec->rootfs,
		                .pid = pid,
		                .start = oci_proc_start_time(pid),
		                .sandbox = spec->sandbox,
		                .annotations = spec->annotations };
	char created[64];

	oci_now(created, sizeof(created));
	st.created = created;
	if (oci_state_save(dir, &st) < 0) {
		oci_error("cannot write %s/%s: %m", dir, OCI_STATE_FILE);
		goto kill_child;
	}
	if (c->pid_file != NULL && write_pid_file(c->pid_file, pid) < 0) {
		oci_error("cannot write the pid file %s: %m", c->pid_file);
		goto kill_child;
	}
	rc = 0;
	goto out;
kill_child:
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
out:
	if (sync[0] >= 0)
		close(sync[0]);
	if (sync[1] >= 0)
		close(sync[1]);
	if (tty >= 0)
		close(tty);
	argv_free(&a);
	return rc;
}

/* DIR and its missing parents (mode 0711), as runc makes its --root. */
static int mkdir_p(const char *dir)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0711) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(path, 0711) < 0 && errno != EEXIST ? -1 : 0;
}

int oci_container_create(const struct oci_create *c)
{
	char dir[PATH_MAX], why[WHY_MAX];
	struct oci_spec spec;

	if (oci_spec_load(c->bundle, &spec, why, sizeof(why)) < 0) {
		oci_error("%s", why);
		return -1;
	}
	if (spec.terminal && c->console_socket == NULL) {
		oci_error("process.terminal is true but no --console-socket was given");
		goto fail_spec;
	}
	if (mkdir_p(c->root) < 0) {
		oci_error("cannot make the state directory %s: %m", c->root);
		goto fail_spec;
	}
	if (snprintf(dir, sizeof(dir), "%s/%s", c->root, c->id) >= (int)sizeof(dir)) {
		oci_error("the state directory path is too long");
		goto fail_spec;
	}
	if (mkdir(dir, 0700) < 0) {
		if (errno == EEXIST)
			oci_error("container with id %s already exists", c->id);
		else
			oci_error("cannot make %s: %m", dir);
		goto fail_spec;
	}
	if (create_in(c, dir, &spec) < 0) {
		oci_container_remove_dir(dir);
		goto fail_spec;
	}
	oci_spec_free(&spec);
	return 0;
fail_spec:
	oci_spec_free(&spec);
	return -1;
}

static int ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int)((now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000);
}

int oci_container_start(const char *dir, const char *id)
{
	char fifo[PATH_MAX], why[WHY_MAX], msg[WHY_MAX];
	struct oci_state st;
	struct timespec t0;
	size_t got = 0;
	int fd, started = 0, rc = -1;

	if (oci_state_load(dir, &st, why, sizeof(why)) < 0) {
		oci_error("container %s does not exist", id);
		return -1;
	}
	switch (oci_state_status(dir, &st)) {
	case OCI_STOPPED: oci_error("cannot start a container that has stopped"); goto out;
	case OCI_RUNNING: oci_error("cannot start an already running container"); goto out;
	case OCI_CREATED: break;
	}
	snprintf(fifo, sizeof(fifo), "%s/%s", dir, OCI_FIFO_FILE);
	/* Non-blocking: a child killed before start must not leave start blocked in open. */
	fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		oci_error("cannot open %s: %m", fifo);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char buf[256];

		poll(&p, 1, 100);
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n > 0) {
			size_t from = started ? 0 : 1;

			started = 1;
			for (size_t i = from; i < (size_t)n && got < sizeof(msg) - 1; i++)
				msg[got++] = buf[i];
			continue;
		}
		if (n == 0 && started)
			break; /* exec'd (the fifo is close-on-exec), or the child wrote why and died */
		if (!oci_proc_alive(st.pid, st.start)) {
			oci_error("the container's process exited before it was started");
			goto out_fd;
		}
		if (ms_since(&t0) > OCI_START_TIMEOUT_MS) {
			oci_error("the container's process did not answer start within %d ms",
			          OCI_START_TIMEOUT_MS);
			goto out_fd;
		}
		if (n == 0) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			nanosleep(&ts, NULL); /* no writer yet: poll reports POLLHUP at once */
		}
	}
	unlink(fifo);
	msg[got] = '\0';
	if (got > 0) {
		oci_error("%s", msg);
		goto out_fd;
	}
	rc = 0;
out_fd:
	close(fd);
out:
	oci_state_free(&st);
	return rc;
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT ? -1 : 0;
}

int oci_container_remove_dir(const char *dir)
{
	return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}
